// Kong's side of the protocol, played faithfully (docs/protocol.md: "Transport", "The event loop"): a connection per call taken
// from a keepalive pool, one request in flight per connection, msgids counted per client,
// StartInstance with Config as a JSON string, the Step* method Kong would choose for each PDK method,
// no Data key when a PDK call returns nil, and StepError when Kong's side of a PDK call fails. It
// encodes and decodes with @msgpack/msgpack, a codec independent of the server's. The one Kong
// driver of the tests and the benches; src/testing/bridge-loop.ts is PluginTest's own, in-process.
import net from 'node:net';
import { Encoder } from '@msgpack/msgpack';
import { Connection, RpcError } from './connection.ts';
import { stepMethodFor } from './step-method.ts';

export { RpcError, stepMethodFor };

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

/** A PDK answer that makes Kong's side of the call fail: the loop answers with plugin.StepError (Kong 2.x). */
export class KongFailure {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

/** What Kong's side of a PDK call gives back: a value, undefined for nil, or a KongFailure. */
export type PdkAnswer = (call: PdkCall) => unknown;

export class KongClient {
  readonly socketPath: string;
  #pool: Connection[] = [];
  #all = new Set<Connection>();
  #msgid = 0;
  /** serverPid notifications seen, one per accepted connection */
  readonly serverPids: number[] = [];

  readonly #expectServerPid: boolean;

  /**
   * `serverPid: false` for a server that may send no serverPid notice (kong-js-pluginserver, the
   * bench's echo floor): one is then skipped wherever it comes, not required first.
   */
  constructor(socketPath: string, opts: { serverPid?: boolean } = {}) {
    this.socketPath = socketPath;
    this.#expectServerPid = opts.serverPid ?? true;
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
    if (!this.#expectServerPid) return conn;
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
    let res = (await conn.next()) as unknown[];
    while (!this.#expectServerPid && Array.isArray(res) && res[0] === 2) res = (await conn.next()) as unknown[];
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
   * (undefined for nil, a KongFailure for StepError; throw to make it a Lua error, which ends the
   * loop without a Step). Ends at "ret" or at a terminal call (Kong never steps after exit).
   */
  async runPhase(instanceId: number, phase: string, pdk: PdkAnswer = () => undefined): Promise<PhaseRun> {
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
      if (result instanceof KongFailure) {
        step = await this.call('plugin.StepError', { EventId: eventId, Data: result.message });
      } else {
        const params = result === undefined ? { EventId: eventId } : { EventId: eventId, Data: result };
        step = await this.call(stepMethodFor(call.Method), params);
      }
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
