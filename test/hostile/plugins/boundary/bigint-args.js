// Attack: BigInt PDK arguments, one that fits 64 bits and one that does not.
class Plugin {
  async access(kong) {
    const got = {};
    for (const [label, value] of [['small', 1n], ['huge', 2n ** 70n]]) {
      try {
        await kong.response.setHeader(`x-${label}`, value);
        got[label] = 'sent';
      } catch (e) {
        got[label] = `${e.name}: ${e.message.split('\n')[0]}`;
      }
    }
    await kong.response.setHeader('x-got', JSON.stringify(got));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
