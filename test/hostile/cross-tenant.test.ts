// Hostile family 5: one tenant's instance against another's, all on ONE shard (the closest two
// instances get): state left on globals, prototypes, module variables and builtins; another
// instance's config; PDK calls forged into another tenant's request; another tenant's data scraped
// from the shard's memory; forged log lines; heap; and state left behind across a hot reload
// (the server runs with --watch on a copy of the plugins).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Family, stageFamily, headers, reported, type PdkCall } from './helpers.ts';

let f: Family;
let dir: string;
before(async () => {
  // A copy, so the hot-reload test can rewrite a plugin file (and so nothing above it, such as the
  // repository's tsconfig.json, applies: plugins are bundled as a real plugins directory would be).
  dir = stageFamily('cross-tenant');
  f = await Family.start(dir, ['--shards', '1', '--memory-limit', '64', '--cpu-limit', '500', '--watch', '--watch-debounce', '20']);
});
after(() => f.stop());

test('what tenant A leaves on globalThis, Object/Array prototypes, module variables, Symbol.for keys and builtins is invisible to tenant B of the same plugin', async () => {
  const a = await f.kong.startInstance('tenant', { secret: 'secret-A' });
  const b = await f.kong.startInstance('tenant', { secret: 'secret-B' });
  const wroteA = reported(await f.attack(() => f.kong.runPhase(a.Id, 'access', headers({ 'x-mode': 'write' }))));
  // A's writes took effect in A...
  assert.deepEqual(wroteA, {
    mine: 'secret-A', globalSecret: 'secret-A', protoLeak: 'secret-A', arrayLeak: 'secret-A', symbolSecret: 'secret-A', moduleSecret: 'secret-A',
    stringifyTenant: 'secret-A', globalsMentioningSecrets: ['__tenantSecret', 'globalThis'],
  });
  // ...and B, on the same shard, sees none of them, and only its own config.
  const readB = reported(await f.attack(() => f.kong.runPhase(b.Id, 'access', headers({ 'x-mode': 'read' }))));
  assert.deepEqual(readB, {
    mine: 'secret-B', globalSecret: null, protoLeak: null, arrayLeak: null, symbolSecret: null, moduleSecret: null, stringifyTenant: null,
    globalsMentioningSecrets: [],
  });
  // B writing does not reach A either.
  await f.kong.runPhase(b.Id, 'access', headers({ 'x-mode': 'write' }));
  const readA = reported(await f.kong.runPhase(a.Id, 'access', headers({ 'x-mode': 'read' })));
  assert.equal(readA.globalSecret, 'secret-A');
  assert.equal(readA.protoLeak, 'secret-A');
  assert.equal(readA.moduleSecret, 'secret-A');
  assert.doesNotMatch(JSON.stringify(readA), /secret-B/);
});

test('PDK calls forged into another tenant\'s running request (captured runtime queues renamed to its event id) never reach Kong', async () => {
  const victim = await f.kong.startInstance('victim', { secret: 'secret-V' });
  const forger = await f.kong.startInstance('forge-event');
  await f.kong.runPhase(forger.Id, 'access', headers({})); // an event whose queue the forger keeps
  const run = await f.attack(async () => {
    const ev = await f.kong.call('plugin.HandleEvent', { InstanceId: victim.Id, EventName: 'access' });
    assert.deepEqual(ev.Data, { Method: 'kong.request.get_header', Args: ['x-user'] });
    // While the victim's event waits on Kong, the forger aims at it.
    const forged = await f.kong.runPhase(forger.Id, 'access', headers({ 'x-target': String(ev.EventId) }));
    const calls: PdkCall[] = [ev.Data];
    let step = await f.kong.call('plugin.Step', { EventId: ev.EventId, Data: 'alice' });
    while (step.Data !== 'ret') {
      calls.push(step.Data);
      step = await f.kong.call('plugin.Step', { EventId: ev.EventId });
    }
    return { forged, calls };
  });
  const got = reported(run.forged);
  // The runtime keeps its event queues in Maps through its own copies of Map's methods, taken before
  // plugin code ran: wrapping Map.prototype.set captures none of them (it captured two before), so
  // nothing can be renamed. The host still attributes calls by event (below, and reach-host's
  // stale-kong test).
  assert.equal(got.captured, 0, 'the forger captured the runtime\'s queues');
  assert.deepEqual(got.forged, []);
  // Kong saw exactly the victim's own calls, and nothing of the forger's.
  assert.deepEqual(run.calls, [
    { Method: 'kong.request.get_header', Args: ['x-user'] },
    { Method: 'kong.service.request.set_header', Args: ['authorization', 'Bearer secret-V'] },
    { Method: 'kong.response.set_header', Args: ['x-victim', 'served alice'] },
  ]);
  assert.deepEqual(run.forged.calls.map((c) => c.Args[0]), ['x-target', 'x-got']);
});

