// One slice of an event: plugin code run on this thread under what is left of the event's CPU
// budget, its CPU charged to the event afterwards; and the host work (crypto.subtle) the plugin asks
// for inside a slice, judged against that budget as it comes and charged with the slice.
import type { Logger } from '../log.ts';
import type { LocalHostOptions } from './host-options.ts';
import { errorMessage } from '../errors.ts';
import type { EventRecord } from '../events/event-table.ts';
import { IsolateFailure } from './plugin-isolate.ts';
import type { BreachKind } from '../instances/instance-host.ts';
import type { Generation } from './generation.ts';
import { cpuStretch } from './cpu-share.ts';
import { runCrypto, type CryptoAnswer, type CryptoLimits } from './host-crypto.ts';

/** What the host does when a slice goes wrong. */
export interface SliceOutcomes {
  /** a limit (CPU, heap) or a broken isolate: the generation is stopped */
  stop(gen: Generation, reason: string, kind: BreachKind): void;
  /**
   * The plugin's own error out of a slice (isolated-vm throws an unhandled rejection out of the
   * call): the isolate is whole, so the instance lives; the event, if still open, fails by policy.
   */
  rejected(gen: Generation, ev: EventRecord, err: unknown): void;
}

type SliceOptions = Pick<LocalHostOptions, 'cpuLimitMs' | 'maxCryptoBytes' | 'maxCryptoKeyBytes' | 'maxPayloadBytes' | 'maxRsaBits'>;

export class EventSliceRunner {
  readonly #cpuLimitMs: number;
  readonly #cryptoLimits: CryptoLimits;
  readonly #log: Logger;
  readonly #outcomes: SliceOutcomes;

  constructor(opts: SliceOptions, log: Logger, outcomes: SliceOutcomes) {
    this.#cpuLimitMs = opts.cpuLimitMs;
    const maxDataBytes = Math.min(opts.maxCryptoBytes, opts.maxPayloadBytes);
    this.#cryptoLimits = { maxDataBytes, maxKeyBytes: opts.maxCryptoKeyBytes, maxRsaBits: opts.maxRsaBits };
    this.#log = log;
    this.#outcomes = outcomes;
  }

  /**
   * Runs one slice of an event's plugin code, on this thread. The budget is CPU time (see
   * PluginIsolate). The wall-clock timeout that interrupts a slice is looser: what is left of the
   * budget plus twice the budget, stretched by how much wall time a unit of CPU takes on this
   * machine lately (cpu-share.ts). A loop is still stopped within a few budgets of CPU.
   * `onlyLimitsFail`: the event has ended (abandon); a plugin error is then the host's doing, logged.
   * A slice of a stopped isolate, or of an event that has its answer (but for the abandon), is not run.
   */
  run(gen: Generation, ev: EventRecord, run: (timeoutMs: number) => number, onlyLimitsFail = false): void {
    // stopped meanwhile (a limit, the heap sampler, a close, while the host awaited something), or
    // the event has its answer: nothing of it runs any more, except the abandon's catch/finally
    if (gen.isolate.disposed || (ev.final && !onlyLimitsFail)) return;
    const limit = this.#cpuLimitMs;
    const left = Math.max(1, limit - ev.cpuMs);
    const before = onlyLimitsFail ? gen.isolate.cpuMs : 0; // read only where needed: the event path stays as it was
    let used: number;
    // crypto requests during the slice are judged against the budget as they come (crypto below)
    gen.sliceEvent = ev;
    try {
      used = run(coalescedTimeout((left + 2 * limit) * cpuStretch(), limit));
    } catch (err) {
      if (err instanceof IsolateFailure) {
        this.#isolateFailed(gen, ev, err);
        return;
      }
      if (!onlyLimitsFail) {
        this.#outcomes.rejected(gen, ev, err);
        return;
      }
      this.#log.debug({ event: 'event.abandoned', plugin: gen.plugin, instance: gen.instanceId, eventId: ev.id }, `after the event ended: ${errorMessage(err).slice(0, 200)}`);
      used = gen.isolate.cpuMs - before;
    } finally {
      gen.sliceEvent = null;
    }
    ev.cpuMs += used;
    if (ev.cpuMs > limit) this.#outcomes.stop(gen, `event ${ev.id} used ${ev.cpuMs.toFixed(0)} ms of isolate CPU, over its ${limit} ms CPU budget (--cpu-limit)`, 'cpu');
  }

  /** The slice ended the isolate: a limit it ran into, or it broke. */
  #isolateFailed(gen: Generation, ev: EventRecord, err: IsolateFailure): void {
    if (err.reason === 'timeout') this.#outcomes.stop(gen, `event ${ev.id} ran past its ${this.#cpuLimitMs} ms CPU budget (--cpu-limit)`, 'cpu');
    else this.#outcomes.stop(gen, err.message, err.reason === 'memory' ? 'memory' : 'isolate');
  }

  /**
   * A crypto.subtle request of `gen`'s isolate, inside its slice, on this thread. Its host CPU is
   * part of the slice's CPU (read around the slice: plugin-isolate.ts), so `run` charges it to the
   * event with the rest; isolated-vm's own cpuTime would not have it (measured: a sync callback's
   * CPU hardly shows there; see docs/performance.md). A loop of requests must
   * not run the slice far past the budget before that charge, so each request is judged first:
   * the event's CPU before the slice plus the CPU since the slice's first
   * request (the copies isolated-vm makes in and out included) over --cpu-limit is refused with a
   * QuotaExceededError, and the instance is stopped when the slice returns. Outside an event (module
   * body, constructor, metadata read: `gen` null) crypto works and is charged to no event: each
   * operation is bounded by the size caps, and the slice by --start-timeout.
   * Two readings of the process's CPU per request: one before (the budget check uses it too), one after.
   */
  crypto(gen: Generation | null, op: unknown, args: unknown): CryptoAnswer {
    if (!gen) return runCrypto(op, args, this.#cryptoLimits);
    const work = gen.isolate.hostWork;
    const t0 = process.cpuUsage();
    const ev = gen.sliceEvent;
    if (ev) {
      const since = (work.since ??= t0);
      const limit = this.#cpuLimitMs;
      // the event's CPU is only added to after its slice: still what it was when the slice began
      if (ev.cpuMs + (t0.user - since.user + (t0.system - since.system)) / 1000 > limit) {
        return [false, 'QuotaExceededError', `event ${ev.id} is over its ${limit} ms CPU budget (--cpu-limit), host CPU of crypto.subtle included`];
      }
    }
    try {
      return runCrypto(op, args, this.#cryptoLimits);
    } finally {
      const t = process.cpuUsage(t0);
      work.us += t.user + t.system;
    }
  }
}

/**
 * A slice's wall-clock timeout, stretched so that it expires on a grid (at most 50 ms, at most half
 * the CPU budget). isolated-vm arms a native timer per timed call and its timer thread wakes for
 * each at expiry, even long after the call returned; expiries on a shared grid wake it once for
 * many (measured, see docs/performance.md). The slice's CPU is still
 * judged by its CPU time against the budget afterwards; only the backstop interrupt comes later.
 */
export function coalescedTimeout(wantMs: number, cpuLimitMs: number, now = Date.now()): number {
  const grid = Math.max(1, Math.min(50, Math.floor(cpuLimitMs / 2)));
  return Math.max(1, Math.ceil((now + wantMs) / grid) * grid - now);
}
