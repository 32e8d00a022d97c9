// Event throughput and latency over the real socket, Kong's way: each simulated Kong worker holds
// its own connection pool and runs one event at a time (HandleEvent, a Step per PDK call, "ret").
// Compares process shards (the default) with --shards 0 (isolates in the supervisor), side by side.
// Usage: npm run bench:events -- [--workers 20] [--seconds 5] [--shards 2]
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { ServerProcess, ROOT } from '../kong-driver/server-process.ts';

const { values } = parseArgs({
  options: { workers: { type: 'string', default: '20' }, seconds: { type: 'string', default: '5' }, shards: { type: 'string', default: '2' } },
});
const workers = Number(values.workers);
const seconds = Number(values.seconds);

interface Result {
  mode: string;
  events: number;
  perSecond: number;
  p50: number;
  p99: number;
  cpuMsPerEvent: number;
}

/** user+sys CPU of a process and its children (shards), in ms, from /proc */
function cpuMs(pid: number): number {
  const ticks = (p: number) => {
    try {
      const f = fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return Number(f[11]) + Number(f[12]);
    } catch {
      return 0;
    }
  };
  const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  return ((ticks(pid) + children.reduce((s, c) => s + ticks(c), 0)) * 1000) / 100;
}

async function measure(shards: string): Promise<Result> {
  const server = await ServerProcess.start({ pluginsDir: path.join(ROOT, 'plugins'), args: ['--shards', shards] });
  const setup = server.client();
  const instances = await Promise.all(Array.from({ length: 4 }, (_, i) => setup.startInstance('js-hello', { message: `w${i}` })));
  const answer = (m: string) => (m === 'kong.request.get_header' ? 'example.com' : undefined);
  const latencies: number[] = [];
  const runWorker = async (w: number, until: number, record: boolean) => {
    const kong = server.client();
    const id = instances[w % instances.length]!.Id;
    while (Date.now() < until) {
      const t0 = performance.now();
      await kong.runPhase(id, 'access', (c) => answer(c.Method));
      if (record) latencies.push(performance.now() - t0);
    }
    kong.close();
  };
  await Promise.all(Array.from({ length: workers }, (_, w) => runWorker(w, Date.now() + 1000, false))); // warm-up
  const cpu0 = cpuMs(server.child.pid!);
  const t0 = Date.now();
  await Promise.all(Array.from({ length: workers }, (_, w) => runWorker(w, t0 + seconds * 1000, true)));
  const elapsed = (Date.now() - t0) / 1000;
  const cpu = cpuMs(server.child.pid!) - cpu0;
  setup.close();
  await server.stop();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  return {
    mode: shards === '0' ? '--shards 0 (in-process, unsafe)' : `--shards ${shards}`,
    events: latencies.length,
    perSecond: latencies.length / elapsed,
    p50: pct(0.5),
    p99: pct(0.99),
    cpuMsPerEvent: cpu / latencies.length,
  };
}

const results: Result[] = [];
for (const shards of [String(values.shards), '0']) {
  process.stderr.write(`measuring ${shards === '0' ? 'in-process' : `${shards} shards`} for ${seconds} s with ${workers} workers…\n`);
  results.push(await measure(shards));
}
console.log(`js-hello access event (3 PDK calls), ${workers} concurrent Kong workers, ${seconds} s, node ${process.version}, ${os.availableParallelism()} cores`);
console.log('| mode | events | events/s | p50 ms | p99 ms | server CPU ms/event |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of results) {
  console.log(`| ${r.mode} | ${r.events} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.cpuMsPerEvent.toFixed(3)} |`);
}
