// The pool of blank isolates: built ahead, handed out once each, refilled, matched on heap limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IsolatePool } from '../../src/sandbox/isolate-pool.ts';
import { PluginIsolate } from '../../src/sandbox/plugin-isolate.ts';
import { silentLogger } from '../../src/log.ts';

const LIMITS = { memoryLimitMb: 32, maxPendingCalls: 100, maxPayloadBytes: 1 << 20, maxMetadataBytes: 1 << 20, startTimeoutMs: 2000, watch: null };

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A plugin whose instance keeps a counter in its isolate's global and reports it. */
function counterPlugin(): { plugin: string; hash: string; code: string; filename: string } {
  const code = `var __kps_exports = (() => {
    globalThis.seen = (globalThis.seen || 0) + 1;
    class Plugin { constructor() { this.seen = globalThis.seen; } async access(kong) { await kong.response.exit(200, String(this.seen)); } }
    return { Plugin, Version: '1.0.0', Priority: 1 };
  })();`;
  return { plugin: 'counter', hash: 'counter-1', code, filename: 'counter.js' };
}

test('the pool fills to its size, hands each isolate out once, and refills', async () => {
  const pool = new IsolatePool({ size: 2, memoryLimitMb: 32, timeoutMs: 2000 }, silentLogger);
  try {
    await until(() => pool.size === 2);
    const a = pool.take(32);
    const b = pool.take(32);
    assert.ok(a && b && a !== b && a.isolate !== b.isolate);
    assert.equal(pool.hits, 2);
    await until(() => pool.size === 2);
    const c = pool.take(32)!;
    assert.ok(c.isolate !== a.isolate && c.isolate !== b.isolate, 'a refilled isolate is a new one');
    for (const blank of [a, b, c]) blank.isolate.dispose();
  } finally {
    pool.close();
  }
});

test('an instance with another heap limit builds its own isolate; a pool of 0 builds none', async () => {
  const pool = new IsolatePool({ size: 1, memoryLimitMb: 32, timeoutMs: 2000 }, silentLogger);
  const none = new IsolatePool({ size: 0, memoryLimitMb: 32, timeoutMs: 2000 }, silentLogger);
  try {
    await until(() => pool.size === 1);
    assert.equal(pool.take(64), null);
    assert.equal(pool.misses, 1);
    assert.equal(pool.size, 1, 'the pooled isolate stays for an instance with the pool limit');
    // Both pools scheduled their first build in the same turns (constructed one after the other):
    // `pool` has built its isolate, so `none` would have built one by now too.
    assert.equal(none.size, 0);
    assert.equal(none.take(32), null);
  } finally {
    pool.close();
    none.close();
  }
});

test('close disposes the isolates still pooled', async () => {
  const pool = new IsolatePool({ size: 2, memoryLimitMb: 32, timeoutMs: 2000 }, silentLogger);
  await until(() => pool.size === 2);
  const probe = pool.take(32)!;
  await until(() => pool.size === 2);
  pool.close();
  assert.equal(pool.size, 0);
  assert.equal(pool.take(32), null);
  assert.equal(probe.isolate.isDisposed, false, 'an isolate already handed out is its instance\'s');
  probe.isolate.dispose();
});

test('instances built from pooled isolates share nothing: each module body runs in a fresh global', async () => {
  const pool = new IsolatePool({ size: 2, memoryLimitMb: 32, timeoutMs: 2000 }, silentLogger);
  try {
    await until(() => pool.size === 2);
    const seen: string[] = [];
    const instances: PluginIsolate[] = [];
    for (let i = 0; i < 3; i++) {
      const inst = PluginIsolate.create(counterPlugin(), LIMITS, (m) => {
        if (m.kind === 'call') seen.push(String(m.args[1]));
      }, pool.take(32));
      inst.start({});
      inst.handle(i + 1, 'access', 1000);
      instances.push(inst);
    }
    assert.deepEqual(seen, ['1', '1', '1']);
    assert.equal(pool.hits, 2, 'two from the pool, the third built on demand while it refilled');
    for (const inst of instances) inst.dispose();
  } finally {
    pool.close();
  }
});
