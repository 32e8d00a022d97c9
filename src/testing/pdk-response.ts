// kong.response.* of the fake Kong (kong/pdk/response.lua): the response the client gets. exit and
// error end the request; their argument checks, JSON encoding of table bodies and automatic
// Content-Type/Content-Length are Kong's.
import type { Exchange } from './exchange.ts';
import { LuaError, headerValues, isNil, luaType, requireString, type PdkTable } from './lua.ts';
import { headerLookup } from './pdk-request.ts';

/** Kong's default messages for kong.response.error */
const ERROR_MESSAGES: Readonly<Record<number, string>> = {
  400: 'Bad request', 401: 'Unauthorized', 402: 'Payment required', 403: 'Forbidden', 404: 'Not found',
  405: 'Method not allowed', 406: 'Not acceptable', 407: 'Proxy authentication required', 408: 'Request timeout',
  409: 'Conflict', 410: 'Gone', 411: 'Length required', 412: 'Precondition failed', 413: 'Payload too large',
  414: 'URI too long', 415: 'Unsupported media type', 416: 'Range not satisfiable', 417: 'Expectation failed',
  418: "I'm a teapot", 421: 'Misdirected request', 422: 'Unprocessable entity', 423: 'Locked', 424: 'Failed dependency',
  425: 'Too early', 426: 'Upgrade required', 428: 'Precondition required', 429: 'Too many requests',
  431: 'Request header fields too large', 451: 'Unavailable for legal reasons', 494: 'Request header or cookie too large',
  500: 'An unexpected error occurred', 501: 'Not implemented', 502: 'An invalid response was received from the upstream server',
  503: 'The upstream server is currently unavailable', 504: 'The upstream server is timing out', 505: 'HTTP version not supported',
  506: 'Variant also negotiates', 507: 'Insufficient storage', 508: 'Loop detected', 510: 'Not extended', 511: 'Network authentication required',
};

function checkStatus(status: unknown, min: number): number {
  if (typeof status !== 'number') throw new LuaError('code must be a number');
  if (status < min || status > 599) throw new LuaError(`code must be a number between ${min} and 599`);
  return status;
}

/** set_header semantics for each entry; Transfer-Encoding is ignored with Kong's warning. */
function setHeaders(ex: Exchange, headers: unknown): Set<string> {
  const given = new Set<string>();
  if (isNil(headers)) return given;
  if (luaType(headers) !== 'table' || Array.isArray(headers)) throw new LuaError('headers must be a nil or table');
  const checked = Object.entries(headers as Record<string, unknown>).map(([name, value]) => headerValues(name, value));
  for (const { name, values } of checked) {
    const lower = name.toLowerCase();
    given.add(lower.replace(/_/g, '-'));
    if (lower === 'transfer-encoding' || lower === 'transfer_encoding') {
      ex.logs.push({ level: 'warn', message: 'manually setting Transfer-Encoding. Ignored.', args: [], phase: ex.phase });
      continue;
    }
    ex.response.headers.set(name, values);
  }
  return given;
}

export const responsePdk: PdkTable = {
  'kong.response.get_status': (_a, ex) => ex.response.status,
  'kong.response.get_header': ([name], ex) => headerLookup(ex.response.headers, requireString(name, 'header name')),
  'kong.response.get_headers': (_a, ex) => ex.response.headers.toMultiMap(),
  'kong.response.get_source': (_a, ex) => ex.source ?? 'error',
  'kong.response.set_status': ([status], ex) => {
    ex.response.status = checkStatus(status, 100);
  },
  'kong.response.set_header': ([name, value], ex) => void setHeaders(ex, { [requireString(name, 'header name')]: value }),
  'kong.response.add_header': ([name, value], ex) => {
    const h = headerValues(name, value);
    ex.response.headers.append(h.name, h.values);
  },
  'kong.response.clear_header': ([name], ex) => void ex.response.headers.delete(requireString(name, 'header name')),
  'kong.response.set_headers': ([headers], ex) => {
    if (luaType(headers) !== 'table') throw new LuaError('headers must be a table');
    setHeaders(ex, headers);
  },
  'kong.response.exit': ([status, body, headers], ex) => {
    const code = checkStatus(status, 100);
    const type = luaType(body);
    if (type !== 'nil' && type !== 'string' && type !== 'table') throw new LuaError('body must be a nil, string or table');
    const given = setHeaders(ex, headers);
    const json = type === 'table';
    ex.respond(code, json ? JSON.stringify(body) : (body as string | Uint8Array | null | undefined) ?? undefined, { json, given });
  },
  'kong.response.error': ([status, message, headers], ex) => {
    const code = checkStatus(status, 400);
    if (!isNil(message) && typeof message !== 'string') throw new LuaError('message must be a nil or a string');
    const given = setHeaders(ex, headers);
    // Kong picks the format from the Accept header; JSON is what it sends by default.
    ex.respond(code, JSON.stringify({ message: message ?? ERROR_MESSAGES[code] ?? `The upstream server responded with ${code}` }), { json: true, given });
  },
};
