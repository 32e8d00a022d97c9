// The host end of a plugin's fetch (sandbox-runtime/web/fetch.ts): the request is checked again here,
// whatever the isolate claims (origin allowed for this plugin, method, header names and values, size),
// then sent with Node's fetch (undici). Redirects are followed here, by hand, and only within the
// allowed origins. The response body is read up to --max-fetch-bytes and the request aborted past it,
// so a huge answer costs the host at most that much memory. No cookie jar, no credentials: undici
// adds only its own defaults (accept, accept-encoding, accept-language, sec-fetch-mode, user-agent).

import type { FetchRequestSpec, HostResponse, OpFailure as WireFailure } from './fetch-wire.ts';

export type { FetchRequestSpec, HostResponse };

export interface FetchPolicy {
  plugin: string;
  /** URL.origin spellings (src/config/allow-fetch.ts) */
  origins: readonly string[];
  timeoutMs: number;
  /** the flag that set timeoutMs: --fetch-timeout, or --event-timeout when the event's deadline is nearer */
  timeoutFlag: string;
  maxBytes: number;
  maxPayloadBytes: number;
}

/** A failure as the isolate turns it into an error, and whether it was a limit the plugin ran into. */
export interface OpFailure extends WireFailure {
  name: 'TypeError' | 'AbortError' | 'TimeoutError';
  /** a limit the plugin ran into (logged as a breach) */
  breach?: 'payload' | 'fetch';
}

const MAX_REDIRECTS = 5;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\0\r\n]|[^\0-\xff]/;
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
const FORBIDDEN_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect']);
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);

export class FetchRefused extends Error {
  readonly failure: OpFailure;
  constructor(message: string, breach?: OpFailure['breach']) {
    super(message);
    this.failure = breach === undefined ? { name: 'TypeError', message } : { name: 'TypeError', message, breach };
  }
}

function refusal(plugin: string, origin: string): string {
  return `fetch: plugin "${plugin}" may not reach ${origin}: the operator allows it with --allow-fetch ${plugin}=${origin}`;
}

