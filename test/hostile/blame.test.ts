// Hostile family: CPU after an event ends, and crash blame (issue 12, classes 4 and 5).
//
// Class 4: plugin code that runs after Kong abandoned an event (a catch or finally of a rejected PDK
// call, a retry loop, an unawaited catch, a microtask left behind, a chain woken by another event)
// runs under what is left of that event's budget and is counted into it; the module body and the
// metadata read run under the shard's watchdog. CPU is read as isolate CPU time (InstanceStatus
// CpuTimeMs), never wall time.
//
// Class 5: when a shard dies, only the plugin whose code was running is charged: crashes during
// StartInstance, the metadata read, a reload, a later slice or an abandoned event's catch count
// against the attacker, never against a neighbour whose events were in flight on the same shard;
// a dedicated plugin's module body never runs on a shared shard.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Family, stageFamily, EXIT_500, RpcError, headers, reported } from './helpers.ts';
import { ServerProcess } from '../../kong-driver/server-process.ts';
import type { KongClient } from '../../kong-driver/kong-client.ts';
import { stoppedWithinMs } from '../helpers/cpu-stop.ts';
import { until } from '../../kong-driver/until.ts';

const CPU_LIMIT_MS = 100;
// Kong's abandonment comes at --event-timeout. The neighbours share the attackers' shard, whose
// slices may hold its thread for what is left of a budget plus twice the budget of CPU each, which
// a loaded machine stretches by the clock: a neighbour's event must not meet this deadline meanwhile.
const EVENT_TIMEOUT_MS = stoppedWithinMs(CPU_LIMIT_MS);
// a short --start-timeout: a constructor or module body the watchdog must kill costs 700 ms, not 2.5 s
const COMMON = ['--memory-limit', '32', '--cpu-limit', String(CPU_LIMIT_MS), '--start-timeout', '500', '--kill-grace', '200'];
/**
 * Most isolate CPU an instance may show before it is stopped: the slice that passes the budget is
 * interrupted at what was left of it plus twice the budget (wall clock, so at most that in CPU).
 */
const STOPPED_WITHIN_MS = 4 * CPU_LIMIT_MS + 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function cpuOf(f: Family, id: number): Promise<number | null> {
  const s = (await f.stats(id).catch(() => null)) as { CpuTimeMs: number } | null;
  return s ? s.CpuTimeMs : null;
}

