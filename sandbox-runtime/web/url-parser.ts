// The URL standard's basic URL parser (a state machine over code points, with the state overrides
// the URL setters use) and the URL serializer.
import { parseHost } from './url-host.ts';
import { percentEncode, c0ControlSet, fragmentSet, pathSet, querySet, specialQuerySet, userinfoSet } from './percent-encoding.ts';
import { charCodeAt, fromCharCode, strSlice, toLowerCase, toWellFormed } from './primordials.ts';

export interface UrlRecord {
  scheme: string;
  username: string;
  password: string;
  /** the serialized host ('[::1]' for IPv6), '' for an empty host, null for none */
  host: string | null;
  port: number | null;
  /** a string: an opaque path ("mailto:x"); else its segments */
  path: string | string[];
  query: string | null;
  fragment: string | null;
}

export const State = {
  SchemeStart: 0,
  Scheme: 1,
  NoScheme: 2,
  SpecialRelativeOrAuthority: 3,
  PathOrAuthority: 4,
  Relative: 5,
  RelativeSlash: 6,
  SpecialAuthoritySlashes: 7,
  SpecialAuthorityIgnoreSlashes: 8,
  Authority: 9,
  Host: 10,
  Hostname: 11,
  Port: 12,
  File: 13,
  FileSlash: 14,
  FileHost: 15,
  PathStart: 16,
  Path: 17,
  OpaquePath: 18,
  Query: 19,
  Fragment: 20,
} as const;
export type State = (typeof State)[keyof typeof State];

const SPECIAL: Record<string, number | null> = { ftp: 21, file: null, http: 80, https: 443, ws: 80, wss: 443 };

export const isSpecialScheme = (s: string): boolean => Object.hasOwn(SPECIAL, s);
export const defaultPort = (s: string): number | null => (Object.hasOwn(SPECIAL, s) ? SPECIAL[s]! : null);

const EOF = -1;
const isAlpha = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

function cloneRecord(u: UrlRecord): UrlRecord {
  return { ...u, path: typeof u.path === 'string' ? u.path : u.path.slice() };
}

export function newRecord(): UrlRecord {
  return { scheme: '', username: '', password: '', host: null, port: null, path: [], query: null, fragment: null };
}

export const includesCredentials = (u: UrlRecord): boolean => u.username !== '' || u.password !== '';

function isWindowsDriveLetter(s: string, normalizedOnly = false): boolean {
  if (s.length !== 2 || !isAlpha(charCodeAt(s, 0))) return false;
  const c = charCodeAt(s, 1);
  return c === 0x3a || (!normalizedOnly && c === 0x7c);
}

function startsWithWindowsDriveLetter(cps: number[], p: number): boolean {
  if (cps.length - p < 2) return false;
  if (!isAlpha(cps[p]!) || (cps[p + 1] !== 0x3a && cps[p + 1] !== 0x7c)) return false;
  if (cps.length - p === 2) return true;
  const c = cps[p + 2]!;
  return c === 0x2f || c === 0x5c || c === 0x3f || c === 0x23;
}

function shortenPath(u: UrlRecord): void {
  const path = u.path as string[];
  if (u.scheme === 'file' && path.length === 1 && isWindowsDriveLetter(path[0]!, true)) return;
  if (path.length > 0) path.length--;
}

function isSingleDot(s: string): boolean {
  return s === '.' || toLowerCase(s) === '%2e';
}
function isDoubleDot(s: string): boolean {
  const l = toLowerCase(s);
  return l === '..' || l === '.%2e' || l === '%2e.' || l === '%2e%2e';
}

function codePoints(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = charCodeAt(s, i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = charCodeAt(s, i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out[out.length] = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        continue;
      }
    }
    out[out.length] = c;
  }
  return out;
}

function cpString(c: number): string {
  return c > 0xffff ? fromCharCode(0xd800 + ((c - 0x10000) >> 10), 0xdc00 + ((c - 0x10000) & 0x3ff)) : fromCharCode(c);
}

/**
 * The basic URL parser. Without `url`: a new record, or null on failure. With `url` and an override
 * (a setter): `url` is changed in place; the result is null on failure (the setter then does nothing:
 * a failed override leaves `url` as the steps before the failure left it, as the standard does).
 */
