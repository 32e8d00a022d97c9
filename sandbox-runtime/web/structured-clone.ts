// structuredClone: the HTML structured serialize/deserialize in one pass, for what exists in the
// sandbox: primitives, wrappers, Date, RegExp, ArrayBuffer and views, Map, Set, Error types, arrays
// and plain objects, with cycles and shared references kept. Functions, symbols and objects
// with hidden state (WeakMap, Promise, …) throw a DataCloneError. No transfer list.
import { DOMException } from './dom-exception.ts';
import { isArrayBuffer, isDataView, typedArrayKind } from './primordials.ts';

const { apply, ownKeys, getPrototypeOf } = Reflect;
const getOwn = Object.getOwnPropertyDescriptor;
const isArray = Array.isArray;

function getter(proto: object, name: string | symbol): (...a: unknown[]) => unknown {
  return getOwn(proto, name)!.get as (...a: unknown[]) => unknown;
}
const dateValue = Date.prototype.getTime;
const mapSize = getter(Map.prototype, 'size');
const setSize = getter(Set.prototype, 'size');
const mapEntries = Map.prototype.entries;
const setValues = Set.prototype.values;
const mapSet = Map.prototype.set;
const setAdd = Set.prototype.add;
const mapGet = Map.prototype.get;
const mapHas = Map.prototype.has;
const regexpSource = getter(RegExp.prototype, 'source');
const regexpFlags = getter(RegExp.prototype, 'flags');
const abSlice = ArrayBuffer.prototype.slice;
const abByteLength = getter(ArrayBuffer.prototype, 'byteLength');
const taBuffer = getter(getPrototypeOf(Uint8Array.prototype) as object, 'buffer');
const taOffset = getter(getPrototypeOf(Uint8Array.prototype) as object, 'byteOffset');
const taLength = getter(getPrototypeOf(Uint8Array.prototype) as object, 'length');
const dvBuffer = getter(DataView.prototype, 'buffer');
const dvOffset = getter(DataView.prototype, 'byteOffset');
const dvLength = getter(DataView.prototype, 'byteLength');
const numberValue = Number.prototype.valueOf;
const stringValue = String.prototype.valueOf;
const booleanValue = Boolean.prototype.valueOf;
const bigintValue = BigInt.prototype.valueOf;
const weakMapHas: Function = WeakMap.prototype.has;
const weakSetHas: Function = WeakSet.prototype.has;
const weakRefDeref = WeakRef.prototype.deref;
const promiseThen = Promise.prototype.then;
const errorProto = Error.prototype;
const objectProto = Object.prototype;
const iterNext = (it: Iterator<unknown>) => it.next();

const TYPED: Record<string, new (b: ArrayBuffer, o: number, l: number) => unknown> = {
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array,
};
if (typeof (globalThis as Record<string, unknown>).Float16Array === 'function') {
  TYPED.Float16Array = (globalThis as Record<string, unknown>).Float16Array as (typeof TYPED)[string];
}
const ERRORS: Record<string, ErrorConstructor> = {
  Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError,
};

function is(fn: Function, v: unknown, args: unknown[] = []): boolean {
  try {
    apply(fn, v, args);
    return true;
  } catch {
    return false;
  }
}

function uncloneable(what: string): DOMException {
  return new DOMException(`${what} could not be cloned.`, 'DataCloneError');
}

export function structuredClone(...args: [value?: unknown, options?: { transfer?: unknown[] }]): unknown {
  if (args.length === 0) throw new TypeError('The "value" argument must be specified');
  const [value, options] = args;
  if (options?.transfer !== undefined && options.transfer.length > 0) {
    throw new DOMException('structuredClone: a transfer list is not supported in the sandbox', 'DataCloneError');
  }
  return clone(value, new Map());
}

