// Bytes of one stream → complete MessagePack values. Bytes are appended to one growing buffer
// (amortised linear copying) and the scanner resumes where it stopped, so a large frame in many
// chunks costs one pass; a frame is decoded once, when all of it is here.
import { decodeOne } from './codec.ts';
import { FrameScanner } from './frame-scanner.ts';
import { MalformedFrameError, errorMessage } from '../errors.ts';

export class MessageStream {
  #buf: Buffer = Buffer.alloc(0);
  /** first byte of the current (unfinished) frame */
  #start = 0;
  /** end of the bytes received */
  #end = 0;
  readonly #scanner = new FrameScanner();

  /** bytes of the frame still incomplete */
  get pending(): number {
    return this.#end - this.#start;
  }

  /** The bytes of the unfinished frame (for reading its msgid). */
  pendingBytes(): Buffer {
    return this.#buf.subarray(this.#start, this.#end);
  }

  /** Appends a chunk; returns the values it completed, and the encoded size of each. Throws on bytes that are not MessagePack. */
  push(chunk: Buffer, onFrame: (value: unknown, size: number, bytes: Buffer) => void): void {
    this.#append(chunk);
    for (;;) {
      const length = this.#scanner.scan(this.#buf.subarray(this.#start, this.#end));
      if (length === null) break;
      const bytes = this.#buf.subarray(this.#start, this.#start + length);
      let value: unknown;
      try {
        value = decodeOne(bytes);
      } catch (err) {
        throw new MalformedFrameError(errorMessage(err));
      }
      this.#start += length;
      this.#scanner.reset();
      onFrame(value, length, bytes);
    }
    if (this.#start === this.#end) this.#start = this.#end = 0;
  }

  #append(chunk: Buffer): void {
    if (this.#end + chunk.length > this.#buf.length) {
      const live = this.#end - this.#start;
      const size = Math.max(live + chunk.length, 2 * live, 64 * 1024);
      const next = Buffer.allocUnsafe(size);
      this.#buf.copy(next, 0, this.#start, this.#end);
      this.#buf = next;
      this.#start = 0;
      this.#end = live;
    }
    chunk.copy(this.#buf, this.#end);
    this.#end += chunk.length;
  }
}
