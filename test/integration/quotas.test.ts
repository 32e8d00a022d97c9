// Quotas, end to end: the heap limit, the CPU budget of one event (all its slices together), the
// bridge caps (PDK calls per event, pending calls, payload size, events per instance), the soft heap
// warning, getMemoryStats' sandbox section, and the figures InstanceStatus and GetStatus report.
// Every breach happens while a neighbour instance (echo-header) serves a burst of events on the same
// server, and every one of the neighbour's events must be answered correctly.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ServerProcess, type LogLine } from '../../kong-driver/server-process.ts';
import { EXIT_500, type KongClient, type PdkCall, type PhaseRun } from '../../kong-driver/kong-client.ts';
import { stoppedWithinMs } from '../helpers/cpu-stop.ts';

const MiB = 1024 * 1024;
const GET_HEADER = 'kong.request.get_header';

/** A server with `args`, a client, and the echo-header instance the neighbour bursts go to. */
async function startWithNeighbour(args: string[]): Promise<{ server: ServerProcess; kong: KongClient; neighbour: number }> {
  const server = await ServerProcess.start({ args });
  const kong = server.client();
  return { server, kong, neighbour: (await kong.startInstance('echo-header')).Id };
}

/** `n` concurrent events on the neighbour, each on its own connection, each answered correctly. */
async function neighbourBurst(server: ServerProcess, id: number, tag: string, n = 12): Promise<void> {
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const c = server.client();
      try {
        const value = `${tag}-${i}`;
        const run = await c.runPhase(id, 'access', (call) => (call.Method === GET_HEADER ? value : undefined));
        assert.deepEqual(run.calls, [
          { Method: GET_HEADER, Args: ['x-in'] },
          { Method: 'kong.response.set_header', Args: ['x-out', value] },
        ]);
        assert.equal(run.exited, null);
      } finally {
        c.close();
      }
    }),
  );
}

/** Runs the hostile work and a neighbour burst at the same time; resolves with the hostile work's result. */
async function alongside<T>(server: ServerProcess, neighbourId: number, tag: string, hostile: () => Promise<T>): Promise<T> {
  const [result] = await Promise.all([hostile(), neighbourBurst(server, neighbourId, tag)]);
  return result;
}

/** The one response header `name` the plugin set during the run. */
function header(run: PhaseRun, name: string): string {
  const set = run.calls.filter((c) => c.Method === 'kong.response.set_header' && c.Args[0] === name);
  assert.equal(set.length, 1, `expected one ${name} header; Kong saw ${JSON.stringify(run.calls.map((c) => c.Method))}, exit ${JSON.stringify(run.exited)}`);
  return String(set[0]!.Args[1]);
}

function count(run: PhaseRun, method: string): number {
  return run.calls.filter((c) => c.Method === method).length;
}

function linesOf(server: ServerProcess, event: string, pred: (l: LogLine) => boolean): LogLine[] {
  return server.logsOf(event).filter(pred);
}

const breachOf = (kind: string, instance: number) => (l: LogLine) => l.kind === kind && l.instance === instance;

interface BreachRecord {
  Kind: string;
  Detail: string;
  Time: number;
}
interface InstanceEntry {
  Name: string;
  Id: number;
  Config: unknown;
  StartTime: number;
  Stats: Record<string, number | string> | null;
  LastBreach: BreachRecord | null;
}
interface PluginEntry {
  Instances: InstanceEntry[];
  Breaches: Record<string, number>;
  Restarts: number;
  LastBreach: BreachRecord | null;
}

async function pluginStatus(kong: KongClient, name: string): Promise<PluginEntry> {
  const p = (await kong.call('plugin.GetStatus')).Plugins[name] as PluginEntry | undefined;
  assert.ok(p, `GetStatus lists ${name}`);
  return p;
}

const STATS_KEYS = [
  'CpuBudgetMs', 'CpuTimeMs', 'EventsInFlight', 'EventsServed', 'ExternalMemory', 'Generation', 'HandlerErrors', 'HeapFraction', 'HeapLimit', 'HeapTotal',
  'HeapUsed', 'InstanceId', 'PdkCalls', 'Plugin',
];
const SANDBOX_KEYS = ['cpu_budget_ms', 'cpu_time_ms', 'external_memory', 'heap_limit', 'heap_total', 'heap_used', 'heap_used_ratio', 'instance_id'];

