// The tsconfig a plugin's build uses: its own directory's tsconfig.json (or jsconfig.json), read by
// us and handed to esbuild as tsconfigRaw, so that esbuild never looks for one itself. Left to
// itself, esbuild reads the nearest tsconfig.json above the plugin (one in the plugins directory
// would steer every other plugin's imports) and follows its "extends" to any file, FIFO or device.
// Only the compiler options esbuild uses are kept; "extends" is refused.
import fs from 'node:fs';
import path from 'node:path';
import type { TsconfigRaw } from 'esbuild';
import { ConfinementError, readConfined } from './confined-file.ts';

const KEPT = [
  'alwaysStrict', 'baseUrl', 'experimentalDecorators', 'importsNotUsedAsValues', 'jsx', 'jsxFactory', 'jsxFragmentFactory',
  'jsxImportSource', 'paths', 'preserveValueImports', 'strict', 'target', 'useDefineForClassFields', 'verbatimModuleSyntax',
] as const;

export async function pluginTsconfig(root: string, isDirectory: boolean, cap: number): Promise<TsconfigRaw> {
  if (!isDirectory) return {};
  for (const name of ['tsconfig.json', 'jsconfig.json']) {
    const file = path.join(root, name);
    if (!fs.existsSync(file)) continue;
    const text = (await readConfined(file, [root], cap)).toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(stripJsonc(text));
    } catch (err) {
      throw new ConfinementError(`${file} is not valid JSON: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null) throw new ConfinementError(`${file} is not a JSON object`);
    if ('extends' in parsed) throw new ConfinementError(`${file} has "extends": a plugin's build reads only its own tsconfig.json, so put the options there`);
    const options = (parsed as { compilerOptions?: unknown }).compilerOptions;
    if (typeof options !== 'object' || options === null) return {};
    const kept: Record<string, unknown> = {};
    for (const key of KEPT) if (key in options) kept[key] = (options as Record<string, unknown>)[key];
    // esbuild takes a relative baseUrl from its working directory; the file meant its own
    if (typeof kept.baseUrl === 'string') kept.baseUrl = path.resolve(root, kept.baseUrl);
    else if (kept.paths !== undefined) kept.baseUrl = root;
    // an alias is a path like any import: refused here if it leads out, before esbuild follows it
    if (kept.paths !== undefined) {
      if (typeof kept.paths !== 'object' || kept.paths === null) throw new ConfinementError(`${file}: "paths" must be an object`);
      for (const [key, targets] of Object.entries(kept.paths)) {
        for (const t of Array.isArray(targets) ? targets : [targets]) {
          const target = typeof t === 'string' ? path.resolve(kept.baseUrl as string, t.replace(/\*/g, '')) : null;
          if (target === null || (target !== root && !target.startsWith(root + path.sep))) {
            throw new ConfinementError(`${file}: paths "${key}" → ${JSON.stringify(t)} leads outside the plugin's directory ${root}`);
          }
        }
      }
    }
    return { compilerOptions: kept };
  }
  return {};
}

/** JSON with comments and trailing commas (as tsconfig.json is written) → JSON. */
export function stripJsonc(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      out += text.slice(start, i + 1);
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
      out += ' ';
    } else out += c;
  }
  return out.replace(/,(\s*[}\]])/g, '$1');
}
