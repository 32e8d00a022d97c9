// The server's --help: the usage, then every flag of config/option-table.ts grouped by section in
// the table's order, descriptions wrapped at a column, then the subcommands.
import { ACTION_TABLE, OPTION_TABLE, SECTIONS, type ActionRow, type OptionRow, type Section } from '../config/option-table.ts';

/** where descriptions start, and the width they wrap at */
const COLUMN = 38;
const WIDTH = 108;

function flagColumn(row: OptionRow | ActionRow): string {
  const long = row.read === 'negatable' ? `--${row.flag} / --no-${row.flag}` : `--${row.flag}`;
  return `${row.short === undefined ? '      ' : `  -${row.short}, `}${long}${row.arg === undefined ? '' : ` ${row.arg}`}`;
}

function describe(row: OptionRow | ActionRow): string {
  const value = 'default' in row ? row.default : undefined;
  // a non-breaking space keeps "(default 100)" on one line when the description wraps
  return row.help.replace(/ ?\{default\}/, (m) => `${m.startsWith(' ') ? '\u00a0' : ''}${String(value)}`);
}

/** One flag's lines: the flag, then its description from COLUMN, on the next line if the flag is too long. */
export function helpLines(row: OptionRow | ActionRow): string[] {
  const lines: string[] = [];
  let line = flagColumn(row);
  if (line.length >= COLUMN) {
    lines.push(line);
    line = '';
  }
  line = line.padEnd(COLUMN);
  let empty = true;
  for (const word of describe(row).split(' ')) {
    if (!empty && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = ' '.repeat(COLUMN);
      empty = true;
    }
    line += empty ? word : ` ${word}`;
    empty = false;
  }
  lines.push(line);
  return lines.map((l) => l.replaceAll('\u00a0', ' '));
}

function section(name: Section): string {
  const rows: Array<OptionRow | ActionRow> = [...Object.values(OPTION_TABLE), ...Object.values(ACTION_TABLE)];
  return [SECTIONS[name], ...rows.filter((r) => r.section === name).flatMap(helpLines)].join('\n');
}

const COMMANDS = `Commands:
  kong-sandbox-pluginserver status [-p <dir>] [--sock-name <name>]   a running server's plugins and instances
  kong-sandbox-pluginserver check -d <dir>                           what Kong or the server would refuse; exit 1 if any
  kong-sandbox-pluginserver kong-conf -d <dir> [--kong 3.9] [--env]  the kong.conf lines for this install
  kong-sandbox-pluginserver try -d <dir> <plugin> [--phase access] [--header k=v] [--config JSON]
                                                                     one request through a plugin, step by step`;

export const HELP = `Usage: kong-sandbox-pluginserver -d <plugins-directory> [options]

Kong external plugin server (MsgPack:1) that runs every plugin instance in its own V8 isolate.
Drop-in for kong-js-pluginserver: same plugin files, same flags.

${(Object.keys(SECTIONS) as Section[]).filter((s) => s !== 'other').map(section).join('\n\n')}

${COMMANDS}

${section('other')}

Go-style single-dash spellings (-kong-prefix, -plugins-directory, -dump-all-plugins, -dump, -version) work too.
`;