describe('CPU after an event ends (class 4)', () => {
  let f: Family;
  before(async () => {
    // one shard: the attackers and the neighbour share it, so a blocked shard thread would show
    f = await Family.start(stageFamily('blame/cpu'), ['--shards', '1', '--event-timeout', String(EVENT_TIMEOUT_MS), ...COMMON]);
  });
  after(async () => {
    await f.stop();
  });

  /**
   * Opens `events` events of `plugin` that each stop at a PDK call Kong never answers, so each is
   * abandoned at --event-timeout; polls the instance's isolate CPU until it is stopped for CPU.
   */
  async function abandonedAndStopped(plugin: string, events: number): Promise<void> {
    const inst = await f.kong.startInstance(plugin);
    await f.attack(async () => {
      for (let i = 0; i < events; i++) {
        const a = await f.kong.call('plugin.HandleEvent', { InstanceId: inst.Id, EventName: 'access' });
        assert.equal(a.Data.Method, 'kong.request.get_header');
      }
      const deadline = Date.now() + EVENT_TIMEOUT_MS + 8000;
      let most = 0;
      for (;;) {
        const killed = f.server.logsOf('instance.killed').find((l) => l.instance === inst.Id);
        if (killed) {
          assert.equal(killed.kind, 'cpu', `stopped for ${killed.kind}: ${killed.msg}`);
          break;
        }
        most = Math.max(most, (await cpuOf(f, inst.Id)) ?? 0);
        assert.ok(most <= STOPPED_WITHIN_MS, `${plugin} used ${most.toFixed(0)} ms of isolate CPU after its events were abandoned (budget ${CPU_LIMIT_MS} ms each)`);
        assert.ok(Date.now() < deadline, `${plugin} was never stopped; isolate CPU ${most.toFixed(0)} ms`);
        await sleep(50);
      }
    });
    await f.assertGone(inst.Id);
  }

  for (const [plugin, title] of [
    ['catch-loop', 'a catch that loops after its PDK call is rejected at abandonment is stopped within the event budget'],
    ['finally-loop', 'a finally that loops after abandonment is stopped within the event budget'],
    ['retry-loop', 'a retry loop made of rejected PDK calls (microtasks only) is stopped within the event budget'],
    ['unawaited-catch', 'an unawaited PDK call whose catch loops, left behind by a handler that returned, is stopped'],
    ['burn-then-unhandled', 'a catch that burns past the budget and ends in an unhandled rejection is counted all the same'],
  ] as const) {
    test(title, () => abandonedAndStopped(plugin, 3));
  }

  test('a catch that is under the budget alone but over what the event left is counted into the event', async () => {
    await abandonedAndStopped('over-left', 1);
    const killed = f.server.logsOf('instance.killed').find((l) => l.msg.includes('over its 100 ms CPU budget'));
    assert.ok(killed, 'the kill does not say the event went over its budget');
  });

  test('cleanup in a finally still runs after abandonment, within the budget, and the instance lives', async () => {
    const inst = await f.kong.startInstance('finally-bounded');
    await f.attack(async () => {
      for (let i = 0; i < 3; i++) await f.kong.call('plugin.HandleEvent', { InstanceId: inst.Id, EventName: 'access' });
      const deadline = Date.now() + EVENT_TIMEOUT_MS + 8000;
      for (;;) {
        const got = reported(await f.kong.runPhase(inst.Id, 'log'));
        if (got.finallies === 3) break;
        assert.ok(Date.now() < deadline, `only ${got.finallies} finally blocks ran`);
        await sleep(100);
      }
    });
    const cpu = (await cpuOf(f, inst.Id))!;
    assert.ok(cpu < 3 * CPU_LIMIT_MS, `isolate CPU ${cpu} ms`);
  });

  test('unhandled-rejection hooks that loop are never called; the abandoned event costs nothing', async () => {
    const inst = await f.kong.startInstance('unhandled-hook');
    await f.attack(async () => {
      await f.kong.call('plugin.HandleEvent', { InstanceId: inst.Id, EventName: 'access' });
      const deadline = Date.now() + EVENT_TIMEOUT_MS + 8000;
      while ((await f.stats(inst.Id)).EventsInFlight > 0) {
        assert.ok(Date.now() < deadline, 'the event was never reaped');
        await sleep(50);
      }
    });
    assert.deepEqual(reported(await f.kong.runPhase(inst.Id, 'log')), { alive: true });
    const cpu = (await cpuOf(f, inst.Id))!;
    assert.ok(cpu < CPU_LIMIT_MS, `isolate CPU ${cpu} ms`);
  });

  test('a then-chain of one event woken in another event\'s slice is stopped by that event\'s budget', async () => {
    const inst = await f.kong.startInstance('wake-spin');
    const [waiting, waking] = await f.attack(async () => {
      const first = f.kong.call('plugin.HandleEvent', { InstanceId: inst.Id, EventName: 'access' });
      // the first event is in the server (parked on its promise) before the one that wakes it is sent
      await until(async () => (await f.stats(inst.Id)).EventsInFlight > 0, 'the first event arriving');
      const second = await f.kong.call('plugin.HandleEvent', { InstanceId: inst.Id, EventName: 'rewrite' });
      return [await first, second];
    });
    assert.deepEqual(waking.Data, EXIT_500);
    assert.deepEqual(waiting.Data, EXIT_500);
    const killed = await f.server.waitForLog('instance.killed', (l) => l.instance === inst.Id);
    assert.equal(killed.kind, 'cpu');
  });

  test('a microtask that loops after the handler returned is stopped within the event budget', async () => {
    const inst = await f.kong.startInstance('microtask-after-ret');
    const a = await f.attack(() => f.kong.call('plugin.HandleEvent', { InstanceId: inst.Id, EventName: 'access' }));
    assert.deepEqual(a.Data, EXIT_500);
    const killed = await f.server.waitForLog('instance.killed', (l) => l.instance === inst.Id);
    assert.equal(killed.kind, 'cpu');
  });
});

test('--shards 0 (isolates in the server process): an abandoned event\'s looping catch is stopped within its budget too', async () => {
  const f = await Family.start(stageFamily('blame/cpu'), ['--shards', '0', '--event-timeout', String(EVENT_TIMEOUT_MS), ...COMMON]);
  try {
    const inst = await f.kong.startInstance('catch-loop');
    await f.kong.call('plugin.HandleEvent', { InstanceId: inst.Id, EventName: 'access' });
    const deadline = Date.now() + EVENT_TIMEOUT_MS + 8000;
    let most = 0;
    while (!f.server.logsOf('instance.killed').some((l) => l.instance === inst.Id && l.kind === 'cpu')) {
      most = Math.max(most, (await cpuOf(f, inst.Id)) ?? 0);
      assert.ok(most <= STOPPED_WITHIN_MS, `catch-loop used ${most.toFixed(0)} ms of isolate CPU after its event was abandoned`);
      assert.ok(Date.now() < deadline, 'catch-loop was never stopped');
      await sleep(50);
    }
    await f.whileNeighbourServes(async () => {});
  } finally {
    await f.stop();
  }
});

