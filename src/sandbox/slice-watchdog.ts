// A worker thread that watches this thread's isolate slices. Slices run with applySync, so while
// V8 runs a builtin that will not interrupt (`new Array(2**28).fill(0)` ignores the timeout), this
// thread cannot notice anything. The watchdog can: it reads the slice's deadline from shared memory,
// and past deadline + --kill-grace it writes one log line naming the plugin and kills this process.
// In a shard the supervisor then answers the shard's events and restarts it; in a PluginTest child
// the test fails with PluginCrashError; with --shards 0 the server itself dies (Kong restarts it).
import { Worker } from 'node:worker_threads';

/** Watches slices from another thread (this file's SliceWatchdog, or a shard's that also tells the supervisor). */
export interface SliceWatch {
  /** which plugin an id runs (null: the id is done with) */
  name(instanceId: number, plugin: string | null): void;
  /** right before plugin code of this instance (or metadata read) runs on this thread */
  arm(instanceId: number, plugin: string, budgetMs: number): void;
  disarm(): void;
}

const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const deadline = new Float64Array(workerData.buffer, 0, 1);
const instance = new Int32Array(workerData.buffer, 8, 1);
const plugins = new Map();
parentPort.on('message', (m) => (m.plugin === null ? plugins.delete(m.instanceId) : plugins.set(m.instanceId, m.plugin)));
setInterval(() => {
  const d = deadline[0];
  if (d > 0 && Date.now() > d + workerData.killGraceMs) {
    const id = instance[0];
    const line = { level: 'fatal', time: new Date().toISOString(), pid: process.pid, ...workerData.fields, event: 'isolate.hung',
      plugin: plugins.get(id) ?? null, instance: id > 0 ? id : null,
      msg: 'a plugin call ran ' + (Date.now() - d + workerData.budgetMs) + ' ms, past its ' + workerData.budgetMs + ' ms limit, without stopping: killing ' + workerData.victim };
    require('node:fs').writeSync(workerData.logFd, JSON.stringify(line) + '\\n');
    process.kill(process.pid, 'SIGKILL');
  }
}, 25);
`;

export interface SliceWatchdogOptions {
  killGraceMs: number;
  /** the CPU budget, for the log line */
  budgetMs: number;
  /** where the line goes, written synchronously (the process dies right after) */
  logFd: number;
  /** what dies, for the log line: "the shard", "the server process", … */
  victim: string;
  /** fields every line carries (a shard's number) */
  fields?: Record<string, unknown>;
}

export class SliceWatchdog implements SliceWatch {
  readonly #deadline: Float64Array;
  readonly #instance: Int32Array;
  readonly #worker: Worker;

  constructor(opts: SliceWatchdogOptions) {
    const buffer = new SharedArrayBuffer(16);
    this.#deadline = new Float64Array(buffer, 0, 1);
    this.#instance = new Int32Array(buffer, 8, 1);
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { buffer, ...opts, fields: opts.fields ?? {} } });
    this.#worker.unref();
  }

  /** Which plugin an id belongs to, for the log line (null: forget the id). */
  name(instanceId: number, plugin: string | null): void {
    this.#worker.postMessage({ instanceId, plugin });
  }

  arm(instanceId: number, _plugin: string, budgetMs: number): void {
    this.#instance[0] = instanceId;
    this.#deadline[0] = Date.now() + budgetMs;
  }

  disarm(): void {
    this.#deadline[0] = 0;
  }

  close(): void {
    void this.#worker.terminate();
  }
}
