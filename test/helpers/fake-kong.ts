// Kong's side of the protocol, played faithfully (docs/protocol.md: "Transport", "The event loop",
// "The Step method Kong chooses"): a connection per call taken from a keepalive pool, one request
// in flight per connection, msgids counted per client,
// StartInstance with Config as a JSON string, the Step* method Kong would choose for each PDK
// method, and no Data key when a PDK call returns nil. It encodes and decodes with @msgpack/msgpack,
// a codec independent of the server's.
import net from 'node:net';
import { Encoder, decodeMulti } from '@msgpack/msgpack';

export class RpcError extends Error {}

const encoder = new Encoder({ ignoreUndefined: true });

export interface PdkCall {
  Method: string;
  Args: unknown[];
}

/** The server's answer for an event whose plugin failed (what Kong turns into a 500 response). */
export const EXIT_500: PdkCall = { Method: 'kong.response.exit', Args: [500, { message: 'An unexpected error occurred' }] };

export interface StepData {
  EventId: number;
  Data: 'ret' | PdkCall;
}

/** The step method Kong picks for the result of a PDK call (docs/protocol.md, "The Step method Kong chooses"). */
export function stepMethodFor(pdkMethod: string): string {
  switch (pdkMethod) {
    case 'kong.client.get_credential':
    case 'kong.client.authenticate':
      return 'plugin.StepCredential';
    case 'kong.client.load_consumer':
    case 'kong.client.get_consumer':
      return 'plugin.StepConsumer';
    case 'kong.node.get_memory_stats':
      return 'plugin.StepMemoryStats';
    case 'kong.router.get_route':
      return 'plugin.StepRoute';
    case 'kong.router.get_service':
      return 'plugin.StepService';
    case 'kong.request.get_query':
    case 'kong.request.get_headers':
    case 'kong.response.get_headers':
    case 'kong.service.response.get_headers':
      return 'plugin.StepMultiMap';
    default:
      return 'plugin.Step';
  }
}

class Connection {
  readonly socket: net.Socket;
  #buf = Buffer.alloc(0);
  #waiters: Array<() => void> = [];
  closed = false;
  serverPid: number | null = null;

  constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, chunk]);
      for (const w of this.#waiters.splice(0)) w();
    });
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.#waiters.splice(0)) w();
    });
    socket.on('error', () => {});
  }

  /** Reads the next complete message (notification or response). */
  async next(): Promise<unknown> {
    for (;;) {
      if (this.#buf.length > 0) {
        try {
          const it = decodeMulti(this.#buf);
          const first = it.next();
          if (!first.done) {
            const size = sizeOfFirst(this.#buf);
            this.#buf = this.#buf.subarray(size);
            return first.value;
          }
        } catch (err) {
          if (!(err instanceof RangeError)) throw err;
        }
      }
      if (this.closed) throw new RpcError('closed');
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  get buffered(): number {
    return this.#buf.length;
  }
}

// @msgpack/msgpack does not report how many bytes a value used. A prefix decodes its first value
// exactly when it is at least that long, so binary-search the shortest one that does.
function sizeOfFirst(buf: Buffer): number {
  const decodes = (n: number) => {
    try {
      return !decodeMulti(buf.subarray(0, n)).next().done;
    } catch {
      return false;
    }
  };
  let lo = 1;
  let hi = buf.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (decodes(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export class KongClient {
  readonly socketPath: string;
  #pool: Connection[] = [];
  #all = new Set<Connection>();
  #msgid = 0;
  /** serverPid notifications seen, one per accepted connection */
  readonly serverPids: number[] = [];

  constructor(socketPath: string) {
    this.socketPath = socketPath;
  }

  async #connect(): Promise<Connection> {
    const pooled = this.#pool.pop();
    if (pooled && !pooled.closed) return pooled;
    const socket = net.connect(this.socketPath);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const conn = new Connection(socket);
    this.#all.add(conn);
    const note = (await conn.next()) as unknown[];
    if (!Array.isArray(note) || note[0] !== 2 || note[1] !== 'serverPid') throw new Error(`expected serverPid first, got ${JSON.stringify(note)}`);
    conn.serverPid = note[2] as number;
    this.serverPids.push(conn.serverPid);
    return conn;
  }

  /** One RPC call, as mp_rpc.lua makes it. Rejects with RpcError(message) on an RPC error. */
  async call(method: string, ...params: unknown[]): Promise<any> {
    const conn = await this.#connect();
    const msgid = ++this.#msgid;
    conn.socket.write(encoder.encode([0, msgid, method, params]));
    const res = (await conn.next()) as unknown[];
    if (!Array.isArray(res) || res[0] !== 1 || res[1] !== msgid) throw new Error(`unexpected response ${JSON.stringify(res)}`);
    this.#pool.push(conn);
    if (res[2] !== null && res[2] !== undefined) throw new RpcError(String(res[2]));
    return res[3];
  }

  startInstance(name: string, config: Record<string, unknown> = {}): Promise<{ Name: string; Id: number; Config: any; StartTime: number }> {
    const decorated = { __key__: `plugins:${name}:::::`, __seq__: 1, route_id: null, service_id: null, consumer_id: null, ...config };
    return this.call('plugin.StartInstance', { Name: name, Config: JSON.stringify(decorated) });
  }

  /**
   * Runs one phase like Kong's bridge_loop: every PDK call the plugin makes is answered by `pdk`
   * (return undefined for nil; throw to make it a Lua error, which ends the loop without a Step).
   */
  async runPhase(instanceId: number, phase: string, pdk: (call: PdkCall) => unknown): Promise<PhaseRun> {
    let step: StepData = await this.call('plugin.HandleEvent', { InstanceId: instanceId, EventName: phase });
    const eventId = step.EventId;
    const calls: PdkCall[] = [];
    while (step.Data !== 'ret') {
      const call = step.Data;
      if (typeof call !== 'object' || call === null || typeof call.Method !== 'string' || !Array.isArray(call.Args)) {
        throw new Error(`Kong would fail on Data ${JSON.stringify(step.Data)}`);
      }
      calls.push(call);
      if (call.Method === 'kong.response.exit' || call.Method === 'kong.response.error') {
        return { eventId, calls, exited: call };
      }
      const result = await pdk(call);
      const params: Record<string, unknown> = { EventId: eventId };
      if (result !== undefined) params.Data = result;
      step = await this.call(stepMethodFor(call.Method), params);
    }
    return { eventId, calls, exited: null };
  }

  /** Raw bytes on a fresh connection; resolves with what the server answered until it closed or went quiet. */
  async raw(bytes: Buffer[], quietMs = 300, expectBytes = Infinity): Promise<{ data: Buffer; closed: boolean }> {
    const socket = net.connect(this.socketPath);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const chunks: Buffer[] = [];
    let closed = false;
    let received = 0;
    let gotExpected: () => void = () => {};
    const expected = new Promise<void>((resolve) => (gotExpected = resolve));
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      received += c.length;
      // Once the expected answer is in, wait only briefly for any (unwanted) extra bytes.
      if (received >= expectBytes) setTimeout(gotExpected, 20);
    });
    socket.on('error', () => {});
    const done = new Promise<void>((resolve) => socket.on('close', () => { closed = true; resolve(); }));
    for (const b of bytes) {
      socket.write(b);
      await new Promise((r) => setImmediate(r));
    }
    await Promise.race([done, expected, new Promise((r) => setTimeout(r, quietMs))]);
    socket.destroy();
    return { data: Buffer.concat(chunks), closed };
  }

  close(): void {
    for (const c of this.#all) c.socket.destroy();
    this.#all.clear();
    this.#pool = [];
  }
}

export interface PhaseRun {
  eventId: number;
  calls: PdkCall[];
  exited: PdkCall | null;
}