/** An allowed http(s) URL, or a FetchRefused naming the plugin, the origin and --allow-fetch. */
function allowedUrl(href: string, policy: FetchPolicy): URL {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    throw new FetchRefused('fetch: not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FetchRefused(`fetch: ${url.protocol} URLs are not served; only http: and https: to the origins --allow-fetch gives plugin "${policy.plugin}"`);
  if (url.username !== '' || url.password !== '') throw new FetchRefused('fetch: a URL with credentials is not allowed');
  if (!policy.origins.includes(url.origin)) throw new FetchRefused(refusal(policy.plugin, url.origin));
  return url;
}

/** A request checkFetchRequest passed, with its URL parsed (hostFetch sends only these). */
export interface CheckedFetchRequest extends FetchRequestSpec {
  readonly target: URL;
}

/** The posted arguments, checked as if the isolate had sent anything at all. */
export function checkFetchRequest(args: unknown, policy: FetchPolicy): CheckedFetchRequest {
  const a = args as Partial<FetchRequestSpec> | null;
  if (a === null || typeof a !== 'object' || typeof a.url !== 'string' || typeof a.method !== 'string' || !Array.isArray(a.headers)) {
    throw new FetchRefused('fetch: malformed request');
  }
  const target = allowedUrl(a.url, policy);
  if (!TOKEN.test(a.method) || FORBIDDEN_METHODS.has(a.method.toUpperCase())) throw new FetchRefused(`fetch: "${a.method.slice(0, 64)}" is not an allowed HTTP method`);
  const headers: Array<[string, string]> = [];
  let size = a.url.length;
  for (const pair of a.headers as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') throw new FetchRefused('fetch: malformed headers');
    const [name, value] = pair as [string, string];
    if (!TOKEN.test(name)) throw new FetchRefused(`fetch: "${name.slice(0, 64)}" is not a valid HTTP header name`);
    if (BAD_VALUE.test(value)) throw new FetchRefused(`fetch: the value of "${name}" holds a character a header may not (NUL, CR, LF or one above U+00FF)`);
    const lower = name.toLowerCase();
    if (FORBIDDEN_HEADERS.has(lower) || lower.startsWith('proxy-')) throw new FetchRefused(`fetch: the "${lower}" header is set by the host, not by a plugin`);
    headers.push([lower, value]);
    size += name.length + value.length + 4;
  }
  const body = a.body ?? null;
  if (body !== null && !(body instanceof Uint8Array)) throw new FetchRefused('fetch: malformed body');
  size += body?.byteLength ?? 0;
  if (size > policy.maxPayloadBytes) throw new FetchRefused(`fetch: the request (URL, headers and body) is larger than ${policy.maxPayloadBytes} bytes (--max-payload-size)`, 'payload');
  const redirect = a.redirect === 'manual' || a.redirect === 'error' ? a.redirect : 'follow';
  return { url: a.url, target, method: a.method, headers, body, redirect };
}

/** Sends the request; rejects with an OpFailure. `signal`: the plugin's abort (or its event's end). */
export async function hostFetch(spec: CheckedFetchRequest, policy: FetchPolicy, signal: AbortSignal): Promise<HostResponse> {
  const ctl = new AbortController();
  const timedOut = { yes: false };
  const timer = setTimeout(() => {
    timedOut.yes = true;
    ctl.abort();
  }, policy.timeoutMs);
  const onAbort = () => ctl.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  let url = spec.target;
  try {
    let method = spec.method;
    let headers = spec.headers;
    let body: Uint8Array | null = spec.body;
    let redirected = false;
    for (let hops = 0; ; hops++) {
      const res = await fetch(url, { method, headers, body, redirect: 'manual', signal: ctl.signal, credentials: 'omit' });
      const location = REDIRECT_STATUS.has(res.status) ? res.headers.get('location') : null;
      if (location === null || spec.redirect === 'manual') {
        const bytes = await readCapped(res, policy, url.origin, ctl);
        return { status: res.status, statusText: res.statusText, headers: [...res.headers], url: url.href, redirected, body: bytes };
      }
      await res.body?.cancel();
      if (spec.redirect === 'error') throw new FetchRefused(`fetch: ${url.origin} answered with a redirect, and the request's redirect mode is "error"`);
      if (hops >= MAX_REDIRECTS) throw new FetchRefused(`fetch: more than ${MAX_REDIRECTS} redirects`);
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new FetchRefused(`fetch: ${url.origin} redirected to an invalid URL`);
      }
      next = allowedUrl(next.href, policy);
      // as browsers do: 303 (and 301/302 after a POST) become a GET without a body
      if ((res.status === 303 && method !== 'GET' && method !== 'HEAD') || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        method = 'GET';
        body = null;
        headers = headers.filter(([n]) => !n.startsWith('content-'));
      }
      // credentials meant for one origin do not follow the request to another
      if (next.origin !== url.origin) headers = headers.filter(([n]) => n !== 'authorization' && n !== 'cookie');
      url = next;
      redirected = true;
    }
  } catch (err) {
    throw failureOf(err, timedOut.yes, url.origin, policy);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

/** The body, read chunk by chunk; past the cap the request is aborted (the rest is never read). */
async function readCapped(res: Response, policy: FetchPolicy, origin: string, ctl: AbortController): Promise<Uint8Array> {
  if (res.body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > policy.maxBytes) {
      ctl.abort();
      await reader.cancel().catch(() => {});
      throw new FetchRefused(`fetch: the response from ${origin} is larger than ${policy.maxBytes} bytes (--max-fetch-bytes)`, 'fetch');
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function failureOf(err: unknown, timedOut: boolean, origin: string, policy: FetchPolicy): OpFailure {
  if (err instanceof FetchRefused) return err.failure;
  if (timedOut) return { name: 'TimeoutError', message: `fetch: ${origin} did not answer within ${policy.timeoutMs} ms (${policy.timeoutFlag})` };
  if (err instanceof Error && err.name === 'AbortError') return { name: 'AbortError', message: 'fetch: the request was aborted' };
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const detail = cause instanceof Error ? ((cause as { code?: string }).code ?? cause.message) : String(cause);
  return { name: 'TypeError', message: `fetch: the request to ${origin} failed: ${detail}` };
}
