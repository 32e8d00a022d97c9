// The asynchronous host operations a plugin starts in a slice of an event: timers and fetches. Each
// belongs to its event (event-ops.ts): its completion enters the isolate as a slice of the same
// event (settleOp), charged to its CPU budget; if the event ends first the operation is cancelled
// and nothing enters. The caps: --max-timers, --max-fetches-per-event, --max-concurrent-fetches.
import type { Logger } from '../log.ts';
import type { LocalHostOptions } from './host-options.ts';
import { errorMessage } from '../errors.ts';
import type { EventRecord, EventTable } from '../events/event-table.ts';
import type { BreachKind } from '../instances/instance-host.ts';
import type { Generation } from './generation.ts';
import type { EventSliceRunner } from './event-slice.ts';
import { originsOf } from '../config/allow-fetch.ts';
import { EventOps } from './event-ops.ts';
import { checkFetchRequest, hostFetch, FetchRefused, type OpFailure } from './host-fetch.ts';

/** Reports a limit the plugin ran into (logged and told; the instance lives). */
export type BreachReport = (gen: Generation, ev: EventRecord | null, kind: BreachKind, text: string) => void;

export class EventOpRunner {
  readonly #opts: LocalHostOptions;
  readonly #log: Logger;
  readonly #events: EventTable;
  readonly #slices: EventSliceRunner;
  readonly #breach: BreachReport;
  /** timers and fetches of running events (cancelled when their event ends) */
  readonly #ops = new EventOps();
  /** instance id → fetches in flight (--max-concurrent-fetches) */
  readonly #fetching = new Map<number, number>();

  constructor(opts: LocalHostOptions, log: Logger, events: EventTable, slices: EventSliceRunner, breach: BreachReport) {
    this.#opts = opts;
    this.#log = log;
    this.#events = events;
    this.#slices = slices;
    this.#breach = breach;
  }

  /** An operation the plugin started in a slice of `ev` (the runtime's `op` message). */
  start(gen: Generation, ev: EventRecord, opId: number, kind: string, args: unknown): void {
    if (ev.final || this.#ops.has(ev.id, opId)) return;
    if (kind === 'timer') {
      if (this.#ops.pending(ev.id, 'timer') >= this.#opts.maxTimers) {
        // the runtime refuses these itself; this is the host's own count
        this.#answer(gen, ev, opId, false, { name: 'TypeError', message: `more than ${this.#opts.maxTimers} timers pending in one event (--max-timers)` });
        return;
      }
      const delay = typeof args === 'number' && args > 0 ? Math.min(Math.floor(args), 2 ** 31 - 1) : 0;
      const timer = setTimeout(() => this.#done(gen, ev, opId, true, null), delay);
      timer.unref();
      this.#ops.add(ev.id, opId, { kind, cancel: () => clearTimeout(timer) });
    } else if (kind === 'fetch') {
      this.#fetch(gen, ev, opId, args);
    } else {
      this.#answer(gen, ev, opId, false, { name: 'TypeError', message: `unknown host operation "${String(kind).slice(0, 32)}"` });
    }
  }

  /** The plugin cancelled one (clearTimeout, an aborted fetch). */
  cancel(eventId: number, opId: number): void {
    this.#ops.cancel(eventId, opId);
  }

  /** The event ended: its timers never fire, its requests are aborted. */
  endEvent(eventId: number): void {
    this.#ops.endEvent(eventId);
  }

  #fetch(gen: Generation, ev: EventRecord, opId: number, args: unknown): void {
    const o = this.#opts;
    const refuse = (failure: OpFailure) => {
      if (failure.breach) this.#breach(gen, ev, failure.breach, failure.message);
      this.#answer(gen, ev, opId, false, { name: failure.name, message: failure.message });
    };
    const started = this.#ops.count(ev.id, 'fetch');
    if (started > o.maxFetchesPerEvent) {
      const message = `fetch: more than ${o.maxFetchesPerEvent} requests in one event (--max-fetches-per-event)`;
      refuse({ name: 'TypeError', message, ...(started === o.maxFetchesPerEvent + 1 ? { breach: 'fetch' as const } : {}) });
      return;
    }
    const inFlight = this.#fetching.get(gen.instanceId) ?? 0;
    if (inFlight >= o.maxConcurrentFetches) {
      refuse({ name: 'TypeError', message: `fetch: more than ${o.maxConcurrentFetches} requests in flight on one instance (--max-concurrent-fetches)`, breach: 'fetch' });
      return;
    }
    // never past the event's deadline: the event would end (and abort the request) first anyway
    const left = ev.deadline > 0 ? ev.deadline - Date.now() : o.eventTimeoutMs;
    const byEvent = left < o.fetchTimeoutMs;
    const policy = {
      plugin: gen.plugin,
      origins: originsOf(o.allowFetch, gen.plugin),
      timeoutMs: Math.max(1, byEvent ? left : o.fetchTimeoutMs),
      timeoutFlag: byEvent ? '--event-timeout' : '--fetch-timeout',
      maxBytes: o.maxFetchBytes,
      maxPayloadBytes: o.maxPayloadBytes,
    };
    let spec;
    try {
      spec = checkFetchRequest(args, policy);
    } catch (err) {
      refuse(err instanceof FetchRefused ? err.failure : { name: 'TypeError', message: 'fetch: malformed request' });
      return;
    }
    const abort = new AbortController();
    this.#ops.add(ev.id, opId, { kind: 'fetch', cancel: () => abort.abort() });
    this.#fetching.set(gen.instanceId, inFlight + 1);
    hostFetch(spec, policy, abort.signal)
      .then(
        (res) => this.#done(gen, ev, opId, true, res),
        (failure: OpFailure) => {
          if (failure.breach) this.#breach(gen, ev, failure.breach, failure.message);
          this.#done(gen, ev, opId, false, { name: failure.name, message: failure.message });
        },
      )
      .catch((err: unknown) => this.#log.error({ event: 'fetch.failed', plugin: gen.plugin, instance: gen.instanceId, eventId: ev.id }, `answering a fetch: ${errorMessage(err)}`))
      .finally(() => {
        const n = (this.#fetching.get(gen.instanceId) ?? 1) - 1;
        if (n > 0) this.#fetching.set(gen.instanceId, n);
        else this.#fetching.delete(gen.instanceId);
      });
  }

  /** A pending operation completed: the plugin hears of it only if it is still pending (its event lives). */
  #done(gen: Generation, ev: EventRecord, opId: number, ok: boolean, value: unknown): void {
    if (!this.#ops.finish(ev.id, opId)) return;
    this.#answer(gen, ev, opId, ok, value);
  }

  #answer(gen: Generation, ev: EventRecord, opId: number, ok: boolean, value: unknown): void {
    if (this.#events.get(ev.id) !== ev) return; // ended and forgotten; a final event or a stopped isolate: run() declines
    this.#slices.run(gen, ev, (budget) => gen.isolate.settleOp(ev.id, opId, ok, value, budget));
  }
}
