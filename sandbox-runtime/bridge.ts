// The one host bridge. The host puts it on the global before this runtime runs; we keep it in a
// closure and delete the global, so plugin code (which runs later) can never reach it.

/** Messages the runtime sends to the host (copied by isolated-vm; never references). */
export type Post = {
  (kind: 'call', eventId: number, method: string, args: unknown[]): void;
  (kind: 'done', eventId: number, error: string | null): void;
  (kind: 'log', eventId: number, level: string, text: string): void;
  (kind: 'breach', eventId: number, what: string, detail: string): void;
  /** an asynchronous host operation of the event (a timer, a fetch); answered by api.settleOp */
  (kind: 'op', eventId: number, opId: number, opKind: string, args: unknown): void;
  /** the plugin no longer wants the operation (clearTimeout, an aborted signal) */
  (kind: 'cancel', eventId: number, opId: number): void;
  /**
   * A crypto.subtle operation (web/subtle-crypto.ts), answered at once with a copy: [true, result]
   * or [false, error name, message]. `eventId` is always -1: the host charges the operation's CPU to
   * the event whose slice is running, which it knows itself (the runtime is not asked).
   */
  (kind: 'crypto', eventId: -1, op: string, args: object): unknown;
};

declare const globalThis: { __kps_bridge?: Post };

export function takeBridge(): Post {
  const post = globalThis.__kps_bridge;
  if (typeof post !== 'function') throw new Error('sandbox runtime: host bridge missing');
  delete globalThis.__kps_bridge;
  return post;
}
