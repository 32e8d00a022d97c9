// Attack: typed arrays sized by element count (1 GB of doubles, 4 GB of bytes, 2 GB of BigInts), then
// 8 MB Uint8Arrays kept until something says no.
const kept = [];
class Plugin {
  async access(kong) {
    const got = {};
    for (const [label, make] of [
      ['Float64Array(2**27)', () => new Float64Array(2 ** 27)],
      ['Uint8Array(2**32)', () => new Uint8Array(2 ** 32)],
      ['BigInt64Array(2**28)', () => new BigInt64Array(2 ** 28)],
    ]) {
      try {
        got[label] = `allocated ${make().byteLength}`;
      } catch (e) {
        got[label] = `${e.name}: ${e.message}`;
      }
    }
    try {
      for (let i = 0; i < 1000; i++) kept.push(new Uint8Array(8 * 1024 * 1024));
    } catch (e) {
      got.keptError = `${e.name}: ${e.message}`;
    }
    got.keptMb = kept.length * 8;
    await kong.response.setHeader('x-got', JSON.stringify(got));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
