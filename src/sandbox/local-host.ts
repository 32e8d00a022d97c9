// The instance side: isolates of plugin instances and their events, in this process. It answers the
// message-shaped InstanceHostApi; the RPC side never touches an isolate directly.
//
// An instance runs one isolate at a time, its current generation. A hot reload builds the next
// generation first, then swaps it in: events already running finish on the old generation, which is
// disposed when its last event ends; events that start after the swap run the new code.
import type { Logger } from '../log.ts';
import type { LocalHostOptions } from './host-options.ts';
import { NoPluginInstanceError, NoRunningEventError, EventBusyError, InstanceStartError, PluginLoadError, ShuttingDownError, errorMessage } from '../errors.ts';
import { failureAnswer } from '../events/failure-answer.ts';
import { TERMINAL_METHODS } from '../rpc/protocol.ts';
import { EventTable, type EventRecord } from '../events/event-table.ts';
import { PluginIsolate, IsolateFailure, pluginErrorText, type IsolateLimits } from './plugin-isolate.ts';
import type { BridgeMessage } from './isolate-bridge.ts';
import { IsolatePool } from './isolate-pool.ts';
import { SliceWatchdog } from './slice-watchdog.ts';
import { cpuStretch } from './cpu-share.ts';
import { payloadSize } from './payload-size.ts';
import { toKongData } from './kong-data.ts';
import { withSandboxStats } from './memory-stats.ts';
import { clipPluginText, isPdkMethodName } from './plugin-text.ts';
import { runCrypto, type CryptoAnswer, type CryptoLimits } from './host-crypto.ts';
import { mapBundlePositions } from '../plugins/source-map.ts';
import { originsOf } from '../config/allow-fetch.ts';
import { EventOps } from './event-ops.ts';
import { checkFetchRequest, hostFetch, FetchRefused, type OpFailure } from './host-fetch.ts';
import type {
  InstanceHostApi, PluginCode, PluginDescription, StartInstanceMsg, HandleEventMsg, StepMsg, StepAnswer, HostStatus,
  Breach, BreachKind, InstanceStats,
} from '../instances/instance-host.ts';

export type { LocalHostOptions };

/** Watches slices from another thread (src/sandbox/slice-watchdog.ts). */
export interface SliceWatch {
  /** which plugin an id runs (null: the id is done with) */
  name(instanceId: number, plugin: string | null): void;
  /** right before plugin code of this instance (or metadata read) runs on this thread */
  arm(instanceId: number, plugin: string, budgetMs: number): void;
  disarm(): void;
}

/** one plugin log line, at most (the runtime clips each value; this bounds the whole line) */
const MAX_LOG_LINE = 8192;

/** One isolate of an instance, and the events running on it. */
interface Generation {
  readonly instanceId: number;
  readonly plugin: string;
  readonly isolate: PluginIsolate;
  readonly events: Set<number>;
  /** bundle positions in a text → the author's (source map) */
  readonly positions: (text: string) => string;
  /** replaced (reload) or closed: disposed as soon as its last event ends */
  retired: boolean;
  /** the event whose slice runs now: host work done for the isolate (crypto) is charged to it */
  sliceEvent: EventRecord | null;
  /** this thread's CPU when that slice began, and the event's CPU then */
  sliceStart: { cpu: NodeJS.CpuUsage; eventMs: number } | null;
}

/** An instance's counters across its generations. */
interface Usage {
  events: number;
  pdkCalls: number;
  /** handler exceptions */
  errors: number;
  generation: number;
  /** CPU of generations already disposed */
  cpuRetiredMs: number;
  /** above --memory-warn-ratio at the last sample */
  overSoftLimit: boolean;
}

