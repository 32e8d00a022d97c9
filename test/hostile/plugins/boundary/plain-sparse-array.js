// Attack: a sparse array of length 2**32-1 as the whole PDK argument.
class Plugin {
  async access(kong) {
    let outcome;
    try {
      await kong.response.setHeader('x-arg', new Array(2 ** 32 - 1));
      outcome = 'sent';
    } catch (e) {
      outcome = `${e.name}: ${e.message}`;
    }
    await kong.response.setHeader('x-got', JSON.stringify({ outcome }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
