// The RPC side of instances and events: ids, what Kong started with which config, and routing of
// events to the instance host. It holds no isolate; the host answers in plain data.
import type { Logger } from '../log.ts';
import type { ServerOptions } from '../config/options.ts';
import type { InstanceStatus, Phase, StepData } from '../rpc/protocol.ts';
import type { InstanceHostApi, StepAnswer, HostStatus, InstanceStats } from './instance-host.ts';
import { BreachLedger, type BreachRecord } from './breach-ledger.ts';
import type { PluginRegistry } from '../plugins/registry.ts';
import { IdSequence } from './ids.ts';
import { BadConfigError, NoPluginInstanceError, isNoInstance, errorMessage } from '../errors.ts';

interface InstanceRecord extends InstanceStatus {
  plugin: string;
  /** the plugin version (bundle hash) this instance runs */
  hash: string;
}

interface PluginActivity {
  lastStart: number;
  lastClose: number;
}

export class InstanceManager {
  readonly #instances = new Map<number, InstanceRecord>();
  readonly #activity = new Map<string, PluginActivity>();
  readonly #instanceIds = new IdSequence();
  readonly #eventIds = new IdSequence();
  readonly #registry: PluginRegistry;
  readonly #host: InstanceHostApi;
  readonly #opts: ServerOptions;
  readonly #log: Logger;
  readonly breaches = new BreachLedger();

