// A tenant whose events wait on Kong between two calls (the forge attack aims at such an event),
// and that answers with its own secret header.
class Plugin {
  constructor(config) {
    this.config = config;
  }
  async access(kong) {
    const who = await kong.request.getHeader('x-user');
    await kong.service.request.setHeader('authorization', `Bearer ${this.config.secret}`);
    await kong.response.setHeader('x-victim', `served ${who}`);
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
