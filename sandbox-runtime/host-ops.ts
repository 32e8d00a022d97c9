// Asynchronous host operations (timers, fetch): the runtime posts ('op', event, id, kind, args), the
// host starts the operation, and when it completes the host enters the isolate with settleOp, a slice
// of that same event. An operation belongs to the event whose slice started it: when the event ends
// the host cancels it and the runtime forgets it, so nothing of it runs afterwards.
import { SafeMap, SafeSet, $TypeError, record, newArray, arrayPush } from './intrinsics.ts';
import type { Post } from './bridge.ts';
import type { OpPort, OpFailure } from './web/op-port.ts';

interface Op {
  eventId: number;
  kind: 'timer' | 'fetch';
  settle: (ok: boolean, value: unknown) => void;
}

/** What an operation needs of its event. */
export interface OpEvent {
  readonly id: number;
  readonly closed: boolean;
}

export class HostOps implements OpPort {
  readonly #post: Post;
  readonly #ops = new SafeMap<number, Op>();
  /** pending timers per event (the runtime's check of --max-timers; the host checks again) */
  readonly #timers = new SafeMap<number, number>();
  /** fetches started per event (the runtime's check of --max-fetches-per-event; the host checks again) */
  readonly #fetches = new SafeMap<number, number>();
  /** events already reported over a cap, as "timers:<id>" and "fetch:<id>" (one breach each) */
  readonly #breached = new SafeSet<string>();
  /** op ids per event, some maybe settled already (compacted as it grows) */
  readonly #byEvent = new SafeMap<number, number[]>();
  #nextId = 1;
  #maxTimers = 100;
  #maxFetches = 16;
  /** what this slice has posted (starts and cancels): the host queues them until the slice ends */
  #slicePosts = 0;
  /** the event whose slice runs now; null in the module body and the constructor */
  #current: OpEvent | null = null;
  fetch: { plugin: string; origins: readonly string[]; maxPayloadBytes: number } = { plugin: '', origins: [], maxPayloadBytes: 0 };

  constructor(post: Post) {
    this.#post = post;
  }

  /** A slice starts (a runtime API entry): what it and its microtasks start belongs to `ev`. */
  enter(ev: OpEvent | null): void {
    this.#current = ev;
    this.#slicePosts = 0;
  }

  configure(limits: {
    plugin: string; fetchOrigins: readonly string[]; maxTimers: number; maxFetchesPerEvent: number; maxPayloadBytes: number;
  }): void {
    this.#maxTimers = limits.maxTimers;
    this.#maxFetches = limits.maxFetchesPerEvent;
    this.fetch = { plugin: limits.plugin, origins: limits.fetchOrigins, maxPayloadBytes: limits.maxPayloadBytes };
  }

  start(kind: 'timer' | 'fetch', args: unknown, api: string, settle: (ok: boolean, value: unknown) => void): number {
    const ev = this.#current;
    if (ev === null) {
      throw new $TypeError(`${api} can only be used while an event runs (in a phase handler): a timer or request started by the module body or the constructor would belong to no request`);
    }
    if (ev.closed) throw new $TypeError(`${api}: event ${ev.id} has already ended; a timer or request belongs to the event that started it`);
    const counts = kind === 'timer' ? this.#timers : this.#fetches;
    const n = counts.get(ev.id) ?? 0;
    if (kind === 'timer' && n >= this.#maxTimers) this.#refuse(ev.id, 'timers', api, `more than ${this.#maxTimers} timers pending in one event (--max-timers)`);
    if (kind === 'fetch' && n >= this.#maxFetches) this.#refuse(ev.id, 'fetch', api, `more than ${this.#maxFetches} requests in one event (--max-fetches-per-event)`);
    this.#countPost(api); // before anything is counted: a refusal here leaves no trace
    counts.set(ev.id, n + 1);
    const id = this.#nextId++;
    this.#ops.set(id, { eventId: ev.id, kind, settle });
    this.#remember(ev.id, id);
    this.#post('op', ev.id, id, kind, args);
    return id;
  }

  cancel(opId: number): void {
    const op = this.#forget(opId);
    if (!op) return;
    this.#countPost(op.kind === 'timer' ? 'clearTimeout' : 'fetch abort');
    this.#post('cancel', op.eventId, opId);
  }

  /**
   * The host keeps what a slice posts until the slice returns. Arming and clearing a timer in a
   * loop keeps one pending but posts twice per turn: bounded here, per slice, by the two caps.
   */
  #countPost(api: string): void {
    const max = 4 * (this.#maxTimers + this.#maxFetches) + 16;
    if (++this.#slicePosts > max) {
      throw new $TypeError(`${api}: more than ${max} timers and requests started or cancelled in one run of plugin code (4 x (--max-timers + --max-fetches-per-event) + 16)`);
    }
  }

  #refuse(eventId: number, what: 'timers' | 'fetch', api: string, detail: string): never {
    const key = `${what}:${eventId}`;
    if (!this.#breached.has(key)) this.#post('breach', eventId, what, detail);
    this.#breached.add(key);
    throw new $TypeError(`${api}: ${detail}`);
  }

  /** The host's answer (api.settleOp). */
  settle(eventId: number, opId: number, ok: boolean, value: unknown): void {
    const op = this.#ops.get(opId);
    if (!op || op.eventId !== eventId) return;
    this.#forget(opId);
    op.settle(ok, value);
  }

  /**
   * The event ended: its operations are dropped (the host cancels them on its side). `abandoned`:
   * the host gave up on the event, so a pending fetch rejects now and the plugin's catch and
   * finally run, as for its pending PDK calls.
   */
  endEvent(eventId: number, abandoned: boolean): void {
    const ids = this.#byEvent.get(eventId);
    this.#byEvent.delete(eventId);
    this.#timers.delete(eventId);
    this.#fetches.delete(eventId);
    this.#breached.delete(`timers:${eventId}`);
    this.#breached.delete(`fetch:${eventId}`);
    if (!ids) return;
    for (let i = 0; i < ids.length; i++) {
      const op = this.#ops.get(ids[i]!);
      if (!op || op.eventId !== eventId) continue;
      this.#forget(ids[i]!);
      if (op.kind === 'timer') op.settle(false, null); // the timer forgets itself; its callback never runs
      else if (abandoned) {
        op.settle(false, record<OpFailure>({ name: 'AbortError', message: `event ${eventId} ended before the request did` }));
      }
    }
  }

  #remember(eventId: number, opId: number): void {
    let ids = this.#byEvent.get(eventId);
    if (!ids) {
      ids = newArray<number>();
      this.#byEvent.set(eventId, ids);
    }
    if (ids.length >= 64) {
      // an interval re-arms once per tick: keep only the ids still pending
      const live = newArray<number>();
      for (let i = 0; i < ids.length; i++) if (this.#ops.has(ids[i]!)) arrayPush(live, ids[i]!);
      ids = live;
      this.#byEvent.set(eventId, ids);
    }
    arrayPush(ids, opId);
  }

  #forget(opId: number): Op | undefined {
    const op = this.#ops.get(opId);
    if (!op) return undefined;
    this.#ops.delete(opId);
    if (op.kind === 'timer') {
      const n = (this.#timers.get(op.eventId) ?? 1) - 1;
      if (n > 0) this.#timers.set(op.eventId, n);
      else this.#timers.delete(op.eventId);
    }
    return op;
  }
}
