// Attack: one 64 KB string referenced 100 000 times in an array: 800 KB of heap, 6.5 GB once every
// reference is copied out as its own string.
class Plugin {
  async access(kong) {
    const arg = new Array(100000).fill('S'.repeat(65536));
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
