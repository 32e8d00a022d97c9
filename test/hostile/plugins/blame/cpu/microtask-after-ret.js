// Attack: the handler returns (Kong would get "ret") and leaves a microtask behind that loops.
class Plugin {
  access() {
    Promise.resolve().then(() => Promise.resolve()).then(() => {
      for (;;) {}
    });
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
