// Opt-in Prometheus metrics and a health check (--metrics-listen), on loopback unless told
// otherwise. Figures are gathered at scrape time from the same sources as plugin.GetStatus.
import http from 'node:http';
import { Registry, Gauge, Counter, collectDefaultMetrics } from 'prom-client';
import type { Logger } from '../log.ts';
import { MetricsListenError } from '../errors.ts';
import type { InstanceManager } from '../instances/manager.ts';
import type { InstanceHostApi } from '../instances/instance-host.ts';

export interface MetricsSources {
  manager: InstanceManager;
  host: InstanceHostApi;
}

type Stats = Awaited<ReturnType<InstanceHostApi['instanceStats']>>[number];
type Totals = { cpuSeconds: number; events: number; pdkCalls: number; errors: number };

const totalsOf = (s: Stats): Totals =>
  ({ cpuSeconds: s.CpuTimeMs / 1000, events: s.EventsServed, pdkCalls: s.PdkCalls, errors: s.HandlerErrors });

/**
 * Per-plugin totals that never go down: the live instances' counters plus, for each instance gone
 * since an earlier scrape, its counters when last seen (what it did after that scrape is lost).
 * Labelled by plugin: instance ids are random and unbounded, a label per id would be too.
 */
class PluginTotals {
  readonly #retired = new Map<string, Totals>();
  readonly #lastSeen = new Map<number, { plugin: string; totals: Totals }>();

  update(stats: Stats[]): Map<string, Totals> {
    const live = new Set(stats.map((s) => s.InstanceId));
    for (const [id, seen] of this.#lastSeen) {
      if (live.has(id)) continue;
      add(this.#retired, seen.plugin, seen.totals);
      this.#lastSeen.delete(id);
    }
    const sums = new Map<string, Totals>();
    for (const [plugin, t] of this.#retired) add(sums, plugin, t);
    for (const s of stats) {
      const totals = totalsOf(s);
      this.#lastSeen.set(s.InstanceId, { plugin: s.Plugin, totals });
      add(sums, s.Plugin, totals);
    }
    return sums;
  }
}

function add(into: Map<string, Totals>, plugin: string, t: Totals): void {
  const sum = into.get(plugin) ?? { cpuSeconds: 0, events: 0, pdkCalls: 0, errors: 0 };
  into.set(plugin, {
    cpuSeconds: sum.cpuSeconds + t.cpuSeconds, events: sum.events + t.events,
    pdkCalls: sum.pdkCalls + t.pdkCalls, errors: sum.errors + t.errors,
  });
}

function buildRegistry(src: MetricsSources): Registry {
  const registry = new Registry();
  // One round trip to the shards per scrape, shared by every metric.
  let cached: { at: number; stats: Promise<Stats[]> } | null = null;
  const totals = new PluginTotals();
  let sums: Promise<Map<string, Totals>> | null = null;
  const stats = () => {
    if (!cached || Date.now() - cached.at > 250) {
      const fetched = src.host.instanceStats();
      cached = { at: Date.now(), stats: fetched };
      sums = fetched.then((s) => totals.update(s));
    }
    return cached.stats;
  };
  const pluginSums = async () => {
    await stats();
    return sums!;
  };
  collectDefaultMetrics({ register: registry, prefix: 'kps_supervisor_' });
  // One builder for every per-plugin figure, gauge or counter: emptied and refilled at each scrape
  // (inc after reset writes the value; a counter's totals never go down: PluginTotals).
  const perPlugin = (Metric: typeof Gauge | typeof Counter, name: string, help: string, values: () => Promise<Map<string, number>>) => {
    const metric: Gauge | Counter = new Metric({
      name,
      help,
      labelNames: ['plugin'],
      registers: [registry],
      async collect() {
        metric.reset();
        for (const [plugin, v] of await values()) metric.inc({ plugin }, v);
      },
    });
  };
  const gauge = (name: string, help: string, pick: (s: Stats) => number) =>
    perPlugin(Gauge, name, help, async () => {
      const by = new Map<string, number>();
      for (const s of await stats()) by.set(s.Plugin, (by.get(s.Plugin) ?? 0) + pick(s));
      return by;
    });
  gauge('kps_plugin_instances', 'live instances of the plugin, one isolate each', () => 1);
  gauge('kps_plugin_heap_used_bytes', 'V8 heap used by the plugin\'s instances, summed', (s) => s.HeapUsed);
  gauge('kps_plugin_heap_limit_bytes', 'heap quotas of the plugin\'s instances, summed (--memory-limit each)', (s) => s.HeapLimit);
  gauge('kps_plugin_external_memory_bytes', 'memory held outside the V8 heap by the plugin\'s instances, summed', (s) => s.ExternalMemory);
  const counter = (name: string, help: string, pick: (t: Totals) => number) =>
    perPlugin(Counter, name, help, async () => new Map([...await pluginSums()].map(([plugin, t]) => [plugin, pick(t)])));
  counter('kps_plugin_cpu_seconds_total', 'isolate CPU time used by the plugin\'s instances', (t) => t.cpuSeconds);
  counter('kps_plugin_events_total', 'events the plugin\'s instances served', (t) => t.events);
  counter('kps_plugin_pdk_calls_total', 'PDK calls the plugin\'s instances made', (t) => t.pdkCalls);
  counter('kps_plugin_errors_total', 'phase handlers of the plugin that threw or rejected', (t) => t.errors);
  new Counter({
    name: 'kps_breaches_total',
    help: 'limits plugins ran into, by kind',
    labelNames: ['plugin', 'kind'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [plugin, kind, n] of src.manager.breaches.counts()) this.inc({ plugin, kind }, n);
    },
  });
  new Counter({
    name: 'kps_plugin_restarts_total',
    help: 'instances stopped by a breach (Kong starts them again)',
    labelNames: ['plugin'],
    registers: [registry],
    collect() {
      this.reset();
      const plugins = new Set(src.manager.breaches.counts().map(([plugin]) => plugin));
      for (const plugin of plugins) this.inc({ plugin }, src.manager.breaches.plugin(plugin).Restarts);
    },
  });
  new Gauge({
    name: 'kps_isolates_alive',
    help: 'live plugin instances, one isolate each',
    registers: [registry],
    async collect() {
      this.set((await stats()).length);
    },
  });
  new Counter({
    name: 'kps_shard_restarts_total',
    help: 'restarts of each shard process',
    labelNames: ['shard'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of src.host.status().Shards) this.inc({ shard: String(s.Shard) }, s.Restarts);
    },
  });
  return registry;
}

export async function serveMetrics(listen: { host: string; port: number }, src: MetricsSources, log: Logger): Promise<http.Server> {
  const registry = buildRegistry(src);
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (req.method === 'GET' && url.startsWith('/metrics')) {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    } else if (req.method === 'GET' && url.startsWith('/healthz')) {
      const shards = src.host.status().Shards;
      const down = shards.filter((s) => s.Pid === null).length;
      const body = { status: down === 0 ? 'ok' : 'degraded', instances: src.manager.count, shards: shards.length, shardsDown: down };
      res.writeHead(down === 0 ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    } else {
      res.writeHead(404).end('not found: try /metrics or /healthz\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new MetricsListenError(`${listen.host}:${listen.port}`, err)));
    server.listen(listen.port, listen.host, () => resolve());
  });
  const addr = server.address();
  log.info({ event: 'metrics.listening', address: addr }, `metrics on http://${listen.host}:${typeof addr === 'object' && addr ? addr.port : listen.port}/metrics`);
  return server;
}
