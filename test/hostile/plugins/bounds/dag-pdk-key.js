// Attack: one 64 KB key shared by 12 000 objects (750 MB of keys once copied), behind 10 001 small values.
class Plugin {
  async access(kong) {
    const key = 'Y'.repeat(65536);
    const objects = [];
    for (let i = 0; i < 12000; i++) objects.push({ [key]: i });
    let outcome;
    try {
      await kong.response.setHeader('x-arg', [objects, ...new Array(10001).fill(1)]);
      outcome = 'sent';
    } catch (e) {
      outcome = `${e.name}: ${e.message}`;
    }
    await kong.response.setHeader('x-got', JSON.stringify({ outcome }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
