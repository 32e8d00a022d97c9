// Attack: 12 000 typed-array views (Uint8Array, Float64Array, DataView) over one 64 KB buffer.
class Plugin {
  async access(kong) {
    const buf = new ArrayBuffer(65536);
    const views = [];
    for (let i = 0; i < 12000; i++) views.push(i % 3 === 0 ? new Uint8Array(buf) : i % 3 === 1 ? new Float64Array(buf) : new DataView(buf));
    let outcome;
    try {
      await kong.response.setHeader('x-arg', views);
      outcome = 'sent';
    } catch (e) {
      outcome = `${e.name}: ${e.message}`;
    }
    await kong.response.setHeader('x-got', JSON.stringify({ outcome }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
