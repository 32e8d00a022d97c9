// A small MessagePack writer that produces the bytes Kong's lua-MessagePack produces with Kong's
// settings (docs/protocol.md, "Encoding"): string_compat (fixstr, then str16/str32, never str8), unsigned
// integers in the smallest width, float64 for every non-integral number, arrays and maps in the
// smallest header. It is independent of both codecs under test, so unit tests can feed the server
// exactly what Kong writes.
import fc from 'fast-check';

/** Raw bytes Kong sends as bin (raw bodies in Kong >= 3.0). */
export class Bin {
  readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
}

export type LuaValue = null | boolean | number | string | Bin | LuaValue[] | { [key: string]: LuaValue };

export interface LuaPackOptions {
  /** write every string as str16, even the ones that fit a fixstr (any decoder must accept that) */
  str16Always?: boolean;
}

export function luaPack(value: LuaValue, opts: LuaPackOptions = {}): Buffer {
  const out: number[] = [];
  write(value, out, opts);
  return Buffer.from(out);
}

function u16(n: number, out: number[]): void {
  out.push((n >>> 8) & 0xff, n & 0xff);
}

function u32(n: number, out: number[]): void {
  out.push((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/** The 16- or 32-bit length header (`tag16`, `tag32`), for a length past the type's small form. */
function wideLength(n: number, tag16: number, tag32: number, out: number[]): void {
  if (n <= 0xffff) {
    out.push(tag16);
    u16(n, out);
  } else {
    out.push(tag32);
    u32(n, out);
  }
}

function i64(n: number, out: number[], unsigned: boolean): void {
  const b = Buffer.alloc(8);
  if (unsigned) b.writeBigUInt64BE(BigInt(n));
  else b.writeBigInt64BE(BigInt(n));
  out.push(...b);
}

function writeString(s: string, out: number[], opts: LuaPackOptions): void {
  const bytes = Buffer.from(s, 'utf8');
  const n = bytes.length;
  if (n <= 0x1f && !opts.str16Always) out.push(0xa0 | n);
  else wideLength(n, 0xda, 0xdb, out);
  for (const b of bytes) out.push(b);
}

function writeNumber(n: number, out: number[]): void {
  // lua-MessagePack packs integral numbers inside the integer range as integers, the rest as double
  if (Number.isSafeInteger(n) && !Object.is(n, -0)) {
    if (n >= 0) {
      if (n <= 0x7f) out.push(n);
      else if (n <= 0xff) out.push(0xcc, n);
      else if (n <= 0xffff) {
        out.push(0xcd);
        u16(n, out);
      } else if (n <= 0xffffffff) {
        out.push(0xce);
        u32(n, out);
      } else {
        out.push(0xcf);
        i64(n, out, true);
      }
      return;
    }
    if (n >= -0x20) out.push(n & 0xff);
    else if (n >= -0x80) out.push(0xd0, n & 0xff);
    else if (n >= -0x8000) {
      out.push(0xd1);
      u16(n & 0xffff, out);
    } else if (n >= -0x80000000) {
      out.push(0xd2);
      u32(n >>> 0, out);
    } else {
      out.push(0xd3);
      i64(n, out, false);
    }
    return;
  }
  const b = Buffer.alloc(9);
  b[0] = 0xcb;
  b.writeDoubleBE(n, 1);
  out.push(...b);
}

function write(v: LuaValue, out: number[], opts: LuaPackOptions): void {
  if (v === null) out.push(0xc0);
  else if (v === false) out.push(0xc2);
  else if (v === true) out.push(0xc3);
  else if (typeof v === 'number') writeNumber(v, out);
  else if (typeof v === 'string') writeString(v, out, opts);
  else if (v instanceof Bin) {
    const n = v.bytes.length;
    if (n <= 0xff) out.push(0xc4, n);
    else wideLength(n, 0xc5, 0xc6, out);
    for (const b of v.bytes) out.push(b);
  } else if (Array.isArray(v)) {
    const n = v.length;
    if (n <= 0x0f) out.push(0x90 | n);
    else wideLength(n, 0xdc, 0xdd, out);
    for (const item of v) write(item, out, opts);
  } else {
    const keys = Object.keys(v);
    const n = keys.length;
    if (n <= 0x0f) out.push(0x80 | n);
    else wideLength(n, 0xde, 0xdf, out);
    for (const k of keys) {
      writeString(k, out, opts);
      // an own "__proto__" key is read as a data property, never through the accessor
      write(Object.getOwnPropertyDescriptor(v, k)!.value as LuaValue, out, opts);
    }
  }
}

/**
 * Recursively rebuilds a decoded value for comparison: every map becomes a null-prototype object
 * (own "__proto__" keys kept as data), every Buffer/Uint8Array/Bin a plain Uint8Array, -0 becomes 0.
 */
export function normalise(v: unknown): unknown {
  if (v instanceof Bin) return new Uint8Array(v.bytes);
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (Array.isArray(v)) return v.map(normalise);
  if (typeof v === 'number' && Object.is(v, -0)) return 0;
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = Object.create(null);
    for (const k of Object.keys(v)) {
      const d = Object.getOwnPropertyDescriptor(v, k)!;
      Object.defineProperty(out, k, { value: normalise(d.value), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return v;
}

/** Builds an object from entries with defineProperty, so "__proto__" becomes an own key. */
export function objectFrom(entries: ReadonlyArray<readonly [string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, val] of entries) {
    Object.defineProperty(out, k, { value: val, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

export function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex');
}

export function ascii(s: string): string {
  return Buffer.from(s, 'latin1').toString('hex');
}

export interface LuaValueArbitraryOptions {
  /** longest string, and longest bin, generated */
  maxString: number;
  /** most items in one array, and most entries in one map */
  maxItems: number;
  /** map keys generated alongside arbitrary strings (e.g. '__proto__'); none: arbitrary strings only */
  keys?: readonly string[];
}

/**
 * Random values of the shapes Kong sends: null, booleans, safe integers, finite doubles, binary
 * strings, Bin, and nested arrays and maps (maps built with objectFrom, so '__proto__' stays data).
 */
export function luaValueArbitrary({ maxString, maxItems, keys = [] }: LuaValueArbitraryOptions): fc.Arbitrary<LuaValue> {
  const key = keys.length > 0 ? fc.oneof(fc.string(), fc.constantFrom(...keys)) : fc.string();
  return fc.letrec<{ v: LuaValue; a: LuaValue[]; o: LuaValue }>((tie) => ({
    v: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constant(null),
      fc.boolean(),
      fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.string({ unit: 'binary', maxLength: maxString }),
      fc.uint8Array({ maxLength: maxString }).map((b) => new Bin(b)),
      tie('a'),
      tie('o'),
    ),
    a: fc.array(tie('v'), { maxLength: maxItems }),
    o: fc.array(fc.tuple(key, tie('v')), { maxLength: maxItems }).map((e) => objectFrom(e) as LuaValue),
  })).v;
}
