// Attack: an Atomics.waitAsync continuation that loops forever, due 20 ms after the event has ended
// (V8 resolves it from a task, outside any call the host made).
class Plugin {
  async access(kong) {
    let waitAsync = 'unavailable';
    if (typeof SharedArrayBuffer === 'function' && typeof Atomics.waitAsync === 'function') {
      const cell = new Int32Array(new SharedArrayBuffer(4));
      const r = Atomics.waitAsync(cell, 0, 0, 20);
      if (r.async) {
        r.value.then(() => {
          for (;;) {}
        });
        waitAsync = 'scheduled';
      }
    }
    await kong.response.setHeader('x-got', JSON.stringify({ waitAsync }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
