// URLSearchParams (application/x-www-form-urlencoded), live-bound to its URL when it has one.
import { percentDecode, percentEncode, formSet } from './percent-encoding.ts';
import { utf8DecodeLossy } from './text-encoding.ts';
import { charCodeAt, setToStringTag, strSlice, toWellFormed } from './primordials.ts';
import { split } from './url-host.ts';

type Pair = [string, string];

/** What a URLSearchParams tells its URL (and how the URL tells it its query changed). */
export interface QueryOwner {
  setQuery(serialized: string | null): void;
}

export function parseForm(input: string): Pair[] {
  const out: Pair[] = [];
  for (const seq of split(input, 0x26)) {
    if (seq === '') continue;
    let eq = -1;
    for (let i = 0; i < seq.length; i++) {
      if (charCodeAt(seq, i) === 0x3d) {
        eq = i;
        break;
      }
    }
    const name = eq < 0 ? seq : strSlice(seq, 0, eq);
    const value = eq < 0 ? '' : strSlice(seq, eq + 1);
    out[out.length] = [decodeFormPart(name), decodeFormPart(value)];
  }
  return out;
}

function decodeFormPart(s: string): string {
  let plus = false;
  for (let i = 0; i < s.length; i++) if (charCodeAt(s, i) === 0x2b) plus = true;
  if (plus) {
    let r = '';
    for (let i = 0; i < s.length; i++) r += charCodeAt(s, i) === 0x2b ? ' ' : strSlice(s, i, i + 1);
    s = r;
  }
  return utf8DecodeLossy(percentDecode(s));
}

export function serializeForm(list: Pair[]): string {
  let out = '';
  for (let i = 0; i < list.length; i++) {
    if (i > 0) out += '&';
    out += `${percentEncode(list[i]![0], formSet, true)}=${percentEncode(list[i]![1], formSet, true)}`;
  }
  return out;
}

const usv = (v: unknown): string => toWellFormed(`${v as string}`);

// The URL that owns a URLSearchParams: set by url.ts, never visible to plugin code.
const owners = new WeakMap<URLSearchParams, QueryOwner>();
const lists = new WeakMap<URLSearchParams, Pair[]>();

export function bindOwner(params: URLSearchParams, owner: QueryOwner): void {
  owners.set(params, owner);
}
/** The URL's query changed: the list follows it. */
export function resetList(params: URLSearchParams, query: string | null): void {
  lists.set(params, query === null || query === '' ? [] : parseForm(query));
}

function listOf(p: URLSearchParams): Pair[] {
  const l = lists.get(p);
  if (l === undefined) throw new TypeError('Value of "this" must be of type URLSearchParams');
  return l;
}

export class URLSearchParams {
  constructor(init: unknown = '') {
    let list: Pair[] = [];
    if (init !== null && (typeof init === 'object' || typeof init === 'function')) {
      const iter = (init as { [Symbol.iterator]?: unknown })[Symbol.iterator];
      if (iter !== undefined && iter !== null) {
        if (typeof iter !== 'function') throw new TypeError('Query pairs must be iterable');
        for (const pair of init as Iterable<unknown>) {
          if (pair === null || (typeof pair !== 'object' && typeof pair !== 'function') || typeof (pair as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function') {
            throw new TypeError('Each query pair must be an iterable [name, value] tuple');
          }
          const items = [...(pair as Iterable<unknown>)];
          if (items.length !== 2) throw new TypeError('Each query pair must be an iterable [name, value] tuple');
          list[list.length] = [usv(items[0]), usv(items[1])];
        }
      } else {
        for (const key of Reflect.ownKeys(init)) {
          if (typeof key !== 'string') continue;
          const d = Object.getOwnPropertyDescriptor(init, key);
          if (!d?.enumerable) continue;
          list[list.length] = [usv(key), usv((init as Record<string, unknown>)[key])];
        }
      }
    } else {
      let s = usv(init);
      if (s !== '' && charCodeAt(s, 0) === 0x3f) s = strSlice(s, 1);
      list = parseForm(s);
    }
    lists.set(this, list);
  }

  #update(): void {
    const owner = owners.get(this);
    if (!owner) return;
    const s = serializeForm(listOf(this));
    owner.setQuery(s === '' ? null : s);
  }

  get size(): number {
    return listOf(this).length;
  }

  append(name: unknown, value: unknown): void {
    const l = listOf(this);
    l[l.length] = [usv(name), usv(value)];
    this.#update();
  }

  delete(name: unknown, value: unknown = undefined): void {
    const n = usv(name);
    const v = value === undefined ? undefined : usv(value);
    const l = listOf(this);
    let w = 0;
    for (let i = 0; i < l.length; i++) if (!(l[i]![0] === n && (v === undefined || l[i]![1] === v))) l[w++] = l[i]!;
    l.length = w;
    this.#update();
  }

  get(name: unknown): string | null {
    const n = usv(name);
    for (const [k, v] of listOf(this)) if (k === n) return v;
    return null;
  }

  getAll(name: unknown): string[] {
    const n = usv(name);
    const out: string[] = [];
    for (const [k, v] of listOf(this)) if (k === n) out[out.length] = v;
    return out;
  }

  has(name: unknown, value: unknown = undefined): boolean {
    const n = usv(name);
    const v = value === undefined ? undefined : usv(value);
    for (const [k, val] of listOf(this)) if (k === n && (v === undefined || val === v)) return true;
    return false;
  }

  set(name: unknown, value: unknown): void {
    const n = usv(name);
    const v = usv(value);
    const l = listOf(this);
    let found = false;
    let w = 0;
    for (let i = 0; i < l.length; i++) {
      if (l[i]![0] !== n) l[w++] = l[i]!;
      else if (!found) {
        found = true;
        l[w++] = [n, v];
      }
    }
    l.length = w;
    if (!found) l[l.length] = [n, v];
    this.#update();
  }

  sort(): void {
    const l = listOf(this);
    // stable (V8's sort is), by UTF-16 code units of the name
    l.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    this.#update();
  }

  forEach(callback: (value: string, name: string, params: URLSearchParams) => void, thisArg: unknown = undefined): void {
    if (typeof callback !== 'function') throw new TypeError('The "callback" argument must be of type function');
    const l = listOf(this);
    for (let i = 0; i < l.length; i++) callback.call(thisArg, l[i]![1], l[i]![0], this);
  }

  *entries(): IterableIterator<Pair> {
    const l = listOf(this);
    for (let i = 0; i < l.length; i++) yield [l[i]![0], l[i]![1]];
  }

  *keys(): IterableIterator<string> {
    const l = listOf(this);
    for (let i = 0; i < l.length; i++) yield l[i]![0];
  }

  *values(): IterableIterator<string> {
    const l = listOf(this);
    for (let i = 0; i < l.length; i++) yield l[i]![1];
  }

  [Symbol.iterator](): IterableIterator<Pair> {
    return this.entries();
  }

  toString(): string {
    return serializeForm(listOf(this));
  }
}
setToStringTag(URLSearchParams, 'URLSearchParams');