describe('quotas on a server with small limits', () => {
  // isolated-vm gives a 32 MB isolate a heap_size_limit of about 35 MB: the soft warning is at ~17.5 MB.
  const ARGS = [
    '--shards', '2', '--memory-limit', '32', '--cpu-limit', '150', '--max-pdk-calls', '40', '--max-pending-calls', '5',
    '--max-events-per-instance', '20', '--max-payload-size', '100000', '--memory-warn-ratio', '0.5',
    '-vv', // heap.sampled lines, which the --memory-warn-ratio test waits for
  ];
  let server: ServerProcess;
  let kong: KongClient;
  let neighbour: number;

  before(async () => ({ server, kong, neighbour } = await startWithNeighbour(ARGS)));
  after(async () => {
    kong?.close();
    await server?.stop();
  });

  test('a heap breach (--memory-limit) kills only that isolate: 500 for its event, then "No plugin instance"; Restarts counts it; a new instance starts', async () => {
    const before = await pluginStatus(kong, 'quota-heap');
    const hog = await kong.startInstance('quota-heap');
    const answer = await alongside(server, neighbour, 'heap', () => kong.call('plugin.HandleEvent', { InstanceId: hog.Id, EventName: 'access' }));
    assert.deepEqual(answer.Data, EXIT_500);
    await assert.rejects(kong.call('plugin.HandleEvent', { InstanceId: hog.Id, EventName: 'access' }), { message: `No plugin instance ${hog.Id}` });
    await assert.rejects(kong.call('plugin.InstanceStatus', hog.Id), { message: `No plugin instance ${hog.Id}` });
    const killed = await server.waitForLog('instance.killed', (l) => l.instance === hog.Id);
    assert.equal(killed.kind, 'memory');
    assert.equal(killed.plugin, 'quota-heap');
    assert.match(killed.msg, /heap limit \(--memory-limit\)/);

    const status = await pluginStatus(kong, 'quota-heap');
    assert.equal(status.Restarts, before.Restarts + 1);
    assert.equal(status.Breaches.memory, (before.Breaches.memory ?? 0) + 1);
    assert.ok(!status.Instances.some((i) => i.Id === hog.Id));

    const again = await kong.startInstance('quota-heap');
    assert.notEqual(again.Id, hog.Id);
    const fresh = await kong.call('plugin.InstanceStatus', again.Id);
    assert.equal(fresh.Stats.EventsServed, 0);
    assert.equal(fresh.LastBreach, null);
    await neighbourBurst(server, neighbour, 'after-heap');
  });

  test('--max-pdk-calls: call N+1 of an event is never sent to Kong; one breach per event; the count starts again per event; the instance lives on', async () => {
    const flooder = await kong.startInstance('quota-flooder');
    const before = await pluginStatus(kong, 'quota-flooder');
    const eventIds: number[] = [];
    // Each round's breach line is also the mark that the refusals of the rounds before it, which
    // the same shard logs in order, have all been logged: no fixed wait for what must not come.
    for (const round of [1, 2, 3]) {
      const run = await alongside(server, neighbour, `flood${round}`, () =>
        kong.runPhase(flooder.Id, 'access', (c) => (c.Method === GET_HEADER ? 'v' : undefined)),
      );
      eventIds.push(run.eventId);
      assert.equal(count(run, GET_HEADER), 40, `round ${round}: Kong ran exactly --max-pdk-calls calls`);
      assert.ok(run.calls.slice(0, 40).every((c) => c.Method === GET_HEADER && c.Args[0] === 'x-flood'));
      const lines = await server.waitForLogs('limit.breach', round, 10_000, breachOf('pdk_calls', flooder.Id));
      assert.match(lines[round - 1]!.msg, /more than 40 PDK calls in one event \(--max-pdk-calls\)/);
    }
    // later refusals of the same event did not log again (checked up to round 3's line)
    assert.deepEqual(linesOf(server, 'limit.breach', breachOf('pdk_calls', flooder.Id)).map((l) => l.eventId), eventIds);

    const status = await kong.call('plugin.InstanceStatus', flooder.Id);
    assert.equal(status.Stats.EventsServed, 3);
    assert.equal(status.LastBreach.Kind, 'pdk_calls');
    assert.match(status.LastBreach.Detail, /--max-pdk-calls/);
    const plugin = await pluginStatus(kong, 'quota-flooder');
    assert.equal(plugin.Breaches.pdk_calls, (before.Breaches.pdk_calls ?? 0) + 3);
    assert.equal(plugin.Restarts, before.Restarts);
    assert.equal(plugin.LastBreach?.Kind, 'pdk_calls');
    assert.ok(plugin.Instances.some((i) => i.Id === flooder.Id));
    assert.equal(linesOf(server, 'instance.killed', (l) => l.instance === flooder.Id).length, 0);
  });

  test('--max-pdk-calls: the flooding plugin catches the PDKError and can still end the request after exactly N calls', async () => {
    const flooder = await kong.startInstance('quota-flooder');
    const run = await alongside(server, neighbour, 'report', () => kong.runPhase(flooder.Id, 'access', (c) => (c.Method === GET_HEADER ? 'v' : undefined)));
    assert.equal(run.calls.length, 41);
    assert.equal(count(run, GET_HEADER), 40);
    assert.equal(run.exited?.Args[0], 429); // a terminal call passes the cap: the plugin can always end the request
    const [ok, name, message] = String(run.exited?.Args[1]).split('|');
    assert.equal(ok, '40');
    assert.equal(name, 'PDKError');
    assert.match(message!, /--max-pdk-calls/);
  });

  test('--max-pending-calls: calls beyond the cap issued at once fail in the plugin with a PDKError; the others reach Kong; the instance lives on', async () => {
    // Exactly N at once is within the cap.
    const exact = await kong.startInstance('quota-pending', { count: 5 });
    const fine = await kong.runPhase(exact.Id, 'access', (c) => (c.Method === GET_HEADER ? String(c.Args[0]) : undefined));
    assert.equal(count(fine, GET_HEADER), 5);
    assert.equal(header(fine, 'x-report'), '5|0|');

    const flood = await kong.startInstance('quota-pending', { count: 12 });
    const eventIds: number[] = [];
    // as for --max-pdk-calls: round 3's breach line marks that rounds 1 and 2 (and `exact`) logged all they would
    for (const round of [1, 2, 3]) {
      const run = await alongside(server, neighbour, `pending${round}`, () =>
        kong.runPhase(flood.Id, 'access', (c) => (c.Method === GET_HEADER ? String(c.Args[0]) : undefined)),
      );
      eventIds.push(run.eventId);
      assert.equal(run.exited, null);
      const [fulfilled, rejected, first] = header(run, 'x-report').split('|');
      // Every call that reached Kong got Kong's answer back; the excess failed without reaching it.
      assert.equal(Number(fulfilled), count(run, GET_HEADER));
      assert.equal(Number(fulfilled) + Number(rejected), 12);
      assert.equal(`${fulfilled}|${rejected}`, '5|7', 'of 12 calls issued at once, exactly --max-pending-calls (5) reach Kong');
      assert.match(first!, /^PDKError: PDK method kong\.request\.get_header failed: +more than 5 PDK calls queued at once \(--max-pending-calls\)$/);
      await server.waitForLogs('limit.breach', round, 10_000, breachOf('pending_calls', flood.Id));
    }
    assert.deepEqual(linesOf(server, 'limit.breach', breachOf('pending_calls', flood.Id)).map((l) => l.eventId), eventIds);
    assert.equal(linesOf(server, 'limit.breach', breachOf('pending_calls', exact.Id)).length, 0);
    assert.equal((await kong.call('plugin.InstanceStatus', flood.Id)).LastBreach.Kind, 'pending_calls');
  });

  test('--max-pending-calls N: of the calls issued at once, exactly N reach Kong', {
  }, async () => {
    const inst = await kong.startInstance('quota-pending', { count: 8 });
    const run = await alongside(server, neighbour, 'pending-exact', () => kong.runPhase(inst.Id, 'access', () => 'v'));
    assert.equal(count(run, GET_HEADER), 5);
    assert.equal(header(run, 'x-report').split('|').slice(0, 2).join('|'), '5|3');
  });

  test('--max-payload-size: an argument or a result over the limit fails in the plugin and never crosses; under it both pass; the instance lives on', async () => {
    const big = await kong.startInstance('quota-payload', { size: 200_000 });
    const small = await kong.startInstance('quota-payload', { size: 50_000 });
    const [bigArg, bigResult] = await alongside(server, neighbour, 'payload', async () => [
      await kong.runPhase(big.Id, 'access', () => undefined),
      await kong.runPhase(big.Id, 'rewrite', (c) => (c.Method === 'kong.request.get_raw_body' ? 'y'.repeat(200_000) : undefined)),
    ]);
    // The argument never reached Kong: the only call Kong saw is the report.
    assert.deepEqual(bigArg.calls.map((c) => c.Args[0]), ['x-report']);
    assert.match(header(bigArg, 'x-report'), /^PDKError\|PDK method kong\.response\.set_header failed: +arguments larger than 100000 bytes \(--max-payload-size\)$/);
    assert.equal(bigResult.calls[0]!.Method, 'kong.request.get_raw_body');
    assert.match(header(bigResult, 'x-report'), /^PDKError\|PDK method kong\.request\.get_raw_body failed: .*larger than 100000 bytes \(--max-payload-size\)$/);
    const lines = await server.waitForLogs('limit.breach', 2, 10_000, breachOf('payload', big.Id));
    assert.deepEqual(lines.map((l) => l.eventId), [bigArg.eventId, bigResult.eventId]);
    assert.match(lines[0]!.msg, /kong\.response\.set_header: arguments larger than 100000 bytes \(--max-payload-size\)/);
    assert.match(lines[1]!.msg, /the result of kong\.request\.get_raw_body is larger than 100000 bytes \(--max-payload-size\)/);

    const smallArg = await kong.runPhase(small.Id, 'access', () => undefined);
    assert.equal(header(smallArg, 'x-big'), 'x'.repeat(50_000));
    assert.equal(header(smallArg, 'x-report'), 'ok|50000');
    const smallResult = await kong.runPhase(small.Id, 'rewrite', (c) => (c.Method === 'kong.request.get_raw_body' ? 'y'.repeat(50_000) : undefined));
    assert.equal(header(smallResult, 'x-report'), 'ok|50000');
    // The instance that breached serves the next event.
    const after = await kong.runPhase(big.Id, 'rewrite', (c) => (c.Method === 'kong.request.get_raw_body' ? 'abc' : undefined));
    assert.equal(header(after, 'x-report'), 'ok|3');
    // One more breach: its line is the mark that the shard logged all the events above would have.
    const mark = await kong.runPhase(big.Id, 'access', () => undefined);
    const all = await server.waitForLogs('limit.breach', 3, 10_000, breachOf('payload', big.Id));
    assert.deepEqual(all.map((l) => l.eventId), [bigArg.eventId, bigResult.eventId, mark.eventId]);
    assert.equal(linesOf(server, 'limit.breach', breachOf('payload', small.Id)).length, 0);
  });

  test('--max-payload-size counts the bytes Kong would get: 40 000 × "€" (120 000 UTF-8 bytes) is over 100 000', {
  }, async () => {
    const inst = await kong.startInstance('quota-payload', { size: 40_000, char: '€' });
    const run = await alongside(server, neighbour, 'utf8', () => kong.runPhase(inst.Id, 'access', () => undefined));
    assert.deepEqual(run.calls.map((c) => c.Args[0]), ['x-report']);
    assert.match(header(run, 'x-report'), /--max-payload-size/);
  });

  test('--max-events-per-instance: event N+1 while N are in flight gets the failure answer (log phase: "ret"); the N finish; the instance lives on', async () => {
    const held = await kong.startInstance('echo-header');
    const firsts: Array<{ EventId: number; Data: PdkCall }> = [];
    for (let i = 0; i < 20; i++) firsts.push(await kong.call('plugin.HandleEvent', { InstanceId: held.Id, EventName: 'access' }));
    for (const f of firsts) assert.deepEqual(f.Data, { Method: GET_HEADER, Args: ['x-in'] });
    assert.equal((await kong.call('plugin.InstanceStatus', held.Id)).Stats.EventsInFlight, 20);

    const [access, log] = await alongside(server, neighbour, 'events', async () => [
      await kong.call('plugin.HandleEvent', { InstanceId: held.Id, EventName: 'access' }),
      await kong.call('plugin.HandleEvent', { InstanceId: held.Id, EventName: 'log' }),
    ]);
    assert.deepEqual(access.Data, EXIT_500);
    assert.equal(log.Data, 'ret'); // without the cap, the log handler would call kong.log.info
    const lines = await server.waitForLogs('limit.breach', 2, 10_000, breachOf('events_in_flight', held.Id));
    assert.match(lines[0]!.msg, /more than 20 events at once on one instance \(--max-events-per-instance\)/);

    // The 20 held events were not disturbed.
    for (const [i, f] of firsts.entries()) {
      const next = await kong.call('plugin.Step', { EventId: f.EventId, Data: `held${i}` });
      assert.deepEqual(next.Data, { Method: 'kong.response.set_header', Args: ['x-out', `held${i}`] });
      assert.equal((await kong.call('plugin.Step', { EventId: f.EventId })).Data, 'ret');
    }
    assert.equal((await kong.call('plugin.InstanceStatus', held.Id)).Stats.EventsInFlight, 0);
    await neighbourBurst(server, held.Id, 'held-after');
  });

  test('--memory-warn-ratio: a heap that crosses the ratio logs one memory_soft breach per crossing; the instance is not stopped', async () => {
    const inst = await kong.startInstance('quota-memory');
    const ratioAfter = async (grow: string): Promise<number> => {
      const run = await kong.runPhase(inst.Id, 'access', (c) => (c.Method === GET_HEADER ? grow : c.Method === 'kong.node.get_memory_stats' ? {} : undefined));
      return JSON.parse(header(run, 'x-stats')).sandbox.heap_used_ratio as number;
    };
    const soft = () => linesOf(server, 'limit.breach', breachOf('memory_soft', inst.Id));
    // The heap sampler's rounds on the instance's shard, seen in its -vv line heap.sampled: a round
    // may be under way when this is called, so `rounds` complete ones after now take rounds + 1 lines.
    const { Shards } = await kong.call('plugin.GetStatus');
    const shard = (Shards as Array<{ Shard: number; Plugins: string[] }>).find((s) => s.Plugins.includes('quota-memory'))!.Shard;
    const sampled = (l: LogLine) => l.shard === shard;
    const sampleRounds = async (rounds: number) => {
      const seen = linesOf(server, 'heap.sampled', sampled).length;
      await server.waitForLogs('heap.sampled', seen + rounds + 1, 10_000, sampled);
    };
    assert.ok((await ratioAfter('0')) < 0.5);

    let ratio = 0;
    await alongside(server, neighbour, 'soft', async () => {
      for (const mb of ['5', '5', '5', '5']) ratio = await ratioAfter(mb);
    });
    assert.ok(ratio >= 0.5 && ratio < 0.95, `heap at ${ratio} of its limit`);
    const [first] = await server.waitForLogs('limit.breach', 1, 3000, breachOf('memory_soft', inst.Id));
    assert.match(first!.msg, /^heap [\d.]+ MB is \d+ % of its 3\d MB limit \(--memory-warn-ratio 0\.5\)$/);
    await sampleRounds(2); // two more samples over the ratio: still one warning
    assert.equal(soft().length, 1);

    // Back under the ratio: drop it all, then grow 10 MB. Dropped memory stays on the heap until V8
    // needs the room; growing by 10 MB from above half the limit forces the full collection.
    await ratioAfter('free');
    ratio = await ratioAfter('10');
    for (let i = 0; i < 3 && ratio >= 0.5; i++) {
      await ratioAfter('free');
      ratio = await ratioAfter('10');
    }
    assert.ok(ratio < 0.5, `heap at ${ratio} of its limit after freeing`);
    await sampleRounds(1); // a sample under the ratio ends the crossing
    assert.equal(soft().length, 1);
    ratio = await ratioAfter('10');
    assert.ok(ratio >= 0.5, `heap at ${ratio} of its limit`);
    await server.waitForLogs('limit.breach', 2, 3000, breachOf('memory_soft', inst.Id));

    // Not stopped, and the warning is on record; the neighbour (tiny heap) never warned.
    assert.ok((await ratioAfter('0')) >= 0.5);
    const status = await kong.call('plugin.InstanceStatus', inst.Id);
    assert.equal(status.LastBreach.Kind, 'memory_soft');
    assert.ok(status.Stats.HeapFraction >= 0.5);
    assert.equal(linesOf(server, 'instance.killed', (l) => l.instance === inst.Id).length, 0);
    assert.equal(linesOf(server, 'limit.breach', (l) => l.instance === neighbour).length, 0);
    assert.equal((await pluginStatus(kong, 'quota-memory')).Restarts, 0);
  });

  test('kong.node.getMemoryStats() gives the plugin Kong\'s map unchanged plus a sandbox section with its own figures', async () => {
    const kongStats = {
      lua_shared_dicts: { kong: { allocated_slabs: 12288, capacity: 5242880 }, kong_db_cache: { allocated_slabs: 12288, capacity: 134217728 } },
      workers_lua_vms: [{ http_allocated_gc: 1102, pid: 18004 }, { http_allocated_gc: 1100, pid: 18005 }],
      site: 'kong',
    };
    const inst = await kong.startInstance('quota-memory');
    const statsAfter = async (grow: string) => {
      const run = await kong.runPhase(inst.Id, 'access', (c) => (c.Method === GET_HEADER ? grow : c.Method === 'kong.node.get_memory_stats' ? kongStats : undefined));
      assert.deepEqual(run.calls.map((c) => c.Method), [GET_HEADER, 'kong.node.get_memory_stats', 'kong.response.set_header']);
      return JSON.parse(header(run, 'x-stats')) as { sandbox: Record<string, number> } & Record<string, unknown>;
    };
    const first = await statsAfter('0');
    const { sandbox, ...fromKong } = first;
    assert.deepEqual(fromKong, kongStats);
    assert.deepEqual(Object.keys(sandbox).sort(), SANDBOX_KEYS);
    for (const k of SANDBOX_KEYS) assert.equal(typeof sandbox[k], 'number', k);
    assert.equal(sandbox.instance_id, inst.Id);
    assert.equal(sandbox.cpu_budget_ms, 150);
    assert.ok(sandbox.heap_limit! >= 32 * MiB && sandbox.heap_limit! <= 48 * MiB, `heap_limit ${sandbox.heap_limit}`);
    assert.ok(sandbox.heap_used! > 0 && sandbox.heap_used! <= sandbox.heap_total!);
    assert.ok(Math.abs(sandbox.heap_used_ratio! - sandbox.heap_used! / sandbox.heap_limit!) < 1e-9);
    assert.ok(sandbox.cpu_time_ms! > 0);

    const second = (await statsAfter('6')).sandbox;
    assert.ok(second.heap_used! - sandbox.heap_used! >= 5 * MiB, `heap_used ${sandbox.heap_used} → ${second.heap_used} after retaining 6 MB`);
    assert.ok(second.cpu_time_ms! > sandbox.cpu_time_ms!);
    assert.equal(second.heap_limit, sandbox.heap_limit);
    const status = await kong.call('plugin.InstanceStatus', inst.Id);
    assert.equal(status.Stats.HeapLimit, sandbox.heap_limit);
    assert.ok(status.Stats.HeapUsed >= sandbox.heap_used! + 5 * MiB);
  });

  test('InstanceStatus and GetStatus report an instance\'s known load: 5 events × 2 PDK calls, then one in flight', async () => {
    const inst = await kong.startInstance('echo-header', { prefix: 'p-' });
    const fresh = await kong.call('plugin.InstanceStatus', inst.Id);
    assert.deepEqual(Object.keys(fresh).sort(), ['Config', 'Id', 'LastBreach', 'Name', 'StartTime', 'Stats']);
    assert.deepEqual(Object.keys(fresh.Stats).sort(), STATS_KEYS);
    assert.equal(fresh.Stats.EventsServed, 0);
    assert.equal(fresh.Stats.PdkCalls, 0);

    for (let i = 0; i < 5; i++) {
      const run = await kong.runPhase(inst.Id, 'access', (c) => (c.Method === GET_HEADER ? `v${i}` : undefined));
      assert.equal(header(run, 'x-out'), `p-v${i}`);
    }
    const st = await kong.call('plugin.InstanceStatus', inst.Id);
    assert.equal(st.Name, 'echo-header');
    assert.equal(st.Id, inst.Id);
    assert.equal(st.Config.prefix, 'p-');
    assert.equal(st.StartTime, inst.StartTime);
    assert.equal(st.LastBreach, null);
    const s = st.Stats;
    assert.equal(s.InstanceId, inst.Id);
    assert.equal(s.Plugin, 'echo-header');
    assert.equal(s.EventsServed, 5);
    assert.equal(s.PdkCalls, 10);
    assert.equal(s.EventsInFlight, 0);
    assert.equal(s.Generation, 1);
    assert.equal(s.CpuBudgetMs, 150);
    assert.ok(s.HeapLimit >= 32 * MiB && s.HeapLimit <= 48 * MiB, `HeapLimit ${s.HeapLimit}`);
    assert.ok(s.HeapUsed > 0 && s.HeapUsed <= s.HeapTotal);
    assert.equal(s.HeapFraction, s.HeapUsed / s.HeapLimit);
    assert.ok(s.CpuTimeMs > 0 && s.CpuTimeMs < 5 * 150, `CpuTimeMs ${s.CpuTimeMs}`);

    // One more event, held by Kong between its two calls.
    const held = await kong.call('plugin.HandleEvent', { InstanceId: inst.Id, EventName: 'access' });
    const during = (await kong.call('plugin.InstanceStatus', inst.Id)).Stats;
    assert.equal(during.EventsInFlight, 1);
    assert.equal(during.PdkCalls, 11);
    await kong.call('plugin.Step', { EventId: held.EventId, Data: 'last' });
    assert.equal((await kong.call('plugin.Step', { EventId: held.EventId })).Data, 'ret');

    const plugin = await pluginStatus(kong, 'echo-header');
    const mine = plugin.Instances.find((i) => i.Id === inst.Id);
    assert.ok(mine, 'GetStatus lists the instance');
    assert.deepEqual(Object.keys(mine).sort(), ['Config', 'Id', 'LastBreach', 'Name', 'StartTime', 'Stats']);
    assert.equal(mine.LastBreach, null);
    assert.equal(mine.Stats!.EventsServed, 6);
    assert.equal(mine.Stats!.PdkCalls, 12);
    assert.equal(mine.Stats!.EventsInFlight, 0);
    for (const k of ['Breaches', 'Restarts', 'LastBreach']) assert.ok(k in plugin, k);
  });
});

