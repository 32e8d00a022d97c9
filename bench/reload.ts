// Hot reload: time from saving a plugin file to the first event that runs the new code, and the
// latency of that first event against steady events. Usage: npm run bench:reload -- [--saves 20]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ServerProcess } from '../kong-driver/server-process.ts';

const { values } = parseArgs({ options: { saves: { type: 'string', default: '20' } } });
const saves = Number(values.saves);

const source = (v: number) => `class Plugin {
  async access(kong) {
    const h = await kong.request.getHeader('host');
    await kong.response.setHeader('x-version', '${v}:' + h);
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: 1 };
`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kps-bench-reload-'));
fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"commonjs"}');
const file = path.join(dir, 'hot.js');
fs.writeFileSync(file, source(0));
const server = await ServerProcess.start({ pluginsDir: dir, args: ['--watch'] });
const kong = server.client();
const inst = await kong.startInstance('hot');

async function event(): Promise<{ version: number; ms: number }> {
  const t0 = performance.now();
  const run = await kong.runPhase(inst.Id, 'access', (c) => (c.Method === 'kong.request.get_header' ? 'example.com' : undefined));
  return { version: Number(String(run.calls.at(-1)!.Args[1]).split(':')[0]), ms: performance.now() - t0 };
}

const toNew: number[] = [];
const firstAfter: number[] = [];
const steady: number[] = [];
for (let v = 1; v <= saves; v++) {
  for (let i = 0; i < 50; i++) steady.push((await event()).ms);
  const saved = performance.now();
  fs.writeFileSync(file, source(v));
  for (;;) {
    const e = await event();
    if (e.version === v) {
      toNew.push(performance.now() - saved);
      firstAfter.push(e.ms);
      break;
    }
  }
  process.stderr.write(`  save ${v}/${saves}: new code after ${toNew.at(-1)!.toFixed(0)} ms\n`);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const max = (xs: number[]) => Math.max(...xs);
console.log(`hot reload, ${saves} saves of a one-instance plugin, default debounce, node ${process.version}, ${os.availableParallelism()} cores`);
console.log('| save → first event on new code (median) | max | first event after swap (median) | steady event (median) |');
console.log('| --- | --- | --- | --- |');
console.log(`| ${median(toNew).toFixed(0)} ms | ${max(toNew).toFixed(0)} ms | ${median(firstAfter).toFixed(2)} ms | ${median(steady).toFixed(2)} ms |`);
kong.close();
await server.stop();
fs.rmSync(dir, { recursive: true, force: true });
