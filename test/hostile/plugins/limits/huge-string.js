// Attack: strings past V8's maximum length (2**29), by repeat and by doubling.
class Plugin {
  async access(kong) {
    const got = {};
    try {
      got.repeat = `length ${'x'.repeat(2 ** 29).length}`;
    } catch (e) {
      got.repeat = `${e.name}: ${e.message}`;
    }
    try {
      let s = 'y';
      for (let i = 0; i < 40; i++) s += s;
      got.doubling = `length ${s.length}`;
    } catch (e) {
      got.doubling = `${e.name}: ${e.message}`;
    }
    await kong.response.setHeader('x-got', JSON.stringify(got));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
