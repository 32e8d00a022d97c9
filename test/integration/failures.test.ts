// Plugins that throw, loop forever, hang, or run out of memory: Kong always gets an answer, the
// failing instance is restarted through "No plugin instance", and every other instance keeps serving.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ServerProcess } from '../../kong-driver/server-process.ts';
import { until } from '../../kong-driver/until.ts';
import { EXIT_500, type KongClient } from '../../kong-driver/kong-client.ts';
import { stoppedWithinMs } from '../helpers/cpu-stop.ts';

let server: ServerProcess;
let kong: KongClient;
before(async () => {
  server = await ServerProcess.start({ args: ['--memory-limit', '16', '--cpu-limit', '200', '--event-timeout', '1500'] });
  kong = server.client();
});
after(async () => {
  kong.close();
  await server.stop();
});

/** A neighbour instance answers correctly; used while and after something else fails. */
async function neighbourServes(client: KongClient, id: number, value: string): Promise<void> {
  const run = await client.runPhase(id, 'access', (c) => (c.Method === 'kong.request.get_header' ? value : undefined));
  assert.deepEqual(run.calls[1], { Method: 'kong.response.set_header', Args: ['x-out', value] });
}

test('a handler that throws (after a PDK call, or synchronously) fails closed with a 500; the instance lives on', async () => {
  const inst = await kong.startInstance('thrower');
  let step = await kong.call('plugin.HandleEvent', { InstanceId: inst.Id, EventName: 'access' });
  assert.equal(step.Data.Method, 'kong.request.get_header');
  step = await kong.call('plugin.Step', { EventId: step.EventId, Data: 'x' });
  assert.deepEqual(step.Data, EXIT_500);
  // Kong stops after exit; a late Step still gets "ret", never an error.
  assert.equal((await kong.call('plugin.Step', { EventId: step.EventId })).Data, 'ret');
  const sync = await kong.call('plugin.HandleEvent', { InstanceId: inst.Id, EventName: 'rewrite' });
  assert.deepEqual(sync.Data, EXIT_500);
  // The log phase runs after the response: nothing to close, just "ret".
  assert.equal((await kong.call('plugin.HandleEvent', { InstanceId: inst.Id, EventName: 'log' })).Data, 'ret');
  const logged = (await server.waitForLogs('plugin.error', 3)).map((l) => l.msg).join('\n');
  assert.match(logged, /boom from thrower/);
  assert.match(logged, /TypeError: sync boom/);
  assert.match(logged, /log boom/);
  assert.equal((await kong.call('plugin.InstanceStatus', inst.Id)).Id, inst.Id);
});

test('an infinite loop is stopped by the CPU limit, at once or after an await; neighbours keep answering', async () => {
  const neighbour = await kong.startInstance('echo-header');
  for (const phase of ['access', 'rewrite']) {
    const looper = await kong.startInstance('looper');
    const t0 = Date.now();
    const other = server.client();
    const loop = (async () => {
      let step = await kong.call('plugin.HandleEvent', { InstanceId: looper.Id, EventName: phase });
      if (step.Data !== 'ret' && step.Data.Method === 'kong.request.get_header') step = await kong.call('plugin.Step', { EventId: step.EventId, Data: 'x' });
      return step;
    })();
    // While the loop spins in its own shard, the neighbour is served.
    await Promise.all([1, 2, 3].map((i) => neighbourServes(other, neighbour.Id, `n${i}`)));
    const answered = await loop;
    assert.deepEqual(answered.Data, EXIT_500, phase);
    assert.ok(Date.now() - t0 < stoppedWithinMs(200), `answered in ${Date.now() - t0} ms`);
    await assert.rejects(kong.call('plugin.HandleEvent', { InstanceId: looper.Id, EventName: phase }), { message: `No plugin instance ${looper.Id}` });
    other.close();
  }
  await server.waitForLog('instance.killed', (l) => l.kind === 'cpu' && /CPU budget \(--cpu-limit\)/.test(l.msg));
  await neighbourServes(kong, neighbour.Id, 'after');
});

