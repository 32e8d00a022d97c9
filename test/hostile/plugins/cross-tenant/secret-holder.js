// A tenant that puts its secret through the shard channel again and again (20 PDK calls per event).
class Plugin {
  constructor(config) {
    this.config = config;
  }
  async access(kong) {
    for (let i = 0; i < 20; i++) await kong.service.request.setHeader('authorization', `Bearer ${this.config.secret}-${i}`);
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
