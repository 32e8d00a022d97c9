// Soak: drives a real server with a steady mix of good events (an echo plugin that must answer every
// one correctly) and hostile ones (the attack plugins of test/hostile: loops, floods, allocation,
// uncopyable and oversized arguments, hostile throws, builtins broken, forged calls, log spam, a
// plugin that aborts its own dedicated shard), restarting instances on "No plugin instance" as Kong
// does. Every --interval seconds it prints RSS (supervisor + shards, from /proc), per-instance heap
// (plugin.GetStatus), open file descriptors, event counts and good-event latency; after --minutes it
// stops the server and exits (non-zero if a good event was ever answered wrongly or RSS kept growing).
//
// Usage: npm run soak -- [--minutes 10] [--interval 30] [--good 4] [--hostile 2]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ServerProcess, ROOT } from '../kong-driver/server-process.ts';
import { RpcError, type KongClient, type PdkCall } from '../kong-driver/kong-client.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    interval: { type: 'string', default: '30' },
    good: { type: 'string', default: '4' },
    hostile: { type: 'string', default: '2' },
  },
});
const MINUTES = Number(values.minutes);
const INTERVAL_MS = Number(values.interval) * 1000;
const GOOD_LANES = Number(values.good);
const HOSTILE_LANES = Number(values.hostile);

// ---- the plugins: one good echo plugin, and attack plugins from the hostile suite -----------------
const HOSTILE = path.join(ROOT, 'test/hostile/plugins');
// most attacks run in access; these few also in other phases
const MORE_PHASES: Record<string, string[]> = {
  'limits/tojson-loop.js': ['access', 'rewrite', 'response'],
  'boundary/hostile-throw.js': ['access', 'rewrite', 'response', 'log'],
  'boundary/hostile-thenable.js': ['access', 'rewrite'],
  'kong-input/describe-result.js': ['access', 'rewrite', 'response'],
};
const ACCESS_ONLY = [
  'limits/loop-after-await.js', 'limits/memory-hog.js', 'limits/promise-flood.js',
  'limits/microtask-flood.js', 'limits/huge-string.js', 'limits/flat-string.js', 'limits/deep-recursion.js',
  'limits/regex-backtracking.js', 'limits/arraybuffer-many.js', 'limits/console-line.js',
  'limits/huge-array-fill.js', 'boundary/getter-throws.js', 'boundary/uncopyable-args.js',
  'boundary/big-args.js', 'boundary/cyclic-args.js', 'boundary/bigint-args.js',
  'boundary/typed-array-bytes.js', 'boundary/deep-nesting-args.js', 'boundary/dag-amplification.js',
  'reach-host/builtins-break.js', 'reach-host/stale-kong.js', 'reach-host/fn-constructor-global.js',
  'cross-tenant/forge-event.js', 'cross-tenant/log-forge.js', 'cross-tenant/tenant.js',
];
const ATTACKS: Array<{ file: string; phases: string[] }> = [
  ...ACCESS_ONLY.map((file) => ({ file, phases: ['access'] })),
  ...Object.entries(MORE_PHASES).map(([file, phases]) => ({ file, phases })),
];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kps-soak-'));
fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"commonjs"}');
fs.copyFileSync(path.join(HOSTILE, 'neighbour.js'), path.join(dir, 'good-echo.js'));
for (const a of ATTACKS) fs.copyFileSync(path.join(HOSTILE, a.file), path.join(dir, path.basename(a.file)));
const nameOf = (file: string) => path.basename(file, '.js');

// ---- counters -----------------------------------------------------------------------------------
const counts = {
  good: 0, goodWrong: 0, hostile: 0, hostileRet: 0, hostilePolicy: 0, hostileExit: 0, hostileRpcError: 0, restarts: 0, clientErrors: 0,
};
let goodLatency: number[] = [];
const wrong: string[] = [];

