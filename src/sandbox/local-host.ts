// The instance side: isolates of plugin instances and their events, in this process. It answers the
// message-shaped InstanceHostApi; the RPC side never touches an isolate directly. This class
// coordinates; each idea has a file of its own:
// - generation.ts: an instance's isolate (current, or retired after a reload) and its counters
// - event-slice.ts: one slice of an event under its CPU budget, and crypto.subtle inside it
// - pdk-call-policy.ts: what becomes of a PDK call the plugin made
// - event-op-runner.ts: the timers and fetches an event started
// - heap-sampler.ts: the periodic heap check (--heap-sample-interval)
import type { Logger } from '../log.ts';
import { isolateLimits, type LocalHostOptions } from './host-options.ts';
import { NoPluginInstanceError, NoRunningEventError, EventBusyError, InstanceStartError, PluginLoadError, ShuttingDownError, errorMessage } from '../errors.ts';
import { failureAnswer } from '../events/failure-answer.ts';
import { EventTable, type EventRecord } from '../events/event-table.ts';
import { PluginIsolate, pluginErrorText, type IsolateLimits } from './plugin-isolate.ts';
import type { BridgeMessage } from './isolate-bridge.ts';
import { IsolatePool } from './isolate-pool.ts';
import { SliceWatchdog, type SliceWatch } from './slice-watchdog.ts';
import { payloadSize } from './payload-size.ts';
import { withSandboxStats } from './memory-stats.ts';
import { clipPluginText } from './plugin-text.ts';
import { InstanceGenerations, newGeneration, positionsOf, type Generation } from './generation.ts';
import { EventSliceRunner } from './event-slice.ts';
import { EventOpRunner } from './event-op-runner.ts';
import { HeapSampler } from './heap-sampler.ts';
import { decidePdkCall } from './pdk-call-policy.ts';
import type {
  InstanceHostApi, PluginCode, PluginDescription, StartInstanceMsg, HandleEventMsg, StepMsg, StepAnswer, HostStatus,
  Breach, BreachKind, InstanceStats,
} from '../instances/instance-host.ts';

export type { LocalHostOptions };

/** one plugin log line, at most (the runtime clips each value; this bounds the whole line) */
const MAX_LOG_LINE = 8192;

export class LocalInstanceHost implements InstanceHostApi {
  readonly #opts: LocalHostOptions;
  readonly #log: Logger;
  readonly #gens = new InstanceGenerations();
  readonly #events: EventTable;
  readonly #watchdog: SliceWatch;
  /** the watchdog this host built itself (none was given), closed with it */
  readonly #ownWatchdog: SliceWatchdog | null;
  readonly #sampler: HeapSampler;
  readonly #pool: IsolatePool;
  readonly #slices: EventSliceRunner;
  readonly #ops: EventOpRunner;
  #stopped = false;
  /** metadata reads are watched under ids of their own, below 0 (instance ids are positive) */
  #describeSeq = 0;
  #goneListener: (instanceId: number, reason: string) => void = () => {};
  #breachListener: (breach: Breach) => void = () => {};

