// The neighbour every hostile family serves beside its attacks (stageFamily copies it in): x-in → x-out with a prefix.
class Plugin {
  constructor(config) { this.config = config; }
  async access(kong) {
    const v = await kong.request.getHeader('x-in');
    await kong.response.setHeader('x-out', `${this.config.prefix || ''}${v}`);
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1, Schema: [{ prefix: { type: 'string' } }] };
