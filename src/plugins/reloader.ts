// Hot reload: a change under the plugins directory rebuilds the plugins it concerns (debounced per
// plugin). An unchanged bundle does nothing; a broken one keeps the previous version serving and
// logs where it broke; a good one becomes current, and every live instance gets a new isolate built
// before its swap, so no event waits on a compile or fails because of a reload.
import path from 'node:path';
import type { Logger } from '../log.ts';
import type { InstanceHostApi } from '../instances/instance-host.ts';
import type { InstanceManager } from '../instances/manager.ts';
import type { PluginRegistry } from './registry.ts';
import { discoverPlugins, type PluginSource } from './discovery.ts';
import { buildPlugin, type BuildLimits } from './loader.ts';
import { metadataChanges } from './metadata-diff.ts';
import { PluginWatcher } from './watcher.ts';

const RESCAN = '\0rescan';

export interface ReloadStats {
  Watching: boolean;
  Reloads: number;
  Failures: number;
  LastError: { Plugin: string; Message: string; Time: number } | null;
}

export interface ReloaderDeps {
  dir: string;
  registry: PluginRegistry;
  host: InstanceHostApi;
  manager: InstanceManager;
  limits: BuildLimits;
  debounceMs: number;
  log: Logger;
}

export class HotReloader {
  readonly #d: ReloaderDeps;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #running = new Map<string, Promise<void>>();
  readonly #again = new Set<string>();
  #watcher: PluginWatcher | null = null;
  readonly stats: ReloadStats = { Watching: false, Reloads: 0, Failures: 0, LastError: null };

  constructor(deps: ReloaderDeps) {
    this.#d = deps;
  }

  async start(): Promise<void> {
    this.#watcher = new PluginWatcher(this.#d.dir, (p) => this.#onPath(p));
    await this.#watcher.ready();
    this.#watchInputs();
    this.stats.Watching = true;
    this.#d.log.info({ event: 'watch.started', dir: this.#d.dir }, `watching ${this.#d.dir} for plugin changes`);
  }

  async stop(): Promise<void> {
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    await this.#watcher?.close();
    this.stats.Watching = false;
  }

