// Shared by the hostile suites: one real server per family of attacks, a neighbour instance that must
// keep answering correctly while each attack runs, the server's memory before and after, and what
// an attack plugin reported (every attack plugin reports through a PDK call: set_header('x-got', …)).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Encoder } from '@msgpack/msgpack';
import * as unpackModule from 'msgpackr/unpack';
import { ServerProcess, ROOT } from '../../kong-driver/server-process.ts';
import { EXIT_500, KongFailure, RpcError, type KongClient, type PdkAnswer, type PdkCall, type PhaseRun } from '../../kong-driver/kong-client.ts';
import { rssMbOf } from '../../kong-driver/proc-rss.ts';

export { EXIT_500, KongFailure, RpcError };

const { Unpackr } = unpackModule;
const rawEncoder = new Encoder({ ignoreUndefined: true });
export type { PdkAnswer, PdkCall, PhaseRun, KongClient };

export const PLUGINS = path.join(ROOT, 'test/hostile/plugins');
/** The one neighbour plugin every family serves beside its attacks (x-in → x-out with a prefix). */
export const NEIGHBOUR = path.join(PLUGINS, 'neighbour.js');
const MB = 1024 * 1024;

/** Text that gives away the host: its source tree, node_modules, Node internals, file URLs. */
const HOST_TEXT = new RegExp(
  [ROOT.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\/$/, ''), 'node_modules', 'node:internal', 'file://', '\\.ts:\\d', 'isolated-vm'].join('|'),
);

/**
 * True when `text` names nothing of the host. The plugin's own file may appear in its stack traces
 * (that is where its code is), so `ownFile` is taken out first.
 */
export function namesNoHost(text: string, ownFile?: string): boolean {
  const rest = ownFile ? text.split(ownFile).join('<own file>') : text;
  return !HOST_TEXT.test(rest);
}

/**
 * `body`'s value and how long it took, ms. Called inside Family.attack, it times only what Kong
 * waited for, not the harness's own work around it (RSS reads, neighbour events, memory polling).
 */
export async function timed<T>(body: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  const value = await body();
  return { value, ms: Date.now() - t0 };
}

/** Answers get_header from a table of header values (nil for the rest). */
export function headers(values: Record<string, unknown>): PdkAnswer {
  return (call) => (call.Method === 'kong.request.get_header' ? values[call.Args[0] as string] : undefined);
}

/** What an attack plugin reported with set_header('x-got', JSON). */
export function reported(run: PhaseRun): any {
  const call = run.calls.find((c) => c.Method === 'kong.response.set_header' && c.Args[0] === 'x-got');
  assert.ok(call, `the plugin reported nothing; it made these calls: ${JSON.stringify(run.calls).slice(0, 500)}; exited: ${JSON.stringify(run.exited)}`);
  return JSON.parse(call.Args[1] as string);
}

export interface ShardInfo {
  Shard: number;
  Kind: string;
  Pid: number | null;
  Plugins: string[];
  Instances: number;
  RssMb: number;
  Restarts: number;
}

/** Maps (from RawKong) as objects with own keys, "__proto__" included. */
export function ownKeys(v: unknown): any {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), ownKeys(x)]));
  if (Array.isArray(v)) return v.map(ownKeys);
  return v;
}

const staged = new Set<string>();

/**
 * A family's plugins (a folder of PLUGINS) copied with the one neighbour beside them into `into`, or
 * into a fresh temporary directory that Family.stop removes. The server serves the copy, so a test
 * may rewrite its files, and no tsconfig.json of the repository applies (a real plugins directory's).
 */
export function stageFamily(family: string, into?: string): string {
  const dir = into ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kps-family-'));
  if (into === undefined) staged.add(dir);
  fs.cpSync(path.join(PLUGINS, family), dir, { recursive: true });
  fs.copyFileSync(NEIGHBOUR, path.join(dir, 'neighbour.js'));
  return dir;
}

/** One server for a family of attacks (a directory from stageFamily), with its neighbour instance. */
export class Family {
  readonly server: ServerProcess;
  readonly kong: KongClient;
  readonly pluginsDir: string;
  neighbourId = 0;
  /** neighbour events answered correctly while attacks ran */
  neighbourEvents = 0;

  private constructor(server: ServerProcess, pluginsDir: string) {
    this.server = server;
    this.kong = server.client();
    this.pluginsDir = pluginsDir;
  }

