// Attack: PDK arguments over --max-payload-size: one 20 MB string, and the same 20 MB string five
// times in one array (100 MB once copied).
class Plugin {
  async access(kong) {
    const s = 'B'.repeat(20 * 1024 * 1024);
    const got = {};
    for (const [label, value] of [['20MB', s], ['100MB', [s, s, s, s, s]]]) {
      try {
        await kong.response.setHeader('x-big', value);
        got[label] = 'sent';
      } catch (e) {
        got[label] = `${e.name}: ${e.message}`;
      }
    }
    await kong.response.setHeader('x-got', JSON.stringify(got));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
