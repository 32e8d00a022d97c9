// Query strings and form bodies the way Kong reads and writes them: ngx.req.get_uri_args to read
// (an argument without "=" is `true`, a repeated one an array, "+" is a space) and Kong's
// encode_args to write (names sorted, `true` as a bare name, `false` left out, RFC 3986 escaping).

/** One argument as Lua holds it. */
export type LuaArg = string | true | Array<string | true>;

export function decodeArgs(query: string): Record<string, LuaArg> {
  const args: Record<string, LuaArg> = {};
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = unescape(eq < 0 ? part : part.slice(0, eq));
    if (name === '') continue;
    const value: string | true = eq < 0 ? true : unescape(part.slice(eq + 1));
    const prev = args[name];
    args[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return args;
}

/** Kong's fix_mmap for query maps: every value an array of strings; a bare argument is []. */
export function argsToMultiMap(args: Record<string, LuaArg>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(args)) {
    out[name] = (Array.isArray(value) ? value : [value]).filter((v): v is string => v !== true);
  }
  return out;
}

/** The first value of an argument, as kong.request.get_query_arg answers. */
export function firstArg(value: LuaArg | undefined): string | true | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function encodeArgs(args: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  for (const name of Object.keys(args).sort()) {
    const value = args[name];
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v === true) parts.push(escape(name));
      else if (v === false || v === null || v === undefined) continue;
      else parts.push(`${escape(name)}=${escape(String(v))}`);
    }
  }
  return parts.join('&');
}

/** ngx.escape_uri: everything but unreserved characters is percent-encoded. */
function escape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function unescape(s: string): string {
  const spaced = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced; // nginx leaves malformed escapes as they are
  }
}
