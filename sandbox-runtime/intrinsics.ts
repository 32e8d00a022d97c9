// The builtins the runtime uses, taken when the runtime starts, before any plugin code runs. A
// plugin's module body may replace globals (JSON, Promise, Map), prototype methods (Array.prototype
// .push, Promise.prototype.then, the array iterator) or add setters to prototypes; the runtime then
// still walks, measures and answers with the originals. So runtime code never looks a builtin up at
// call time: it calls these, never uses for…of, spread or destructuring on data a plugin can reach
// (they go through the replaceable iterator protocol), and builds its own records with `record()`
// (no prototype, so no inherited setter or getter is ever met).

const R = Reflect;
export const apply = R.apply;
export const ownKeys = R.ownKeys;
export const getPrototypeOf = R.getPrototypeOf;
export const defineProperty = R.defineProperty;
export const getOwnPropertyDescriptor = R.getOwnPropertyDescriptor;
export const construct = R.construct;

const O = Object;
export const objectCreate = O.create;
export const freeze = O.freeze;

export const isArray = Array.isArray;
const ArrayCtor = Array;
export const $String = String;
export const $Error = Error;
export const $TypeError = TypeError;
export const $Proxy = Proxy;
export const $Promise = Promise;
export const $Symbol = Symbol;
export const symbolToPrimitive = Symbol.toPrimitive;
export const ObjectPrototype = Object.prototype;
export const ArrayPrototype = Array.prototype;
export const $Uint8Array = Uint8Array;
export const $ArrayBuffer = ArrayBuffer;
export const $Date = Date;
export const $RegExp = RegExp;
export const isView = ArrayBuffer.isView;

/** fn(...) with `self` as this, whatever the plugin did to Function.prototype.call/apply. */
function uncurry<A extends unknown[], T>(fn: (...args: A) => T): (self: unknown, ...args: A) => T {
  return (self, ...args) => apply(fn as (...a: unknown[]) => T, self, args);
}

function getterOf(proto: object, name: string): (self: unknown) => unknown {
  const d = getOwnPropertyDescriptor(proto, name);
  const get = d?.get;
  if (!get) throw new Error(`sandbox runtime: no getter ${name}`);
  return (self) => apply(get, self, []);
}

// Strings
export const stringSlice = uncurry(String.prototype.slice);
export const stringCharCodeAt = uncurry(String.prototype.charCodeAt);
export const stringIndexOf = uncurry(String.prototype.indexOf);
export const stringToLowerCase = uncurry(String.prototype.toLowerCase);

// Arrays the runtime owns (plain arrays; writes by defineProperty, never by [[Set]])
export function newArray<T>(): T[] {
  return new ArrayCtor<T>();
}
export function arrayPush<T>(a: T[], v: T): void {
  defineProperty(a, a.length, { value: v, writable: true, enumerable: true, configurable: true });
}
export function arraySet<T>(a: T[], i: number, v: T): void {
  defineProperty(a, i, { value: v, writable: true, enumerable: true, configurable: true });
}
export const arrayPop = uncurry(Array.prototype.pop) as <T>(a: T[]) => T | undefined;
export const arrayJoin = uncurry(Array.prototype.join) as (a: unknown[], sep: string) => string;

/** A fresh object without a prototype, with these own data properties. */
export function record<T extends object>(fields: T): T {
  const out = objectCreate(null) as T;
  const keys = ownKeys(fields);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    defineProperty(out, k, { value: (fields as Record<PropertyKey, unknown>)[k], writable: true, enumerable: true, configurable: true });
  }
  return out;
}

// Map and Set
const MapCtor = Map;
const SetCtor = Set;
const mapGet = uncurry(Map.prototype.get);
const mapSet = uncurry(Map.prototype.set);
const mapHas = uncurry(Map.prototype.has);
const mapDelete = uncurry(Map.prototype.delete);
const mapSize = getterOf(Map.prototype, 'size') as (m: unknown) => number;
const setAdd = uncurry(Set.prototype.add);
const setHas = uncurry(Set.prototype.has);
const setDelete = uncurry(Set.prototype.delete);

