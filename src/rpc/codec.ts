// The MessagePack codec with every interop option pinned, for what Kong's lua-MessagePack writes
// and reads (docs/protocol.md, "Encoding"). msgpackr, because it keeps every map key (a header
// named __proto__ must not break a connection).
// The plain entry points, not 'msgpackr': its Node entry installs msgpackr-extract, whose string
// pre-scan fails a whole buffer when a later frame in it is cut mid-string, holding back the
// complete frames before it.
import { Packr } from 'msgpackr/pack';
import * as unpackModule from 'msgpackr/unpack';

const { Unpackr } = unpackModule;
/** what msgpackr returns for the never-used byte 0xc1 (missing from its unpack typings) */
const C1 = (unpackModule as unknown as { C1: unknown }).C1;

const packr = new Packr({
  useRecords: false, // plain maps only: Kong's lua-MessagePack knows no msgpackr records
  encodeUndefinedAsNil: true,
  variableMapSize: true, // smallest map header, as every other msgpack writer does
  moreTypes: false,
  bundleStrings: false,
});

// mapsAsObjects:false keeps every key exactly ("__proto__" included); toPlain() then builds
// null-prototype objects so no key can reach a prototype.
// copyBuffers: bin values are copies, never views into a receive buffer that is reused later.
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: false, int64AsType: 'number', copyBuffers: true });

export function encode(value: unknown): Buffer {
  return packr.pack(value);
}

/** Turns decoded Maps into null-prototype objects, recursively. Keys become strings. */
export function toPlain(value: unknown): unknown {
  if (value === C1) throw new Error('byte 0xc1 is never used in MessagePack');
  if (value instanceof Map) {
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, v] of value) {
      Object.defineProperty(out, String(k), { value: toPlain(v), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = toPlain(value[i]);
    return value;
  }
  return value;
}

/** Decodes one value keeping Maps (for repairs before toPlain). */
export function decodeRaw(buf: Buffer): unknown {
  return unpackr.unpack(buf);
}

/** Decodes exactly one value (tests, dumps). */
export function decodeOne(buf: Buffer): unknown {
  return toPlain(unpackr.unpack(buf));
}