test('typed arrays, ArrayBuffers and DataViews of many sizes sent to Kong carry only their own bytes: no other tenant\'s data from the shard\'s memory', async () => {
  const holder = await f.kong.startInstance('secret-holder', { secret: 'secret-H0LDER' });
  const scraper = await f.kong.startInstance('memory-scraper');
  const scraped = await f.attack(async () => {
    const runs = [];
    for (let round = 0; round < 3; round++) {
      // the holder's secret passes through the shard channel right before and while the scraper runs
      const [, s] = await Promise.all([f.server.client().runPhase(holder.Id, 'access'), (async () => {
        await f.kong.runPhase(holder.Id, 'access');
        return f.kong.runPhase(scraper.Id, 'access');
      })()]);
      runs.push(s);
    }
    return runs;
  });
  let bytesSeen = 0;
  for (const run of scraped) {
    const blobs = run.calls.map((c) => c.Args[1] as Uint8Array);
    assert.equal(blobs.length, 45);
    for (const blob of blobs) {
      assert.ok(blob instanceof Uint8Array, 'not bytes');
      bytesSeen += blob.length;
      const stray = blob.filter((b) => b !== 0).length;
      assert.equal(stray, 0, `${stray} bytes that were not the array's own reached Kong: ${Buffer.from(blob).toString('latin1').replace(/\0+/g, ' ').slice(0, 200)}`);
    }
  }
  // sizes: Float64 8n, Uint32 4n, Int16 2n, DataView n bytes, for each n, and the 512 KB exit body
  const ns = [1, 3, 8, 16, 40, 64, 100, 256, 1000, 4096, 20000];
  assert.equal(bytesSeen, 3 * (ns.reduce((s, n) => s + 15 * n, 0) + 8 * 65536));
});

test('text logged by a tenant stays in its own plugin.log lines: no forged server line (newlines, CR, U+2028, escapes, field names)', async () => {
  const inst = await f.kong.startInstance('log-forge');
  const before = f.server.logs.length;
  const run = await f.attack(() => f.kong.runPhase(inst.Id, 'access'));
  assert.deepEqual(reported(run), { logged: 4 });
  await f.server.waitForLogs('plugin.log', 4, 10_000, (l) => l.plugin === 'log-forge');
  const mine = f.server.logs.slice(before).filter((l) => l.plugin === 'log-forge');
  assert.equal(mine.length, 4);
  for (const line of mine) assert.equal(line.event, 'plugin.log');
  assert.match(mine[0]!.msg, /^before\n\{"level":"error".*"event":"instance.killed".*\}\nafter$/);
  const later = f.server.logs.slice(before);
  assert.deepEqual(later.filter((l) => l.level === 'raw'), [], 'a line of the log was not one JSON object');
  assert.deepEqual(later.filter((l) => l.plugin === 'victim' || l.msg === 'forged' || l.msg === 'forged object'), []);
  assert.deepEqual(later.filter((l) => l.event === 'instance.killed' || l.event === 'shard.died'), []);
});

