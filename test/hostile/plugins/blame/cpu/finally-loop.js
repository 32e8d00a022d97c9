// Attack: a finally that loops once the abandoned event's pending PDK call is rejected.
class Plugin {
  async access(kong) {
    try {
      await kong.request.getHeader('x-never');
    } finally {
      for (;;) {}
    }
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
