// Attack: the names a Node module would use to reach the host: process, require, module, Buffer,
// timers, __dirname. `require` and `module` exist only as the bundler's local shims.
class Plugin {
  async access(kong) {
    const tryRequire = (name) => {
      try {
        const m = require(name);
        return `loaded ${typeof m}`;
      } catch (e) {
        return `${e.name}: ${e.message}`;
      }
    };
    const dynamicName = ['child', 'process'].join('_');
    const got = {
      process: typeof process,
      globalProcess: typeof globalThis.process,
      global: typeof global,
      Buffer: typeof Buffer,
      setTimeout: typeof setTimeout,
      setImmediate: typeof setImmediate,
      queueMicrotask: typeof queueMicrotask,
      dirname: typeof __dirname,
      filename: typeof __filename,
      globalRequire: typeof globalThis.require,
      globalModule: typeof globalThis.module,
      requireFs: tryRequire(['f', 's'].join('')),
      requireChildProcess: tryRequire(dynamicName),
      requireMain: typeof require.main,
      requireCache: typeof require.cache,
      moduleKeys: Object.keys(module),
      moduleCtorProcess: module.constructor.constructor('return typeof process')(),
    };
    await kong.response.setHeader('x-got', JSON.stringify(got));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
