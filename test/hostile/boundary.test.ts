// Hostile family 3: poisoning what crosses the isolate boundary. PDK arguments and metadata with
// __proto__/constructor keys, getters that throw, loop or mutate during the copy, cycles, values
// that are not data (functions, symbols, proxies, BigInt, Date, typed arrays), oversized and
// amplifying values, unpaired surrogates, deep nesting, hostile thrown values and thenables. Kong
// must receive plain data or nothing, the call must fail inside the plugin (never crash anything),
// the host must stay unpolluted, a neighbour keeps answering, and the memory comes back.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Family, stageFamily, EXIT_500, RawKong, headers, reported, namesNoHost, timed, type PhaseRun } from './helpers.ts';
import { stoppedWithinMs } from '../helpers/cpu-stop.ts';

const f = await Family.start(stageFamily('boundary'), [
  '--shards', '2', '--memory-limit', '64', '--cpu-limit', '500', '--shard-memory-limit', '512',
  // attacks that, today, take down the shard they run on get shards of their own
  '--placement', 'dedicated=sparse-array,dag-amplification,string-amplification',
]);
after(() => f.stop());

/** One watched event of a new `plugin` instance per value, the value in request header `header`. */
async function eventPerValue(plugin: string, header: string, values: number[], check: (run: PhaseRun, value: number) => void): Promise<void> {
  const inst = await f.kong.startInstance(plugin);
  for (const v of values) check(await f.attack(() => f.kong.runPhase(inst.Id, 'access', headers({ [header]: String(v) }))), v);
}

/** The neighbour plugin's isolate, and the host's reports, show no sign of a polluted prototype. */
async function nothingPolluted(): Promise<void> {
  const check = await f.kong.startInstance('proto-check');
  assert.deepEqual(reported(await f.kong.runPhase(check.Id, 'access')), { polluted: 'clean', objectProtoKeys: [], arrayPolluted: 'clean', fnPolluted: 'clean' });
  const status = JSON.stringify(await f.status());
  assert.doesNotMatch(status, /polluted/);
}

/** Kong received the attacker's calls up to its report, and none of `forbidden`. */
function kongSaw(run: PhaseRun, forbidden: string[]): void {
  for (const c of run.calls) assert.ok(!forbidden.includes(c.Args[0] as string), `Kong received ${c.Method}(${String(c.Args[0])})`);
}

test('__proto__, constructor and prototype keys in PDK arguments reach Kong as plain map keys; nothing is polluted', async () => {
  const inst = await f.kong.startInstance('proto-keys-args');
  const raw = await RawKong.connect(f.server.socketPath);
  try {
    const poison = new Map<string, unknown>([
      ['__proto__', new Map([['polluted', 'yes']])],
      ['constructor', new Map([['prototype', new Map([['polluted', 'yes']])]])],
      ['prototype', new Map([['polluted', 'yes']])],
      ['nested', [new Map([['__proto__', new Map([['polluted', 'yes']])]])]],
    ]);
    const [first, second] = await f.attack(async () => {
      const a = await raw.call('plugin.HandleEvent', { InstanceId: inst.Id, EventName: 'access' });
      const b = await raw.call('plugin.Step', { EventId: a.get('EventId') });
      return [a.get('Data'), b.get('Data')];
    });
    assert.equal(first.get('Method'), 'kong.service.request.set_headers');
    assert.deepEqual(first.get('Args'), [poison]);
    assert.equal(second.get('Method'), 'kong.response.exit');
    assert.deepEqual(second.get('Args'), [418, poison, new Map([['__proto__', 'x-polluted'], ['constructor', 'x-ctor']])]);
  } finally {
    raw.close();
  }
  await nothingPolluted();
});

