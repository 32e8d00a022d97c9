// One event's PDK calls: FIFO, one in flight (Kong runs one call at a time per event, in order).
// kong.response.exit/error are terminal: they resolve at once (as in kong-js-pdk), Kong never steps
// the event again, and any later call is refused.
import { PDKError } from './pdk-error.ts';
import { describeError } from './format.ts';
import { boundedCopy, CopyRefusal } from './bounded-copy.ts';
import { $Promise, $String, SafeSet, arrayPush, newArray } from './intrinsics.ts';
import type { Post } from './bridge.ts';
import type { NamesAll, TerminalMethod } from '../src/rpc/protocol.ts';

// the host's TERMINAL_METHODS (src/rpc/protocol.ts): its values do not cross into the isolate, so
// this copy is checked against its type
const TERMINAL_NAMES = ['kong.response.exit', 'kong.response.error'] as const satisfies readonly TerminalMethod[];
true satisfies NamesAll<typeof TERMINAL_NAMES, TerminalMethod>;
const TERMINAL = new SafeSet<string>(TERMINAL_NAMES);

function rejected(err: unknown): Promise<never> {
  return new $Promise<never>((_resolve, reject) => reject(err));
}

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
  /** waiting calls from #head on (a runtime array: never Array.prototype methods a plugin may replace) */
  #queue: Pending[] = newArray();
  #head = 0;
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
      return rejected(new PDKError(`PDK method ${method} failed:  event ${this.id} has already ended`));
    }
    const terminal = TERMINAL.has(method);
    // One terminal call passes the cap (as --max-pdk-calls on the host): a plugin can always end the
    // request; every call after it is refused above, so the queue still cannot grow past the cap + 1.
    if (!terminal && this.#queue.length - this.#head + (this.#inFlight ? 1 : 0) >= this.#maxPending) {
      const detail = `more than ${this.#maxPending} PDK calls queued at once (--max-pending-calls)`;
      if (!this.#breached) this.#post('breach', this.id, 'pending_calls', detail);
      this.#breached = true;
      return rejected(new PDKError(`PDK method ${method} failed:  ${detail}`));
    }
    if (terminal) this.#ending = true;
    return new $Promise((resolve, reject) => {
      arrayPush(this.#queue, { method, args, resolve, reject, terminal });
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
    else entry.reject(new PDKError(`PDK method ${entry.method} failed:  ${$String(value)}`));
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
      const entry = this.#queue.length > this.#head ? this.#queue[this.#head++] : undefined;
      if (this.#head > 0 && this.#head === this.#queue.length) {
        this.#queue = newArray();
        this.#head = 0;
      }
      if (!entry) {
        if (this.#handlerDone) {
          this.closed = true;
          this.#post('done', this.id, null);
        }
        return;
      }
      // Measured and copied here, before isolated-vm's copy: a 100 MB argument (or a 1 MB one that
      // is 100 MB as a tree) never costs the host a copy. The host measures again.
      let args: unknown;
      try {
        args = boundedCopy(entry.args, { limit: this.#maxPayload, what: 'arguments', flag: '--max-payload-size', mode: 'args' });
      } catch (err) {
        if (err instanceof CopyRefusal) {
          if (err.tooLarge) this.#post('breach', this.id, 'payload', `${entry.method}: ${err.message}`);
          this.#refuse(entry, err.message);
        } else if (!entry.terminal) {
          entry.reject(err); // a getter of the argument threw: the plugin gets its own error
        } else {
          this.#refuse(entry, `a getter of the arguments threw: ${describeError(err)}`);
        }
        continue;
      }
      try {
        this.#post('call', this.id, entry.method, args as unknown[]);
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
    const waiting = newArray<Pending>();
    if (this.#inFlight) arrayPush(waiting, this.#inFlight);
    for (let i = this.#head; i < this.#queue.length; i++) arrayPush(waiting, this.#queue[i]!);
    this.#inFlight = null;
    this.#queue = newArray();
    this.#head = 0;
    for (let i = 0; i < waiting.length; i++) {
      const entry = waiting[i]!;
      if (!entry.terminal) entry.reject(new PDKError(`PDK method ${entry.method} failed:  event ${this.id} has ended`));
    }
  }
}
