// Every server flag, once: its spelling, how the command line reads it, its check and bounds, its
// default, its --help line, and whether instance hosts receive it. The parser spec (cli/args.ts),
// the validation and defaults (options.ts), --help (cli/help.ts) and LOCAL_HOST_OPTIONS
// (sandbox/host-options.ts) are all made from this table; its order is --help's order.
import os from 'node:os';
import { allowList, count, flagOnOff, listenAddress, nonNegativeInt, oneOf, perPluginMb, positiveInt, ratio, repeatable, text, type Check } from './option-checks.ts';

export const FAILURE_POLICIES = ['closed', 'open'] as const;
export type FailurePolicy = (typeof FAILURE_POLICIES)[number];

/** --help's groups, in order, with their headings. */
export const SECTIONS = {
  kong: 'Kong integration:',
  limits: 'Limits (each instance is an isolate):',
  fetch: 'Outbound HTTP (fetch in plugins; no origin is reachable unless allowed here):',
  bundling: "Bundling (a plugin's bundle holds only regular files inside its own file or directory):",
  shards: "Process shards (a V8 failure that aborts a process takes only its shard's instances with it):",
  reload: 'Hot reload:',
  observability: 'Observability:',
  other: 'Other:',
} as const;
export type Section = keyof typeof SECTIONS;

/**
 * How parseArgs reads a flag: a string, a boolean (`negatable`: also --no-NAME), repeated strings,
 * or a boolean counted (-vv).
 */
export type Read = 'string' | 'boolean' | 'negatable' | 'strings' | 'count';

/** A flag that is not an option but an action (print something, then exit). */
export interface ActionRow {
  /** the long name, without dashes */
  readonly flag: string;
  readonly short?: string;
  readonly read: 'string' | 'boolean';
  /** the value's placeholder in --help */
  readonly arg?: string;
  readonly help: string;
  readonly section: Section;
}

export interface OptionRow extends Omit<ActionRow, 'read'> {
  readonly read: Read;
  /** other long names for the same option */
  readonly aliases?: readonly string[];
  readonly check: Check;
  /** the value when the flag is not given (undefined: none, or computed later) */
  readonly default: unknown;
  /** a shard, and the in-process host, receive this option (LOCAL_HOST_OPTIONS) */
  readonly host?: true;
}

