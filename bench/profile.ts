// Where an event's CPU goes: runs our server under the benchmark load with V8's CPU profiler on in
// the supervisor and in every shard, then prints µs per event by category (msgpack, isolate
// crossing, streams, promises, timers, GC, our code, …) per process, and per thread from /proc
// (the profiler does not see isolated-vm's own threads or the kernel). The .cpuprofile files are
// kept for Chrome DevTools / speedscope.
// Usage: npm run bench:profile -- [--seconds 5] [--in-flight 20] [--pdk-calls 2] [--shards 2] [--out dir]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { waitForSocket } from './wait-for-socket.ts';
import { runDriver } from './run-driver.ts';
import { childrenOf, commOf, cpuMsOf } from '../kong-driver/proc-cpu.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    'in-flight': { type: 'string', default: '20' },
    'pdk-calls': { type: 'string', default: '2' },
    shards: { type: 'string' },
    out: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const outDir = path.resolve(values.out ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kps-profile-')));
fs.mkdirSync(outDir, { recursive: true });
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kps-prof-sock-'));
const socket = path.join(work, 'kps.sock');

const serverArgs = ['--no-node-snapshot', '--disable-warning=ExperimentalWarning', path.join(ROOT, 'src/main.ts'), '-p', work, '--sock-name', 'kps.sock', '-d', path.join(ROOT, 'bench/plugins')];
if (values.shards !== undefined) serverArgs.push('--shards', values.shards);
// NODE_OPTIONS reaches the shards, which the supervisor spawns with its own environment.
const server = spawn(process.execPath, serverArgs, {
  stdio: 'ignore',
  env: { ...process.env, NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${outDir} --cpu-prof-interval=200` },
});

interface ThreadTimes {
  /** "pid/comm" → CPU ms */
  [thread: string]: number;
}

/** CPU ms of every thread of the server and its shards, from /proc. */
function threadTimes(): ThreadTimes {
  const out: ThreadTimes = {};
  const visit = (pid: number, role: string) => {
    try {
      for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
        const file = `/proc/${pid}/task/${tid}/stat`;
        const key = `${role} ${commOf(file)}`;
        out[key] = (out[key] ?? 0) + cpuMsOf(file);
      }
      childrenOf(pid).forEach((c, i) => visit(c, `shard${i + 1}(${c})`));
    } catch {
      // the process ended
    }
  };
  visit(server.pid!, `supervisor(${server.pid})`);
  return out;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}
interface CpuProfile {
  nodes: ProfileNode[];
  /** µs on the system's monotonic clock, the one process.hrtime reads in every process */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The category of a function by where it lives; native frames by their name. */
function category(fn: string, url: string): string | null {
  if (fn === '(idle)') return null;
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(program)') return 'V8/native (program)';
  if (url.includes('msgpackr')) return 'msgpack';
  if (/^(applySync|apply|applyIgnored|runSync|run|copy|copySync|derefInto|getSync|setSync)$/.test(fn) && url === '') return 'isolate crossing (incl. plugin + runtime)';
  if (url.includes('isolated-vm') || url.endsWith('/src/sandbox/plugin-isolate.ts')) return 'isolate crossing (incl. plugin + runtime)';
  if (url.includes('node_modules/pino') || url.includes('sonic-boom')) return 'logging';
  if (url.includes('/src/rpc/')) return 'our JS: rpc';
  if (url.includes('/src/shards/')) return 'our JS: shards';
  if (url.includes('/src/sandbox/')) return 'our JS: sandbox host';
  if (url.includes('/src/')) return 'our JS: other';
  if (/node:internal\/(streams|stream_base_commons)|node:(net|stream)/.test(url)) return 'Node streams/net';
  if (/task_queues|promise/i.test(url) || fn === 'processTicksAndRejections' || fn === 'runMicrotasks') return 'promises/ticks';
  if (url.includes('timers')) return 'timers';
  if (url === '' && /^(writeUtf8String|writeBuffer|writev|writeGeneric|onStreamRead|readStop|readStart)$/.test(fn)) return 'Node streams/net';
  if (url.startsWith('node:')) return 'Node other';
  if (url === '') return `native: ${fn || '(anonymous)'}`;
  return 'other JS';
}

/** Self time by category of the samples taken while the measured events ran ([from, to], µs). */
function summarise(file: string, events: number, from: number, to: number): Map<string, number> {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const us = new Map<string, number>();
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    if (t < from || t > to) continue;
    const n = byId.get(p.samples[i]!)!;
    const c = category(n.callFrame.functionName, n.callFrame.url);
    if (c === null) continue;
    us.set(c, (us.get(c) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  for (const [k, v] of us) us.set(k, v / events);
  return us;
}

await waitForSocket(socket);
let before: ThreadTimes = {};
let after: ThreadTimes = {};
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
let from = 0;
let to = 0;
const driverOpts = { socket, plugin: 'bench-calls', workers: 2, inFlight: Number(values['in-flight']), pdkCalls: Number(values['pdk-calls']), payloadBytes: 64, seconds, warmupSeconds: 2, rate: 0 };
const result = await runDriver(driverOpts, (phase) => {
  if (phase === 'measuring') {
    before = threadTimes();
    from = nowUs();
  } else {
    after = threadTimes();
    to = nowUs();
  }
});
server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));
// shards write their profiles as they exit, just after the supervisor
for (let i = 0; i < 50 && fs.readdirSync(outDir).filter((f) => f.endsWith('.cpuprofile')).length < 2; i++) await new Promise((r) => setTimeout(r, 100));
await new Promise((r) => setTimeout(r, 500));
fs.rmSync(work, { recursive: true, force: true });

console.log(`\n${result.events} events in ${seconds} s (${result.perSecond.toFixed(0)}/s), ${values['in-flight']} in flight, ${values['pdk-calls']} PDK calls; node ${process.version}, ${os.cpus().length} cores`);
console.log('\nCPU per event by thread (/proc, µs/event; the profiler sees only JS threads):');
console.log('| thread | µs/event |\n| --- | --- |');
let total = 0;
for (const k of Object.keys(after).sort()) {
  const d = ((after[k]! - (before[k] ?? 0)) * 1000) / Math.max(1, result.events);
  total += d;
  if (d >= 0.5) console.log(`| ${k} | ${d.toFixed(1)} |`);
}
console.log(`| total | ${total.toFixed(1)} |`);

console.log('\nCPU per event by category (V8 CPU profiles, self time of the samples taken while the measured events ran, µs/event):');
for (const f of fs.readdirSync(outDir).filter((x) => x.endsWith('.cpuprofile')).sort()) {
  const us = summarise(path.join(outDir, f), result.events, from, to);
  const rows = [...us].sort((a, b) => b[1] - a[1]).filter(([, v]) => v >= 0.5);
  if (rows.length === 0) continue;
  const sum = [...us.values()].reduce((a, b) => a + b, 0);
  console.log(`\n${f} (${sum.toFixed(1)} µs/event)\n| category | µs/event |\n| --- | --- |`);
  for (const [k, v] of rows) console.log(`| ${k} | ${v.toFixed(1)} |`);
}
console.log(`\nprofiles: ${outDir} (open in Chrome DevTools or speedscope)`);
