// `kong-sandbox-pluginserver try -d DIR PLUGIN`: one request through a plugin in the real sandbox,
// against the fake Kong of PluginTest, printing every PDK call the plugin made, phase by phase,
// and the response Kong would send. What a newcomer runs to see the product work without Kong.
import path from 'node:path';
import { parseCommand } from './command-args.ts';
import { optionSpec } from './args.ts';
import { PluginTest, Request, type UpstreamSpec } from '../testing/index.ts';
import { discoverPlugins } from '../plugins/discovery.ts';
import { ErrorCode, KpsError, OptionError } from '../errors.ts';
import { PHASES } from '../rpc/protocol.ts';

export const TRY_HELP = `Usage: kong-sandbox-pluginserver try -d <plugins-directory> <plugin> [options]

Runs one request through <plugin> in the sandbox, with a fake Kong, and prints each PDK call and
the response Kong would send.
  --phase <name>                  print only this phase (${PHASES.join(', ')})
  --header <name=value>           a request header (repeat it for several headers, or several values of one)
  --config <json>                 the plugin's config (default {})
  --url <url>                     the request URL (default http://localhost/)
  --method <method>               the request method (default GET)
  --body <text>                   the request body
  --upstream-status <code>        what the upstream service answers, seen by the response phase
  --upstream-header <name=value>  (default 200, content-type text/plain, body "OK"); repeatable
  --upstream-body <text>
  --allow-fetch <NAME=ORIGIN,...> origins the plugin's fetch may reach, as the server's flag (repeatable)
  -v, --verbose                   also print the plugin's console output (console.log and friends)
`;

export async function runTry(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, {
      ...optionSpec(['pluginsDir', 'allowFetch']),
      phase: { type: 'string' },
      header: { type: 'string', multiple: true },
      config: { type: 'string' },
      url: { type: 'string' },
      method: { type: 'string' },
      body: { type: 'string' },
      'upstream-status': { type: 'string' },
      'upstream-header': { type: 'string', multiple: true },
      'upstream-body': { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
    }, TRY_HELP, true);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const dir = values['plugins-directory'];
  const name = positionals[0];
  if (!dir || !name) throw new OptionError(`try needs -d <plugins-directory> and a plugin name\n${TRY_HELP}`);
  if (values.phase !== undefined && !(PHASES as readonly string[]).includes(values.phase)) throw new OptionError(`--phase must be one of ${PHASES.join(', ')}`);
  const source = discoverPlugins(path.resolve(dir)).find((s) => s.name === name.toLowerCase());
  if (!source) throw new OptionError(`no plugin "${name}" in ${dir} (found: ${discoverPlugins(path.resolve(dir)).map((s) => s.name).join(', ') || 'none'})`);
  let config: Record<string, unknown>;
  try {
    config = values.config ? (JSON.parse(values.config) as Record<string, unknown>) : {};
  } catch (err) {
    throw new OptionError(`--config is not JSON: ${(err as Error).message}`);
  }
  const headers = headerValues('--header', values.header);
  const url = new URL(values.url ?? 'http://localhost/');
  headers.host ??= [url.host];
  const request = new Request().useURL(url).useHeaders(headers).useMethod(values.method ?? 'GET');
  if (values.body !== undefined) request.useBody(values.body);
  const upstream = upstreamOf(values['upstream-status'], values['upstream-header'], values['upstream-body']);
  if (upstream) request.useUpstream(upstream);

  const allowFetch = values['allow-fetch'] ?? [];
  const t = new PluginTest(request, allowFetch.length > 0 ? { limits: { allowFetch } } : {});
  let info;
  try {
    info = await t.Run(source.root, config);
  } catch (err) {
    // a plugin that does not load, or a config Kong would refuse: say so, no stack trace
    throw new KpsError(ErrorCode.TRY, `${name}: ${(err as Error).message}`);
  }
  const out: string[] = [];
  out.push(`plugin ${info.Name} ${info.Version}, phases ${info.Phases.join(', ')}, priority ${info.Priority}`);
  out.push(`request ${values.method ?? 'GET'} ${url.href}${Object.entries(headers).flatMap(([k, vs]) => vs.map((v) => `\n  ${k}: ${v}`)).join('')}`);
  for (const phase of t.phases) {
    if (values.phase && phase !== values.phase) continue;
    out.push('', `${phase}:`);
    const calls = t.calls.filter((c) => c.phase === phase);
    if (calls.length === 0) out.push('  (no PDK calls)');
    calls.forEach((c, i) => out.push(`  ${i + 1}. ${c.method}(${c.args.map((a) => JSON.stringify(a)).join(', ')})`));
  }
  if (values.verbose) {
    out.push('', 'console:');
    if (t.console.length === 0) out.push('  (nothing)');
    for (const line of t.console) out.push(...line.split('\n').map((l) => `  ${l}`));
  }
  for (const e of t.errors) out.push('', `error: ${typeof e === 'string' ? e : JSON.stringify(e)}`);
  const r = t.response;
  out.push('', `response ${r.status ?? '(none)'}`);
  for (const k of r.headers.keys()) for (const v of r.headers.getAll(k)) out.push(`  ${k}: ${v}`);
  if (r.text) out.push(`  body: ${r.text.length > 500 ? `${r.text.slice(0, 500)}…` : r.text}`);
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}

/** name=value options → name → values, in the order given (a repeated name has several values) */
function headerValues(flag: string, given: string[] | undefined): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (const h of given ?? []) {
    const i = h.indexOf('=');
    if (i <= 0) throw new OptionError(`${flag} expects name=value, got "${h}"`);
    (headers[h.slice(0, i).toLowerCase()] ??= []).push(h.slice(i + 1));
  }
  return headers;
}

function upstreamOf(status: string | undefined, headers: string[] | undefined, body: string | undefined): UpstreamSpec | null {
  if (status === undefined && headers === undefined && body === undefined) return null;
  const spec: UpstreamSpec = {};
  if (status !== undefined) {
    const code = Number(status);
    if (!Number.isInteger(code) || code < 100 || code > 599) throw new OptionError(`--upstream-status expects an HTTP status (100-599), got "${status}"`);
    spec.status = code;
  }
  if (headers !== undefined) spec.headers = headerValues('--upstream-header', headers);
  if (body !== undefined) spec.body = body;
  return spec;
}
