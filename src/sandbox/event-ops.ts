// The host operations (timers, fetches) each event has started and not yet finished. They belong to
// their event: when it ends, for whatever reason, every one of them is cancelled here (the timer
// cleared, the request aborted), so nothing of an ended event ever runs again.

export interface PendingOp {
  readonly kind: string;
  cancel(): void;
}

export class EventOps {
  readonly #pending = new Map<number, Map<number, PendingOp>>();
  /** operations started per event and kind (pending or not): the per-event caps */
  readonly #started = new Map<number, Map<string, number>>();

  /** Counts one more `kind` for the event; returns how many it has started, this one included. */
  count(eventId: number, kind: string): number {
    let counts = this.#started.get(eventId);
    if (!counts) this.#started.set(eventId, (counts = new Map()));
    const n = (counts.get(kind) ?? 0) + 1;
    counts.set(kind, n);
    return n;
  }

  pending(eventId: number, kind: string): number {
    let n = 0;
    for (const op of this.#pending.get(eventId)?.values() ?? []) if (op.kind === kind) n++;
    return n;
  }

  has(eventId: number, opId: number): boolean {
    return this.#pending.get(eventId)?.has(opId) ?? false;
  }

  add(eventId: number, opId: number, op: PendingOp): void {
    let ops = this.#pending.get(eventId);
    if (!ops) this.#pending.set(eventId, (ops = new Map()));
    ops.set(opId, op);
  }

  /** The operation completed: true if it was still pending (its event has not ended, it was not cancelled). */
  finish(eventId: number, opId: number): boolean {
    const ops = this.#pending.get(eventId);
    if (!ops?.delete(opId)) return false;
    if (ops.size === 0) this.#pending.delete(eventId);
    return true;
  }

  cancel(eventId: number, opId: number): void {
    const op = this.#pending.get(eventId)?.get(opId);
    if (op && this.finish(eventId, opId)) op.cancel();
  }

  /** The event ended: all its operations are cancelled and its counts forgotten. */
  endEvent(eventId: number): void {
    const ops = this.#pending.get(eventId);
    this.#pending.delete(eventId);
    this.#started.delete(eventId);
    if (ops) for (const op of ops.values()) op.cancel();
  }

  /** operations pending across all events (tests, stats) */
  get size(): number {
    let n = 0;
    for (const ops of this.#pending.values()) n += ops.size;
    return n;
  }
}
