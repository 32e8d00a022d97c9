// Entry point: argv → validated options → one mode (serve or dump) → signals and parent watch.
import { parseCli, rawOptionsFrom, type CliValues } from './cli/args.ts';
import { HELP } from './cli/help.ts';
import { renderDump, type DumpMode } from './cli/dump.ts';
import { buildOptions, defaultShards, type ServerOptions } from './config/options.ts';
import { discoverPlugins } from './plugins/discovery.ts';
import { createLogger, type Logger } from './log.ts';
import { KpsError, errorMessage } from './errors.ts';
import { PluginRegistry } from './plugins/registry.ts';
import { LocalInstanceHost } from './sandbox/local-host.ts';
import { ShardSupervisor } from './shards/supervisor.ts';
import type { InstanceHostApi } from './instances/instance-host.ts';
import { InstanceManager } from './instances/manager.ts';
import { Dispatcher } from './rpc/dispatcher.ts';
import { RpcServer } from './rpc/server.ts';
import { EventRouter } from './instances/event-router.ts';
import { kongConf, runKongConf, BIN } from './cli/kong-conf.ts';
import { VERSION } from './version.ts';
import { HotReloader } from './plugins/reloader.ts';
import { runStatus } from './cli/status.ts';
import { runCheck } from './cli/check.ts';
import { runTry } from './cli/try.ts';
import { serveMetrics } from './observability/metrics.ts';

