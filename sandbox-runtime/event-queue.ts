// One event's PDK calls: FIFO, one in flight (Kong runs one call at a time per event, in order).
// kong.response.exit/error are terminal: they resolve at once (as in kong-js-pdk), Kong never steps
// the event again, and any later call is refused.
import { PDKError } from './pdk-error.ts';
import { describeError } from './format.ts';
import type { Post } from './bridge.ts';

const TERMINAL = new Set(['kong.response.exit', 'kong.response.error']);

interface Pending {
  method: string;
  args: unknown[];
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  terminal: boolean;
}

export class EventQueue {
  readonly id: number;
  readonly #post: Post;
  readonly #maxPending: number;
  readonly #maxPayload: number;
  #queue: Pending[] = [];
  #breached = false;
  #inFlight: Pending | null = null;
  #handlerDone = false;
  /** a terminal call is queued: the event ends with it */
  #ending = false;
  /** the host considers the event over: nothing more is posted for it */
  closed = false;

  constructor(id: number, post: Post, limits: { maxPendingCalls: number; maxPayloadBytes: number }) {
    this.id = id;
    this.#post = post;
    this.#maxPending = limits.maxPendingCalls;
    this.#maxPayload = limits.maxPayloadBytes;
  }

  call(method: string, args: unknown[]): Promise<unknown> {
    if (this.closed || this.#ending) {
      return Promise.reject(new PDKError(`PDK method ${method} failed:  event ${this.id} has already ended`));
    }
    const terminal = TERMINAL.has(method);
    // One terminal call passes the cap (as --max-pdk-calls on the host): a plugin can always end the
    // request; every call after it is refused above, so the queue still cannot grow past the cap + 1.
    if (!terminal && this.#queue.length + (this.#inFlight ? 1 : 0) >= this.#maxPending) {
      const detail = `more than ${this.#maxPending} PDK calls queued at once (--max-pending-calls)`;
      if (!this.#breached) this.#post('breach', this.id, 'pending_calls', detail);
      this.#breached = true;
      return Promise.reject(new PDKError(`PDK method ${method} failed:  ${detail}`));
    }
    if (terminal) this.#ending = true;
    return new Promise((resolve, reject) => {
      this.#queue.push({ method, args, resolve, reject, terminal });
      if (terminal) resolve(undefined);
      this.#pump();
    });
  }

  /** Kong's answer to the call in flight. */
  settle(ok: boolean, value: unknown): void {
    const entry = this.#inFlight;
    if (!entry) return;
    this.#inFlight = null;
    if (ok) entry.resolve(value);
    else entry.reject(new PDKError(`PDK method ${entry.method} failed:  ${String(value)}`));
    this.#pump();
  }

  handlerFinished(): void {
    this.#handlerDone = true;
    this.#pump();
  }

  handlerFailed(err: unknown): void {
    if (this.closed) return;
    this.#close();
    this.#post('done', this.id, describeError(err));
  }

  /** Kong abandoned the event: reject what waits, post nothing more. */
  abandon(): void {
    if (this.closed) return;
    this.#close();
  }

  #pump(): void {
    while (!this.closed && !this.#inFlight) {
      const entry = this.#queue.shift();
      if (!entry) {
        if (this.#handlerDone) {
          this.closed = true;
          this.#post('done', this.id, null);
        }
        return;
      }
      // Refused here, before the copy: a 100 MB argument never costs the host a 100 MB copy.
      // (The host measures again; this is the cheap first look, never stricter than the host.)
      if (atLeast(entry.args, this.#maxPayload)) {
        const detail = `arguments larger than ${this.#maxPayload} bytes (--max-payload-size)`;
        this.#post('breach', this.id, 'payload', `${entry.method}: ${detail}`);
        this.#refuse(entry, detail);
        continue;
      }
      try {
        this.#post('call', this.id, entry.method, entry.args);
      } catch (err) {
        // Arguments that cannot be copied out (functions, symbols, proxies, …) fail this call only.
        this.#refuse(entry, `arguments cannot be sent to Kong: ${describeError(err)}`);
        continue;
      }
      if (entry.terminal) {
        this.#close();
        return;
      }
      this.#inFlight = entry;
    }
  }

  /**
   * A call that cannot be sent fails in the plugin. A terminal one has already resolved (the plugin
   * went on as if the request had ended), so the event ends as a failed handler instead: the host
   * answers Kong by the failure policy, never as if the plugin had let the request through.
   */
  #refuse(entry: Pending, detail: string): void {
    if (!entry.terminal) {
      entry.reject(new PDKError(`PDK method ${entry.method} failed:  ${detail}`));
      return;
    }
    this.#close();
    this.#post('done', this.id, `${entry.method} could not be sent to Kong: ${detail}`);
  }

  #close(): void {
    this.closed = true;
    const waiting = this.#inFlight ? [this.#inFlight, ...this.#queue] : this.#queue;
    this.#inFlight = null;
    this.#queue = [];
    for (const entry of waiting) {
      if (!entry.terminal) entry.reject(new PDKError(`PDK method ${entry.method} failed:  event ${this.id} has ended`));
    }
  }
}

/** True when `value` certainly holds more than `limit` bytes (string lengths are a lower bound). */
function atLeast(value: unknown, limit: number): boolean {
  let total = 0;
  const stack: unknown[] = [value];
  let visited = 0;
  while (stack.length > 0 && visited++ < 10_000) {
    const v = stack.pop();
    if (typeof v === 'string') total += v.length;
    else if (v instanceof Uint8Array) total += v.byteLength;
    else if (Array.isArray(v)) for (const x of v) stack.push(x);
    else if (typeof v === 'object' && v !== null) for (const k of Object.keys(v)) stack.push((v as Record<string, unknown>)[k]);
    if (total > limit) return true;
  }
  return false;
}
