// The esbuild plugin that keeps a bundle inside its plugin's root. Every import is resolved by
// esbuild, then checked here on its real path; every file is read here (esbuild opens none itself),
// non-blocking, regular files only, counted against the bundle's byte budget. Only JavaScript,
// TypeScript and JSON are loaded: the text, binary, base64, dataurl, file, copy and css loaders
// would turn any file into data the plugin can read, so they are not offered, by extension or by
// import attribute.
import fs from 'node:fs';
import path from 'node:path';
import type { Loader, OnLoadResult, OnResolveArgs, OnResolveResult, Plugin as EsbuildPlugin } from 'esbuild';
import { ConfinementError, isInside, kindOf, readConfined } from './confined-file.ts';

/** The typed SDK (`kong-sandbox-pluginserver/pdk`): server files, bundled into plugins that import it. */
export const SDK_DIR = path.resolve(import.meta.dirname, '../sdk');
const SDK_NAME = 'kong-sandbox-pluginserver/pdk';
/** its entry: the TypeScript source in a checkout, the compiled file in the installed package */
const SDK_ENTRY = fs.existsSync(path.join(SDK_DIR, 'index.ts')) ? 'index.ts' : 'index.js';

const LOADERS: Readonly<Record<string, Loader>> = {
  '.js': 'js', '.cjs': 'js', '.mjs': 'js', '.jsx': 'jsx',
  '.ts': 'ts', '.cts': 'ts', '.mts': 'ts', '.tsx': 'tsx',
  '.json': 'json',
};
const ALLOWED_EXTENSIONS = Object.keys(LOADERS).join(', ');

/** import kinds a JavaScript bundle has; require.resolve would put a host path in the bundle, CSS kinds have no business here */
const KINDS = new Set(['entry-point', 'import-statement', 'require-call', 'dynamic-import']);

const RESOLVING = Symbol('kps-confinement-resolving');

export interface ConfinementState {
  /** real path of the plugin's root */
  root: string;
  /** bytes the bundle's inputs may still take */
  budget: number;
  /** set when the build's time is up: every callback then refuses at once */
  abandoned: boolean;
  /** its tsconfig's `paths`: a bare name one of them matches is an alias, checked once resolved */
  pathAliases: readonly PathAlias[];
}

export interface PathAlias {
  key: string;
  targets: readonly string[];
  /** absolute: what the targets are relative to */
  baseUrl: string;
}

const RESOLVABLE = ['', '.ts', '.tsx', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts', '.json', '/index.ts', '/index.js', '/package.json'];

/**
 * `spec` matches an alias one of whose targets exists inside the root. An alias whose targets are
 * all missing is no alias: esbuild would then look for the name in every node_modules above the
 * plugin (reading the package.json files it meets there), so the name must be installed inside.
 */
function isAlias(spec: string, aliases: readonly PathAlias[], root: string): boolean {
  return aliases.some(({ key, targets, baseUrl }) => {
    const star = key.indexOf('*');
    let matched: string;
    if (star < 0) {
      if (spec !== key) return false;
      matched = '';
    } else {
      if (!spec.startsWith(key.slice(0, star)) || !spec.endsWith(key.slice(star + 1)) || spec.length < key.length - 1) return false;
      matched = spec.slice(star, spec.length - (key.length - star - 1));
    }
    return targets.some((t) => {
      const target = path.resolve(baseUrl, t.replace('*', matched));
      return isInside(target, root) && RESOLVABLE.some((ext) => fs.existsSync(target + ext));
    });
  });
}

const SOURCE_MAP_COMMENT = /([#@]\s*)sourceMappingURL(\s*=\s*)(\S*)/g;

/**
 * esbuild reads the file a `//# sourceMappingURL=` comment names by itself, outside onLoad (its
 * parse error even quotes the file's first token). A map that is a regular file inside the root is
 * kept and counted in the budget; an inline data: map stays; any other comment is defused.
 */
async function confineSourceMaps(text: string, file: string, state: ConfinementState): Promise<string> {
  if (!text.includes('sourceMappingURL')) return text;
  const keep = new Set<string>();
  for (const m of text.matchAll(SOURCE_MAP_COMMENT)) {
    const url = m[3]!;
    if (url.startsWith('data:') || keep.has(url)) continue;
    if (/^[a-z][a-z0-9+.-]*:/i.test(url) || path.isAbsolute(url)) continue;
    let rel: string;
    try {
      rel = decodeURI(url);
    } catch {
      continue;
    }
    const real = await fs.promises.realpath(path.resolve(path.dirname(file), rel)).catch(() => null);
    if (real === null || !isInside(real, state.root)) continue;
    const st = await fs.promises.stat(real).catch(() => null);
    if (st === null || !st.isFile() || st.size > state.budget) continue;
    state.budget -= st.size;
    keep.add(url);
  }
  return text.replace(SOURCE_MAP_COMMENT, (all, pre: string, eq: string, url: string) =>
    url.startsWith('data:') || keep.has(url) ? all : `${pre}sourceMappingURL-refused${eq}${url}`,
  );
}

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** `spec`'s package is in a node_modules between `from` and `root` (both inside the root). */
function installedInside(spec: string, from: string, root: string): boolean {
  if (!isInside(from, root)) return false;
  const name = packageName(spec);
  for (let d = from; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'node_modules', name))) return true;
    if (d === root || path.dirname(d) === d) return false;
  }
}

