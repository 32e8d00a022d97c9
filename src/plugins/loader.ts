// One plugin source → a served plugin version: bundle it, read its metadata inside a throwaway
// isolate (through the instance host, so in a shard), and check it as Kong will.
import { clipPluginText } from '../sandbox/plugin-text.ts';
import fs from 'node:fs';
import path from 'node:path';
import type { InstanceHostApi } from '../instances/instance-host.ts';
import type { PluginInfo } from '../rpc/protocol.ts';
import type { PluginSource } from './discovery.ts';
import { compilePlugin, type BundleLimits, type CompiledPlugin } from './compiler.ts';
import { toPluginInfo } from './metadata.ts';
import { mapPositions } from './source-map.ts';
import { errorMessage } from '../errors.ts';

export interface LoadedPlugin {
  info: PluginInfo;
  compiled: CompiledPlugin;
  /** unix seconds */
  loadTime: number;
  modTime: number;
}

export type BuildResult = { ok: LoadedPlugin } | { problems: string[] };

/** The limits of one build: the bundle's (ServerOptions has them all, so it can be passed as is) and the metadata isolate's heap. */
export interface BuildLimits extends BundleLimits {
  memoryLimitMb: number;
}

export function buildPlugin(source: PluginSource, host: InstanceHostApi, limits: BuildLimits): Promise<BuildResult>;
/** `previousHash`: when the new bundle is byte-identical, stop before the isolate and say so. */
export function buildPlugin(source: PluginSource, host: InstanceHostApi, limits: BuildLimits, previousHash: string): Promise<BuildResult | 'unchanged'>;
export async function buildPlugin(source: PluginSource, host: InstanceHostApi, limits: BuildLimits, previousHash?: string): Promise<BuildResult | 'unchanged'> {
  const { memoryLimitMb } = limits;
  let compiled: CompiledPlugin;
  try {
    compiled = await compilePlugin(source, limits);
  } catch (err) {
    return { problems: [errorMessage(err)] };
  }
  if (compiled.hash === previousHash) return 'unchanged';
  try {
    const described = await host.describePlugin({
      plugin: source.name, hash: compiled.hash, code: compiled.code, filename: source.entry, map: compiled.map, memoryLimitMb,
    });
    const result = toPluginInfo(source.name, described);
    // problems quote the plugin's own names and values: a few, each bounded, reach the log
    if ('problems' in result) return { problems: result.problems.slice(0, 20).map((p) => clipPluginText(`${source.entry}: ${p}`, 1024)) };
    return { ok: { info: result.info, compiled, loadTime: Date.now() / 1000, modTime: mtime(source.entry) } };
  } catch (err) {
    return { problems: [clipPluginText(commonJsHint(mapPositions(errorMessage(err), compiled), source.entry))] };
  }
}

function mtime(file: string): number {
  try {
    return fs.statSync(file).mtimeMs / 1000;
  } catch {
    return 0;
  }
}

/**
 * CommonJS (`module.exports = …`) in a file that is an ES module fails with "module is not
 * defined", which names neither the cause nor the fix: add both.
 */
export function commonJsHint(message: string, entry: string): string {
  const free = /\b(module|exports|require) is not defined\b/.exec(message)?.[1];
  const why = free ? whyEsModule(entry) : null;
  if (!why) return message;
  const ts = /\.m?ts$/.test(entry);
  const instead = ts ? 'or rename the file to .cjs (plain JavaScript)' : 'or rename it to .cjs';
  return `${message}: ${path.basename(entry)} is an ES module (${why}), where \`${free}\` does not exist; ` +
    `export the plugin instead (\`export const Plugin = …; export const Version = …\`), ${instead}`;
}

/**
 * Why `entry` is an ES module, or null. Only the extension decides: the server hands esbuild each
 * file itself, and esbuild reads a file that uses `module.exports` and no `export` as CommonJS
 * whatever a package.json's "type" says (so such a plugin in a "type": "module" package loads).
 */
function whyEsModule(entry: string): string | null {
  return /\.m[jt]s$/.test(entry) ? `its extension is ${path.extname(entry)}` : null;
}
