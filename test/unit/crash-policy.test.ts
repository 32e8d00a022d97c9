// Crash accounting and restart backoff (src/shards/crash-policy.ts), with the clock passed in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BACKOFF_MAX_MS, BACKOFF_MIN_MS, CRASH_WINDOW_MS, CrashRecord, breachKindOf, quarantineDue, restartBackoff,
} from '../../src/shards/crash-policy.ts';

test('three crashes within 60 s quarantine a plugin; three spread over more do not', () => {
  const close = new CrashRecord();
  assert.equal(quarantineDue(close.charge('p', 0)), false);
  assert.equal(quarantineDue(close.charge('p', 30_000)), false);
  assert.equal(close.charge('other', 40_000), 1); // counted per plugin
  assert.equal(quarantineDue(close.charge('p', CRASH_WINDOW_MS - 1)), true);

  const spread = new CrashRecord();
  assert.equal(spread.charge('p', 0), 1);
  assert.equal(spread.charge('p', 30_000), 2);
  // the first crash is exactly a window old: it no longer counts
  const crashes = spread.charge('p', CRASH_WINDOW_MS);
  assert.equal(crashes, 2);
  assert.equal(quarantineDue(crashes), false);
  // a third within 60 s of the second does
  assert.equal(quarantineDue(spread.charge('p', 30_000 + CRASH_WINDOW_MS - 1)), true);
});

test('restart backoff: the first restart is immediate, then it doubles while the shard keeps dying, up to the cap', () => {
  let slot = { restarts: 0, backoffMs: BACKOFF_MIN_MS, lastStart: 0 };
  const delays: number[] = [];
  for (let i = 0; i < 9; i++) {
    const now = slot.lastStart + 1_000; // died a second after each start
    const { backoffMs, delayMs } = restartBackoff(slot, now);
    delays.push(delayMs);
    slot = { restarts: slot.restarts + 1, backoffMs, lastStart: now + delayMs };
  }
  assert.deepEqual(delays, [0, 400, 800, 1600, 3200, BACKOFF_MAX_MS, BACKOFF_MAX_MS, BACKOFF_MAX_MS, BACKOFF_MAX_MS]);
});

test('restart backoff starts over after a shard stayed up more than 30 s', () => {
  const worn = { restarts: 6, backoffMs: BACKOFF_MAX_MS, lastStart: 100_000 };
  assert.deepEqual(restartBackoff(worn, 100_000 + 30_001), { backoffMs: BACKOFF_MIN_MS, delayMs: BACKOFF_MIN_MS });
  assert.deepEqual(restartBackoff(worn, 100_000 + 30_000), { backoffMs: BACKOFF_MAX_MS, delayMs: BACKOFF_MAX_MS });
  assert.deepEqual(restartBackoff({ restarts: 0, backoffMs: BACKOFF_MIN_MS, lastStart: 0 }, 60_000), { backoffMs: BACKOFF_MIN_MS, delayMs: 0 });
});

test('a shard death is reported as the breach its kill reason names', () => {
  const exit = (killedFor: string | null) => ({ code: null, signal: 'SIGKILL' as const, killedFor });
  assert.equal(breachKindOf(exit('RSS 500 MB passed --shard-memory-limit 400 MB + 4 MB per instance = 404 MB')), 'shard_memory');
  assert.equal(breachKindOf(exit('plugin p would not stop (shard unresponsive for 9000 ms)')), 'hung');
  assert.equal(breachKindOf(exit(null)), 'shard_crash');
  assert.equal(breachKindOf({ code: 134, signal: null, killedFor: null }), 'shard_crash');
});
