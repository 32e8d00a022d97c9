// Attack: one 64 KB field name shared by 400 Schema entries: 26 MB of keys once written out.
const key = 'k'.repeat(65536);
const entries = [];
for (let i = 0; i < 400; i++) entries.push({ [key]: { type: 'string' } });
class Plugin {
  async access(kong) {
    await kong.response.setHeader('x-got', '{}');
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1, Schema: entries };
