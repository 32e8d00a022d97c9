// Instance figures on the real server over its socket: StartInstance latency cold (the first
// instance of a plugin version: nothing cached) and warm (V8 code cache filled), RSS per idle
// instance (supervisor + shards) at 100 and 1000 instances, and how many would fit in 4 GiB.
// Usage: npm run bench:instances -- [--quick]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ServerProcess, ROOT } from '../kong-driver/server-process.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean' } } });
const counts = values.quick ? [100] : [100, 1000];

/** RSS of a process and its descendants, MB */
function treeRssMb(pid: number): number {
  let kb = 0;
  const visit = (p: number) => {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
      for (const c of fs.readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) visit(Number(c));
    } catch {
      // gone
    }
  };
  visit(pid);
  return kb / 1024;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

console.log(`StartInstance and idle instances, js-hello, node ${process.version}, ${os.availableParallelism()} cores, default shards`);
console.log('| instances | StartInstance cold | warm p50 | warm p99 | RSS before | RSS after | RSS per idle instance | instances in 4 GiB |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const count of counts) {
  const server = await ServerProcess.start({ pluginsDir: path.join(ROOT, 'plugins') });
  const kong = server.client();
  const pid = server.child.pid!;
  await new Promise((r) => setTimeout(r, 500));
  const before = treeRssMb(pid);
  let t0 = performance.now();
  await kong.startInstance('js-hello', { message: 'cold' });
  const cold = performance.now() - t0;
  const warm: number[] = [];
  for (let i = 1; i < count; i++) {
    t0 = performance.now();
    await kong.startInstance('js-hello', { message: `m${i}` });
    warm.push(performance.now() - t0);
    if ((i + 1) % 250 === 0) process.stderr.write(`  ${i + 1}/${count} instances\n`);
  }
  await new Promise((r) => setTimeout(r, 1500));
  const after = treeRssMb(pid);
  const perInstance = (after - before) / count;
  console.log(`| ${count} | ${cold.toFixed(2)} ms | ${pct(warm, 0.5).toFixed(2)} ms | ${pct(warm, 0.99).toFixed(2)} ms | ${before.toFixed(0)} MB | ${after.toFixed(0)} MB | ${perInstance.toFixed(2)} MB | ${Math.floor((4096 - before) / perInstance)} |`);
  kong.close();
  await server.stop();
}
