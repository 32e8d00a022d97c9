// Builtins the Web APIs use, captured when the runtime installs them (before any plugin code), so a
// plugin that later replaces String.prototype.charCodeAt & co. does not change how they behave.
// (Each instance has its own isolate: a plugin can only ever break its own copy anyway.)
const { apply } = Reflect;
const proto = <T extends object>(o: T): T => o;

const S = proto(String.prototype);
const _charCodeAt = S.charCodeAt;
const _toLowerCase = S.toLowerCase;
const _toWellFormed = S.toWellFormed;
const _normalize = S.normalize;
const _slice = S.slice;

export const fromCharCode = String.fromCharCode;
export const charCodeAt = (s: string, i: number): number => apply(_charCodeAt, s, [i]);
export const toLowerCase = (s: string): string => apply(_toLowerCase, s, []);
export const toWellFormed = (s: string): string => apply(_toWellFormed, s, []);
export const normalizeNFC = (s: string): string => apply(_normalize, s, ['NFC']);
export const strSlice = (s: string, a: number, b?: number): string => apply(_slice, s, b === undefined ? [a] : [a, b]);

/** String of UTF-16 code units, built in chunks (fromCharCode takes a bounded argument list). */
export function unitsToString(units: number[] | Uint16Array, length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 8192) {
    const end = i + 8192 < length ? i + 8192 : length;
    const chunk: number[] = [];
    for (let j = i; j < end; j++) chunk[j - i] = units[j]!;
    out += apply(fromCharCode, undefined, chunk);
  }
  return out;
}

const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype) as object;
const typedArrayTag = Object.getOwnPropertyDescriptor(TypedArrayProto, Symbol.toStringTag)!.get!;
const typedArrayBuffer = Object.getOwnPropertyDescriptor(TypedArrayProto, 'buffer')!.get!;
const typedArrayOffset = Object.getOwnPropertyDescriptor(TypedArrayProto, 'byteOffset')!.get!;
const typedArrayByteLength = Object.getOwnPropertyDescriptor(TypedArrayProto, 'byteLength')!.get!;
const dataViewBuffer = Object.getOwnPropertyDescriptor(DataView.prototype, 'buffer')!.get!;
const dataViewOffset = Object.getOwnPropertyDescriptor(DataView.prototype, 'byteOffset')!.get!;
const dataViewByteLength = Object.getOwnPropertyDescriptor(DataView.prototype, 'byteLength')!.get!;
const arrayBufferByteLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength')!.get!;
export const isView = ArrayBuffer.isView;

/** The typed array's constructor name ('Uint8Array', …), or undefined for anything else (unspoofable). */
export function typedArrayKind(v: unknown): string | undefined {
  return apply(typedArrayTag, v, []) as string | undefined;
}

function brand(getter: () => unknown, v: unknown): boolean {
  try {
    apply(getter, v, []);
    return true;
  } catch {
    return false;
  }
}
export const isArrayBuffer = (v: unknown): v is ArrayBuffer => brand(arrayBufferByteLength, v);
export const isDataView = (v: unknown): v is DataView => brand(dataViewByteLength, v);

/** Bytes of a BufferSource as a Uint8Array over the same memory, or undefined if it is not one. */
export function bytesOf(v: unknown): Uint8Array | undefined {
  if (typedArrayKind(v) !== undefined) {
    const buffer = apply(typedArrayBuffer, v, []) as ArrayBuffer;
    return new Uint8Array(buffer, apply(typedArrayOffset, v, []) as number, apply(typedArrayByteLength, v, []) as number);
  }
  if (isDataView(v)) {
    const buffer = apply(dataViewBuffer, v, []) as ArrayBuffer;
    return new Uint8Array(buffer, apply(dataViewOffset, v, []) as number, apply(dataViewByteLength, v, []) as number);
  }
  // no SharedArrayBuffer: the sandbox does not offer it (uncounted-memory.ts)
  if (isArrayBuffer(v)) return new Uint8Array(v);
  return undefined;
}

export function viewByteLength(v: unknown): number {
  return apply(typedArrayByteLength, v, []) as number;
}

/** Defines globals as the Web platform does: writable, configurable, not enumerable. */
export function defineGlobals(values: Record<string, unknown>): void {
  for (const name of Object.keys(values)) {
    Object.defineProperty(globalThis, name, { value: values[name], writable: true, configurable: true, enumerable: false });
  }
}

export function setToStringTag(ctor: { prototype: object }, tag: string): void {
  Object.defineProperty(ctor.prototype, Symbol.toStringTag, { value: tag, configurable: true });
}
