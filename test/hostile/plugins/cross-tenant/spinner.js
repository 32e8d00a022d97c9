// Attack: a tenant that takes its shard's time (an endless loop after a PDK answer) or its memory,
// while other tenants on the same shard have requests in flight.
const kept = [];
class Plugin {
  async access(kong) {
    await kong.request.getHeader('x-any');
    for (;;) {}
  }
  async rewrite() {
    for (;;) kept.push(new Array(100000).fill(kept.length));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