export function basicParse(input: string, base: UrlRecord | null, url?: UrlRecord, override?: State): UrlRecord | null {
  input = toWellFormed(input);
  if (!url) {
    url = newRecord();
    let a = 0;
    let b = input.length;
    while (a < b && charCodeAt(input, a) <= 0x20) a++;
    while (b > a && charCodeAt(input, b - 1) <= 0x20) b--;
    input = strSlice(input, a, b);
  }
  const all = codePoints(input);
  const cps: number[] = [];
  for (const c of all) if (c !== 0x09 && c !== 0x0a && c !== 0x0d) cps[cps.length] = c;

  let state: State = override ?? State.SchemeStart;
  let buffer = '';
  let atSignSeen = false;
  let insideBrackets = false;
  let passwordTokenSeen = false;
  const remainingStartsWith = (p: number, c: number) => cps[p + 1] === c;

  for (let p = 0; ; p++) {
    const c = p < cps.length ? cps[p]! : EOF;
    const special = isSpecialScheme(url.scheme);
    switch (state) {
      case State.SchemeStart:
        if (isAlpha(c)) {
          buffer += toLowerCase(fromCharCode(c));
          state = State.Scheme;
        } else if (override === undefined) {
          state = State.NoScheme;
          p--;
        } else return null;
        break;

      case State.Scheme:
        if (isAlpha(c) || isDigit(c) || c === 0x2b || c === 0x2d || c === 0x2e) {
          buffer += toLowerCase(fromCharCode(c));
        } else if (c === 0x3a) {
          if (override !== undefined) {
            if (isSpecialScheme(url.scheme) !== isSpecialScheme(buffer)) return url;
            if ((includesCredentials(url) || url.port !== null) && buffer === 'file') return url;
            if (url.scheme === 'file' && url.host === '') return url;
          }
          url.scheme = buffer;
          if (override !== undefined) {
            if (url.port === defaultPort(url.scheme)) url.port = null;
            return url;
          }
          buffer = '';
          if (url.scheme === 'file') state = State.File;
          else if (isSpecialScheme(url.scheme) && base !== null && base.scheme === url.scheme) state = State.SpecialRelativeOrAuthority;
          else if (isSpecialScheme(url.scheme)) state = State.SpecialAuthoritySlashes;
          else if (remainingStartsWith(p, 0x2f)) {
            state = State.PathOrAuthority;
            p++;
          } else {
            url.path = '';
            state = State.OpaquePath;
          }
        } else if (override === undefined) {
          buffer = '';
          state = State.NoScheme;
          p = -1;
        } else return null;
        break;

      case State.NoScheme:
        if (base === null || (typeof base.path === 'string' && c !== 0x23)) return null;
        if (typeof base.path === 'string' && c === 0x23) {
          url.scheme = base.scheme;
          url.path = base.path;
          url.query = base.query;
          url.fragment = '';
          state = State.Fragment;
        } else if (base.scheme !== 'file') {
          state = State.Relative;
          p--;
        } else {
          state = State.File;
          p--;
        }
        break;

      case State.SpecialRelativeOrAuthority:
        if (c === 0x2f && remainingStartsWith(p, 0x2f)) {
          state = State.SpecialAuthorityIgnoreSlashes;
          p++;
        } else {
          state = State.Relative;
          p--;
        }
        break;

      case State.PathOrAuthority:
        if (c === 0x2f) state = State.Authority;
        else {
          state = State.Path;
          p--;
        }
        break;

      case State.Relative: {
        const b = base!;
        url.scheme = b.scheme;
        if (c === 0x2f || (isSpecialScheme(url.scheme) && c === 0x5c)) state = State.RelativeSlash;
        else {
          url.username = b.username;
          url.password = b.password;
          url.host = b.host;
          url.port = b.port;
          url.path = cloneRecord(b).path;
          url.query = b.query;
          if (c === 0x3f) {
            url.query = '';
            state = State.Query;
          } else if (c === 0x23) {
            url.fragment = '';
            state = State.Fragment;
          } else if (c !== EOF) {
            url.query = null;
            shortenPath(url);
            state = State.Path;
            p--;
          }
        }
        break;
      }

      case State.RelativeSlash:
        if (special && (c === 0x2f || c === 0x5c)) state = State.SpecialAuthorityIgnoreSlashes;
        else if (c === 0x2f) state = State.Authority;
        else {
          url.username = base!.username;
          url.password = base!.password;
          url.host = base!.host;
          url.port = base!.port;
          state = State.Path;
          p--;
        }
        break;

      case State.SpecialAuthoritySlashes:
        state = State.SpecialAuthorityIgnoreSlashes;
        if (c === 0x2f && remainingStartsWith(p, 0x2f)) p++;
        else p--;
        break;

      case State.SpecialAuthorityIgnoreSlashes:
        if (c !== 0x2f && c !== 0x5c) {
          state = State.Authority;
          p--;
        }
        break;

      case State.Authority:
        if (c === 0x40) {
          if (atSignSeen) buffer = `%40${buffer}`;
          atSignSeen = true;
          const bcps = codePoints(buffer);
          for (const bc of bcps) {
            if (bc === 0x3a && !passwordTokenSeen) {
              passwordTokenSeen = true;
              continue;
            }
            const enc = percentEncode(cpString(bc), userinfoSet);
            if (passwordTokenSeen) url.password += enc;
            else url.username += enc;
          }
          buffer = '';
        } else if (c === EOF || c === 0x2f || c === 0x3f || c === 0x23 || (special && c === 0x5c)) {
          if (atSignSeen && buffer === '') return null;
          p -= codePoints(buffer).length + 1;
          buffer = '';
          state = State.Host;
        } else buffer += cpString(c);
        break;

      case State.Host:
      case State.Hostname:
        if (override !== undefined && url.scheme === 'file') {
          p--;
          state = State.FileHost;
        } else if (c === 0x3a && !insideBrackets) {
          if (buffer === '') return null;
          if (override === State.Hostname) return null;
          const host = parseHost(buffer, !special);
          if (host === null) return null;
          url.host = host;
          buffer = '';
          state = State.Port;
        } else if (c === EOF || c === 0x2f || c === 0x3f || c === 0x23 || (special && c === 0x5c)) {
          p--;
          if (special && buffer === '') return null;
          if (override !== undefined && buffer === '' && (includesCredentials(url) || url.port !== null)) return null;
          const host = parseHost(buffer, !special);
          if (host === null) return null;
          url.host = host;
          buffer = '';
          state = State.PathStart;
          if (override !== undefined) return url;
        } else {
          if (c === 0x5b) insideBrackets = true;
          if (c === 0x5d) insideBrackets = false;
          buffer += cpString(c);
        }
        break;

      case State.Port:
        if (isDigit(c)) buffer += fromCharCode(c);
        else if (c === EOF || c === 0x2f || c === 0x3f || c === 0x23 || (special && c === 0x5c) || override !== undefined) {
          if (buffer !== '') {
            let port = 0;
            for (let i = 0; i < buffer.length; i++) {
              port = port * 10 + (charCodeAt(buffer, i) - 0x30);
              if (port > 65535) return null;
            }
            url.port = port === defaultPort(url.scheme) ? null : port;
            buffer = '';
            if (override !== undefined) return url;
          }
          if (override !== undefined) return null;
          state = State.PathStart;
          p--;
        } else return null;
        break;

      case State.File:
        url.scheme = 'file';
        url.host = '';
        if (c === 0x2f || c === 0x5c) state = State.FileSlash;
        else if (base !== null && base.scheme === 'file') {
          url.host = base.host;
          url.path = cloneRecord(base).path;
          url.query = base.query;
          if (c === 0x3f) {
            url.query = '';
            state = State.Query;
          } else if (c === 0x23) {
            url.fragment = '';
            state = State.Fragment;
          } else if (c !== EOF) {
            url.query = null;
            if (!startsWithWindowsDriveLetter(cps, p)) shortenPath(url);
            else url.path = [];
            state = State.Path;
            p--;
          }
        } else {
          state = State.Path;
          p--;
        }
        break;

      case State.FileSlash:
        if (c === 0x2f || c === 0x5c) state = State.FileHost;
        else {
          if (base !== null && base.scheme === 'file') {
            url.host = base.host;
            const bp = base.path as string[];
            if (!startsWithWindowsDriveLetter(cps, p) && bp.length > 0 && isWindowsDriveLetter(bp[0]!, true)) {
              (url.path as string[])[(url.path as string[]).length] = bp[0]!;
            }
          }
          state = State.Path;
          p--;
        }
        break;

      case State.FileHost:
        if (c === EOF || c === 0x2f || c === 0x5c || c === 0x3f || c === 0x23) {
          p--;
          if (override === undefined && isWindowsDriveLetter(buffer)) state = State.Path;
          else if (buffer === '') {
            url.host = '';
            if (override !== undefined) return url;
            state = State.PathStart;
          } else {
            let host = parseHost(buffer, !special);
            if (host === null) return null;
            if (host === 'localhost') host = '';
            url.host = host;
            if (override !== undefined) return url;
            buffer = '';
            state = State.PathStart;
          }
        } else buffer += cpString(c);
        break;

      case State.PathStart:
        if (special) {
          state = State.Path;
          if (c !== 0x2f && c !== 0x5c) p--;
        } else if (override === undefined && c === 0x3f) {
          url.query = '';
          state = State.Query;
        } else if (override === undefined && c === 0x23) {
          url.fragment = '';
          state = State.Fragment;
        } else if (c !== EOF) {
          state = State.Path;
          if (c !== 0x2f) p--;
        } else if (override !== undefined && url.host === null) {
          (url.path as string[])[(url.path as string[]).length] = '';
        }
        break;

      case State.Path:
        if (c === EOF || c === 0x2f || (special && c === 0x5c) || (override === undefined && (c === 0x3f || c === 0x23))) {
          const path = url.path as string[];
          const slash = c === 0x2f || (special && c === 0x5c);
          if (isDoubleDot(buffer)) {
            shortenPath(url);
            if (!slash) path[path.length] = '';
          } else if (isSingleDot(buffer) && !slash) {
            path[path.length] = '';
          } else if (!isSingleDot(buffer)) {
            if (url.scheme === 'file' && path.length === 0 && isWindowsDriveLetter(buffer)) buffer = `${strSlice(buffer, 0, 1)}:`;
            path[path.length] = buffer;
          }
          buffer = '';
          if (c === 0x3f) {
            url.query = '';
            state = State.Query;
          }
          if (c === 0x23) {
            url.fragment = '';
            state = State.Fragment;
          }
        } else buffer += percentEncode(cpString(c), pathSet);
        break;

      case State.OpaquePath:
        if (c === 0x3f) {
          url.query = '';
          state = State.Query;
        } else if (c === 0x23) {
          url.fragment = '';
          state = State.Fragment;
        } else if (c === 0x20) {
          // a space before the query or fragment is encoded, so that it survives their removal
          const next = cps[p + 1];
          url.path = (url.path as string) + (next === 0x3f || next === 0x23 ? '%20' : ' ');
        } else if (c !== EOF) url.path = (url.path as string) + percentEncode(cpString(c), c0ControlSet);
        break;

      case State.Query:
        if ((override === undefined && c === 0x23) || c === EOF) {
          url.query = (url.query ?? '') + percentEncode(buffer, special ? specialQuerySet : querySet);
          buffer = '';
          if (c === 0x23) {
            url.fragment = '';
            state = State.Fragment;
          }
        } else if (c !== EOF) buffer += cpString(c);
        break;

      case State.Fragment:
        if (c !== EOF) url.fragment = (url.fragment ?? '') + percentEncode(cpString(c), fragmentSet);
        break;
    }
    // past the end: done (a state that stepped back reads the end again)
    if (p >= cps.length) break;
  }
  return url;
}

export function serializePath(u: UrlRecord): string {
  if (typeof u.path === 'string') return u.path;
  let out = '';
  for (const seg of u.path) out += `/${seg}`;
  return out;
}

export function serializeUrl(u: UrlRecord, excludeFragment = false): string {
  let out = `${u.scheme}:`;
  if (u.host !== null) {
    out += '//';
    if (includesCredentials(u)) {
      out += u.username;
      if (u.password !== '') out += `:${u.password}`;
      out += '@';
    }
    out += u.host;
    if (u.port !== null) out += `:${u.port}`;
  } else if (typeof u.path !== 'string' && u.path.length > 1 && u.path[0] === '') out += '/.';
  out += serializePath(u);
  if (u.query !== null) out += `?${u.query}`;
  if (!excludeFragment && u.fragment !== null) out += `#${u.fragment}`;
  return out;
}
