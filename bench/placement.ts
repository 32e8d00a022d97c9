// Two busy instances of one plugin (as two Kong workers make them) under --placement spread and
// --placement balance, 2 shards: events/s and CPU per shard over the measured seconds. spread puts
// both instances on one shard (one core); balance puts one on each.
// Usage: npm run bench:placement -- [--seconds 5]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { waitForSocket } from './wait-for-socket.ts';
import { runDriver } from './run-driver.ts';
import { childrenOf, cpuMsOf } from '../kong-driver/proc-cpu.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' } } });
const seconds = Number(values.seconds);

/** CPU ms of a process and, by shard index, of each of its children, from /proc. */
function cpuByProcess(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  try {
    out.set('supervisor', cpuMsOf(`/proc/${pid}/stat`));
    childrenOf(pid).forEach((c, i) => out.set(`shard ${i + 1}`, cpuMsOf(`/proc/${c}/stat`)));
  } catch {
    // the process ended
  }
  return out;
}

async function run(placement: 'spread' | 'balance'): Promise<{ perSecond: number; cpu: Map<string, number> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kps-place-'));
  const socket = path.join(dir, 'kps.sock');
  const server = spawn(process.execPath, ['--no-node-snapshot', '--disable-warning=ExperimentalWarning', path.join(ROOT, 'src/main.ts'), '-p', dir, '--sock-name', 'kps.sock', '-d', path.join(ROOT, 'bench/plugins'), '--shards', '2', '--placement', placement], { stdio: 'ignore' });
  try {
    await waitForSocket(socket);
    const opts = { socket, plugin: 'bench-calls', workers: 2, inFlight: 20, pdkCalls: 2, payloadBytes: 64, seconds, warmupSeconds: 2, rate: 0 };
    let before = new Map<string, number>();
    let after = new Map<string, number>();
    const result = await runDriver(opts, (phase) => {
      if (phase === 'measuring') before = cpuByProcess(server.pid!);
      else after = cpuByProcess(server.pid!);
    });
    const cpu = new Map([...after].map(([k, v]) => [k, (v - (before.get(k) ?? 0)) / (seconds * 10)])); // % of one core
    return { perSecond: result.perSecond, cpu };
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`\nTwo busy instances of one plugin (20 in flight, 2 PDK calls), 2 shards, ${seconds} s after 2 s of warm-up; ${os.availableParallelism()} cores, node ${process.version}`);
console.log('| placement | events/s | supervisor CPU % | shard 1 CPU % | shard 2 CPU % |\n| --- | --- | --- | --- | --- |');
for (const placement of ['spread', 'balance'] as const) {
  const r = await run(placement);
  const pct = (k: string) => (r.cpu.get(k) ?? 0).toFixed(0);
  console.log(`| ${placement} | ${r.perSecond.toFixed(0)} | ${pct('supervisor')} | ${pct('shard 1')} | ${pct('shard 2')} |`);
}
