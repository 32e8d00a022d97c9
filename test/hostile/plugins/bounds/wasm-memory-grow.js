// Attack: WebAssembly memory (outside the heap limit): grow one to 200 MB and touch every page.
class Plugin {
  async access(kong) {
    const got = {};
    try {
      const mem = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
      mem.grow(3200);
      new Uint8Array(mem.buffer).fill(1);
      got.grownMb = mem.buffer.byteLength / 1048576;
    } catch (e) {
      got.error = `${e.name}: ${e.message}`;
    }
    await kong.response.setHeader('x-got', JSON.stringify(got));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
