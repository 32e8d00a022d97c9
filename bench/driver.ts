// The load driver: plays Kong in its own process. Each simulated Kong worker has its instance and a
// pool of connections, one call in flight per connection (as mp_rpc.lua); events run closed-loop
// (`inFlight` at once) or open-loop at a fixed rate. Prints "measuring" when warm-up ends, "measured"
// when the measured events are done, then one JSON result, each on a line of stdout.
// Usage: node bench/driver.ts '<json options>'
import { KongClient } from '../kong-driver/kong-client.ts';
import type { DriverOptions } from './run-driver.ts';

const o = JSON.parse(process.argv[2] ?? '{}') as DriverOptions;
const payload = 'v'.repeat(Math.max(1, o.payloadBytes));
const answer = (call: { Method: string }) => (call.Method === 'kong.request.get_header' ? payload : undefined);

// kong-js-pluginserver and the echo floor announce no pid on a new connection; our server does
const setup = new KongClient(o.socket, { serverPid: false });
const instances: number[] = [];
for (let w = 0; w < o.workers; w++) {
  const inst = await setup.call('plugin.StartInstance', { Name: o.plugin, Config: JSON.stringify({ calls: o.pdkCalls, __key__: `bench:${w}`, __seq__: 1 }) });
  instances.push(inst.Id);
}
setup.close();
// One client per lane: each runs one event at a time, so each keeps one connection (opened in warm-up).
const conns = Array.from({ length: o.inFlight }, () => new KongClient(o.socket, { serverPid: false }));

const latencies: number[] = [];
let errors = 0;
async function closedLoop(until: number, record: boolean): Promise<void> {
  await Promise.all(
    conns.map(async (c, i) => {
      const id = instances[i % instances.length]!;
      while (Date.now() < until) {
        const t0 = performance.now();
        try {
          await c.runPhase(id, 'access', answer);
          if (record) latencies.push(performance.now() - t0);
        } catch {
          if (record) errors++;
        }
      }
    }),
  );
}

async function openLoop(until: number, record: boolean): Promise<void> {
  // Events start on a fixed schedule, whatever the server's latency; a free connection takes each.
  const free = [...conns.keys()];
  const running: Promise<void>[] = [];
  const start = performance.now();
  let n = 0;
  while (Date.now() < until) {
    const due = start + (n * 1000) / o.rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    n++;
    const idx = free.pop();
    if (idx === undefined) {
      if (record) errors++; // more than inFlight events outstanding: counted as a miss
      continue;
    }
    const t0 = due;
    running.push(
      conns[idx]!.runPhase(instances[idx % instances.length]!, 'access', answer)
        .then(() => {
          if (record) latencies.push(performance.now() - t0);
        }, () => {
          if (record) errors++;
        })
        .finally(() => free.push(idx)),
    );
  }
  await Promise.all(running);
}

const loop = o.rate > 0 ? openLoop : closedLoop;
await loop(Date.now() + o.warmupSeconds * 1000, false);
// The caller samples the server's CPU from here: warm-up is not part of the figures.
process.stdout.write('measuring\n');
const t0 = Date.now();
await loop(t0 + o.seconds * 1000, true);
const elapsed = (Date.now() - t0) / 1000;
process.stdout.write('measured\n');
for (const c of conns) c.close();
latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
process.stdout.write(
  JSON.stringify({ events: latencies.length, errors, seconds: elapsed, perSecond: latencies.length / elapsed, p50: pct(0.5), p99: pct(0.99), p999: pct(0.999) }) + '\n',
);