  static async start(pluginsDir: string, args: string[]): Promise<Family> {
    const server = await ServerProcess.start({ pluginsDir, args });
    const family = new Family(server, pluginsDir);
    await family.#startNeighbour();
    return family;
  }

  async stop(): Promise<void> {
    this.kong.close();
    const code = await this.server.stop();
    if (staged.delete(this.pluginsDir)) fs.rmSync(this.pluginsDir, { recursive: true, force: true });
    assert.equal(code, 0, `the server exited with ${code}: ${this.server.stderr}`);
  }

  /** The file an attack plugin was built from (it may appear in its own stack traces). */
  fileOf(plugin: string): string {
    const file = path.join(this.pluginsDir, `${plugin}.js`);
    return fs.existsSync(file) ? file : path.join(this.pluginsDir, plugin, 'index.js');
  }

  async #startNeighbour(): Promise<void> {
    this.neighbourId = (await this.kong.startInstance('neighbour', { prefix: 'n:' })).Id;
  }

  /** One neighbour event: x-in goes in, the prefixed value must come back in x-out, and nothing else. */
  async neighbourServes(client: KongClient, value: string): Promise<void> {
    const run = await client.runPhase(this.neighbourId, 'access', headers({ 'x-in': value }));
    assert.deepEqual(
      run.calls,
      [
        { Method: 'kong.request.get_header', Args: ['x-in'] },
        { Method: 'kong.response.set_header', Args: ['x-out', `n:${value}`] },
      ],
      'the neighbour answered wrongly while the attack ran',
    );
    this.neighbourEvents++;
  }

  /**
   * Runs `attack` while two neighbour lanes (each on its own connections) run events one after the
   * other until the attack is over, at least three each; every neighbour answer must be right.
   */
  async whileNeighbourServes<T>(attack: () => Promise<T>): Promise<T> {
    // A neighbour lost with its shard to an earlier attack is started again, as Kong would.
    await this.stats(this.neighbourId).catch(() => this.#startNeighbour());
    let over = false;
    const attacking = attack().finally(() => {
      over = true;
    });
    const lane = async (n: number): Promise<number> => {
      const client = this.server.client();
      let served = 0;
      try {
        while (!over || served < 3) await this.neighbourServes(client, `lane${n}-${served++}`);
      } finally {
        client.close();
      }
      return served;
    };
    const [a, ...lanes] = await Promise.allSettled([attacking, lane(1), lane(2)]);
    for (const l of lanes) if (l.status === 'rejected') throw l.reason;
    if (a.status === 'rejected') throw a.reason;
    return a.value;
  }

  /**
   * plugin.GetStatus, read with maps kept exactly (Config maps may hold a "__proto__" key, which
   * the fake Kong's decoder refuses) and turned into objects with own keys.
   */
  async status(): Promise<{ Pid: number; Shards: ShardInfo[]; Plugins: Record<string, any>; Quarantined: string[] }> {
    const raw = await RawKong.connect(this.server.socketPath);
    try {
      return ownKeys(await raw.call('plugin.GetStatus'));
    } finally {
      raw.close();
    }
  }

  /** RSS of the supervisor and every shard, MB, from /proc. */
  async rssMb(): Promise<number> {
    const st = await this.status();
    const pids = [st.Pid, ...st.Shards.map((s) => s.Pid).filter((p): p is number => p !== null)];
    return pids.reduce((sum, pid) => sum + rssMbOf(pid), 0);
  }

  /** The server's RSS is back within `slackMb` of `beforeMb` (polled for up to 15 s: V8 gives memory back lazily). */
  async memoryCameBack(beforeMb: number, slackMb = 150): Promise<void> {
    const deadline = Date.now() + 15_000; // a busy machine collects late; only a failure waits this long
    let now = await this.rssMb();
    while (now > beforeMb + slackMb && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      now = await this.rssMb();
    }
    assert.ok(now <= beforeMb + slackMb, `server RSS ${now.toFixed(0)} MB did not come back to within ${slackMb} MB of ${beforeMb.toFixed(0)} MB`);
  }

  /** Per-instance figures from plugin.InstanceStatus. */
  async stats(instanceId: number): Promise<{ HeapUsed: number; HeapLimit: number; EventsServed: number; EventsInFlight: number; Generation: number }> {
    const raw = await RawKong.connect(this.server.socketPath);
    try {
      return ownKeys(await raw.call('plugin.InstanceStatus', instanceId)).Stats;
    } finally {
      raw.close();
    }
  }

  /**
   * The whole check around one attack: neighbours answer correctly while it runs, the server's RSS
   * comes back within 150 MB, and the neighbour's heap did not grow.
   */
  async attack<T>(body: () => Promise<T>, opts: { slackMb?: number } = {}): Promise<T> {
    const before = await this.rssMb();
    const result = await this.whileNeighbourServes(body);
    await this.memoryCameBack(before, opts.slackMb);
    const heap = (await this.stats(this.neighbourId)).HeapUsed;
    assert.ok(heap < 16 * MB, `the neighbour's heap grew to ${(heap / MB).toFixed(1)} MB`);
    return result;
  }

  /** The shard an instance of `plugin` lives on. */
  async shardOf(plugin: string): Promise<ShardInfo> {
    const shard = (await this.status()).Shards.find((s) => s.Plugins.includes(plugin));
    assert.ok(shard, `no shard serves ${plugin}`);
    return shard;
  }

  /** Asserts the instance is gone (its next event gets "No plugin instance", so Kong starts a new one). */
  async assertGone(instanceId: number): Promise<void> {
    await assert.rejects(this.kong.call('plugin.HandleEvent', { InstanceId: instanceId, EventName: 'access' }), { message: `No plugin instance ${instanceId}` });
  }
}

