// TextEncoder and TextDecoder (UTF-8 only, as the Encoding Standard's "utf-8" with its labels):
// fatal and ignoreBOM, streaming decode, encodeInto. Pure JS over captured builtins.
import { bytesOf, charCodeAt, setToStringTag, strSlice, toLowerCase, unitsToString } from './primordials.ts';

const UTF8_LABELS = ['unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'utf-8', 'utf8', 'x-unicode20utf8'];

/** UTF-8 bytes of a string; lone surrogates become U+FFFD (as for a USVString). */
export function utf8Encode(input: string): Uint8Array<ArrayBuffer> {
  const n = input.length;
  // at most 3 bytes per UTF-16 unit; grow only past the ASCII guess
  let out: Uint8Array<ArrayBuffer> = new Uint8Array(n);
  let w = 0;
  for (let i = 0; i < n; i++) {
    let c = charCodeAt(input, i);
    if (c < 0x80) {
      if (w >= out.length) out = grow(out, w, n - i);
      out[w++] = c;
      continue;
    }
    if (w + 4 > out.length) out = grow(out, w, (n - i) * 3 + 4);
    if (c < 0x800) {
      out[w++] = 0xc0 | (c >> 6);
      out[w++] = 0x80 | (c & 0x3f);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < n ? charCodeAt(input, i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        out[w++] = 0xf0 | (c >> 18);
        out[w++] = 0x80 | ((c >> 12) & 0x3f);
        out[w++] = 0x80 | ((c >> 6) & 0x3f);
        out[w++] = 0x80 | (c & 0x3f);
        continue;
      }
      c = 0xfffd;
    }
    out[w++] = 0xe0 | (c >> 12);
    out[w++] = 0x80 | ((c >> 6) & 0x3f);
    out[w++] = 0x80 | (c & 0x3f);
  }
  return w === out.length ? out : out.slice(0, w);
}

function grow(buf: Uint8Array<ArrayBuffer>, used: number, more: number): Uint8Array<ArrayBuffer> {
  const next = new Uint8Array(used + more > buf.length * 2 ? used + more : buf.length * 2 + 16);
  next.set(buf.subarray(0, used));
  return next;
}

/** The streaming UTF-8 decoder of the Encoding Standard (its state survives between chunks). */
class Utf8State {
  codePoint = 0;
  needed = 0;
  seen = 0;
  lower = 0x80;
  upper = 0xbf;
}

const ERROR = -1;

/**
 * Decodes `bytes` onto `units`; returns ERROR at the first invalid sequence when fatal (the state is
 * then meaningless), else the new length. `flush`: the end of the stream.
 */
function decodeInto(st: Utf8State, bytes: Uint8Array, units: number[], fatal: boolean, flush: boolean): number {
  let u = units.length;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (st.needed === 0) {
      if (b < 0x80) units[u++] = b;
      else if (b >= 0xc2 && b <= 0xdf) {
        st.needed = 1;
        st.codePoint = b & 0x1f;
      } else if (b >= 0xe0 && b <= 0xef) {
        if (b === 0xe0) st.lower = 0xa0;
        if (b === 0xed) st.upper = 0x9f;
        st.needed = 2;
        st.codePoint = b & 0xf;
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b === 0xf0) st.lower = 0x90;
        if (b === 0xf4) st.upper = 0x8f;
        st.needed = 3;
        st.codePoint = b & 0x7;
      } else {
        if (fatal) return ERROR;
        units[u++] = 0xfffd;
      }
      continue;
    }
    if (b < st.lower || b > st.upper) {
      st.codePoint = st.needed = st.seen = 0;
      st.lower = 0x80;
      st.upper = 0xbf;
      if (fatal) return ERROR;
      units[u++] = 0xfffd;
      i--; // the byte starts over
      continue;
    }
    st.lower = 0x80;
    st.upper = 0xbf;
    st.codePoint = (st.codePoint << 6) | (b & 0x3f);
    if (++st.seen !== st.needed) continue;
    const cp = st.codePoint;
    st.codePoint = st.needed = st.seen = 0;
    if (cp > 0xffff) {
      units[u++] = 0xd800 + ((cp - 0x10000) >> 10);
      units[u++] = 0xdc00 + ((cp - 0x10000) & 0x3ff);
    } else units[u++] = cp;
  }
  if (flush && st.needed !== 0) {
    st.codePoint = st.needed = st.seen = 0;
    st.lower = 0x80;
    st.upper = 0xbf;
    if (fatal) return ERROR;
    units[u++] = 0xfffd;
  }
  return u;
}

