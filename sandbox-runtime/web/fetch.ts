// fetch, served by the host (src/sandbox/host-fetch.ts) as an operation of the current event: only to
// the origins the operator gives this plugin (--allow-fetch), checked here for a clear message and
// again by the host, which alone decides. Bodies are buffered both ways (no streams).
import { DOMException } from './dom-exception.ts';
import { URL } from './url.ts';
import { headerPairs } from './headers.ts';
import { responseFromHost, type HostResponse } from './response.ts';
import type { OpPort, OpFailure } from './op-port.ts';
import type { AbortApis } from './abort.ts';
import type { RequestApis, RequestInit } from './request.ts';

/** Headers that would let a plugin change how the request is framed or routed: the host sets them. */
const FORBIDDEN_HEADERS = new Set(['host', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'proxy-authorization', 'proxy-connection']);

export function refusalMessage(plugin: string, origin: string): string {
  return `fetch: plugin "${plugin}" may not reach ${origin}: the operator allows it with --allow-fetch ${plugin}=${origin}`;
}

function failure(value: unknown): Error {
  const f = (value ?? {}) as Partial<OpFailure>;
  const message = typeof f.message === 'string' ? f.message : 'fetch failed';
  if (f.name === 'AbortError' || f.name === 'TimeoutError') return new DOMException(message, f.name);
  return new TypeError(message);
}

export function createFetch(
  ops: OpPort, abort: AbortApis, requests: RequestApis,
): (input: unknown, init?: RequestInit) => Promise<unknown> {
  return function fetch(input: unknown, init?: RequestInit): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const req = new requests.Request(input, init);
      const p = requests.partsOf(req);
      const signal = p.signal as { aborted: boolean; reason: unknown };
      if (signal.aborted) throw signal.reason;
      const url = new URL(p.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new TypeError(`fetch: ${url.protocol} URLs are not served; only http: and https: to the origins --allow-fetch gives plugin "${ops.fetch.plugin}"`);
      }
      if (!ops.fetch.origins.includes(url.origin)) throw new TypeError(refusalMessage(ops.fetch.plugin, url.origin));
      const headers = headerPairs(p.headers).filter(([n]) => n !== 'content-length'); // the host frames the body
      for (const [n] of headers) {
        if (FORBIDDEN_HEADERS.has(n) || n.startsWith('proxy-')) throw new TypeError(`fetch: the "${n}" header is set by the host, not by a plugin`);
      }
      const body = p.body.used ? null : p.body.take();
      if (p.body.used && body === null) throw new TypeError('fetch: the body of the Request has already been read');
      let size = p.url.length + (body?.byteLength ?? 0);
      for (const [n, v] of headers) size += n.length + v.length + 4;
      const max = ops.fetch.maxPayloadBytes;
      if (size > max) throw new TypeError(`fetch: the request (URL, headers and body) is larger than ${max} bytes (--max-payload-size)`);
      let unfollow: (() => void) | null = null;
      const opId = ops.start('fetch', { url: p.url, method: p.method, headers, body: body && body.byteLength > 0 ? body : null, redirect: p.redirect }, 'fetch', (ok, value) => {
        unfollow?.();
        if (ok) resolve(responseFromHost(value as HostResponse));
        else reject(failure(value));
      });
      unfollow = abort.follow(p.signal, (reason) => {
        ops.cancel(opId);
        reject(reason);
      });
    });
  };
}
