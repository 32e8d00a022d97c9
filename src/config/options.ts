// Every server option with its default, validated once at the edge, then frozen.
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { PlacementMode } from '../shards/slots.ts';
import { OptionError } from '../errors.ts';
import { parseAllowFetch, type FetchAllowList } from './allow-fetch.ts';

export const FAILURE_POLICIES = ['closed', 'open'] as const;
export type FailurePolicy = (typeof FAILURE_POLICIES)[number];

export interface ServerOptions {
  readonly socketPath: string;
  readonly pluginsDir: string;
  /** MB of V8 heap per instance isolate */
  readonly memoryLimitMb: number;
  readonly pluginMemoryLimitMb: Readonly<Record<string, number>>;
  /** ms one slice of plugin code may run before the instance is stopped */
  readonly cpuLimitMs: number;
  /** ms for a plugin's module body and constructor */
  readonly startTimeoutMs: number;
  /** ms an event may wait on its plugin, and on Kong, before it is ended */
  readonly eventTimeoutMs: number;
  readonly maxFrameSize: number;
  readonly onPluginError: FailurePolicy;
  readonly shutdownTimeoutMs: number;
  /** ms a call may outlive its time limit before its shard is killed */
  readonly killGraceMs: number;
  /** shard processes for isolates; 0 = isolates in this process (unsafe for untrusted code) */
  readonly shards: number;
  /** plugins that get shards of their own */
  readonly dedicatedPlugins: readonly string[];
  /** how the other plugins' instances go to the general shards (see shards/slots.ts) */
  readonly placementMode: PlacementMode;
  /** blank isolates each shard keeps built ahead of StartInstance; 0 = none */
  readonly isolatePool: number;
  /** MB of RSS past which a shard is replaced */
  readonly shardMemoryLimitMb: number;
  /** heap used / quota at which an instance logs a warning (once per crossing) */
  readonly memoryWarnRatio: number;
  /** PDK calls one event may make */
  readonly maxPdkCalls: number;
  /** PDK calls one event may have queued at once (Promise.all floods) */
  readonly maxPendingCalls: number;
  /** events one instance may run at once */
  readonly maxEventsPerInstance: number;
  /** bytes (approximate) of one PDK call's arguments or one result crossing the isolate boundary */
  readonly maxPayloadBytes: number;
  /** bytes of a plugin's exported metadata (Schema and the rest), counted as a tree */
  readonly maxMetadataBytes: number;
  /** plugin → the origins its fetch may reach (--allow-fetch); none by default */
  readonly allowFetch: FetchAllowList;
  /** ms one fetch may take, redirects included (never past its event's deadline) */
  readonly fetchTimeoutMs: number;
  /** bytes of one fetch response body; reading stops and the request is aborted past it */
  readonly maxFetchBytes: number;
  /** fetches one event may start */
  readonly maxFetchesPerEvent: number;
  /** fetches one instance may have in flight at once */
  readonly maxConcurrentFetches: number;
  /** timers one event may have pending at once */
  readonly maxTimers: number;
  /** bytes of data one crypto.subtle operation may take (also capped by maxPayloadBytes) */
  readonly maxCryptoBytes: number;
  /** bytes of one crypto.subtle key's material (raw, DER, or a JWK's fields) */
  readonly maxCryptoKeyBytes: number;
  /** largest RSA modulus crypto.subtle accepts, bits */
  readonly maxRsaBits: number;
  /** host:port of the Prometheus /metrics and /healthz endpoint, or null (off) */
  readonly metricsListen: { host: string; port: number } | null;
  /** hot reload: watch the plugins directory */
  readonly watch: boolean;
  /** ms of quiet after a change before a plugin is rebuilt */
  readonly watchDebounceMs: number;
  /** bytes a plugin's bundle may read (all its files together) and be */
  readonly maxBundleBytes: number;
  /** ms one plugin's build (checking its files, resolving, reading, bundling) may take */
  readonly buildTimeoutMs: number;
  readonly logLevel: string;
}

