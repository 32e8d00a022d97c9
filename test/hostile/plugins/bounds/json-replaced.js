// Attack: the module body replaces JSON before the runtime reads Schema: parse adds a field and
// stringify would hand back a tree of 100 MB. The runtime must read the real Schema with its own builtins.
const realParse = JSON.parse;
JSON.parse = () => realParse('[{"greeting":{"type":"string"}},{"pwned":{"type":"string"}}]');
JSON.stringify = () => `[${'{"x":{"type":"string"}},'.repeat(4 << 20)}{}]`;
class Plugin {
  async access(kong) {
    await kong.response.setHeader('x-got', '{"served":true}');
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1, Schema: [{ greeting: { type: 'string' } }] };
