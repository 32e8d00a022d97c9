// Tests of the example plugins with PluginTest: each test runs the plugin in the real sandbox (the
// same bundle, isolate and limits as the server) against a fake Kong. Run with:
//   node --no-node-snapshot --test docs/examples/plugins.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PluginTest, PluginLoadFailure, Request } from 'kong-sandbox-pluginserver/testing';

const plugin = (path) => new URL(`../../${path}`, import.meta.url);

test('js-hello greets the host named by the request', async () => {
  const t = new PluginTest(new Request().useURL('http://example.com/').useHeaders({ host: 'example.com' }));
  await t.Run(plugin('plugins/js-hello.js'), { message: 'hi' });
  assert.equal(t.response.status, 200);
  assert.equal(t.response.headers.get('x-hello-from-javascript'), 'Javascript says hi to example.com');
  assert.deepEqual(t.phases, ['access']);
});

test('js-exit answers 403 itself when the key is missing: the service is never called', async () => {
  const t = new PluginTest(new Request());
  await t.Run(plugin('plugins/js-exit.js'), { key: 's3cret' });
  assert.equal(t.response.status, 403);
  assert.deepEqual(t.response.json(), { message: 'invalid or missing API key' });
  assert.equal(t.serviceResponse, undefined);
});

test('js-exit lets the request through with the right key, and tells the service', async () => {
  const t = new PluginTest(new Request().useHeaders({ 'x-api-key': 's3cret' }));
  await t.Run(plugin('plugins/js-exit.js'), { key: 's3cret' });
  assert.equal(t.response.status, 200);
  assert.equal(t.serviceRequest.headers.get('x-gate-passed'), 'true');
});

test('a plugin that throws fails closed: 500, and the reason is in t.errors', async () => {
  const t = new PluginTest(new Request());
  await t.Run(plugin('docs/examples/sandbox/uses-buffer.js'));
  assert.equal(t.response.status, 500);
  assert.match(t.errors.join('\n'), /ReferenceError: Buffer is not defined/);
});

test('a plugin the server would refuse is refused here too, with the reason', async () => {
  await assert.rejects(new PluginTest().Run(plugin('docs/examples/sandbox/reads-file.js')), (err) => {
    assert.ok(err instanceof PluginLoadFailure);
    assert.match(err.message, /import "node:fs" is not available/);
    return true;
  });
});
