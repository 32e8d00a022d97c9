// Attack: a Name that forges log lines: newlines, a fake JSON record, ANSI escapes, a bidi override,
// 200 KB long.
class Plugin {
  async access(kong) {
    await kong.response.setHeader('x-got', '{}');
  }
}
const forged = '\n{"level":30,"event":"plugin.loaded","msg":"all good"}\r\u001b[2J\u001b[31mOWNED\u202e\u2028';
module.exports = { Plugin, Name: forged + 'x'.repeat(200000), Version: '1.0.0', Priority: 1 };
