// Attack: import() straight from V8 (through eval and the Function constructor, so the bundler does
// not rewrite it): node:fs, a bare specifier, a data: URL, a file path.
class Plugin {
  async access(kong) {
    const specifiers = ['node:fs', 'child_process', 'data:text/javascript,export default globalThis', '/etc/passwd', 'file:///etc/hostname'];
    const viaEval = (s) => eval('import(s)');
    const viaFunction = new Function('s', 'return import(s)');
    const got = {};
    for (const s of specifiers) {
      for (const [how, f] of [['eval', viaEval], ['Function', viaFunction]]) {
        try {
          const m = await f(s);
          got[`${how} ${s}`] = `LOADED ${Object.keys(m).join(',')}`;
        } catch (e) {
          got[`${how} ${s}`] = `${e.name}: ${e.message}`;
        }
      }
    }
    await kong.response.setHeader('x-got', JSON.stringify(got));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
