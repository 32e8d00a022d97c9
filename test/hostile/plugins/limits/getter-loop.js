// Attack: the handler is a getter that loops when the runtime looks it up on the instance (the
// prototype lookup at load time, when Kong's phases are listed, stays harmless).
class Plugin {
  get access() {
    if (this === Plugin.prototype) return function access() {};
    for (;;) {}
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
