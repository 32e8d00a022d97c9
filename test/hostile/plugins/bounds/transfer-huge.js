// Attack: ArrayBuffer.prototype.transfer / transferToFixedLength to 1 GB and 2 GB, and held.
const kept = [];
class Plugin {
  async access(kong) {
    const got = {};
    for (const [label, make] of [
      ['transfer', () => new ArrayBuffer(16).transfer(2 ** 30)],
      ['transferToFixedLength', () => new ArrayBuffer(16).transferToFixedLength(2 ** 31)],
      ['manyTransfers', () => { for (let i = 0; i < 10; i++) kept.push(new ArrayBuffer(1).transfer(8 * 1048576)); }],
    ]) {
      try {
        make();
        got[label] = 'allocated';
      } catch (e) {
        got[label] = e.name;
      }
    }
    got.keptMb = kept.length * 8;
    await kong.response.setHeader('x-got', JSON.stringify(got));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
