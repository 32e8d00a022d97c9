// Attack: Object.keys, Object.entries and Array.isArray replaced so that a size check built on them
// sees nothing, then one PDK call with 12 000 references to one 64 KB string (750 MB as a tree).
Object.keys = () => [];
Object.entries = () => [];
Array.isArray = () => false;
class Plugin {
  async access(kong) {
    const big = 'K'.repeat(65536);
    let outcome;
    try {
      await kong.response.setHeader('x-arg', { a: new Array(12000).fill(big) });
      outcome = 'sent';
    } catch (e) {
      outcome = `${e.name}: ${e.message}`;
    }
    await kong.response.setHeader('x-got', `{"outcome":${JSON.stringify(outcome)}}`);
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