function pdkAnswer(call: PdkCall): unknown {
  switch (call.Method) {
    case 'kong.request.get_header': {
      const name = String(call.Args[0]);
      if (name === 'x-mode') return Math.random() < 0.5 ? 'keep' : 'use';
      if (name === 'x-depth') return String([10, 900, 5000, 100_000][Math.floor(Math.random() * 4)]);
      if (name === 'x-size') return String(1 + Math.floor(Math.random() * 5000));
      if (name === 'x-in') return `${'a'.repeat(28)}b`;
      if (name === 'x-target') return String(Math.floor(Math.random() * 2 ** 31));
      return 'value';
    }
    case 'kong.request.get_headers':
    case 'kong.request.get_query':
      return JSON.parse('{"__proto__":["p"],"constructor":["c"],"a":["1","2"]}');
    case 'kong.request.get_raw_body':
      return Math.random() < 0.5 ? new Uint8Array(Math.floor(Math.random() * 65536)) : 'body';
    case 'kong.node.get_memory_stats':
      return { workers_lua_vms: [] };
    default:
      return undefined;
  }
}

// ---- the server and the lanes -----------------------------------------------------------------------
const server = await ServerProcess.start({
  pluginsDir: dir,
  args: ['--shards', '2', '--memory-limit', '32', '--cpu-limit', '100', '--event-timeout', '5000', '--placement', 'dedicated=huge-array-fill'],
});
const ids = new Map<string, number>();
async function instanceOf(kong: KongClient, name: string, config: Record<string, unknown> = {}): Promise<number> {
  let id = ids.get(name);
  if (id === undefined) {
    id = (await kong.startInstance(name, config)).Id;
    ids.set(name, id);
  }
  return id;
}

const deadline = Date.now() + MINUTES * 60_000;
let stopping = false;

async function goodLane(lane: number): Promise<void> {
  const kong = server.client();
  let n = 0;
  while (!stopping) {
    const value = `lane${lane}-${n++}`;
    const t0 = performance.now();
    try {
      const id = await instanceOf(kong, 'good-echo', { prefix: 'n:' });
      const run = await kong.runPhase(id, 'access', (call) => (call.Method === 'kong.request.get_header' ? value : undefined));
      const [first, second] = run.calls;
      const ok = run.calls.length === 2 && run.exited === null && first?.Method === 'kong.request.get_header' && second?.Method === 'kong.response.set_header' && second.Args[1] === `n:${value}`;
      counts.good++;
      goodLatency.push(performance.now() - t0);
      if (!ok) {
        counts.goodWrong++;
        if (wrong.length < 5) wrong.push(JSON.stringify(run));
      }
    } catch (err) {
      if (err instanceof RpcError && /No plugin instance/.test(err.message)) {
        ids.delete('good-echo');
        counts.restarts++;
        continue;
      }
      counts.good++;
      counts.goodWrong++;
      if (wrong.length < 5) wrong.push(String(err));
    }
  }
  kong.close();
}

async function hostileLane(): Promise<void> {
  const kong = server.client();
  while (!stopping) {
    const attack = ATTACKS[Math.floor(Math.random() * ATTACKS.length)]!;
    const name = nameOf(attack.file);
    const phase = attack.phases[Math.floor(Math.random() * attack.phases.length)]!;
    try {
      const id = await instanceOf(kong, name, { secret: `secret-${name}` });
      const run = await kong.runPhase(id, phase, pdkAnswer);
      counts.hostile++;
      if (!run.exited) counts.hostileRet++;
      else if (run.exited.Args[0] === 500) counts.hostilePolicy++;
      else counts.hostileExit++;
    } catch (err) {
      if (err instanceof RpcError) {
        counts.hostileRpcError++;
        if (/No plugin instance/.test(err.message)) {
          ids.delete(name);
          counts.restarts++;
        }
      } else {
        counts.clientErrors++; // e.g. the fake Kong cannot decode an answer; not the server's doing
      }
    }
  }
  kong.close();
}

// ---- what is printed every interval ------------------------------------------------------------------
function procRssMb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
  } catch {
    return 0;
  }
}
function fdCount(pid: number): number {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}
const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

