// Attack: values the copy accepts but msgpack has no type for: Map, Set, RegExp, Error,
// boxed primitives, negative zero, NaN, Infinity, a Uint8Array (a Date: see date-arg.js).
class Plugin {
  async access(kong) {
    await kong.response.setHeader('x-exotic', [
      new Map([['k', 1]]),
      new Set(['s']),
      /re/g,
      new RangeError('e'),
      new Boolean(false),
      new String('s'),
      new Number(7),
      -0,
      NaN,
      Infinity,
      new Uint8Array([1, 2, 3]),
    ]);
    await kong.response.setHeader('x-got', JSON.stringify({ done: true }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
