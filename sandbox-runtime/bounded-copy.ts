// A fresh tree copy of a plugin value, measured as the host will see it, built inside the isolate
// before anything crosses the boundary. The copy isolated-vm makes preserves shared objects but not
// shared strings, and the host writes everything out as a tree, so what counts is the tree: every
// occurrence of a shared string, object, key or byte view counts each time it appears, and the walk
// stops as soon as the budget is spent (never after a number of visits). The copy holds no getter,
// proxy or shared reference, so what isolated-vm then copies is exactly what was measured.
//
// Sizes mirror the host's toKongData (src/sandbox/kong-data.ts), never more than it counts.
import {
  $Error, $String, ObjectPrototype, SafeSet, apply, arrayPop, arrayPush, arraySet, copyBytes, defineProperty, getOwnPropertyDescriptor,
  getPrototypeOf, isArray, isDate, newArray, objectCreate, ownKeys, stringSlice, viewBytes,
} from './intrinsics.ts';

/** Deeper than this is refused (as on the host: the encoder and Kong's decoder both recurse). */
export const MAX_DEPTH = 1024;

export interface CopyRules {
  /** bytes, as the host counts them */
  limit: number;
  /** what the value is, for messages: "arguments", "metadata" */
  what: string;
  /** the flag that sets `limit`, for messages */
  flag: string;
  /**
   * 'args': own getters are called (once: the copy then holds their value) and exotic values
   * (Map, Set, Date, RegExp, Error, boxed primitives, byte views) are kept as the host expects them.
   * 'metadata': plain data only (objects, arrays, strings, numbers, booleans, null), JSON's rules
   * for the rest; a getter is refused without being called.
   */
  mode: 'args' | 'metadata';
}

/** Why a value was not copied; `tooLarge`: for the size limit (a breach), not for its shape. */
export class CopyRefusal extends $Error {
  readonly tooLarge: boolean;
  constructor(message: string, tooLarge: boolean) {
    super(message);
    this.tooLarge = tooLarge;
  }
}

const OMIT = objectCreate(null) as object;

const booleanValueOf = Boolean.prototype.valueOf;
const numberValueOf = Number.prototype.valueOf;
const stringValueOf = String.prototype.valueOf;
const regexpToString = RegExp.prototype.toString;
const regexpGlobal = getOwnPropertyDescriptor(RegExp.prototype, 'global')!.get!;
const errorPrototype = Error.prototype;
const mapForEach = Map.prototype.forEach;
const mapSize = getOwnPropertyDescriptor(Map.prototype, 'size')!.get!;
const setForEach = Set.prototype.forEach;
const setSize = getOwnPropertyDescriptor(Set.prototype, 'size')!.get!;
const weakMapHas = WeakMap.prototype.has;
const weakSetHas = WeakSet.prototype.has;
const weakRefDeref = WeakRef.prototype.deref;
const promiseThen = Promise.prototype.then;
const MapCtor = Map;
const SetCtor = Set;
const mapSet = Map.prototype.set;
const setAdd = Set.prototype.add;

/** `fn` applied to `v` if `v` has the internal slot `fn` needs, else `none`. */
function branded<T>(fn: (...a: never[]) => T, v: unknown, none: T): T {
  try {
    return apply(fn as (...a: unknown[]) => T, v, []);
  } catch {
    return none;
  }
}

function shortKey(k: string): string {
  return k.length > 40 ? `${stringSlice(k, 0, 40)}…` : k;
}