/** Options: the key is the option's name in RawOptions and ServerOptions; `{default}` in help is replaced by the default. */
export const OPTION_TABLE = {
  kongPrefix: { flag: 'kong-prefix', short: 'p', read: 'string', arg: '<dir>', check: text(), default: '/usr/local/kong', section: 'kong', help: 'directory of the socket (default {default})' },
  sockName: { flag: 'sock-name', aliases: ['socket-name'], read: 'string', arg: '<name>', check: text(), default: 'js_pluginserver.sock', section: 'kong', help: 'socket file name (default {default}; alias --socket-name)' },
  pluginsDir: { flag: 'plugins-directory', short: 'd', read: 'string', arg: '<dir>', check: text('--plugins-directory (-d) is required'), default: '', section: 'kong', help: 'the plugins to serve (required)' },

  memoryLimitMb: { flag: 'memory-limit', read: 'string', arg: '<MB>', check: positiveInt(8, 8192), default: 64, host: true, section: 'limits', help: 'heap per instance (default {default})' },
  pluginMemoryLimitMb: { flag: 'plugin-memory-limit', read: 'strings', arg: '<NAME=MB>', check: perPluginMb(8, 8192), default: [], section: 'limits', help: 'heap per instance of one plugin (repeatable)' },
  memoryWarnRatio: { flag: 'memory-warn-ratio', read: 'string', arg: '<0-1>', check: ratio, default: 0.8, host: true, section: 'limits', help: 'heap used / limit that logs a warning, once per crossing (default {default})' },
  cpuLimitMs: { flag: 'cpu-limit', read: 'string', arg: '<ms>', check: positiveInt(1, 3_600_000), default: 100, host: true, section: 'limits', help: 'isolate CPU time one event may use, all its slices together (default {default})' },
  startTimeoutMs: { flag: 'start-timeout', read: 'string', arg: '<ms>', check: positiveInt(10, 3_600_000), default: 2000, host: true, section: 'limits', help: 'module body and constructor (default {default})' },
  eventTimeoutMs: { flag: 'event-timeout', read: 'string', arg: '<ms>', check: positiveInt(10, 3_600_000), default: 60_000, host: true, section: 'limits', help: 'wait on a plugin, or on Kong, before an event is ended (default {default})' },
  heapSampleMs: { flag: 'heap-sample-interval', read: 'string', arg: '<ms>', check: positiveInt(10, 600_000), default: 1000, host: true, section: 'limits', help: "how often each instance's heap is checked against --memory-warn-ratio and its limit (default {default})" },
  maxFrameSize: { flag: 'max-frame-size', read: 'string', arg: '<bytes>', check: positiveInt(1024, 1024 * 1024 * 1024), default: 32 * 1024 * 1024, section: 'limits', help: 'largest MessagePack frame accepted from Kong (default {default})' },
  maxPdkCalls: { flag: 'max-pdk-calls', read: 'string', arg: '<n>', check: positiveInt(1, 10_000_000), default: 1000, host: true, section: 'limits', help: 'PDK calls per event (default {default})' },
  maxPendingCalls: { flag: 'max-pending-calls', read: 'string', arg: '<n>', check: positiveInt(1, 1_000_000), default: 100, host: true, section: 'limits', help: 'PDK calls one event may have queued at once (default {default})' },
  maxEventsPerInstance: { flag: 'max-events-per-instance', read: 'string', arg: '<n>', check: positiveInt(1, 1_000_000), default: 1000, host: true, section: 'limits', help: 'events one instance may run at once (default {default})' },
  maxPayloadBytes: { flag: 'max-payload-size', read: 'string', arg: '<bytes>', check: positiveInt(1024, 1024 * 1024 * 1024), default: 16 * 1024 * 1024, host: true, section: 'limits', help: 'PDK arguments or result crossing the isolate boundary (default {default})' },
  maxMetadataBytes: { flag: 'max-metadata-size', read: 'string', arg: '<bytes>', check: positiveInt(1024, 256 * 1024 * 1024), default: 1024 * 1024, host: true, section: 'limits', help: "a plugin's exported metadata (Schema, Version, …) as Kong will read it (default {default})" },
  // one SHA-256 of the maximum stays well inside a 100 ms event budget, AES-GCM costs less
  // (measured, see docs/performance.md), and a JWT or a signed request body is far smaller
  maxCryptoBytes: { flag: 'max-crypto-bytes', read: 'string', arg: '<bytes>', check: positiveInt(1024, 1024 * 1024 * 1024), default: 4 * 1024 * 1024, host: true, section: 'limits', help: 'data one crypto.subtle operation may take, at most --max-payload-size (default {default})' },
  // an 8192-bit RSA private key is ~4.8 KB of PKCS #8, ~6.5 KB as a JWK's fields
  maxCryptoKeyBytes: { flag: 'max-crypto-key-size', read: 'string', arg: '<bytes>', check: positiveInt(256, 1024 * 1024), default: 16 * 1024, host: true, section: 'limits', help: "one crypto.subtle key's material: raw, DER or JWK (default {default})" },
  // an 8192-bit key verifies in under a millisecond and signs inside an event's budget (measured,
  // see docs/performance.md); keys past that only cost the host
  maxRsaBits: { flag: 'max-rsa-bits', read: 'string', arg: '<n>', check: positiveInt(1024, 16384), default: 8192, host: true, section: 'limits', help: 'largest RSA modulus crypto.subtle accepts (default {default})' },
  onPluginError: { flag: 'on-plugin-error', read: 'string', arg: 'closed|open', check: oneOf(FAILURE_POLICIES), default: 'closed', host: true, section: 'limits', help: 'closed: a failing plugin answers 500 in request phases (default); open: the request goes on' },
  // 0: requests in flight get the failure policy's answer at once
  shutdownTimeoutMs: { flag: 'shutdown-timeout', read: 'string', arg: '<ms>', check: nonNegativeInt(3_600_000), default: 10_000, section: 'limits', help: 'on SIGTERM, how long requests in flight may finish (default {default})' },
  maxTimers: { flag: 'max-timers', read: 'string', arg: '<n>', check: nonNegativeInt(1_000_000), default: 100, host: true, section: 'limits', help: 'timers (setTimeout, setInterval) one event may have pending at once (default {default})' },

  allowFetch: { flag: 'allow-fetch', read: 'strings', arg: '<NAME=ORIGIN,...>', check: allowList, default: [], host: true, section: 'fetch', help: 'origins (scheme://host[:port], http or https) plugin NAME may fetch (repeatable); redirects are followed only within them' },
  fetchTimeoutMs: { flag: 'fetch-timeout', read: 'string', arg: '<ms>', check: positiveInt(1, 3_600_000), default: 10_000, host: true, section: 'fetch', help: "one fetch, redirects included, and never past its event's --event-timeout (default {default})" },
  // 0: a plugin may fetch, but no response may have a body
  maxFetchBytes: { flag: 'max-fetch-bytes', read: 'string', arg: '<bytes>', check: nonNegativeInt(1024 * 1024 * 1024), default: 4 * 1024 * 1024, host: true, section: 'fetch', help: 'one response body; past it the request is aborted (default {default})' },
  // 0: no fetch at all, whatever --allow-fetch says
  maxFetchesPerEvent: { flag: 'max-fetches-per-event', read: 'string', arg: '<n>', check: nonNegativeInt(1_000_000), default: 16, host: true, section: 'fetch', help: 'fetches one event may start (default {default})' },
  maxConcurrentFetches: { flag: 'max-concurrent-fetches', read: 'string', arg: '<n>', check: positiveInt(1, 1_000_000), default: 64, host: true, section: 'fetch', help: 'fetches one instance may have in flight at once (default {default})' },

  // a bundle lives in every instance's heap (64 MB by default) as source and compiled code, so one
  // near a quarter of it is already too big to serve; real plugins with their npm dependencies
  // bundle to well under 4 MB
  maxBundleBytes: { flag: 'max-bundle-size', read: 'string', arg: '<bytes>', check: positiveInt(1024, 1024 * 1024 * 1024), default: 16 * 1024 * 1024, section: 'bundling', help: "what one plugin's bundle may read, all files together, and be (default {default})" },
  // esbuild bundles a plugin in tens of ms, a large dependency tree in about a second on a loaded
  // machine; a build still running after 10 s is refused, and only costs start-up that much
  buildTimeoutMs: { flag: 'build-timeout', read: 'string', arg: '<ms>', check: positiveInt(1, 3_600_000), default: 10_000, section: 'bundling', help: "one plugin's build; past it the plugin is refused and the rest are served (default {default})" },

  // the default is the most shards the server starts unasked; main.ts gives fewer (see defaultShards)
  shards: { flag: 'shards', read: 'string', arg: '<N>', check: nonNegativeInt(256), default: Math.max(2, os.availableParallelism()), section: 'shards', help: 'shard processes (default: one per plugin, at most one per CPU core, one per core with balance; each idle shard holds about 80 MB); 0 runs isolates in this process, for measurements only: unsafe for untrusted code' },
  placement: { flag: 'placement', read: 'strings', arg: 'spread|balance|dedicated=NAME,...', check: repeatable(/^(spread|balance|dedicated=[A-Za-z0-9_,-]+)$/, '--placement must be "spread", "balance" or "dedicated=NAME,..."'), default: 'spread', section: 'shards', help: 'spread (default): each plugin\'s instances share one of the N shards; balance: each new instance goes to the shard with the fewest (one busy plugin uses every core; its crashes reach every shard); dedicated: the named plugins get shards of their own (repeatable: --placement balance --placement dedicated=NAME)' },
  // computed from --memory-limit when not given (defaultShardMemoryLimitMb)
  shardMemoryLimitMb: { flag: 'shard-memory-limit', read: 'string', arg: '<MB>', check: (flag) => positiveInt(64, 1024 * 1024)(flag).optional(), default: undefined, section: 'shards', help: 'a shard past this RSS (plus 4 MB per instance it holds) is replaced (default max(1024, 8 x --memory-limit))' },
  killGraceMs: { flag: 'kill-grace', read: 'string', arg: '<ms>', check: positiveInt(10, 600_000), default: 500, host: true, section: 'shards', help: 'a plugin call still running this long past its limit gets its shard killed (default {default})' },
  isolatePool: { flag: 'isolate-pool', read: 'string', arg: '<N>', check: nonNegativeInt(1000), default: 2, host: true, section: 'shards', help: 'blank isolates each shard keeps ready, so StartInstance only runs the plugin (default {default}; 0 builds every isolate on demand)' },
  shardHeartbeatMs: { flag: 'shard-heartbeat', read: 'string', arg: '<ms>', check: positiveInt(10, 60_000), default: 250, section: 'shards', help: 'how often the supervisor pings each shard; one that stops answering is killed (default {default})' },
  shardRssPollMs: { flag: 'shard-rss-interval', read: 'string', arg: '<ms>', check: positiveInt(10, 60_000), default: 100, section: 'shards', help: 'how often each shard\'s RSS is checked against --shard-memory-limit (default {default})' },

  watch: { flag: 'watch', read: 'negatable', check: flagOnOff, default: false, section: 'reload', help: 'rebuild plugins when their files change and swap live instances to the new code (default off; npm start turns it on)' },
  watchDebounceMs: { flag: 'watch-debounce', read: 'string', arg: '<ms>', check: nonNegativeInt(60_000), default: 50, section: 'reload', help: 'quiet time after a change before a plugin is rebuilt (default {default})' },

  metricsListen: { flag: 'metrics-listen', read: 'string', arg: '[HOST:]PORT', check: listenAddress, default: undefined, section: 'observability', help: 'serve Prometheus /metrics and /healthz (off by default; loopback unless a host is given)' },

  verbose: { flag: 'verbose', short: 'v', read: 'count', check: count, default: 0, section: 'other', help: '-v info (default), -vv debug' },
} as const satisfies Record<string, OptionRow>;

/** Flags that act instead of setting an option; --help lists each after its section's options. */
export const ACTION_TABLE = {
  dumpAllPlugins: { flag: 'dump-all-plugins', read: 'boolean', section: 'kong', help: "print every plugin's info as one JSON array, then exit (the query_cmd for Kong 2.3 - 3.8)" },
  dumpPluginInfo: { flag: 'dump-plugin-info', read: 'string', arg: '<name>', section: 'kong', help: "print one plugin's info as one JSON array, then exit (the query_cmd of each plugin for Kong >= 3.9, which reads only a dump's first plugin)" },
  dump: { flag: 'dump', read: 'boolean', section: 'kong', help: 'print {"Protocol":"MsgPack:1","Plugins":[…]}, then exit' },
  version: { flag: 'version', read: 'boolean', section: 'other', help: 'print the version' },
  help: { flag: 'help', short: 'h', read: 'boolean', section: 'other', help: 'this text' },
} as const satisfies Record<string, ActionRow>;

export type OptionTable = typeof OPTION_TABLE;
export type OptionKey = keyof OptionTable;

/** The options a shard (and the in-process host) receives from the supervisor. */
export type HostOptionKey = { [K in OptionKey]: OptionTable[K] extends { host: true } ? K : never }[OptionKey];
