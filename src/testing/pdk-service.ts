// kong.service.* of the fake Kong: how the request goes upstream (kong.service.request.*, which
// changes the request itself, see exchange.ts), where it goes (kong.service.set_*), and what the
// upstream answered (kong.service.response.*, in the response phase).
import type { Exchange } from './exchange.ts';
import { LuaError, NilWithError, headerValues, isNil, luaType, requireString, requireTable, type PdkTable } from './lua.ts';
import { encodeArgs } from './query-string.ts';
import { decodeBody, encodeBody } from './body-codec.ts';
import { headerLookup } from './pdk-request.ts';

const METHODS = new Set(['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'MKCOL', 'COPY', 'MOVE', 'PROPFIND', 'PROPPATCH', 'LOCK', 'UNLOCK', 'PATCH', 'TRACE']);

function requireNumber(v: unknown, what: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new LuaError(`${what} must be an integer`);
  if (v < min || v > max) throw new LuaError(`${what} must be an integer between ${min} and ${max}`);
  return v;
}

function upstreamAnswer(ex: Exchange) {
  const res = ex.serviceResponse;
  if (res === undefined) throw new LuaError('the request was not proxied: there is no service response');
  return res;
}

export const servicePdk: PdkTable = {
  'kong.service.set_upstream': ([host], ex) => {
    ex.service.upstream = requireString(host, 'host');
    return true;
  },
  'kong.service.set_target': ([host, port], ex) => {
    ex.service.target = { host: requireString(host, 'host'), port: requireNumber(port, 'port', 0, 65535) };
  },
  'kong.service.set_retries': ([retries], ex) => {
    ex.service.retries = requireNumber(retries, 'retries', 0, 32767);
  },
  'kong.service.set_timeouts': ([connect, write, read], ex) => {
    const max = 2 ** 31 - 2;
    ex.service.timeouts = {
      connect: requireNumber(connect, 'connect_timeout', 1, max),
      write: requireNumber(write, 'write_timeout', 1, max),
      read: requireNumber(read, 'read_timeout', 1, max),
    };
  },
  'kong.service.set_tls_verify': ([on], ex) => {
    if (typeof on !== 'boolean') throw new LuaError('argument must be a boolean');
    ex.service.tlsVerify = on;
    return true;
  },
  'kong.service.set_tls_verify_depth': ([depth], ex) => {
    ex.service.tlsVerifyDepth = requireNumber(depth, 'depth', 0, 64);
    return true;
  },

  'kong.service.request.set_scheme': ([scheme], ex) => {
    const s = requireString(scheme, 'scheme');
    if (s !== 'http' && s !== 'https') throw new LuaError(`invalid scheme: ${s}`);
    ex.serviceRequest.url.protocol = `${s}:`;
  },
  'kong.service.request.set_path': ([path], ex) => {
    const p = requireString(path, 'path');
    if (!p.startsWith('/')) throw new LuaError('path must start with /');
    ex.serviceRequest.url.pathname = p;
  },
  'kong.service.request.set_raw_query': ([query], ex) => {
    const q = requireString(query, 'query');
    ex.serviceRequest.url.search = q === '' ? '' : `?${q}`;
  },
  'kong.service.request.set_method': ([method], ex) => {
    const m = requireString(method, 'method');
    if (!METHODS.has(m)) throw new LuaError(`invalid method: ${m}`);
    ex.serviceRequest.method = m;
  },
  'kong.service.request.set_query': ([args], ex) => {
    const q = encodeArgs(requireTable(args, 'args'));
    ex.serviceRequest.url.search = q === '' ? '' : `?${q}`;
  },
  'kong.service.request.set_header': ([name, value], ex) => {
    const h = headerValues(name, value);
    ex.serviceRequest.headers.set(h.name, h.values);
  },
  'kong.service.request.add_header': ([name, value], ex) => {
    const h = headerValues(name, value);
    ex.serviceRequest.headers.append(h.name, h.values);
  },
  'kong.service.request.clear_header': ([name], ex) => void ex.serviceRequest.headers.delete(requireString(name, 'header name')),
  'kong.service.request.set_headers': ([headers], ex) => {
    const checked = Object.entries(requireTable(headers, 'headers')).map(([name, value]) => headerValues(name, value));
    for (const h of checked) ex.serviceRequest.headers.set(h.name, h.values);
  },
  'kong.service.request.set_raw_body': ([body], ex) => {
    if (luaType(body) !== 'string') throw new LuaError('body must be a string');
    ex.serviceRequest.body = body as string | Uint8Array;
  },
  'kong.service.request.set_body': ([args, mimetype], ex) => {
    if (!isNil(mimetype) && typeof mimetype !== 'string') throw new LuaError('mime must be a string');
    const type = typeof mimetype === 'string' ? mimetype : ex.serviceRequest.headers.first('content-type');
    const encoded = encodeBody(requireTable(args, 'args'), type);
    if ('error' in encoded) return new NilWithError(encoded.error);
    if (typeof mimetype === 'string') ex.serviceRequest.headers.set('content-type', mimetype);
    ex.serviceRequest.body = encoded.body;
    return true;
  },
  'kong.service.request.enable_buffering': (_a, ex) => {
    ex.service.buffering = true;
  },
  'kong.service.request.disable_tls': (_a, ex) => {
    ex.service.tlsDisabled = true;
    return true;
  },

  'kong.service.response.get_status': (_a, ex) => upstreamAnswer(ex).status,
  'kong.service.response.get_header': ([name], ex) => headerLookup(upstreamAnswer(ex).headers, requireString(name, 'name')),
  'kong.service.response.get_headers': (_a, ex) => upstreamAnswer(ex).headers.toMultiMap(),
  // Readable only in the response phase (the log timer has no request), which external plugins get
  // only with a response handler, and so with buffered proxying: the body is always there.
  'kong.service.response.get_raw_body': (_a, ex) => ex.rawBody(upstreamAnswer(ex).body),
  'kong.service.response.get_body': ([mimetype], ex) => {
    const res = upstreamAnswer(ex);
    const type = typeof mimetype === 'string' ? mimetype : res.headers.first('content-type');
    const result = decodeBody(res.body, type);
    return 'error' in result ? new NilWithError(result.error) : result.value;
  },
};
