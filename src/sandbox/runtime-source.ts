// The sandbox runtime (sandbox-runtime/) bundled into one classic script, built once per process,
// on first use (importing this module builds nothing).
import { buildSync } from 'esbuild';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('../../sandbox-runtime/index.ts', import.meta.url));

let cached: { source: string; hash: string } | null = null;

function runtime(): { source: string; hash: string } {
  if (cached === null) {
    const out = buildSync({
      entryPoints: [ENTRY],
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'neutral',
      target: 'es2024',
      logLevel: 'silent',
    });
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
