// Attack: break the builtins the sandbox runtime depends on (Promise.prototype.then, Array.prototype
// push and shift, Map.prototype.get/set, JSON.stringify, Function.prototype.call), hoping to wedge or
// confuse the runtime that other instances rely on. Event 1 reports what it sees, then breaks them.
class Plugin {
  async access(kong) {
    const pristine = [Promise.prototype.then, Array.prototype.push, Map.prototype.get, JSON.stringify].every((f) => /\[native code\]/.test(Function.prototype.toString.call(f)));
    await kong.response.setHeader('x-got', JSON.stringify({ pristine }));
    Promise.prototype.then = function () {
      throw new Error('then broken');
    };
    Array.prototype.push = function () {
      return 0;
    };
    Array.prototype.shift = function () {
      return undefined;
    };
    Map.prototype.get = function () {
      return undefined;
    };
    Map.prototype.set = function () {
      return this;
    };
    JSON.stringify = function () {
      throw new Error('stringify broken');
    };
    Function.prototype.call = function () {
      throw new Error('call broken');
    };
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
