// The sandbox runtime (sandbox-runtime/) bundled into one classic script, built once per process.
import { buildSync } from 'esbuild';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('../../sandbox-runtime/index.ts', import.meta.url));

let cached: string | null = null;

export function sandboxRuntimeSource(): string {
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
    cached = out.outputFiles[0]!.text;
  }
  return cached;
}
