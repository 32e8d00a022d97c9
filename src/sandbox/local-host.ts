// The instance side: isolates of plugin instances and their events, in this process. It answers the
// message-shaped InstanceHostApi; the RPC side never touches an isolate directly.
import type { Logger } from '../log.ts';
import type { FailurePolicy } from '../config/options.ts';
import { NoPluginInstanceError, NoRunningEventError, EventBusyError, InstanceStartError, ShuttingDownError, errorMessage } from '../errors.ts';
import { failureAnswer } from '../instances/failure-policy.ts';
import { EventTable, type EventRecord } from './events.ts';
import { PluginIsolate, IsolateFailure, type BridgeMessage, type IsolateLimits } from './plugin-isolate.ts';
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

interface LiveInstance {
  id: number;
  plugin: string;
  isolate: PluginIsolate;
  closing: boolean;
}

export class LocalInstanceHost implements InstanceHostApi {
  readonly #opts: LocalHostOptions;
  readonly #log: Logger;
  readonly #instances = new Map<number, LiveInstance>();
  /** instances closed by Kong that still finish their events */
  readonly #draining = new Map<number, LiveInstance>();
  readonly #events: EventTable;
  #stopped = false;
  #goneListener: (instanceId: number, reason: string) => void = () => {};

  readonly #onHung: HungHandler;

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
        const inst = this.#draining.get(ev.instanceId);
        if (inst) this.#disposeIfIdle(inst);
      },
    });
  }

  async describePlugin(msg: PluginCode & { memoryLimitMb: number }): Promise<PluginDescription> {
    const isolate = await PluginIsolate.create(msg, this.#limits(msg.plugin, null, msg.memoryLimitMb), () => {});
    try {
      return await isolate.describe();
    } finally {
      isolate.dispose();
    }
  }

  async startInstance(msg: StartInstanceMsg): Promise<void> {
    if (this.#stopped) throw new ShuttingDownError();
    const log = this.#log.child({ plugin: msg.plugin, instance: msg.instanceId });
    let isolate: PluginIsolate | undefined;
    try {
      isolate = await PluginIsolate.create(msg, this.#limits(msg.plugin, msg.instanceId, msg.memoryLimitMb), (m) => this.#onMessage(msg.instanceId, m));
      await isolate.start(msg.config);
    } catch (err) {
      isolate?.dispose();
      throw new InstanceStartError(msg.plugin, errorMessage(err));
    }
    this.#instances.set(msg.instanceId, { id: msg.instanceId, plugin: msg.plugin, isolate, closing: false });
    log.debug({ event: 'instance.started' }, 'instance started');
  }

  async handleEvent(msg: HandleEventMsg): Promise<StepAnswer> {
    const inst = this.#instances.get(msg.instanceId);
    if (!inst) throw new NoPluginInstanceError(msg.instanceId);
    const { ev, answer } = this.#events.begin(msg.eventId, inst.id, msg.phase);
    inst.isolate.handle(ev.id, ev.phase).catch((err: unknown) => this.#onIsolateError(inst, err));
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
    if (!ev.final) {
      const inst = this.#liveOrDraining(ev.instanceId);
      if (inst) {
        const ok = msg.error === undefined;
        inst.isolate.settle(ev.id, ok, ok ? msg.data : msg.error).catch((err: unknown) => this.#onIsolateError(inst, err));
      }
    }
    return answer;
  }

  async closeInstance(instanceId: number): Promise<void> {
    const inst = this.#instances.get(instanceId);
    if (!inst) throw new NoPluginInstanceError(instanceId);
    this.#instances.delete(instanceId);
    inst.closing = true;
    this.#draining.set(instanceId, inst);
    this.#disposeIfIdle(inst);
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
    for (const inst of [...this.#instances.values(), ...this.#draining.values()]) this.#kill(inst, 'server shutdown');
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

  #liveOrDraining(id: number): LiveInstance | undefined {
    return this.#instances.get(id) ?? this.#draining.get(id);
  }

  #onMessage(instanceId: number, m: BridgeMessage): void {
    if (m.kind === 'log') {
      const level = m.level === 'error' || m.level === 'warn' || m.level === 'debug' ? m.level : 'info';
      this.#log[level]({ event: 'plugin.log', instance: instanceId }, m.text);
      return;
    }
    const ev = this.#events.get(m.eventId);
    if (!ev || ev.instanceId !== instanceId) return; // ended already, or not this instance's event
    if (m.kind === 'call') {
      this.#events.answer(ev, { Method: m.method, Args: m.args });
    } else if (m.error === null) {
      this.#events.answer(ev, 'ret');
    } else {
      const inst = this.#liveOrDraining(instanceId);
      this.#log.warn({ event: 'plugin.error', plugin: inst?.plugin, instance: instanceId, eventId: ev.id, phase: ev.phase, policy: this.#opts.onPluginError }, `plugin handler failed: ${m.error}`);
      this.#events.answer(ev, failureAnswer(this.#opts.onPluginError, ev.phase), true);
    }
  }

  #onIsolateError(inst: LiveInstance, err: unknown): void {
    const why = err instanceof IsolateFailure ? err.message : `isolate call failed: ${errorMessage(err)}`;
    this.#kill(inst, why);
  }

  /** The instance is unusable: its events get the failure policy's answer, Kong restarts it. */
  #kill(inst: LiveInstance, why: string): void {
    if (this.#instances.get(inst.id) !== inst && this.#draining.get(inst.id) !== inst) return;
    this.#instances.delete(inst.id);
    this.#draining.delete(inst.id);
    const events = this.#events.ofInstance(inst.id);
    if (!this.#stopped) {
      this.#log.error({ event: 'instance.killed', plugin: inst.plugin, instance: inst.id, eventsAnswered: events.length, policy: this.#opts.onPluginError }, `instance stopped: ${why}`);
    }
    for (const ev of events) this.#events.answer(ev, failureAnswer(this.#opts.onPluginError, ev.phase), true);
    inst.isolate.dispose();
    this.#goneListener(inst.id, why);
  }

  #onDeadline(ev: EventRecord, waitingOnPlugin: boolean): void {
    const inst = this.#liveOrDraining(ev.instanceId);
    if (waitingOnPlugin) {
      this.#log.warn({ event: 'event.deadline', plugin: inst?.plugin, instance: ev.instanceId, eventId: ev.id, phase: ev.phase }, 'plugin did not answer before --event-timeout');
      this.#events.answer(ev, failureAnswer(this.#opts.onPluginError, ev.phase), true);
    } else {
      this.#log.debug({ event: 'event.abandoned', instance: ev.instanceId, eventId: ev.id }, 'Kong did not step the event before --event-timeout; reaped');
      this.#events.drop(ev);
    }
    inst?.isolate.abandon(ev.id);
  }

  #disposeIfIdle(inst: LiveInstance): void {
    if (!inst.closing || this.#events.ofInstance(inst.id).length > 0) return;
    this.#draining.delete(inst.id);
    inst.isolate.dispose();
  }
}
