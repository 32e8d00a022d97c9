// Attack: a growable SharedArrayBuffer (reserved outside the heap limit), grown to 200 MB.
class Plugin {
  async access(kong) {
    const got = { sab: typeof SharedArrayBuffer, again: typeof Function('return this')().SharedArrayBuffer };
    try {
      const b = new SharedArrayBuffer(1, { maxByteLength: 2 ** 32 });
      b.grow(200 * 1048576);
      new Uint8Array(b).fill(1);
      got.grownMb = b.byteLength / 1048576;
    } catch (e) {
      got.error = e.name;
    }
    await kong.response.setHeader('x-got', JSON.stringify(got));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
