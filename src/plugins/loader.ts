// One plugin source → a served plugin version: bundle it, read its metadata inside a throwaway
// isolate (through the instance host, so in a shard), and check it as Kong will.
import fs from 'node:fs';
import type { InstanceHostApi } from '../sandbox/host-api.ts';
import type { PluginInfo } from '../rpc/protocol.ts';
import type { PluginSource } from './discovery.ts';
import { compilePlugin, type CompiledPlugin } from './compiler.ts';
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

export function buildPlugin(source: PluginSource, host: InstanceHostApi, memoryLimitMb: number): Promise<BuildResult>;
/** `previousHash`: when the new bundle is byte-identical, stop before the isolate and say so. */
export function buildPlugin(source: PluginSource, host: InstanceHostApi, memoryLimitMb: number, previousHash: string): Promise<BuildResult | 'unchanged'>;
export async function buildPlugin(source: PluginSource, host: InstanceHostApi, memoryLimitMb: number, previousHash?: string): Promise<BuildResult | 'unchanged'> {
  let compiled: CompiledPlugin;
  try {
    compiled = await compilePlugin(source);
  } catch (err) {
    return { problems: [errorMessage(err)] };
  }
  if (compiled.hash === previousHash) return 'unchanged';
  try {
    const described = await host.describePlugin({ plugin: source.name, hash: compiled.hash, code: compiled.code, filename: source.entry, map: compiled.map, memoryLimitMb });
    const result = toPluginInfo(source.name, described);
    if ('problems' in result) return { problems: result.problems.map((p) => `${source.entry}: ${p}`) };
    return { ok: { info: result.info, compiled, loadTime: Date.now() / 1000, modTime: mtime(source.entry) } };
  } catch (err) {
    return { problems: [mapPositions(errorMessage(err), compiled)] };
  }
}

function mtime(file: string): number {
  try {
    return fs.statSync(file).mtimeMs / 1000;
  } catch {
    return 0;
  }
}
