// The sandbox runtime (sandbox-runtime/) bundled into one classic script, built once per process,
// on first use (importing this module builds nothing). The installed package carries it prebuilt
// (dist/sandbox-runtime.js, written by `npm run build`); a checkout bundles the source.
import { buildSync } from 'esbuild';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('../../sandbox-runtime/index.ts', import.meta.url));
/** The Web APIs: bundled apart, and carried by the runtime as a string (sandbox-runtime/web/install.ts) */
const WEB_ENTRY = fileURLToPath(new URL('../../sandbox-runtime/web/apis.ts', import.meta.url));
/** beside dist/sandbox/ in the package; src/sandbox-runtime.js never exists in a checkout */
export const PREBUILT_RUNTIME = fileURLToPath(new URL('../sandbox-runtime.js', import.meta.url));

let cached: { source: string; hash: string } | null = null;

/** Bundles sandbox-runtime/ from its source, the Web APIs inside it as a string compiled on first use. */
export function bundleSandboxRuntime(): string {
  const common = { bundle: true, write: false, format: 'iife', platform: 'neutral', target: 'es2024', logLevel: 'silent' } as const;
  const web = buildSync({ ...common, entryPoints: [WEB_ENTRY], globalName: '__kps_web' }).outputFiles[0]!.text;
  const out = buildSync({ ...common, entryPoints: [ENTRY], define: { __KPS_WEB_SOURCE__: JSON.stringify(web) } });
  return out.outputFiles[0]!.text;
}

function runtime(): { source: string; hash: string } {
  if (cached === null) {
    const source = fs.existsSync(PREBUILT_RUNTIME) ? fs.readFileSync(PREBUILT_RUNTIME, 'utf8') : bundleSandboxRuntime();
    cached = { source, hash: createHash('sha256').update(source).digest('hex') };
  }
  return cached;
}

export function sandboxRuntimeSource(): string {
  return runtime().source;
}

/** sha256 of sandboxRuntimeSource(), hex (the code cache's key for it) */
export function sandboxRuntimeHash(): string {
  return runtime().hash;
}
