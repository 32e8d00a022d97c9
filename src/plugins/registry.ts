// Plugin name → its current compiled version and Kong metadata. Loading builds every plugin and
// reads its metadata through the instance host (in an isolate); a broken plugin is logged and left
// out, the others load.
import type { Logger } from '../log.ts';
import type { PluginInfo } from '../rpc/protocol.ts';
import type { InstanceHostApi } from '../sandbox/host-api.ts';
import { discoverPlugins } from './discovery.ts';
import { compilePlugin, type CompiledPlugin } from './compiler.ts';
import { toPluginInfo } from './metadata.ts';
import { errorMessage, UnknownPluginError } from '../errors.ts';
import fs from 'node:fs';

export interface LoadedPlugin {
  info: PluginInfo;
  compiled: CompiledPlugin;
  /** unix seconds */
  loadTime: number;
  modTime: number;
}

export interface LoadProblem {
  name: string;
  file: string;
  message: string;
}

export class PluginRegistry {
  #plugins = new Map<string, LoadedPlugin>();

  get names(): string[] {
    return [...this.#plugins.keys()];
  }

  all(): LoadedPlugin[] {
    return [...this.#plugins.values()];
  }

  has(name: string): boolean {
    return this.#plugins.has(name);
  }

  get(name: string): LoadedPlugin {
    const p = this.#plugins.get(name);
    if (!p) throw new UnknownPluginError(name, this.names);
    return p;
  }

  /** Replaces the whole set with what `dir` holds now. */
  async loadDirectory(dir: string, host: InstanceHostApi, memoryLimitMb: number, log: Logger): Promise<LoadProblem[]> {
    const problems: LoadProblem[] = [];
    const next = new Map<string, LoadedPlugin>();
    const sources = discoverPlugins(dir);
    for (const source of sources) {
      try {
        const compiled = await compilePlugin(source);
        const described = await host.describePlugin({ plugin: source.name, hash: compiled.hash, code: compiled.code, filename: source.entry, memoryLimitMb });
        const result = toPluginInfo(source.name, described);
        if ('problems' in result) {
          problems.push(...result.problems.map((message) => ({ name: source.name, file: source.entry, message })));
          continue;
        }
        const name = result.info.Name;
        if (next.has(name)) {
          problems.push({ name, file: source.entry, message: `duplicate plugin name "${name}" (also ${next.get(name)!.compiled.source.entry}); the first one is kept` });
          continue;
        }
        next.set(name, { info: result.info, compiled, loadTime: Date.now() / 1000, modTime: fs.statSync(source.entry).mtimeMs / 1000 });
      } catch (err) {
        problems.push({ name: source.name, file: source.entry, message: errorMessage(err) });
      }
    }
    for (const p of problems) log.error({ event: 'plugin.load_failed', plugin: p.name, file: p.file }, p.message);
    for (const p of next.values()) log.info({ event: 'plugin.loaded', plugin: p.info.Name, version: p.info.Version, phases: p.info.Phases }, `loaded plugin ${p.info.Name}`);
    this.#plugins = next;
    return problems;
  }
}