/** A Map whose methods no plugin can replace. */
export class SafeMap<K, V> {
  readonly #m = new MapCtor<K, V>();
  get(k: K): V | undefined {
    return mapGet(this.#m, k) as V | undefined;
  }
  set(k: K, v: V): void {
    mapSet(this.#m, k, v);
  }
  has(k: K): boolean {
    return mapHas(this.#m, k);
  }
  delete(k: K): void {
    mapDelete(this.#m, k);
  }
  get size(): number {
    return mapSize(this.#m);
  }
}

/** A Set whose methods no plugin can replace. */
export class SafeSet<T> {
  readonly #s = new SetCtor<T>();
  constructor(items?: readonly T[]) {
    if (items) for (let i = 0; i < items.length; i++) setAdd(this.#s, items[i]!);
  }
  add(v: T): void {
    setAdd(this.#s, v);
  }
  has(v: T): boolean {
    return setHas(this.#s, v);
  }
  delete(v: T): void {
    setDelete(this.#s, v);
  }
}

// Promises: `new $Promise` and these, never `.then` or Promise.resolve looked up at call time
const promiseThen = uncurry(Promise.prototype.then) as
  (p: Promise<unknown>, ok: (v: unknown) => void, fail: (e: unknown) => void) => Promise<unknown>;
const promiseResolve = Promise.resolve;
/** Runs ok/fail when `value` (a plugin's return value, maybe a thenable) settles. */
export function whenSettled(value: unknown, ok: (v: unknown) => void, fail: (e: unknown) => void): void {
  let p: Promise<unknown>;
  try {
    p = apply(promiseResolve, $Promise, [value]);
  } catch (err) {
    // a thenable whose `then` getter throws: Promise.resolve throws synchronously for a native
    // promise with a throwing `constructor` getter
    fail(err);
    return;
  }
  void promiseThen(p, ok, fail); // `fail` handles the rejection; the derived promise carries nothing
}

// Typed arrays and buffers: brand checks by internal slots, never by instanceof
const TypedArrayPrototype = getPrototypeOf(Uint8Array.prototype) as object;
const typedArrayByteLength = getterOf(TypedArrayPrototype, 'byteLength') as (v: unknown) => number;
const typedArrayByteOffset = getterOf(TypedArrayPrototype, 'byteOffset') as (v: unknown) => number;
const typedArrayBuffer = getterOf(TypedArrayPrototype, 'buffer') as (v: unknown) => ArrayBuffer;
const dataViewByteLength = getterOf(DataView.prototype, 'byteLength') as (v: unknown) => number;
const dataViewByteOffset = getterOf(DataView.prototype, 'byteOffset') as (v: unknown) => number;
const dataViewBuffer = getterOf(DataView.prototype, 'buffer') as (v: unknown) => ArrayBuffer;
const arrayBufferByteLength = getterOf(ArrayBuffer.prototype, 'byteLength') as (v: unknown) => number;
const arrayBufferSlice = uncurry(ArrayBuffer.prototype.slice);
const dateGetTime = uncurry(Date.prototype.getTime);

function brand<T>(read: () => T): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}

/** Bytes of a typed array, DataView or ArrayBuffer, or null if `v` is none of them. */
export function viewBytes(v: object): { buffer: ArrayBuffer; offset: number; length: number } | null {
  if (isView(v)) {
    const typed = brand(() => typedArrayByteLength(v));
    if (typed !== null) return { buffer: typedArrayBuffer(v), offset: typedArrayByteOffset(v), length: typed };
    return { buffer: dataViewBuffer(v), offset: dataViewByteOffset(v), length: dataViewByteLength(v) };
  }
  const length = brand(() => arrayBufferByteLength(v));
  return length === null ? null : { buffer: v as ArrayBuffer, offset: 0, length };
}

/** A fresh Uint8Array holding a copy of exactly these bytes (not the whole buffer behind a view). */
export function copyBytes(b: { buffer: ArrayBuffer; offset: number; length: number }): Uint8Array {
  return new $Uint8Array(arrayBufferSlice(b.buffer, b.offset, b.offset + b.length));
}

export function isDate(v: object): boolean {
  return brand(() => dateGetTime(v)) !== null;
}

export const jsonStringify = JSON.stringify;
