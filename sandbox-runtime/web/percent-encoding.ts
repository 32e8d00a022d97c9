// The URL standard's percent-encode sets and percent-decoding (UTF-8).
import { utf8Encode } from './text-encoding.ts';
import { charCodeAt, unitsToString } from './primordials.ts';

export type EncodeSet = (c: number) => boolean;

export const c0ControlSet: EncodeSet = (c) => c < 0x20 || c > 0x7e;
export const fragmentSet: EncodeSet = (c) => c0ControlSet(c) || c === 0x20 || c === 0x22 || c === 0x3c || c === 0x3e || c === 0x60;
export const querySet: EncodeSet = (c) => c0ControlSet(c) || c === 0x20 || c === 0x22 || c === 0x23 || c === 0x3c || c === 0x3e;
export const specialQuerySet: EncodeSet = (c) => querySet(c) || c === 0x27;
export const pathSet: EncodeSet = (c) => querySet(c) || c === 0x3f || c === 0x5e || c === 0x60 || c === 0x7b || c === 0x7d;
export const userinfoSet: EncodeSet = (c) =>
  pathSet(c) || c === 0x2f || c === 0x3a || c === 0x3b || c === 0x3d || c === 0x40 || (c >= 0x5b && c <= 0x5d) || c === 0x7c;
export const componentSet: EncodeSet = (c) => userinfoSet(c) || (c >= 0x24 && c <= 0x26) || c === 0x2b || c === 0x2c;

const HEX = '0123456789ABCDEF';

function pushByte(out: number[], b: number): void {
  out[out.length] = 0x25;
  out[out.length] = charCodeAt(HEX, b >> 4);
  out[out.length] = charCodeAt(HEX, b & 15);
}

/** `s` with every code point in `set` percent-encoded as UTF-8 (lone surrogates as U+FFFD). */
export function percentEncode(s: string, set: EncodeSet, spaceAsPlus = false): string {
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    const c = charCodeAt(s, i);
    if (set(c) || (spaceAsPlus && c === 0x20)) {
      plain = false;
      break;
    }
  }
  if (plain) return s;
  const bytes = utf8Encode(s);
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (spaceAsPlus && b === 0x20) out[out.length] = 0x2b;
    else if (set(b)) pushByte(out, b);
    else out[out.length] = b;
  }
  return unitsToString(out, out.length);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Percent-decodes the UTF-8 bytes of `s` (a malformed %xx stays as it is). */
export function percentDecode(s: string): Uint8Array {
  const bytes = utf8Encode(s);
  const out = new Uint8Array(bytes.length);
  let w = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x25 && i + 2 < bytes.length) {
      const h = hexValue(bytes[i + 1]!);
      const l = hexValue(bytes[i + 2]!);
      if (h >= 0 && l >= 0) {
        out[w++] = (h << 4) | l;
        i += 2;
        continue;
      }
    }
    out[w++] = b;
  }
  return out.subarray(0, w);
}

/** application/x-www-form-urlencoded (URLSearchParams; space becomes '+') */
export const formSet: EncodeSet = (c) => componentSet(c) || c === 0x21 || (c >= 0x27 && c <= 0x29) || c === 0x7e;
