// Attack: errors created by the host side and thrown into plugin code (a StepError from Kong, a call
// whose arguments cannot be copied). Their constructor chains and stacks must lead nowhere but the
// isolate itself.
function inspect(e) {
  const F = e.constructor.constructor;
  return {
    name: e.name,
    message: e.message,
    stack: String(e.stack),
    isOwnError: e instanceof Error,
    ctorChainGlobal: F('return this')() === globalThis,
    ctorChainProcess: F('return typeof process')(),
    protoChain: (() => {
      const names = [];
      for (let p = Object.getPrototypeOf(e); p; p = Object.getPrototypeOf(p)) names.push(p.constructor && p.constructor.name);
      return names;
    })(),
  };
}

class Plugin {
  async access(kong) {
    const got = {};
    try {
      await kong.request.getHeader('x-fails'); // the test answers with plugin.StepError
    } catch (e) {
      got.stepError = inspect(e);
    }
    try {
      await kong.response.setHeader('x-fn', () => 1);
    } catch (e) {
      got.cloneError = inspect(e);
    }
    await kong.response.setHeader('x-got', JSON.stringify(got));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
