// Attack: strings with unpaired UTF-16 surrogates (which have no UTF-8 encoding) in PDK arguments,
// as values and as map keys.
class Plugin {
  async access(kong) {
    const key = 'k\uDC00';
    await kong.response.setHeader('x-lone', ['\uD800', '\uDFFF', 'a\uD800b', '\uDC00\uD800', '\uD83D\uDE00']);
    await kong.response.setHeader('x-keys', { [key]: 'v' });
    await kong.response.setHeader('x-got', JSON.stringify({ done: true }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
