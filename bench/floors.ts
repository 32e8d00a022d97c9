// What one event costs at each layer of the sandbox, in-process with no socket: the floor no server
// built on isolated-vm can go under (with either bridge pattern), then what our runtime and our
// event bookkeeping add. Each event is the benchmark plugin's (2 PDK calls and a setHeader: 4
// entries into the isolate, as Kong's Step protocol requires one per answer). Put these next to
// bench:compare's figures: a sandboxed server pays at least the echo floor (socket I/O) plus the
// sync-callback line.
// Usage: npm run bench:floors
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import ivm from 'isolated-vm';
import { PluginIsolate } from '../src/sandbox/plugin-isolate.ts';
import { LocalInstanceHost } from '../src/sandbox/local-host.ts';
import { compilePlugin } from '../src/plugins/compiler.ts';
import { toolOptions } from '../src/config/options.ts';
import { silentLogger } from '../src/log.ts';
import type { BridgeMessage } from '../src/sandbox/isolate-bridge.ts';
import { ROOT } from '../kong-driver/server-process.ts';

const quick = process.argv.includes('--quick');
const EVENTS = quick ? 10_000 : 30_000;
const ROUNDS = quick ? 2 : 5;
const HEADER = 'vvvvvvvvvvvvvvvv';

interface Figure {
  layer: string;
  cpuUs: number;
  wallUs: number;
  isolateUs: number | null;
}

/** Runs `event` EVENTS times after a warm-up; CPU of the whole process (isolated-vm's threads too). */
async function measure(layer: string, event: () => unknown, isolateCpuMs: (() => number) | null): Promise<Figure> {
  for (let i = 0; i < EVENTS / 10; i++) await event();
  const iso0 = isolateCpuMs?.() ?? 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < EVENTS; i++) await event();
  const wallUs = ((performance.now() - t0) * 1000) / EVENTS;
  const cpu = process.cpuUsage(cpu0);
  const isolateUs = isolateCpuMs ? ((isolateCpuMs() - iso0) * 1000) / EVENTS : null;
  return { layer, cpuUs: (cpu.user + cpu.system) / EVENTS, wallUs, isolateUs };
}

/**
 * isolated-vm alone: a trivial async handler awaiting three calls through the bridge. `ignored`:
 * the bridge pattern this server used before (a fire-and-forget callback: each message reaches the
 * host as a task of its own, so the host waits a loop turn for it) instead of a sync callback.
 */
async function bareIsolate(ignored: boolean): Promise<Figure> {
  const isolate = new ivm.Isolate({ memoryLimit: 64 });
  const context = isolate.createContextSync();
  let posted = '';
  const record = (kind: string) => void (posted = kind);
  context.global.setSync('post', ignored ? new ivm.Callback(record, { ignored: true }) : new ivm.Callback(record));
  isolate.compileScriptSync(`
    const waiting = new Map();
    const call = (id, method) => new Promise((resolve) => { waiting.set(id, resolve); post('call', id, method); });
    globalThis.handle = async (id) => {
      let total = 0;
      for (let i = 0; i < 2; i++) total += (await call(id, 'kong.request.get_header')).length;
      await call(id, 'kong.response.set_header');
      post('done', id);
    };
    globalThis.settle = (id, value) => { const resolve = waiting.get(id); waiting.delete(id); resolve(value); };
  `).runSync(context);
  const handle = context.global.getSync('handle', { reference: true });
  const settle = context.global.getSync('settle', { reference: true });
  const nextMessage = async () => {
    while (ignored && posted === '') await new Promise((resolve) => setImmediate(resolve));
  };
  let id = 0;
  const event = async () => {
    id++;
    posted = '';
    handle.applySync(undefined, [id], { timeout: 1000 });
    await nextMessage();
    while (posted !== 'done') {
      posted = '';
      settle.applySync(undefined, [id, HEADER], { arguments: { copy: true }, timeout: 1000 });
      await nextMessage();
    }
  };
  const layer = `isolated-vm alone (4 entries, ${ignored ? 'fire-and-forget' : 'sync'} callback)`;
  const figure = await measure(layer, event, () => Number(isolate.cpuTime) / 1e6);
  isolate.dispose();
  return figure;
}

