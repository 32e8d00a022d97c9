// Command-line parsing: node:util parseArgs, after rewriting the Go-style single-dash long flags
// (-kong-prefix, -dump-all-plugins, -dump, -version …) that Kong and go-pluginserver configs use.
// The parser's spec and the mapping to raw options are made from config/option-table.ts.
import { parseArgs } from 'node:util';
import { OptionError } from '../errors.ts';
import { DEFAULTS, type RawOptions } from '../config/options.ts';
import { ACTION_TABLE, OPTION_TABLE, type ActionRow, type OptionKey, type OptionRow } from '../config/option-table.ts';

type OptionTable = typeof OPTION_TABLE;
type ActionTable = typeof ACTION_TABLE;

/** What parseArgs is told about one row: strings and booleans, repeated ones as arrays. */
interface ParserEntry<R extends { read: string }> {
  readonly type: R['read'] extends 'string' | 'strings' ? 'string' : 'boolean';
  readonly multiple: R['read'] extends 'strings' | 'count' ? true : false;
  readonly short?: string;
}
type AliasesOf<R> = R extends { aliases: readonly (infer A extends string)[] } ? A : never;
type OptionSpec<K extends OptionKey> = { [P in K as OptionTable[P]['flag'] | AliasesOf<OptionTable[P]>]: ParserEntry<OptionTable[P]> };
type ActionSpec = { [P in keyof ActionTable as ActionTable[P]['flag']]: ParserEntry<ActionTable[P]> };

function entry(row: OptionRow | ActionRow): { type: 'string' | 'boolean'; multiple: boolean; short?: string } {
  const type = row.read === 'string' || row.read === 'strings' ? 'string' : 'boolean';
  const multiple = row.read === 'strings' || row.read === 'count';
  return row.short === undefined ? { type, multiple } : { type, multiple, short: row.short };
}

const OPTION_KEYS = Object.keys(OPTION_TABLE) as OptionKey[];

/** The parseArgs spec of the given options (every option by default), each under its flag and aliases. */
export function optionSpec<K extends OptionKey>(keys: readonly K[] = OPTION_KEYS as K[]): OptionSpec<K> {
  const spec: Record<string, ReturnType<typeof entry>> = {};
  for (const key of keys) {
    const row: OptionRow = OPTION_TABLE[key];
    for (const name of [row.flag, ...(row.aliases ?? [])]) spec[name] = entry(row);
  }
  return spec as OptionSpec<K>;
}

const SPEC = {
  ...optionSpec(),
  ...(Object.fromEntries(Object.values(ACTION_TABLE).map((row: ActionRow) => [row.flag, entry(row)])) as ActionSpec),
};

export type CliValues = ReturnType<typeof parse>['values'];

const LONG_NAMES = new Set(Object.keys(SPEC));

/**
 * `-kong-prefix x` → `--kong-prefix x` for the given long option names only (by default the
 * server's own); `-vv`, `-vh`, `-p x` stay.
 */
export function normalizeArgv(argv: readonly string[], longNames: ReadonlySet<string> = LONG_NAMES): string[] {
  return argv.map((a) => {
    const m = /^-([a-z][a-z-]+)(=.*)?$/.exec(a);
    return m && longNames.has(m[1]!) ? `-${a}` : a;
  });
}

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: SPEC, allowPositionals: false, strict: true, allowNegative: true });
}

export function parseCli(argv: readonly string[]): CliValues {
  try {
    return parse(normalizeArgv(argv)).values;
  } catch (err) {
    throw new OptionError(`${(err as Error).message}. Run with --help for the list of options.`);
  }
}

/**
 * The options whose flag (or an alias) was given, as raw options (checked later by buildOptions);
 * a flag counted (-vv) gives how often.
 */
export function givenOptions(values: Readonly<Record<string, unknown>>): Partial<RawOptions> {
  const given: Record<string, unknown> = {};
  for (const key of OPTION_KEYS) {
    const row: OptionRow = OPTION_TABLE[key];
    const value = [row.flag, ...(row.aliases ?? [])].map((name) => values[name]).find((v) => v !== undefined);
    if (value !== undefined) given[key] = row.read === 'count' ? (value as unknown[]).length : value;
  }
  return given;
}

/** Parsed flags → the options table's input, defaults filled in (checked by buildOptions). */
export function rawOptionsFrom(cli: CliValues): RawOptions {
  return { ...DEFAULTS, ...givenOptions(cli) };
}
