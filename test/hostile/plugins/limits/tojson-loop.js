// Attack: objects whose toJSON, toString, valueOf and Symbol.toPrimitive loop forever. In access they
// are PDK arguments (copying must not call them); in rewrite one is logged (formatting does call
// toJSON); in response one is thrown (the error report formats it).
class Evil {
  constructor() {
    this.a = 1;
  }
  toJSON() { for (;;) {} }
  toString() { for (;;) {} }
  valueOf() { for (;;) {} }
  [Symbol.toPrimitive]() { for (;;) {} }
}
const evil = () => new Evil();
class Plugin {
  async access(kong) {
    await kong.response.setHeader('x-arg', evil());
    await kong.response.setHeader('x-got', JSON.stringify({ sent: true }));
  }
  async rewrite() {
    console.log('formatting', evil());
  }
  async response() {
    throw evil();
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
