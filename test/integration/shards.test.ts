// Process shards: a plugin whose V8 failure aborts or bloats its process takes down only its own
// shard; the neighbour on another shard never notices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServerProcess } from '../../kong-driver/server-process.ts';
import { EXIT_500, type KongClient } from '../../kong-driver/kong-client.ts';
import { stoppedWithinMs } from '../helpers/cpu-stop.ts';

interface ShardInfo {
  Shard: number;
  Kind: string;
  Pid: number | null;
  Plugins: string[];
  Restarts: number;
}

async function shards(kong: KongClient): Promise<ShardInfo[]> {
  return (await kong.call('plugin.GetStatus')).Shards;
}

/** 20 concurrent events on the neighbour, each answered correctly. */
async function neighbourBurst(server: ServerProcess, id: number, tag: string): Promise<void> {
  await Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      const c = server.client();
      const run = await c.runPhase(id, 'access', (call) => (call.Method === 'kong.request.get_header' ? `${tag}${i}` : undefined));
      assert.deepEqual(run.calls[1], { Method: 'kong.response.set_header', Args: ['x-out', `${tag}${i}`] });
      c.close();
    }),
  );
}

test('a plugin that aborts its shard: policy answer when the shard dies (not at the 60 s event deadline), restart, quarantine after three; the neighbour shard never restarts', async () => {
  const server = await ServerProcess.start({ args: ['--shards', '2', '--memory-limit', '16', '--kill-grace', '200'] });
  const kong = server.client();
  try {
    const neighbour = await kong.startInstance('echo-header');
    const before = await shards(kong);
    const neighbourShard = before.find((s) => s.Plugins.includes('echo-header'))!;
    for (let crash = 1; crash <= 3; crash++) {
      const hostile = await kong.startInstance('aborter');
      const layout = await shards(kong);
      const hostileShard = layout.find((s) => s.Plugins.includes('aborter'))!;
      assert.notEqual(hostileShard.Shard, neighbourShard.Shard);
      const t0 = Date.now();
      const timed = kong.call('plugin.HandleEvent', { InstanceId: hostile.Id, EventName: 'access' }).then((a) => ({ a, ms: Date.now() - t0 }));
      const [{ a: answer, ms }] = await Promise.all([timed, neighbourBurst(server, neighbour.Id, `c${crash}-`)]);
      assert.deepEqual(answer.Data, EXIT_500);
      // the plugin's own work until V8 aborts takes a while on a busy machine; the deadline is 60 s
      assert.ok(ms < 10_000, `answered after ${ms} ms`);
      await assert.rejects(kong.call('plugin.HandleEvent', { InstanceId: hostile.Id, EventName: 'access' }), { message: `No plugin instance ${hostile.Id}` });
    }
    const died = await server.waitForLogs('shard.died', 3);
    assert.equal(died.length, 3);
    assert.ok(died.every((d) => (d.plugins as string[]).includes('aborter')));
    const q = server.logsOf('plugin.quarantined');
    assert.equal(q.length, 1);
    assert.equal(q[0]!.plugin, 'aborter');
    // From now on the plugin runs alone; a new instance starts and the neighbour is untouched.
    const after = await kong.startInstance('aborter');
    const layout = await shards(kong);
    const quarantine = layout.find((s) => s.Kind === 'quarantine')!;
    assert.deepEqual(quarantine.Plugins, ['aborter']);
    assert.ok(after.Id > 0);
    const n = layout.find((s) => s.Shard === neighbourShard.Shard)!;
    assert.equal(n.Restarts, 0);
    assert.equal(n.Pid, neighbourShard.Pid);
    assert.deepEqual((await kong.call('plugin.GetStatus')).Quarantined, ['aborter']);
    await neighbourBurst(server, neighbour.Id, 'end-');
  } finally {
    kong.close();
    await server.stop();
  }
});

