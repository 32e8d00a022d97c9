// The argument handling every subcommand (check, status, kong-conf, try) shares: parse, print its
// help on -h/--help, and turn a parse error into an OptionError that shows the help.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { OptionError } from '../errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parsed values and positionals, or null when the help was printed (the command then exits 0). */
export function parseCommand<const O extends Options>(argv: string[], options: O, help: string, allowPositionals = false) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals });
  } catch (err) {
    throw new OptionError(`${(err as Error).message}\n${help}`);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(help);
    return null;
  }
  return parsed;
}
