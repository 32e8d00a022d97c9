// kong.request.* and kong.nginx.get_var of the fake Kong: the client request, read through what
// plugins changed of it (see exchange.ts), with Kong's answer shapes (first header value,
// multimaps, bin raw bodies on 3.x).
import type { Exchange } from './exchange.ts';
import { NilWithError, requireString, type PdkTable } from './lua.ts';
import { decodeArgs, argsToMultiMap, firstArg } from './query-string.ts';
import { decodeBody } from './body-codec.ts';

/** Kong: header names are case-insensitive, and "_" may stand for "-". */
export function headerLookup(headers: { first(name: string): string | undefined }, name: string): string | undefined {
  return headers.first(name) ?? headers.first(name.replace(/_/g, '-'));
}

const scheme = (ex: Exchange): string => ex.request.url.protocol.replace(/:$/, '');

function port(ex: Exchange): number {
  const url = ex.request.url;
  return url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/** ngx.var.host: the Host header without its port, else the URL's host name. */
function host(ex: Exchange): string {
  const header = ex.request.headers.first('host');
  return (header === undefined ? ex.request.url.hostname : header.replace(/:\d+$/, '')).toLowerCase();
}

const rawQuery = (ex: Exchange): string => ex.serviceRequest.url.search.replace(/^\?/, '');

/** ngx.var.request_uri: fixed when the request arrived */
const requestUri = (ex: Exchange): string => ex.request.url.pathname + ex.request.url.search;

export const requestPdk: PdkTable = {
  'kong.request.get_scheme': (_a, ex) => scheme(ex),
  'kong.request.get_host': (_a, ex) => host(ex),
  'kong.request.get_port': (_a, ex) => port(ex),
  // No trusted_ips by default: Kong ignores X-Forwarded-* and answers the connection's own values.
  'kong.request.get_forwarded_scheme': (_a, ex) => scheme(ex),
  'kong.request.get_forwarded_host': (_a, ex) => host(ex),
  'kong.request.get_forwarded_port': (_a, ex) => port(ex),
  'kong.request.get_forwarded_path': (_a, ex) => ex.request.url.pathname,
  'kong.request.get_forwarded_prefix': () => undefined,
  'kong.request.get_http_version': () => 1.1,
  'kong.request.get_method': (_a, ex) => ex.serviceRequest.method,
  'kong.request.get_path': (_a, ex) => ex.request.url.pathname,
  'kong.request.get_raw_path': (_a, ex) => ex.request.url.pathname,
  'kong.request.get_path_with_query': (_a, ex) => requestUri(ex),
  'kong.request.get_raw_query': (_a, ex) => rawQuery(ex),
  'kong.request.get_query_arg': ([name], ex) => firstArg(decodeArgs(rawQuery(ex))[requireString(name, 'query argument name')]),
  'kong.request.get_query': (_a, ex) => argsToMultiMap(decodeArgs(rawQuery(ex))),
  'kong.request.get_header': ([name], ex) => headerLookup(ex.serviceRequest.headers, requireString(name, 'header name')),
  'kong.request.get_headers': (_a, ex) => ex.serviceRequest.headers.toMultiMap(),
  'kong.request.get_raw_body': (_a, ex) => ex.rawBody(ex.serviceRequest.body),
  'kong.request.get_body': ([mimetype], ex) => {
    const type = typeof mimetype === 'string' ? mimetype : ex.serviceRequest.headers.first('content-type');
    const result = decodeBody(ex.serviceRequest.body, type);
    return 'error' in result ? new NilWithError(result.error) : result.value;
  },
  'kong.request.get_uri_captures': () => ({ unnamed: [], named: {} }),
  'kong.request.get_start_time': (_a, ex) => ex.startedAt,

  'kong.nginx.get_var': ([name], ex) => {
    const v = requireString(name, 'variable name');
    const live = ex.serviceRequest;
    if (v.startsWith('http_')) return headerLookup(live.headers, v.slice(5));
    if (v.startsWith('arg_')) {
      const arg = firstArg(decodeArgs(rawQuery(ex))[v.slice(4)]);
      return arg === true ? '' : arg;
    }
    if (v.startsWith('cookie_')) {
      const cookie = (live.headers.getAll('cookie').join('; ').split(/;\s*/).find((c) => c.startsWith(`${v.slice(7)}=`)) ?? '').split('=');
      return cookie.length > 1 ? cookie.slice(1).join('=') : undefined;
    }
    const vars: Record<string, () => string | undefined> = {
      request_uri: () => requestUri(ex),
      uri: () => ex.request.url.pathname,
      args: () => rawQuery(ex),
      query_string: () => rawQuery(ex),
      is_args: () => (rawQuery(ex) === '' ? '' : '?'),
      scheme: () => scheme(ex),
      host: () => host(ex),
      server_port: () => String(port(ex)),
      server_protocol: () => 'HTTP/1.1',
      request_method: () => live.method,
      remote_addr: () => '127.0.0.1',
      realip_remote_addr: () => '127.0.0.1',
      remote_port: () => '40000',
      upstream_uri: () => live.url.pathname + live.url.search,
      upstream_scheme: () => live.url.protocol.replace(/:$/, ''),
    };
    return vars[v]?.();
  },
};