export function boundedCopy(value: unknown, rules: CopyRules): unknown {
  const { limit } = rules;
  let size = 0;
  const ancestors = new SafeSet<object>();
  const path = newArray<string>();
  const metadata = rules.mode === 'metadata';
  // where a refusal happened, for metadata only (the event path does not pay for it)
  const enter = (step: string): void => {
    if (metadata) arrayPush(path, step);
  };
  const leave = (): void => {
    if (metadata) arrayPop(path);
  };
  const where = (): string => {
    let s = '';
    for (let i = 0; i < path.length; i++) s += path[i];
    if (s.length > 200) s = `…${stringSlice(s, s.length - 200)}`;
    return s === '' ? '' : ` at ${s}`;
  };
  const count = (n: number): void => {
    size += n;
    if (size > limit) throw new CopyRefusal(`${rules.what} larger than ${limit} bytes (${rules.flag})`, true);
  };
  const refuse = (why: string): never => {
    throw new CopyRefusal(metadata ? `${rules.what}${where()}: ${why}` : why, false);
  };

  /** The value of an own property, or OMIT for a hole / a non-enumerable one. */
  const own = (v: object, key: string | number, enumerableOnly: boolean): unknown => {
    const d = getOwnPropertyDescriptor(v, key);
    if (d === undefined || (enumerableOnly && !d.enumerable)) return OMIT;
    if (d.get !== undefined || d.set !== undefined) {
      if (metadata) refuse('a getter or setter (only plain data is read from the exports)');
      return d.get === undefined ? undefined : apply(d.get, v, []);
    }
    return d.value;
  };

  const walk = (v: unknown, depth: number): unknown => {
    if (depth > MAX_DEPTH) refuse(`${metadata ? '' : 'arguments '}nested deeper than ${MAX_DEPTH} levels`);
    switch (typeof v) {
      case 'string':
        count(v.length);
        return v;
      case 'number':
        count(9);
        return metadata && !(v - v === 0) ? null : v; // JSON writes NaN and ±Infinity as null
      case 'boolean':
        count(9);
        return v;
      case 'undefined':
        count(1);
        return metadata ? OMIT : v;
      case 'bigint':
        if (metadata) refuse('a BigInt');
        count(9);
        return v;
      case 'object':
        break;
      default:
        // functions and symbols: JSON leaves them out; as arguments the copy refuses them
        count(1);
        return metadata ? OMIT : v;
    }
    if (v === null) {
      count(1);
      return null;
    }
    const proto = getPrototypeOf(v);
    const plain = proto === ObjectPrototype || proto === null;
    if (!plain && !isArray(v)) {
      if (metadata) refuse('a value that is not plain data (only objects, arrays, strings, numbers, booleans and null)');
      const special = exotic(v, depth);
      if (special !== OMIT) return special;
    }
    if (ancestors.has(v)) refuse(metadata ? 'a cycle' : 'a cyclic structure cannot be sent to Kong');
    ancestors.add(v);
    try {
      if (isArray(v)) {
        const given: unknown = (v as unknown[]).length;
        // a Proxy may claim any length: only a whole number is one
        const length = typeof given === 'number' && given >= 0 ? given - (given % 1) : 0;
        count(5 + length); // an array of 4 billion holes is refused before it is walked
        const out = newArray<unknown>();
        for (let i = 0; i < length; i++) {
          if (metadata) enter(`[${i}]`);
          const item = own(v, i, false);
          if (item === OMIT) {
            count(1); // a hole: null on the wire
            if (metadata) arraySet(out, i, null);
          } else {
            const copied = walk(item, depth + 1);
            arraySet(out, i, copied === OMIT ? null : copied);
          }
          leave();
        }
        if (out.length < length) defineProperty(out, 'length', { value: length });
        return out;
      }
      count(5);
      const out = objectCreate(null) as Record<string, unknown>;
      const keys = ownKeys(v);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i];
        if (typeof key !== 'string') continue;
        if (metadata) enter(`.${shortKey(key)}`);
        const item = own(v, key, true);
        if (item !== OMIT) {
          count(key.length + 1);
          const copied = walk(item, depth + 1);
          if (copied !== OMIT) defineProperty(out, key, { value: copied, writable: true, enumerable: true, configurable: true });
        }
        leave();
      }
      return out;
    } finally {
      ancestors.delete(v);
    }
  };

  /** Values the host knows besides plain data, copied as it reads them; OMIT: walk it as an object. */
  const exotic = (v: object, depth: number): unknown => {
    const bytes = viewBytes(v);
    if (bytes !== null) {
      count(bytes.length + 5);
      return copyBytes(bytes); // exactly its bytes, never the whole buffer behind a view
    }
    if (isDate(v)) {
      count(30);
      return v;
    }
    if (branded(regexpGlobal, v, null) !== null) return walk($String(apply(regexpToString, v, [])), depth);
    const boxed = branded(booleanValueOf, v, OMIT as unknown);
    if (boxed !== OMIT) return walk(boxed, depth);
    const num = branded(numberValueOf, v, OMIT as unknown);
    if (num !== OMIT) return walk(num, depth);
    const str = branded(stringValueOf, v, OMIT as unknown);
    if (str !== OMIT) return walk(str, depth);
    const mapEntries = branded(mapSize, v, -1 as unknown);
    if (mapEntries !== -1) return copyCollection(v, depth, true);
    const setItems = branded(setSize, v, -1 as unknown);
    if (setItems !== -1) return copyCollection(v, depth, false);
    // Left as they are: isolated-vm's copy refuses them ("could not be cloned"), as it always did
    if (branded(weakMapHas, v, null) !== null) return v;
    if (branded(weakSetHas, v, null) !== null) return v;
    if (branded(weakRefDeref, v, null) !== null) return v;
    if (branded(promiseThen as () => unknown, v, null) !== null) return v;
    if (isErrorLike(v)) {
      const e = v as { name?: unknown; message?: unknown };
      return walk({ name: $String(e.name), message: $String(e.message) }, depth);
    }
    return OMIT;
  };

  const copyCollection = (v: object, depth: number, isMap: boolean): unknown => {
    if (ancestors.has(v)) refuse('a cyclic structure cannot be sent to Kong');
    ancestors.add(v);
    try {
      count(5);
      if (isMap) {
        const out = new MapCtor<unknown, unknown>();
        apply(mapForEach, v, [
          (item: unknown, key: unknown) => {
            count(typeof key === 'string' ? key.length + 1 : 1);
            apply(mapSet, out, [typeof key === 'object' && key !== null ? walk(key, depth + 1) : key, walk(item, depth + 1)]);
          },
        ]);
        return out;
      }
      const out = new SetCtor<unknown>();
      apply(setForEach, v, [
        (item: unknown) => {
          count(1);
          apply(setAdd, out, [walk(item, depth + 1)]);
        },
      ]);
      return out;
    } finally {
      ancestors.delete(v);
    }
  };

  const copied = walk(value, 0);
  return copied === OMIT ? undefined : copied;
}

function isErrorLike(v: object): boolean {
  // no internal slot tells an Error apart: its prototype chain does, as the host's instanceof would
  let p = getPrototypeOf(v);
  for (let i = 0; p !== null && i < 100; i++) {
    if (p === errorPrototype) return true;
    p = getPrototypeOf(p);
  }
  return false;
}
