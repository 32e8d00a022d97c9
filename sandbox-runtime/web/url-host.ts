// Host parsing of the URL standard: IPv6 in brackets, opaque hosts (non-special schemes), domains
// (percent-decoded, then domain-to-ASCII), and IPv4 in all its legacy forms (0x7f.1, 2130706433).
// Non-ASCII domains: a minimal ToASCII (NFC, lowercase, U+3002-style dots, Punycode per label),
// not the whole UTS #46 mapping table; see docs/writing-plugins.md.
import { percentDecode, percentEncode, c0ControlSet } from './percent-encoding.ts';
import { utf8DecodeLossy, isValidUtf8 } from './text-encoding.ts';
import { charCodeAt, fromCharCode, normalizeNFC, strSlice, toLowerCase } from './primordials.ts';

export const FAILURE = null;

const isForbiddenHost = (c: number) =>
  c === 0 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x20 || c === 0x23 || c === 0x2f || c === 0x3a || c === 0x3c ||
  c === 0x3e || c === 0x3f || c === 0x40 || c === 0x5b || c === 0x5c || c === 0x5d || c === 0x5e || c === 0x7c;
const isForbiddenDomain = (c: number) => isForbiddenHost(c) || c <= 0x1f || c === 0x25 || c === 0x7f;

/** The serialized host, or null on failure. */
export function parseHost(input: string, isOpaque: boolean): string | null {
  if (input !== '' && charCodeAt(input, 0) === 0x5b) {
    if (charCodeAt(input, input.length - 1) !== 0x5d) return FAILURE;
    const pieces = parseIPv6(strSlice(input, 1, input.length - 1));
    return pieces === FAILURE ? FAILURE : `[${serializeIPv6(pieces)}]`;
  }
  if (isOpaque) {
    for (let i = 0; i < input.length; i++) if (isForbiddenHost(charCodeAt(input, i))) return FAILURE;
    return percentEncode(input, c0ControlSet);
  }
  const bytes = percentDecode(input);
  if (!isValidUtf8(bytes)) return FAILURE;
  const domain = utf8DecodeLossy(bytes);
  const ascii = domainToASCII(domain);
  if (ascii === FAILURE || ascii === '') return FAILURE;
  for (let i = 0; i < ascii.length; i++) if (isForbiddenDomain(charCodeAt(ascii, i))) return FAILURE;
  if (endsInANumber(ascii)) {
    const v4 = parseIPv4(ascii);
    return v4 === FAILURE ? FAILURE : serializeIPv4(v4);
  }
  return ascii;
}

function domainToASCII(domain: string): string | null {
  let ascii = true;
  for (let i = 0; i < domain.length; i++) if (charCodeAt(domain, i) > 0x7f) ascii = false;
  if (ascii) return toLowerCase(domain);
  let mapped = '';
  const norm = toLowerCase(normalizeNFC(domain));
  for (let i = 0; i < norm.length; i++) {
    const c = charCodeAt(norm, i);
    if (isIgnored(c)) continue;
    mapped += c === 0x3002 || c === 0xff0e || c === 0xff61 ? '.' : fromCharCode(c);
  }
  const labels = split(mapped, 0x2e);
  let out = '';
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    let needs = false;
    for (let j = 0; j < label.length; j++) if (charCodeAt(label, j) > 0x7f) needs = true;
    if (i > 0) out += '.';
    if (!needs) out += label;
    else {
      const p = punycode(label);
      if (p === FAILURE) return FAILURE;
      out += `xn--${p}`;
    }
  }
  return out;
}

/** UTS #46 "ignored" code points of the BMP (soft hyphen, variation selectors, zero-width no-break space…) */
function isIgnored(c: number): boolean {
  return c === 0xad || c === 0x34f || (c >= 0x180b && c <= 0x180d) || c === 0x180f || c === 0x200b || c === 0x2060 || c === 0x2064 ||
    (c >= 0xfe00 && c <= 0xfe0f) || c === 0xfeff;
}