test('one tenant holding 40 MB of its heap leaves another tenant\'s heap and quota alone; each sees only its own figures', async () => {
  const victim = await f.kong.startInstance('victim', { secret: 'secret-V2' });
  await f.kong.runPhase(victim.Id, 'access', headers({ 'x-user': 'warm' }));
  const victimHeap = (await f.stats(victim.Id)).HeapUsed;
  const memoryStats = (c: PdkCall) => (c.Method === 'kong.node.get_memory_stats' ? { workers_lua_vms: [] } : undefined);
  const hogs = [await f.kong.startInstance('heap-hog'), await f.kong.startInstance('heap-hog')];
  const reports = await f.attack(() => Promise.all(hogs.map((h) => f.kong.runPhase(h.Id, 'access', memoryStats).then(reported))), { slackMb: 250 });
  for (const [i, got] of reports.entries()) {
    assert.equal(got.instance, hogs[i]!.Id, 'getMemoryStats reported another instance');
    assert.ok(got.heapMb >= 35 && got.heapMb < 64, `hog ${i} holds ${got.heapMb} MB`);
  }
  assert.ok((await f.stats(victim.Id)).HeapUsed < victimHeap + 2 * 1048576, 'the victim\'s heap grew with the hogs\'');
  const served = await f.kong.runPhase(victim.Id, 'access', headers({ 'x-user': 'after' }));
  assert.deepEqual(served.calls.at(-1), { Method: 'kong.response.set_header', Args: ['x-victim', 'served after'] });
  for (const h of hogs) await f.kong.call('plugin.CloseInstance', h.Id);
});

test('after a hot reload the instance keeps its id and config but starts on fresh globals: nothing the old generation left behind survives', async () => {
  const inst = await f.kong.startInstance('reloading', { secret: 'secret-R' });
  const first = reported(await f.kong.runPhase(inst.Id, 'access', headers({ 'x-mode': 'write' })));
  assert.deepEqual(first, { generation: 1, events: 1, secret: 'secret-R', mark: 'secret-R', leak: 'gen1' });
  const file = path.join(dir, 'reloading.js');
  const reloaded = f.server.logsOf('plugin.reloaded').length;
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('const GENERATION = 1;', 'const GENERATION = 2;'));
  const line = await f.server.waitForLog('plugin.reloaded', (l) => l.plugin === 'reloading' && f.server.logsOf('plugin.reloaded').indexOf(l) >= reloaded);
  assert.equal(line.instances, 1);
  const after = reported(await f.attack(() => f.kong.runPhase(inst.Id, 'access', headers({}))));
  assert.deepEqual(after, { generation: 2, events: 1, secret: 'secret-R', mark: null, leak: null });
  assert.equal((await f.stats(inst.Id)).Generation, 2);
});

test('a tenant stopped for CPU or memory on the same shard does not disturb another tenant\'s request in flight', async () => {
  const victim = await f.kong.startInstance('victim', { secret: 'secret-V3' });
  for (const phase of ['access', 'rewrite']) {
    const spinner = await f.kong.startInstance('spinner');
    const run = await f.attack(async () => {
      const ev = await f.kong.call('plugin.HandleEvent', { InstanceId: victim.Id, EventName: 'access' });
      const spun = await f.kong.runPhase(spinner.Id, phase, headers({}));
      const calls: PdkCall[] = [ev.Data];
      let step = await f.kong.call('plugin.Step', { EventId: ev.EventId, Data: phase });
      while (step.Data !== 'ret') {
        calls.push(step.Data);
        step = await f.kong.call('plugin.Step', { EventId: ev.EventId });
      }
      return { spun, calls };
    });
    assert.equal(run.spun.exited?.Method, 'kong.response.exit', `${phase}: the spinner was not stopped`);
    const killed = await f.server.waitForLog('instance.killed', (l) => l.instance === spinner.Id);
    assert.equal(killed.kind, phase === 'access' ? 'cpu' : 'memory');
    assert.deepEqual(run.calls.at(-1), { Method: 'kong.response.set_header', Args: ['x-victim', `served ${phase}`] });
    assert.equal(run.calls.length, 3);
  }
});