export function confinement(state: ConfinementState): EsbuildPlugin {
  const sdk = fs.realpathSync(SDK_DIR);
  const roots = [state.root, sdk];
  const refuse = (args: { path: string }, why: string): OnResolveResult => ({
    errors: [{ text: `import "${args.path}" is refused: ${why}` }],
  });

  return {
    name: 'kps-bundle-confinement',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args: OnResolveArgs): Promise<OnResolveResult | undefined> => {
        if (args.pluginData === RESOLVING) return undefined; // our own b.resolve below: esbuild's resolver
        if (state.abandoned) return refuse(args, 'the build ran out of time');
        if (!KINDS.has(args.kind)) return refuse(args, `a ${args.kind} import; a plugin bundles JavaScript, TypeScript and JSON only`);
        const attrs = Object.entries(args.with);
        if (attrs.some(([k, v]) => k !== 'type' || v !== 'json')) {
          return refuse(args, `import attributes { ${attrs.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')} }: only { type: "json" } is allowed (text, bytes and file imports would read any file as data)`);
        }
        let spec = args.path;
        if (spec === SDK_NAME) spec = path.join(sdk, SDK_ENTRY);
        else if (args.kind !== 'entry-point') {
          if (/^[a-z][a-z0-9+.-]*:/i.test(spec)) return refuse(args, 'URL imports (file:, data:, http:) are not bundled; import files of the plugin\'s own directory by relative path or package name');
          if (path.isAbsolute(spec)) return refuse(args, 'an absolute path; a plugin imports only files of its own directory, by relative path or package name');
          // refused before esbuild looks: its resolver would read the package.json files on the way
          if (spec.startsWith('.') && !roots.some((r) => isInside(path.resolve(args.resolveDir, spec), r))) {
            return refuse(args, `it leads to ${path.resolve(args.resolveDir, spec)}, outside the plugin's directory ${state.root}`);
          }
          // a package esbuild would look for above the root, in node_modules the plugin does not own
          if (!spec.startsWith('.') && !spec.startsWith('#') && !isAlias(spec, state.pathAliases, state.root) && !installedInside(spec, args.resolveDir, state.root)) {
            return refuse(args, `package "${packageName(spec)}" is not in the plugin's own node_modules (a plugin bundles only what is inside its directory)`);
          }
        }
        const r = await b.resolve(spec, {
          kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: RESOLVING, with: args.with,
        });
        if (r.errors.length > 0) return { errors: r.errors };
        if (r.external || r.namespace !== 'file' || !path.isAbsolute(r.path)) return refuse(args, 'it does not resolve to a file of the plugin');
        let real: string;
        try {
          real = await fs.promises.realpath(r.path);
        } catch {
          return refuse(args, `${r.path} cannot be resolved`);
        }
        if (!roots.some((root) => isInside(real, root))) return refuse(args, `it resolves to ${real}, outside the plugin's directory ${state.root}`);
        const st = await fs.promises.stat(real);
        if (!st.isFile()) return refuse(args, `${real} is ${kindOf(st)}, not a regular file`);
        if (args.with.type !== 'json' && !LOADERS[path.extname(real)]) {
          return refuse(args, `${path.basename(real)} is not JavaScript, TypeScript or JSON (a plugin may import ${ALLOWED_EXTENSIONS} files only)`);
        }
        return { path: real, namespace: 'file', sideEffects: r.sideEffects, suffix: r.suffix };
      });

      b.onLoad({ filter: /.*/, namespace: 'file' }, async (args): Promise<OnLoadResult> => {
        if (state.abandoned) return { errors: [{ text: `${args.path}: the build ran out of time` }] };
        // every import this plugin resolved is inside; a path that is not came from a glob-style
        // import (require('../' + name)), which esbuild expands itself, without asking onResolve
        if (!roots.some((r) => isInside(args.path, r))) {
          return { errors: [{ text: `${args.path} is refused: it is outside the plugin's directory ${state.root}, reached by a glob-style import such as require('../' + name), which the bundler expands to every matching file` }] };
        }
        const loader = args.with.type === 'json' ? 'json' : LOADERS[path.extname(args.path)];
        if (!loader) return { errors: [{ text: `${args.path} is not JavaScript, TypeScript or JSON` }] };
        try {
          const bytes = await readConfined(args.path, roots, state.budget);
          state.budget -= bytes.length;
          const contents = loader === 'json' ? bytes : await confineSourceMaps(bytes.toString('utf8'), args.path, state);
          return { contents, loader, resolveDir: path.dirname(args.path) };
        } catch (err) {
          if (err instanceof ConfinementError) return { errors: [{ text: err.message }] };
          throw err;
        }
      });
    },
  };
}