test('a heap-limit breach kills only that instance; a new StartInstance works; the server lives', async () => {
  const neighbour = await kong.startInstance('echo-header');
  const hog = await kong.startInstance('hog');
  const res = await kong.call('plugin.HandleEvent', { InstanceId: hog.Id, EventName: 'access' });
  assert.deepEqual(res.Data, EXIT_500);
  await assert.rejects(kong.call('plugin.HandleEvent', { InstanceId: hog.Id, EventName: 'access' }), { message: `No plugin instance ${hog.Id}` });
  await server.waitForLog('instance.killed', (l) => l.instance === hog.Id && /heap limit/.test(l.msg));
  await assert.rejects(kong.call('plugin.InstanceStatus', hog.Id), { message: `No plugin instance ${hog.Id}` });
  const again = await kong.startInstance('hog');
  assert.notEqual(again.Id, hog.Id);
  await neighbourServes(kong, neighbour.Id, 'still here');
});

test('--plugin-memory-limit gives one plugin its own heap limit', async () => {
  const own = await ServerProcess.start({ args: ['--memory-limit', '128', '--plugin-memory-limit', 'HOG=12'] });
  const client = own.client();
  try {
    const hog = await client.startInstance('hog');
    const echo = await client.startInstance('echo-header');
    assert.equal((await own.waitForLog('instance.started', (l) => l.instance === hog.Id)).memoryLimitMb, 12);
    assert.equal((await own.waitForLog('instance.started', (l) => l.instance === echo.Id)).memoryLimitMb, 128);
    assert.deepEqual((await client.call('plugin.HandleEvent', { InstanceId: hog.Id, EventName: 'access' })).Data, EXIT_500);
    await own.waitForLog('instance.killed', (l) => l.instance === hog.Id && /heap limit/.test(l.msg));
  } finally {
    client.close();
    await own.stop();
  }
});

test('a handler that never settles is ended by --event-timeout with the failure policy', async () => {
  const inst = await kong.startInstance('stuck');
  const t0 = Date.now();
  const res = await kong.call('plugin.HandleEvent', { InstanceId: inst.Id, EventName: 'access' });
  const waited = Date.now() - t0;
  assert.deepEqual(res.Data, EXIT_500);
  assert.ok(waited >= 1400 && waited < 5000, `waited ${waited} ms`);
  await server.waitForLog('limit.breach', (l) => l.kind === 'deadline' && l.instance === inst.Id && /--event-timeout/.test(l.msg));
});

test('an event Kong abandons (no Step) is reaped after --event-timeout; a late Step is "No running event"', async () => {
  const inst = await kong.startInstance('echo-header');
  const first = await kong.call('plugin.HandleEvent', { InstanceId: inst.Id, EventName: 'access' });
  assert.equal(first.Data.Method, 'kong.request.get_header');
  const inFlight = async () => (await kong.call('plugin.InstanceStatus', inst.Id)).Stats.EventsInFlight as number;
  assert.equal(await inFlight(), 1);
  await until(async () => (await inFlight()) === 0, 'the abandoned event was reaped');
  await assert.rejects(kong.call('plugin.Step', { EventId: first.EventId, Data: 'late' }), { message: `No running event ${first.EventId}` });
  await neighbourServes(kong, inst.Id, 'fine');
});

test('CloseInstance lets events in flight finish before the isolate goes', async () => {
  const inst = await kong.startInstance('echo-header');
  const first = await kong.call('plugin.HandleEvent', { InstanceId: inst.Id, EventName: 'access' });
  await kong.call('plugin.CloseInstance', inst.Id);
  const next = await kong.call('plugin.Step', { EventId: first.EventId, Data: 'in flight' });
  assert.deepEqual(next.Data, { Method: 'kong.response.set_header', Args: ['x-out', 'in flight'] });
  assert.equal((await kong.call('plugin.Step', { EventId: first.EventId })).Data, 'ret');
});
