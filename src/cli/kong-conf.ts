// The kong.conf lines that point Kong at this server, printed at start on a terminal.
import path from 'node:path';
import type { ServerOptions } from '../config/options.ts';

export function kongConfLines(opts: ServerOptions, plugins: readonly string[]): string {
  const bin = path.resolve(import.meta.dirname, '../../bin/kong-sandbox-pluginserver');
  const start = `${bin} -p ${path.dirname(opts.socketPath)} --sock-name ${path.basename(opts.socketPath)} -d ${opts.pluginsDir}`;
  const lines = [
    '',
    `kong-sandbox-pluginserver is serving ${plugins.length} plugin(s) on ${opts.socketPath}`,
    '',
    'kong.conf for Kong 2.3 - 3.8 (one server entry for all plugins):',
    '  pluginserver_names = sandbox',
    `  pluginserver_sandbox_socket = ${opts.socketPath}`,
    `  pluginserver_sandbox_start_cmd = ${start}`,
    `  pluginserver_sandbox_query_cmd = ${bin} -d ${opts.pluginsDir} --dump-all-plugins`,
    `  plugins = bundled,${plugins.join(',')}`,
    '',
    'kong.conf for Kong >= 3.9 (one entry per plugin, one shared socket, one start command):',
    `  pluginserver_names = ${plugins.map(confName).join(',')}`,
    ...plugins.flatMap((p, i) => [
      `  pluginserver_${confName(p)}_socket = ${opts.socketPath}`,
      ...(i === 0 ? [`  pluginserver_${confName(p)}_start_cmd = ${start}`] : []),
      `  pluginserver_${confName(p)}_query_cmd = ${bin} -d ${opts.pluginsDir} --dump-plugin-info ${p}`,
    ]),
    `  plugins = bundled,${plugins.join(',')}`,
    '',
  ];
  return lines.join('\n') + '\n';
}

function confName(plugin: string): string {
  return plugin.replace(/-/g, '_');
}
