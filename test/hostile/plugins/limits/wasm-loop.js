// Attack: an infinite loop in WebAssembly, (module (func (export "f") (loop (br 0)))), where no
// JavaScript runs to check for interrupts.
const bytes = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type section: () -> ()
  0x03, 0x02, 0x01, 0x00, // function section
  0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, // export "f"
  0x0a, 0x09, 0x01, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b, // code: loop br 0 end end
]);
class Plugin {
  async access(kong) {
    let instance;
    try {
      instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
    } catch (e) {
      await kong.response.setHeader('x-got', JSON.stringify({ wasm: `${e.name}: ${e.message}` }));
      return;
    }
    instance.exports.f();
    await kong.response.setHeader('x-got', JSON.stringify({ wasm: 'the loop ended' }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