test('a Schema with __proto__/constructor/toString field names is refused at load with a reason; nothing is polluted', async () => {
  const failed = await f.server.waitForLog('plugin.load_failed', (l) => l.plugin === 'hostile-schema');
  assert.match(failed.msg, /Schema\[0\] must be an object with exactly one field name/);
  await assert.rejects(f.kong.startInstance('hostile-schema'), /plugin "hostile-schema" is not loaded/);
  await nothingPolluted();
});

test('plugins named "constructor" and "__proto__" are served like any other; GetPluginInfo answers for both', async () => {
  const raw = await RawKong.connect(f.server.socketPath);
  try {
    for (const name of ['constructor', '__proto__']) {
      const inst = await f.kong.startInstance(name);
      assert.equal(inst.Name, name);
      assert.deepEqual(reported(await f.attack(() => f.kong.runPhase(inst.Id, 'access'))), { served: true });
      assert.equal((await raw.call('plugin.GetPluginInfo', name)).get('Name'), name);
    }
  } finally {
    raw.close();
  }
  await nothingPolluted();
});

test(
  'plugin.GetStatus lists plugins named "__proto__" and "constructor" with their instances',
  async () => {
    const raw = await RawKong.connect(f.server.socketPath);
    try {
      const plugins: Map<string, any> = (await raw.call('plugin.GetStatus')).get('Plugins');
      for (const name of ['constructor', '__proto__']) {
        assert.ok(plugins.has(name), `GetStatus has no entry for ${name}`);
        assert.ok(plugins.get(name).get('Instances').length >= 1);
      }
    } finally {
      raw.close();
    }
  },
);

test('getters that throw while an argument is copied fail that call inside the plugin; Kong gets nothing of it', async () => {
  const inst = await f.kong.startInstance('getter-throws');
  const run = await f.attack(() => f.kong.runPhase(inst.Id, 'access'));
  assert.deepEqual(reported(run), { top: 'Error: getter boom', nested: 'TypeError: nested boom', 'non-error': 'undefined: undefined' });
  kongSaw(run, ['x-arg']);
  assert.equal(run.exited, null);
});

test('a getter that loops while an argument is copied is stopped by the CPU limit', async () => {
  const inst = await f.kong.startInstance('getter-loop-copy');
  const { value: run, ms } = await f.attack(() => timed(() => f.kong.runPhase(inst.Id, 'access')));
  assert.deepEqual(run.exited, EXIT_500);
  assert.ok(ms < stoppedWithinMs(500), `Kong waited ${ms} ms`);
  assert.equal((await f.server.waitForLog('instance.killed', (l) => l.instance === inst.Id)).kind, 'cpu');
  await f.assertGone(inst.Id);
});

test('getters that grow, shrink and swap in a function while being copied: the call fails inside the plugin, Kong gets nothing of it', async () => {
  const inst = await f.kong.startInstance('getter-mutates');
  const run = await f.attack(() => f.kong.runPhase(inst.Id, 'access'));
  assert.match(reported(run).outcome, /^PDKError: PDK method kong\.response\.set_header failed: {2}arguments cannot be sent to Kong: .*could not be cloned/);
  kongSaw(run, ['x-arg']);
});

test(
  'a cyclic argument fails that call inside the plugin (PDKError); the event goes on',
  async () => {
    const inst = await f.kong.startInstance('cyclic-args');
    const run = await f.attack(() => f.kong.runPhase(inst.Id, 'access'));
    assert.equal(run.exited, null, `the whole request was answered ${JSON.stringify(run.exited)}`);
    assert.match(reported(run).outcome, /^PDKError: /);
  },
);