describe('quotas with the default limits', () => {
  // Room for a 50 MB string in one instance's heap.
  let server: ServerProcess;
  let kong: KongClient;
  let neighbour: number;

  before(async () => ({ server, kong, neighbour } = await startWithNeighbour(['--shards', '2', '--memory-limit', '256'])));
  after(async () => {
    kong?.close();
    await server?.stop();
  });

  test('--cpu-limit (100 ms) counts all slices of an event: (PDK call + 10 ms loop) repeated is stopped, 5 × is not', async () => {
    const within = await kong.startInstance('quota-cpu', { mode: 'slices', calls: 5 });
    const ok = await kong.runPhase(within.Id, 'access', () => 'v');
    assert.equal(count(ok, GET_HEADER), 5);
    assert.equal(header(ok, 'x-done'), 'slices');

    // The loop is timed by the clock: on a busy machine a slice costs less CPU and more of them run
    // before the budget is spent. Unbounded here, so only the budget can end it.
    const over = await kong.startInstance('quota-cpu', { mode: 'slices', calls: 100_000 });
    const run = await alongside(server, neighbour, 'slices', () => kong.runPhase(over.Id, 'access', () => 'v'));
    assert.deepEqual(run.exited, EXIT_500);
    const slices = count(run, GET_HEADER);
    // No single 10 ms slice is over the budget: only their sum is.
    assert.ok(slices >= 5, `stopped after ${slices} slices`);
    await assert.rejects(kong.call('plugin.HandleEvent', { InstanceId: over.Id, EventName: 'access' }), { message: `No plugin instance ${over.Id}` });
    const killed = await server.waitForLog('instance.killed', (l) => l.instance === over.Id);
    assert.equal(killed.kind, 'cpu');
    assert.match(killed.msg, /100 ms CPU budget \(--cpu-limit\)/);
    const used = Number(/used (\d+) ms of isolate CPU/.exec(String(killed.msg))?.[1]);
    assert.ok(used >= 100 && used < 100 + 10 + 40, `judged on the CPU of all its slices: ${String(killed.msg)}`);

    const again = await kong.startInstance('quota-cpu', { mode: 'slices', calls: 5 });
    assert.equal(header(await kong.runPhase(again.Id, 'access', () => 'v'), 'x-done'), 'slices');
  });

  for (const [mode, what] of [['before', 'a loop before the first PDK call'], ['after', 'a loop after an awaited PDK call']] as const) {
    test(`--cpu-limit stops ${what} within the budget: access gets the 500, log gets "ret"; the instance is gone`, async () => {
      for (const phase of ['access', 'log']) {
        const inst = await kong.startInstance('quota-cpu', { mode, loopMs: 10_000 });
        const t0 = Date.now();
        const run = await alongside(server, neighbour, `${mode}-${phase}`, () => kong.runPhase(inst.Id, phase, () => 'v'));
        const ms = Date.now() - t0;
        assert.ok(ms < stoppedWithinMs(100), `${phase}: answered after ${ms} ms`);
        const before = mode === 'after' ? [{ Method: GET_HEADER, Args: ['x-after'] }] : [];
        if (phase === 'access') {
          assert.deepEqual(run.calls, [...before, EXIT_500]);
        } else {
          assert.deepEqual(run.calls, before);
          assert.equal(run.exited, null);
        }
        await assert.rejects(kong.call('plugin.HandleEvent', { InstanceId: inst.Id, EventName: phase }), { message: `No plugin instance ${inst.Id}` });
        const killed = await server.waitForLog('instance.killed', (l) => l.instance === inst.Id);
        assert.equal(killed.kind, 'cpu');
        assert.match(killed.msg, /CPU budget \(--cpu-limit\)/);
      }
    });
  }

  test('--max-payload-size defaults to 16 MiB: a 50 MB argument fails in the plugin and is never sent', async () => {
    const inst = await kong.startInstance('quota-payload', { size: 50_000_000 });
    const run = await alongside(server, neighbour, 'payload50', () => kong.runPhase(inst.Id, 'access', () => undefined));
    assert.deepEqual(run.calls.map((c) => c.Args[0]), ['x-report']);
    assert.match(header(run, 'x-report'), /^PDKError\|PDK method kong\.response\.set_header failed: +arguments larger than 16777216 bytes \(--max-payload-size\)$/);
    const [line] = await server.waitForLogs('limit.breach', 1, 10_000, breachOf('payload', inst.Id));
    assert.equal(line!.eventId, run.eventId);
    assert.match(line!.msg, /16777216 bytes \(--max-payload-size\)/);
    assert.equal((await kong.call('plugin.InstanceStatus', inst.Id)).LastBreach.Kind, 'payload');
  });

  test('--max-pdk-calls defaults to 1000 and --max-pending-calls to 100', async () => {
    const flooder = await kong.startInstance('quota-flooder');
    const pending = await kong.startInstance('quota-pending', { count: 150 });
    const other = server.client();
    const [flood, burst] = await alongside(server, neighbour, 'defaults', () =>
      Promise.all([kong.runPhase(flooder.Id, 'access', () => 'v'), other.runPhase(pending.Id, 'access', () => 'v')]),
    ).finally(() => other.close());
    assert.equal(count(flood, GET_HEADER), 1000);
    const [line] = await server.waitForLogs('limit.breach', 1, 10_000, breachOf('pdk_calls', flooder.Id));
    assert.match(line!.msg, /more than 1000 PDK calls in one event/);

    const [fulfilled, rejected, first] = header(burst, 'x-report').split('|');
    assert.equal(Number(fulfilled), count(burst, GET_HEADER));
    assert.equal(Number(fulfilled) + Number(rejected), 150);
    assert.equal(`${fulfilled}|${rejected}`, '100|50', 'of 150 calls issued at once, exactly the default --max-pending-calls (100) reach Kong');
    assert.match(first!, /more than 100 PDK calls queued at once \(--max-pending-calls\)/);
    await server.waitForLogs('limit.breach', 1, 10_000, breachOf('pending_calls', pending.Id));
  });
});

