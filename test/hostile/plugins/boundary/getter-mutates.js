// Attack: getters that change the object being copied (add a thousand keys, empty an array, swap a
// value for a function) while the runtime copies it.
class Plugin {
  async access(kong) {
    const list = [1, 2, 3];
    const arg = {
      get grow() {
        for (let i = 0; i < 1000; i++) this[`k${i}`] = i;
        return 'grew';
      },
      get shrink() {
        list.length = 0;
        return 'shrank';
      },
      list,
      get swap() {
        arg.later = () => 'function';
        return 'swapped';
      },
      later: 'plain',
    };
    let outcome;
    try {
      await kong.response.setHeader('x-arg', arg);
      outcome = 'sent';
    } catch (e) {
      outcome = `${e.name}: ${e.message}`;
    }
    await kong.response.setHeader('x-got', JSON.stringify({ outcome }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
