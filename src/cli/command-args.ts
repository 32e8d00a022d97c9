// The argument handling every subcommand (check, status, kong-conf, try) shares: Go-style
// single-dash long flags (-plugins-directory) rewritten as for the server's own, parse, print its
// help on -h/--help, and turn a parse error into an OptionError that shows the help.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { normalizeArgv } from './args.ts';
import { OptionError } from '../errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parsed values and positionals, or null when the help was printed (the command then exits 0). */
export function parseCommand<const O extends Options>(argv: readonly string[], options: O, help: string, allowPositionals = false) {
  const all = { ...options, help: { type: 'boolean', short: 'h' } } as const;
  let parsed;
  try {
    parsed = parseArgs({ args: normalizeArgv(argv, new Set(Object.keys(all))), options: all, allowPositionals });
  } catch (err) {
    throw new OptionError(`${(err as Error).message}\n${help}`);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(help);
    return null;
  }
  return parsed;
}
