// Dump modes: Kong's query command reads exactly one JSON document from stdout, so nothing else may
// be printed there (logs go to stderr in these modes).
import type { PluginRegistry } from '../plugins/registry.ts';

export type DumpMode = { kind: 'all' } | { kind: 'one'; name: string } | { kind: 'protocol' };

export function renderDump(mode: DumpMode, registry: PluginRegistry): string {
  const infos = registry.all().map((p) => p.info);
  switch (mode.kind) {
    case 'all':
      return JSON.stringify(infos);
    case 'protocol':
      return JSON.stringify({ Protocol: 'MsgPack:1', Plugins: infos });
    case 'one':
      // An array of one: Kong >= 3.9 reads `(dump.Plugins or dump)[1]` from a query command.
      return JSON.stringify([registry.get(mode.name.toLowerCase()).info]);
  }
}