test('functions, symbols, WeakMaps, promises and the kong object itself as arguments: each call fails inside the plugin; a Proxy crosses as the plain data its traps give (no trap runs on the host); errors and private fields cross as plain data only', async () => {
  const inst = await f.kong.startInstance('uncopyable-args');
  const run = await f.attack(() => f.kong.runPhase(inst.Id, 'access'));
  const got = reported(run);
  assert.deepEqual(Object.keys(got), ['function', 'symbol', 'proxy', 'revokedProxy', 'weakMap', 'promise', 'kong', 'kongRequest']);
  for (const [label, outcome] of Object.entries(got)) {
    if (label === 'revokedProxy') assert.equal(outcome, "TypeError: Cannot perform 'getPrototypeOf' on a proxy that has been revoked");
    // the runtime copies arguments itself, through a Proxy's traps, into plain data
    else if (label === 'proxy') assert.equal(outcome, 'sent');
    else assert.match(outcome as string, /^PDKError: PDK method kong\.response\.set_header failed: arguments cannot be sent to Kong: .*could not be cloned/, label);
  }
  kongSaw(run, Object.keys(got).filter((l) => l !== 'proxy').map((l) => `x-${l}`));
  assert.deepEqual(run.calls.find((c) => c.Args[0] === 'x-proxy')?.Args[1], {});
  // A host-made error crosses as its name and message (text only); a private field does not cross.
  const hostError = run.calls.find((c) => c.Args[0] === 'x-host-error')!.Args[1];
  // an Error crosses as plain data: { name, message }
  const hostErrorData = hostError as { name: string; message: string };
  assert.equal(hostErrorData.name, 'PDKError'); // the runtime copies an error as its own name and message
  assert.match(hostErrorData.message, /^PDK method kong\.request\.get_header failed: /);
  assert.ok(namesNoHost(JSON.stringify(hostError), f.fileOf('uncopyable-args')), JSON.stringify(hostError));
  assert.deepEqual(run.calls.find((c) => c.Args[0] === 'x-private')!.Args[1], { shown: 'public' });
});

test(
  'BigInt arguments: one that fits 64 bits reaches Kong as a number; one that does not fails that call inside the plugin',
  async () => {
    const inst = await f.kong.startInstance('bigint-args');
    const run = await f.attack(() => f.kong.runPhase(inst.Id, 'access'));
    assert.deepEqual(run.calls[0], { Method: 'kong.response.set_header', Args: ['x-small', 1] });
    assert.equal(run.exited, null, `the whole request was answered ${JSON.stringify(run.exited)}`);
    assert.equal(reported(run).small, 'sent');
    assert.match(reported(run).huge, /^PDKError: /);
  },
);

test('arguments over --max-payload-size (a 20 MB string, the same string 5 times = 100 MB copied) fail inside the plugin; memory comes back', async () => {
  const inst = await f.kong.startInstance('big-args');
  const run = await f.attack(() => f.kong.runPhase(inst.Id, 'access'));
  const refusal = 'PDKError: PDK method kong.response.set_header failed:  arguments larger than 16777216 bytes (--max-payload-size)';
  assert.deepEqual(reported(run), { '20MB': refusal, '100MB': refusal });
  kongSaw(run, ['x-big']);
  const breaches = await f.server.waitForLogs('limit.breach', 2, 10_000, (l) => l.plugin === 'big-args');
  assert.deepEqual(breaches.map((l) => l.kind), ['payload', 'payload']);
});

test('a 17 MB result from Kong, over --max-payload-size (16 MiB), fails that call inside the plugin', async () => {
  const inst = await f.kong.startInstance('big-result');
  const run = await f.attack(() => f.kong.runPhase(inst.Id, 'access', (c) => (c.Method === 'kong.request.get_raw_body' ? new Uint8Array(17 * 1024 * 1024) : undefined)));
  assert.deepEqual(reported(run), {
    error: 'PDKError: PDK method kong.request.get_raw_body failed:  the result of kong.request.get_raw_body is larger than 16777216 bytes (--max-payload-size)',
  });
});

