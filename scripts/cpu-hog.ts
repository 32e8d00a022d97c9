// Keeps every core busy (one busy-looping child process per core, at normal priority) so the test
// suite can be run on a loaded machine, as CI's 2-core machine may be. Two ways to use it:
//   npm run test:loaded -- [--runs 5] [--hogs N]   runs `npm test` N times under the hog, reports each
//   node scripts/cpu-hog.ts [--hogs N]              just hogs, until Ctrl-C / SIGTERM
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string' }, hogs: { type: 'string' } } });
const hogCount = Number(values.hogs ?? os.availableParallelism());
const runs = values.runs === undefined ? 0 : Number(values.runs);
if (!Number.isInteger(hogCount) || hogCount < 1 || !Number.isInteger(runs) || runs < 0) {
  process.stderr.write('usage: cpu-hog.ts [--runs N] [--hogs N]\n');
  process.exit(2);
}

const LOOP = 'for (;;) { Math.sqrt(Math.random()); }';
const hogs: ChildProcess[] = Array.from({ length: hogCount }, () => spawn(process.execPath, ['-e', LOOP], { stdio: 'ignore' }));
const stop = () => {
  for (const h of hogs) h.kill('SIGKILL');
};
process.on('exit', stop);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));
process.stderr.write(`cpu-hog: ${hogCount} busy process(es) on ${os.availableParallelism()} core(s)\n`);

if (runs === 0) {
  await new Promise(() => {}); // until a signal
} else {
  const results: { run: number; code: number | null; seconds: number }[] = [];
  for (let run = 1; run <= runs; run++) {
    const t0 = Date.now();
    process.stderr.write(`cpu-hog: npm test, run ${run}/${runs}\n`);
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn('npm', ['test'], { stdio: ['ignore', 'inherit', 'inherit'] });
      child.on('exit', (c) => resolve(c));
    });
    results.push({ run, code, seconds: Math.round((Date.now() - t0) / 1000) });
  }
  console.log(`\nnpm test under ${hogCount} CPU hog(s) on ${os.availableParallelism()} core(s):`);
  for (const r of results) console.log(`  run ${r.run}: ${r.code === 0 ? 'passed' : `FAILED (exit ${r.code})`} in ${r.seconds} s`);
  const failed = results.filter((r) => r.code !== 0).length;
  console.log(`${runs - failed}/${runs} passed`);
  process.exit(failed === 0 ? 0 : 1);
}
