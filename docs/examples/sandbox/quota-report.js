// Reads the sandbox section of kong.node.getMemoryStats(): the calling instance's own quotas.
class Plugin {
  async access(kong) {
    const { sandbox } = await kong.node.getMemoryStats();
    await kong.response.setHeader('x-heap-limit-mb', String(Math.round(sandbox.heap_limit / 1024 / 1024)));
    await kong.response.setHeader('x-cpu-budget-ms', String(sandbox.cpu_budget_ms));
    if (sandbox.heap_used_ratio > 0.8) await kong.log.warn('heap above 80 % of its limit');
  }
}

module.exports = { Plugin, Version: '1.0.0', Priority: 0 };
