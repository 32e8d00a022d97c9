// Reports the config its constructor received (keys, prototype) and whether it polluted anything.
class Plugin {
  constructor(config) {
    this.config = config;
    this.seenPolluted = ({}).polluted;
  }
  async access(kong) {
    const c = this.config;
    const proto = Object.getPrototypeOf(c);
    await kong.response.setHeader('x-got', JSON.stringify({
      keys: Object.keys(c),
      proto: proto === null ? 'null' : proto === Object.prototype ? 'Object' : 'other',
      ownProto: Object.prototype.hasOwnProperty.call(c, '__proto__') ? c['__proto__'] : null,
      ownConstructor: Object.prototype.hasOwnProperty.call(c, 'constructor') ? c['constructor'] : null,
      polluted: [this.seenPolluted, ({}).polluted, c.polluted].map((v) => (v === undefined ? 'clean' : String(v))),
    }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
