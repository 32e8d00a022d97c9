// Attack: unbounded recursion, plain and through a getter and toString; the RangeError must stay a
// catchable error inside the isolate.
class Plugin {
  async access(kong) {
    const got = {};
    const f = (n) => f(n + 1) + 1;
    try {
      f(0);
    } catch (e) {
      got.plain = `${e.name}: ${e.message}`;
    }
    const o = {
      get self() {
        return this.self;
      },
    };
    try {
      void o.self;
    } catch (e) {
      got.getter = e.name;
    }
    const s = { toString() { return `${this}`; } };
    try {
      String(s);
    } catch (e) {
      got.toString = e.name;
    }
    await kong.response.setHeader('x-got', JSON.stringify(got));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
