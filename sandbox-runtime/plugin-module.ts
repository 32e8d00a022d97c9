// Reads what the plugin bundle exported (kong-js-pdk format, or an ESM/TS equivalent) and describes
// it for Kong. Runs inside the isolate: plugin code never runs in the host, not even for metadata.
const PHASES = ['certificate', 'rewrite', 'log', 'access', 'preread', 'response'] as const;

export interface PluginExports {
  Plugin: new (config: unknown) => Record<string, unknown>;
  Name?: unknown;
  Version?: unknown;
  Priority?: unknown;
  Schema?: unknown;
}

// The shape the host reads (type only: nothing of the host runs here).
import type { PluginDescription } from '../src/sandbox/host-api.ts';

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

export function describePlugin(mod: PluginExports): PluginDescription {
  const proto = mod.Plugin.prototype as Record<string, unknown>;
  return {
    name: typeof mod.Name === 'string' ? mod.Name : null,
    version: plain(mod.Version),
    priority: plain(mod.Priority),
    phases: PHASES.filter((p) => typeof proto[p] === 'function'),
    filters: ['header_filter', 'body_filter'].filter((p) => typeof proto[p] === 'function'),
    schemaFields: mod.Schema === undefined ? [] : JSON.parse(JSON.stringify(mod.Schema)),
  };
}

// Only primitives leave the isolate as metadata; the host validates them.
function plain(v: unknown): unknown {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : v === undefined ? null : String(v);
}