export class LocalInstanceHost implements InstanceHostApi {
  readonly #opts: LocalHostOptions;
  readonly #log: Logger;
  /** live instance id → its current generation */
  readonly #instances = new Map<number, Generation>();
  readonly #usage = new Map<number, Usage>();
  /** event id → the generation it runs on */
  readonly #eventGen = new Map<number, Generation>();
  readonly #events: EventTable;
  readonly #watchdog: SliceWatch;
  /** the watchdog this host built itself (none was given), closed with it */
  readonly #ownWatchdog: SliceWatchdog | null;
  readonly #sampler: NodeJS.Timeout;
  readonly #pool: IsolatePool;
  /** timers and fetches of running events (cancelled when their event ends) */
  readonly #ops = new EventOps();
  /** instance id → fetches in flight (--max-concurrent-fetches) */
  readonly #fetching = new Map<number, number>();
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
        const gen = this.#eventGen.get(ev.id);
        this.#eventGen.delete(ev.id);
        if (!gen) return;
        gen.events.delete(ev.id);
        this.#disposeIfIdle(gen);
      },
    });
    this.#sampler = setInterval(() => void this.#sampleHeaps(), opts.heapSampleMs);
    this.#sampler.unref();
    const pool = { size: opts.isolatePool, memoryLimitMb: opts.memoryLimitMb, timeoutMs: opts.startTimeoutMs };
    this.#pool = new IsolatePool(pool, log);
  }

  /** The module body and the metadata read are plugin code: watched and announced like any slice. */
  async describePlugin(msg: PluginCode & { memoryLimitMb: number }): Promise<PluginDescription> {
    let isolate: PluginIsolate | undefined;
    const watchId = -++this.#describeSeq;
    this.#watchdog.name(watchId, msg.plugin);
    try {
      const limits = this.#limits(msg.plugin, watchId, msg.memoryLimitMb, (op, args) => this.#crypto(null, op, args));
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
    this.#instances.set(msg.instanceId, await this.#build(msg));
    this.#usage.set(msg.instanceId, { events: 0, pdkCalls: 0, errors: 0, generation: 1, cpuRetiredMs: 0, overSoftLimit: false });
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
    const usage = this.#usage.get(msg.instanceId);
    if (usage) usage.generation++;
    this.#retire(current);
  }

  async handleEvent(msg: HandleEventMsg): Promise<StepAnswer> {
    const gen = this.#instances.get(msg.instanceId);
    if (!gen) throw new NoPluginInstanceError(msg.instanceId);
    if (gen.events.size >= this.#opts.maxEventsPerInstance) {
      this.#breach(gen, null, 'events_in_flight', `more than ${this.#opts.maxEventsPerInstance} events at once on one instance (--max-events-per-instance)`);
      return failureAnswer(this.#opts.onPluginError, msg.phase);
    }
    const { ev, answer } = this.#events.begin(msg.eventId, gen.instanceId, msg.phase);
    gen.events.add(ev.id);
    this.#eventGen.set(ev.id, gen);
    const usage = this.#usage.get(gen.instanceId);
    if (usage) usage.events++;
    this.#slice(gen, ev, (budget) => gen.isolate.handle(ev.id, ev.phase, budget));
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
      const method = ev.pendingMethod;
      ev.pendingMethod = null;
      if (msg.error !== undefined) {
        this.#slice(gen, ev, (budget) => gen.isolate.settle(ev.id, false, msg.error, budget));
      } else if (payloadSize(msg.data, this.#opts.maxPayloadBytes) > this.#opts.maxPayloadBytes) {
        const detail = `the result of ${method} is larger than ${this.#opts.maxPayloadBytes} bytes (--max-payload-size)`;
        this.#breach(gen, ev, 'payload', detail);
        this.#slice(gen, ev, (budget) => gen.isolate.settle(ev.id, false, detail, budget));
      } else {
        const data = method === 'kong.node.get_memory_stats' ? withSandboxStats(msg.data, await this.#statsOf(gen)) : msg.data;
        this.#slice(gen, ev, (budget) => gen.isolate.settle(ev.id, true, data, budget));
      }
    }
    return answer;
  }

  async closeInstance(instanceId: number): Promise<void> {
    const gen = this.#instances.get(instanceId);
    if (!gen) throw new NoPluginInstanceError(instanceId);
    this.#instances.delete(instanceId);
    this.#usage.delete(instanceId);
    this.#retire(gen);
  }

  onInstanceGone(listener: (instanceId: number, reason: string) => void): void {
    this.#goneListener = listener;
  }

  onBreach(listener: (breach: Breach) => void): void {
    this.#breachListener = listener;
  }

  async instanceStats(instanceId?: number): Promise<InstanceStats[]> {
    const gens = instanceId === undefined
      ? [...this.#instances.values()]
      : [this.#instances.get(instanceId)].filter((g) => g !== undefined);
    return Promise.all(gens.map((g) => this.#statsOf(g)));
  }

  status(): HostStatus {
    return { Shards: [], Quarantined: [] };
  }

  async shutdown(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#sampler);
    this.#pool.close();
    this.#ownWatchdog?.close();
    const gens = new Set([...this.#instances.values(), ...this.#eventGen.values()]);
    for (const gen of gens) this.#fail(gen, 'server shutdown', 'isolate');
  }

  async #build(msg: StartInstanceMsg): Promise<Generation> {
    let isolate: PluginIsolate | undefined;
    try {
      const gen: { current?: Generation } = {};
      const limits = this.#limits(msg.plugin, msg.instanceId, msg.memoryLimitMb, (op, args) => this.#crypto(gen.current ?? null, op, args));
      const t0 = performance.now();
      const blank = this.#pool.take(msg.memoryLimitMb);
      isolate = PluginIsolate.create(msg, limits, (m) => {
        if (gen.current) this.#onMessage(gen.current, m);
      }, blank);
      isolate.start(msg.config);
      const ms = +(performance.now() - t0).toFixed(2);
      this.#log.debug({ event: 'isolate.built', plugin: msg.plugin, instance: msg.instanceId, pooled: blank !== null, ms }, `isolate ready in ${ms} ms${blank ? ' (from the pool)' : ''}`);
      gen.current = {
        instanceId: msg.instanceId, plugin: msg.plugin, isolate, events: new Set(), positions: positionsOf(msg), retired: false,
        sliceEvent: null, sliceStart: null,
      };
      return gen.current;
    } catch (err) {
      isolate?.dispose();
      throw new InstanceStartError(msg.plugin, clipPluginText(positionsOf(msg)(pluginErrorText(err, msg.filename))));
    }
  }

  /** `watchId`: the instance id, or a metadata read's own id (below 0). */
  #limits(plugin: string, watchId: number, memoryLimitMb: number, crypto: (op: unknown, args: unknown) => unknown): IsolateLimits {
    const o = this.#opts;
    return {
      memoryLimitMb,
      maxPendingCalls: o.maxPendingCalls,
      maxPayloadBytes: o.maxPayloadBytes,
      crypto: { maxCryptoBytes: o.maxCryptoBytes, maxCryptoKeyBytes: o.maxCryptoKeyBytes, answer: crypto },
      maxMetadataBytes: o.maxMetadataBytes,
      plugin,
      fetchOrigins: originsOf(o.allowFetch, plugin),
      maxTimers: o.maxTimers,
      maxFetchesPerEvent: o.maxFetchesPerEvent,
      startTimeoutMs: o.startTimeoutMs,
      watch: sliceWatch(this.#watchdog, watchId, plugin),
    };
  }

  /**
   * Runs one slice of an event's plugin code, on this thread. The budget is CPU time (see
   * PluginIsolate). The wall-clock timeout that interrupts a slice is looser: what is left of the
   * budget plus twice the budget, stretched by how much wall time a unit of CPU takes on this
   * machine lately (cpu-share.ts). A loop is still stopped within a few budgets of CPU.
   */
  #slice(gen: Generation, ev: EventRecord, run: (timeoutMs: number) => number, onlyLimitsFail = false): void {
    const limit = this.#opts.cpuLimitMs;
    const left = Math.max(1, limit - ev.cpuMs);
    const before = onlyLimitsFail ? gen.isolate.cpuMs : 0; // read only where needed: the event path stays as it was
    let used: number;
    // crypto requests during the slice are judged against the budget as they come (#crypto)
    gen.sliceEvent = ev;
    gen.sliceStart = null; // read on the slice's first crypto request only: the event path stays as it was
    try {
      used = run(coalescedTimeout((left + 2 * limit) * cpuStretch(), limit));
    } catch (err) {
      if (!onlyLimitsFail || err instanceof IsolateFailure) {
        this.#onIsolateError(gen, ev, err);
        return;
      }
      this.#log.debug({ event: 'event.abandoned', plugin: gen.plugin, instance: gen.instanceId, eventId: ev.id }, `after the event ended: ${errorMessage(err).slice(0, 200)}`);
      used = gen.isolate.cpuMs - before;
    } finally {
      gen.sliceEvent = null;
    }
    ev.cpuMs += used;
    if (ev.cpuMs > limit) this.#fail(gen, `event ${ev.id} used ${ev.cpuMs.toFixed(0)} ms of isolate CPU, over its ${limit} ms CPU budget (--cpu-limit)`, 'cpu');
  }

  /**
   * A crypto.subtle request of `gen`'s isolate, inside its slice, on this thread. Its host CPU is
   * part of the slice's CPU (read around the slice: plugin-isolate.ts), so #slice charges it to the
   * event with the rest; isolated-vm's own cpuTime would not have it (measured: a sync callback's
   * CPU hardly shows there; see docs/performance.md). A loop of requests must
   * not run the slice far past the budget before that charge, so each request is judged first:
   * the event's CPU before the slice plus the CPU since the slice's first
   * request (the copies isolated-vm makes in and out included) over --cpu-limit is refused with a
   * QuotaExceededError, and the instance is stopped when the slice returns. Outside an event (module
   * body, constructor, metadata read) crypto works and is charged to no event: each operation is
   * bounded by the size caps, and the slice by --start-timeout.
   */
  #crypto(gen: Generation | null, op: unknown, args: unknown): CryptoAnswer {
    const ev = gen?.sliceEvent ?? null;
    if (ev && gen) {
      const limit = this.#opts.cpuLimitMs;
      gen.sliceStart ??= { cpu: process.cpuUsage(), eventMs: ev.cpuMs };
      const t = process.cpuUsage(gen.sliceStart.cpu);
      if (gen.sliceStart.eventMs + (t.user + t.system) / 1000 > limit) {
        return [false, 'QuotaExceededError', `event ${ev.id} is over its ${limit} ms CPU budget (--cpu-limit), host CPU of crypto.subtle included`];
      }
    }
    if (!gen) return runCrypto(op, args, this.#cryptoLimits);
    const t0 = process.cpuUsage();
    try {
      return runCrypto(op, args, this.#cryptoLimits);
    } finally {
      const t = process.cpuUsage(t0);
      gen.isolate.chargeHostWork(t.user + t.system);
    }
  }

  get #cryptoLimits(): CryptoLimits {
    const o = this.#opts;
    return { maxDataBytes: Math.min(o.maxCryptoBytes, o.maxPayloadBytes), maxKeyBytes: o.maxCryptoKeyBytes, maxRsaBits: o.maxRsaBits };
  }

  #onMessage(gen: Generation, m: BridgeMessage): void {
    if (m.kind === 'log') {
      const level = m.level === 'error' || m.level === 'warn' || m.level === 'debug' ? m.level : 'info';
      const text = clipPluginText(gen.positions(m.text.length > MAX_LOG_LINE ? m.text.slice(0, MAX_LOG_LINE) : m.text), MAX_LOG_LINE);
      this.#log[level]({ event: 'plugin.log', plugin: gen.plugin, instance: gen.instanceId }, text);
      return;
    }
    const ev = this.#events.get(m.eventId);
    if (!ev || this.#eventGen.get(m.eventId) !== gen) return; // ended already, or not this isolate's event
    if (m.kind === 'breach') {
      if (m.what === 'pending_calls' || m.what === 'payload' || m.what === 'timers' || m.what === 'fetch') this.#breach(gen, ev, m.what, clipPluginText(m.detail));
    } else if (m.kind === 'call') {
      this.#onCall(gen, ev, m.method, m.args);
    } else if (m.kind === 'op') {
      this.#onOp(gen, ev, m.opId, m.opKind, m.args);
    } else if (m.kind === 'cancel') {
      this.#ops.cancel(ev.id, m.opId);
    } else if (m.error === null) {
      this.#ops.endEvent(ev.id);
      this.#events.answer(ev, 'ret');
    } else {
      this.#ops.endEvent(ev.id);
      const usage = this.#usage.get(gen.instanceId);
      if (usage) usage.errors++;
      this.#log.warn({ event: 'plugin.error', plugin: gen.plugin, instance: gen.instanceId, eventId: ev.id, phase: ev.phase, policy: this.#opts.onPluginError }, `plugin handler failed: ${clipPluginText(gen.positions(m.error.slice(0, 16_384)))}`);
      this.#events.answer(ev, failureAnswer(this.#opts.onPluginError, ev.phase), true);
    }
  }

  /** A PDK call goes to Kong, unless it breaks a bridge limit: then the plugin's call fails instead. */
  #onCall(gen: Generation, ev: EventRecord, method: string, args: unknown[]): void {
    ev.pdkCalls++;
    const usage = this.#usage.get(gen.instanceId);
    if (usage) usage.pdkCalls++;
    let refusal: string | null = null;
    let data: unknown = args;
    if (!isPdkMethodName(method)) {
      // The runtime never sends one; a bad name reaches no log line and no Kong.
      this.#slice(gen, ev, (budget) => gen.isolate.settle(ev.id, false, 'not a PDK method name', budget));
      return;
    }
    // Terminal calls always pass the cap: a plugin can end the request whatever it did before.
    if (ev.pdkCalls > this.#opts.maxPdkCalls && !TERMINAL_METHODS.has(method)) {
      refusal = `more than ${this.#opts.maxPdkCalls} PDK calls in one event (--max-pdk-calls)`;
      if (ev.pdkCalls === this.#opts.maxPdkCalls + 1) this.#breach(gen, ev, 'pdk_calls', refusal);
    } else {
      const checked = toKongData(args, this.#opts.maxPayloadBytes);
      if ('problem' in checked) {
        refusal = checked.problem;
        if (checked.tooLarge) this.#breach(gen, ev, 'payload', `${method}: ${refusal}`);
      } else {
        data = checked.ok;
      }
    }
    if (refusal !== null && TERMINAL_METHODS.has(method)) {
      // The runtime resolved the terminal call and closed the event when it sent it: nothing in the
      // isolate waits for an answer. Kong gets the failure policy's, never a silent "ret".
      this.#log.warn({ event: 'plugin.error', plugin: gen.plugin, instance: gen.instanceId, eventId: ev.id, phase: ev.phase, policy: this.#opts.onPluginError }, `${method} could not be sent to Kong: ${refusal}`);
      this.#events.answer(ev, failureAnswer(this.#opts.onPluginError, ev.phase), true);
      return;
    }
    if (refusal !== null) {
      const message = refusal;
      this.#slice(gen, ev, (budget) => gen.isolate.settle(ev.id, false, message, budget));
      return;
    }
    ev.pendingMethod = method;
    this.#events.answer(ev, { Method: method, Args: data as unknown[] });
  }

  /**
   * An asynchronous host operation the plugin started in a slice of this event (a timer, a fetch).
   * Its completion enters the isolate as a slice of the same event (settleOp), charged to its CPU
   * budget; if the event ends first the operation is cancelled and nothing enters.
   */
  #onOp(gen: Generation, ev: EventRecord, opId: number, kind: string, args: unknown): void {
    if (ev.final || this.#ops.has(ev.id, opId)) return;
    if (kind === 'timer') {
      if (this.#ops.pending(ev.id, 'timer') >= this.#opts.maxTimers) {
        // the runtime refuses these itself; this is the host's own count
        this.#answerOp(gen, ev, opId, false, { name: 'TypeError', message: `more than ${this.#opts.maxTimers} timers pending in one event (--max-timers)` });
        return;
      }
      const delay = typeof args === 'number' && args > 0 ? Math.min(Math.floor(args), 2 ** 31 - 1) : 0;
      const timer = setTimeout(() => this.#opDone(gen, ev, opId, true, null), delay);
      timer.unref();
      this.#ops.add(ev.id, opId, { kind, cancel: () => clearTimeout(timer) });
    } else if (kind === 'fetch') {
      this.#onFetch(gen, ev, opId, args);
    } else {
      this.#answerOp(gen, ev, opId, false, { name: 'TypeError', message: `unknown host operation "${String(kind).slice(0, 32)}"` });
    }
  }

  #onFetch(gen: Generation, ev: EventRecord, opId: number, args: unknown): void {
    const o = this.#opts;
    const refuse = (failure: OpFailure) => {
      if (failure.breach) this.#breach(gen, ev, failure.breach, failure.message);
      this.#answerOp(gen, ev, opId, false, { name: failure.name, message: failure.message });
    };
    const started = this.#ops.count(ev.id, 'fetch');
    if (started > o.maxFetchesPerEvent) {
      const message = `fetch: more than ${o.maxFetchesPerEvent} requests in one event (--max-fetches-per-event)`;
      refuse({ name: 'TypeError', message, ...(started === o.maxFetchesPerEvent + 1 ? { breach: 'fetch' as const } : {}) });
      return;
    }
    const inFlight = this.#fetching.get(gen.instanceId) ?? 0;
    if (inFlight >= o.maxConcurrentFetches) {
      refuse({ name: 'TypeError', message: `fetch: more than ${o.maxConcurrentFetches} requests in flight on one instance (--max-concurrent-fetches)`, breach: 'fetch' });
      return;
    }
    // never past the event's deadline: the event would end (and abort the request) first anyway
    const left = ev.deadline > 0 ? ev.deadline - Date.now() : o.eventTimeoutMs;
    const byEvent = left < o.fetchTimeoutMs;
    const policy = {
      plugin: gen.plugin,
      origins: originsOf(o.allowFetch, gen.plugin),
      timeoutMs: Math.max(1, byEvent ? left : o.fetchTimeoutMs),
      timeoutFlag: byEvent ? '--event-timeout' : '--fetch-timeout',
      maxBytes: o.maxFetchBytes,
      maxPayloadBytes: o.maxPayloadBytes,
    };
    let spec;
    try {
      spec = checkFetchRequest(args, policy);
    } catch (err) {
      refuse(err instanceof FetchRefused ? err.failure : { name: 'TypeError', message: 'fetch: malformed request' });
      return;
    }
    const abort = new AbortController();
    this.#ops.add(ev.id, opId, { kind: 'fetch', cancel: () => abort.abort() });
    this.#fetching.set(gen.instanceId, inFlight + 1);
    hostFetch(spec, policy, abort.signal)
      .then(
        (res) => this.#opDone(gen, ev, opId, true, res),
        (failure: OpFailure) => {
          if (failure.breach) this.#breach(gen, ev, failure.breach, failure.message);
          this.#opDone(gen, ev, opId, false, { name: failure.name, message: failure.message });
        },
      )
      .catch((err: unknown) => this.#log.error({ event: 'fetch.failed', plugin: gen.plugin, instance: gen.instanceId, eventId: ev.id }, `answering a fetch: ${errorMessage(err)}`))
      .finally(() => {
        const n = (this.#fetching.get(gen.instanceId) ?? 1) - 1;
        if (n > 0) this.#fetching.set(gen.instanceId, n);
        else this.#fetching.delete(gen.instanceId);
      });
  }

  /** A pending operation completed: the plugin hears of it only if it is still pending (its event lives). */
  #opDone(gen: Generation, ev: EventRecord, opId: number, ok: boolean, value: unknown): void {
    if (!this.#ops.finish(ev.id, opId)) return;
    this.#answerOp(gen, ev, opId, ok, value);
  }

  #answerOp(gen: Generation, ev: EventRecord, opId: number, ok: boolean, value: unknown): void {
    if (ev.final || this.#events.get(ev.id) !== ev || gen.isolate.disposed) return;
    this.#slice(gen, ev, (budget) => gen.isolate.settleOp(ev.id, opId, ok, value, budget));
  }

  #onIsolateError(gen: Generation, ev: EventRecord, err: unknown): void {
    if (err instanceof IsolateFailure && err.reason === 'timeout') {
      this.#fail(gen, `event ${ev.id} ran past its ${this.#opts.cpuLimitMs} ms CPU budget (--cpu-limit)`, 'cpu');
    } else if (err instanceof IsolateFailure && err.reason === 'memory') {
      this.#fail(gen, err.message, 'memory');
    } else if (err instanceof IsolateFailure) {
      this.#fail(gen, err.message, 'isolate');
    } else {
      // The plugin's own error out of a slice (isolated-vm throws an unhandled rejection out of the
      // call): the isolate is whole, so the instance lives; the event, if still open, fails by policy.
      const usage = this.#usage.get(gen.instanceId);
      if (usage) usage.errors++;
      this.#log.warn({ event: 'plugin.error', plugin: gen.plugin, instance: gen.instanceId, eventId: ev.id, phase: ev.phase, policy: this.#opts.onPluginError }, `unhandled rejection in the plugin: ${clipPluginText(gen.positions(errorMessage(err).slice(0, 16_384)))}`);
      this.#events.answer(ev, failureAnswer(this.#opts.onPluginError, ev.phase), true);
    }
  }

  /**
   * The generation's isolate is unusable: its events get the failure policy's answer. If it was the
   * instance's current one, the instance is gone too, and Kong will restart it.
   */
  #fail(gen: Generation, reason: string, kind: BreachKind): void {
    if (gen.isolate.disposed && gen.retired) return;
    const why = clipPluginText(reason);
    const isCurrent = this.#instances.get(gen.instanceId) === gen;
    if (isCurrent) {
      this.#instances.delete(gen.instanceId);
      this.#usage.delete(gen.instanceId);
    }
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
    const gen = this.#eventGen.get(ev.id);
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
    if (gen && !gen.isolate.disposed) this.#slice(gen, ev, (budget) => gen.isolate.abandon(ev.id, budget), true);
  }

  async #statsOf(gen: Generation): Promise<InstanceStats> {
    const heap = await gen.isolate.heap();
    const usage = this.#usage.get(gen.instanceId);
    return {
      InstanceId: gen.instanceId,
      Plugin: gen.plugin,
      HeapUsed: heap.used,
      HeapTotal: heap.total,
      ExternalMemory: heap.external,
      HeapLimit: heap.limit,
      HeapFraction: heap.limit > 0 ? heap.used / heap.limit : 0,
      CpuTimeMs: (usage?.cpuRetiredMs ?? 0) + gen.isolate.cpuMs,
      CpuBudgetMs: this.#opts.cpuLimitMs,
      EventsServed: usage?.events ?? 0,
      EventsInFlight: gen.events.size,
      PdkCalls: usage?.pdkCalls ?? 0,
      HandlerErrors: usage?.errors ?? 0,
      Generation: usage?.generation ?? 1,
    };
  }

  /** One warning per instance each time its heap crosses --memory-warn-ratio of its limit. */
  async #sampleHeaps(): Promise<void> {
    const gens = [...this.#instances.values()];
    for (const gen of gens) {
      const usage = this.#usage.get(gen.instanceId);
      if (!usage || gen.isolate.disposed) continue;
      const heap = await gen.isolate.heap().catch(() => null);
      if (!heap || heap.limit === 0) continue;
      // V8 enforces the limit when it collects during plugin code; a heap that got past it and then
      // sits idle is never collected, so the instance is stopped here.
      if (heap.used > heap.limit) {
        this.#fail(gen, `heap ${(heap.used / 1048576).toFixed(1)} MB is over its ${(heap.limit / 1048576).toFixed(0)} MB limit (--memory-limit)`, 'memory');
        continue;
      }
      const over = heap.used / heap.limit >= this.#opts.memoryWarnRatio;
      if (over && !usage.overSoftLimit) {
        this.#breach(gen, null, 'memory_soft', `heap ${(heap.used / 1048576).toFixed(1)} MB is ${Math.round((100 * heap.used) / heap.limit)} % of its ${(heap.limit / 1048576).toFixed(0)} MB limit (--memory-warn-ratio ${this.#opts.memoryWarnRatio})`);
      }
      usage.overSoftLimit = over;
    }
    // what a test waits for instead of sleeping past --heap-sample-interval (seen with -vv)
    this.#log.debug({ event: 'heap.sampled', instances: gens.length }, 'heap sample round done');
  }

  #retire(gen: Generation): void {
    gen.retired = true;
    this.#disposeIfIdle(gen);
  }

  #disposeIfIdle(gen: Generation): void {
    if (!gen.retired || gen.events.size > 0 || gen.isolate.disposed) return;
    const usage = this.#usage.get(gen.instanceId);
    if (usage) usage.cpuRetiredMs += gen.isolate.cpuMs;
    gen.isolate.dispose();
  }
}

function sliceWatch(watchdog: SliceWatch, watchId: number, plugin: string): { arm(budgetMs: number): void; disarm(): void } {
  return { arm: (budgetMs) => watchdog.arm(watchId, plugin, budgetMs), disarm: () => watchdog.disarm() };
}

/**
 * A slice's wall-clock timeout, stretched so that it expires on a grid (at most 50 ms, at most half
 * the CPU budget). isolated-vm arms a native timer per timed call and its timer thread wakes for
 * each at expiry, even long after the call returned; expiries on a shared grid wake it once for
 * many (measured, see docs/performance.md). The slice's CPU is still
 * judged by its CPU time against the budget afterwards; only the backstop interrupt comes later.
 */
export function coalescedTimeout(wantMs: number, cpuLimitMs: number, now = Date.now()): number {
  const grid = Math.max(1, Math.min(50, Math.floor(cpuLimitMs / 2)));
  return Math.max(1, Math.ceil((now + wantMs) / grid) * grid - now);
}

function positionsOf(code: PluginCode): (text: string) => string {
  const { filename, map } = code;
  return map === undefined ? (text) => text : (text) => mapBundlePositions(text, filename, map);
}