export const DEFAULTS = {
  kongPrefix: '/usr/local/kong',
  sockName: 'js_pluginserver.sock',
  memoryLimitMb: 64,
  cpuLimitMs: 100,
  startTimeoutMs: 2000,
  eventTimeoutMs: 60_000,
  maxFrameSize: 32 * 1024 * 1024,
  onPluginError: 'closed' as FailurePolicy,
  shutdownTimeoutMs: 10_000,
  killGraceMs: 500,
  /** the most shards the default gives (see defaultShards) */
  shards: Math.max(2, os.availableParallelism()),
  placement: 'spread',
  isolatePool: 2,
  watch: false,
  watchDebounceMs: 50,
  memoryWarnRatio: 0.8,
  maxPdkCalls: 1000,
  maxPendingCalls: 100,
  maxEventsPerInstance: 1000,
  maxPayloadBytes: 16 * 1024 * 1024,
  maxMetadataBytes: 1024 * 1024,
  fetchTimeoutMs: 10_000,
  maxFetchBytes: 4 * 1024 * 1024,
  maxFetchesPerEvent: 16,
  maxConcurrentFetches: 64,
  maxTimers: 100,
  // SHA-256 of 4 MiB is ~10 ms of host CPU, AES-GCM less: one operation stays well inside a 100 ms
  // event budget, and a JWT or a signed request body is far smaller
  maxCryptoBytes: 4 * 1024 * 1024,
  // an 8192-bit RSA private key is ~4.8 KB of PKCS #8, ~6.5 KB as a JWK's fields
  maxCryptoKeyBytes: 16 * 1024,
  // verifying with an 8192-bit key is ~0.5 ms, signing ~60 ms; keys past that only cost the host
  maxRsaBits: 8192,
  // a bundle lives in every instance's heap (64 MB by default) as source and compiled code, so one
  // near a quarter of it is already too big to serve; real plugins with their npm dependencies
  // bundle to well under 4 MB
  maxBundleBytes: 16 * 1024 * 1024,
  // esbuild bundles a plugin in tens of ms, a large dependency tree in about a second on a loaded
  // machine; a build still running after 10 s is refused, and only costs start-up that much
  buildTimeoutMs: 10_000,
} as const;

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

const positiveInt = (name: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .min(min, `${name} must be at least ${min}`)
    .max(max, `${name} must be at most ${max}`);

const schema = z.object({
  kongPrefix: z.string().min(1),
  sockName: z.string().min(1),
  pluginsDir: z.string().min(1, '--plugins-directory (-d) is required'),
  memoryLimitMb: positiveInt('--memory-limit', 8, 8192),
  pluginMemoryLimit: z.array(z.string()),
  cpuLimitMs: positiveInt('--cpu-limit', 1, 3_600_000),
  startTimeoutMs: positiveInt('--start-timeout', 10, 3_600_000),
  eventTimeoutMs: positiveInt('--event-timeout', 10, 3_600_000),
  maxFrameSize: positiveInt('--max-frame-size', 1024, 1024 * 1024 * 1024),
  onPluginError: z.enum(FAILURE_POLICIES, { error: '--on-plugin-error must be "closed" or "open"' }),
  shutdownTimeoutMs: positiveInt('--shutdown-timeout', 0, 3_600_000),
  killGraceMs: positiveInt('--kill-grace', 10, 600_000),
  shards: positiveInt('--shards', 0, 256),
  isolatePool: positiveInt('--isolate-pool', 0, 1000),
  // repeatable: `--placement balance --placement dedicated=a,b`
  placement: z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : [v]))
    .pipe(z.array(z.string().regex(/^(spread|balance|dedicated=[A-Za-z0-9_,-]+)$/, '--placement must be "spread", "balance" or "dedicated=NAME,..."'))),
  watch: z.boolean(),
  memoryWarnRatio: z.coerce.number({ error: '--memory-warn-ratio must be a number' }).gt(0, '--memory-warn-ratio must be above 0').max(1, '--memory-warn-ratio must be at most 1'),
  maxPdkCalls: positiveInt('--max-pdk-calls', 1, 10_000_000),
  maxPendingCalls: positiveInt('--max-pending-calls', 1, 1_000_000),
  maxEventsPerInstance: positiveInt('--max-events-per-instance', 1, 1_000_000),
  maxPayloadBytes: positiveInt('--max-payload-size', 1024, 1024 * 1024 * 1024),
  maxMetadataBytes: positiveInt('--max-metadata-size', 1024, 256 * 1024 * 1024),
  allowFetch: z.array(z.string()).default([]),
  fetchTimeoutMs: positiveInt('--fetch-timeout', 1, 3_600_000),
  maxFetchBytes: positiveInt('--max-fetch-bytes', 0, 1024 * 1024 * 1024),
  maxFetchesPerEvent: positiveInt('--max-fetches-per-event', 0, 1_000_000),
  maxConcurrentFetches: positiveInt('--max-concurrent-fetches', 1, 1_000_000),
  maxTimers: positiveInt('--max-timers', 0, 1_000_000),
  maxCryptoBytes: positiveInt('--max-crypto-bytes', 1024, 1024 * 1024 * 1024),
  maxCryptoKeyBytes: positiveInt('--max-crypto-key-size', 256, 1024 * 1024),
  maxRsaBits: positiveInt('--max-rsa-bits', 1024, 16384),
  metricsListen: z
    .string()
    .regex(/^(([^:]+|\[[0-9a-fA-F:]+\]):)?\d{1,5}$/, '--metrics-listen expects PORT or HOST:PORT')
    .optional(),
  watchDebounceMs: positiveInt('--watch-debounce', 0, 60_000),
  maxBundleBytes: positiveInt('--max-bundle-size', 1024, 1024 * 1024 * 1024),
  buildTimeoutMs: positiveInt('--build-timeout', 1, 3_600_000),
  shardMemoryLimitMb: positiveInt('--shard-memory-limit', 64, 1024 * 1024).optional(),
  verbose: z.number().int().min(0),
});

