// URL (WHATWG URL standard): parsing with a base, the special schemes, the setters, origin,
// searchParams bound both ways, URL.canParse / URL.parse, toJSON.
import { basicParse, isSpecialScheme, serializePath, serializeUrl, State, type UrlRecord } from './url-parser.ts';
import { percentEncode, userinfoSet } from './percent-encoding.ts';
import { URLSearchParams, bindOwner, resetList } from './url-search-params.ts';
import { charCodeAt, setToStringTag, strSlice, toWellFormed } from './primordials.ts';

const usv = (v: unknown): string => toWellFormed(`${v as string}`);

function parseWithBase(url: unknown, base: unknown): UrlRecord | null {
  let baseRecord: UrlRecord | null = null;
  if (base !== undefined) {
    baseRecord = basicParse(usv(base), null);
    if (baseRecord === null) return null;
  }
  return basicParse(usv(url), baseRecord);
}

function cannotHaveCredentialsOrPort(u: UrlRecord): boolean {
  return u.host === null || u.host === '' || u.scheme === 'file';
}


export class URL {
  #url: UrlRecord;
  #params: URLSearchParams;

  constructor(url: unknown, base: unknown = undefined) {
    if (arguments.length === 0) throw new TypeError('The "url" argument must be specified');
    const record = parseWithBase(url, base);
    if (record === null) throw new TypeError(`Invalid URL`);
    this.#url = record;
    // the list from the query as it is (the URLSearchParams constructor would drop a leading '?')
    this.#params = new URLSearchParams();
    resetList(this.#params, record.query);
    bindOwner(this.#params, {
      setQuery: (q) => {
        this.#url.query = q;
      },
    });
  }

  static canParse(url: unknown, base: unknown = undefined): boolean {
    return parseWithBase(url, base) !== null;
  }

  static parse(url: unknown, base: unknown = undefined): URL | null {
    return parseWithBase(url, base) === null ? null : new URL(url, base);
  }

  get href(): string {
    return serializeUrl(this.#url);
  }
  set href(value: unknown) {
    const record = basicParse(usv(value), null);
    if (record === null) throw new TypeError('Invalid URL');
    this.#url = record;
    resetList(this.#params, record.query);
  }

  get origin(): string {
    const u = this.#url;
    if (u.scheme === 'blob') {
      const inner = basicParse(serializePath(u), null);
      return inner !== null && (inner.scheme === 'http' || inner.scheme === 'https') ? originOf(inner) : 'null';
    }
    return isSpecialScheme(u.scheme) && u.scheme !== 'file' ? originOf(u) : 'null';
  }

  get protocol(): string {
    return `${this.#url.scheme}:`;
  }
  set protocol(value: unknown) {
    basicParse(`${usv(value)}:`, null, this.#url, State.SchemeStart);
  }

  get username(): string {
    return this.#url.username;
  }
  set username(value: unknown) {
    if (cannotHaveCredentialsOrPort(this.#url)) return;
    this.#url.username = percentEncode(usv(value), userinfoSet);
  }

  get password(): string {
    return this.#url.password;
  }
  set password(value: unknown) {
    if (cannotHaveCredentialsOrPort(this.#url)) return;
    this.#url.password = percentEncode(usv(value), userinfoSet);
  }

  get host(): string {
    const u = this.#url;
    if (u.host === null) return '';
    return u.port === null ? u.host : `${u.host}:${u.port}`;
  }
  set host(value: unknown) {
    if (typeof this.#url.path === 'string') return;
    basicParse(usv(value), null, this.#url, State.Host);
  }

  get hostname(): string {
    return this.#url.host ?? '';
  }
  set hostname(value: unknown) {
    if (typeof this.#url.path === 'string') return;
    basicParse(usv(value), null, this.#url, State.Hostname);
  }

  get port(): string {
    return this.#url.port === null ? '' : `${this.#url.port}`;
  }
  set port(value: unknown) {
    if (cannotHaveCredentialsOrPort(this.#url)) return;
    const v = usv(value);
    if (v === '') this.#url.port = null;
    else basicParse(v, null, this.#url, State.Port);
  }

  get pathname(): string {
    return serializePath(this.#url);
  }
  set pathname(value: unknown) {
    if (typeof this.#url.path === 'string') return;
    this.#url.path = [];
    basicParse(usv(value), null, this.#url, State.PathStart);
  }

  get search(): string {
    const q = this.#url.query;
    return q === null || q === '' ? '' : `?${q}`;
  }
  set search(value: unknown) {
    let v = usv(value);
    if (v === '') {
      this.#url.query = null;
      resetList(this.#params, null);
      return;
    }
    if (charCodeAt(v, 0) === 0x3f) v = strSlice(v, 1);
    this.#url.query = '';
    basicParse(v, null, this.#url, State.Query);
    resetList(this.#params, v);
  }

  get searchParams(): URLSearchParams {
    return this.#params;
  }

  get hash(): string {
    const f = this.#url.fragment;
    return f === null || f === '' ? '' : `#${f}`;
  }
  set hash(value: unknown) {
    let v = usv(value);
    if (v === '') {
      this.#url.fragment = null;
      return;
    }
    if (charCodeAt(v, 0) === 0x23) v = strSlice(v, 1);
    this.#url.fragment = '';
    basicParse(v, null, this.#url, State.Fragment);
  }

  toString(): string {
    return this.href;
  }
  toJSON(): string {
    return this.href;
  }
}
setToStringTag(URL, 'URL');

function originOf(u: UrlRecord): string {
  return `${u.scheme}://${u.host ?? ''}${u.port === null ? '' : `:${u.port}`}`;
}