/** The process that started us: bin/ reads it before node starts (the parent may die meanwhile). */
const PARENT_PID = Number(process.env.KPS_PARENT_PID) || process.ppid;

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'status') return runStatus(argv.slice(1));
  if (argv[0] === 'check') return runCheck(argv.slice(1));
  if (argv[0] === 'kong-conf') return runKongConf(argv.slice(1));
  if (argv[0] === 'try') return runTry(argv.slice(1));
  const cli = parseCli(argv);
  if (cli.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (cli.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const dump = dumpMode(cli);
  const raw = rawOptionsFrom(cli);
  const sized = cli.shards === undefined && !dump ? { ...raw, shards: defaultShards(sharingPlugins(raw.pluginsDir, raw.placement)) } : raw;
  const opts = buildOptions(sized);

  const log = createLogger({ level: opts.logLevel, stream: dump ? 2 : 1 });
  // Dumps read metadata in one shard: enough isolation for a one-shot command, and quick.
  const host: InstanceHostApi =
    opts.shards === 0 ? new LocalInstanceHost(opts, log, { hungLog: { fd: 1, victim: 'the server process (--shards 0)' } }) : new ShardSupervisor(dump ? { ...opts, shards: 1, isolatePool: 0 } : opts, log, dump ? 2 : 1);
  const registry = new PluginRegistry();
  await registry.loadDirectory(opts.pluginsDir, host, opts, log);

  if (dump) {
    process.stdout.write(renderDump(dump, registry) + '\n');
    await host.shutdown();
    return 0;
  }
  return serve(opts, registry, host, log);
}

/** plugins in the directory that will share the general shards (dedicated ones get their own) */
/**
 * How many plugins share the general shards, for the default --shards; null when unknown. Under
 * --placement balance every plugin's instances spread over all shards: as many as cores.
 */
function sharingPlugins(dir: string, placement: string | readonly string[]): number | null {
  const entries = typeof placement === 'string' ? [placement] : placement;
  if (entries.includes('balance')) return Number.MAX_SAFE_INTEGER;
  if (!dir) return null;
  const dedicated = new Set(entries.filter((p) => p.startsWith('dedicated=')).flatMap((p) => p.slice(10).toLowerCase().split(',')));
  try {
    return discoverPlugins(dir).filter((s) => !dedicated.has(s.name)).length;
  } catch {
    return null; // the load reports what is wrong with the directory
  }
}

function dumpMode(cli: CliValues): DumpMode | null {
  if (cli['dump-plugin-info'] !== undefined) return { kind: 'one', name: cli['dump-plugin-info'] };
  if (cli['dump-all-plugins']) return { kind: 'all' };
  if (cli.dump) return { kind: 'protocol' };
  return null;
}

async function serve(opts: ServerOptions, registry: PluginRegistry, host: InstanceHostApi, log: Logger): Promise<number> {
  const manager = new InstanceManager(registry, host, opts, log);
  const watcherFor = (dir: string) =>
    new HotReloader({ dir, registry, host, manager, limits: opts, debounceMs: opts.watchDebounceMs, log });
  let reloader: HotReloader | null = opts.watch ? watcherFor(opts.pluginsDir) : null;
  const dispatcher = new Dispatcher({
    manager,
    registry,
    reloadFrom: async (dir) => {
      await registry.loadDirectory(dir, host, opts, log);
      if (reloader) {
        await reloader.stop();
        reloader = watcherFor(dir);
        await reloader.start();
      }
    },
    reloadStats: () => reloader?.stats ?? { Watching: false, Reloads: 0, Failures: 0, LastError: null },
  });
  // the metrics port first: if it cannot be had, the server stops before it creates its socket
  const metrics = opts.metricsListen ? await serveMetrics(opts.metricsListen, { manager, host }, log) : null;
  // with shards, event frames are routed undecoded to the shard that owns them
  const router = host instanceof ShardSupervisor ? new EventRouter(manager, host) : null;
  const server = new RpcServer(opts, dispatcher, log, router);
  await server.listen();
  await reloader?.start();
  log.info({ event: 'server.listening', socket: opts.socketPath, plugins: registry.names, shards: opts.shards, version: VERSION }, `listening on ${opts.socketPath}`);
  if (opts.shards === 0) log.warn({ event: 'server.unsafe' }, '--shards 0: isolates run in this process; one plugin can abort the whole server. For measurements only.');
  if (process.stderr.isTTY) {
    const conf = (kong: string) =>
      kongConf({ bin: BIN, socketPath: opts.socketPath, pluginsDir: opts.pluginsDir, plugins: registry.names, kong, env: false });
    process.stderr.write(`\nServing ${registry.names.length} plugin(s) on ${opts.socketPath}\n\nkong.conf for Kong 2.3 - 3.8:\n${conf('3.8')}\nkong.conf for Kong >= 3.9:\n${conf('3.9')}\n(kong-sandbox-pluginserver kong-conf -d DIR prints these for any directory)\n\n`);
  }

  let stopping: Promise<number> | null = null;
  const stop = (why: string): Promise<number> => {
    stopping ??= (async () => {
      log.info({ event: 'server.stopping', reason: why, requestsInFlight: server.requestsInFlight }, `shutting down (${why})`);
      await reloader?.stop();
      metrics?.close();
      await server.drain(opts.shutdownTimeoutMs);
      // Whatever still runs now is answered by the failure policy, so no Kong request hangs.
      await host.shutdown();
      await server.close();
      log.info({ event: 'server.stopped' }, 'stopped');
      return 0;
    })();
    return stopping;
  };
  return new Promise<number>((resolve) => {
    process.once('SIGTERM', () => void stop('SIGTERM').then(resolve));
    process.once('SIGINT', () => void stop('SIGINT').then(resolve));
    // a closed terminal, or a process manager's reload: stop as gracefully as on SIGTERM (Kong
    // respawns the server), rather than die by the default action with the socket left behind
    process.once('SIGHUP', () => void stop('SIGHUP').then(resolve));
    // Kong < 3.0 never signals its plugin servers: notice that the parent is gone (we get re-parented).
    const check = () => {
      if (process.ppid !== PARENT_PID) void stop('parent process exited').then(resolve);
    };
    check();
    setInterval(check, 1000).unref();
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const known = err instanceof KpsError;
    process.stderr.write(`kong-sandbox-pluginserver: ${known ? errorMessage(err) : (err as Error)?.stack ?? String(err)}\n`);
    process.exit(known ? err.exitStatus : 1);
  },
);
