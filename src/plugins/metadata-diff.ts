// What Kong would see differently after a reload. Kong reads phases, priority, version and schema
// only when it starts, so these changes need a Kong restart even though the code swaps now.
import type { PluginInfo } from '../rpc/protocol.ts';

export function metadataChanges(before: PluginInfo, after: PluginInfo): string[] {
  const changes: string[] = [];
  if (before.Version !== after.Version) changes.push(`Version ${before.Version} → ${after.Version}`);
  if (before.Priority !== after.Priority) changes.push(`Priority ${before.Priority} → ${after.Priority}`);
  if (before.Phases.join(',') !== after.Phases.join(',')) changes.push(`Phases [${before.Phases.join(', ')}] → [${after.Phases.join(', ')}]`);
  if (JSON.stringify(before.Schema) !== JSON.stringify(after.Schema)) changes.push('Schema changed');
  return changes;
}
