// Every server option with its default, validated once at the edge, then frozen. The options,
// their defaults and their checks are config/option-table.ts; this file turns the table into the
// schema and ServerOptions.
import path from 'node:path';
import { z } from 'zod';
import type { PlacementMode } from '../shards/slots.ts';
import { OptionError } from '../errors.ts';
import { OPTION_TABLE, type OptionKey } from './option-table.ts';

export { FAILURE_POLICIES, type FailurePolicy } from './option-table.ts';

type Table = typeof OPTION_TABLE;
type Shape = { [K in OptionKey]: ReturnType<Table[K]['check']> };

/** Each option's value when its flag is not given (undefined: none, or computed from others). */
export const DEFAULTS = Object.freeze(Object.fromEntries(Object.entries(OPTION_TABLE).map(([k, row]) => [k, row.default]))) as {
  readonly [K in OptionKey]: Table[K]['default'];
};

const schema = z.object(Object.fromEntries(Object.entries(OPTION_TABLE).map(([k, row]) => [k, row.check(`--${row.flag}`)])) as Shape);

/** Options as the command line gives them (numbers may still be strings), before buildOptions checks them. */
export type RawOptions = z.input<typeof schema>;
type Checked = z.output<typeof schema>;
/** table entries ServerOptions does not hold as they are, but turns into the fields below */
type Derived = 'kongPrefix' | 'sockName' | 'placement' | 'shardMemoryLimitMb' | 'verbose';

export type ServerOptions = Readonly<
  Omit<Checked, Derived> & {
    /** kongPrefix/sockName */
    socketPath: string;
    /** plugins that get shards of their own */
    dedicatedPlugins: readonly string[];
    /** how the other plugins' instances go to the general shards (see shards/slots.ts) */
    placementMode: PlacementMode;
    /** MB of RSS past which a shard is replaced */
    shardMemoryLimitMb: number;
    logLevel: string;
  }
>;

/** idle RSS measured on Node 24 (installed package, x64): a shard with no instance, the supervisor */
export const IDLE_SHARD_MB = 80;
export const IDLE_SUPERVISOR_MB = 90;

/**
 * --shards when not given: one general shard per plugin that shares them, at most one per core.
 * Spread placement keeps all instances of a plugin on one shard, so general shards beyond the
 * number of plugins never hold an instance, and an idle shard costs IDLE_SHARD_MB of RSS. 2 when
 * the number is not known (an empty or unreadable directory).
 */
export function defaultShards(sharingPlugins: number | null): number {
  if (sharingPlugins === null || sharingPlugins === 0) return Math.min(2, DEFAULTS.shards);
  return Math.min(DEFAULTS.shards, sharingPlugins);
}

/** A shard holds many instances; its cap leaves room for several of them at their heap limit. */
export function defaultShardMemoryLimitMb(memoryLimitMb: number): number {
  return Math.max(1024, 8 * memoryLimitMb);
}

/**
 * Options for the tools that run plugins without serving Kong (check, kong-conf, PluginTest,
 * benchmarks): every default, checked by the same rules, with the given overrides.
 */
export function toolOptions(overrides: Partial<RawOptions> & { pluginsDir: string }): ServerOptions {
  // isolatePool 0: a tool starts a few instances once; isolates built ahead would only cost time
  return buildOptions({ ...DEFAULTS, isolatePool: 0, ...overrides });
}

export function buildOptions(raw: RawOptions): ServerOptions {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new OptionError(parsed.error.issues.map((i) => i.message).join('; '));
  }
  const { kongPrefix, sockName, placement, shardMemoryLimitMb, verbose, ...o } = parsed.data;
  return Object.freeze({
    ...o,
    socketPath: path.resolve(kongPrefix, sockName),
    pluginsDir: path.resolve(o.pluginsDir),
    dedicatedPlugins: Object.freeze(placement.filter((p) => p.startsWith('dedicated=')).flatMap((p) => p.slice(10).split(',').filter(Boolean).map((n) => n.toLowerCase()))),
    placementMode: placementMode(placement),
    shardMemoryLimitMb: shardMemoryLimitMb ?? defaultShardMemoryLimitMb(o.memoryLimitMb),
    logLevel: verbose >= 2 ? 'debug' : 'info',
  });
}

function placementMode(entries: readonly string[]): PlacementMode {
  const modes = new Set(entries.filter((p): p is PlacementMode => p === 'spread' || p === 'balance'));
  if (modes.size > 1) throw new OptionError('--placement spread and --placement balance exclude each other');
  return modes.has('balance') ? 'balance' : 'spread';
}
