// kong.node.getMemoryStats() answers with Kong's statistics unchanged plus a `sandbox` section for
// the calling instance (additive: plugins written for Kong's shape keep working).
import type { InstanceStats } from '../instances/instance-host.ts';
import type { SandboxMemoryStats } from '../sdk/kong.ts';

export function withSandboxStats(kongStats: unknown, s: InstanceStats): unknown {
  // Kong returns a table; anything else (an error in Kong >= 3.0 arrives as nil) passes through.
  if (typeof kongStats !== 'object' || kongStats === null || Array.isArray(kongStats) || kongStats instanceof Uint8Array) return kongStats;
  const sandbox: SandboxMemoryStats = {
    instance_id: s.InstanceId,
    heap_used: s.HeapUsed,
    heap_total: s.HeapTotal,
    external_memory: s.ExternalMemory,
    heap_limit: s.HeapLimit,
    heap_used_ratio: s.HeapFraction,
    cpu_time_ms: s.CpuTimeMs,
    cpu_budget_ms: s.CpuBudgetMs,
  };
  const out: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(kongStats)) {
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  out.sandbox = sandbox;
  return out;
}
