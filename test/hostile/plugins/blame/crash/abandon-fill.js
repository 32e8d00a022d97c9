// Attack: the shard dies when an abandoned event's catch runs: no request of this plugin is out at
// the shard then (it runs from the event's deadline), while the neighbour's are.
class Plugin {
  async access(kong) {
    try {
      await kong.request.getHeader('x-never');
    } catch {
      new Array(2 ** 28).fill(0);
    }
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
