// Reports Kong's memory statistics (kong.node.getMemoryStats, answered by Kong with
// plugin.StepMemoryStats) in a response header.
'use strict';

class MemoryReport {
  async access(kong) {
    const stats = await kong.node.getMemoryStats();
    const workers = (stats && stats.workers_lua_vms) || [];
    const total = workers.reduce((sum, w) => sum + (Number(w.http_allocated_gc) || 0), 0);
    await kong.response.setHeader('x-lua-vms-gc-bytes', String(total));
    await kong.response.setHeader('x-lua-vms', String(workers.length));
  }
}

module.exports = { Plugin: MemoryReport, Schema: [], Version: '0.1.0', Priority: 10 };
