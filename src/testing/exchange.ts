// One request's life in the fake Kong: what the client sent, the request as it goes upstream, the
// upstream's answer, the response the client gets, and the per-request state plugins can reach
// (ngx.ctx, kong.ctx.shared, the authenticated consumer, kong.log output).
//
// As in nginx, kong.service.request.* changes the request itself: kong.request.get_header,
// get_method, get_raw_query and get_raw_body read it back changed (path and scheme go to
// upstream_uri and the upstream scheme instead, so kong.request.get_path keeps the client's).
import type { Phase } from '../rpc/protocol.ts';
import { Request, DEFAULT_UPSTREAM, type Body } from './request.ts';
import { Response } from './response.ts';
import { HeaderMap } from './header-map.ts';
import { bodyBytes, bodyText } from './body-codec.ts';

export type KongVersion = '3.x' | '2.x';

export interface LogEntry {
  /** the kong.log function: alert, crit, err, warn, notice, info, debug, deprecation, inspect */
  level: string;
  /** the arguments joined as Kong's logger joins them */
  message: string;
  args: unknown[];
  phase: Phase;
}

/** What kong.service.set_* recorded about how to reach the upstream. */
export interface ServiceSettings {
  upstream?: string;
  target?: { host: string; port: number };
  retries?: number;
  timeouts?: { connect: number; write: number; read: number };
  tlsVerify?: boolean;
  tlsVerifyDepth?: number;
  tlsDisabled?: boolean;
  /** kong.service.request.enable_buffering was called */
  buffering: boolean;
}

export class Exchange {
  /** what the client sent; never changed */
  readonly request: Request;
  /** the request as it goes upstream: starts as a copy of the client's, plugins change it */
  readonly serviceRequest: Request;
  readonly response = new Response();
  /** the upstream's answer; undefined when the request was never proxied */
  serviceResponse: Response | undefined;
  source: 'service' | 'exit' | 'error' | undefined;
  readonly logs: LogEntry[] = [];
  readonly warnings: string[] = [];
  readonly service: ServiceSettings = { buffering: false };
  readonly ctx = { shared: new Map<string, unknown>(), nginx: new Map<string, unknown>() };
  readonly auth: { consumer?: unknown; credential?: unknown; groups?: unknown } = {};
  readonly serializeExtras: Record<string, unknown> = {};
  readonly startedAt = Date.now();
  readonly kongVersion: KongVersion;
  phase: Phase = 'access';

  constructor(request: Request, kongVersion: KongVersion) {
    this.request = new Request(request);
    this.serviceRequest = new Request(request);
    this.kongVersion = kongVersion;
  }

  get exited(): boolean {
    return this.source === 'exit' || this.source === 'error';
  }

  /** Kong 3.x sends raw bodies as MessagePack bin (Uint8Array); Kong 2.x sent str. */
  rawBody(body: Body): Uint8Array | string {
    return this.kongVersion === '3.x' ? bodyBytes(body) : bodyText(body);
  }

  /**
   * The fake upstream answers (or, in the stream subsystem, the connection is passed on). Response
   * headers plugins set before proxying stay on the response
   * (replacing the upstream's of the same name), as ngx.header set in access does.
   */
  proxy(): void {
    if (this.request.isStream) {
      // A TCP/TLS connection is passed on as is; Kong logs it with status 200.
      this.response.status = 200;
      this.source = 'service';
      return;
    }
    const spec = this.request.upstream;
    const upstream = new Response({
      status: spec.status ?? DEFAULT_UPSTREAM.status,
      headers: spec.headers ?? DEFAULT_UPSTREAM.headers,
      body: spec.body ?? DEFAULT_UPSTREAM.body,
    });
    this.serviceResponse = upstream;
    const client = new HeaderMap(upstream.headers);
    for (const name of this.response.headers.keys()) client.set(name, this.response.headers.getAll(name));
    this.response.headers = client;
    this.response.status = upstream.status;
    this.response.body = upstream.body;
    this.source = 'service';
  }

  /** A Lua error in a request phase: Kong answers 500 itself (the response source is "error"). */
  unexpectedError(): void {
    this.respond(500, JSON.stringify({ message: 'An unexpected error occurred' }), { json: true, given: new Set() });
    this.source = 'error';
  }

  /**
   * kong.response.exit's send(): the status, the body (a table arrives here as JSON text), and the
   * Content-Type (for JSON) and Content-Length it sets unless the exit's own headers named them.
   */
  respond(status: number, body: string | Uint8Array | undefined, opts: { json: boolean; given: ReadonlySet<string> }): void {
    this.response.status = status;
    if (opts.json && !opts.given.has('content-type')) this.response.headers.set('content-type', 'application/json; charset=utf-8');
    if (!opts.given.has('content-length')) this.response.headers.set('content-length', body === undefined ? 0 : bodyBytes(body).length);
    this.response.body = body ?? '';
    this.source = 'exit';
  }
}
