// Attack: Promise.prototype.then swallows every callback (and Promise.resolve is replaced), so a
// runtime that waits for the handler's promise with them never learns the handler finished.
Promise.prototype.then = function () { return this; };
Promise.resolve = (v) => ({ then() {} , v });
class Plugin {
  async access(kong) {
    await kong.response.setHeader('x-got', '{"served":true}');
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
