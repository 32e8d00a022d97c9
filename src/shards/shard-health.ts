// The supervisor's two watchdogs over its shards, each on its own interval: the RSS check against
// --shard-memory-limit (every --shard-rss-interval) and the heartbeat that kills a shard which stops
// answering pings (every --shard-heartbeat). Both kill through ShardProcess.kill; the death is then
// handled like any other (src/shards/supervisor.ts).
import { MAX_STRETCH } from '../sandbox/cpu-share.ts';
import type { Logger } from '../log.ts';
import type { ServerOptions } from '../config/options.ts';
import type { ShardSlot } from './slots.ts';

const PER_INSTANCE_ALLOWANCE_MB = 4;
/** a new shard has this long to answer its first ping (Node start-up on a loaded machine) */
const STARTUP_ALLOWANCE_MS = 15_000;

export type ShardHealthOptions = Pick<
  ServerOptions, 'shardRssPollMs' | 'shardHeartbeatMs' | 'shardMemoryLimitMb' | 'startTimeoutMs' | 'cpuLimitMs' | 'killGraceMs'
>;

/** What the watchdogs look at: the slots, and how many instances each holds now. */
export interface WatchedShards {
  slots(): readonly ShardSlot[];
  instancesPerSlot(): ReadonlyMap<ShardSlot, number>;
}

export class ShardHealth {
  readonly #opts: ShardHealthOptions;
  readonly #log: Logger;
  readonly #shards: WatchedShards;
  readonly #timers: NodeJS.Timeout[];

  /** Starts both watchdogs; they do not keep the process alive. */
  constructor(opts: ShardHealthOptions, log: Logger, shards: WatchedShards) {
    this.#opts = opts;
    this.#log = log;
    this.#shards = shards;
    this.#timers = [
      setInterval(() => this.#watchMemory(), opts.shardRssPollMs),
      setInterval(() => this.#heartbeat(), opts.shardHeartbeatMs),
    ];
    for (const t of this.#timers) t.unref();
  }

  stop(): void {
    for (const t of this.#timers) clearInterval(t);
  }

  /** The cap grows with the instances a shard holds: each idle instance legitimately costs ~1.3 MB. */
  #watchMemory(): void {
    const perShard = this.#shards.instancesPerSlot();
    for (const slot of this.#shards.slots()) {
      const rss = slot.proc.rssMb();
      const limit = this.#opts.shardMemoryLimitMb + PER_INSTANCE_ALLOWANCE_MB * (perShard.get(slot) ?? 0);
      if (rss > limit) {
        this.#log.error({ event: 'shard.memory_limit', shard: slot.index, rssMb: Math.round(rss), limitMb: limit }, `shard ${slot.index} passed --shard-memory-limit`);
        slot.proc.kill(`RSS ${Math.round(rss)} MB passed --shard-memory-limit ${this.#opts.shardMemoryLimitMb} MB + ${PER_INSTANCE_ALLOWANCE_MB} MB per instance = ${limit} MB`);
      }
    }
  }

  /**
   * Backstop for the shard's own watchdog thread: a shard that does not answer a ping within
   * budget + --kill-grace + 5 s of slack for queued work is stuck, and is killed like a crash.
   */
  #heartbeat(): void {
    const limit = longestCallMs(this.#opts) + this.#opts.killGraceMs + 5000;
    for (const slot of this.#shards.slots()) {
      const proc = slot.proc;
      if (proc.dead) continue;
      const now = Date.now();
      if (proc.pingSentAt !== null) {
        const allowed = proc.answeredPing ? limit : STARTUP_ALLOWANCE_MS;
        if (now - proc.pingSentAt > allowed) {
          const plugin = proc.running;
          this.#log.error({ event: 'shard.hung', shard: slot.index, plugins: plugin === null ? [] : [plugin] }, `killing shard ${slot.index}: no answer for ${now - proc.pingSentAt} ms`);
          proc.kill(`plugin ${plugin ?? '?'} would not stop (shard unresponsive for ${now - proc.pingSentAt} ms)`);
        }
        continue;
      }
      proc.pingSentAt = now;
      proc.channel.request('ping', null).then(
        () => {
          proc.pingSentAt = null;
          proc.answeredPing = true;
        },
        () => {},
      );
    }
  }
}

/**
 * The longest a shard's thread may legitimately be busy in one call: a module body and constructor
 * (--start-timeout), or a slice (its budget plus twice --cpu-limit of slack, stretched on a busy
 * machine: src/sandbox/cpu-share.ts).
 */
function longestCallMs(opts: Pick<ServerOptions, 'startTimeoutMs' | 'cpuLimitMs'>): number {
  return Math.max(opts.startTimeoutMs, 3 * opts.cpuLimitMs * MAX_STRETCH);
}
