// Command-line parsing: node:util parseArgs, after rewriting the Go-style single-dash long flags
// (-kong-prefix, -dump-all-plugins, -dump, -version …) that Kong and go-pluginserver configs use.
import { parseArgs } from 'node:util';
import { OptionError } from '../errors.ts';
import { DEFAULTS, type RawOptions } from '../config/options.ts';

const OPTIONS = {
  'kong-prefix': { type: 'string', short: 'p' },
  'plugins-directory': { type: 'string', short: 'd' },
  'sock-name': { type: 'string' },
  'socket-name': { type: 'string' },
  'dump-plugin-info': { type: 'string' },
  'dump-all-plugins': { type: 'boolean' },
  dump: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v', multiple: true },
  version: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  'memory-limit': { type: 'string' },
  'plugin-memory-limit': { type: 'string', multiple: true },
  'cpu-limit': { type: 'string' },
  'start-timeout': { type: 'string' },
  'event-timeout': { type: 'string' },
  'max-frame-size': { type: 'string' },
  'on-plugin-error': { type: 'string' },
  'shutdown-timeout': { type: 'string' },
  'kill-grace': { type: 'string' },
  shards: { type: 'string' },
  placement: { type: 'string', multiple: true },
  'isolate-pool': { type: 'string' },
  'shard-memory-limit': { type: 'string' },
  watch: { type: 'boolean' },
  'memory-warn-ratio': { type: 'string' },
  'max-pdk-calls': { type: 'string' },
  'max-pending-calls': { type: 'string' },
  'max-events-per-instance': { type: 'string' },
  'max-payload-size': { type: 'string' },
  'max-metadata-size': { type: 'string' },
  'max-crypto-bytes': { type: 'string' },
  'max-crypto-key-size': { type: 'string' },
  'max-rsa-bits': { type: 'string' },
  'metrics-listen': { type: 'string' },
  'watch-debounce': { type: 'string' },
  'max-bundle-size': { type: 'string' },
  'build-timeout': { type: 'string' },
} as const;

export type CliValues = ReturnType<typeof parse>['values'];

const LONG_NAMES = new Set(Object.keys(OPTIONS));

/**
 * `-kong-prefix x` → `--kong-prefix x` for the given long option names only (by default the
 * server's own); `-vv`, `-vh`, `-p x` stay.
 */
export function normalizeArgv(argv: readonly string[], longNames: ReadonlySet<string> = LONG_NAMES): string[] {
  return argv.map((a) => {
    const m = /^-([a-z][a-z-]+)(=.*)?$/.exec(a);
    return m && longNames.has(m[1]!) ? `-${a}` : a;
  });
}

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: false, strict: true, allowNegative: true });
}

export function parseCli(argv: readonly string[]): CliValues {
  try {
    return parse(normalizeArgv(argv)).values;
  } catch (err) {
    throw new OptionError(`${(err as Error).message}. Run with --help for the list of options.`);
  }
}

/** Parsed flags → the options table's input, defaults filled in (checked by buildOptions). */
export function rawOptionsFrom(cli: CliValues): RawOptions {
  return {
    kongPrefix: cli['kong-prefix'] ?? DEFAULTS.kongPrefix,
    sockName: cli['sock-name'] ?? cli['socket-name'] ?? DEFAULTS.sockName,
    pluginsDir: cli['plugins-directory'] ?? '',
    memoryLimitMb: cli['memory-limit'] ?? DEFAULTS.memoryLimitMb,
    pluginMemoryLimit: cli['plugin-memory-limit'] ?? [],
    cpuLimitMs: cli['cpu-limit'] ?? DEFAULTS.cpuLimitMs,
    startTimeoutMs: cli['start-timeout'] ?? DEFAULTS.startTimeoutMs,
    eventTimeoutMs: cli['event-timeout'] ?? DEFAULTS.eventTimeoutMs,
    maxFrameSize: cli['max-frame-size'] ?? DEFAULTS.maxFrameSize,
    onPluginError: cli['on-plugin-error'] ?? DEFAULTS.onPluginError,
    shutdownTimeoutMs: cli['shutdown-timeout'] ?? DEFAULTS.shutdownTimeoutMs,
    killGraceMs: cli['kill-grace'] ?? DEFAULTS.killGraceMs,
    shards: cli.shards ?? DEFAULTS.shards,
    placement: cli.placement ?? DEFAULTS.placement,
    isolatePool: cli['isolate-pool'] ?? DEFAULTS.isolatePool,
    shardMemoryLimitMb: cli['shard-memory-limit'],
    memoryWarnRatio: cli['memory-warn-ratio'] ?? DEFAULTS.memoryWarnRatio,
    maxPdkCalls: cli['max-pdk-calls'] ?? DEFAULTS.maxPdkCalls,
    maxPendingCalls: cli['max-pending-calls'] ?? DEFAULTS.maxPendingCalls,
    maxEventsPerInstance: cli['max-events-per-instance'] ?? DEFAULTS.maxEventsPerInstance,
    maxPayloadBytes: cli['max-payload-size'] ?? DEFAULTS.maxPayloadBytes,
    maxMetadataBytes: cli['max-metadata-size'] ?? DEFAULTS.maxMetadataBytes,
    maxCryptoBytes: cli['max-crypto-bytes'] ?? DEFAULTS.maxCryptoBytes,
    maxCryptoKeyBytes: cli['max-crypto-key-size'] ?? DEFAULTS.maxCryptoKeyBytes,
    maxRsaBits: cli['max-rsa-bits'] ?? DEFAULTS.maxRsaBits,
    metricsListen: cli['metrics-listen'],
    watch: cli.watch ?? DEFAULTS.watch,
    watchDebounceMs: cli['watch-debounce'] ?? DEFAULTS.watchDebounceMs,
    maxBundleBytes: cli['max-bundle-size'] ?? DEFAULTS.maxBundleBytes,
    buildTimeoutMs: cli['build-timeout'] ?? DEFAULTS.buildTimeoutMs,
    verbose: cli.verbose?.length ?? 0,
  };
}

