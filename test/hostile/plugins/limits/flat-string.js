// Attack: 'z'.repeat(2**27) is a cheap rope; indexOf flattens it into one 128 MB string (4 times the
// 32 MB heap limit), which stays referenced across the await and is garbage once the event ends.
class Plugin {
  async access(kong) {
    const s = 'z'.repeat(2 ** 27);
    const stats = await kong.node.getMemoryStats(s.indexOf('q'));
    await kong.response.setHeader('x-got', JSON.stringify({ heapMb: Math.round(stats.sandbox.heap_used / 1048576), limitMb: Math.round(stats.sandbox.heap_limit / 1048576) }));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
