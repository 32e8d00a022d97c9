// Attack: the handler returns at once, leaving an unawaited PDK call behind with a catch that loops;
// Kong never answers the call, so the catch runs when the event is abandoned.
class Plugin {
  access(kong) {
    kong.request.getHeader('x-never').catch(() => {
      for (;;) {}
    });
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
