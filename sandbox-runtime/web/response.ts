// Response: status, statusText, ok, headers, url, redirected, a buffered body (text(), json(),
// arrayBuffer(), bytes()) and clone(); Response.json, Response.error and Response.redirect.
import { Headers, type HeadersInit } from './headers.ts';
import { BodyState, extractBody, readBody } from './body.ts';
import { URL } from './url.ts';
import type { HostResponse } from '../../src/sandbox/fetch-wire.ts';

export type { HostResponse };

export interface ResponseInit {
  status?: number;
  statusText?: string;
  headers?: HeadersInit;
}

const NULL_BODY = new Set([101, 103, 204, 205, 304]);
const REDIRECT = new Set([301, 302, 303, 307, 308]);
const REASON = /^[\t\x20-\x7e\x80-\xff]*$/;

let fromHost!: (r: HostResponse) => Response;

export class Response {
  #status = 200;
  #statusText = '';
  #headers: Headers;
  #body: BodyState;
  #url = '';
  #redirected = false;
  #type: 'default' | 'basic' | 'error' = 'default';

  constructor(body: unknown = null, init: ResponseInit = {}) {
    if (init === null || typeof init !== 'object') init = {};
    const status = init.status === undefined ? 200 : Number(init.status);
    if (!Number.isInteger(status) || status < 200 || status > 599) throw new RangeError(`Response: status ${String(init.status)} is not in 200-599`);
    const statusText = init.statusText === undefined ? '' : String(init.statusText);
    if (!REASON.test(statusText)) throw new TypeError('Response: statusText holds a character a reason phrase may not');
    this.#status = status;
    this.#statusText = statusText;
    this.#headers = new Headers(init.headers);
    const extracted = extractBody(body);
    if (extracted.bytes !== null && NULL_BODY.has(status)) throw new TypeError(`Response: a ${status} response cannot have a body`);
    if (extracted.type !== null && !this.#headers.has('content-type')) this.#headers.set('content-type', extracted.type);
    this.#body = new BodyState(extracted.bytes);
  }

  static {
    fromHost = (h) => {
      const r = new Response(null, { status: 200 });
      r.#status = h.status;
      r.#statusText = h.statusText;
      r.#headers = new Headers(h.headers);
      r.#body = new BodyState(h.body);
      r.#url = h.url;
      r.#redirected = h.redirected;
      r.#type = 'basic';
      return r;
    };
  }

  static json(data: unknown, init: ResponseInit = {}): Response {
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError('Response.json: the value cannot be serialised to JSON');
    const headers = new Headers(init?.headers);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return new Response(text, { ...init, headers });
  }

  static error(): Response {
    const r = new Response(null, { status: 200 });
    r.#status = 0;
    r.#type = 'error';
    return r;
  }

  static redirect(url: string | URL, status = 302): Response {
    if (!REDIRECT.has(status)) throw new RangeError(`Response.redirect: ${status} is not a redirect status`);
    const href = new URL(String(url)).href;
    return new Response(null, { status, headers: { location: href } });
  }

  get status(): number {
    return this.#status;
  }
  get statusText(): string {
    return this.#statusText;
  }
  get ok(): boolean {
    return this.#status >= 200 && this.#status <= 299;
  }
  get headers(): Headers {
    return this.#headers;
  }
  get url(): string {
    return this.#url;
  }
  get redirected(): boolean {
    return this.#redirected;
  }
  get type(): string {
    return this.#type;
  }
  get bodyUsed(): boolean {
    return this.#body.used;
  }

  clone(): Response {
    const r = new Response(null, { status: 200 });
    r.#status = this.#status;
    r.#statusText = this.#statusText;
    r.#headers = new Headers(this.#headers);
    r.#body = this.#body.clone();
    r.#url = this.#url;
    r.#redirected = this.#redirected;
    r.#type = this.#type;
    return r;
  }

  text(): Promise<string> {
    return readBody(this.#body, 'text') as Promise<string>;
  }
  json(): Promise<unknown> {
    return readBody(this.#body, 'json');
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    return readBody(this.#body, 'arrayBuffer') as Promise<ArrayBuffer>;
  }
  bytes(): Promise<Uint8Array> {
    return readBody(this.#body, 'bytes') as Promise<Uint8Array>;
  }
}
Object.defineProperty(Response.prototype, Symbol.toStringTag, { value: 'Response', configurable: true });

export function responseFromHost(h: HostResponse): Response {
  return fromHost(h);
}
