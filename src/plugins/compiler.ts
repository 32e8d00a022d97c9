// esbuild: a plugin (JS or TS, CJS or ESM, with its npm dependencies) → one classic script for an
// isolate that has no module loader. Node built-ins and native addons cannot work in a V8 isolate,
// so importing one is a build error that names the import. The bundler runs with the server's
// rights, so it is confined too: only files inside the plugin's own root (bundle-confinement.ts),
// a byte budget, and a time limit after which the build is abandoned and esbuild restarted.
import { build, stop, type Plugin as EsbuildPlugin, type Message, type BuildResult, type TsconfigRaw } from 'esbuild';
import { builtinModules } from 'node:module';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { PluginLoadError, errorMessage } from '../errors.ts';
import { DEFAULTS } from '../config/options.ts';
import type { PluginSource } from './discovery.ts';
import { ConfinementError } from './confined-file.ts';
import { confineRoot, type ConfinedRoot } from './plugin-root.ts';
import { pluginTsconfig } from './plugin-tsconfig.ts';
import { confinement, type ConfinementState } from './bundle-confinement.ts';

export interface BundleLimits {
  /** bytes: the inputs read, and the bundle written */
  maxBundleBytes: number;
  /** ms: checking the root, resolving, reading and bundling together */
  buildTimeoutMs: number;
}

export const DEFAULT_BUNDLE_LIMITS: BundleLimits = { maxBundleBytes: DEFAULTS.maxBundleBytes, buildTimeoutMs: DEFAULTS.buildTimeoutMs };
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

export async function compilePlugin(source: PluginSource, limits: BundleLimits = DEFAULT_BUNDLE_LIMITS): Promise<CompiledPlugin> {
  const deadline = Date.now() + limits.buildTimeoutMs;
  const fail = (detail: string) => new PluginLoadError(detail);
  let state: ConfinementState;
  let tsconfigRaw: TsconfigRaw;
  let root: ConfinedRoot;
  try {
    root = await confineRoot(source, deadline, limits.maxBundleBytes);
    tsconfigRaw = await pluginTsconfig(root.real, root.isDirectory, limits.maxBundleBytes);
    const options = tsconfigRaw.compilerOptions;
    const baseUrl = typeof options?.baseUrl === 'string' ? options.baseUrl : root.real;
    const pathAliases = options?.paths && typeof options.paths === 'object'
      ? Object.entries(options.paths).map(([key, targets]) => ({ key, targets: (Array.isArray(targets) ? targets : []).filter((t): t is string => typeof t === 'string'), baseUrl }))
      : [];
    state = { root: root.real, budget: limits.maxBundleBytes, abandoned: false, pathAliases };
  } catch (err) {
    // ConfinementError says why; anything else is a file system error met on the way (EACCES…)
    throw fail(`refused: ${err instanceof ConfinementError ? err.message : errorMessage(err)}`);
  }
  const workDir = root.isDirectory ? root.real : path.dirname(root.entry);
  const attempt = () => {
    state.budget = limits.maxBundleBytes;
    return build({
      entryPoints: [root.entry],
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
      // positions only: the map need not carry a second copy of every source
      sourcesContent: false,
      outfile: 'plugin.js', // not written: it names the map for esbuild
      logLevel: 'silent',
      plugins: [refuseHostModules, confinement(state)],
      absWorkingDir: workDir,
      // given, so esbuild never reads a tsconfig.json itself (plugin-tsconfig.ts)
      tsconfigRaw,
    });
  };
  const result = await bundleWithin(deadline, limits.buildTimeoutMs, state, attempt).catch((err: unknown) => {
    if (err instanceof BuildTimeout || err instanceof ServiceStopped) throw fail(err.message);
    const errors = (err as { errors?: Message[] }).errors;
    throw fail(errors?.length ? errors.map((m) => formatMessage(m, workDir)).join('; ') : String(err));
  });
  // sourcemap 'external': the map is its own output file and the bundle has no sourceMappingURL comment
  const code = result.outputFiles.find((f) => f.path.endsWith('.js'))!.text;
  const map = result.outputFiles.find((f) => f.path.endsWith('.map'))!.text;
  if (Buffer.byteLength(code) > limits.maxBundleBytes) {
    throw fail(`refused: the bundle is ${Buffer.byteLength(code)} bytes, more than --max-bundle-size ${limits.maxBundleBytes}`);
  }
  return {
    source,
    code,
    map,
    hash: createHash('sha256').update(code).digest('hex'),
    inputs: Object.keys(result.metafile.inputs).map((p) => path.resolve(workDir, p)),
  };
}

class BuildTimeout extends Error {}
class ServiceStopped extends Error {}

/** Bumped each time the esbuild service is stopped, so a build it took down with it can tell and try again. */
let serviceGeneration = 0;

function restartService(): void {
  serviceGeneration++;
  // kills the esbuild process; the next build() starts a fresh one
  void stop().catch(() => {});
}

const SERVICE_GONE = /The service (was stopped|is no longer running)/;

type Bundled = BuildResult<{ metafile: true; write: false }>;

/**
 * `run` (one esbuild build) within the deadline. esbuild's build() cannot be cancelled, and a
 * build stuck in its resolver (a FIFO it reads by itself) would hold its thread for good: when
 * time is up the build is abandoned and the esbuild service is stopped, so it dies with it and the
 * next build gets a new one. A build killed by another's restart is tried once more; a service
 * that died under this build is restarted and the plugin refused.
 */
async function bundleWithin(
  deadline: number, timeoutMs: number, state: ConfinementState, run: () => Promise<Bundled>, retried = false,
): Promise<Bundled> {
  const generation = serviceGeneration;
  const left = deadline - Date.now();
  if (left <= 0) throw new BuildTimeout(`refused: bundling took longer than --build-timeout ${timeoutMs} ms`);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BuildTimeout(`refused: bundling took longer than --build-timeout ${timeoutMs} ms`)), left);
  });
  try {
    return await Promise.race([run(), timeout]);
  } catch (err) {
    if (err instanceof BuildTimeout) {
      state.abandoned = true;
      restartService();
      throw err;
    }
    if (SERVICE_GONE.test(String((err as Error)?.message ?? err))) {
      if (generation !== serviceGeneration && !retried) return bundleWithin(deadline, timeoutMs, state, run, true);
      if (generation === serviceGeneration) restartService();
      throw new ServiceStopped(`refused: the bundler (esbuild) stopped while building this plugin: ${String((err as Error)?.message ?? err)}`);
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function formatMessage(m: Message, cwd: string): string {
  const loc = m.location ? `${path.resolve(cwd, m.location.file)}:${m.location.line}:${m.location.column + 1}: ` : '';
  return `${loc}${m.text}`;
}
