// The instance side: isolates of plugin instances and their events, in this process. It answers the
// message-shaped InstanceHostApi; the RPC side never touches an isolate directly.
//
// An instance runs one isolate at a time, its current generation. A hot reload builds the next
// generation first, then swaps it in: events already running finish on the old generation, which is
// disposed when its last event ends; events that start after the swap run the new code.
import type { Logger } from '../log.ts';
import type { FailurePolicy } from '../config/options.ts';
import { NoPluginInstanceError, NoRunningEventError, EventBusyError, InstanceStartError, PluginLoadError, ShuttingDownError, errorMessage } from '../errors.ts';
import { failureAnswer } from '../instances/failure-policy.ts';
import { EventTable, type EventRecord } from './events.ts';
import { PluginIsolate, IsolateFailure, pluginErrorText, type BridgeMessage, type IsolateLimits } from './plugin-isolate.ts';
import type {
  InstanceHostApi, PluginCode, PluginDescription, StartInstanceMsg, HandleEventMsg, StepMsg, StepAnswer, HostStatus,
} from './host-api.ts';

export interface LocalHostOptions {
  cpuLimitMs: number;
  startTimeoutMs: number;
  eventTimeoutMs: number;
  killGraceMs: number;
  onPluginError: FailurePolicy;
}

/** A call into an isolate that will not stop; in a shard, the supervisor then kills the process. */
export type HungHandler = (plugin: string, instanceId: number | null, why: string) => void;

/** One isolate of an instance, and the events running on it. */
interface Generation {
  readonly instanceId: number;
  readonly plugin: string;
  readonly isolate: PluginIsolate;
  readonly events: Set<number>;
  /** replaced (reload) or closed: disposed as soon as its last event ends */
  retired: boolean;
}

export class LocalInstanceHost implements InstanceHostApi {
  readonly #opts: LocalHostOptions;
  readonly #log: Logger;
  /** live instance id → its current generation */
  readonly #instances = new Map<number, Generation>();
  /** event id → the generation it runs on */
  readonly #eventGen = new Map<number, Generation>();
  readonly #events: EventTable;
  readonly #onHung: HungHandler;
  #stopped = false;
  #goneListener: (instanceId: number, reason: string) => void = () => {};

