// Attack: what the handler throws is read by the runtime to report it. Throw an Error whose message
// and stack getters throw (access), a 16 MB string (rewrite), a Proxy that throws on every trap
// (response), and log the same Proxy (log).
const trapAll = new Proxy({}, new Proxy({}, { get: () => () => { throw new Error('trap'); } }));
class Plugin {
  async access() {
    const e = new Error('x');
    Object.defineProperty(e, 'message', { get() { throw new Error('message getter'); } });
    Object.defineProperty(e, 'stack', { get() { throw new Error('stack getter'); } });
    throw e;
  }
  async rewrite() {
    throw 'T'.repeat(16 * 1024 * 1024);
  }
  async response() {
    throw trapAll;
  }
  async log() {
    console.log('hostile value:', trapAll);
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
