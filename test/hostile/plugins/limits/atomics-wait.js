// Attack: Atomics.wait on a SharedArrayBuffer nobody will ever notify: the thread sleeps forever
// without running any JavaScript the CPU limit could interrupt.
class Plugin {
  async access(kong) {
    if (typeof SharedArrayBuffer !== 'function') {
      await kong.response.setHeader('x-got', JSON.stringify({ sab: 'unavailable' }));
      return;
    }
    const cell = new Int32Array(new SharedArrayBuffer(4));
    const woke = Atomics.wait(cell, 0, 0);
    await kong.response.setHeader('x-got', JSON.stringify({ woke }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
