// Overhead of the per-event CPU accounting on a steady event. Each slice of plugin code reads the
// process's CPU time and the clock before and after (process.cpuUsage, performance.now); this
// measures that read and puts it against what a steady event costs in total (host CPU, in-process,
// no socket), so the share is an upper bound for the server.
// Usage: npm run bench:cpu-accounting
import path from 'node:path';
import { LocalInstanceHost } from '../src/sandbox/local-host.ts';
import { compilePlugin } from '../src/plugins/compiler.ts';
import { discoverPlugins } from '../src/plugins/discovery.ts';
import { toolOptions } from '../src/config/options.ts';
import { silentLogger } from '../src/log.ts';
import { ROOT } from '../kong-driver/server-process.ts';

const EVENTS = 20_000;
const opts = toolOptions({ pluginsDir: path.join(ROOT, 'plugins') });
// slices as a shard runs them (applySync on this thread)
const host = new LocalInstanceHost(opts, silentLogger);
const source = discoverPlugins(opts.pluginsDir).find((s) => s.name === 'js-hello')!;
const compiled = await compilePlugin(source);
await host.startInstance({ instanceId: 1, plugin: 'js-hello', hash: compiled.hash, code: compiled.code, filename: source.entry, config: { message: 'm' }, memoryLimitMb: 64 });

let eventId = 1;
async function event(): Promise<number> {
  let slices = 1;
  const id = eventId++;
  let answer = await host.handleEvent({ instanceId: 1, eventId: id, phase: 'access' });
  while (answer !== 'ret') {
    slices++;
    answer = await host.step(answer.Method === 'kong.request.get_header' ? { eventId: id, data: 'example.com' } : { eventId: id });
  }
  return slices;
}

for (let i = 0; i < 2000; i++) await event(); // warm-up
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let slices = 0;
for (let i = 0; i < EVENTS; i++) slices += await event();
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const eventUs = (cpu.user + cpu.system) / EVENTS;
const slicesPerEvent = slices / EVENTS;

let sink = 0;
const READS = 1_000_000;
const r0 = process.cpuUsage();
for (let i = 0; i < READS; i++) sink += process.cpuUsage().user + performance.now();
const r = process.cpuUsage(r0);
const readNs = ((r.user + r.system) * 1000) / READS;
const accountingUs = (slicesPerEvent * 2 * readNs) / 1000;
console.log(`CPU accounting on a steady js-hello event (3 PDK calls, ${slicesPerEvent.toFixed(1)} slices), ${EVENTS} events in-process, node ${process.version}`);
console.log('| host CPU per event | cpuUsage + now read | accounting per event | overhead | events/s (one core) |');
console.log('| --- | --- | --- | --- | --- |');
console.log(`| ${eventUs.toFixed(1)} µs | ${readNs.toFixed(0)} ns | ${accountingUs.toFixed(2)} µs | ${((100 * accountingUs) / eventUs).toFixed(2)} % | ${(EVENTS / (wall / 1000)).toFixed(0)} |`);
await host.shutdown();
void sink;