export const HELP = `Usage: kong-sandbox-pluginserver -d <plugins-directory> [options]

Kong external plugin server (MsgPack:1) that runs every plugin instance in its own V8 isolate.
Drop-in for kong-js-pluginserver: same plugin files, same flags.

Kong integration:
  -p, --kong-prefix <dir>        directory of the socket (default /usr/local/kong)
      --sock-name <name>         socket file name (default js_pluginserver.sock; alias --socket-name)
  -d, --plugins-directory <dir>  the plugins to serve (required)
      --dump-all-plugins         print every plugin's info as one JSON array, then exit (the
                                 query_cmd for Kong 2.3 - 3.8)
      --dump-plugin-info <name>  print one plugin's info as one JSON array, then exit (the query_cmd
                                 of each plugin for Kong >= 3.9, which reads only a dump's first plugin)
      --dump                     print {"Protocol":"MsgPack:1","Plugins":[…]}, then exit

Limits (each instance is an isolate):
      --memory-limit <MB>             heap per instance (default 64)
      --plugin-memory-limit <NAME=MB> heap per instance of one plugin (repeatable)
      --memory-warn-ratio <0-1>       heap used / limit that logs a warning, once per crossing (default 0.8)
      --cpu-limit <ms>                isolate CPU time one event may use, all its slices together (default 100)
      --start-timeout <ms>            module body and constructor (default 2000)
      --event-timeout <ms>            wait on a plugin, or on Kong, before an event is ended (default 60000)
      --max-frame-size <bytes>        largest MessagePack frame accepted from Kong (default 33554432)
      --max-pdk-calls <n>             PDK calls per event (default 1000)
      --max-pending-calls <n>         PDK calls one event may have queued at once (default 100)
      --max-events-per-instance <n>   events one instance may run at once (default 1000)
      --max-payload-size <bytes>      PDK arguments or result crossing the isolate boundary (default 16777216)
      --max-metadata-size <bytes>     a plugin's exported metadata (Schema, Version, …) as Kong will read it (default 1048576)
      --max-crypto-bytes <bytes>      data one crypto.subtle operation may take, at most --max-payload-size (default 4194304)
      --max-crypto-key-size <bytes>   one crypto.subtle key's material: raw, DER or JWK (default 16384)
      --max-rsa-bits <n>              largest RSA modulus crypto.subtle accepts (default 8192)
      --on-plugin-error closed|open   closed: a failing plugin answers 500 in request phases (default); open: the request goes on
      --shutdown-timeout <ms>         on SIGTERM, how long requests in flight may finish (default 10000)

Bundling (a plugin's bundle holds only regular files inside its own file or directory):
      --max-bundle-size <bytes>       what one plugin's bundle may read, all files together, and be
                                      (default 16777216)
      --build-timeout <ms>            one plugin's build; past it the plugin is refused and the rest are
                                      served (default 10000)

Process shards (a V8 failure that aborts a process takes only its shard's instances with it):
      --shards <N>                    shard processes (default: one per plugin, at most one per CPU core,
                                      one per core with balance; each idle shard holds about 80 MB); 0 runs isolates in
                                      this process, for measurements only: unsafe for untrusted code
      --placement spread|balance|dedicated=NAME,...
                                      spread (default): each plugin's instances share one of the N shards;
                                      balance: each new instance goes to the shard with the fewest (one
                                      busy plugin uses every core; its crashes reach every shard);
                                      dedicated: the named plugins get shards of their own (repeatable:
                                      --placement balance --placement dedicated=NAME)
      --shard-memory-limit <MB>       a shard past this RSS (plus 4 MB per instance it holds) is replaced
                                      (default max(1024, 8 x --memory-limit))
      --kill-grace <ms>               a plugin call still running this long past its limit gets its shard
                                      killed (default 500)
      --isolate-pool <N>              blank isolates each shard keeps ready, so StartInstance only runs the
                                      plugin (default 2; 0 builds every isolate on demand)

Hot reload:
      --watch / --no-watch            rebuild plugins when their files change and swap live instances to the
                                      new code (default off; npm start turns it on)
      --watch-debounce <ms>           quiet time after a change before a plugin is rebuilt (default 50)

Observability:
      --metrics-listen [HOST:]PORT    serve Prometheus /metrics and /healthz (off by default; loopback
                                      unless a host is given)

Commands:
  kong-sandbox-pluginserver status [-p <dir>] [--sock-name <name>]   a running server's plugins and instances
  kong-sandbox-pluginserver check -d <dir>                           what Kong or the server would refuse; exit 1 if any
  kong-sandbox-pluginserver kong-conf -d <dir> [--kong 3.9] [--env]  the kong.conf lines for this install
  kong-sandbox-pluginserver try -d <dir> <plugin> [--phase access] [--header k=v] [--config JSON]
                                                                     one request through a plugin, step by step

Other:
  -v, --verbose                  -v info (default), -vv debug
      --version                  print the version
  -h, --help                     this text

Go-style single-dash spellings (-kong-prefix, -plugins-directory, -dump-all-plugins, -dump, -version) work too.
`;