function clone(v: unknown, memo: Map<object, unknown>): unknown {
  const t = typeof v;
  if (t === 'symbol') throw uncloneable(`Symbol(${(v as symbol).description ?? ''})`);
  if (t === 'function') throw uncloneable(describeFunction(v as { name?: unknown }));
  if (v === null || t !== 'object') return v;
  const o = v as object;
  if (apply(mapHas, memo, [o])) return apply(mapGet, memo, [o]);
  const remember = <T>(copy: T): T => {
    apply(mapSet, memo, [o, copy]);
    return copy;
  };
  if (is(dateValue, o)) return remember(new Date(apply(dateValue, o, [])));
  if (is(regexpSource, o)) return remember(new RegExp(apply(regexpSource, o, []) as string, apply(regexpFlags, o, []) as string));
  if (is(numberValue, o)) return remember(Object(apply(numberValue, o, [])));
  if (is(stringValue, o)) return remember(Object(apply(stringValue, o, [])));
  if (is(booleanValue, o)) return remember(Object(apply(booleanValue, o, [])));
  if (is(bigintValue, o)) return remember(Object(apply(bigintValue, o, [])));
  if (isArrayBuffer(o)) return remember(apply(abSlice, o, [0, apply(abByteLength, o, [])]));
  const kind = typedArrayKind(o);
  if (kind !== undefined) {
    const buffer = clone(apply(taBuffer, o, []), memo) as ArrayBuffer;
    return remember(new TYPED[kind]!(buffer, apply(taOffset, o, []) as number, apply(taLength, o, []) as number));
  }
  if (isDataView(o)) {
    const buffer = clone(apply(dvBuffer, o, []), memo) as ArrayBuffer;
    return remember(new DataView(buffer, apply(dvOffset, o, []) as number, apply(dvLength, o, []) as number));
  }
  if (is(mapSize, o)) {
    const copy = remember(new Map());
    const entries: [unknown, unknown][] = [];
    const it = apply(mapEntries, o, []) as Iterator<[unknown, unknown]>;
    for (let r = iterNext(it); !r.done; r = iterNext(it)) entries[entries.length] = r.value as [unknown, unknown];
    for (const [k, val] of entries) apply(mapSet, copy, [clone(k, memo), clone(val, memo)]);
    return copy;
  }
  if (is(setSize, o)) {
    const copy = remember(new Set());
    const values: unknown[] = [];
    const it = apply(setValues, o, []) as Iterator<unknown>;
    for (let r = iterNext(it); !r.done; r = iterNext(it)) values[values.length] = r.value;
    for (const val of values) apply(setAdd, copy, [clone(val, memo)]);
    return copy;
  }
  if (is(weakMapHas, o, [{}]) || is(weakSetHas, o, [{}]) || is(weakRefDeref, o) || isPromise(o)) {
    throw uncloneable(`#<${constructorName(o)}>`);
  }
  if (isError(o)) return cloneError(o as Error, memo, remember);
  if (isArray(o)) {
    const copy = remember(new Array((o as unknown[]).length));
    copyProperties(o, copy, memo);
    return copy;
  }
  const copy = remember({});
  copyProperties(o, copy, memo);
  return copy;
}

function isPromise(o: object): boolean {
  // `then` on a non-promise throws before calling anything (on a promise, the no-op handler keeps
  // the derived promise from reporting a rejection)
  try {
    void apply(promiseThen, o, [undefined, ignore]);
    return true;
  } catch {
    return false;
  }
}

function ignore(): void {}

function isError(o: object): boolean {
  for (let p = getPrototypeOf(o); p !== null; p = getPrototypeOf(p)) if (p === errorProto) return true;
  return false;
}

function cloneError(e: Error, memo: Map<object, unknown>, remember: <T>(c: T) => T): Error {
  const name = e.name;
  const Ctor = typeof name === 'string' && Object.hasOwn(ERRORS, name) ? ERRORS[name]! : Error;
  const copy = remember(Object.create(Ctor.prototype) as Error);
  const message = getOwn(e, 'message');
  if (message && 'value' in message) {
    Object.defineProperty(copy, 'message', { value: `${message.value as string}`, writable: true, configurable: true, enumerable: false });
  }
  // V8 makes `stack` an own accessor of the error: read it, as V8's serializer does
  const stack = getOwn(e, 'stack') ? e.stack : undefined;
  if (typeof stack === 'string') Object.defineProperty(copy, 'stack', { value: stack, writable: true, configurable: true, enumerable: false });
  const cause = getOwn(e, 'cause');
  if (cause && 'value' in cause) {
    Object.defineProperty(copy, 'cause', { value: clone(cause.value, memo), writable: true, configurable: true, enumerable: false });
  }
  return copy;
}

/** Own enumerable string-keyed properties, read through getters as the spec does. */
function copyProperties(from: object, to: object, memo: Map<object, unknown>): void {
  const keys = ownKeys(from);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (typeof k !== 'string') continue;
    const d = getOwn(from, k);
    if (!d || !d.enumerable) continue;
    // defined, not assigned: a key named __proto__ is data, never the prototype
    const value = clone((from as Record<string, unknown>)[k], memo);
    Object.defineProperty(to, k, { value, writable: true, enumerable: true, configurable: true });
  }
}

function constructorName(o: object): string {
  const p = getPrototypeOf(o) as { constructor?: { name?: unknown } } | null;
  const n = p === null || p === objectProto ? 'Object' : p.constructor?.name;
  return typeof n === 'string' ? n : 'Object';
}

function describeFunction(f: { name?: unknown }): string {
  return typeof f.name === 'string' && f.name !== '' ? `function ${f.name}` : 'function';
}
