// Attack: the shard dies in a later slice of the event (after Kong answered a PDK call), not in the
// slice HandleEvent started: blame follows the code that runs, whatever request brought it in.
class Plugin {
  async access(kong) {
    await kong.request.getHeader('x-in');
    new Array(2 ** 28).fill(0);
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
