// Side by side: kong-sandbox-pluginserver (isolates in shards) vs kong-js-pdk's kong-js-pluginserver
// (unsandboxed, one process), running the same kong-js-pdk plugin file, plus the floor (an echo
// server on the same framing), and ours again with --shards 0 (the same isolates and slices in the
// server's own process: what the shards cost). Rounds alternate A B A B; each round starts a fresh server.
// Usage: npm run bench:compare -- [--quick] [--rounds 3] [--seconds 5]
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { waitForSocket } from './wait-for-socket.ts';
import { runDriver, type DriverResult } from './run-driver.ts';
import { childrenOf, cpuMsOf } from '../kong-driver/proc-cpu.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { quick: { type: 'boolean' }, rounds: { type: 'string' }, seconds: { type: 'string' } } });
const quick = values.quick ?? false;
const rounds = Number(values.rounds ?? (quick ? 1 : 3));
const seconds = Number(values.seconds ?? (quick ? 2 : 5));
// Every server gets the same warm-up before figures count: with 1 s, ours stalled once early in the
// load and not again, which alone set its p99 at 2000 events/s (see docs/performance.md; likely V8
// optimising hot code in each isolate separately; kong-js has one heap). Kong runs for days.
const WARMUP_SECONDS = 3;
const NODE = process.execPath;
const PLUGINS = path.join(ROOT, 'bench/plugins');

type ServerKind = 'ours' | 'ours --shards 0' | 'kong-js' | 'floor';
interface Scenario {
  name: string;
  inFlight: number;
  pdkCalls: number;
  rate: number;
}
interface Sample {
  perSecond: number;
  p50: number;
  p99: number;
  p999: number;
  cpuUsPerEvent: number;
  rssMb: number;
  errors: number;
}

const scenarios: Scenario[] = [
  { name: '20 in flight, 2 PDK calls', inFlight: 20, pdkCalls: 2, rate: 0 },
  { name: 'fixed 2000 events/s, 2 PDK calls', inFlight: 64, pdkCalls: 2, rate: 2000 },
  ...(quick ? [] : [
    { name: '20 in flight, 0 PDK calls', inFlight: 20, pdkCalls: 0, rate: 0 },
    { name: '20 in flight, 5 PDK calls', inFlight: 20, pdkCalls: 5, rate: 0 },
  ]),
];

function startServer(kind: ServerKind, dir: string): { child: ChildProcess; socket: string } {
  const name = `${kind.replace(/\W+/g, '-')}.sock`;
  const socket = path.join(dir, name);
  const ours = ['--no-node-snapshot', '--disable-warning=ExperimentalWarning', path.join(ROOT, 'src/main.ts'), '-p', dir, '--sock-name', name, '-d', PLUGINS];
  const args =
    kind === 'ours'
      ? ours
      : kind === 'ours --shards 0'
        ? [...ours, '--shards', '0']
      : kind === 'kong-js'
        ? [path.join(ROOT, 'node_modules/kong-pdk/bin/kong-js-pluginserver'), '-p', dir, '--sock-name', name, '-d', PLUGINS]
        : ['--disable-warning=ExperimentalWarning', path.join(ROOT, 'bench/echo-server.ts'), socket];
  const child = spawn(NODE, args, { stdio: 'ignore' });
  return { child, socket };
}

/** A process and its descendants (shards): user+sys ms and RSS MB, from /proc. */
function usage(pid: number): { cpuMs: number; rssMb: number } {
  let cpuMs = 0;
  let rssMb = 0;
  const visit = (p: number) => {
    try {
      cpuMs += cpuMsOf(`/proc/${p}/stat`);
      rssMb += Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0) / 1024;
      for (const c of childrenOf(p)) visit(c);
    } catch {
      // the process ended
    }
  };
  visit(pid);
  return { cpuMs, rssMb };
}

/** Runs the driver; `onPhase` is called when its warm-up ends and when its measured events are done. */
function driveScenario(socket: string, s: Scenario, onPhase: (phase: 'measuring' | 'measured') => void): Promise<DriverResult> {
  return runDriver({ socket, plugin: 'bench-calls', workers: 2, inFlight: s.inFlight, pdkCalls: s.pdkCalls, payloadBytes: 64, seconds, warmupSeconds: quick ? 1 : WARMUP_SECONDS, rate: s.rate }, onPhase);
}