const compiled = await compilePlugin({ name: 'bench-calls', entry: path.join(ROOT, 'bench/plugins/bench-calls.js'), root: path.join(ROOT, 'bench/plugins') });
const code = { plugin: 'bench-calls', hash: compiled.hash, code: compiled.code, filename: compiled.source.entry };

/** Our sandbox runtime and the plugin, entered as a shard does (applySync slices). */
async function sandboxRuntime(): Promise<Figure> {
  let last: BridgeMessage | null = null;
  const limits = {
    memoryLimitMb: 64, maxPendingCalls: 100, maxPayloadBytes: 1 << 24, maxMetadataBytes: 1 << 20, startTimeoutMs: 2000, watch: null,
  };
  const isolate = PluginIsolate.create(code, limits, (m) => void (last = m));
  isolate.start({ calls: 2 });
  let id = 0;
  const event = () => {
    id++;
    isolate.handle(id, 'access', 1000);
    while (last?.kind !== 'done') isolate.settle(id, true, HEADER, 1000);
    last = null;
  };
  const figure = await measure('+ sandbox runtime and plugin (PluginIsolate)', event, () => isolate.cpuMs);
  isolate.dispose();
  return figure;
}

/** Everything a shard does for an event but the channel: event table, CPU budget, PDK data checks. */
async function instanceHost(): Promise<Figure> {
  const host = new LocalInstanceHost(toolOptions({ pluginsDir: ROOT }), silentLogger);
  await host.startInstance({ ...code, instanceId: 1, config: { calls: 2 }, memoryLimitMb: 64 });
  let id = 0;
  const event = async () => {
    const eventId = ++id;
    let answer = await host.handleEvent({ instanceId: 1, eventId, phase: 'access' });
    while (answer !== 'ret') answer = await host.step(answer.Method === 'kong.request.get_header' ? { eventId, data: HEADER } : { eventId });
  };
  const figure = await measure('+ event bookkeeping and limits (LocalInstanceHost)', event, null);
  await host.shutdown();
  return figure;
}

// Each layer runs in a process of its own (what one layer leaves behind, such as a disposed
// isolate's heap, must not be charged to the next); layers alternate over the rounds and each keeps
// its lowest figure: other work on the machine only ever adds time.
const layers = [() => bareIsolate(true), () => bareIsolate(false), sandboxRuntime, instanceHost];
const layerArg = process.argv.indexOf('--layer');
if (layerArg > 0) {
  const figure = await layers[Number(process.argv[layerArg + 1])]!();
  process.stdout.write(JSON.stringify(figure));
} else {
  const figures: Figure[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < layers.length; i++) {
      const args = ['--no-node-snapshot', '--disable-warning=ExperimentalWarning', fileURLToPath(import.meta.url), '--layer', String(i), ...(quick ? ['--quick'] : [])];
      const run = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      if (run.status !== 0) throw new Error(`layer ${i} failed (exit ${run.status})`);
      const f = JSON.parse(run.stdout) as Figure;
      const best = figures[i];
      if (!best || f.cpuUs < best.cpuUs) figures[i] = f;
    }
  }
  console.log(`\nOne event at each layer, in-process, no socket (lowest of ${ROUNDS} rounds of ${EVENTS} events, a process per layer and round; ${os.availableParallelism()} cores, node ${process.version})`);
  console.log('| layer | CPU µs/event | wall µs/event | of it inside the isolate |');
  console.log('| --- | --- | --- | --- |');
  for (const f of figures) {
    console.log(`| ${f.layer} | ${f.cpuUs.toFixed(1)} | ${f.wallUs.toFixed(1)} | ${f.isolateUs === null ? '' : `${f.isolateUs.toFixed(1)} µs`} |`);
  }
}