test('unpaired surrogates in argument values and keys reach Kong as valid UTF-8 (U+FFFD); pairs survive', async () => {
  const inst = await f.kong.startInstance('surrogates');
  const run = await f.attack(() => f.kong.runPhase(inst.Id, 'access'));
  assert.deepEqual(run.calls[0]!.Args, ['x-lone', ['\uFFFD', '\uFFFD', 'a\uFFFDb', '\uFFFD\uFFFD', '\uD83D\uDE00']]);
  assert.deepEqual(run.calls[1]!.Args, ['x-keys', { 'k\uFFFD': 'v' }]);
  assert.deepEqual(reported(run), { done: true });
});

test('a sparse array of length 2**32-1 as the whole argument costs only the attacker: the call fails inside it, or its instance is stopped; the shard keeps running', async () => {
  const inst = await f.kong.startInstance('plain-sparse-array');
  const shard = await f.shardOf('plain-sparse-array');
  const run = await f.attack(() => f.kong.runPhase(inst.Id, 'access'));
  if (run.exited) {
    assert.deepEqual(run.exited, EXIT_500);
    // stopped by its heap limit, or by its CPU budget on a busy machine: either way only it pays
    const kind = (await f.server.waitForLog('instance.killed', (l) => l.instance === inst.Id)).kind as string;
    assert.ok(kind === 'memory' || kind === 'cpu', kind);
  } else {
    assert.match(reported(run).outcome, /^PDKError: /);
  }
  const now = await f.shardOf('plain-sparse-array');
  assert.deepEqual([now.Pid, now.Restarts], [shard.Pid, shard.Restarts]);
});

test(
  'a sparse array of length 2**32-1 behind 20 000 small strings fails inside the plugin; its shard keeps running',
  async () => {
    const inst = await f.kong.startInstance('sparse-array');
    const shard = await f.shardOf('sparse-array');
    const { value: run, ms } = await f.attack(() => timed(() => f.kong.runPhase(inst.Id, 'access')));
    assert.ok(ms < 1000, `Kong waited ${ms} ms`);
    assert.equal(run.exited, null, `the whole request was answered ${JSON.stringify(run.exited)}`);
    assert.match(reported(run).outcome, /^PDKError: /);
    assert.equal((await f.shardOf('sparse-array')).Restarts, shard.Restarts);
  },
);

test(
  'a value with shared references that expands to 1 TB as a tree ([x, x] 30 times) fails inside the plugin; its shard keeps running',
  async () => {
    const inst = await f.kong.startInstance('dag-amplification');
    const shard = await f.shardOf('dag-amplification');
    const run = await f.attack(() => f.kong.runPhase(inst.Id, 'access'));
    assert.equal(run.exited, null, `the whole request was answered ${JSON.stringify(run.exited)}`);
    assert.match(reported(run).outcome, /^PDKError: .*--max-payload-size/);
    assert.equal((await f.shardOf('dag-amplification')).Restarts, shard.Restarts);
  },
);

test('one 64 KB string referenced 100 000 times (6.5 GB once copied) fails inside the plugin; its shard keeps running', async () => {
  const inst = await f.kong.startInstance('string-amplification');
  const shard = await f.shardOf('string-amplification');
  const run = await f.attack(() => f.kong.runPhase(inst.Id, 'access'));
  assert.equal(run.exited, null, `the whole request was answered ${JSON.stringify(run.exited)}`);
  assert.equal(reported(run).outcome, 'PDKError: PDK method kong.response.set_header failed:  arguments larger than 16777216 bytes (--max-payload-size)');
  kongSaw(run, ['x-arg']);
  assert.equal((await f.shardOf('string-amplification')).Restarts, shard.Restarts);
});

