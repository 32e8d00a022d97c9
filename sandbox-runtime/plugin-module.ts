// Reads what the plugin bundle exported (kong-js-pdk format, or an ESM/TS equivalent) and describes
// it for Kong. Runs inside the isolate: plugin code never runs in the host, not even for metadata.
// The module body ran before this and may have replaced any builtin, so this reads with the
// runtime's own (./intrinsics.ts), and what leaves is a fresh plain tree measured as the host will
// see it (./bounded-copy.ts), refused past --max-metadata-size.
import { boundedCopy } from './bounded-copy.ts';
import { $String, arrayPush, newArray, record } from './intrinsics.ts';
import type { NamesAll, Phase } from '../src/rpc/protocol.ts';

// The host's phases (src/rpc/protocol.ts), in the order Kong is told them (the host's values do not
// cross into the isolate: checked against its type instead).
const PHASES = ['certificate', 'rewrite', 'log', 'access', 'preread', 'response'] as const satisfies readonly Phase[];
true satisfies NamesAll<typeof PHASES, Phase>;
const FILTERS = ['header_filter', 'body_filter'] as const;

export interface PluginExports {
  Plugin: new (config: unknown) => Record<string, unknown>;
  Name?: unknown;
  Version?: unknown;
  Priority?: unknown;
  Schema?: unknown;
}

// The shape the host reads (type only: nothing of the host runs here).
import type { PluginDescription } from '../src/instances/instance-host.ts';

export type { PluginDescription };

const EXPORTS_GLOBAL = '__kps_exports';

export function collectExports(): PluginExports {
  const g = globalThis as Record<string, unknown>;
  let mod = g[EXPORTS_GLOBAL] as Record<string, unknown> | undefined;
  g[EXPORTS_GLOBAL] = undefined;
  if (mod && typeof mod === 'object' && typeof mod.Plugin !== 'function' && mod.default && typeof mod.default === 'object') {
    mod = mod.default as Record<string, unknown>;
  }
  if (!mod || typeof mod !== 'object' || typeof mod.Plugin !== 'function') {
    throw new Error('the module does not export a Plugin class (module.exports = { Plugin, Version, Priority, Schema })');
  }
  return mod as unknown as PluginExports;
}

export function describePlugin(mod: PluginExports, maxBytes: number): PluginDescription {
  const proto = mod.Plugin.prototype as Record<string, unknown>;
  const phases = newArray<string>();
  for (let i = 0; i < PHASES.length; i++) if (typeof proto[PHASES[i]!] === 'function') arrayPush(phases, PHASES[i]!);
  const filters = newArray<string>();
  for (let i = 0; i < FILTERS.length; i++) if (typeof proto[FILTERS[i]!] === 'function') arrayPush(filters, FILTERS[i]!);
  const read = record({
    Name: typeof mod.Name === 'string' ? mod.Name : null,
    Version: plain(mod.Version),
    Priority: plain(mod.Priority),
    Schema: mod.Schema === undefined ? newArray() : mod.Schema,
  });
  // One budget for everything the host will read; Schema with plain-data rules (no getter runs).
  const copied = boundedCopy(read, { limit: maxBytes, what: 'the exported metadata', flag: '--max-metadata-size', mode: 'metadata' }) as {
    Name: string | null;
    Version?: unknown;
    Priority?: unknown;
    Schema?: unknown;
  };
  return record({
    name: copied.Name, version: copied.Version ?? null, priority: copied.Priority ?? null,
    phases, filters, schemaFields: copied.Schema ?? null,
  });
}

// Only primitives leave the isolate as metadata; the host validates them.
function plain(v: unknown): unknown {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : v === undefined ? null : $String(v);
}
