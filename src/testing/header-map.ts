// HTTP headers as nginx keeps them: names case-insensitive, a name may repeat, order kept. Kong's
// get_header answers the first value, get_headers every value ({name: [values]}). For tests it reads
// like fetch's Headers (`get` joins repeated values with ", "), as kong-js-pdk's PluginTest did.

export type HeaderInput = string | number | boolean | readonly (string | number | boolean)[];

export type HeadersInit = Readonly<Record<string, HeaderInput>> | Iterable<readonly [string, HeaderInput]>;

export class HeaderMap implements Iterable<[string, string]> {
  /** lower-case name → values, in the order they were added */
  readonly #values = new Map<string, string[]>();

  constructor(init?: HeadersInit | HeaderMap) {
    if (init instanceof HeaderMap) {
      for (const [name, values] of init.#values) this.#values.set(name, [...values]);
    } else if (init !== undefined) {
      const entries = Symbol.iterator in init ? init : Object.entries(init);
      for (const [name, value] of entries) this.append(name, value);
    }
  }

  /** fetch semantics: every value joined with ", ", or null */
  get(name: string): string | null {
    const values = this.#values.get(name.toLowerCase());
    return values === undefined ? null : values.join(', ');
  }

  /** the first value, as Kong's get_header answers */
  first(name: string): string | undefined {
    return this.#values.get(name.toLowerCase())?.[0];
  }

  getAll(name: string): string[] {
    return [...(this.#values.get(name.toLowerCase()) ?? [])];
  }

  has(name: string): boolean {
    return this.#values.has(name.toLowerCase());
  }

  /** replaces every value of the name; an array sets several */
  set(name: string, value: HeaderInput): this {
    const values = toValues(value);
    if (values.length === 0) this.#values.delete(name.toLowerCase());
    else this.#values.set(name.toLowerCase(), values);
    return this;
  }

  append(name: string, value: HeaderInput): this {
    const key = name.toLowerCase();
    this.#values.set(key, [...(this.#values.get(key) ?? []), ...toValues(value)]);
    return this;
  }

  delete(name: string): this {
    this.#values.delete(name.toLowerCase());
    return this;
  }

  get size(): number {
    return this.#values.size;
  }

  /** Kong's multimap shape (fix_mmap): lower-case names, every value an array */
  toMultiMap(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [name, values] of this.#values) out[name] = [...values];
    return out;
  }

  /** fetch semantics: one entry per name, values joined */
  *entries(): IterableIterator<[string, string]> {
    for (const [name, values] of this.#values) yield [name, values.join(', ')];
  }

  keys(): IterableIterator<string> {
    return this.#values.keys();
  }

  forEach(fn: (value: string, name: string) => void): void {
    for (const [name, value] of this.entries()) fn(value, name);
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  /** console.log and assertion diffs show the headers, not an empty object */
  [Symbol.for('nodejs.util.inspect.custom')](): Record<string, string[]> {
    return this.toMultiMap();
  }
}

/** Kong converts scalars with tostring and sends one header line per array element. */
function toValues(value: HeaderInput): string[] {
  return (Array.isArray(value) ? value : [value]).map((v) => String(v));
}
