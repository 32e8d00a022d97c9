// The client request a PluginTest sends through the fake Kong, built like kong-js-pdk's plugin_test
// Request (`new Request().useURL(…).useHeaders({…}).useMethod(…).useBody(…)`), plus the answer
// the fake upstream service gives (`useUpstream`).
import { HeaderMap, type HeadersInit } from './header-map.ts';

export type Body = string | Uint8Array;

/** What the upstream service answers when the request is proxied. */
export interface UpstreamSpec {
  status?: number;
  headers?: HeadersInit;
  body?: Body;
}

/** kong-js-pdk's fake upstream answers 200 "OK"; its tests (and so ours) rely on that body. */
export const DEFAULT_UPSTREAM: Readonly<Required<Omit<UpstreamSpec, 'headers'>>> & { headers: Readonly<Record<string, string>> } = {
  status: 200,
  headers: { 'content-type': 'text/plain; charset=utf-8' },
  body: 'OK',
};

export class Request {
  url = new URL('http://konghq.com');
  headers = new HeaderMap();
  method = 'GET';
  body: Body = '';
  isHttps = false;
  isTCP = false;
  isTLS = false;
  upstream: UpstreamSpec = {};

  /** a copy of another request (the upstream request starts as a copy of the client's) */
  constructor(request?: Request) {
    if (request !== undefined) {
      this.useURL(request.url.toString());
      this.headers = new HeaderMap(request.headers);
      this.method = request.method;
      this.body = typeof request.body === 'string' ? request.body : request.body.slice();
      this.upstream = request.upstream;
    }
  }

  /** http:, https: (adds the certificate phase), tcp: and tls: (the stream subsystem: preread) */
  useURL(url: string | URL): this {
    this.url = new URL(url);
    this.isHttps = this.url.protocol === 'https:';
    this.isTCP = this.url.protocol === 'tcp:';
    this.isTLS = this.url.protocol === 'tls:';
    return this;
  }

  /** Sets each header (replacing earlier values of the name); an array value sends the header several times. */
  useHeaders(headers: HeadersInit): this {
    const given = new HeaderMap(headers);
    for (const name of given.keys()) this.headers.set(name, given.getAll(name));
    return this;
  }

  useMethod(method: string): this {
    this.method = method;
    return this;
  }

  useBody(body: Body): this {
    this.body = body;
    return this;
  }

  /** What the service answers if the request is proxied (default: 200, text/plain, "OK"). */
  useUpstream(upstream: UpstreamSpec): this {
    this.upstream = upstream;
    return this;
  }

  /** the stream subsystem (preread instead of the HTTP phases) */
  get isStream(): boolean {
    return this.isTCP || this.isTLS;
  }
}
