// Text a plugin chose (PDK method names, error messages, log lines, breach details, names) on its
// way into a host log line, a breach record or plugin.GetStatus. The runtime in the isolate bounds
// it first; the host does again, because a plugin must never decide how much the host writes.

/** characters of one plugin-chosen text, at most, unless a caller says otherwise */
export const MAX_PLUGIN_TEXT = 4096;

/** Longest PDK method name (Kong's longest is under 50); the runtime refuses longer ones first. */
export const MAX_METHOD_NAME = 256;

const PDK_METHOD = /^kong(\.[a-z0-9_]+)+$/;

// C0/C1 controls but tab and newline, line/paragraph separators, bidi overrides and isolates:
// characters that rewrite what a terminal or a log viewer shows around them.
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `text` cut to `max` characters (saying how many more there were), with control characters replaced. */
export function clipPluginText(text: unknown, max = MAX_PLUGIN_TEXT): string {
  if (typeof text !== 'string') return '(not text)';
  const cut = text.length > max ? `${text.slice(0, max)}… (${text.length - max} more chars)` : text;
  return cut.replace(UNPRINTABLE, '\uFFFD');
}

/** A name the runtime can have made for a PDK method ("kong.request.get_header"), of sane length. */
export function isPdkMethodName(method: unknown): method is string {
  return typeof method === 'string' && method.length <= MAX_METHOD_NAME && PDK_METHOD.test(method);
}
