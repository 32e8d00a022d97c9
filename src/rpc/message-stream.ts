// Bytes of one stream → complete MessagePack values. Bytes are appended to one growing buffer
// (amortised linear copying) and the scanner resumes where it stopped, so a large frame in many
// chunks costs one pass; a frame is decoded once, when all of it is here.
import { isUtf8 } from 'node:buffer';
import { decodeOne, decodeRaw, toPlain } from './codec.ts';
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

  /**
   * Appends a chunk; returns the values it completed, and the encoded size of each. Throws on bytes
   * that are not MessagePack. `claim` sees each complete frame first (its bytes are valid until the
   * next push): returning true takes the frame undecoded, and `onFrame` is not called for it.
   */
  push(
    chunk: Buffer,
    onFrame: (value: unknown, size: number, bytes: Buffer) => void,
    claim?: (bytes: Buffer, strings: readonly number[]) => boolean,
  ): void {
    this.#append(chunk);
    for (;;) {
      const length = this.#scanner.scan(this.#buf.subarray(this.#start, this.#end));
      if (length === null) break;
      const bytes = this.#buf.subarray(this.#start, this.#start + length);
      if (claim?.(bytes, this.#scanner.strings)) {
        this.#start += length;
        this.#scanner.reset();
        continue;
      }
      let value: unknown;
      try {
        value = decodeFrame(bytes, this.#scanner.strings);
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

const utf8 = new TextDecoder();

/**
 * Kong's strings may hold any bytes. msgpackr reads short strings with a lenient UTF-8 reader that
 * takes the byte after a bad lead byte as its continuation ("/\xc3../" becomes "/î./"), so a plugin
 * filtering "../" would miss it. Frames with such strings are decoded with each bad string replaced
 * by what a standard decoder gives (U+FFFD for each bad byte), as Kong's upstream would read it.
 */
function decodeFrame(bytes: Buffer, strings: readonly number[]): unknown {
  const bad = new Map<number, string>();
  for (let i = 0; i < strings.length; i += 2) {
    const start = strings[i]!;
    const text = bytes.subarray(start, start + strings[i + 1]!);
    if (!isUtf8(text)) bad.set(i / 2, utf8.decode(text));
  }
  if (bad.size === 0) return decodeOne(bytes);
  let index = 0;
  // Strings come out of the decoder in the order the scanner met them: depth first, map keys first.
  const repair = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const fixed = bad.get(index++);
      return fixed ?? v;
    }
    if (Array.isArray(v)) return v.map(repair);
    if (v instanceof Map) {
      const out = new Map<unknown, unknown>();
      for (const [k, item] of v) {
        const key = repair(k);
        out.set(key, repair(item));
      }
      return out;
    }
    return v;
  };
  const repaired = repair(decodeRaw(bytes));
  // A map with a repeated key holds fewer strings than the frame: the order no longer tells which
  // string is which, and guessing could put one value in another's place. Refuse the frame.
  if (index !== strings.length / 2) throw new Error('a map with repeated keys holds a string that is not UTF-8');
  return toPlain(repaired);
}
