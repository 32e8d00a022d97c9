// StartInstance latency and RSS per idle instance, measured on the real server over its socket.
// Usage: npm run bench:instances -- [--instances 200]
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ServerProcess, ROOT } from '../test/helpers/server-process.ts';

const { values } = parseArgs({ options: { instances: { type: 'string', default: '200' } } });
const count = Number(values.instances);

function rssKb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]);
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const server = await ServerProcess.start({ pluginsDir: path.join(ROOT, 'plugins') });
const kong = server.client();
const pid = server.child.pid!;
// Warm the code paths once, then measure from a settled baseline.
await kong.call('plugin.CloseInstance', (await kong.startInstance('js-hello', { message: 'warm' })).Id);
await new Promise((r) => setTimeout(r, 500));
const before = rssKb(pid);
const times: number[] = [];
for (let i = 0; i < count; i++) {
  const t0 = performance.now();
  await kong.startInstance('js-hello', { message: `m${i}` });
  times.push(performance.now() - t0);
  if ((i + 1) % 50 === 0) process.stderr.write(`  ${i + 1}/${count} instances\n`);
}
await new Promise((r) => setTimeout(r, 1000));
const after = rssKb(pid);
times.sort((a, b) => a - b);
const perInstanceMb = (after - before) / 1024 / count;
console.log(`StartInstance over the socket, js-hello, ${count} instances (node ${process.version}, ${(await import('node:os')).cpus().length} cores)`);
console.log(`| StartInstance p50 | p99 | RSS before | RSS after | RSS per idle instance |`);
console.log(`| --- | --- | --- | --- | --- |`);
console.log(`| ${pct(times, 50).toFixed(2)} ms | ${pct(times, 99).toFixed(2)} ms | ${(before / 1024).toFixed(1)} MB | ${(after / 1024).toFixed(1)} MB | ${perInstanceMb.toFixed(2)} MB |`);
kong.close();
await server.stop();
