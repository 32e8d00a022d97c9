// Where one MessagePack value ends, found from its headers alone and resumable across chunks, so a
// 30 MB frame arriving in 64 KB pieces costs one pass, not one decode attempt per piece. It reads
// type bytes and lengths only; decoding the complete frame is msgpackr's job.
import { MalformedFrameError } from '../errors.ts';

/** Nesting deeper than this is refused (the decoder would recurse that deep). */
const MAX_DEPTH = 10_000;

export class FrameScanner {
  /** where the next header starts, in the current frame (may run past the bytes received) */
  #offset = 0;
  /** items still expected at each open container; empty until the root header is read */
  #open: number[] = [];
  #end = -1;
  /** [start, length] of every str payload of the frame, in the order they appear */
  #strings: number[] = [];

  reset(): void {
    this.#offset = 0;
    this.#open = [];
    this.#end = -1;
    this.#strings = [];
  }

  /** Flat [start, length, start, length, …] of the frame's strings (valid after scan() returned a length). */
  get strings(): readonly number[] {
    return this.#strings;
  }

  /** The frame's length once `buf` (the frame's bytes so far) holds all of it, else null. */
  scan(buf: Uint8Array): number | null {
    while (this.#end < 0 && this.#offset < buf.length) {
      const at = this.#offset;
      const t = buf[at]!;
      let header = 1;
      let payload = 0;
      let items = -1; // >= 0: a container with that many values inside
      if (t <= 0x7f || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) {
        // fixint, nil, bool
      } else if (t <= 0x8f) items = (t & 0x0f) * 2;
      else if (t <= 0x9f) items = t & 0x0f;
      else if (t <= 0xbf) {
        payload = t & 0x1f;
        this.#strings.push(at + 1, payload);
      }
      else {
        const sized = SIZED[t];
        if (sized === undefined) throw new MalformedFrameError(`byte 0x${t.toString(16)} is not a MessagePack type`);
        const [lengthBytes, extra, kind] = sized;
        header = 1 + lengthBytes + extra;
        if (at + header > buf.length) return null; // the header itself is not all here yet
        const n = lengthBytes === 0 ? 0 : readUint(buf, at + 1, lengthBytes);
        if (kind === 'fixed') payload = FIXED[t]!;
        else if (kind === 'bytes') {
          payload = n;
          if (t >= 0xd9 && t <= 0xdb) this.#strings.push(at + header, n);
        }
        else items = kind === 'map' ? n * 2 : n;
      }
      this.#offset = at + header + payload;
      if (items > 0) {
        if (this.#open.length >= MAX_DEPTH) throw new MalformedFrameError(`nested deeper than ${MAX_DEPTH} levels`);
        this.#open.push(items);
      } else {
        this.#valueDone();
      }
    }
    return this.#end >= 0 && buf.length >= this.#end ? this.#end : null;
  }

  #valueDone(): void {
    for (;;) {
      const top = this.#open.length - 1;
      if (top < 0) {
        this.#end = this.#offset;
        return;
      }
      if (--this.#open[top]! > 0) return;
      this.#open.pop();
    }
  }
}

/** type byte → [length bytes, other header bytes, what follows] */
const SIZED: Record<number, [number, number, 'bytes' | 'array' | 'map' | 'fixed']> = {
  0xc4: [1, 0, 'bytes'], 0xc5: [2, 0, 'bytes'], 0xc6: [4, 0, 'bytes'], // bin
  0xc7: [1, 1, 'bytes'], 0xc8: [2, 1, 'bytes'], 0xc9: [4, 1, 'bytes'], // ext (length, then type)
  0xca: [0, 0, 'fixed'], 0xcb: [0, 0, 'fixed'], // float
  0xcc: [0, 0, 'fixed'], 0xcd: [0, 0, 'fixed'], 0xce: [0, 0, 'fixed'], 0xcf: [0, 0, 'fixed'], // uint
  0xd0: [0, 0, 'fixed'], 0xd1: [0, 0, 'fixed'], 0xd2: [0, 0, 'fixed'], 0xd3: [0, 0, 'fixed'], // int
  0xd4: [0, 0, 'fixed'], 0xd5: [0, 0, 'fixed'], 0xd6: [0, 0, 'fixed'], 0xd7: [0, 0, 'fixed'], 0xd8: [0, 0, 'fixed'], // fixext
  0xd9: [1, 0, 'bytes'], 0xda: [2, 0, 'bytes'], 0xdb: [4, 0, 'bytes'], // str
  0xdc: [2, 0, 'array'], 0xdd: [4, 0, 'array'], 0xde: [2, 0, 'map'], 0xdf: [4, 0, 'map'],
};

/** payload bytes after the type byte, for fixed-size types */
const FIXED: Record<number, number> = {
  0xca: 4, 0xcb: 8, 0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8, 0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8,
  0xd4: 2, 0xd5: 3, 0xd6: 5, 0xd7: 9, 0xd8: 17,
};

function readUint(buf: Uint8Array, at: number, bytes: number): number {
  let n = 0;
  for (let i = 0; i < bytes; i++) n = n * 256 + buf[at + i]!;
  return n;
}
