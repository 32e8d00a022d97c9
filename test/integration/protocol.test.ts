// Every RPC method of docs/protocol.md ("Methods") over the real socket, with real isolates.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ServerProcess } from '../../kong-driver/server-process.ts';
import { RpcError, type KongClient } from '../../kong-driver/kong-client.ts';

let server: ServerProcess;
let kong: KongClient;
before(async () => {
  server = await ServerProcess.start();
  kong = server.client();
});
after(async () => {
  kong.close();
  await server.stop();
});

test('every accepted connection first receives [2, "serverPid", pid]', async () => {
  await kong.call('plugin.GetStatus');
  assert.ok(kong.serverPids.length >= 1);
  for (const pid of kong.serverPids) assert.equal(pid, server.child.pid);
});

test('GetPluginInfo returns Kong\'s PluginInfo with schema wrapped as config record', async () => {
  const info = await kong.call('plugin.GetPluginInfo', 'echo-header');
  assert.deepEqual(info, {
    Name: 'echo-header',
    Version: '1.2.3',
    Priority: 7,
    Phases: ['log', 'access'],
    Schema: { name: 'echo-header', fields: [{ config: { type: 'record', fields: [{ prefix: { type: 'string' } }] } }] },
  });
  await assert.rejects(kong.call('plugin.GetPluginInfo', 'nope'), (e: Error) => e instanceof RpcError && /"nope" is not loaded/.test(e.message));
});

test('an ESM TypeScript plugin exports its own Name and phases', async () => {
  const info = await kong.call('plugin.GetPluginInfo', 'esm-typed');
  assert.equal(info.Version, '2.0.0');
  assert.deepEqual(info.Phases, ['rewrite']);
  const inst = await kong.startInstance('esm-typed', { greeting: 'hej' });
  const run = await kong.runPhase(inst.Id, 'rewrite', () => undefined);
  assert.deepEqual(run.calls, [{ Method: 'kong.response.set_header', Args: ['x-greeting', 'hej'] }]);
});

test('discovery skips dotfiles, tests and spec files; broken plugins are refused with a reason', async () => {
  const status = await kong.call('plugin.GetStatus');
  const names = Object.keys(status.Plugins);
  for (const skipped of ['.hidden', '__tests__', 'thing.test', 'x']) assert.ok(!names.includes(skipped), skipped);
  assert.ok(!names.includes('bad-version'));
  assert.ok(!names.includes('uses-fs'));
  const failures = server.logsOf('plugin.load_failed');
  assert.match(failures.find((l) => l.plugin === 'bad-version')!.msg, /Version must look like "x\.y\.z"/);
  assert.match(failures.find((l) => l.plugin === 'uses-fs')!.msg, /uses-fs\.js:2:\d+: import "fs" is not available/);
});

test('StartInstance parses Config JSON, keeps Kong metadata keys, and ids are < 2^31 and distinct', async () => {
  const a = await kong.startInstance('config-echo', { message: 'one' });
  const b = await kong.startInstance('config-echo', { message: 'two' });
  assert.equal(a.Name, 'config-echo');
  assert.notEqual(a.Id, b.Id);
  for (const id of [a.Id, b.Id]) assert.ok(Number.isInteger(id) && id >= 0 && id < 2 ** 31);
  assert.equal(a.Config.message, 'one');
  assert.equal(a.Config.__key__, 'plugins:config-echo:::::');
  assert.ok(typeof a.StartTime === 'number' && Math.abs(a.StartTime - Date.now() / 1000) < 60);
  const run = await kong.runPhase(b.Id, 'access', () => undefined);
  const seen = JSON.parse(run.calls[0]!.Args[1] as string);
  assert.equal(seen.message, 'two');
  assert.equal(seen.__seq__, 1);
  assert.equal(seen.route_id, null);
});

test('StartInstance with bad Config JSON or an unknown plugin is an RPC error', async () => {
  await assert.rejects(kong.call('plugin.StartInstance', { Name: 'config-echo', Config: '{not json' }), /Decoding config of config-echo/);
  await assert.rejects(kong.call('plugin.StartInstance', { Name: 'ghost', Config: '{}' }), /plugin "ghost" is not loaded/);
});

