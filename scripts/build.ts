// `npm run build` (and `prepack`): src/ → dist/ as JavaScript with declarations, plus the sandbox
// runtime prebuilt into dist/sandbox-runtime.js, so the installed package runs without type
// stripping (Node does not strip types under node_modules) and without bundling its own runtime.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { bundleSandboxRuntime } from '../src/sandbox/runtime-source.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = path.join(ROOT, 'dist');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

fs.rmSync(DIST, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
fs.writeFileSync(path.join(DIST, 'sandbox-runtime.js'), bundleSandboxRuntime());
