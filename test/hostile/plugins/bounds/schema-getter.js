// Attack: a Schema field behind a getter that answers differently each time it is read (and grows).
let reads = 0;
const field = { type: 'string' };
Object.defineProperty(field, 'default', { enumerable: true, get: () => 'G'.repeat(1024 * ++reads) });
class Plugin {
  async access(kong) {
    await kong.response.setHeader('x-got', '{}');
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1, Schema: [{ f: field }] };
