// `kong-sandbox-pluginserver check -d DIR`: builds every plugin as the server would and reports, per
// plugin, what Kong or the server would refuse, with file and line. Exit status 1 on any problem,
// so operators can run it in CI before a deploy.
import path from 'node:path';
import { parseCommand } from './command-args.ts';
import { discoverPlugins } from '../plugins/discovery.ts';
import { buildPlugin } from '../plugins/loader.ts';
import { LocalInstanceHost } from '../sandbox/local-host.ts';
import { toolOptions } from '../config/options.ts';
import { givenOptions, optionSpec } from './args.ts';
import { silentLogger } from '../log.ts';
import { OptionError } from '../errors.ts';

export const CHECK_HELP = `Usage: kong-sandbox-pluginserver check -d <plugins-directory> [--memory-limit MB] [--start-timeout ms]
                                           [--max-bundle-size bytes] [--build-timeout ms]

Builds every plugin in the directory as the server would and prints one line per plugin:
  ok   <name> <version> [<phases>] priority <n>
  FAIL <file>: <what Kong or the server would refuse>
Exits 1 when any plugin fails, 0 otherwise.
`;

export async function runCheck(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    optionSpec(['pluginsDir', 'memoryLimitMb', 'startTimeoutMs', 'maxBundleBytes', 'buildTimeoutMs']),
    CHECK_HELP,
  );
  if (!parsed) return 0;
  const { values } = parsed;
  if (!values['plugins-directory']) throw new OptionError(`check needs -d <plugins-directory>\n${CHECK_HELP}`);
  const opts = toolOptions({ ...givenOptions(values), pluginsDir: values['plugins-directory'] });
  // Plugin code runs in isolates inside this short-lived process: a plugin that crashes it fails the check.
  const host = new LocalInstanceHost(opts, silentLogger);
  const names = new Map<string, string>();
  let failures = 0;
  const sources = discoverPlugins(opts.pluginsDir);
  for (const source of sources) {
    const rel = path.relative(process.cwd(), source.entry) || source.entry;
    const result = await buildPlugin(source, host, opts);
    if ('problems' in result) {
      failures++;
      for (const p of result.problems) process.stdout.write(`FAIL ${p.startsWith(source.entry) ? p.replace(source.entry, rel) : `${rel}: ${p}`}\n`);
      continue;
    }
    const info = result.ok.info;
    const first = names.get(info.Name);
    if (first) {
      failures++;
      process.stdout.write(`FAIL ${rel}: plugin name "${info.Name}" is already used by ${first}\n`);
      continue;
    }
    names.set(info.Name, rel);
    process.stdout.write(`ok   ${info.Name} ${info.Version} [${info.Phases.join(', ')}] priority ${info.Priority}\n`);
  }
  await host.shutdown();
  process.stdout.write(`${sources.length} plugin(s), ${failures} failed\n`);
  return failures > 0 ? 1 : 0;
}
