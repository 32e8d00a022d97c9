// atob and btoa, as the HTML standard defines them (forgiving-base64 decode; Latin-1 strings).
import { DOMException } from './dom-exception.ts';
import { charCodeAt, unitsToString } from './primordials.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUE = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) VALUE[charCodeAt(ALPHABET, i)] = i;
const ENCODE: number[] = [];
for (let i = 0; i < 64; i++) ENCODE[i] = charCodeAt(ALPHABET, i);

function invalid(): DOMException {
  return new DOMException('The string to be decoded is not correctly encoded.', 'InvalidCharacterError');
}

export function atob(...args: unknown[]): string {
  if (args.length === 0) throw new TypeError('The "data" argument must be specified');
  const data = `${args[0] as string}`;
  // forgiving-base64: drop ASCII whitespace, then at most two '=' at the end of a multiple of 4
  const digits: number[] = [];
  let n = 0;
  for (let i = 0; i < data.length; i++) {
    const c = charCodeAt(data, i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d) continue;
    digits[n++] = c;
  }
  if (n % 4 === 0 && n > 0 && digits[n - 1] === 0x3d) {
    n--;
    if (digits[n - 1] === 0x3d) n--;
  }
  if (n % 4 === 1) throw invalid();
  const out: number[] = [];
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < n; i++) {
    const c = digits[i]!;
    const v = c < 128 ? VALUE[c]! : -1;
    if (v < 0) throw invalid();
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return unitsToString(out, o);
}

export function btoa(...args: unknown[]): string {
  if (args.length === 0) throw new TypeError('The "data" argument must be specified');
  const data = `${args[0] as string}`;
  const n = data.length;
  const out: number[] = [];
  let o = 0;
  for (let i = 0; i < n; i += 3) {
    const a = charCodeAt(data, i);
    const b = i + 1 < n ? charCodeAt(data, i + 1) : 0;
    const c = i + 2 < n ? charCodeAt(data, i + 2) : 0;
    if (a > 0xff || b > 0xff || c > 0xff) throw new DOMException('Invalid character', 'InvalidCharacterError');
    out[o++] = ENCODE[a >> 2]!;
    out[o++] = ENCODE[((a & 3) << 4) | (b >> 4)]!;
    out[o++] = i + 1 < n ? ENCODE[((b & 15) << 2) | (c >> 6)]! : 0x3d;
    out[o++] = i + 2 < n ? ENCODE[c & 63]! : 0x3d;
  }
  return unitsToString(out, o);
}