describe('quotas with isolates in the server process (--shards 0)', () => {
  // The same slices as in a shard, run on the server's own thread: concurrent events interleave on
  // one isolate, and each is charged only its own slices.
  let server: ServerProcess;
  let kong: KongClient;
  let neighbour: number;

  before(async () => ({ server, kong, neighbour } = await startWithNeighbour(['--shards', '0'])));
  after(async () => {
    kong?.close();
    await server?.stop();
  });

  test('the CPU budget is per event: four events at once on one instance, each well under budget, all finish', {
  }, async () => {
    // 3 × 20 ms: 60 ms of each event's 100 ms budget.
    for (let round = 1; round <= 3; round++) {
      const inst = await kong.startInstance('quota-cpu', { mode: 'slices', calls: 3, sliceMs: 20 });
      assert.equal(header(await kong.runPhase(inst.Id, 'access', () => 'v'), 'x-done'), 'slices', 'alone, it is within budget');
      const clients = [1, 2, 3, 4].map(() => server.client());
      try {
        const runs = await alongside(server, neighbour, `four${round}`, () => Promise.all(clients.map((c) => c.runPhase(inst.Id, 'access', () => 'v'))));
        for (const run of runs) {
          assert.equal(run.exited, null, `round ${round}: ${JSON.stringify(run.exited)}`);
          assert.equal(header(run, 'x-done'), 'slices');
        }
      } finally {
        for (const c of clients) c.close();
      }
    }
  });
});
