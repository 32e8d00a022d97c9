// Hostile family: what a plugin hands the host is never expanded without a bound, and every byte it
// holds counts against its instance's quota. Builtins replaced before the runtime reads metadata or
// measures arguments, graphs of shared references (small in the isolate, huge as a tree) as Schema or
// PDK arguments, plugin-chosen text (method names, errors, names, log lines) of megabytes or with
// control characters, and memory outside the heap (WebAssembly, resizable and shared buffers). A
// neighbour serves all along; the server's memory and its log lines stay bounded.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Family, stageFamily, EXIT_500, reported, timed, type PhaseRun } from './helpers.ts';
import { rssMbOf } from '../../kong-driver/proc-rss.ts';

const MB = 1024 * 1024;
/** no log line the server writes may be longer than this, whatever a plugin did */
const MAX_LINE = 20_000;
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f\u2028\u2029\u202a-\u202e]/;

const f = await Family.start(stageFamily('bounds'), [
  '--shards', '2', '--memory-limit', '32', '--cpu-limit', '100', '--event-timeout', '4000', '--shard-memory-limit', '512',
]);
after(() => f.stop());

/** Runs `body` while sampling the RSS of the supervisor and every shard; resolves with its value and the largest growth seen, MB. */
async function peakGrowth<T>(body: () => Promise<T>): Promise<{ value: T; growthMb: number }> {
  const st = await f.status();
  const pids = [st.Pid, ...st.Shards.map((s) => s.Pid).filter((p): p is number => p !== null)];
  const base = new Map(pids.map((p) => [p, rssMbOf(p)]));
  let growthMb = 0;
  const timer = setInterval(() => {
    for (const p of pids) growthMb = Math.max(growthMb, rssMbOf(p) - base.get(p)!);
  }, 10);
  try {
    const value = await body();
    return { value, growthMb };
  } finally {
    clearInterval(timer);
  }
}

/** One event of a fresh instance of `plugin` under attack, the neighbour serving meanwhile. */
async function attackOnce(plugin: string, phase = 'access'): Promise<{ id: number; run: PhaseRun; growthMb: number; ms: number }> {
  const inst = await f.kong.startInstance(plugin);
  const { value, growthMb } = await peakGrowth(() => f.attack(() => timed(() => f.kong.runPhase(inst.Id, phase))));
  return { id: inst.Id, run: value.value, ms: value.ms, growthMb };
}

/** Kong received none of these headers from the plugin. */
function kongSawNo(run: PhaseRun, header: string): void {
  for (const c of run.calls) assert.notEqual(c.Args[0], header, `Kong received ${c.Method}(${header})`);
}

async function loadFailure(plugin: string): Promise<string> {
  const line = await f.server.waitForLog('plugin.load_failed', (l) => l.plugin === plugin);
  await assert.rejects(f.kong.call('plugin.GetPluginInfo', plugin), /is not loaded/);
  return line.msg;
}

// ---- class 2: builtins replaced before the runtime runs ----

test('JSON replaced by the module body: the runtime reads the real Schema with its own builtins', async () => {
  const info = await f.kong.call('plugin.GetPluginInfo', 'json-replaced');
  assert.deepEqual(info.Schema.fields[0].config.fields, [{ greeting: { type: 'string' } }]);
  const { run } = await attackOnce('json-replaced');
  assert.deepEqual(reported(run), { served: true });
});

for (const [plugin, what] of [
  ['keys-replaced', 'Object.keys, Object.entries and Array.isArray replaced'],
  ['iterator-replaced', 'the array iterator replaced'],
  ['dag-pdk-arg', 'behind 10 001 small values'],
] as const) {
  test(`${what}: 12 000 references to one 64 KB string (750 MB as a tree) are refused inside the plugin; no host process grows`, async () => {
    const shard = await f.shardOf('neighbour');
    const { run, growthMb } = await attackOnce(plugin);
    assert.match(reported(run).outcome, /^PDKError: PDK method kong\.response\.set_header failed: {2}arguments larger than 16777216 bytes \(--max-payload-size\)$/);
    kongSawNo(run, 'x-arg');
    assert.ok(growthMb < 100, `a host process grew by ${growthMb.toFixed(0)} MB`);
    const breach = await f.server.waitForLog('limit.breach', (l) => l.plugin === plugin && l.kind === 'payload');
    assert.ok(breach.msg.length < 300, breach.msg);
    const now = await f.shardOf('neighbour');
    assert.deepEqual([now.Pid, now.Restarts], [shard.Pid, shard.Restarts]);
  });
}

