// A few blank isolates built ahead of time (--isolate-pool), so StartInstance only compiles and
// runs the plugin: creating an isolate and loading the runtime is most of what a shard spends on a
// StartInstance (measured, see docs/performance.md; bench/start-instance.ts measures the whole). Each pooled isolate serves one
// instance and is never reused, so nothing of one tenant can be left in an isolate another gets.
import type { Logger } from '../log.ts';
import { errorMessage } from '../errors.ts';
import { createBlankIsolate, type BlankIsolate } from './blank-isolate.ts';

export interface IsolatePoolOptions {
  /** blank isolates kept ready; 0 = none */
  size: number;
  /** the heap limit they are built with; instances with another limit build their own */
  memoryLimitMb: number;
  timeoutMs: number;
}

export class IsolatePool {
  readonly #opts: IsolatePoolOptions;
  readonly #log: Logger;
  readonly #ready: BlankIsolate[] = [];
  #filling = false;
  #closed = false;
  /** instances that started from a pooled isolate, and those that had to build one */
  hits = 0;
  misses = 0;

  constructor(opts: IsolatePoolOptions, log: Logger) {
    this.#opts = opts;
    this.#log = log;
    this.#scheduleFill();
  }

  get size(): number {
    return this.#ready.length;
  }

  /** A ready isolate with this heap limit, or null (the caller builds one). */
  take(memoryLimitMb: number): BlankIsolate | null {
    if (memoryLimitMb !== this.#opts.memoryLimitMb || this.#ready.length === 0) {
      if (this.#opts.size > 0) this.misses++;
      return null;
    }
    this.hits++;
    const blank = this.#ready.pop()!;
    this.#scheduleFill();
    return blank;
  }

  close(): void {
    this.#closed = true;
    for (const blank of this.#ready.splice(0)) blank.isolate.dispose();
  }

  // One isolate at a time, built after the answer that took one was written (that answer's write
  // is queued for this loop turn; the build starts the turn after), so the time a shard's thread
  // spends on it overlaps the answer's way to Kong and the next request's way back. Faster than the
  // same build on isolated-vm's threads (its steps queue behind the requests) and than no pool
  // (measured with back-to-back StartInstances, see docs/performance.md).
  #scheduleFill(): void {
    if (this.#filling || this.#closed || this.#ready.length >= this.#opts.size) return;
    this.#filling = true;
    setImmediate(() => setImmediate(() => this.#fill()));
  }

  #fill(): void {
    if (this.#closed) {
      this.#filling = false;
      return;
    }
    const { memoryLimitMb, timeoutMs } = this.#opts;
    this.#filling = false;
    try {
      this.#ready.push(createBlankIsolate(memoryLimitMb, timeoutMs));
    } catch (err) {
      this.#log.warn({ event: 'isolate_pool.fill_failed' }, `could not build a pooled isolate: ${errorMessage(err)}`);
      return;
    }
    // what a test waits for instead of sleeping until the pool is full (seen with -vv)
    if (this.#ready.length >= this.#opts.size) this.#log.debug({ event: 'isolate_pool.filled', ready: this.#ready.length }, 'isolate pool full');
    this.#scheduleFill();
  }
}