  /**
   * Slices run on this thread (see plugin-isolate.ts), so a plugin call V8 will not interrupt can
   * only be ended by killing this process: `watchdog` does it (a shard's, which also tells the
   * supervisor who runs), or else one built here that logs to `hungLog` (fd) and kills the process.
   */
  constructor(opts: LocalHostOptions, log: Logger, mode: { watchdog?: SliceWatch; hungLog?: { fd: number; victim: string } } = {}) {
    this.#opts = opts;
    this.#log = log;
    this.#ownWatchdog = mode.watchdog
      ? null
      : new SliceWatchdog({ killGraceMs: opts.killGraceMs, budgetMs: opts.cpuLimitMs, logFd: mode.hungLog?.fd ?? 2, victim: mode.hungLog?.victim ?? 'this process' });
    this.#watchdog = mode.watchdog ?? this.#ownWatchdog!;
    this.#events = new EventTable(opts.eventTimeoutMs, {
      onDeadline: (ev, onPlugin) => this.#onDeadline(ev, onPlugin),
      onEnded: (ev) => {
        this.#ops.endEvent(ev.id);
        this.#gens.endEvent(ev.id);
      },
    });
    this.#slices = new EventSliceRunner(opts, log, {
      stop: (gen, reason, kind) => this.#fail(gen, reason, kind),
      rejected: (gen, ev, err) => this.#failEvent(gen, ev, `unhandled rejection in the plugin: ${clipPluginText(gen.positions(errorMessage(err).slice(0, 16_384)))}`, true),
    });
    this.#ops = new EventOpRunner(opts, log, this.#events, this.#slices, (gen, ev, kind, text) => this.#breach(gen, ev, kind, text));
    this.#sampler = new HeapSampler(opts, log, this.#gens, {
      stop: (gen, reason) => this.#fail(gen, reason, 'memory'),
      warn: (gen, text) => this.#breach(gen, null, 'memory_soft', text),
    });
    this.#sampler.start();
    const pool = { size: opts.isolatePool, memoryLimitMb: opts.memoryLimitMb, timeoutMs: opts.startTimeoutMs };
    this.#pool = new IsolatePool(pool, log);
  }

  /** The module body and the metadata read are plugin code: watched and announced like any slice. */
  async describePlugin(msg: PluginCode & { memoryLimitMb: number }): Promise<PluginDescription> {
    let isolate: PluginIsolate | undefined;
    const watchId = -++this.#describeSeq;
    this.#watchdog.name(watchId, msg.plugin);
    try {
      const limits = this.#limits(msg.plugin, watchId, msg.memoryLimitMb, {});
      isolate = PluginIsolate.create(msg, limits, () => {}, this.#pool.take(msg.memoryLimitMb));
      const described = isolate.describe();
      // The runtime measured it as a tree already; measured again here (every shared reference
      // each time), before anything would write it out as one.
      const max = this.#opts.maxMetadataBytes;
      if (payloadSize(described, max) > max) throw new Error(`the exported metadata is larger than ${max} bytes (--max-metadata-size)`);
      return described;
    } catch (err) {
      throw new PluginLoadError(clipPluginText(pluginErrorText(err, msg.filename)));
    } finally {
      isolate?.dispose();
      this.#watchdog.name(watchId, null);
    }
  }

  async startInstance(msg: StartInstanceMsg): Promise<void> {
    if (this.#stopped) throw new ShuttingDownError();
    this.#watchdog.name(msg.instanceId, msg.plugin);
    this.#gens.add(await this.#build(msg));
    this.#log.debug({ event: 'instance.started', plugin: msg.plugin, instance: msg.instanceId }, 'instance started');
  }

  /** Hot reload: the next generation is built (and constructed with the config) before the swap. */
  async reloadInstance(msg: StartInstanceMsg): Promise<void> {
    if (!this.#gens.current.has(msg.instanceId)) throw new NoPluginInstanceError(msg.instanceId);
    const next = await this.#build(msg);
    if (this.#stopped || !this.#gens.swap(next)) {
      next.isolate.dispose(); // closed or killed while the new code was being built
      throw new NoPluginInstanceError(msg.instanceId);
    }
  }

  async handleEvent(msg: HandleEventMsg): Promise<StepAnswer> {
    const gen = this.#gens.current.get(msg.instanceId);
    if (!gen) throw new NoPluginInstanceError(msg.instanceId);
    if (gen.events.size >= this.#opts.maxEventsPerInstance) {
      this.#breach(gen, null, 'events_in_flight', `more than ${this.#opts.maxEventsPerInstance} events at once on one instance (--max-events-per-instance)`);
      return failureAnswer(this.#opts.onPluginError, msg.phase);
    }
    const { ev, answer } = this.#events.begin(msg.eventId, gen.instanceId, msg.phase);
    this.#gens.beginEvent(gen, ev.id);
    this.#slices.run(gen, ev, (budget) => gen.isolate.handle(ev.id, ev.phase, budget));
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
    const gen = this.#gens.ofEvent(ev.id);
    if (!ev.final && gen) {
      const method = ev.pendingMethod;
      ev.pendingMethod = null;
      if (msg.error !== undefined) {
        this.#slices.run(gen, ev, (budget) => gen.isolate.settle(ev.id, false, msg.error, budget));
      } else if (payloadSize(msg.data, this.#opts.maxPayloadBytes) > this.#opts.maxPayloadBytes) {
        const detail = `the result of ${method} is larger than ${this.#opts.maxPayloadBytes} bytes (--max-payload-size)`;
        this.#breach(gen, ev, 'payload', detail);
        this.#slices.run(gen, ev, (budget) => gen.isolate.settle(ev.id, false, detail, budget));
      } else {
        const data = method === 'kong.node.get_memory_stats' ? withSandboxStats(msg.data, await this.#gens.stats(gen, this.#opts.cpuLimitMs)) : msg.data;
        // the isolate may have been stopped while its heap was read: then run() runs nothing
        this.#slices.run(gen, ev, (budget) => gen.isolate.settle(ev.id, true, data, budget));
      }
    }
    return answer;
  }

  async closeInstance(instanceId: number): Promise<void> {
    if (!this.#gens.close(instanceId)) throw new NoPluginInstanceError(instanceId);
  }

  onInstanceGone(listener: (instanceId: number, reason: string) => void): void {
    this.#goneListener = listener;
  }

  onBreach(listener: (breach: Breach) => void): void {
    this.#breachListener = listener;
  }

  async instanceStats(instanceId?: number): Promise<InstanceStats[]> {
    const gens = instanceId === undefined
      ? [...this.#gens.current.values()]
      : [this.#gens.current.get(instanceId)].filter((g) => g !== undefined);
    return Promise.all(gens.map((g) => this.#gens.stats(g, this.#opts.cpuLimitMs)));
  }

  status(): HostStatus {
    return { Shards: [], Quarantined: [] };
  }

  async shutdown(): Promise<void> {
    this.#stopped = true;
    this.#sampler.stop();
    this.#pool.close();
    this.#ownWatchdog?.close();
    for (const gen of this.#gens.all()) this.#fail(gen, 'server shutdown', 'isolate');
  }

  async #build(msg: StartInstanceMsg): Promise<Generation> {
    let isolate: PluginIsolate | undefined;
    try {
      const gen: { current?: Generation } = {};
      const limits = this.#limits(msg.plugin, msg.instanceId, msg.memoryLimitMb, gen);
      const t0 = performance.now();
      const blank = this.#pool.take(msg.memoryLimitMb);
      isolate = PluginIsolate.create(msg, limits, (m) => {
        if (gen.current) this.#onMessage(gen.current, m);
      }, blank);
      isolate.start(msg.config);
      const ms = +(performance.now() - t0).toFixed(2);
      this.#log.debug({ event: 'isolate.built', plugin: msg.plugin, instance: msg.instanceId, pooled: blank !== null, ms }, `isolate ready in ${ms} ms${blank ? ' (from the pool)' : ''}`);
      gen.current = newGeneration(msg, isolate);
      return gen.current;
    } catch (err) {
      isolate?.dispose();
      throw new InstanceStartError(msg.plugin, clipPluginText(positionsOf(msg)(pluginErrorText(err, msg.filename))));
    }
  }

  /**
   * `watchId`: the instance id, or a metadata read's own id (below 0). `gen.current`: the generation
   * once built; crypto.subtle before that (module body, constructor, metadata) is charged to no event.
   */
  #limits(plugin: string, watchId: number, memoryLimitMb: number, gen: { current?: Generation }): IsolateLimits {
    const watchdog = this.#watchdog;
    const watch = { arm: (budgetMs: number) => watchdog.arm(watchId, plugin, budgetMs), disarm: () => watchdog.disarm() };
    return isolateLimits(this.#opts, plugin, memoryLimitMb, watch, (op, args) => this.#slices.crypto(gen.current ?? null, op, args));
  }

  #onMessage(gen: Generation, m: BridgeMessage): void {
    if (m.kind === 'log') {
      const level = m.level === 'error' || m.level === 'warn' || m.level === 'debug' ? m.level : 'info';
      const text = clipPluginText(gen.positions(m.text.length > MAX_LOG_LINE ? m.text.slice(0, MAX_LOG_LINE) : m.text), MAX_LOG_LINE);
      this.#log[level]({ event: 'plugin.log', plugin: gen.plugin, instance: gen.instanceId }, text);
      return;
    }
    const ev = this.#events.get(m.eventId);
    if (!ev || this.#gens.ofEvent(m.eventId) !== gen) return; // ended already, or not this isolate's event
    if (m.kind === 'breach') {
      if (m.what === 'pending_calls' || m.what === 'payload' || m.what === 'timers' || m.what === 'fetch') this.#breach(gen, ev, m.what, clipPluginText(m.detail));
    } else if (m.kind === 'call') {
      this.#onCall(gen, ev, m.method, m.args);
    } else if (m.kind === 'op') {
      this.#ops.start(gen, ev, m.opId, m.opKind, m.args);
    } else if (m.kind === 'cancel') {
      this.#ops.cancel(ev.id, m.opId);
    } else if (m.error === null) {
      this.#ops.endEvent(ev.id);
      this.#events.answer(ev, 'ret');
    } else {
      this.#ops.endEvent(ev.id);
      this.#failEvent(gen, ev, `plugin handler failed: ${clipPluginText(gen.positions(m.error.slice(0, 16_384)))}`, true);
    }
  }

  /** A PDK call goes to Kong, unless it breaks a bridge limit (pdk-call-policy.ts): then the plugin's call fails instead. */
  #onCall(gen: Generation, ev: EventRecord, method: string, args: unknown[]): void {
    ev.pdkCalls++;
    const usage = this.#gens.usage(gen.instanceId);
    if (usage) usage.pdkCalls++;
    const decision = decidePdkCall(method, args, ev.pdkCalls, this.#opts);
    if ('ok' in decision) {
      ev.pendingMethod = method;
      this.#events.answer(ev, { Method: method, Args: decision.ok as unknown[] });
      return;
    }
    if (decision.breach) this.#breach(gen, ev, decision.breach.kind, decision.breach.detail);
    // Kong gets the failure policy's answer for a terminal call, never a silent "ret".
    if (decision.terminal) this.#failEvent(gen, ev, `${method} could not be sent to Kong: ${decision.refusal}`, false);
    else this.#slices.run(gen, ev, (budget) => gen.isolate.settle(ev.id, false, decision.refusal, budget));
  }

  /** The plugin failed the event (`handlerError`: counted as its error): logged, and it ends with --on-plugin-error's answer. */
  #failEvent(gen: Generation, ev: EventRecord, text: string, handlerError: boolean): void {
    const usage = handlerError ? this.#gens.usage(gen.instanceId) : undefined;
    if (usage) usage.errors++;
    const policy = this.#opts.onPluginError;
    this.#log.warn({ event: 'plugin.error', plugin: gen.plugin, instance: gen.instanceId, eventId: ev.id, phase: ev.phase, policy }, text);
    this.#events.answer(ev, failureAnswer(policy, ev.phase), true);
  }

  /**
   * The generation's isolate is unusable: its events get the failure policy's answer. If it was the
   * instance's current one, the instance is gone too, and Kong will restart it.
   */
  #fail(gen: Generation, reason: string, kind: BreachKind): void {
    if (gen.isolate.disposed && gen.retired) return;
    const why = clipPluginText(reason);
    const isCurrent = this.#gens.drop(gen);
    const events = [...gen.events].map((id) => this.#events.get(id)).filter((e): e is EventRecord => e !== undefined);
    if (!this.#stopped) {
      this.#log.error({ event: 'instance.killed', plugin: gen.plugin, instance: gen.instanceId, kind, eventsAnswered: events.length, policy: this.#opts.onPluginError }, `instance stopped: ${why}`);
      this.#breachListener({ plugin: gen.plugin, instanceId: gen.instanceId, kind, detail: why, fatal: true });
    }
    gen.retired = true;
    for (const ev of events) {
      this.#ops.endEvent(ev.id);
      this.#events.answer(ev, failureAnswer(this.#opts.onPluginError, ev.phase), true);
    }
    gen.isolate.dispose();
    if (isCurrent) this.#goneListener(gen.instanceId, why);
  }

  /** A limit the plugin ran into that does not stop the instance: logged, counted, told. */
  #breach(gen: Generation, ev: EventRecord | null, kind: BreachKind, text: string): void {
    const detail = clipPluginText(text);
    this.#log.warn({ event: 'limit.breach', kind, plugin: gen.plugin, instance: gen.instanceId, eventId: ev?.id }, detail);
    this.#breachListener({ plugin: gen.plugin, instanceId: gen.instanceId, kind, detail, fatal: false });
  }

  #onDeadline(ev: EventRecord, waitingOnPlugin: boolean): void {
    const gen = this.#gens.ofEvent(ev.id);
    this.#ops.endEvent(ev.id); // its timers never fire, its requests are aborted
    if (waitingOnPlugin) {
      if (gen) this.#breach(gen, ev, 'deadline', `the plugin did not answer within ${this.#opts.eventTimeoutMs} ms (--event-timeout)`);
      this.#events.answer(ev, failureAnswer(this.#opts.onPluginError, ev.phase), true);
    } else {
      this.#log.debug({ event: 'event.abandoned', instance: ev.instanceId, eventId: ev.id }, 'Kong did not step the event before --event-timeout; reaped');
      this.#events.drop(ev);
    }
    // The runtime rejects the event's pending PDK calls, so the plugin's catch/finally run now: in
    // a slice of this event, under what is left of its budget and counted into it, like any other.
    // A rejection nobody handles is the host's doing here, not the plugin's fault: only a limit
    // (CPU, memory) stops the instance.
    if (gen) this.#slices.run(gen, ev, (budget) => gen.isolate.abandon(ev.id, budget), true);
  }
}
