// Attack: the Function constructor reached from any function gives "the" global object. In a naive
// vm sandbox that is the host's global (process, require). Reports what that global holds.
const STANDARD = new Set(Object.getOwnPropertyNames(globalThis));

class Plugin {
  async access(kong) {
    const g = (function () {}).constructor('return this')();
    const arrow = (() => {}).constructor('return this')();
    const viaBind = Function.prototype.bind.constructor('return this')();
    const got = {
      sameAsOwnGlobal: g === globalThis && arrow === globalThis && viaBind === globalThis,
      process: typeof g.process,
      require: typeof g.require,
      module: typeof g.module,
      Buffer: typeof g.Buffer,
      setTimeout: typeof g.setTimeout,
      hostNames: Object.getOwnPropertyNames(g).filter((n) => !STANDARD.has(n)),
      globals: Object.getOwnPropertyNames(g).sort(),
      indirectEvalProcess: (0, eval)('typeof process'),
    };
    await kong.response.setHeader('x-got', JSON.stringify(got));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