export function split(s: string, sep: number): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i <= s.length; i++) {
    if (i === s.length || charCodeAt(s, i) === sep) {
      parts[parts.length] = strSlice(s, start, i);
      start = i + 1;
    }
  }
  return parts;
}

/** RFC 3492 Punycode encoding of one label. */
function punycode(label: string): string | null {
  const cps: number[] = [];
  for (let i = 0; i < label.length; i++) {
    const c = charCodeAt(label, i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < label.length) {
      const d = charCodeAt(label, i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        cps[cps.length] = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        continue;
      }
    }
    cps[cps.length] = c;
  }
  const BASE = 36, TMIN = 1, TMAX = 26, SKEW = 38, DAMP = 700;
  const digit = (d: number) => fromCharCode(d < 26 ? d + 97 : d + 22);
  const adapt = (delta: number, points: number, first: boolean) => {
    delta = first ? Math.floor(delta / DAMP) : delta >> 1;
    delta += Math.floor(delta / points);
    let k = 0;
    while (delta > ((BASE - TMIN) * TMAX) >> 1) {
      delta = Math.floor(delta / (BASE - TMIN));
      k += BASE;
    }
    return k + Math.floor(((BASE - TMIN + 1) * delta) / (delta + SKEW));
  };
  let out = '';
  for (const c of cps) if (c < 0x80) out += fromCharCode(c);
  const basic = out.length;
  let handled = basic;
  if (basic > 0) out += '-';
  let n = 0x80, delta = 0, bias = 72;
  while (handled < cps.length) {
    let m = 0x7fffffff;
    for (const c of cps) if (c >= n && c < m) m = c;
    delta += (m - n) * (handled + 1);
    if (delta > 0x7fffffff) return FAILURE;
    n = m;
    for (const c of cps) {
      if (c < n) delta++;
      if (c === n) {
        let q = delta;
        for (let k = BASE; ; k += BASE) {
          const t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
          if (q < t) break;
          out += digit(t + ((q - t) % (BASE - t)));
          q = Math.floor((q - t) / (BASE - t));
        }
        out += digit(q);
        bias = adapt(delta, handled + 1, handled === basic);
        delta = 0;
        handled++;
      }
    }
    delta++;
    n++;
  }
  return out;
}

function endsInANumber(s: string): boolean {
  const parts = split(s, 0x2e);
  if (parts[parts.length - 1] === '') {
    if (parts.length === 1) return false;
    parts.length--;
  }
  const last = parts[parts.length - 1]!;
  if (last !== '') {
    let digits = true;
    for (let i = 0; i < last.length; i++) {
      const c = charCodeAt(last, i);
      if (c < 0x30 || c > 0x39) digits = false;
    }
    if (digits) return true;
  }
  return parseIPv4Number(last) !== FAILURE;
}

function parseIPv4Number(s: string): number | null {
  if (s === '') return FAILURE;
  let radix = 10;
  if (s.length >= 2 && charCodeAt(s, 0) === 0x30 && (charCodeAt(s, 1) === 0x78 || charCodeAt(s, 1) === 0x58)) {
    radix = 16;
    s = strSlice(s, 2);
  } else if (s.length >= 2 && charCodeAt(s, 0) === 0x30) {
    radix = 8;
    s = strSlice(s, 1);
  }
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const c = charCodeAt(s, i);
    let d: number;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
    else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
    else return FAILURE;
    if (d >= radix) return FAILURE;
    v = v * radix + d;
  }
  return v;
}

