// The load driver: plays Kong in its own process. Each simulated Kong worker has its instance and a
// pool of connections, one call in flight per connection (as mp_rpc.lua); events run closed-loop
// (`inFlight` at once) or open-loop at a fixed rate. Prints "measuring" when warm-up ends, "measured"
// when the measured events are done, then one JSON result, each on a line of stdout.
// Usage: node bench/driver.ts '<json options>'
import net from 'node:net';
import { encode, decodeAvailable } from '../src/rpc/codec.ts';

interface DriverOptions {
  socket: string;
  plugin: string;
  workers: number;
  inFlight: number;
  pdkCalls: number;
  payloadBytes: number;
  seconds: number;
  warmupSeconds: number;
  /** events per second, open loop; 0 = closed loop */
  rate: number;
}

const o = JSON.parse(process.argv[2] ?? '{}') as DriverOptions;
const payload = 'v'.repeat(Math.max(1, o.payloadBytes));

class Connection {
  readonly #socket: net.Socket;
  #buf: Buffer | null = null;
  #waiter: ((v: unknown[]) => void) | null = null;
  #msgid = 0;

  constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      const buf = this.#buf ? Buffer.concat([this.#buf, chunk]) : chunk;
      const { values, consumed } = decodeAvailable(buf);
      this.#buf = consumed < buf.length ? buf.subarray(consumed) : null;
      for (const v of values as unknown[][]) {
        if (v[0] === 1 && this.#waiter) {
          const w = this.#waiter;
          this.#waiter = null;
          w(v);
        }
      }
    });
  }

  static open(path: string): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const s = net.connect(path);
      s.once('connect', () => resolve(new Connection(s)));
      s.once('error', reject);
    });
  }

  call(method: string, param: unknown): Promise<any> {
    const id = ++this.#msgid;
    return new Promise((resolve, reject) => {
      this.#waiter = (v) => (v[2] ? reject(new Error(String(v[2]))) : resolve(v[3]));
      this.#socket.write(encode([0, id, method, [param]]));
    });
  }

  close(): void {
    this.#socket.destroy();
  }
}

async function runEvent(conn: Connection, instanceId: number): Promise<void> {
  let step = await conn.call('plugin.HandleEvent', { InstanceId: instanceId, EventName: 'access' });
  while (step.Data !== 'ret') {
    const m = step.Data.Method as string;
    if (m === 'kong.response.exit') return;
    step = await conn.call('plugin.Step', m === 'kong.request.get_header' ? { EventId: step.EventId, Data: payload } : { EventId: step.EventId });
  }
}

const setup = await Connection.open(o.socket);
const instances: number[] = [];
for (let w = 0; w < o.workers; w++) {
  const inst = await setup.call('plugin.StartInstance', { Name: o.plugin, Config: JSON.stringify({ calls: o.pdkCalls, __key__: `bench:${w}`, __seq__: 1 }) });
  instances.push(inst.Id);
}
setup.close();
const conns = await Promise.all(Array.from({ length: o.inFlight }, () => Connection.open(o.socket)));

const latencies: number[] = [];
let errors = 0;
async function closedLoop(until: number, record: boolean): Promise<void> {
  await Promise.all(
    conns.map(async (c, i) => {
      const id = instances[i % instances.length]!;
      while (Date.now() < until) {
        const t0 = performance.now();
        try {
          await runEvent(c, id);
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
      runEvent(conns[idx]!, instances[idx % instances.length]!)
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
