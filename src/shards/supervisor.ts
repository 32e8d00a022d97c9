// The supervisor's instance host: isolates live in shard processes, and this routes instances and
// events to them (Kong's event frames go undecoded, src/shards/event-routes.ts). When a shard dies
// (abort, segfault, SIGKILL, memory cap, a call that won't stop), every event in flight on it is
// answered at once by the failure policy, its instances answer "No plugin instance" so Kong starts
// them again, and the shard is restarted with backoff. A plugin that was running when its shard
// died three times within a minute is quarantined on a shard alone.
// "Running" is exact: the shard names each plugin before its code runs (src/shards/running-plugin.ts),
// whatever the entry (module body, metadata read, constructor, reload, event, abandon); plugins that
// merely had events in flight on the shard are never charged.
// The parts it coordinates: bundle-delivery.ts (code sent once per shard), crash-policy.ts (quarantine
// and restart backoff), shard-health.ts (RSS and heartbeat watchdogs), event-routes.ts, slots.ts.
import type { Logger } from '../log.ts';
import type { ServerOptions } from '../config/options.ts';
import { ErrorCode, KpsError, NoPluginInstanceError, ShuttingDownError, isNoInstance } from '../errors.ts';
import type { Phase } from '../rpc/protocol.ts';
import { ShardProcess, type ShardExit } from './shard-process.ts';
import { Placement, type ShardSlot, type SlotKind } from './slots.ts';
import type {
  InstanceHostApi, PluginCode, PluginDescription, StartInstanceMsg, HandleEventMsg, StepMsg, StepAnswer, HostStatus,
  Breach, InstanceStats,
} from '../instances/instance-host.ts';
import { LOCAL_HOST_OPTIONS, type LocalHostOptions } from '../sandbox/host-options.ts';
import { EventRoutes } from './event-routes.ts';
import { sendWithBundle } from './bundle-delivery.ts';
import { BACKOFF_MIN_MS, CRASH_WINDOW_MS, CrashRecord, breachKindOf, quarantineDue, restartBackoff } from './crash-policy.ts';
import { ShardHealth } from './shard-health.ts';

interface InstanceRoute {
  slot: ShardSlot;
  proc: ShardProcess;
  plugin: string;
}

export class ShardSupervisor implements InstanceHostApi {
  readonly #opts: ServerOptions;
  readonly #log: Logger;
  readonly #logStream: 1 | 2;
  readonly #placement: Placement;
  readonly #instances = new Map<number, InstanceRoute>();
  readonly #events: EventRoutes;
  readonly #crashes = new CrashRecord();
  readonly #starting = new Map<ShardSlot, number>();
  /** slots whose process died and is not restarted yet: resolved with the new process */
  readonly #restarting = new Map<ShardSlot, (proc: ShardProcess) => void>();
  readonly #health: ShardHealth;
  readonly #sweep: NodeJS.Timeout;
  /** restarts waiting out their backoff: they keep the process alive (a load may await one) */
  readonly #restarts = new Set<NodeJS.Timeout>();
  #slotCount = 0;
  #stopping = false;
  #goneListener: (instanceId: number, reason: string) => void = () => {};
  #breachListener: (breach: Breach) => void = () => {};

  constructor(opts: ServerOptions, log: Logger, logStream: 1 | 2) {
    this.#opts = opts;
    this.#log = log;
    this.#logStream = logStream;
    this.#placement = new Placement(opts.dedicatedPlugins, opts.placementMode);
    this.#events = new EventRoutes(opts.onPluginError, (instanceId) => this.#goneListener(instanceId, 'lost'));
    for (let i = 0; i < opts.shards; i++) this.#placement.addGeneral(this.#newSlot('general', null));
    this.#health = new ShardHealth(opts, log, { slots: () => this.#placement.slots, instancesPerSlot: () => this.#instancesPerSlot() });
    this.#sweep = setInterval(() => this.#sweepEvents(), opts.eventTimeoutMs).unref();
  }