test('a shard that passes --shard-memory-limit is replaced like a crash; the neighbour keeps serving', async () => {
  // A long --kill-grace, so that the memory cap (not the hung-call watchdog) is what stops it.
  const server = await ServerProcess.start({ args: ['--shards', '2', '--memory-limit', '16', '--shard-memory-limit', '400', '--kill-grace', '60000'] });
  const kong = server.client();
  try {
    const neighbour = await kong.startInstance('echo-header');
    const hostile = await kong.startInstance('grower');
    const [answer] = await Promise.all([
      kong.call('plugin.HandleEvent', { InstanceId: hostile.Id, EventName: 'access' }),
      neighbourBurst(server, neighbour.Id, 'm'),
    ]);
    assert.deepEqual(answer.Data, EXIT_500);
    const capped = await server.waitForLogs('shard.memory_limit');
    assert.equal(capped[0]!.limitMb, 404); // 400 + 4 MB for the one instance on that shard
    const died = await server.waitForLogs('shard.died');
    assert.equal(died.length, 1);
    assert.match(died[0]!.msg, /passed --shard-memory-limit 400 MB \+ 4 MB per instance = 404 MB/);
    await assert.rejects(kong.call('plugin.HandleEvent', { InstanceId: hostile.Id, EventName: 'access' }), { message: `No plugin instance ${hostile.Id}` });
    await neighbourBurst(server, neighbour.Id, 'after');
  } finally {
    kong.close();
    await server.stop();
  }
});

test('a call that will not stop (a long builtin V8 does not interrupt) gets its shard killed after --kill-grace', async () => {
  const server = await ServerProcess.start({ args: ['--shards', '2', '--memory-limit', '16', '--cpu-limit', '100', '--kill-grace', '300', '--shard-memory-limit', '100000'] });
  const kong = server.client();
  try {
    const neighbour = await kong.startInstance('echo-header');
    const hostile = await kong.startInstance('grower');
    const t0 = Date.now();
    const answer = await kong.call('plugin.HandleEvent', { InstanceId: hostile.Id, EventName: 'access' });
    const ms = Date.now() - t0;
    assert.deepEqual(answer.Data, EXIT_500);
    // the slice's timeout (stretched on a busy machine), then --kill-grace
    assert.ok(ms < stoppedWithinMs(100) + 300, `answered after ${ms} ms`);
    // the shard's watchdog thread names the plugin, then the supervisor sees the shard die
    const hung = await server.waitForLog('isolate.hung', (l) => l.plugin === 'grower');
    assert.equal(hung.instance, hostile.Id);
    assert.match(hung.msg, /past its 100 ms limit/);
    await server.waitForLog('shard.died', (l) => (l.plugins as string[]).includes('grower'));
    await neighbourBurst(server, neighbour.Id, 'h');
  } finally {
    kong.close();
    await server.stop();
  }
});

test('--placement dedicated=NAME gives a plugin a shard of its own; spread puts each plugin\'s instances together', async () => {
  const server = await ServerProcess.start({ args: ['--shards', '2', '--placement', 'dedicated=echo-header'] });
  const kong = server.client();
  try {
    await kong.startInstance('echo-header');
    await kong.startInstance('config-echo');
    await kong.startInstance('config-echo');
    await kong.startInstance('memory');
    const layout = await shards(kong);
    const own = layout.filter((s) => s.Kind === 'dedicated');
    assert.equal(own.length, 1);
    assert.deepEqual(own[0]!.Plugins, ['echo-header']);
    const general = layout.filter((s) => s.Kind === 'general');
    assert.equal(general.length, 2);
    const holders = general.filter((s) => s.Plugins.includes('config-echo'));
    assert.equal(holders.length, 1);
    assert.equal((holders[0] as ShardInfo & { Instances: number }).Instances, 2);
    assert.ok(general.every((s) => !s.Plugins.includes('echo-header')));
    // spread: the second plugin goes to the other general shard
    assert.notDeepEqual(general.find((s) => s.Plugins.includes('memory'))!.Shard, holders[0]!.Shard);
  } finally {
    kong.close();
    await server.stop();
  }
});

test('--placement balance: instances of one plugin started together spread over the shards and each serves; dedicated still applies', async () => {
  const server = await ServerProcess.start({ args: ['--shards', '2', '--placement', 'balance', '--placement', 'dedicated=echo-header'] });
  const kong = server.client();
  try {
    // as Kong's workers do: one instance each, all at once
    const started = await Promise.all([1, 2, 3, 4].map((w) => kong.startInstance('config-echo', { worker: w })));
    await kong.startInstance('echo-header');
    const layout = await shards(kong);
    const general = layout.filter((s) => s.Kind === 'general') as Array<ShardInfo & { Instances: number }>;
    assert.deepEqual(general.map((s) => s.Instances), [2, 2], JSON.stringify(layout));
    assert.ok(general.every((s) => s.Plugins.includes('config-echo')));
    assert.deepEqual(layout.filter((s) => s.Kind === 'dedicated').map((s) => s.Plugins), [['echo-header']]);
    for (const inst of started) {
      const run = await kong.runPhase(inst.Id, 'access', () => 'x');
      assert.equal(run.exited, null, JSON.stringify(run.calls));
    }
  } finally {
    kong.close();
    await server.stop();
  }
});

