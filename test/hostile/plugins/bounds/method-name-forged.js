// Attack: PDK method names that forge log lines or reach odd places: newlines, a JSON record, ANSI,
// dots inside one name, non-ASCII.
class Plugin {
  async access(kong) {
    const names = ['x\n{"level":50,"event":"instance.killed"}', 'get.header', '\u001b[2Jclear', 'naïve', ''];
    const got = {};
    for (const n of names) {
      try {
        await kong.request[n]('x');
        got[n] = 'called';
      } catch (e) {
        got[n] = e.name;
      }
    }
    await kong.response.setHeader('x-got', JSON.stringify(got));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