/** UTF-8 decode without BOM handling, replacing errors (what URL parsing uses). */
export function utf8DecodeLossy(bytes: Uint8Array): string {
  const units: number[] = [];
  const n = decodeInto(new Utf8State(), bytes, units, false, true);
  return unitsToString(units, n);
}

/** True if `bytes` is valid UTF-8. */
export function isValidUtf8(bytes: Uint8Array): boolean {
  return decodeInto(new Utf8State(), bytes, [], true, true) !== ERROR;
}

export class TextEncoder {
  get encoding(): string {
    return 'utf-8';
  }
  encode(input: unknown = ''): Uint8Array {
    return utf8Encode(`${input as string}`);
  }
  encodeInto(source: unknown, destination: Uint8Array): { read: number; written: number } {
    const src = `${source as string}`;
    const dest = bytesOf(destination);
    if (dest === undefined || !(destination instanceof Uint8Array)) throw new TypeError('The "dest" argument must be an instance of Uint8Array.');
    let read = 0;
    let written = 0;
    const n = src.length;
    const cap = dest.length;
    while (read < n) {
      let c = charCodeAt(src, read);
      let units = 1;
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = read + 1 < n ? charCodeAt(src, read + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          units = 2;
        } else c = 0xfffd;
      }
      const size = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
      if (written + size > cap) break;
      if (size === 1) dest[written] = c;
      else if (size === 2) {
        dest[written] = 0xc0 | (c >> 6);
        dest[written + 1] = 0x80 | (c & 0x3f);
      } else if (size === 3) {
        dest[written] = 0xe0 | (c >> 12);
        dest[written + 1] = 0x80 | ((c >> 6) & 0x3f);
        dest[written + 2] = 0x80 | (c & 0x3f);
      } else {
        dest[written] = 0xf0 | (c >> 18);
        dest[written + 1] = 0x80 | ((c >> 12) & 0x3f);
        dest[written + 2] = 0x80 | ((c >> 6) & 0x3f);
        dest[written + 3] = 0x80 | (c & 0x3f);
      }
      written += size;
      read += units;
    }
    return { read, written };
  }
}
setToStringTag(TextEncoder, 'TextEncoder');

export class TextDecoder {
  readonly #fatal: boolean;
  readonly #ignoreBOM: boolean;
  #state = new Utf8State();
  #bomSeen = false;
  #doNotFlush = false;

  constructor(label: unknown = 'utf-8', options: { fatal?: boolean; ignoreBOM?: boolean } | undefined = undefined) {
    const name = toLowerCase(trimAscii(`${label as string}`));
    if (!UTF8_LABELS.includes(name)) throw new RangeError(`The "${label as string}" encoding is not supported`);
    if (options !== undefined && options !== null && typeof options !== 'object' && typeof options !== 'function') {
      throw new TypeError('The "options" argument must be of type object.');
    }
    this.#fatal = Boolean(options?.fatal);
    this.#ignoreBOM = Boolean(options?.ignoreBOM);
  }

  get encoding(): string {
    return 'utf-8';
  }
  get fatal(): boolean {
    return this.#fatal;
  }
  get ignoreBOM(): boolean {
    return this.#ignoreBOM;
  }

  decode(input: unknown = undefined, options: { stream?: boolean } | undefined = undefined): string {
    let bytes: Uint8Array;
    if (input === undefined || input === null) bytes = new Uint8Array(0);
    else {
      const b = bytesOf(input);
      if (b === undefined) throw new TypeError('The "input" argument must be an instance of ArrayBuffer or ArrayBufferView.');
      bytes = b;
    }
    if (!this.#doNotFlush) {
      this.#state = new Utf8State();
      this.#bomSeen = false;
    }
    const stream = Boolean(options?.stream);
    this.#doNotFlush = stream;
    const units: number[] = [];
    const n = decodeInto(this.#state, bytes, units, this.#fatal, !stream);
    if (n === ERROR) {
      this.#state = new Utf8State();
      this.#doNotFlush = false;
      throw new TypeError('The encoded data was not valid for encoding utf-8');
    }
    let start = 0;
    if (!this.#ignoreBOM && !this.#bomSeen && n > 0) {
      this.#bomSeen = true;
      if (units[0] === 0xfeff) start = 1;
    }
    const text = unitsToString(units, n);
    return start === 0 ? text : strSlice(text, 1);
  }
}
setToStringTag(TextDecoder, 'TextDecoder');

function trimAscii(s: string): string {
  let a = 0;
  let b = s.length;
  const ws = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;
  while (a < b && ws(charCodeAt(s, a))) a++;
  while (b > a && ws(charCodeAt(s, b - 1))) b--;
  return strSlice(s, a, b);
}
