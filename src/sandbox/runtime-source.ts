// The sandbox runtime (sandbox-runtime/) bundled into one classic script, built once per process,
// on first use (importing this module builds nothing). The installed package carries it prebuilt
// (dist/sandbox-runtime.js, written by `npm run build`); a checkout bundles the source, and keeps the
// bundle in node_modules/.cache under a hash of the sources: every shard process needs it, and
// bundling costs each ~140 ms.
import { buildSync, version as esbuildVersion } from 'esbuild';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('../../sandbox-runtime/index.ts', import.meta.url));
/** The Web APIs: bundled apart, and carried by the runtime as a string (sandbox-runtime/web/install.ts) */
const WEB_ENTRY = fileURLToPath(new URL('../../sandbox-runtime/web/apis.ts', import.meta.url));
/** beside dist/sandbox/ in the package; src/sandbox-runtime.js never exists in a checkout */
export const PREBUILT_RUNTIME = fileURLToPath(new URL('../sandbox-runtime.js', import.meta.url));
const CHECKOUT_CACHE = fileURLToPath(new URL('../../node_modules/.cache/kps-sandbox-runtime', import.meta.url));

let cached: { source: string; hash: string } | null = null;

/** Bundles sandbox-runtime/ from its source, the Web APIs inside it as a string compiled on first use. */
export function bundleSandboxRuntime(): string {
  return bundleWithInputs().source;
}

/** The bundle, and the files it was made of (relative to the working directory, as esbuild names them). */
function bundleWithInputs(): { source: string; inputs: string[] } {
  const common = { bundle: true, write: false, metafile: true, format: 'iife', platform: 'neutral', target: 'es2024', logLevel: 'silent' } as const;
  const web = buildSync({ ...common, entryPoints: [WEB_ENTRY], globalName: '__kps_web' });
  const out = buildSync({ ...common, entryPoints: [ENTRY], define: { __KPS_WEB_SOURCE__: JSON.stringify(web.outputFiles[0]!.text) } });
  const inputs = [...Object.keys(web.metafile.inputs), ...Object.keys(out.metafile.inputs)];
  return { source: out.outputFiles[0]!.text, inputs };
}

function runtime(): { source: string; hash: string } {
  if (cached === null) {
    const source = fs.existsSync(PREBUILT_RUNTIME) ? fs.readFileSync(PREBUILT_RUNTIME, 'utf8') : checkoutRuntime();
    cached = { source, hash: createHash('sha256').update(source).digest('hex') };
  }
  return cached;
}

/**
 * A checkout's bundle, from the cache when the sources (and esbuild) are what it was built from. A
 * cache that cannot be read or written only costs the bundling.
 */
function checkoutRuntime(): string {
  const root = path.dirname(ENTRY);
  const key = createHash('sha256').update(esbuildVersion);
  const files = fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).sort();
  for (const f of files) key.update(`\0${f}\0`).update(fs.readFileSync(path.join(root, f)));
  const cached = path.join(CHECKOUT_CACHE, `${key.digest('hex')}.js`);
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch {
    // not built yet for these sources
  }
  const { source, inputs } = bundleWithInputs();
  // the key covers sandbox-runtime/ only: a bundle made of anything else is not kept
  if (inputs.some((f) => !path.resolve(f).startsWith(root + path.sep))) return source;
  try {
    fs.mkdirSync(CHECKOUT_CACHE, { recursive: true });
    for (const old of fs.readdirSync(CHECKOUT_CACHE)) fs.rmSync(path.join(CHECKOUT_CACHE, old), { force: true });
    // written whole, then renamed: a process starting meanwhile reads all of it or none
    const tmp = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, source);
    fs.renameSync(tmp, cached);
  } catch {
    // a read-only checkout: bundled in each process
  }
  return source;
}

export function sandboxRuntimeSource(): string {
  return runtime().source;
}

/** sha256 of sandboxRuntimeSource(), hex (the code cache's key for it) */
export function sandboxRuntimeHash(): string {
  return runtime().hash;
}