test('InstanceStatus and CloseInstance; a closed instance is "No plugin instance <id>"', async () => {
  const inst = await kong.startInstance('echo-header');
  const st = await kong.call('plugin.InstanceStatus', inst.Id);
  assert.deepEqual({ Name: st.Name, Id: st.Id }, { Name: 'echo-header', Id: inst.Id });
  const closed = await kong.call('plugin.CloseInstance', inst.Id);
  assert.equal(closed.Id, inst.Id);
  await assert.rejects(kong.call('plugin.InstanceStatus', inst.Id), { message: `No plugin instance ${inst.Id}` });
  await assert.rejects(kong.call('plugin.HandleEvent', { InstanceId: inst.Id, EventName: 'access' }), { message: `No plugin instance ${inst.Id}` });
  await assert.rejects(kong.call('plugin.CloseInstance', inst.Id), { message: `No plugin instance ${inst.Id}` });
});

test('GetStatus lists plugins with their live instances', async () => {
  const inst = await kong.startInstance('memory');
  const status = await kong.call('plugin.GetStatus');
  assert.equal(status.Pid, server.child.pid);
  const mem = status.Plugins.memory;
  assert.ok(mem.Instances.some((i: { Id: number }) => i.Id === inst.Id));
  assert.ok(mem.LastStartInstance > 0);
  assert.ok(mem.LoadTime > 0);
});

test('HandleEvent → Step → "ret": the calls the plugin makes, in order', async () => {
  const inst = await kong.startInstance('echo-header', { prefix: 'p:' });
  const run = await kong.runPhase(inst.Id, 'access', (c) => (c.Method === 'kong.request.get_header' ? 'value' : undefined));
  assert.deepEqual(run.calls.map((c) => [c.Method, c.Args]), [
    ['kong.request.get_header', ['x-in']],
    ['kong.response.set_header', ['x-out', 'p:value']],
  ]);
  // The event is over: a further Step is an error Kong only logs.
  await assert.rejects(kong.call('plugin.Step', { EventId: run.eventId }), { message: `No running event ${run.eventId}` });
});

test('a phase the plugin does not implement answers "ret" at once', async () => {
  const inst = await kong.startInstance('echo-header');
  const res = await kong.call('plugin.HandleEvent', { InstanceId: inst.Id, EventName: 'certificate' });
  assert.equal(res.Data, 'ret');
});

test('an unknown EventName is an RPC error naming the valid phases', async () => {
  const inst = await kong.startInstance('echo-header');
  await assert.rejects(kong.call('plugin.HandleEvent', { InstanceId: inst.Id, EventName: 'header_filter' }), /EventName must be one of/);
});

test('concurrent PDK calls of one event reach Kong one at a time, FIFO', async () => {
  const inst = await kong.startInstance('concurrent');
  const run = await kong.runPhase(inst.Id, 'access', (c) => (c.Method === 'kong.request.get_header' ? String(c.Args[0]).toUpperCase() : undefined));
  assert.deepEqual(run.calls.map((c) => c.Args), [['a'], ['b'], ['c'], ['x-abc', 'ABC']]);
});

test('StepMultiMap: a __proto__ and a constructor request header reach the plugin intact, nothing is polluted', async () => {
  const inst = await kong.startInstance('headers-echo');
  const headers = Object.create(null);
  Object.defineProperty(headers, '__proto__', { value: ['evil'], enumerable: true });
  headers.constructor = ['ctor'];
  headers.host = ['example.com'];
  const run = await kong.runPhase(inst.Id, 'access', (c) => (c.Method === 'kong.request.get_headers' ? headers : undefined));
  const set = Object.fromEntries(run.calls.slice(1).map((c) => [c.Args[0], c.Args[1]]));
  assert.equal(set['x-proto'], '["evil"]');
  assert.equal(set['x-constructor'], '["ctor"]');
  assert.equal(set['x-polluted'], 'undefined');
  assert.equal(set['x-keys'], '__proto__,constructor,host');
});

test('StepError rejects the pending call with kong-js-pdk\'s PDKError text', async () => {
  const inst = await kong.startInstance('pdk-error');
  let step = await kong.call('plugin.HandleEvent', { InstanceId: inst.Id, EventName: 'access' });
  assert.equal(step.Data.Method, 'kong.request.get_body');
  step = await kong.call('plugin.StepError', { EventId: step.EventId, Data: 'bad mimetype' });
  assert.deepEqual(step.Data, { Method: 'kong.response.set_header', Args: ['x-error', 'PDKError|PDK method kong.request.get_body failed:  bad mimetype|true'] });
  step = await kong.call('plugin.Step', { EventId: step.EventId });
  assert.equal(step.Data, 'ret');
});