test('the metadata read runs under the shard watchdog and on the plugin\'s own placement; its crashes are charged to it', async () => {
  // one general shard, shared by the neighbour and two attackers; one attacker with a shard of its own
  const f = await Family.start(stageFamily('blame/metadata'), ['--shards', '1', ...COMMON, '--placement', 'dedicated=body-fill-dedicated']);
  try {
    const general = (await f.status()).Shards.find((s) => s.Kind === 'general')!;
    // a module body, and a Schema getter read after it, that V8 cannot interrupt: the watchdog kills
    // the shard at --start-timeout + --kill-grace (not the heartbeat, seconds later), charged to them
    for (const plugin of ['body-fill', 'schema-getter-fill']) {
      await f.server.waitForLog('plugin.load_failed', (l) => l.plugin === plugin);
      const died = f.server.logsOf('shard.died').filter((l) => l.shard === general.Shard && (l.plugins as string[]).includes(plugin));
      assert.equal(died.length, 1, `no death of the shared shard was charged to ${plugin}`);
      assert.deepEqual(died[0]!.plugins, [plugin]);
      const hung = f.server.logsOf('isolate.hung').filter((l) => l.plugin === plugin);
      assert.equal(hung.length, 1, `the watchdog did not stop ${plugin}'s metadata read`);
    }
    // the dedicated plugin's module body died on its own shard; the shared one restarted only for the two above
    await f.server.waitForLog('plugin.load_failed', (l) => l.plugin === 'body-fill-dedicated');
    const own = f.server.logsOf('shard.died').filter((l) => (l.plugins as string[]).includes('body-fill-dedicated'));
    assert.equal(own.length, 1);
    assert.notEqual(own[0]!.shard, general.Shard, 'a dedicated plugin\'s module body ran on the shared shard');
    assert.equal((await f.status()).Shards.find((s) => s.Shard === general.Shard)!.Restarts, 2);
    await f.attack(async () => {
      await assert.rejects(f.kong.startInstance('body-fill'), /not loaded/);
    });
  } finally {
    await f.stop();
  }
});

/** Neighbour events on two connections until stopped; the shard may die under them, nothing else may go wrong. */
class NeighbourLanes {
  readonly #server: ServerProcess;
  readonly #kong: KongClient;
  id = 0;
  ok = 0;
  /** events answered by the failure policy because the shard died under them (they were in flight) */
  lost = 0;
  #stop = false;
  #lanes: Promise<void>[] = [];

  constructor(server: ServerProcess, kong: KongClient) {
    this.#server = server;
    this.#kong = kong;
  }

