// What a shard's death costs: the plugin that was running is charged a crash, three within a minute
// quarantine it on a shard alone, and the shard restarts after a backoff that doubles while it keeps
// dying. Pure: the supervisor passes the clock and acts on the answers.
import type { BreachKind } from '../instances/instance-host.ts';
import type { ShardExit } from './shard-process.ts';

export const CRASH_WINDOW_MS = 60_000;
export const CRASHES_TO_QUARANTINE = 3;
export const BACKOFF_MIN_MS = 100;
export const BACKOFF_MAX_MS = 5_000;
/** a shard that stayed up this long before dying starts over at BACKOFF_MIN_MS */
export const STABLE_RUN_MS = 30_000;

/** The crashes each plugin was charged with within the last CRASH_WINDOW_MS. */
export class CrashRecord {
  readonly #crashes = new Map<string, number[]>();

  /** Charges `plugin` with a crash at `now`; returns its crashes within the window, this one included. */
  charge(plugin: string, now: number): number {
    const recent = (this.#crashes.get(plugin) ?? []).filter((t) => now - t < CRASH_WINDOW_MS);
    recent.push(now);
    this.#crashes.set(plugin, recent);
    return recent.length;
  }
}

/** Whether a plugin with this many crashes in the window goes to a quarantine shard now. */
export function quarantineDue(crashesInWindow: number): boolean {
  return crashesInWindow >= CRASHES_TO_QUARANTINE;
}

/** A slot's restart history, as kept on ShardSlot. */
export interface RestartHistory {
  readonly restarts: number;
  readonly backoffMs: number;
  /** when its current process was started */
  readonly lastStart: number;
}

/**
 * The next restart of a slot whose process died at `now`. Its first restart is immediate; after that
 * a shard that ran a while (STABLE_RUN_MS) waits BACKOFF_MIN_MS, one that keeps dying twice as long
 * as last time, up to BACKOFF_MAX_MS. The slot keeps `backoffMs` for its next death.
 */
export function restartBackoff(slot: RestartHistory, now: number): { backoffMs: number; delayMs: number } {
  const backoffMs = now - slot.lastStart > STABLE_RUN_MS ? BACKOFF_MIN_MS : Math.min(slot.backoffMs * 2, BACKOFF_MAX_MS);
  return { backoffMs, delayMs: slot.restarts === 0 ? 0 : backoffMs };
}

/** The breach a shard's death is reported as, from why the supervisor killed it (if it did). */
export function breachKindOf(exit: ShardExit): BreachKind {
  if (exit.killedFor?.includes('--shard-memory-limit')) return 'shard_memory';
  if (exit.killedFor?.includes('would not stop')) return 'hung';
  return 'shard_crash';
}
