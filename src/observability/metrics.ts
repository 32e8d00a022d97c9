// Opt-in Prometheus metrics and a health check (--metrics-listen), on loopback unless told
// otherwise. Figures are gathered at scrape time from the same sources as plugin.GetStatus.
import http from 'node:http';
import { Registry, Gauge, collectDefaultMetrics } from 'prom-client';
import type { Logger } from '../log.ts';
import type { InstanceManager } from '../instances/manager.ts';
import type { InstanceHostApi } from '../sandbox/host-api.ts';

export interface MetricsSources {
  manager: InstanceManager;
  host: InstanceHostApi;
}

function buildRegistry(src: MetricsSources): Registry {
  const registry = new Registry();
  // One round trip to the shards per scrape, shared by every per-instance gauge.
  let cached: { at: number; stats: ReturnType<InstanceHostApi['instanceStats']> } | null = null;
  const stats = () => {
    if (!cached || Date.now() - cached.at > 250) cached = { at: Date.now(), stats: src.host.instanceStats() };
    return cached.stats;
  };
  collectDefaultMetrics({ register: registry, prefix: 'kps_supervisor_' });
  const perInstance = (name: string, help: string, pick: (s: Awaited<ReturnType<InstanceHostApi['instanceStats']>>[number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['plugin', 'instance'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const s of await stats()) this.set({ plugin: s.Plugin, instance: String(s.InstanceId) }, pick(s));
      },
    });
  perInstance('kps_instance_heap_used_bytes', 'V8 heap used by the instance isolate', (s) => s.HeapUsed);
  perInstance('kps_instance_heap_limit_bytes', 'heap quota of the instance isolate (--memory-limit)', (s) => s.HeapLimit);
  perInstance('kps_instance_external_memory_bytes', 'memory held outside the V8 heap by the instance', (s) => s.ExternalMemory);
  perInstance('kps_instance_cpu_seconds_total', 'isolate CPU time used by the instance', (s) => s.CpuTimeMs / 1000);
  perInstance('kps_instance_events_total', 'events the instance served', (s) => s.EventsServed);
  perInstance('kps_instance_pdk_calls_total', 'PDK calls the instance made', (s) => s.PdkCalls);
  new Gauge({
    name: 'kps_breaches_total',
    help: 'limits plugins ran into, by kind',
    labelNames: ['plugin', 'kind'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [plugin, kind, n] of src.manager.breaches.counts()) this.set({ plugin, kind }, n);
    },
  });
  new Gauge({
    name: 'kps_plugin_restarts_total',
    help: 'instances stopped by a breach (Kong starts them again)',
    labelNames: ['plugin'],
    registers: [registry],
    collect() {
      this.reset();
      const plugins = new Set(src.manager.breaches.counts().map(([plugin]) => plugin));
      for (const plugin of plugins) this.set({ plugin }, src.manager.breaches.plugin(plugin).Restarts);
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
  new Gauge({
    name: 'kps_shard_restarts_total',
    help: 'restarts of each shard process',
    labelNames: ['shard'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of src.host.status().Shards) this.set({ shard: String(s.Shard) }, s.Restarts);
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
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const addr = server.address();
  log.info({ event: 'metrics.listening', address: addr }, `metrics on http://${listen.host}:${typeof addr === 'object' && addr ? addr.port : listen.port}/metrics`);
  return server;
}
