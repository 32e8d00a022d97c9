// The host end of the one bridge between an isolate and the host: a callback the sandbox runtime
// calls with copies (never references), turned into typed messages and handed to the host.
import ivm from 'isolated-vm';

export type BridgeMessage =
  | { kind: 'call'; eventId: number; method: string; args: unknown[] }
  | { kind: 'done'; eventId: number; error: string | null }
  | { kind: 'log'; eventId: number; level: string; text: string }
  | { kind: 'breach'; eventId: number; what: string; detail: string }
  /** an asynchronous host operation of the event (sandbox-runtime/host-ops.ts); answered by settleOp */
  | { kind: 'op'; eventId: number; opId: number; opKind: string; args: unknown }
  | { kind: 'cancel'; eventId: number; opId: number };

/**
 * Bridge messages of the slice running now. Log lines are written at once (writing one never enters
 * the isolate); calls and results wait until the slice has returned, because acting on them may end
 * the event or dispose the isolate.
 */
export class Inbox {
  /** who gets the messages; a pooled isolate has nobody until an instance takes it */
  onMessage: (m: BridgeMessage) => void = () => {};
  /**
   * Answers the runtime's crypto.subtle requests at once, inside the slice (src/sandbox/host-crypto.ts);
   * null (an isolate nobody has taken yet): the runtime is told crypto is not available.
   */
  onCrypto: ((op: unknown, args: unknown) => unknown) | null = null;
  #queue: BridgeMessage[] = [];

  put(msg: BridgeMessage): void {
    if (msg.kind === 'log') this.onMessage(msg);
    else this.#queue.push(msg);
  }

  /** `failed`: the slice threw (timeout, heap limit): what it asked for is void. */
  deliver(failed: boolean): void {
    const queue = this.#queue;
    this.#queue = [];
    if (!failed) for (const msg of queue) this.onMessage(msg);
  }
}

/**
 * The callback put on the isolate's global for the runtime to take. It runs on this thread inside
 * the slice (every slice is synchronous) and only queues (see Inbox). It costs an event less CPU
 * than an `ignored` callback, whose every message is a deferred task (measured with bench:floors,
 * see docs/performance.md).
 */
export function bridgeCallback(inbox: Inbox): ivm.Callback {
  return new ivm.Callback((kind: string, eventId: unknown, a: unknown, b: unknown, c?: unknown): unknown => {
    // the one request answered with a value (isolated-vm copies it back)
    if (kind === 'crypto') return inbox.onCrypto ? inbox.onCrypto(a, b) : undefined;
    const msg = toMessage(kind, eventId, a, b, c);
    if (msg) inbox.put(msg);
    return undefined;
  });
}

function toMessage(kind: string, eventId: unknown, a: unknown, b: unknown, c: unknown): BridgeMessage | null {
  if (typeof eventId !== 'number') return null;
  if (kind === 'call' && typeof a === 'string' && Array.isArray(b)) return { kind, eventId, method: a, args: b };
  if (kind === 'done') return { kind, eventId, error: typeof a === 'string' ? a : null };
  if (kind === 'log' && typeof a === 'string' && typeof b === 'string') return { kind, eventId, level: a, text: b };
  if (kind === 'breach' && typeof a === 'string' && typeof b === 'string') return { kind, eventId, what: a, detail: b };
  if (kind === 'op' && typeof a === 'number' && typeof b === 'string') return { kind, eventId, opId: a, opKind: b, args: c };
  if (kind === 'cancel' && typeof a === 'number') return { kind, eventId, opId: a };
  return null;
}
