// Attack: a tiny graph with shared references (x = [x, x], 30 times over a 1 KB string): 31 objects
// when copied as a graph, 2**30 strings (1 TB) when written out as a tree.
class Plugin {
  async access(kong) {
    let x = 'D'.repeat(1000);
    for (let i = 0; i < 30; i++) x = [x, x];
    let outcome;
    try {
      await kong.response.setHeader('x-arg', x);
      outcome = 'sent';
    } catch (e) {
      outcome = `${e.name}: ${e.message}`;
    }
    await kong.response.setHeader('x-got', JSON.stringify({ outcome }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