test('one 64 KB key shared by 12 000 objects (750 MB of keys as a tree), behind 10 001 small values, is refused inside the plugin', async () => {
  const { run, growthMb } = await attackOnce('dag-pdk-key');
  assert.match(reported(run).outcome, /^PDKError: .*--max-payload-size/);
  kongSawNo(run, 'x-arg');
  assert.ok(growthMb < 100, `a host process grew by ${growthMb.toFixed(0)} MB`);
});

test('12 000 typed-array and DataView views of one 64 KB buffer count 64 KB each: refused inside the plugin', async () => {
  const { run, growthMb } = await attackOnce('shared-views');
  assert.match(reported(run).outcome, /^PDKError: .*--max-payload-size/);
  kongSawNo(run, 'x-arg');
  assert.ok(growthMb < 100, `a host process grew by ${growthMb.toFixed(0)} MB`);
});

test('Promise.prototype.then and Promise.resolve replaced to swallow callbacks: the runtime still sees the handler finish; Kong is answered at once', async () => {
  const { run, ms } = await attackOnce('then-replaced');
  assert.equal(run.exited, null);
  assert.deepEqual(reported(run), { served: true });
  assert.ok(ms < 2000, `Kong waited ${ms} ms`);
});

// ---- class 2: metadata ----

test('a Schema field behind a getter is refused at load, without the getter deciding what Kong reads', async () => {
  assert.match(await loadFailure('schema-getter'), /Schema\[0\]\.f\.default: a getter or setter/);
});

test('a Proxy Schema claiming 2**31 fresh fields is refused at load by --max-metadata-size, not left to run', async () => {
  assert.match(await loadFailure('schema-proxy'), /larger than 1048576 bytes \(--max-metadata-size\)/);
});

test('a Schema of shared references (a few KB in the isolate, 128 MB as a tree) is refused at load; the supervisor never expands it', async () => {
  assert.match(await loadFailure('schema-dag'), /larger than 1048576 bytes \(--max-metadata-size\)/);
  const st = await f.status();
  assert.ok(rssMbOf(st.Pid) < 300, `the supervisor holds ${rssMbOf(st.Pid).toFixed(0)} MB`);
});

test('one 64 KB field name shared by 400 Schema entries counts every time: refused at load', async () => {
  assert.match(await loadFailure('schema-shared-keys'), /--max-metadata-size/);
});

test('a 2 MB plugin Name is refused at load by --max-metadata-size; no status or log line carries it', async () => {
  const msg = await loadFailure('name-huge');
  assert.match(msg, /--max-metadata-size/);
  assert.ok(msg.length < 2000, `${msg.length} chars`);
  const status = JSON.stringify(await f.status());
  assert.ok(!status.includes('n'.repeat(1000)), 'GetStatus carries the name');
});

test('a Name with newlines, a forged JSON record, ANSI escapes and bidi overrides: refused with a bounded message without its control characters', async () => {
  const msg = await loadFailure('name-injection');
  assert.match(msg, /may only hold a-z/);
  assert.ok(!CONTROL.test(msg), JSON.stringify(msg.slice(0, 300)));
  assert.ok(msg.length < 2000, `${msg.length} chars`);
  assert.equal(f.server.logsOf('plugin.loaded').filter((l) => l.msg === 'all good').length, 0);
});

// ---- class 2: plugin-chosen text ----

test('a 4 MB PDK method name, every event: the call fails in the plugin (PDKError), never reaches Kong or a log line', async () => {
  const inst = await f.kong.startInstance('method-name-huge');
  await f.attack(async () => {
    for (let i = 0; i < 3; i++) {
      const run = await f.kong.runPhase(inst.Id, 'access');
      assert.match(reported(run).outcome, /^PDKError: PDK method kong\.A{40}… \(4194304 chars\) failed: {2}not a PDK method name/);
      assert.equal(run.calls.length, 1);
    }
  });
});

test('PDK method names with newlines, a JSON record, ANSI, dots, non-ASCII or nothing at all fail in the plugin; Kong sees none', async () => {
  const { run } = await attackOnce('method-name-forged');
  const got = reported(run);
  assert.deepEqual(Object.values(got), ['PDKError', 'PDKError', 'PDKError', 'PDKError', 'PDKError']);
  assert.equal(run.calls.length, 1);
});

test('a 4 MB error message with control characters, thrown every event with the runtime\'s string methods replaced: the policy\'s 500 and a bounded, clean log line', async () => {
  const inst = await f.kong.startInstance('error-huge-message');
  await f.attack(async () => {
    for (let i = 0; i < 3; i++) assert.deepEqual((await f.kong.runPhase(inst.Id, 'access')).exited, EXIT_500);
  });
  const lines = await f.server.waitForLogs('plugin.error', 3, 10_000, (l) => l.instance === inst.Id);
  for (const l of lines) {
    assert.ok(l.msg.length < 5000, `${l.msg.length} chars`);
    assert.ok(!CONTROL.test(l.msg), JSON.stringify(l.msg.slice(0, 100)));
  }
});

