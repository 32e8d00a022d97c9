// The periodic heap check of every instance (--heap-sample-interval): one warning each time a heap
// crosses --memory-warn-ratio of its limit, and an idle heap over its limit stops its instance.
import type { Logger } from '../log.ts';
import type { LocalHostOptions } from './host-options.ts';
import type { Generation, InstanceGenerations } from './generation.ts';

/** What the sampler asks the host to do. */
export interface HeapActions {
  /** the heap is over its limit: the instance is stopped ('memory') */
  stop(gen: Generation, reason: string): void;
  /** the heap crossed --memory-warn-ratio ('memory_soft') */
  warn(gen: Generation, text: string): void;
}

export class HeapSampler {
  readonly #opts: Pick<LocalHostOptions, 'heapSampleMs' | 'memoryWarnRatio'>;
  readonly #log: Logger;
  readonly #gens: InstanceGenerations;
  readonly #actions: HeapActions;
  #timer: NodeJS.Timeout | null = null;

  constructor(opts: Pick<LocalHostOptions, 'heapSampleMs' | 'memoryWarnRatio'>, log: Logger, gens: InstanceGenerations, actions: HeapActions) {
    this.#opts = opts;
    this.#log = log;
    this.#gens = gens;
    this.#actions = actions;
  }

  /** Samples every --heap-sample-interval; the timer keeps no process alive. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.sampleNow(), this.#opts.heapSampleMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** One round over the instances there are now. */
  async sampleNow(): Promise<void> {
    const gens = [...this.#gens.current.values()];
    for (const gen of gens) {
      const usage = this.#gens.usage(gen.instanceId);
      if (!usage || gen.isolate.disposed) continue;
      const heap = await gen.isolate.heap().catch(() => null);
      if (!heap || heap.limit === 0) continue;
      // V8 enforces the limit when it collects during plugin code; a heap that got past it and then
      // sits idle is never collected, so the instance is stopped here.
      if (heap.used > heap.limit) {
        this.#actions.stop(gen, `heap ${(heap.used / 1048576).toFixed(1)} MB is over its ${(heap.limit / 1048576).toFixed(0)} MB limit (--memory-limit)`);
        continue;
      }
      const ratio = this.#opts.memoryWarnRatio;
      const over = heap.used / heap.limit >= ratio;
      if (over && !usage.overSoftLimit) {
        this.#actions.warn(gen, `heap ${(heap.used / 1048576).toFixed(1)} MB is ${Math.round((100 * heap.used) / heap.limit)} % of its ${(heap.limit / 1048576).toFixed(0)} MB limit (--memory-warn-ratio ${ratio})`);
      }
      usage.overSoftLimit = over;
    }
    // what a test waits for instead of sleeping past --heap-sample-interval (seen with -vv)
    this.#log.debug({ event: 'heap.sampled', instances: gens.length }, 'heap sample round done');
  }
}
