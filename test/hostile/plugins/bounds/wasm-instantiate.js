// Attack: a module that declares its own memory of 3200 pages (200 MB), instantiated; also the
// global found again through a Function constructor.
const bytes = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x05, 0x04, 0x01, 0x00, 0x80, 0x19, // memory section: min 3200 pages
  0x07, 0x07, 0x01, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, // export "mem"
]);
class Plugin {
  async access(kong) {
    const got = { again: typeof Function('return this')().WebAssembly };
    try {
      const { instance } = await WebAssembly.instantiate(bytes);
      new Uint8Array(instance.exports.mem.buffer).fill(1);
      got.mb = instance.exports.mem.buffer.byteLength / 1048576;
    } catch (e) {
      got.error = `${e.name}: ${e.message}`;
    }
    await kong.response.setHeader('x-got', JSON.stringify(got));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