async function measure(kind: ServerKind, s: Scenario): Promise<Sample> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kps-cmp-'));
  const { child, socket } = startServer(kind, dir);
  try {
    await waitForSocket(socket);
    await new Promise((r) => setTimeout(r, 300));
    // CPU over the measured events only, read from /proc as the driver reports its phases
    let before = usage(child.pid!);
    let after = before;
    const r = await driveScenario(socket, s, (phase) => {
      if (phase === 'measuring') before = usage(child.pid!);
      else after = usage(child.pid!);
    });
    return {
      perSecond: r.perSecond, p50: r.p50, p99: r.p99, p999: r.p999,
      cpuUsPerEvent: ((after.cpuMs - before.cpuMs) * 1000) / Math.max(1, r.events), rssMb: after.rssMb, errors: r.errors,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const results = new Map<string, Sample[]>();
for (const s of scenarios) {
  for (let round = 1; round <= rounds; round++) {
    // reversed every other round, so a drift of the machine does not always land on the same server
    const order: ServerKind[] = round % 2 === 1 ? ['ours', 'ours --shards 0', 'kong-js', 'floor'] : ['floor', 'kong-js', 'ours --shards 0', 'ours'];
    for (const kind of order) {
      process.stderr.write(`  ${s.name}: ${kind}, round ${round}/${rounds}\n`);
      const key = `${s.name}|${kind}`;
      results.set(key, [...(results.get(key) ?? []), await measure(kind, s)]);
    }
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`\nkong-sandbox-pluginserver vs kong-js-pluginserver (kong-pdk 0.6.0), ${rounds} round(s) of ${seconds} s after ${quick ? 1 : WARMUP_SECONDS} s of warm-up, order reversed every other round; ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), node ${process.version}`);
console.log('| scenario | server | events/s | p50 ms | p99 ms | p99.9 ms | server CPU µs/event | server RSS MB | ours / kong-js events/s (min–max) | ours / kong-js CPU/event (min–max) |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const s of scenarios) {
  const ours = results.get(`${s.name}|ours`)!;
  const kj = results.get(`${s.name}|kong-js`)!;
  for (const kind of ['ours', 'ours --shards 0', 'kong-js', 'floor'] as ServerKind[]) {
    const xs = results.get(`${s.name}|${kind}`)!;
    const m = (f: (x: Sample) => number) => median(xs.map(f));
    let ratio = '';
    let cpuRatio = '';
    if (kind === 'ours') {
      const r = ours.map((o, i) => o.perSecond / kj[i]!.perSecond);
      const c = ours.map((o, i) => o.cpuUsPerEvent / kj[i]!.cpuUsPerEvent);
      ratio = `${median(r).toFixed(2)} (${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)})`;
      cpuRatio = `${median(c).toFixed(2)} (${Math.min(...c).toFixed(2)}–${Math.max(...c).toFixed(2)})`;
    }
    // every miss of every round, not the median round's: one bad round must show
    const errs = xs.reduce((sum, x) => sum + x.errors, 0);
    console.log(`| ${s.name} | ${kind}${errs ? ` (${errs} missed)` : ''} | ${m((x) => x.perSecond).toFixed(0)} | ${m((x) => x.p50).toFixed(2)} | ${m((x) => x.p99).toFixed(2)} | ${m((x) => x.p999).toFixed(2)} | ${m((x) => x.cpuUsPerEvent).toFixed(0)} | ${m((x) => x.rssMb).toFixed(0)} | ${ratio} | ${cpuRatio} |`);
  }
}
// What the shard processes cost over the same isolates and slices run in one process.
console.log('\n| scenario | ours / ours --shards 0, CPU per event (min–max) | ours / ours --shards 0, events/s (min–max) |');
console.log('| --- | --- | --- |');
for (const s of scenarios) {
  const ours = results.get(`${s.name}|ours`)!;
  const inProcess = results.get(`${s.name}|ours --shards 0`)!;
  const c = ours.map((o, i) => o.cpuUsPerEvent / inProcess[i]!.cpuUsPerEvent);
  const r = ours.map((o, i) => o.perSecond / inProcess[i]!.perSecond);
  const fmt = (xs: number[]) => `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;
  console.log(`| ${s.name} | ${fmt(c)} | ${fmt(r)} |`);
}