  constructor(registry: PluginRegistry, host: InstanceHostApi, opts: ServerOptions, log: Logger) {
    this.#registry = registry;
    this.#host = host;
    this.#opts = opts;
    this.#log = log;
    host.onInstanceGone((id) => this.#instances.delete(id));
    host.onBreach((b) => this.breaches.record(b));
  }

  get count(): number {
    return this.#instances.size;
  }

  async start(name: string, configJson: string): Promise<InstanceStatus> {
    const plugin = this.#registry.get(name);
    let config: unknown;
    try {
      config = JSON.parse(configJson);
    } catch (err) {
      throw new BadConfigError(name, errorMessage(err));
    }
    const id = this.#instanceIds.next();
    const t0 = performance.now();
    const memoryLimitMb = this.#opts.pluginMemoryLimitMb[name] ?? this.#opts.memoryLimitMb;
    const c = plugin.compiled;
    await this.#host.startInstance({
      instanceId: id, plugin: name, hash: c.hash, code: c.code, filename: c.source.entry, map: c.map, config, memoryLimitMb,
    });
    const record: InstanceRecord = { plugin: name, hash: c.hash, Name: name, Id: id, Config: config, StartTime: Date.now() / 1000 };
    this.#instances.set(id, record);
    this.#touch(name).lastStart = record.StartTime;
    this.#log.info({ event: 'instance.started', plugin: name, instance: id, memoryLimitMb, ms: +(performance.now() - t0).toFixed(2) }, `started instance ${id} of ${name}`);
    return publicStatus(record);
  }

  /**
   * Hot reload: every live instance of `name` gets an isolate built from the plugin's current code,
   * under its own id and config. Instances started while this runs are caught by the loop.
   */
  async reloadPlugin(name: string): Promise<{ reloaded: number; failed: number }> {
    let reloaded = 0;
    let failed = 0;
    const tried = new Set<number>();
    for (;;) {
      const current = this.#registry.find(name);
      if (!current) break;
      const stale = [...this.#instances.values()].filter((r) => r.plugin === name && r.hash !== current.compiled.hash && !tried.has(r.Id));
      if (stale.length === 0) break;
      await Promise.all(
        stale.map(async (r) => {
          tried.add(r.Id);
          try {
            const memoryLimitMb = this.#opts.pluginMemoryLimitMb[name] ?? this.#opts.memoryLimitMb;
            const c = current.compiled;
            await this.#host.reloadInstance({
              instanceId: r.Id, plugin: name, hash: c.hash, code: c.code, filename: c.source.entry, map: c.map,
              config: r.Config, memoryLimitMb,
            });
            r.hash = c.hash;
            reloaded++;
          } catch (err) {
            if (isNoInstance(err)) return; // closed or lost meanwhile
            failed++;
            this.#log.error({ event: 'instance.reload_failed', plugin: name, instance: r.Id }, `instance ${r.Id} keeps its previous code: ${errorMessage(err)}`);
          }
        }),
      );
    }
    return { reloaded, failed };
  }

  /** InstanceStatus: Kong's fields, plus the instance's figures and its last breach. */
  async status(id: number): Promise<InstanceStatus & { Stats: InstanceStats | null; LastBreach: BreachRecord | null }> {
    const record = this.#record(id);
    const [stats] = await this.#host.instanceStats(id);
    return { ...publicStatus(record), Stats: stats ?? null, LastBreach: this.breaches.instance(id) };
  }

  async close(id: number): Promise<InstanceStatus> {
    const record = this.#record(id);
    this.#instances.delete(id);
    this.breaches.forget(id);
    this.#touch(record.plugin).lastClose = Date.now() / 1000;
    try {
      await this.#host.closeInstance(id);
    } catch (err) {
      if (!isNoInstance(err)) throw err;
    }
    this.#log.info({ event: 'instance.closed', plugin: record.plugin, instance: id }, `closed instance ${id}`);
    return publicStatus(record);
  }

  async handleEvent(instanceId: number, phase: Phase): Promise<StepData> {
    this.#record(instanceId);
    const eventId = this.#eventIds.next();
    const answer = await this.#forgetIfGone(instanceId, this.#host.handleEvent({ instanceId, eventId, phase }));
    return { EventId: eventId, Data: answer };
  }

  /**
   * The frame router's HandleEvent: the event gets its id here, as on the decoding path, and the
   * frame goes to the instance's shard. False: an instance this manager does not know, or a host
   * that can't take it; the decoding path answers.
   */
  forwardHandleEvent(instanceId: number, phase: Phase, forward: (eventId: number) => boolean): boolean {
    if (!this.#instances.has(instanceId)) return false;
    return forward(this.#eventIds.next());
  }

  async step(eventId: number, data: { data?: unknown; error?: string }): Promise<StepData> {
    const answer = await this.#host.step({ eventId, ...data });
    return { EventId: eventId, Data: answer };
  }

  /** GetStatus: every loaded plugin with its live instances. */
  async statusReport(): Promise<{ Pid: number; Plugins: Record<string, unknown> } & HostStatus> {
    const stats = new Map((await this.#host.instanceStats()).map((s) => [s.InstanceId, s]));
    // no prototype: a plugin may be named "__proto__"
    const plugins: Record<string, unknown> = Object.create(null);
    for (const p of this.#registry.all()) {
      const name = p.info.Name;
      const act = this.#activity.get(name);
      const entry = {
        Name: name,
        Version: p.info.Version,
        Modtime: p.modTime,
        LoadTime: p.loadTime,
        Instances: [...this.#instances.values()]
          .filter((r) => r.plugin === name)
          .map((r) => ({ ...publicStatus(r), Stats: stats.get(r.Id) ?? null, LastBreach: this.breaches.instance(r.Id) })),
        LastStartInstance: act?.lastStart ?? 0,
        LastCloseInstance: act?.lastClose ?? 0,
        ...this.breaches.plugin(name),
      };
      Object.defineProperty(plugins, name, { value: entry, enumerable: true, writable: true, configurable: true });
    }
    return { Pid: process.pid, Plugins: plugins, ...this.#host.status() };
  }

  #record(id: number): InstanceRecord {
    const r = this.#instances.get(id);
    if (!r) throw new NoPluginInstanceError(id);
    return r;
  }

  /** The host lost the instance (its isolate died): Kong will be told, and will start a new one. */
  async #forgetIfGone(id: number, work: Promise<StepAnswer>): Promise<StepAnswer> {
    try {
      return await work;
    } catch (err) {
      if (isNoInstance(err)) this.#instances.delete(id);
      throw err;
    }
  }

  #touch(name: string): PluginActivity {
    let a = this.#activity.get(name);
    if (!a) this.#activity.set(name, (a = { lastStart: 0, lastClose: 0 }));
    return a;
  }
}

function publicStatus(r: InstanceRecord): InstanceStatus {
  return { Name: r.Name, Id: r.Id, Config: r.Config, StartTime: r.StartTime };
}