  constructor(opts: LocalHostOptions, log: Logger, onHung?: HungHandler) {
    this.#opts = opts;
    this.#log = log;
    this.#onHung =
      onHung ??
      ((plugin, instance, why) =>
        log.fatal({ event: 'isolate.hung', plugin, instance }, `${why}; with --shards 0 nothing can stop it short of this process dying`));
    this.#events = new EventTable(opts.eventTimeoutMs, {
      onDeadline: (ev, onPlugin) => this.#onDeadline(ev, onPlugin),
      onEnded: (ev) => {
        const gen = this.#eventGen.get(ev.id);
        this.#eventGen.delete(ev.id);
        if (!gen) return;
        gen.events.delete(ev.id);
        this.#disposeIfIdle(gen);
      },
    });
  }

  async describePlugin(msg: PluginCode & { memoryLimitMb: number }): Promise<PluginDescription> {
    let isolate: PluginIsolate | undefined;
    try {
      isolate = await PluginIsolate.create(msg, this.#limits(msg.plugin, null, msg.memoryLimitMb), () => {});
      return await isolate.describe();
    } catch (err) {
      throw new PluginLoadError(msg.plugin, msg.filename, pluginErrorText(err, msg.filename));
    } finally {
      isolate?.dispose();
    }
  }

  async startInstance(msg: StartInstanceMsg): Promise<void> {
    if (this.#stopped) throw new ShuttingDownError();
    this.#instances.set(msg.instanceId, await this.#build(msg));
    this.#log.debug({ event: 'instance.started', plugin: msg.plugin, instance: msg.instanceId }, 'instance started');
  }

  /** Hot reload: the next generation is built (and constructed with the config) before the swap. */
  async reloadInstance(msg: StartInstanceMsg): Promise<void> {
    if (!this.#instances.has(msg.instanceId)) throw new NoPluginInstanceError(msg.instanceId);
    const next = await this.#build(msg);
    const current = this.#instances.get(msg.instanceId);
    if (!current || this.#stopped) {
      next.isolate.dispose(); // closed or killed while the new code was being built
      throw new NoPluginInstanceError(msg.instanceId);
    }
    this.#instances.set(msg.instanceId, next);
    this.#retire(current);
  }

  async handleEvent(msg: HandleEventMsg): Promise<StepAnswer> {
    const gen = this.#instances.get(msg.instanceId);
    if (!gen) throw new NoPluginInstanceError(msg.instanceId);
    const { ev, answer } = this.#events.begin(msg.eventId, gen.instanceId, msg.phase);
    gen.events.add(ev.id);
    this.#eventGen.set(ev.id, gen);
    gen.isolate.handle(ev.id, ev.phase).catch((err: unknown) => this.#onIsolateError(gen, err));
    return answer;
  }

  async step(msg: StepMsg): Promise<StepAnswer> {
    const ev = this.#events.get(msg.eventId);
    if (!ev) {
      if (this.#events.wasEnded(msg.eventId)) return 'ret';
      throw new NoRunningEventError(msg.eventId);
    }
    if (ev.waiter) throw new EventBusyError(msg.eventId);
    const answer = this.#events.wait(ev);
    const gen = this.#eventGen.get(ev.id);
    if (!ev.final && gen) {
      const ok = msg.error === undefined;
      gen.isolate.settle(ev.id, ok, ok ? msg.data : msg.error).catch((err: unknown) => this.#onIsolateError(gen, err));
    }
    return answer;
  }

  async closeInstance(instanceId: number): Promise<void> {
    const gen = this.#instances.get(instanceId);
    if (!gen) throw new NoPluginInstanceError(instanceId);
    this.#instances.delete(instanceId);
    this.#retire(gen);
  }

  onInstanceGone(listener: (instanceId: number, reason: string) => void): void {
    this.#goneListener = listener;
  }

  status(): HostStatus {
    return { Shards: [], Quarantined: [] };
  }

  /** live instances (shards report this to the supervisor) */
  get instanceCount(): number {
    return this.#instances.size;
  }

  eventsInFlight(): number {
    return this.#events.size;
  }

  async shutdown(): Promise<void> {
    this.#stopped = true;
    const gens = new Set([...this.#instances.values(), ...this.#eventGen.values()]);
    for (const gen of gens) this.#fail(gen, 'server shutdown');
  }

  async #build(msg: StartInstanceMsg): Promise<Generation> {
    let isolate: PluginIsolate | undefined;
    try {
      const gen: { current?: Generation } = {};
      isolate = await PluginIsolate.create(msg, this.#limits(msg.plugin, msg.instanceId, msg.memoryLimitMb), (m) => {
        if (gen.current) this.#onMessage(gen.current, m);
      });
      await isolate.start(msg.config);
      gen.current = { instanceId: msg.instanceId, plugin: msg.plugin, isolate, events: new Set(), retired: false };
      return gen.current;
    } catch (err) {
      isolate?.dispose();
      throw new InstanceStartError(msg.plugin, pluginErrorText(err, msg.filename));
    }
  }

  #limits(plugin: string, instanceId: number | null, memoryLimitMb: number): IsolateLimits {
    const o = this.#opts;
    return {
      memoryLimitMb,
      cpuLimitMs: o.cpuLimitMs,
      startTimeoutMs: o.startTimeoutMs,
      killGraceMs: o.killGraceMs,
      onHung: (why) => this.#onHung(plugin, instanceId, why),
    };
  }

  #onMessage(gen: Generation, m: BridgeMessage): void {
    if (m.kind === 'log') {
      const level = m.level === 'error' || m.level === 'warn' || m.level === 'debug' ? m.level : 'info';
      this.#log[level]({ event: 'plugin.log', plugin: gen.plugin, instance: gen.instanceId }, m.text);
      return;
    }
    const ev = this.#events.get(m.eventId);
    if (!ev || this.#eventGen.get(m.eventId) !== gen) return; // ended already, or not this isolate's event
    if (m.kind === 'call') {
      this.#events.answer(ev, { Method: m.method, Args: m.args });
    } else if (m.error === null) {
      this.#events.answer(ev, 'ret');
    } else {
      this.#log.warn({ event: 'plugin.error', plugin: gen.plugin, instance: gen.instanceId, eventId: ev.id, phase: ev.phase, policy: this.#opts.onPluginError }, `plugin handler failed: ${m.error}`);
      this.#events.answer(ev, failureAnswer(this.#opts.onPluginError, ev.phase), true);
    }
  }

  #onIsolateError(gen: Generation, err: unknown): void {
    this.#fail(gen, err instanceof IsolateFailure ? err.message : `isolate call failed: ${errorMessage(err)}`);
  }

  /**
   * The generation's isolate is unusable: its events get the failure policy's answer. If it was the
   * instance's current one, the instance is gone too, and Kong will restart it.
   */
  #fail(gen: Generation, why: string): void {
    const isCurrent = this.#instances.get(gen.instanceId) === gen;
    if (isCurrent) this.#instances.delete(gen.instanceId);
    const events = [...gen.events].map((id) => this.#events.get(id)).filter((e): e is EventRecord => e !== undefined);
    if (!this.#stopped) {
      this.#log.error({ event: 'instance.killed', plugin: gen.plugin, instance: gen.instanceId, eventsAnswered: events.length, policy: this.#opts.onPluginError }, `instance stopped: ${why}`);
    }
    gen.retired = true;
    for (const ev of events) this.#events.answer(ev, failureAnswer(this.#opts.onPluginError, ev.phase), true);
    gen.isolate.dispose();
    if (isCurrent) this.#goneListener(gen.instanceId, why);
  }

  #onDeadline(ev: EventRecord, waitingOnPlugin: boolean): void {
    const gen = this.#eventGen.get(ev.id);
    if (waitingOnPlugin) {
      this.#log.warn({ event: 'event.deadline', plugin: gen?.plugin, instance: ev.instanceId, eventId: ev.id, phase: ev.phase }, 'plugin did not answer before --event-timeout');
      this.#events.answer(ev, failureAnswer(this.#opts.onPluginError, ev.phase), true);
    } else {
      this.#log.debug({ event: 'event.abandoned', instance: ev.instanceId, eventId: ev.id }, 'Kong did not step the event before --event-timeout; reaped');
      this.#events.drop(ev);
    }
    gen?.isolate.abandon(ev.id);
  }

  #retire(gen: Generation): void {
    gen.retired = true;
    this.#disposeIfIdle(gen);
  }

  #disposeIfIdle(gen: Generation): void {
    if (gen.retired && gen.events.size === 0) gen.isolate.dispose();
  }
}
