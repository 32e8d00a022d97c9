// Not an attack: another plugin that reports whether Object.prototype (and friends) of its isolate
// carry anything an attacker may have put on a prototype elsewhere.
class Plugin {
  async access(kong) {
    const o = {};
    const got = {
      polluted: o.polluted === undefined ? 'clean' : String(o.polluted),
      objectProtoKeys: Object.getOwnPropertyNames(Object.prototype).filter((k) => /polluted/.test(k)),
      arrayPolluted: [].polluted === undefined ? 'clean' : 'polluted',
      fnPolluted: (function () {}).polluted === undefined ? 'clean' : 'polluted',
    };
    await kong.response.setHeader('x-got', JSON.stringify(got));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
