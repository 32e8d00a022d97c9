// esbuild: a plugin (JS or TS, CJS or ESM, with its npm dependencies) → one classic script for an
// isolate that has no module loader. Node built-ins and native addons cannot work in a V8 isolate,
// so importing one is a build error that names the import.
import { build, type Plugin as EsbuildPlugin, type Message } from 'esbuild';
import { builtinModules } from 'node:module';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { PluginLoadError } from '../errors.ts';
import type { PluginSource } from './discovery.ts';
import { nodeBuiltinMessage } from './node-builtin-hints.ts';

export interface CompiledPlugin {
  source: PluginSource;
  code: string;
  /** the esbuild source map of `code`, to turn bundle positions back into the author's */
  map: string;
  /** sha256 of the bundle: the identity of a plugin version */
  hash: string;
  /** every file the bundle was built from */
  inputs: string[];
}

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

const refuseHostModules: EsbuildPlugin = {
  name: 'kps-refuse-host-modules',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.path.startsWith('node:') || BUILTINS.has(args.path) || BUILTINS.has(args.path.split('/')[0]!)) {
        return {
          errors: [{ text: nodeBuiltinMessage(args.path) }],
        };
      }
      return undefined;
    });
    b.onLoad({ filter: /\.node$/ }, (args) => ({
      errors: [{ text: `native addon "${path.basename(args.path)}" cannot run in a V8 isolate` }],
    }));
  },
};

export const EXPORTS_GLOBAL = '__kps_exports';

export async function compilePlugin(source: PluginSource): Promise<CompiledPlugin> {
  const cwd = path.dirname(source.entry);
  let result;
  try {
    result = await build({
      entryPoints: [source.entry],
      bundle: true,
      write: false,
      format: 'iife',
      globalName: EXPORTS_GLOBAL,
      platform: 'neutral',
      mainFields: ['main', 'module'],
      conditions: ['default', 'require', 'import'],
      target: 'es2024',
      metafile: true,
      sourcemap: 'external',
      outfile: 'plugin.js', // not written: it names the map for esbuild
      logLevel: 'silent',
      plugins: [refuseHostModules],
      absWorkingDir: cwd,
    });
  } catch (err) {
    const errors = (err as { errors?: Message[] }).errors;
    const detail = errors?.length ? errors.map((m) => formatMessage(m, cwd)).join('; ') : String(err);
    throw new PluginLoadError(source.name, source.entry, detail);
  }
  // sourcemap 'external': the map is its own output file and the bundle has no sourceMappingURL comment
  const code = result.outputFiles.find((f) => f.path.endsWith('.js'))!.text;
  const map = result.outputFiles.find((f) => f.path.endsWith('.map'))!.text;
  return {
    source,
    code,
    map,
    hash: createHash('sha256').update(code).digest('hex'),
    inputs: Object.keys(result.metafile.inputs).map((p) => path.resolve(cwd, p)),
  };
}

function formatMessage(m: Message, cwd: string): string {
  const loc = m.location ? `${path.resolve(cwd, m.location.file)}:${m.location.line}:${m.location.column + 1}: ` : '';
  return `${loc}${m.text}`;
}
