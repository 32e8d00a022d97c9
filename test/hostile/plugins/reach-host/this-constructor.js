// Attack: this.constructor.constructor (the plugin instance → its class → Function) and the async /
// generator function constructors, asked for process, require and the global.
class Plugin {
  async access(kong) {
    const F = this.constructor.constructor;
    const AsyncF = (async () => {}).constructor;
    const GenF = function* () {}.constructor;
    const got = {
      process: F('return typeof process')(),
      require: F('return typeof require')(),
      global: F('return typeof global')(),
      sameGlobal: F('return this')() === globalThis,
      asyncProcess: await AsyncF('return typeof process')(),
      genProcess: GenF('yield typeof process')().next().value,
      hostProcessViaThrow: (() => {
        try {
          F('return process.mainModule.require("child_process")')();
          return 'reached';
        } catch (e) {
          return `${e.name}: ${e.message}`;
        }
      })(),
    };
    await kong.response.setHeader('x-got', JSON.stringify(got));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