  async start(): Promise<void> {
    this.id = (await this.#kong.startInstance('neighbour', { prefix: 'n:' })).Id;
    this.#stop = false;
    this.#lanes = [0, 1].map((n) => this.#lane(n));
  }

  /** Resolves once the neighbour answered one more event correctly (it is up and serving again). */
  async serving(): Promise<void> {
    const from = this.ok;
    const deadline = Date.now() + 15_000;
    while (this.ok === from) {
      assert.ok(Date.now() < deadline, 'the neighbour did not serve again');
      await sleep(20);
    }
  }

  async stop(): Promise<void> {
    this.#stop = true;
    await Promise.all(this.#lanes);
  }

  async #lane(n: number): Promise<void> {
    const client = this.#server.client();
    try {
      for (let i = 0; !this.#stop; i++) {
        const id = this.id;
        try {
          const run = await client.runPhase(id, 'access', headers({ 'x-in': `${n}-${i}` }));
          if (run.exited) {
            assert.deepEqual(run.exited, EXIT_500, 'the neighbour got an answer other than the failure policy\'s');
            this.lost++;
          } else {
            assert.deepEqual(run.calls[1], { Method: 'kong.response.set_header', Args: ['x-out', `n:${n}-${i}`] });
            this.ok++;
          }
        } catch (err) {
          // its shard died: Kong starts the instance again (one lane does it) and goes on
          if (!(err instanceof RpcError) || !/No plugin instance|No running event|shard/i.test(err.message)) throw err;
          if (this.id === id) this.id = await this.#restart();
        }
      }
    } finally {
      client.close();
    }
  }

  async #restart(): Promise<number> {
    for (;;) {
      try {
        return (await this.#kong.startInstance('neighbour', { prefix: 'n:' })).Id;
      } catch {
        await sleep(50);
      }
    }
  }
}

interface Status {
  Shards: Array<{ Shard: number; Kind: string; Plugins: string[]; Restarts: number }>;
  Quarantined: string[];
}

describe('crash blame (class 5)', () => {
  test('a constructor that kills the shard is charged and quarantined; the neighbour in flight on that shard never is', async () => {
    const dir = stageFamily('blame/crash');
    const server = await ServerProcess.start({ pluginsDir: dir, args: ['--shards', '1', ...COMMON] });
    const kong = server.client();
    const lanes = new NeighbourLanes(server, kong);
    try {
      const general = ((await kong.call('plugin.GetStatus')) as Status).Shards.find((s) => s.Kind === 'general')!;
      await lanes.start();
      for (let crash = 1; crash <= 3; crash++) {
        await lanes.serving();
        await assert.rejects(kong.startInstance('ctor-fill'));
        await server.waitForLogs('shard.died', crash, 15_000, (l) => l.shard === general.Shard);
      }
      const q = await server.waitForLog('plugin.quarantined', (l) => l.plugin === 'ctor-fill', 15_000);
      assert.equal(q.plugin, 'ctor-fill');
      await lanes.stop();

      const died = server.logsOf('shard.died').filter((l) => l.shard === general.Shard);
      assert.equal(died.length, 3);
      for (const d of died) assert.deepEqual(d.plugins, ['ctor-fill']);
      assert.ok(lanes.lost > 0, 'no neighbour event was in flight when the shard died: the test proves nothing');
      assert.ok(lanes.ok > 0);
      const end: Status = await kong.call('plugin.GetStatus');
      assert.deepEqual(end.Quarantined, ['ctor-fill']);
      assert.equal(end.Shards.find((s) => s.Shard === general.Shard)!.Restarts, 3);
      assert.equal(server.logsOf('plugin.quarantined').length, 1);
    } finally {
      await lanes.stop();
      kong.close();
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an event that kills the shard behind a busy neighbour, in a later slice, in an abandoned event\'s catch, or in a reload: only the attacker is charged', async () => {
    // a copy of the directory, so the reload attack can rewrite its plugin file
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kps-blame-'));
    stageFamily('blame/crash', dir);
    fs.rmSync(path.join(dir, 'ctor-fill.js'));
    const server = await ServerProcess.start({
      pluginsDir: dir,
      args: ['--shards', '1', ...COMMON, '--event-timeout', String(EVENT_TIMEOUT_MS), '--watch', '--watch-debounce', '50'],
    });
    const kong = server.client();
    const lanes = new NeighbourLanes(server, kong);
    const deaths = () => server.logsOf('shard.died').length;
    /** runs `attack`, waits for the shard death it causes, and returns whom it was charged to */
    const charged = async (attack: () => Promise<unknown>): Promise<string[]> => {
      const before = deaths();
      await attack().catch(() => {});
      const d = await server.waitForLogs('shard.died', before + 1, 15_000);
      return d[before]!.plugins as string[];
    };
    try {
      await lanes.start();
      // (one crash each: quarantine after three is the test above; every shard death is slow)
      await lanes.serving();
      const busy = await kong.startInstance('fill-when-busy');
      assert.deepEqual(await charged(() => kong.call('plugin.HandleEvent', { InstanceId: busy.Id, EventName: 'access' })), ['fill-when-busy']);

      await lanes.serving();
      const settle = await kong.startInstance('settle-fill');
      assert.deepEqual(await charged(() => kong.runPhase(settle.Id, 'access')), ['settle-fill']);

      await lanes.serving();
      const abandon = await kong.startInstance('abandon-fill');
      assert.deepEqual(await charged(() => kong.call('plugin.HandleEvent', { InstanceId: abandon.Id, EventName: 'access' })), ['abandon-fill']);

      await lanes.serving();
      await kong.startInstance('reloaded'); // a live instance, so the new version is reloaded into it
      assert.deepEqual(
        await charged(async () => {
          fs.writeFileSync(path.join(dir, 'reloaded.js'), 'class Plugin { constructor() { new Array(2 ** 28).fill(0); } access() {} }\nmodule.exports = { Plugin, Version: "2.0.0", Priority: 1 };\n');
        }),
        ['reloaded'],
      );
      await lanes.stop();

      assert.ok(lanes.lost > 0, 'no neighbour event was in flight when a shard died: the test proves nothing');
      const status: Status = await kong.call('plugin.GetStatus');
      assert.deepEqual(status.Quarantined, [], 'one crash each quarantines nobody');
      for (const d of server.logsOf('shard.died')) assert.ok(!(d.plugins as string[]).includes('neighbour'), `a shard death was charged to the neighbour: ${JSON.stringify(d)}`);
    } finally {
      await lanes.stop();
      kong.close();
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