/**
 * Options for the tools that run plugins without serving Kong (check, kong-conf, PluginTest,
 * benchmarks): every default, checked by the same rules, with the given overrides.
 */
export function toolOptions(overrides: Partial<RawOptions> & { pluginsDir: string }): ServerOptions {
  // isolatePool 0: a tool starts a few instances once; isolates built ahead would only cost time
  return buildOptions({
    ...DEFAULTS, isolatePool: 0, pluginMemoryLimit: [], allowFetch: [], verbose: 0, shardMemoryLimitMb: undefined, metricsListen: undefined,
    ...overrides,
  });
}

export type RawOptions = Omit<z.input<typeof schema>, 'onPluginError'> & { onPluginError: string };

export function buildOptions(raw: RawOptions): ServerOptions {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new OptionError(parsed.error.issues.map((i) => i.message).join('; '));
  }
  const o = parsed.data;
  // no prototype: a plugin named "constructor" must not find Object.prototype.constructor here
  const perPlugin: Record<string, number> = Object.create(null);
  for (const entry of o.pluginMemoryLimit) {
    const m = /^([^=]+)=(\d+)$/.exec(entry);
    if (!m) throw new OptionError(`--plugin-memory-limit expects NAME=MB, got "${entry}"`);
    const mb = Number(m[2]);
    if (mb < 8 || mb > 8192) throw new OptionError(`--plugin-memory-limit ${m[1]} must be between 8 and 8192 MB`);
    perPlugin[m[1]!.toLowerCase()] = mb;
  }
  return Object.freeze({
    socketPath: path.resolve(o.kongPrefix, o.sockName),
    pluginsDir: path.resolve(o.pluginsDir),
    memoryLimitMb: o.memoryLimitMb,
    pluginMemoryLimitMb: Object.freeze(perPlugin),
    cpuLimitMs: o.cpuLimitMs,
    startTimeoutMs: o.startTimeoutMs,
    eventTimeoutMs: o.eventTimeoutMs,
    maxFrameSize: o.maxFrameSize,
    onPluginError: o.onPluginError,
    shutdownTimeoutMs: o.shutdownTimeoutMs,
    killGraceMs: o.killGraceMs,
    shards: o.shards,
    dedicatedPlugins: Object.freeze(o.placement.filter((p) => p.startsWith('dedicated=')).flatMap((p) => p.slice(10).split(',').filter(Boolean).map((n) => n.toLowerCase()))),
    placementMode: placementMode(o.placement),
    isolatePool: o.isolatePool,
    shardMemoryLimitMb: o.shardMemoryLimitMb ?? defaultShardMemoryLimitMb(o.memoryLimitMb),
    memoryWarnRatio: o.memoryWarnRatio,
    maxPdkCalls: o.maxPdkCalls,
    maxPendingCalls: o.maxPendingCalls,
    maxEventsPerInstance: o.maxEventsPerInstance,
    maxPayloadBytes: o.maxPayloadBytes,
    maxMetadataBytes: o.maxMetadataBytes,
    allowFetch: parseAllowFetch(o.allowFetch),
    fetchTimeoutMs: o.fetchTimeoutMs,
    maxFetchBytes: o.maxFetchBytes,
    maxFetchesPerEvent: o.maxFetchesPerEvent,
    maxConcurrentFetches: o.maxConcurrentFetches,
    maxTimers: o.maxTimers,
    maxCryptoBytes: o.maxCryptoBytes,
    maxCryptoKeyBytes: o.maxCryptoKeyBytes,
    maxRsaBits: o.maxRsaBits,
    metricsListen: o.metricsListen === undefined ? null : parseListen(o.metricsListen),
    watch: o.watch,
    watchDebounceMs: o.watchDebounceMs,
    maxBundleBytes: o.maxBundleBytes,
    buildTimeoutMs: o.buildTimeoutMs,
    logLevel: o.verbose >= 2 ? 'debug' : 'info',
  });
}

function placementMode(entries: readonly string[]): PlacementMode {
  const modes = new Set(entries.filter((p): p is PlacementMode => p === 'spread' || p === 'balance'));
  if (modes.size > 1) throw new OptionError('--placement spread and --placement balance exclude each other');
  return modes.has('balance') ? 'balance' : 'spread';
}

/** "9100" → loopback only; "0.0.0.0:9100" or "[::1]:9100" → that address. */
function parseListen(spec: string): { host: string; port: number } {
  const i = spec.lastIndexOf(':');
  const host = i < 0 ? '127.0.0.1' : spec.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(i < 0 ? spec : spec.slice(i + 1));
  if (port > 65535) throw new OptionError('--metrics-listen port must be at most 65535');
  return { host, port };
}
