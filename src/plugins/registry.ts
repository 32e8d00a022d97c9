// Plugin name → its current version (code and Kong metadata). Versions are swapped atomically by
// hot reload; a plugin deleted from the directory stays known as deleted, so StartInstance can say so.
import type { Logger } from '../log.ts';
import type { InstanceHostApi } from '../instances/instance-host.ts';
import { discoverPlugins } from './discovery.ts';
import { buildPlugin, type BuildLimits, type LoadedPlugin } from './loader.ts';
import { ErrorCode, KpsError, UnknownPluginError } from '../errors.ts';

export interface LoadProblem {
  name: string;
  file: string;
  message: string;
}

export class PluginRegistry {
  #plugins = new Map<string, LoadedPlugin>();
  readonly #deleted = new Set<string>();

  get names(): string[] {
    return [...this.#plugins.keys()];
  }

  all(): LoadedPlugin[] {
    return [...this.#plugins.values()];
  }

  find(name: string): LoadedPlugin | undefined {
    return this.#plugins.get(name);
  }

  get(name: string): LoadedPlugin {
    const p = this.#plugins.get(name);
    if (p) return p;
    if (this.#deleted.has(name)) {
      throw new KpsError(ErrorCode.PLUGIN_DELETED, `plugin "${name}" was removed from the plugins directory; its running instances keep their last code until Kong closes them`);
    }
    throw new UnknownPluginError(name, this.names);
  }

  /** Makes `loaded` the current version of its plugin. */
  set(loaded: LoadedPlugin): void {
    this.#plugins.set(loaded.info.Name, loaded);
    this.#deleted.delete(loaded.info.Name);
  }

  remove(name: string): void {
    if (this.#plugins.delete(name)) this.#deleted.add(name);
  }

  /** Replaces the whole set with what `dir` holds now. */
  async loadDirectory(dir: string, host: InstanceHostApi, limits: BuildLimits, log: Logger): Promise<LoadProblem[]> {
    const problems: LoadProblem[] = [];
    const next = new Map<string, LoadedPlugin>();
    for (const source of discoverPlugins(dir)) {
      const result = await buildPlugin(source, host, limits);
      if ('problems' in result) {
        problems.push(...result.problems.map((message) => ({ name: source.name, file: source.entry, message })));
        continue;
      }
      const name = result.ok.info.Name;
      const first = next.get(name);
      if (first) {
        problems.push({ name, file: source.entry, message: `duplicate plugin name "${name}" (also ${first.compiled.source.entry}); the first one is kept` });
        continue;
      }
      next.set(name, result.ok);
    }
    for (const p of problems) log.error({ event: 'plugin.load_failed', plugin: p.name, file: p.file }, p.message);
    for (const p of next.values()) log.info({ event: 'plugin.loaded', plugin: p.info.Name, version: p.info.Version, phases: p.info.Phases }, `loaded plugin ${p.info.Name}`);
    this.#plugins = next;
    this.#deleted.clear();
    return problems;
  }
}
