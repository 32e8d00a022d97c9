// One connection as mp_rpc.lua holds it: the server's messages read one at a time, decoded with
// @msgpack/msgpack (a codec independent of the server's msgpackr, so the two cross-check each other).
import type net from 'node:net';
import { Decoder, decodeMulti } from '@msgpack/msgpack';

export class RpcError extends Error {}

const EMPTY = Buffer.alloc(0);
const decoder = new Decoder();

export class Connection {
  readonly socket: net.Socket;
  #buf: Buffer = EMPTY;
  readonly #messages: unknown[] = [];
  #failure: unknown = null;
  #wake: (() => void) | null = null;
  closed = false;
  serverPid: number | null = null;

  constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
      this.#split();
      this.#wakeReader();
    });
    socket.on('close', () => {
      this.closed = true;
      this.#wakeReader();
    });
    socket.on('error', () => {});
  }

  /** The next complete message (notification or response); RpcError('closed') once the server hung up. */
  async next(): Promise<unknown> {
    for (;;) {
      if (this.#messages.length > 0) return this.#messages.shift();
      if (this.#failure !== null) throw this.#failure;
      if (this.closed) throw new RpcError('closed');
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #wakeReader(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Moves every complete message out of the buffer; a decode error is kept for the reader. */
  #split(): void {
    while (this.#buf.length > 0 && this.#failure === null) {
      try {
        // the usual case: the buffer holds exactly one message (one request in flight)
        this.#messages.push(decoder.decode(this.#buf));
        this.#buf = EMPTY;
        return;
      } catch (err) {
        // RangeError: the buffer holds part of a message, or more than one
        if (!(err instanceof RangeError)) this.#failure = err;
      }
      if (this.#failure !== null) return;
      const size = sizeOfFirst(this.#buf);
      if (size === null) return; // incomplete: wait for more
      this.#messages.push(decoder.decode(this.#buf.subarray(0, size)));
      this.#buf = this.#buf.subarray(size);
    }
  }
}

// @msgpack/msgpack does not report how many bytes a value used. A prefix decodes its first value
// exactly when it is at least that long, so binary-search the shortest one that does.
function sizeOfFirst(buf: Buffer): number | null {
  const decodes = (n: number) => {
    try {
      return !decodeMulti(buf.subarray(0, n)).next().done;
    } catch {
      return false;
    }
  };
  if (!decodes(buf.length)) return null;
  let lo = 1;
  let hi = buf.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (decodes(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
