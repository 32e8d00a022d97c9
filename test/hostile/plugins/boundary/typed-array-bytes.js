// Attack: zero-filled typed arrays that are not Uint8Array (and a DataView, an ArrayBuffer) as PDK
// arguments. Kong must get exactly their bytes: all zeros. Anything else is memory that was not theirs.
class Plugin {
  async access(kong) {
    const n = Number(await kong.request.getHeader('x-size'));
    await kong.response.setHeader('x-f64', new Float64Array(n));
    await kong.response.setHeader('x-u16', new Uint16Array(n));
    await kong.response.setHeader('x-u32', new Uint32Array(n));
    await kong.response.setHeader('x-dv', new DataView(new ArrayBuffer(n)));
    await kong.response.setHeader('x-ab', new ArrayBuffer(n));
    await kong.response.setHeader('x-got', JSON.stringify({ n }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
