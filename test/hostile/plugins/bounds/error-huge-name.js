// Attack: a thrown error whose name and stack are 2 MB each, and a thrown non-Error whose JSON is
// 4 MB (JSON.stringify replaced too).
String.prototype.slice = function () { return String(this); };
JSON.stringify = () => 'J'.repeat(4 << 20);
class Plugin {
  async access() {
    const e = new Error('m');
    Object.defineProperty(e, 'name', { value: 'N'.repeat(2 << 20) });
    Object.defineProperty(e, 'stack', { value: 'S'.repeat(2 << 20) });
    throw e;
  }
  async rewrite() {
    throw { not: 'an error' };
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
