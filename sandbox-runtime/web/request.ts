// Request: a URL (absolute: the sandbox has no page to resolve against), a checked method, Headers,
// a buffered body, an AbortSignal and a redirect mode. Cookies, credentials, cache and mode do not
// apply: the host sends no cookie and keeps none.
import { Headers, type HeadersInit } from './headers.ts';
import { BodyState, extractBody, readBody } from './body.ts';
import { URL } from './url.ts';
import type { AbortApis } from './abort.ts';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// as the Fetch standard: these six only ("patch" stays lower-case, as in browsers and Node)
const NORMALISED = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
const REDIRECTS = new Set(['follow', 'error', 'manual']);

export interface RequestInit {
  method?: string;
  headers?: HeadersInit;
  body?: unknown;
  signal?: unknown;
  redirect?: string;
}

export interface RequestParts {
  url: string;
  method: string;
  headers: Headers;
  body: BodyState;
  signal: unknown;
  redirect: 'follow' | 'error' | 'manual';
}

export function checkMethod(method: unknown): string {
  const m = String(method);
  if (!TOKEN.test(m)) throw new TypeError(`Request: "${m.slice(0, 64)}" is not a valid HTTP method`);
  const upper = m.toUpperCase();
  if (FORBIDDEN_METHODS.has(upper)) throw new TypeError(`Request: the ${upper} method is not allowed`);
  return NORMALISED.has(upper) ? upper : m;
}

export interface RequestApis {
  Request: new (input: unknown, init?: RequestInit) => object;
  partsOf(req: unknown): RequestParts;
}

export function createRequest(abort: AbortApis): RequestApis {
  let partsOf!: (r: Request) => RequestParts;

  class Request {
    #p: RequestParts;

    constructor(input: unknown, init: RequestInit = {}) {
      if (init === null || typeof init !== 'object') init = {};
      let base: RequestParts | null = null;
      if (input instanceof Request) {
        base = input.#p;
      }
      let url: URL;
      try {
        url = new URL(base ? base.url : String(input));
      } catch {
        throw new TypeError(`Request: "${String(input).slice(0, 200)}" is not an absolute URL`);
      }
      if (url.username !== '' || url.password !== '') throw new TypeError('Request: a URL with credentials (user:password@) is not allowed; send an Authorization header');
      url.hash = '';
      const method = init.method !== undefined ? checkMethod(init.method) : (base?.method ?? 'GET');
      const headers = new Headers(init.headers !== undefined ? init.headers : base?.headers);
      let body: BodyState;
      if (init.body !== undefined && init.body !== null) {
        if (method === 'GET' || method === 'HEAD') throw new TypeError(`Request: a ${method} request cannot have a body`);
        const extracted = extractBody(init.body);
        if (extracted.type !== null && !headers.has('content-type')) headers.set('content-type', extracted.type);
        body = new BodyState(extracted.bytes);
      } else if (base) {
        if (base.body.used) throw new TypeError('Request: the body of the given Request has already been read');
        body = base.body.clone();
      } else {
        body = new BodyState(null);
      }
      let signal = base?.signal;
      if (init.signal !== undefined && init.signal !== null) {
        if (!abort.isSignal(init.signal)) throw new TypeError('Request: signal must be an AbortSignal');
        signal = init.signal;
      }
      if (signal === undefined) signal = new abort.AbortController().signal;
      const redirect = init.redirect !== undefined ? String(init.redirect) : (base?.redirect ?? 'follow');
      if (!REDIRECTS.has(redirect)) throw new TypeError(`Request: redirect must be "follow", "error" or "manual", not "${redirect.slice(0, 32)}"`);
      this.#p = { url: url.href, method, headers, body, signal, redirect: redirect as RequestParts['redirect'] };
    }

    static {
      partsOf = (r) => r.#p;
    }

    get url(): string {
      return this.#p.url;
    }
    get method(): string {
      return this.#p.method;
    }
    get headers(): Headers {
      return this.#p.headers;
    }
    get signal(): unknown {
      return this.#p.signal;
    }
    get redirect(): string {
      return this.#p.redirect;
    }
    get credentials(): string {
      return 'omit';
    }
    get bodyUsed(): boolean {
      return this.#p.body.used;
    }
    clone(): Request {
      return new Request(this);
    }
    text(): Promise<string> {
      return readBody(this.#p.body, 'text') as Promise<string>;
    }
    json(): Promise<unknown> {
      return readBody(this.#p.body, 'json');
    }
    arrayBuffer(): Promise<ArrayBuffer> {
      return readBody(this.#p.body, 'arrayBuffer') as Promise<ArrayBuffer>;
    }
    bytes(): Promise<Uint8Array> {
      return readBody(this.#p.body, 'bytes') as Promise<Uint8Array>;
    }
  }
  Object.defineProperty(Request.prototype, Symbol.toStringTag, { value: 'Request', configurable: true });

  return {
    Request,
    partsOf: (r) => {
      if (!(r instanceof Request)) throw new TypeError('not a Request');
      return partsOf(r);
    },
  };
}