const samples: number[] = [];
const t0 = Date.now();
const reporter = server.client(); // one connection for the reports, so they add no descriptors
async function report(): Promise<void> {
  const status = await reporter.call('plugin.GetStatus').catch((err: Error) => ({ error: err.message }));
  if ('error' in status) {
    console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] GetStatus failed: ${status.error}`);
    return;
  }
  const shards = (status.Shards as Array<{ Shard: number; Pid: number | null; Restarts: number }>).filter((s) => s.Pid !== null);
  const rssSup = procRssMb(status.Pid);
  const rssShards = shards.map((s) => procRssMb(s.Pid!));
  const rss = rssSup + rssShards.reduce((a, b) => a + b, 0);
  samples.push(rss);
  type PluginStatus = { Instances: Array<{ Stats: { HeapUsed: number } | null }> };
  const instances = Object.values(status.Plugins as Record<string, PluginStatus>).flatMap((p) => p.Instances);
  const heaps = instances.map((i) => i.Stats?.HeapUsed ?? 0);
  const fdsSup = fdCount(status.Pid);
  const fdsShards = shards.map((s) => fdCount(s.Pid!));
  const logs = server.logs.length;
  const killed = server.logs.filter((l) => l.event === 'instance.killed').length;
  const shardDeaths = server.logs.filter((l) => l.event === 'shard.died').length;
  server.logs.length = 0; // the harness keeps no history; counts below are per interval
  console.log(
    `[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] RSS ${rss.toFixed(0)} MB (supervisor ${rssSup.toFixed(0)}, shards ${rssShards.map((r) => r.toFixed(0)).join('/')})` +
      ` | instances ${instances.length}, heap total ${(heaps.reduce((a, b) => a + b, 0) / 1048576).toFixed(1)} MB, max ${(Math.max(0, ...heaps) / 1048576).toFixed(1)} MB` +
      ` | open fds ${fdsSup} + ${fdsShards.join('/')}` +
      ` | good ${counts.good} (wrong ${counts.goodWrong}, p50 ${pct(goodLatency, 50).toFixed(1)} ms, p99 ${pct(goodLatency, 99).toFixed(1)} ms)` +
      ` | hostile ${counts.hostile} (ret ${counts.hostileRet}, 500 ${counts.hostilePolicy}, exit ${counts.hostileExit}, rpc errors ${counts.hostileRpcError})` +
      ` | restarts ${counts.restarts} | this interval: ${logs} log lines, ${killed} instances stopped, ${shardDeaths} shard deaths`,
  );
  goodLatency = [];
}

console.log(`soak: ${MINUTES} min, report every ${INTERVAL_MS / 1000} s, ${GOOD_LANES} good lanes, ${HOSTILE_LANES} hostile lanes, ${ATTACKS.length} attack plugins; server pid ${server.child.pid}`);
const lanes = [...Array.from({ length: GOOD_LANES }, (_, i) => goodLane(i)), ...Array.from({ length: HOSTILE_LANES }, () => hostileLane())];
await report();
while (Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, Math.min(INTERVAL_MS, Math.max(0, deadline - Date.now()))));
  await report();
}
stopping = true;
await Promise.all(lanes);
reporter.close();
const code = await server.stop();
fs.rmSync(dir, { recursive: true, force: true });

// RSS must level off once warm: the last third of the samples may not sit more than 150 MB above the
// middle third (the first third is warm-up: shards fill with instances, V8 sizes its heaps).
const third = Math.max(1, Math.floor(samples.length / 3));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const early = mean(samples.slice(third, 2 * third));
const late = mean(samples.slice(-third));
console.log(`\nsoak done: ${counts.good} good events (${counts.goodWrong} wrong), ${counts.hostile} hostile events, ${counts.restarts} instance restarts, ${counts.clientErrors} client-side decode errors; server exit code ${code}`);
console.log(`RSS: middle third of the run ${early.toFixed(0)} MB on average, last third ${late.toFixed(0)} MB (${late - early < 150 ? 'levelled off' : 'STILL GROWING'})`);
for (const w of wrong) console.log(`wrong good answer: ${w}`);
process.exitCode = counts.goodWrong === 0 && code === 0 && late - early < 150 ? 0 : 1;
