// A worker thread in each shard that watches the main thread's isolate slices. Slices run with
// applySync, so while V8 runs a builtin it will not interrupt (`new Array(2**28).fill(0)` ignores
// the timeout), the main thread cannot notice anything. The watchdog can: it reads the slice's
// deadline from shared memory, and past deadline + --kill-grace it logs which plugin and kills the
// shard; the supervisor answers the shard's events and restarts it.
import { Worker } from 'node:worker_threads';

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
    const line = { level: 'fatal', time: new Date().toISOString(), pid: process.pid, shard: workerData.shard, event: 'isolate.hung',
      plugin: plugins.get(id) ?? null, instance: id,
      msg: 'a plugin call ran ' + (Date.now() - d + workerData.budgetMs) + ' ms, past its ' + workerData.budgetMs + ' ms limit, without stopping: killing the shard' };
    require('node:fs').writeSync(workerData.logFd, JSON.stringify(line) + '\\n');
    process.kill(process.pid, 'SIGKILL');
  }
}, 25);
`;

export class SliceWatchdog {
  readonly #deadline: Float64Array;
  readonly #instance: Int32Array;
  readonly #worker: Worker;

  constructor(opts: { shard: number; killGraceMs: number; budgetMs: number; logFd: number }) {
    const buffer = new SharedArrayBuffer(16);
    this.#deadline = new Float64Array(buffer, 0, 1);
    this.#instance = new Int32Array(buffer, 8, 1);
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { buffer, ...opts } });
    this.#worker.unref();
  }

  /** Which plugin an instance id belongs to, for the log line (null: forget the id). */
  name(instanceId: number, plugin: string | null): void {
    this.#worker.postMessage({ instanceId, plugin });
  }

  arm(instanceId: number, budgetMs: number): void {
    this.#instance[0] = instanceId;
    this.#deadline[0] = Date.now() + budgetMs;
  }

  disarm(): void {
    this.#deadline[0] = 0;
  }
}