test(
  'zero-filled Float64Array, Uint16Array, Uint32Array, DataView and ArrayBuffer arguments reach Kong as exactly their bytes: all zeros',
  () =>
    eventPerValue('typed-array-bytes', 'x-size', [16, 64, 1000, 5000], (run, n) => {
      const sent = Object.fromEntries(run.calls.slice(1, 6).map((c) => [c.Args[0], c.Args[1] as Uint8Array]));
      const expected: Record<string, number> = { 'x-f64': 8 * n, 'x-u16': 2 * n, 'x-u32': 4 * n, 'x-dv': n, 'x-ab': n };
      for (const [header, bytes] of Object.entries(expected)) {
        assert.ok(sent[header] instanceof Uint8Array, `${header} is not bytes`);
        assert.equal(sent[header].length, bytes, `${header} (n=${n}) length`);
        const nonZero = sent[header].filter((b) => b !== 0).length;
        assert.equal(nonZero, 0, `${header} (n=${n}) carried ${nonZero} bytes that are not the array's`);
      }
    }),
);

test('Map, Set, RegExp, Error, boxed primitives, -0, NaN, Infinity and Uint8Array arguments reach Kong as plain MessagePack data', async () => {
  const inst = await f.kong.startInstance('exotic-clonables');
  const run = await f.attack(() => f.kong.runPhase(inst.Id, 'access'));
  const [map, set, re, err, bool, str, num, negZero, nan, inf, bytes] = run.calls[0]!.Args[1] as unknown[];
  assert.deepEqual(map, { k: 1 });
  assert.deepEqual(set, ['s']);
  assert.equal(re, '/re/g');
  assert.deepEqual(err, { name: 'RangeError', message: 'e' });
  assert.deepEqual([bool, str, num], [false, 's', 7]);
  assert.ok(Object.is(negZero, 0) || Object.is(negZero, -0));
  assert.ok(Number.isNaN(nan));
  assert.equal(inf, Infinity);
  assert.deepEqual([...(bytes as Uint8Array)], [1, 2, 3]);
  assert.deepEqual(reported(run), { done: true });
});

test(
  'a Date argument reaches Kong as plain data (no MessagePack extension type, which Kong never expects)',
  async () => {
    const inst = await f.kong.startInstance('date-arg');
    const run = await f.attack(() => f.kong.runPhase(inst.Id, 'access'));
    // @msgpack/msgpack decodes ext -1 into a Date: anything but a string or number means an ext type was sent
    const sent = run.calls[0]!.Args[1];
    assert.ok(typeof sent === 'string' || typeof sent === 'number', `Kong got ${Object.prototype.toString.call(sent)}`);
  },
);

test(
  'arguments nested 1500 to 3000 deep either reach Kong or fail inside the plugin; the event goes on',
  () =>
    eventPerValue('deep-nesting-args', 'x-depth', [1500, 2000, 2500, 3000], (run, depth) => {
      assert.equal(run.exited, null, `depth ${depth}: the whole request was answered ${JSON.stringify(run.exited)}`);
      assert.equal(reported(run).depth, depth);
    }),
);

test('arguments nested 1000 deep reach Kong intact; 10 000, 100 000 and 1 000 000 deep fail inside the plugin, or cost only its instance', async () => {
  let inst = await f.kong.startInstance('deep-nesting-args');
  for (const depth of [1000, 10_000, 100_000, 1_000_000]) {
    const run = await f.attack(() => f.kong.runPhase(inst.Id, 'access', headers({ 'x-depth': String(depth) })));
    if (depth > 1000 && run.exited) {
      // building a million nested arrays can take the instance to its heap or CPU limit: then only it pays
      assert.deepEqual(run.exited, EXIT_500);
      const kind = (await f.server.waitForLog('instance.killed', (l) => l.instance === inst.Id)).kind as string;
      assert.ok(kind === 'memory' || kind === 'cpu', kind);
      inst = await f.kong.startInstance('deep-nesting-args');
      continue;
    }
    const got = reported(run);
    assert.equal(got.depth, depth);
    if (depth === 1000) {
      assert.equal(got.outcome, 'sent');
      let v = run.calls[1]!.Args[1];
      let levels = 0;
      while (Array.isArray(v)) [v, levels] = [v[0], levels + 1];
      assert.deepEqual([levels, v], [1000, 'leaf']);
    } else {
      assert.match(got.outcome, /^PDKError: .*(arguments nested deeper than 1024 levels|arguments cannot be sent to Kong: RangeError: Maximum call stack size exceeded)/, String(depth));
    }
  }
});