test('an error with a 2 MB name and stack, and a thrown object whose JSON is 4 MB: 500s and bounded log lines', async () => {
  const inst = await f.kong.startInstance('error-huge-name');
  await f.attack(async () => {
    assert.deepEqual((await f.kong.runPhase(inst.Id, 'access')).exited, EXIT_500);
    assert.deepEqual((await f.kong.runPhase(inst.Id, 'rewrite')).exited, EXIT_500);
  });
  const lines = await f.server.waitForLogs('plugin.error', 2, 10_000, (l) => l.instance === inst.Id);
  for (const l of lines) assert.ok(l.msg.length < 5000, `${l.msg.length} chars`);
});

test('console lines of megabytes, with join, map and slice replaced: each log line stays bounded', async () => {
  const { id, run } = await attackOnce('console-huge');
  assert.deepEqual(reported(run), { logged: true });
  const lines = await f.server.waitForLogs('plugin.log', 2, 10_000, (l) => l.instance === id);
  for (const l of lines) assert.ok(l.msg.length <= 8300, `${l.msg.length} chars`);
});

// ---- class 3: memory outside the heap ----

test('WebAssembly is not offered: a memory grown to 200 MB is a ReferenceError', async () => {
  const { run, growthMb } = await attackOnce('wasm-memory-grow');
  assert.deepEqual(reported(run), { error: 'ReferenceError: WebAssembly is not defined' });
  assert.ok(growthMb < 100, `a host process grew by ${growthMb.toFixed(0)} MB`);
});

test('WebAssembly.instantiate of a module with its own 200 MB memory: WebAssembly is absent, from any global', async () => {
  const { run } = await attackOnce('wasm-instantiate');
  assert.deepEqual(reported(run), { again: 'undefined', error: 'ReferenceError: WebAssembly is not defined' });
});

test('resizable ArrayBuffers (direct, subclass, a buffer\'s constructor, Reflect.construct, a getter option) are refused with a TypeError; plain ones work', async () => {
  const { id, run, growthMb } = await attackOnce('resizable-arraybuffer');
  assert.deepEqual(reported(run), { direct: 'TypeError', subclass: 'TypeError', viaConstructor: 'TypeError', reflect: 'TypeError', getter: 'TypeError', plain: 8 });
  assert.ok(growthMb < 100, `a host process grew by ${growthMb.toFixed(0)} MB`);
  assert.ok((await f.stats(id)).HeapUsed < 32 * MB);
});

test('SharedArrayBuffer is not offered: a growable one is a ReferenceError, from any global', async () => {
  const { run } = await attackOnce('growable-sab');
  assert.deepEqual(reported(run), { sab: 'undefined', again: 'undefined', error: 'ReferenceError' });
});

test('ArrayBuffer.prototype.transfer to 1 GB and 2 GB, and 8 MB transfers kept, stop at the instance\'s memory limit', async () => {
  const { id, run } = await attackOnce('transfer-huge');
  if (run.exited) {
    // V8's last-resort collections before a failed allocation can outlast a 100 ms budget, or the
    // kept buffers reach the heap limit: either way the instance is stopped and only it pays
    assert.deepEqual(run.exited, EXIT_500);
    const kind = (await f.server.waitForLog('instance.killed', (l) => l.instance === id)).kind as string;
    assert.ok(kind === 'memory' || kind === 'cpu', kind);
    await f.assertGone(id);
    return;
  }
  const got = reported(run);
  assert.deepEqual([got.transfer, got.transferToFixedLength, got.manyTransfers], ['RangeError', 'RangeError', 'RangeError']);
  assert.ok(got.keptMb <= 32, `held ${got.keptMb} MB under a 32 MB limit`);
});

// ---- everything the server wrote ----

test('no log line the server wrote during these attacks is longer than 20 000 characters; GetStatus stays small', async () => {
  const long = f.server.logs.filter((l) => JSON.stringify(l).length > MAX_LINE);
  assert.deepEqual(long.map((l) => `${l.event}: ${JSON.stringify(l).length} chars`), []);
  assert.ok(f.server.stderr.length < 100_000, `stderr holds ${f.server.stderr.length} chars`);
  const status = JSON.stringify(await f.status());
  assert.ok(status.length < 200_000, `GetStatus is ${status.length} chars`);
  assert.ok(f.neighbourEvents > 0);
});