test('absent Data is undefined, bin is a Uint8Array, floats stay floats, digit names map to Kong\'s', async () => {
  const inst = await kong.startInstance('types');
  const run = await kong.runPhase(inst.Id, 'access', (c) => {
    if (c.Method === 'kong.request.get_raw_body') return new Uint8Array([1, 2, 255]);
    if (c.Method === 'kong.nginx.req_start_time') return 1712345678.123;
    if (c.Method === 'kong.nginx.get_tls1_version_str') return 'TLSv1.3';
    return undefined;
  });
  assert.deepEqual(run.calls.map((c) => c.Method), [
    'kong.request.get_raw_body', 'kong.nginx.req_start_time', 'kong.request.get_header', 'kong.nginx.get_tls1_version_str', 'kong.response.set_header',
  ]);
  assert.equal(run.calls.at(-1)!.Args[1], 'bytes:1.2.255|number:1712345678.123|undefined|TLSv1.3');
});

test('StepMemoryStats delivers Kong\'s memory statistics to the plugin', async () => {
  const inst = await kong.startInstance('memory');
  const run = await kong.runPhase(inst.Id, 'access', (c) =>
    c.Method === 'kong.node.get_memory_stats'
      ? { lua_shared_dicts: { kong: { allocated_slabs: 1, capacity: 2 }, kong_db_cache: { allocated_slabs: 3, capacity: 4 } }, workers_lua_vms: [{ http_allocated_gc: 10, pid: 1 }] }
      : undefined,
  );
  assert.equal(run.calls[0]!.Method, 'kong.node.get_memory_stats');
  assert.deepEqual(run.calls[1]!.Args, ['x-dicts', 'kong,kong_db_cache']);
});

test('every Step* alias delivers Data', async () => {
  for (const method of ['plugin.StepCredential', 'plugin.StepRoute', 'plugin.StepService', 'plugin.StepConsumer', 'plugin.StepPlugin', 'plugin.StepMultiMap']) {
    const inst = await kong.startInstance('echo-header');
    const first = await kong.call('plugin.HandleEvent', { InstanceId: inst.Id, EventName: 'access' });
    const next = await kong.call(method, { EventId: first.EventId, Data: method });
    assert.deepEqual(next.Data, { Method: 'kong.response.set_header', Args: ['x-out', method] }, method);
    assert.equal((await kong.call('plugin.Step', { EventId: first.EventId })).Data, 'ret');
  }
});

test('kong.response.exit ends the event: Kong gets the call, a late Step gets "ret", later PDK calls are refused', async () => {
  const inst = await kong.startInstance('exiter');
  const run = await kong.runPhase(inst.Id, 'access', () => undefined);
  assert.deepEqual(run.exited, { Method: 'kong.response.exit', Args: [403, 'go away', { 'x-why': 'exiter' }] });
  assert.equal(run.calls.length, 1);
  // docs/protocol.md, "Open questions": whether Kong steps after exit in the buffered response phase is open; both readings work.
  const resp = await kong.call('plugin.HandleEvent', { InstanceId: inst.Id, EventName: 'response' });
  assert.deepEqual(resp.Data, { Method: 'kong.response.exit', Args: [418, 'teapot'] });
  assert.equal((await kong.call('plugin.Step', { EventId: resp.EventId })).Data, 'ret');
  assert.equal((await kong.call('plugin.Step', { EventId: run.eventId })).Data, 'ret');
});

test('unknown methods and namespaces are RPC errors in kong-js-pdk\'s words; the connection stays usable', async () => {
  await assert.rejects(kong.call('plugin.Nope', 1), { message: 'method Nope not implemented' });
  await assert.rejects(kong.call('other.Thing', 1), { message: 'RPC for other is not supported' });
  await assert.rejects(kong.call('plugin.HandleEvent', 'not a map'), /expected one map parameter/);
  await assert.rejects(kong.call('plugin.Step', { EventId: -1 }), /EventId must be a non-negative integer/);
  assert.ok(await kong.call('plugin.GetStatus'));
});

test('a Step for an event that never existed is "No running event"', async () => {
  await assert.rejects(kong.call('plugin.Step', { EventId: 2 ** 31 - 2 }), { message: `No running event ${2 ** 31 - 2}` });
});

test('SetPluginDir reloads from a directory, and refuses one that does not exist', async () => {
  await assert.rejects(kong.call('plugin.SetPluginDir', '/nonexistent/dir'), /plugin directory \/nonexistent\/dir does not exist/);
  assert.equal(await kong.call('plugin.SetPluginDir', new URL('../fixtures/plugins', import.meta.url).pathname), 'ok');
  assert.ok((await kong.call('plugin.GetPluginInfo', 'echo-header')).Name);
});
