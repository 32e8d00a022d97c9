// Attack: after abandonment every PDK call fails at once; the catch retries forever, a loop made of
// microtasks only (no statement loops on its own), to keep the isolate busy after the event ended.
class Plugin {
  async access(kong) {
    for (;;) {
      try {
        await kong.request.getHeader('x-never');
      } catch {
        // try again
      }
    }
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