  onInstanceGone(listener: (instanceId: number, reason: string) => void): void {
    this.#goneListener = listener;
  }

  onBreach(listener: (breach: Breach) => void): void {
    this.#breachListener = listener;
  }

  /** The module body is plugin code: it runs where the plugin's instances would (dedicated, quarantine). */
  async describePlugin(msg: PluginCode & { memoryLimitMb: number }): Promise<PluginDescription> {
    if (this.#stopping) throw new ShuttingDownError();
    const proc = await this.#placement.describeSlotFor(msg.plugin, (kind, owner) => this.#newSlot(kind, owner)).ready;
    return sendWithBundle(proc, msg, (m) => proc.channel.request('describePlugin', m));
  }

  async startInstance(msg: StartInstanceMsg): Promise<void> {
    if (this.#stopping) throw new ShuttingDownError();
    const perSlot = this.#instancesPerSlot(); // counted once: --placement balance asks for every slot
    const instancesOn = (s: ShardSlot): number => (this.#starting.get(s) ?? 0) + (perSlot.get(s) ?? 0);
    const slot = this.#placement.slotFor(msg.plugin, (kind, owner) => this.#newSlot(kind, owner), instancesOn);
    // counted while it starts: Kong starts one instance per worker at once, and they must spread
    this.#starting.set(slot, (this.#starting.get(slot) ?? 0) + 1);
    try {
      const proc = await slot.ready;
      await sendWithBundle(proc, msg, (m) => proc.channel.request('startInstance', m));
      if (proc.dead) throw new KpsError(ErrorCode.SHARD_DIED, `the shard of ${msg.plugin} died while starting the instance`);
      this.#instances.set(msg.instanceId, { slot, proc, plugin: msg.plugin });
    } finally {
      this.#starting.set(slot, this.#starting.get(slot)! - 1);
    }
  }

  /** Instances each slot holds now (started, not closed or lost). */
  #instancesPerSlot(): Map<ShardSlot, number> {
    const perSlot = new Map<ShardSlot, number>();
    for (const i of this.#instances.values()) perSlot.set(i.slot, (perSlot.get(i.slot) ?? 0) + 1);
    return perSlot;
  }

  async reloadInstance(msg: StartInstanceMsg): Promise<void> {
    const inst = this.#instances.get(msg.instanceId);
    if (!inst || inst.proc.dead) throw new NoPluginInstanceError(msg.instanceId);
    await sendWithBundle(inst.proc, msg, (m) => inst.proc.channel.request('reloadInstance', m));
  }

  /**
   * Kong's events reach the shards as frames, through the frame router (src/instances/event-router.ts):
   * these two answer only what the supervisor answers itself, the cases the router declined.
   */
  async handleEvent(msg: HandleEventMsg): Promise<StepAnswer> {
    const inst = this.#instances.get(msg.instanceId);
    if (!inst || inst.proc.dead) {
      this.#instances.delete(msg.instanceId); // its shard is dying; Kong will start a new one
      throw new NoPluginInstanceError(msg.instanceId);
    }
    throw new KpsError(ErrorCode.INTERNAL, `HandleEvent for instance ${msg.instanceId} did not go through the frame router`);
  }

  async step(msg: StepMsg): Promise<StepAnswer> {
    return this.#events.ownAnswer(msg.eventId);
  }

  /** Forwards a HandleEvent frame undecoded to the instance's shard. False (nothing done): handleEvent() answers. */
  forwardHandleEvent(
    instanceId: number, eventId: number, phase: Phase, msgid: number, frame: Uint8Array, reply: (answer: Uint8Array) => void,
  ): boolean {
    const inst = this.#instances.get(instanceId);
    if (!inst) return false;
    return this.#events.begin(inst.proc, instanceId, eventId, phase, msgid, frame, reply);
  }

  /** Forwards a Step frame to the shard holding its event. False (nothing done): step() answers. */
  forwardStep(eventId: number, msgid: number, frame: Uint8Array, reply: (answer: Uint8Array) => void): boolean {
    return this.#events.step(eventId, msgid, frame, reply);
  }

  async closeInstance(instanceId: number): Promise<void> {
    const inst = this.#instances.get(instanceId);
    if (!inst) throw new NoPluginInstanceError(instanceId);
    this.#instances.delete(instanceId);
    await inst.proc.channel.request('closeInstance', instanceId).catch((err: unknown) => {
      if (!isNoInstance(err) && !inst.proc.dead) throw err;
    });
  }

  async instanceStats(instanceId?: number): Promise<InstanceStats[]> {
    const procs = instanceId === undefined
      ? this.#placement.slots.map((s) => s.proc)
      : [this.#instances.get(instanceId)?.proc].filter((p): p is ShardProcess => p !== undefined);
    const answers = await Promise.all(
      procs.filter((p) => !p.dead).map((p) => p.channel.request('instanceStats', instanceId ?? null).catch(() => [])),
    );
    return answers.flat();
  }

  status(): HostStatus {
    const perSlot = this.#instancesPerSlot();
    return {
      Shards: this.#placement.slots.map((s) => ({
        Shard: s.index,
        Kind: s.kind,
        Pid: s.proc.dead ? null : s.proc.pid,
        Plugins: this.#placement.pluginsOf(s),
        Instances: perSlot.get(s) ?? 0,
        RssMb: Math.round(s.proc.rssMb()),
        Restarts: s.restarts,
      })),
      Quarantined: this.#placement.quarantined,
    };
  }

  async shutdown(): Promise<void> {
    this.#stopping = true;
    this.#health.stop();
    clearInterval(this.#sweep);
    for (const t of this.#restarts) clearTimeout(t);
    const procs = this.#placement.slots.map((s) => s.proc).filter((p) => !p.dead);
    // Each shard answers its events by the failure policy, then is closed; one that hangs is killed.
    await Promise.race([
      Promise.allSettled(procs.map((p) => p.channel.request('shutdown', null))),
      new Promise((r) => setTimeout(r, 2000).unref()),
    ]);
    for (const p of procs) p.channel.close();
    await Promise.race([Promise.all(procs.map((p) => p.exited)), new Promise((r) => setTimeout(r, 2000).unref())]);
    for (const p of procs) p.kill('server shutdown');
  }

  #newSlot(kind: SlotKind, owner: string | null): ShardSlot {
    const proc = this.#spawn(this.#slotCount);
    const slot: ShardSlot = {
      index: this.#slotCount++, kind, owner, proc, ready: Promise.resolve(proc), restarts: 0,
      backoffMs: BACKOFF_MIN_MS, lastStart: Date.now(),
    };
    this.#watch(slot, proc);
    if (kind !== 'general') this.#log.info({ event: 'shard.created', shard: slot.index, kind, plugin: owner }, `shard ${slot.index} serves ${owner} alone (${kind})`);
    return slot;
  }

  #spawn(index: number): ShardProcess {
    const limits = Object.fromEntries(LOCAL_HOST_OPTIONS.map((k) => [k, this.#opts[k]])) as LocalHostOptions;
    return new ShardProcess({ ...limits, shard: index, logLevel: this.#opts.logLevel, logStream: this.#logStream });
  }

  #watch(slot: ShardSlot, proc: ShardProcess): void {
    // The payloads are read as defensively as before the protocol was typed: a shard runs plugins.
    proc.channel.handleNotifications((kind, args) => {
      switch (kind) {
        case 'instanceGone':
          if (typeof args.instanceId !== 'number') return;
          if (this.#instances.get(args.instanceId)?.proc === proc) this.#instances.delete(args.instanceId);
          this.#goneListener(args.instanceId, args.reason ?? 'lost');
          return;
        case 'breach':
          this.#breachListener(args);
          return;
        case 'running':
          if (typeof args === 'string') proc.running = args;
          return;
        default:
          kind satisfies never; // a notification added to SupervisorEnd and not handled here; at run time, ignored as before
      }
    });
    // The channel closing means the process is gone or going: answer its events now, not at exit.
    // At shutdown the shard exits by itself when its channel closes (and writes a --cpu-prof profile).
    let drained: () => void = () => {};
    const closed = new Promise<void>((r) => (drained = r));
    proc.channel.onClose(() => {
      drained();
      if (this.#stopping) return;
      proc.kill('its channel closed');
      // From now until the restart, whoever asks for this slot waits for the new process: its death
      // is handled once the channel is drained and the process has exited, which takes a moment.
      if (slot.proc === proc && !this.#restarting.has(slot)) {
        slot.ready = new Promise((resolve) => this.#restarting.set(slot, resolve));
      }
    });
    // Death is handled once the channel is read to its end (its last "running" note is in it), or
    // a second after the exit at the latest.
    void proc.exited.then(async (exit) => {
      await Promise.race([closed, new Promise<void>((r) => setTimeout(r, 1000).unref())]);
      this.#onDeath(slot, proc, exit);
    });
  }

  #onDeath(slot: ShardSlot, proc: ShardProcess, exit: ShardExit): void {
    const lostInstances = [...this.#instances].filter(([, i]) => i.proc === proc).map(([id]) => id);
    for (const id of lostInstances) this.#instances.delete(id);
    this.#events.markLost(proc); // frames out were answered when the channel closed; the rest answer on their next Step
    // the plugin whose code the shard last entered: it was running, or (between slices) ran last
    const running = proc.running === null ? [] : [proc.running];
    if (this.#stopping) return;
    const why = exit.killedFor ?? (exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`);
    this.#log.error(
      { event: 'shard.died', shard: slot.index, pid: proc.pid, code: exit.code, signal: exit.signal, instancesLost: lostInstances.length, plugins: running },
      `shard ${slot.index} died (${why}); its events were answered by the failure policy and Kong will restart its instances`,
    );
    for (const id of lostInstances) this.#goneListener(id, `shard died: ${why}`);
    const kind = breachKindOf(exit);
    for (const plugin of running) {
      this.#breachListener({ plugin, instanceId: null, kind, detail: `shard ${slot.index} died (${why})`, fatal: true });
      this.#countCrash(plugin, slot);
    }
    this.#restart(slot);
  }

  #countCrash(plugin: string, slot: ShardSlot): void {
    const crashes = this.#crashes.charge(plugin, Date.now());
    if (quarantineDue(crashes) && slot.kind !== 'quarantine' && !this.#placement.isQuarantined(plugin)) {
      this.#placement.quarantine(plugin);
      this.#log.error(
        { event: 'plugin.quarantined', plugin, crashes, windowMs: CRASH_WINDOW_MS },
        `plugin ${plugin} was running when its shard died ${crashes} times within ${CRASH_WINDOW_MS / 1000} s: its instances now run on a shard of their own`,
      );
    }
  }

  #restart(slot: ShardSlot): void {
    const { backoffMs, delayMs: delay } = restartBackoff(slot, Date.now());
    slot.backoffMs = backoffMs;
    slot.restarts++;
    const pending = this.#restarting.get(slot);
    this.#restarting.delete(slot);
    slot.ready = new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#restarts.delete(timer);
        if (this.#stopping) return;
        const proc = this.#spawn(slot.index);
        slot.proc = proc;
        slot.lastStart = Date.now();
        this.#watch(slot, proc);
        this.#log.info({ event: 'shard.restarted', shard: slot.index, pid: proc.pid, restarts: slot.restarts, delayMs: delay }, `shard ${slot.index} restarted`);
        resolve(proc);
        pending?.(proc);
      }, delay);
      this.#restarts.add(timer);
    });
  }

  /** Routes of events Kong abandoned: the shard reaped them at its deadline; forget them here too. */
  #sweepEvents(): void {
    this.#events.sweep(Date.now() - this.#opts.eventTimeoutMs - 1000);
  }
}