/**
 * A Kong that reads answers with maps kept as Maps (msgpackr, mapsAsObjects: false), so keys such as
 * "__proto__" arrive exactly as sent (@msgpack/msgpack, which the fake Kong uses, refuses them). One
 * connection, one request at a time, requests encoded with @msgpack/msgpack as Kong's are.
 */
export class RawKong {
  readonly #socket: net.Socket;
  readonly #unpackr = new Unpackr({ mapsAsObjects: false, useRecords: false, int64AsType: 'number' });
  #buf = Buffer.alloc(0);
  #wake: () => void = () => {};
  #msgid = 0;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on('data', (c: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, c]);
      this.#wake();
    });
    socket.on('close', () => this.#wake());
    socket.on('error', () => {});
  }

  static async connect(socketPath: string): Promise<RawKong> {
    const socket = net.connect(socketPath);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const kong = new RawKong(socket);
    const note = (await kong.#next()) as unknown[];
    assert.equal(note[1], 'serverPid');
    return kong;
  }

  async #next(): Promise<unknown> {
    for (;;) {
      if (this.#buf.length > 0) {
        let values: unknown[] = [];
        let end = 0;
        try {
          this.#unpackr.unpackMultiple(this.#buf, (v: unknown, _s?: number, e?: number) => {
            if (values.length === 0) {
              values = [v];
              end = e ?? this.#buf.length;
              return false;
            }
            return undefined;
          });
        } catch (err) {
          if (!(err as { incomplete?: boolean }).incomplete) throw err;
        }
        if (values.length > 0) {
          this.#buf = this.#buf.subarray(end);
          return values[0];
        }
      }
      if (this.#socket.destroyed) throw new RpcError('closed');
      await new Promise<void>((r) => (this.#wake = r));
    }
  }

  /** One call; the result with Maps for maps. */
  async call(method: string, ...params: unknown[]): Promise<any> {
    const msgid = ++this.#msgid;
    this.#socket.write(rawEncoder.encode([0, msgid, method, params]));
    const res = (await this.#next()) as unknown[];
    assert.equal(res[1], msgid);
    if (res[2] !== null && res[2] !== undefined) throw new RpcError(String(res[2]));
    return res[3];
  }

  /** Sends a frame built by hand for the next msgid; the result with Maps for maps. */
  async callRaw(build: (msgid: number) => Buffer): Promise<any> {
    const msgid = ++this.#msgid;
    this.#socket.write(build(msgid));
    const res = (await this.#next()) as unknown[];
    assert.equal(res[1], msgid);
    if (res[2] !== null && res[2] !== undefined) throw new RpcError(String(res[2]));
    return res[3];
  }

  get closed(): boolean {
    return this.#socket.destroyed || this.#socket.readableEnded;
  }

  close(): void {
    this.#socket.destroy();
  }
}
