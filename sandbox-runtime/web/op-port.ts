// What timers and fetch (web/) need from the runtime (sandbox-runtime/host-ops.ts): host operations
// that belong to the event whose slice starts them. Types only: web/ is bundled apart from the runtime.

/** A failed operation, as the host (or the runtime) describes it. */
export interface OpFailure {
  /** 'TypeError', or a DOMException name ('AbortError', 'TimeoutError') */
  name: string;
  message: string;
}

export interface OpPort {
  /**
   * Starts a host operation of the current event. `settle` runs in a later slice of that event, at
   * most once. If the event ends first: a timer's with ok false (it forgets itself); a request's
   * only if the host abandoned the event (an AbortError, so the plugin's catch and finally run).
   * Throws a TypeError naming the rule when no event is running (module body, constructor) or it
   * has ended, or when `kind` is over its per-event cap.
   */
  start(kind: 'timer' | 'fetch', args: unknown, api: string, settle: (ok: boolean, value: unknown) => void): number;
  /** The host stops the operation (clears the timer, aborts the request); `settle` never runs. */
  cancel(opId: number): void;
  /** The fetch policy of this instance, set when it starts. */
  readonly fetch: { plugin: string; origins: readonly string[]; maxPayloadBytes: number };
}
