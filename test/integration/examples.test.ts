// The example plugins in plugins/ (what `npm start` serves) work as their comments say.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ServerProcess, ROOT } from '../../kong-driver/server-process.ts';
import type { KongClient } from '../../kong-driver/kong-client.ts';

let server: ServerProcess;
let kong: KongClient;
before(async () => {
  server = await ServerProcess.start({ pluginsDir: path.join(ROOT, 'plugins') });
  kong = server.client();
});
after(async () => {
  kong.close();
  await server.stop();
});

test('all eight examples load', async () => {
  const status = await kong.call('plugin.GetStatus');
  assert.deepEqual(Object.keys(status.Plugins).sort(), ['external-authz', 'hmac-sign', 'js-exit', 'js-hello', 'js-memory', 'jwt-auth', 'ts-slugify', 'ts-typed-greeting']);
  assert.equal(server.logsOf('plugin.load_failed').length, 0);
});

test('js-hello (kong-js-pdk CommonJS) reads host and sets two response headers', async () => {
  const inst = await kong.startInstance('js-hello', { message: 'hi' });
  const run = await kong.runPhase(inst.Id, 'access', (c) => (c.Method === 'kong.request.get_header' ? 'example.com' : undefined));
  assert.deepEqual(run.calls.slice(1), [
    { Method: 'kong.response.set_header', Args: ['x-hello-from-javascript', 'Javascript says hi to example.com'] },
    { Method: 'kong.response.set_header', Args: ['x-sandboxed', 'true'] },
  ]);
});

test('js-exit ends requests without the key with a 403, lets the right key through', async () => {
  const inst = await kong.startInstance('js-exit', { header: 'x-api-key', key: 's3cret' });
  const denied = await kong.runPhase(inst.Id, 'access', () => 'wrong');
  assert.deepEqual(denied.exited, { Method: 'kong.response.exit', Args: [403, { message: 'invalid or missing API key' }, { 'x-gate': 'js-exit' }] });
  const allowed = await kong.runPhase(inst.Id, 'access', (c) => (c.Method === 'kong.request.get_header' ? 's3cret' : undefined));
  assert.equal(allowed.exited, null);
  assert.deepEqual(allowed.calls.at(-1), { Method: 'kong.service.request.set_header', Args: ['x-gate-passed', 'true'] });
});

test('js-memory reports Kong\'s memory statistics', async () => {
  const inst = await kong.startInstance('js-memory');
  const run = await kong.runPhase(inst.Id, 'access', (c) =>
    c.Method === 'kong.node.get_memory_stats' ? { lua_shared_dicts: {}, workers_lua_vms: [{ http_allocated_gc: 1000, pid: 1 }, { http_allocated_gc: 24, pid: 2 }] } : undefined,
  );
  assert.deepEqual(run.calls.slice(1).map((c) => c.Args), [['x-lua-vms-gc-bytes', '1024'], ['x-lua-vms', '2']]);
});

test('ts-slugify (TypeScript + bundled npm dependency) slugs the path', async () => {
  const inst = await kong.startInstance('ts-slugify');
  const run = await kong.runPhase(inst.Id, 'access', (c) => (c.Method === 'kong.request.get_path' ? '/Hello World/ÉTÉ' : undefined));
  assert.deepEqual(run.calls.at(-1), { Method: 'kong.response.set_header', Args: ['x-path-slug', 'hello-world-ete'] });
});

test('ts-typed-greeting (typed SDK, definePlugin) greets into the header its config names', async () => {
  const inst = await kong.startInstance('ts-typed-greeting', { header: 'x-greeting', greeting: 'Hi', shout: null });
  const run = await kong.runPhase(inst.Id, 'access', (c) => (c.Method === 'kong.request.get_header' ? 'Ada' : undefined));
  assert.deepEqual(run.calls, [
    { Method: 'kong.request.get_header', Args: ['x-name'] },
    { Method: 'kong.response.set_header', Args: ['x-greeting', 'Hi, Ada!'] },
  ]);
  const loud = await kong.startInstance('ts-typed-greeting', { header: 'x-greeting', greeting: 'Hello', shout: true });
  const shouted = await kong.runPhase(loud.Id, 'access', () => undefined);
  assert.deepEqual(shouted.calls.at(-1), { Method: 'kong.response.set_header', Args: ['x-greeting', 'HELLO, WORLD!'] });
});

test('ts-typed-greeting advertises what Kong needs from its definePlugin call', async () => {
  const info = await kong.call('plugin.GetPluginInfo', 'ts-typed-greeting');
  assert.deepEqual(
    { Version: info.Version, Priority: info.Priority, Phases: info.Phases, Fields: info.Schema.fields[0].config.fields },
    {
      Version: '1.0.0',
      Priority: 10,
      Phases: ['access'],
      Fields: [{ header: { type: 'string', required: true } }, { greeting: { type: 'string', default: 'Hello' } }, { shout: { type: 'boolean' } }],
    },
  );
});