function parseIPv4(s: string): number | null {
  const parts = split(s, 0x2e);
  if (parts[parts.length - 1] === '' && parts.length > 1) parts.length--;
  if (parts.length > 4) return FAILURE;
  const nums: number[] = [];
  for (const p of parts) {
    const n = parseIPv4Number(p);
    if (n === FAILURE) return FAILURE;
    nums[nums.length] = n;
  }
  for (let i = 0; i < nums.length - 1; i++) if (nums[i]! > 255) return FAILURE;
  const last = nums[nums.length - 1]!;
  if (last >= 256 ** (5 - nums.length)) return FAILURE;
  let v = last;
  for (let i = 0; i < nums.length - 1; i++) v += nums[i]! * 256 ** (3 - i);
  return v;
}

function serializeIPv4(v: number): string {
  return `${Math.floor(v / 16777216) % 256}.${Math.floor(v / 65536) % 256}.${Math.floor(v / 256) % 256}.${v % 256}`;
}

function hex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

function parseIPv6(input: string): number[] | null {
  const address = [0, 0, 0, 0, 0, 0, 0, 0];
  let pieceIndex = 0;
  let compress: number | null = null;
  let p = 0;
  const len = input.length;
  const at = (i: number) => (i < len ? charCodeAt(input, i) : -1);
  if (at(p) === 0x3a) {
    if (at(p + 1) !== 0x3a) return FAILURE;
    p += 2;
    pieceIndex++;
    compress = pieceIndex;
  }
  while (at(p) !== -1) {
    if (pieceIndex === 8) return FAILURE;
    if (at(p) === 0x3a) {
      if (compress !== null) return FAILURE;
      p++;
      pieceIndex++;
      compress = pieceIndex;
      continue;
    }
    let value = 0;
    let length = 0;
    while (length < 4 && hex(at(p)) >= 0) {
      value = value * 16 + hex(at(p));
      p++;
      length++;
    }
    if (at(p) === 0x2e) {
      if (length === 0) return FAILURE;
      p -= length;
      if (pieceIndex > 6) return FAILURE;
      let numbersSeen = 0;
      while (at(p) !== -1) {
        let ipv4Piece: number | null = null;
        if (numbersSeen > 0) {
          if (at(p) === 0x2e && numbersSeen < 4) p++;
          else return FAILURE;
        }
        if (!(at(p) >= 0x30 && at(p) <= 0x39)) return FAILURE;
        while (at(p) >= 0x30 && at(p) <= 0x39) {
          const number = at(p) - 0x30;
          if (ipv4Piece === null) ipv4Piece = number;
          else if (ipv4Piece === 0) return FAILURE;
          else ipv4Piece = ipv4Piece * 10 + number;
          if (ipv4Piece > 255) return FAILURE;
          p++;
        }
        address[pieceIndex] = address[pieceIndex]! * 0x100 + ipv4Piece!;
        numbersSeen++;
        if (numbersSeen === 2 || numbersSeen === 4) pieceIndex++;
      }
      if (numbersSeen !== 4) return FAILURE;
      break;
    } else if (at(p) === 0x3a) {
      p++;
      if (at(p) === -1) return FAILURE;
    } else if (at(p) !== -1) return FAILURE;
    address[pieceIndex] = value;
    pieceIndex++;
  }
  if (compress !== null) {
    let swaps = pieceIndex - compress;
    pieceIndex = 7;
    while (pieceIndex !== 0 && swaps > 0) {
      const t = address[compress + swaps - 1]!;
      address[compress + swaps - 1] = address[pieceIndex]!;
      address[pieceIndex] = t;
      pieceIndex--;
      swaps--;
    }
  } else if (pieceIndex !== 8) return FAILURE;
  return address;
}

function serializeIPv6(a: number[]): string {
  // the first longest run of two or more zero pieces is compressed
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (a[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && a[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  let out = '';
  let ignore0 = false;
  for (let i = 0; i < 8; i++) {
    if (ignore0 && a[i] === 0) continue;
    ignore0 = false;
    if (best === i) {
      out += i === 0 ? '::' : ':';
      ignore0 = true;
      continue;
    }
    out += a[i]!.toString(16);
    if (i !== 7) out += ':';
  }
  return out;
}
