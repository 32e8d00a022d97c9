// The exact kong.conf lines (or KONG_* environment) that point Kong at this install:
// one server entry for Kong 2.3–3.8; for Kong >= 3.9, which registers only the first plugin a query
// command prints, one entry per plugin, all sharing one socket and one start command.
import path from 'node:path';
import { parseCommand } from './command-args.ts';
import { givenOptions, optionSpec } from './args.ts';
import { toolOptions, defaultShards, IDLE_SHARD_MB, IDLE_SUPERVISOR_MB } from '../config/options.ts';
import { discoverPlugins } from '../plugins/discovery.ts';
import { LocalInstanceHost } from '../sandbox/local-host.ts';
import { PluginRegistry } from '../plugins/registry.ts';
import { silentLogger } from '../log.ts';
import { OptionError } from '../errors.ts';

export const BIN = path.resolve(import.meta.dirname, '../../bin/kong-sandbox-pluginserver');

export interface KongConfInput {
  bin: string;
  socketPath: string;
  pluginsDir: string;
  plugins: readonly string[];
  /** Kong version the lines are for: "3.9" and later get one entry per plugin */
  kong: string;
  env: boolean;
}

export function kongConf(c: KongConfInput): string {
  const q = (s: string) => (/[\s"'$`\\]/.test(s) ? `'${s.replace(/'/g, `'\\''`)}'` : s);
  const start = `${q(c.bin)} -p ${q(path.dirname(c.socketPath))} --sock-name ${q(path.basename(c.socketPath))} -d ${q(c.pluginsDir)}`;
  const query = (one: string | null) => `${q(c.bin)} -d ${q(c.pluginsDir)} ${one ? `--dump-plugin-info ${q(one)}` : '--dump-all-plugins'}`;
  const entries: Array<[string, string]> = [];
  if (perPlugin(c.kong)) {
    entries.push(['pluginserver_names', c.plugins.map(confName).join(',')]);
    c.plugins.forEach((p, i) => {
      entries.push([`pluginserver_${confName(p)}_socket`, c.socketPath]);
      if (i === 0) entries.push([`pluginserver_${confName(p)}_start_cmd`, start]);
      entries.push([`pluginserver_${confName(p)}_query_cmd`, query(p)]);
    });
  } else {
    entries.push(['pluginserver_names', 'sandbox'], ['pluginserver_sandbox_socket', c.socketPath], ['pluginserver_sandbox_start_cmd', start], ['pluginserver_sandbox_query_cmd', query(null)]);
  }
  entries.push(['plugins', ['bundled', ...c.plugins].join(',')]);
  return entries.map(([k, v]) => (c.env ? `KONG_${k.toUpperCase()}=${q(v)}` : `${k} = ${v}`)).join('\n') + '\n';
}

/** Kong >= 3.9 reads only the first plugin of each query command. */
function perPlugin(kong: string): boolean {
  const [major = 0, minor = 0] = kong.split('.').map(Number);
  return major > 3 || (major === 3 && minor >= 9);
}

/** Kong's server names: lower case, "-" → "_" (conf_loader). */
function confName(plugin: string): string {
  return plugin.toLowerCase().replace(/-/g, '_');
}

export const KONG_CONF_HELP = `Usage: kong-sandbox-pluginserver kong-conf -d <plugins-directory> [--kong 3.9] [-p <kong-prefix>] [--sock-name <name>] [--env]
(--socket-name is an alias of --sock-name, as for the server)

Prints the kong.conf lines (or KONG_* environment with --env) that make Kong use this server for
every plugin in the directory. --kong 3.8 or older: one server entry; 3.9 and later (default): one
entry per plugin sharing one socket, each with a query command that prints just that plugin.
`;

export async function runKongConf(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, {
      ...optionSpec(['pluginsDir', 'kongPrefix', 'sockName']),
      kong: { type: 'string' },
      env: { type: 'boolean' },
    }, KONG_CONF_HELP);
  if (!parsed) return 0;
  const { values } = parsed;
  if (!values['plugins-directory']) throw new OptionError(`kong-conf needs -d <plugins-directory>\n${KONG_CONF_HELP}`);
  if (values.kong !== undefined && !/^\d+\.\d+(\.\d+)?$/.test(values.kong)) throw new OptionError('--kong expects a version such as 3.8 or 3.9');
  const opts = toolOptions({ ...givenOptions(values), pluginsDir: values['plugins-directory'] });
  const host = new LocalInstanceHost(opts, silentLogger);
  const registry = new PluginRegistry();
  const problems = await registry.loadDirectory(opts.pluginsDir, host, opts, silentLogger);
  await host.shutdown();
  for (const p of problems) process.stderr.write(`left out: ${p.file}: ${p.message}\n`);
  const shards = defaultShards(discoverPlugins(opts.pluginsDir).length);
  process.stderr.write(
    `memory: the server starts ${shards} shard process${shards === 1 ? '' : 'es'} for this directory (one per plugin, at most one per CPU core; ` +
      `--shards N at the end of the start command sets it), each about ${IDLE_SHARD_MB} MB of RSS when idle, besides the supervisor's ~${IDLE_SUPERVISOR_MB} MB\n`,
  );
  process.stdout.write(kongConf({ bin: BIN, socketPath: opts.socketPath, pluginsDir: opts.pluginsDir, plugins: registry.names, kong: values.kong ?? '3.9', env: values.env ?? false }));
  return 0;
}