test('thrown values that resist being reported (throwing getters, a 16 MB string, a Proxy trapping everything) end in the policy\'s 500 and a bounded log line', async () => {
  for (const phase of ['access', 'rewrite', 'response']) {
    const inst = await f.kong.startInstance('hostile-throw');
    const run = await f.attack(() => f.kong.runPhase(inst.Id, phase));
    assert.deepEqual(run.exited, EXIT_500, phase);
    const line = await f.server.waitForLog('plugin.error', (l) => l.instance === inst.Id);
    assert.ok(line.msg.length < 8192, `${phase}: a log line of ${line.msg.length} characters`);
    if (phase !== 'rewrite') assert.equal(line.msg, 'plugin handler failed: (unprintable error)', phase);
    else assert.match(line.msg, /^plugin handler failed: T{4000}… \(\d+ more chars\)$/);
  }
  const inst = await f.kong.startInstance('hostile-throw');
  const logged = await f.attack(() => f.kong.runPhase(inst.Id, 'log'));
  assert.deepEqual(logged, { eventId: logged.eventId, calls: [], exited: null });
  assert.equal((await f.server.waitForLog('plugin.log', (l) => l.instance === inst.Id)).msg, 'hostile value: (unprintable value)');
});

test('a handler returning a thenable whose then getter throws, or that resolves itself forever, gets Kong an answer', async () => {
  const inst = await f.kong.startInstance('hostile-thenable');
  const run = await f.attack(() => f.kong.runPhase(inst.Id, 'access'));
  assert.deepEqual(run.exited, EXIT_500);
  assert.match((await f.server.waitForLog('plugin.error', (l) => l.instance === inst.Id)).msg, /then getter/);
  const { value: loop, ms } = await f.attack(() => timed(() => f.kong.runPhase(inst.Id, 'rewrite')));
  assert.deepEqual(loop.exited, EXIT_500);
  assert.ok(ms < stoppedWithinMs(500), `Kong waited ${ms} ms`);
});

test('kong.response.exit with arguments that cannot reach Kong (cyclic, over --max-payload-size, uncopyable) ends the request by the failure policy at once, never as if the plugin had let it through', async () => {
  const inst = await f.kong.startInstance('exit-refused');
  for (const [i, which] of ['cyclic', 'huge', 'uncopyable'].entries()) {
    const { value: run, ms } = await f.attack(() => timed(() => f.kong.runPhase(inst.Id, 'access', (c) => (c.Args[0] === 'case' ? which : undefined))));
    assert.deepEqual(run.exited, EXIT_500, `${which}: Kong was answered ${JSON.stringify(run.calls.at(-1))}`);
    assert.ok(ms < 2000, `${which}: Kong waited ${ms} ms`);
    const errors = await f.server.waitForLogs('plugin.error', i + 1, 10_000, (l) => l.instance === inst.Id);
    assert.match(String(errors[i]!.msg), /kong\.response\.exit could not be sent to Kong/);
  }
});

test('kong.response.exit after the pending-call cap is full still ends the request, after the queued calls', async () => {
  const inst = await f.kong.startInstance('exit-refused');
  const run = await f.attack(() => f.kong.runPhase(inst.Id, 'access', (c) => (c.Args[0] === 'case' ? 'after-flood' : 'v')));
  assert.deepEqual(run.exited, { Method: 'kong.response.exit', Args: [403, 'stop'] });
  // the case header, then the 100 getHeaders that fit under --max-pending-calls, then the exit
  assert.equal(run.calls.filter((c) => c.Method === 'kong.request.get_header').length, 101);
});
