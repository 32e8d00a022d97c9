// Headers, as in browsers and Node: case-insensitive names, values normalised (leading and trailing
// whitespace removed), iteration sorted by name with repeated values joined by ", " (Set-Cookie
// apart). Names must be HTTP tokens and values may hold no NUL, CR or LF and only Latin-1: a header
// can never smuggle a line into the request the host sends.

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const EDGE_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;
const BAD_VALUE = /[\0\r\n]|[^\0-\xff]/;

export type HeadersInit = Headers | Iterable<readonly [string, string]> | Record<string, string>;

export function checkHeaderName(name: unknown): string {
  const s = String(name);
  if (!TOKEN.test(s)) throw new TypeError(`Headers: "${s.slice(0, 64)}" is not a valid HTTP header name`);
  return s.toLowerCase();
}

export function checkHeaderValue(name: string, value: unknown): string {
  const v = String(value).replace(EDGE_WHITESPACE, '');
  if (BAD_VALUE.test(v)) throw new TypeError(`Headers: the value of "${name}" holds a character a header may not (NUL, CR, LF or one above U+00FF)`);
  return v;
}

let listOf!: (h: Headers) => Array<[string, string]>;

export class Headers {
  #list: Array<[string, string]> = [];

  constructor(init?: HeadersInit) {
    if (init === undefined || init === null) return;
    if (typeof init !== 'object') throw new TypeError('Headers: init must be an object, an array of pairs or Headers');
    if (init instanceof Headers) {
      this.#list = init.#list.map(([n, v]) => [n, v]);
    } else if (typeof (init as Iterable<unknown>)[Symbol.iterator] === 'function') {
      for (const pair of init as Iterable<readonly [string, string]>) {
        const p = [...(pair as Iterable<string>)];
        if (p.length !== 2) throw new TypeError('Headers: each pair must be [name, value]');
        this.append(p[0]!, p[1]!);
      }
    } else {
      for (const k of Object.keys(init)) this.append(k, (init as Record<string, string>)[k]!);
    }
  }

  static {
    listOf = (h) => h.#list;
  }

  append(name: string, value: string): void {
    const n = checkHeaderName(name);
    this.#list.push([n, checkHeaderValue(n, value)]);
  }

  delete(name: string): void {
    const n = checkHeaderName(name);
    this.#list = this.#list.filter(([k]) => k !== n);
  }

  get(name: string): string | null {
    const n = checkHeaderName(name);
    const values = this.#list.filter(([k]) => k === n).map(([, v]) => v);
    return values.length === 0 ? null : values.join(', ');
  }

  getSetCookie(): string[] {
    return this.#list.filter(([k]) => k === 'set-cookie').map(([, v]) => v);
  }

  has(name: string): boolean {
    const n = checkHeaderName(name);
    return this.#list.some(([k]) => k === n);
  }

  set(name: string, value: string): void {
    const n = checkHeaderName(name);
    const v = checkHeaderValue(n, value);
    const i = this.#list.findIndex(([k]) => k === n);
    if (i < 0) {
      this.#list.push([n, v]);
      return;
    }
    this.#list[i] = [n, v];
    this.#list = this.#list.filter(([k], j) => j <= i || k !== n);
  }

  forEach(callback: (value: string, name: string, parent: Headers) => void, thisArg?: unknown): void {
    for (const [n, v] of this.#sorted()) Reflect.apply(callback, thisArg, [v, n, this]);
  }

  *entries(): IterableIterator<[string, string]> {
    yield* this.#sorted();
  }

  *keys(): IterableIterator<string> {
    for (const [n] of this.#sorted()) yield n;
  }

  *values(): IterableIterator<string> {
    for (const [, v] of this.#sorted()) yield v;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  #sorted(): Array<[string, string]> {
    const names = [...new Set(this.#list.map(([n]) => n))].sort();
    const out: Array<[string, string]> = [];
    for (const n of names) {
      if (n === 'set-cookie') for (const v of this.getSetCookie()) out.push([n, v]);
      else out.push([n, this.get(n)!]);
    }
    return out;
  }
}
Object.defineProperty(Headers.prototype, Symbol.toStringTag, { value: 'Headers', configurable: true });

/** The name/value pairs as given (lower-case names, in order): what fetch sends. */
export function headerPairs(h: Headers): Array<[string, string]> {
  return listOf(h).map(([n, v]) => [n, v]);
}
