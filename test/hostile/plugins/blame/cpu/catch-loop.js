// Attack: a catch after a PDK call that Kong never answers. When the event is abandoned the call is
// rejected and the catch loops: it must run in a slice of the event, under what is left of its budget.
class Plugin {
  async access(kong) {
    try {
      await kong.request.getHeader('x-never');
    } catch {
      for (;;) {}
    }
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
