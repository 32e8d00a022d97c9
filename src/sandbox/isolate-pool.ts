// A few blank isolates built ahead of time (--isolate-pool), so StartInstance only compiles and
// runs the plugin: creating an isolate and loading the runtime is most of a cold start (measured
// below in bench/start-instance.ts). Each pooled isolate serves one instance and is never reused,
// so nothing of one tenant can be left in an isolate another gets.
import type { Logger } from '../log.ts';
import { errorMessage } from '../errors.ts';
import { createBlankIsolate, type BlankIsolate } from './blank-isolate.ts';

export interface IsolatePoolOptions {
  /** blank isolates kept ready; 0 = none */
  size: number;
  /** the heap limit they are built with; instances with another limit build their own */
  memoryLimitMb: number;
  sync: boolean;
  timeoutMs: number;
}

export class IsolatePool {
  readonly #opts: IsolatePoolOptions;
  readonly #log: Logger;
  readonly #ready: BlankIsolate[] = [];
  #filling: NodeJS.Timeout | null = null;
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
    if (this.#filling) clearTimeout(this.#filling);
    for (const blank of this.#ready.splice(0)) blank.isolate.dispose();
  }

  // One isolate per timer turn, after the answer that took one was written: building one blocks a
  // shard's thread for a few ms, which must not land on the StartInstance that is being answered.
  #scheduleFill(): void {
    if (this.#filling || this.#closed || this.#ready.length >= this.#opts.size) return;
    this.#filling = setTimeout(() => {
      this.#filling = null;
      if (this.#closed) return;
      const { memoryLimitMb, sync, timeoutMs } = this.#opts;
      createBlankIsolate(memoryLimitMb, sync, timeoutMs).then(
        (blank) => {
          if (this.#closed) blank.isolate.dispose();
          else this.#ready.push(blank);
          this.#scheduleFill();
        },
        (err: unknown) => this.#log.warn({ event: 'isolate_pool.fill_failed' }, `could not build a pooled isolate: ${errorMessage(err)}`),
      );
    }, 1);
    this.#filling.unref();
  }
}
