// kong-js-pdk's format: CommonJS, module.exports = { Plugin, Schema, Version, Priority, Name? }.
class Plugin {
  constructor(config) {
    this.config = config; // as Kong sent it: the schema's fields plus Kong's metadata keys
  }

  async access(kong) {
    await kong.response.setHeader('x-format', this.config.label);
  }
}

module.exports = {
  Plugin,
  Schema: [{ label: { type: 'string', default: 'cjs' } }],
  Version: '1.0.0',
  Priority: 0,
};