test('--placement spread and balance together are refused with one line', async () => {
  await assert.rejects(ServerProcess.start({ args: ['--placement', 'spread', '--placement', 'balance'] }), /exclude each other/);
});

test('--shards 0 runs isolates in the supervisor (measurement mode) and says it is unsafe', async () => {
  const server = await ServerProcess.start({ args: ['--shards', '0'] });
  const kong = server.client();
  try {
    const inst = await kong.startInstance('echo-header');
    const run = await kong.runPhase(inst.Id, 'access', () => 'x');
    assert.equal(run.calls.length, 2);
    assert.deepEqual((await kong.call('plugin.GetStatus')).Shards, []);
    assert.equal(server.logsOf('server.unsafe').length, 1);
  } finally {
    kong.close();
    await server.stop();
  }
});

test('--isolate-pool: instances start from isolates a shard built ahead, one each; 0 builds every isolate on demand', async () => {
  for (const [pool, expectPooled] of [['2', true], ['0', false]] as const) {
    const server = await ServerProcess.start({ args: ['--shards', '1', '--isolate-pool', pool, '-vv'] });
    const kong = server.client();
    try {
      // With a pool, each start waits until the shard has filled it (at start-up, then after each
      // start took one); a pool of 0 never fills, and every isolate is built on demand.
      const started: number[] = [];
      for (let i = 0; i < 3; i++) {
        if (expectPooled) await server.waitForLogs('isolate_pool.filled', i + 1);
        started.push((await kong.startInstance('config-echo', { n: i })).Id);
      }
      const built = await server.waitForLogs('isolate.built', 3);
      assert.deepEqual(built.map((l) => l.pooled), [expectPooled, expectPooled, expectPooled]);
      // each instance runs its own constructor's state
      for (const [i, id] of started.entries()) {
        const run = await kong.runPhase(id, 'access', () => undefined);
        assert.equal(run.calls[0]?.Method, 'kong.response.set_header');
        assert.equal(JSON.parse(String(run.calls[0]?.Args[1])).n, i);
      }
    } finally {
      kong.close();
      await server.stop();
    }
  }
});

test('a shard keeps the newest 64 plugin bundles; an instance of an older one still starts (its bundle is sent again)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kps-many-'));
  for (let i = 0; i < 70; i++) {
    fs.writeFileSync(
      path.join(dir, `p${String(i).padStart(2, '0')}.js`),
      `class Plugin { async access(kong) { await kong.response.setHeader('x-plugin', '${i}'); } }\nmodule.exports = { Plugin, Version: '1.0.0', Priority: 1 };\n`,
    );
  }
  const server = await ServerProcess.start({ pluginsDir: dir, args: ['--shards', '1'] });
  const kong = server.client();
  try {
    // Loading described all 70 on the one shard: p00's bundle is no longer there.
    for (const i of [0, 1, 69]) {
      const inst = await kong.startInstance(`p${String(i).padStart(2, '0')}`);
      const run = await kong.runPhase(inst.Id, 'access', () => undefined);
      assert.deepEqual(run.calls[0], { Method: 'kong.response.set_header', Args: ['x-plugin', String(i)] });
    }
  } finally {
    kong.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a constructor that works 6.5 s within --start-timeout 10000 does not get its shard killed as hung', async () => {
  const server = await ServerProcess.start({ args: ['--shards', '1', '--start-timeout', '10000'] });
  const kong = server.client();
  try {
    const inst = await kong.startInstance('slow-start', { ms: 6500 });
    const run = await kong.runPhase(inst.Id, 'access', () => undefined);
    assert.deepEqual(run.calls[0], { Method: 'kong.response.set_header', Args: ['x-ready', 'yes'] });
    assert.equal((await shards(kong))[0]!.Restarts, 0);
    assert.equal(server.logsOf('shard.hung').length, 0);
  } finally {
    kong.close();
    await server.stop();
  }
});
