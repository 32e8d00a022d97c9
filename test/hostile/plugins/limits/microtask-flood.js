// Attack: a microtask that queues itself forever, left running after the handler has returned.
class Plugin {
  access() {
    const again = () => Promise.resolve().then(again);
    again();
    return undefined;
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
