// What a plugin that imports a Node built-in is told: the import cannot work in a V8 isolate, and,
// where the sandbox has one, the Web API that does the job instead (sandbox-runtime/web/).
const HINTS: Record<string, string> = {
  buffer: 'use Uint8Array with TextEncoder / TextDecoder, and atob / btoa for base64',
  string_decoder: 'use TextDecoder (with { stream: true } for chunks)',
  util: 'use TextEncoder / TextDecoder for text, structuredClone for deep copies',
  url: 'use the URL and URLSearchParams globals',
  querystring: 'use URLSearchParams',
  punycode: 'use new URL(...).hostname, which converts non-ASCII hosts',
  crypto: 'use crypto.subtle (digest, HMAC, RSA, ECDSA, Ed25519 signatures, AES-GCM) and crypto.getRandomValues / crypto.randomUUID',
  timers: 'use the setTimeout / setInterval globals, inside a handler (a timer belongs to its event)',
  'timers/promises': 'use new Promise((resolve) => setTimeout(resolve, ms)) inside a handler',
  http: 'use fetch, to the origins the operator allows this plugin (--allow-fetch NAME=ORIGIN)',
  https: 'use fetch, to the origins the operator allows this plugin (--allow-fetch NAME=ORIGIN)',
  http2: 'use fetch, to the origins the operator allows this plugin (--allow-fetch NAME=ORIGIN)',
  net: 'plugins have no sockets: use fetch, to the origins the operator allows (--allow-fetch NAME=ORIGIN)',
  tls: 'plugins have no sockets: use fetch with an https origin the operator allows (--allow-fetch NAME=ORIGIN)',
  dns: 'plugins cannot resolve names: fetch resolves the allowed origin on the host',
  fs: 'plugins have no file system: read what you need from the plugin config',
  'fs/promises': 'plugins have no file system: read what you need from the plugin config',
  path: 'plugins have no file system; for URL paths use the URL global',
  events: 'bundle a pure-JavaScript EventEmitter from npm under another name (for example "eventemitter3")',
  stream: 'use the kong PDK for request and response bodies',
  zlib: 'no compression library is built in: bundle a pure-JavaScript one (for example "fflate")',
  worker_threads: 'each plugin instance already runs in its own isolate',
  child_process: 'plugins cannot start processes',
  os: 'plugins cannot read the host',
  process: 'plugins cannot read the host; configuration comes from the plugin config',
};

/** The build error for `import "<specifier>"` of a Node built-in (`node:` prefix or not). */
export function nodeBuiltinMessage(specifier: string): string {
  const name = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
  const hint = HINTS[name] ?? HINTS[name.split('/')[0]!];
  const base = `import "${specifier}" is not available: plugins run in a V8 isolate without Node.js APIs`;
  return hint ? `${base} (${hint}; the kong PDK for everything about the request)` : `${base} (use the kong PDK instead)`;
}