  #onPath(changed: string): void {
    const names = this.#d.registry.all().filter((p) => concerns(p.compiled.source, p.compiled.inputs, changed)).map((p) => p.info.Name);
    // A path no plugin was built from: a new plugin, or a swap (ConfigMap ..data) that renamed what
    // the plugins point through. Rescan the directory; unchanged bundles cost a build and nothing else.
    for (const key of names.length ? names : [RESCAN]) this.#schedule(key);
  }

  #schedule(key: string): void {
    clearTimeout(this.#timers.get(key));
    const t = setTimeout(() => {
      this.#timers.delete(key);
      this.#run(key);
    }, this.#d.debounceMs);
    t.unref();
    this.#timers.set(key, t);
  }

  /** One rebuild per key at a time; a change during it runs it once more afterwards. */
  #run(key: string): void {
    if (this.#running.has(key)) {
      this.#again.add(key);
      return;
    }
    const work = (key === RESCAN ? this.#rescan() : this.#reload(key))
      .catch((err: unknown) => this.#d.log.error({ event: 'plugin.reload_failed', plugin: key }, String(err)))
      .finally(() => {
        this.#running.delete(key);
        this.#watchInputs();
        if (this.#again.delete(key)) this.#run(key);
      });
    this.#running.set(key, work);
  }

  async #rescan(): Promise<void> {
    const sources = discoverPlugins(this.#d.dir);
    const byRoot = new Map(this.#d.registry.all().map((p) => [p.compiled.source.root, p.info.Name]));
    for (const source of sources) {
      const name = byRoot.get(source.root);
      if (name) await this.#reload(name, source);
      else await this.#add(source);
    }
    const roots = new Set(sources.map((s) => s.root));
    for (const [root, name] of byRoot) if (!roots.has(root)) this.#remove(name);
  }

  async #reload(name: string, known?: PluginSource): Promise<void> {
    const current = this.#d.registry.find(name);
    if (!current) return;
    const source = known ?? discoverPlugins(this.#d.dir).find((s) => s.root === current.compiled.source.root);
    if (!source) return this.#remove(name);
    const t0 = performance.now();
    const result = await buildPlugin(source, this.#d.host, this.#d.limits, current.compiled.hash);
    if (result === 'unchanged') return;
    if ('problems' in result) return this.#failed(name, result.problems.join('; '));
    const next = result.ok;
    if (next.info.Name !== name) {
      this.#d.log.warn({ event: 'plugin.renamed', plugin: name, to: next.info.Name }, `${source.entry} now exports Name "${next.info.Name}"; Kong knows it as "${name}" until restarted, so it stays "${name}" here`);
      next.info = { ...next.info, Name: name, Schema: { ...next.info.Schema, name } };
    }
    const changes = metadataChanges(current.info, next.info);
    this.#d.registry.set(next);
    const { reloaded, failed } = await this.#d.manager.reloadPlugin(name);
    this.stats.Reloads++;
    this.#recovered(name);
    if (changes.length) {
      this.#d.log.warn(
        { event: 'plugin.metadata_changed', plugin: name, changes },
        `${name}: ${changes.join('; ')}. Kong reads these only when it starts: restart Kong for them to take effect (the new code runs now)`,
      );
    }
    this.#d.log.info(
      { event: 'plugin.reloaded', plugin: name, instances: reloaded, failedInstances: failed, ms: +(performance.now() - t0).toFixed(1) },
      `reloaded ${name} (${reloaded} live instance(s) swapped)`,
    );
  }

  async #add(source: PluginSource): Promise<void> {
    const result = await buildPlugin(source, this.#d.host, this.#d.limits);
    if ('problems' in result) return this.#failed(source.name, result.problems.join('; '));
    if (this.#d.registry.find(result.ok.info.Name)) {
      return this.#failed(source.name, `${source.entry}: duplicate plugin name "${result.ok.info.Name}"; the existing one is kept`);
    }
    this.#d.registry.set(result.ok);
    this.#recovered(source.name);
    this.#recovered(result.ok.info.Name);
    // a plugin deleted and created again: its running instances take the new code too
    await this.#d.manager.reloadPlugin(result.ok.info.Name);
    this.#d.log.info({ event: 'plugin.added', plugin: result.ok.info.Name, file: source.entry }, `new plugin ${result.ok.info.Name}: add it to Kong's plugins= (and restart Kong) to use it`);
  }

  #remove(name: string): void {
    this.#d.registry.remove(name);
    this.#d.log.warn({ event: 'plugin.removed', plugin: name }, `plugin ${name} was removed: running instances keep their last code; new instances are refused`);
  }

  /** a plugin that loads again clears its error: LastError is what is still wrong */
  #recovered(name: string): void {
    if (this.stats.LastError?.Plugin === name) this.stats.LastError = null;
  }

  #failed(name: string, message: string): void {
    this.stats.Failures++;
    this.stats.LastError = { Plugin: name, Message: message, Time: Date.now() / 1000 };
    this.#d.log.error({ event: 'plugin.reload_failed', plugin: name }, `${message} (the previous version keeps serving)`);
  }

  /**
   * Inputs not under the directory's own path: reached through a symlink (the directory itself,
   * or a ConfigMap's ..data) whose real path is inside it; the watcher refuses any that is not.
   */
  #watchInputs(): void {
    const inside = this.#d.dir + path.sep;
    const elsewhere = this.#d.registry.all().flatMap((p) => p.compiled.inputs).filter((f) => !f.startsWith(inside));
    this.#watcher?.watchFiles(elsewhere);
  }
}

function concerns(source: PluginSource, inputs: readonly string[], changed: string): boolean {
  return changed === source.root || changed.startsWith(source.root + path.sep) || inputs.includes(changed);
}
