// The same plugin as an ES module: named exports instead of module.exports.
export class Plugin {
  constructor(config) {
    this.config = config;
  }

  async access(kong) {
    await kong.response.setHeader('x-format', this.config.label);
  }
}

export const Schema = [{ label: { type: 'string', default: 'esm' } }];
export const Version = '1.0.0';
export const Priority = 0;
