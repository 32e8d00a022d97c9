// AbortController and AbortSignal (abort, timeout, any, throwIfAborted, onabort and "abort"
// listeners). Not a general EventTarget: a signal dispatches its one event, "abort". A timeout
// signal's timer is a host timer (web/timers.ts), so it too belongs to the event that made it.
import { DOMException } from './dom-exception.ts';
import type { OpPort } from './op-port.ts';

type Listener = ((event: AbortEvent) => void) | { handleEvent(event: AbortEvent): void };
interface AbortEvent {
  readonly type: 'abort';
  readonly target: unknown;
  readonly currentTarget: unknown;
}

export interface AbortApis {
  AbortController: new () => { readonly signal: object; abort(reason?: unknown): void };
  AbortSignal: { prototype: object };
  /** fetch's own hook: `onAbort` runs when the signal aborts; returns the way to stop following it */
  follow(signal: unknown, onAbort: (reason: unknown) => void): (() => void) | null;
  isSignal(value: unknown): boolean;
}

export function createAbort(ops: OpPort, report: (err: unknown, where: string) => void): AbortApis {
  const key = Symbol('AbortSignal');
  let abortSignal!: (s: AbortSignal, reason: unknown) => void;
  let followSignal!: (s: AbortSignal, fn: (reason: unknown) => void) => () => void;
  let isSignal!: (v: unknown) => v is AbortSignal;

  class AbortSignal {
    #aborted = false;
    #reason: unknown = undefined;
    #listeners: Array<{ listener: Listener; once: boolean }> = [];
    #internal = new Set<(reason: unknown) => void>();
    #onabort: ((event: AbortEvent) => void) | null = null;
    /** the onabort handler's place among the listeners: where it was first set, as in the DOM */
    #handlerEntry: { listener: Listener; once: boolean } | null = null;

    constructor(k?: symbol) {
      if (k !== key) throw new TypeError('Illegal constructor');
    }

    static {
      isSignal = (v: unknown): v is AbortSignal => typeof v === 'object' && v !== null && #aborted in v;
      followSignal = (s, fn) => {
        s.#internal.add(fn);
        return () => s.#internal.delete(fn);
      };
      abortSignal = (s, reason) => {
        if (s.#aborted) return;
        s.#aborted = true;
        s.#reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
        const internal = [...s.#internal];
        s.#internal.clear();
        for (const fn of internal) fn(s.#reason);
        const event: AbortEvent = Object.freeze({ type: 'abort', target: s, currentTarget: s });
        const run = (l: Listener) => {
          try {
            if (typeof l === 'function') Reflect.apply(l, s, [event]);
            else l.handleEvent(event);
          } catch (err) {
            report(err, 'abort event listener');
          }
        };
        const listeners = s.#listeners;
        s.#listeners = [];
        for (const { listener } of listeners) run(listener);
      };
    }

    get onabort(): ((event: AbortEvent) => void) | null {
      return this.#onabort;
    }

    set onabort(handler: ((event: AbortEvent) => void) | null) {
      this.#onabort = typeof handler === 'function' ? handler : null;
      if (this.#onabort === null) {
        if (this.#handlerEntry) this.#listeners = this.#listeners.filter((e) => e !== this.#handlerEntry);
        this.#handlerEntry = null;
      } else if (!this.#handlerEntry) {
        const signal = this;
        this.#handlerEntry = {
          listener: function (this: unknown, event: AbortEvent) {
            const h = signal.#onabort;
            if (h) Reflect.apply(h, signal, [event]);
          },
          once: false,
        };
        this.#listeners.push(this.#handlerEntry);
      }
    }

    get aborted(): boolean {
      return this.#aborted;
    }

    get reason(): unknown {
      return this.#reason;
    }

    throwIfAborted(): void {
      if (this.#aborted) throw this.#reason;
    }

    addEventListener(type: string, listener: Listener | null, options?: boolean | { once?: boolean; signal?: AbortSignal }): void {
      if (type !== 'abort' || listener === null || listener === undefined || this.#aborted) return;
      if (this.#listeners.some((e) => e.listener === listener)) return;
      const once = typeof options === 'object' && options !== null && options.once === true;
      this.#listeners.push({ listener, once });
      const stop = typeof options === 'object' && options !== null ? options.signal : undefined;
      if (stop !== undefined && isSignal(stop)) followSignal(stop, () => this.removeEventListener(type, listener));
    }

    removeEventListener(type: string, listener: Listener | null): void {
      if (type !== 'abort') return;
      this.#listeners = this.#listeners.filter((e) => e.listener !== listener);
    }

    static abort(reason?: unknown): AbortSignal {
      const s = new AbortSignal(key);
      abortSignal(s, reason);
      return s;
    }

    /** Aborts with a TimeoutError after `ms`: a host timer of the current event. */
    static timeout(ms: number): AbortSignal {
      const n = Number(ms);
      if (!Number.isFinite(n) || n < 0) throw new TypeError('AbortSignal.timeout: the delay must be a non-negative number');
      const s = new AbortSignal(key);
      ops.start('timer', Math.min(Math.floor(n), 2 ** 31 - 1), 'AbortSignal.timeout', (ok) => {
        if (ok) abortSignal(s, new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
      });
      return s;
    }

    static any(signals: Iterable<AbortSignal>): AbortSignal {
      const s = new AbortSignal(key);
      const list = [...signals];
      for (const one of list) if (!isSignal(one)) throw new TypeError('AbortSignal.any: every item must be an AbortSignal');
      const first = list.find((one) => one.aborted);
      if (first) {
        abortSignal(s, first.reason);
        return s;
      }
      for (const one of list) followSignal(one, (reason) => abortSignal(s, reason));
      return s;
    }
  }
  Object.defineProperty(AbortSignal.prototype, Symbol.toStringTag, { value: 'AbortSignal', configurable: true });

  class AbortController {
    readonly #signal = new AbortSignal(key);
    get signal(): AbortSignal {
      return this.#signal;
    }
    abort(reason?: unknown): void {
      abortSignal(this.#signal, reason);
    }
  }
  Object.defineProperty(AbortController.prototype, Symbol.toStringTag, { value: 'AbortController', configurable: true });

  return {
    AbortController,
    AbortSignal,
    follow: (signal, onAbort) => (isSignal(signal) ? followSignal(signal, onAbort) : null),
    isSignal: (v) => isSignal(v),
  };
}
