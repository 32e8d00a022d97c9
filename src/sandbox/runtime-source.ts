// The sandbox runtime (sandbox-runtime/) bundled into one classic script, built once per process,
// on first use (importing this module builds nothing).
import { buildSync } from 'esbuild';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('../../sandbox-runtime/index.ts', import.meta.url));
/** The Web APIs: bundled apart, and carried by the runtime as a string (sandbox-runtime/web/install.ts) */
const WEB_ENTRY = fileURLToPath(new URL('../../sandbox-runtime/web/apis.ts', import.meta.url));

let cached: { source: string; hash: string } | null = null;

function runtime(): { source: string; hash: string } {
  if (cached === null) {
    const common = { bundle: true, write: false, format: 'iife', platform: 'neutral', target: 'es2024', logLevel: 'silent' } as const;
    const web = buildSync({ ...common, entryPoints: [WEB_ENTRY], globalName: '__kps_web' }).outputFiles[0]!.text;
    const out = buildSync({ ...common, entryPoints: [ENTRY], define: { __KPS_WEB_SOURCE__: JSON.stringify(web) } });
    const source = out.outputFiles[0]!.text;
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
