// Which entries of the plugins directory are plugins: a .js/.cjs/.mjs/.ts file, or a directory with
// a package.json or an index file. Dotfiles, node_modules, tests and type declarations are skipped.
import fs from 'node:fs';
import path from 'node:path';
import { readRegularFileSync } from './confined-file.ts';

export interface PluginSource {
  /** the default plugin name (the module may export another with `Name`) */
  name: string;
  /** the file esbuild starts from */
  entry: string;
  /** the directory entry it came from */
  root: string;
}

const EXTENSIONS = ['.ts', '.js', '.cjs', '.mjs'];
/** a package.json is read here only for "main": one past this is left to the build, which refuses it by --max-bundle-size */
const MANIFEST_CAP = 1024 * 1024;
const SKIP = /^(\.|node_modules$|__tests__$|tests?$)|\.d\.[cm]?ts$|\.(test|spec)\.[cm]?[jt]s$/;

export function discoverPlugins(dir: string): PluginSource[] {
  const out: PluginSource[] = [];
  for (const ent of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (SKIP.test(ent.name)) continue;
    const full = path.join(dir, ent.name);
    const isDir = ent.isDirectory() || (ent.isSymbolicLink() && safeStat(full)?.isDirectory());
    if (isDir) {
      const entry = directoryEntry(full);
      if (entry) out.push({ name: ent.name.toLowerCase(), entry, root: full });
    } else {
      const ext = path.extname(ent.name);
      if (EXTENSIONS.includes(ext)) out.push({ name: path.basename(ent.name, ext).toLowerCase(), entry: full, root: full });
    }
  }
  return out;
}

function directoryEntry(dir: string): string | null {
  // read without blocking (a FIFO never answers) and only if it is a regular file of a sane size
  const manifest = readRegularFileSync(path.join(dir, 'package.json'), MANIFEST_CAP);
  if (manifest !== null) {
    try {
      const pkg = JSON.parse(manifest) as { main?: unknown };
      if (typeof pkg.main === 'string') {
        const main = path.resolve(dir, pkg.main);
        for (const candidate of [main, ...EXTENSIONS.map((e) => main + e), ...EXTENSIONS.map((e) => path.join(main, 'index' + e))]) {
          if (safeStat(candidate)?.isFile()) return candidate;
        }
      }
    } catch {
      // an unreadable package.json falls back to the index file
    }
  }
  for (const ext of EXTENSIONS) {
    const index = path.join(dir, 'index' + ext);
    if (safeStat(index)?.isFile()) return index;
  }
  return null;
}

function safeStat(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}
