// Attack: the array iterator (for…of, spread) yields nothing, then 12 000 references to one 64 KB string.
Array.prototype[Symbol.iterator] = function* () {};
class Plugin {
  async access(kong) {
    const big = 'I'.repeat(65536);
    const arg = [];
    for (let i = 0; i < 12000; i++) arg[i] = big;
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
