// What timers and fetch (web/) need from the runtime (sandbox-runtime/host-ops.ts): host operations
// that belong to the event whose slice starts them. Types only: web/ is bundled apart from the runtime.

import type { OpFailure } from '../../src/sandbox/fetch-wire.ts';

export type { OpFailure };

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
