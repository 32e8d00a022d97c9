// Attack: ArrayBuffers live outside the V8 heap; ask for 2 GB, 1 GB and 256 MB at once.
class Plugin {
  async access(kong) {
    const got = {};
    for (const size of [2 ** 31, 2 ** 30, 2 ** 28]) {
      try {
        got[size] = `allocated ${new ArrayBuffer(size).byteLength}`;
      } catch (e) {
        got[size] = `${e.name}: ${e.message}`;
      }
    }
    await kong.response.setHeader('x-got', JSON.stringify(got));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
