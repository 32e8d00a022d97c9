// PluginTest runs plugins in the real sandbox against a fake Kong that behaves like Kong: phase
// order, kong.response.exit ending the request, multimap headers, the log phase's snapshot, Lua
// errors for calls in the wrong phase, the fail-closed policy for a plugin that throws, the
// server's limits. kong-js-pdk's own example tests run under it with only their import changed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { PluginTest, Request, ConfigError, PluginLoadFailure, PluginCrashError, withOptions } from '../../src/testing/index.ts';
import * as viaPackage from 'kong-sandbox-pluginserver/testing';
import * as pdkViaPackage from 'kong-sandbox-pluginserver/pdk';
import { definePlugin } from '../../src/sdk/index.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = path.join(ROOT, 'test/fixtures/plugin-test');
const EXAMPLES = path.join(ROOT, 'test/fixtures/kong-js-pdk-examples');
const PROBERS = fs.mkdtempSync(path.join(os.tmpdir(), 'kps-probers-'));
process.on('exit', () => fs.rmSync(PROBERS, { recursive: true, force: true }));

/**
 * A prober plugin for these phases: probe-lib.js with the makeProber call appended, as one file.
 * A single-file plugin bundles only itself (its siblings are other tenants' plugins), so the
 * probers cannot require a shared probe-lib.js the way a Node program would.
 */
function prober(name: string, phases: string[]): string {
  const file = path.join(PROBERS, `${name}.js`);
  fs.writeFileSync(file, `${fs.readFileSync(path.join(FIXTURES, 'probe-lib.js'), 'utf8')}\nmodule.exports = makeProber(${JSON.stringify(phases)});\n`);
  return file;
}
// Every phase external plugins have in HTTP (response included: Kong buffers the upstream answer).
const PROBER = prober('prober', ['certificate', 'rewrite', 'access', 'response', 'log']);
// Access and log only: no response handler, so no buffered proxying unless the plugin asks for it.
const ACCESS_PROBER = prober('access-prober', ['access', 'log']);
// The stream subsystem's phases (tcp: and tls: requests).
const STREAM_PROBER = prober('stream-prober', ['certificate', 'preread', 'log']);
const require = createRequire(import.meta.url);

// kong-js-pdk's example tests (CommonJS, node:test): requiring them registers their tests here.
for (const name of ['js-hello', 'js-status', 'js-transform']) require(path.join(EXAMPLES, '__tests__', `${name}.test.js`));

type Step = [string, ...unknown[]];
interface Report {
  phase: string;
  call: string;
  result?: unknown;
  error?: string;
}

/** Runs the prober with these PDK calls per phase; resolves with what the plugin saw. */
async function probe(request: Request, steps: Record<string, Step[]>, plugin = PROBER, t = new PluginTest(request)): Promise<{ t: PluginTest; seen: Report[] }> {
  await t.Run(plugin, steps);
  const seen = t.logs.filter((l) => l.level === 'notice').map((l) => JSON.parse(l.message) as Report);
  return { t, seen };
}

const results = (seen: Report[]) => seen.map((r) => ('error' in r ? { error: r.error } : r.result));

describe('PluginTest: the real sandbox', () => {
  test('is importable as kong-sandbox-pluginserver/testing and /pdk', () => {
    assert.equal(viaPackage.PluginTest, PluginTest);
    assert.equal(pdkViaPackage.definePlugin, definePlugin);
  });

  test('the plugin runs in an isolate: no process, require or Buffer', async () => {
    const t = new PluginTest(new Request());
    await t.Run(path.join(FIXTURES, 'sandboxed.js'));
    assert.equal(t.response.headers.get('x-globals'), 'undefined,undefined,undefined,undefined');
  });

  test('a plugin the server would refuse is refused, with the reason', async () => {
    await assert.rejects(new PluginTest().Run(path.join(ROOT, 'test/fixtures/plugins/uses-fs.js')), (err: unknown) => {
      assert.ok(err instanceof PluginLoadFailure);
      assert.match(err.message, /import "fs" is not available: plugins run in a V8 isolate/);
      return true;
    });
  });

  test('the server\'s limits apply: a plugin that loops is stopped at --cpu-limit and the request fails closed', async () => {
    const t = new PluginTest(new Request(), { limits: { cpuLimitMs: 20 } });
    await t.Run(path.join(ROOT, 'test/fixtures/plugins/looper.js'));
    assert.equal(t.response.status, 500);
    assert.ok(t.errors.some((e) => /CPU budget \(--cpu-limit\)/.test(e)), t.errors.join('\n'));
  });

  test('a plugin V8 cannot contain fails its own test with PluginCrashError, and the next test runs', async () => {
    const started = process.hrtime.bigint();
    const t = new PluginTest(new Request());
    await assert.rejects(t.Run(path.join(ROOT, 'test/fixtures/plugins/aborter.js')), (err: Error) => {
      assert.ok(err instanceof PluginCrashError, String(err));
      assert.match(err.message, /^the plugin's isolate process died \(signal SIG[A-Z]+\): a failure V8 cannot contain/);
      return true;
    });
    assert.deepEqual(t.phases, ['access']);
    // the child is killed at --cpu-limit + --kill-grace, not after V8 has filled the machine
    assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 15_000);
    assert.ok(process.memoryUsage.rss() < 1024 * 2 ** 20, `this process holds ${process.memoryUsage.rss()} bytes`);
    const good = new PluginTest(new Request());
    await good.Run(path.join(ROOT, 'test/fixtures/plugins/hello-host.js'));
    assert.equal(good.response.status, 200);
    assert.equal(good.response.headers.get('x-hello'), 'world');
    assert.deepEqual(good.errors, []);
  });

  test('an instance the server stopped is started again, as Kong does on "No plugin instance"', async () => {
    const t = new PluginTest(new Request(), { limits: { cpuLimitMs: 20 } });
    await t.Run(path.join(FIXTURES, 'loops-then-logs.js'));
    assert.equal(t.response.status, 500);
    assert.deepEqual(t.phases, ['access', 'log']);
    assert.deepEqual(t.warnings, ['No plugin instance 1: Kong starts a new instance and retries']);
    assert.deepEqual(t.logs.map((l) => [l.phase, l.message]), [['log', 'log ran']]);
  });

  test('kong.node.getMemoryStats has Kong\'s shape plus the instance\'s sandbox quotas, from the limits given', async () => {
    type Stats = { lua_shared_dicts: object; workers_lua_vms: unknown[]; sandbox: { heap_limit: number; cpu_budget_ms: number } };
    const steps = { access: [['node.getMemoryStats']] as Step[] };
    const byDefault = (await probe(new Request(), steps)).seen[0]!.result as Stats;
    const small = (await probe(new Request(), steps, PROBER, new PluginTest(new Request(), { limits: { memoryLimitMb: 32, cpuLimitMs: 40 } }))).seen[0]!.result as Stats;
    assert.ok(byDefault.lua_shared_dicts && byDefault.workers_lua_vms.length > 0);
    assert.equal(byDefault.sandbox.cpu_budget_ms, 100);
    assert.equal(small.sandbox.cpu_budget_ms, 40);
    assert.equal(Math.round((byDefault.sandbox.heap_limit - small.sandbox.heap_limit) / 2 ** 20), 32);
  });
});

describe('PluginTest: what kong-js-pdk\'s examples really do here', () => {
  test('js-hello reads process.pid, which the isolate does not have: its first header is set, then the request fails closed', async () => {
    // kong-js-pdk's own test checks only that header, so it passes; the status tells the rest.
    const t = new PluginTest(new Request().useURL('http://example.com').useHeaders({ Host: 'example.com' }));
    await t.Run(require(path.join(EXAMPLES, 'examples/js-hello.js')), { message: 'test' });
    assert.equal(t.response.headers.get('x-hello-from-javascript'), 'Javascript says test to example.com');
    assert.equal(t.response.status, 500);
    assert.ok(t.errors.some((e) => /ReferenceError: process is not defined/.test(e)), t.errors.join('\n'));
  });

  test('js-transform breaks on Kong 3.x, where raw bodies are bytes: Uint8Array has no replace()', async () => {
    const t = new PluginTest(new Request().useBody('all lower case'));
    await t.Run(path.join(EXAMPLES, 'examples/js-transform.js'));
    assert.equal(t.response.status, 500);
    assert.ok(t.errors.some((e) => /requestBody\.replace is not a function/.test(e)), t.errors.join('\n'));
    assert.equal(t.serviceResponse, undefined);
  });
});

describe('PluginTest: Kong\'s phases', () => {
  test('run in Kong\'s order, only those the plugin has; certificate only for https', async () => {
    const every = { certificate: [['log.info', 'c']], rewrite: [['log.info', 'r']], access: [['log.info', 'a']], response: [['log.info', 'resp']], log: [['log.info', 'l']] };
    const https = new PluginTest(new Request().useURL('https://example.com/'));
    await https.Run(PROBER, every);
    assert.deepEqual(https.phases, ['certificate', 'rewrite', 'access', 'response', 'log']);
    assert.deepEqual(https.logs.filter((l) => l.level === 'info').map((l) => l.message), ['c', 'r', 'a', 'resp', 'l']);

    const http = new PluginTest(new Request());
    await http.Run(ACCESS_PROBER, { access: [], log: [] });
    assert.deepEqual(http.phases, ['access', 'log']);
    assert.equal(http.response.status, 200);
    assert.equal(http.response.body, 'OK');
  });

  test('tcp: and tls: requests run preread in the stream subsystem, where kong.request does not exist', async () => {
    const { t, seen } = await probe(new Request().useURL('tls://db.internal:5432'), {
      certificate: [['nginx.getSubsystem']],
      preread: [['client.getIp'], ['request.getHeader', 'host']],
      log: [],
    }, STREAM_PROBER);
    assert.deepEqual(t.phases, ['certificate', 'preread', 'log']);
    assert.deepEqual(results(seen), ['stream', '127.0.0.1']);
    assert.match(t.errors.join('\n'), /kong\.request\.get_header is not available in the stream subsystem/);
    assert.equal(t.response.status, 500);
  });
});

describe('PluginTest: kong.response.exit ends the request', () => {
  test('exit in rewrite: access and the upstream are skipped, the response phase does not run, log does', async () => {
    const { t, seen } = await probe(new Request(), {
      rewrite: [['response.exit', 403, { message: 'denied' }, { 'x-why': 'policy' }], ['log.info', 'never sent']],
      access: [['log.info', 'access ran']],
      response: [['log.info', 'response ran']],
      log: [['response.getSource'], ['response.getStatus'], ['response.getHeader', 'x-why']],
    });
    assert.deepEqual(t.phases, ['rewrite', 'log']);
    assert.deepEqual(t.calls.filter((c) => c.phase === 'rewrite').map((c) => c.method), ['kong.response.exit']);
    assert.equal(t.response.status, 403);
    assert.equal(t.response.body, '{"message":"denied"}');
    assert.equal(t.response.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(t.response.headers.get('content-length'), '20');
    assert.deepEqual(t.response.json(), { message: 'denied' });
    assert.equal(t.serviceResponse, undefined);
    assert.deepEqual(results(seen), ['exit', 403, 'policy']);
    assert.deepEqual(t.logs.filter((l) => l.level === 'info'), []);
  });

  test('exit with a string body sends it as is; its own Content-Type wins', async () => {
    const t = new PluginTest(new Request());
    await t.Run(PROBER, { access: [['response.exit', 200, 'cached', { 'Content-Type': 'text/plain' }]] });
    assert.equal(t.response.status, 200);
    assert.equal(t.response.body, 'cached');
    assert.equal(t.response.headers.get('content-type'), 'text/plain');
  });

  test('kong.response.error sends Kong\'s JSON error body', async () => {
    const t = new PluginTest(new Request());
    await t.Run(PROBER, { access: [['response.error', 429]] });
    assert.equal(t.response.status, 429);
    assert.deepEqual(t.response.json(), { message: 'Too many requests' });
  });

  test('exit in the response phase replaces the upstream\'s answer', async () => {
    const { t, seen } = await probe(new Request().useUpstream({ status: 201, headers: { 'x-up': '1' }, body: '{"n":1}' }), {
      response: [['response.getSource'], ['response.getStatus'], ['service.response.getBody', 'application/json'], ['response.exit', 502, 'replaced']],
      log: [['response.getSource']],
    });
    assert.deepEqual(results(seen), ['service', 201, { n: 1 }, 'exit']);
    assert.equal(t.response.status, 502);
    assert.equal(t.response.body, 'replaced');
    assert.equal(t.response.headers.get('x-up'), '1');
    assert.equal(t.serviceResponse?.status, 201);
  });
});

describe('PluginTest: headers', () => {
  test('request headers are a case-insensitive multimap: getHeader gives the first value, getHeaders all', async () => {
    const { seen } = await probe(new Request().useHeaders({ 'X-Multi': ['a', 'b'], Host: 'example.com' }), {
      access: [['request.getHeader', 'x-multi'], ['request.getHeader', 'X-MULTI'], ['request.getHeader', 'x_multi'], ['request.getHeaders'], ['request.getHeader', 'absent']],
    });
    assert.deepEqual(results(seen), ['a', 'a', 'a', { 'x-multi': ['a', 'b'], host: ['example.com'] }, { undefined: true }]);
  });

  test('response headers: set replaces, add appends, clear removes, arrays send several; upstream headers are kept', async () => {
    const { t, seen } = await probe(new Request(), {
      access: [['response.setHeader', 'X-A', '1'], ['response.addHeader', 'x-a', 2], ['response.setHeaders', { 'x-b': ['p', 'q'], 'x-c': true }], ['response.clearHeader', 'x-c']],
      response: [['response.getHeaders'], ['response.getHeader', 'x-b']],
    });
    assert.deepEqual(results(seen.filter((r) => r.phase === 'response')), [{ 'content-type': ['text/plain; charset=utf-8'], 'x-a': ['1', '2'], 'x-b': ['p', 'q'] }, 'p']);
    assert.equal(t.response.headers.get('x-a'), '1, 2');
    assert.deepEqual(t.response.headers.getAll('x-b'), ['p', 'q']);
  });

  test('kong.service.request changes the request itself: kong.request reads it back, the upstream gets it', async () => {
    const { t, seen } = await probe(new Request().useURL('http://example.com/orig?a=1').useHeaders({ 'x-in': 'v' }), {
      access: [
        ['service.request.setHeader', 'x-added', 'yes'],
        ['service.request.clearHeader', 'x-in'],
        ['service.request.setPath', '/upstream'],
        ['service.request.setQuery', { z: 'last', a: ['1', 'two words'], flag: true }],
        ['service.request.setMethod', 'POST'],
        ['request.getHeader', 'x-added'],
        ['request.getHeader', 'x-in'],
        ['request.getPath'],
        ['request.getRawQuery'],
        ['request.getMethod'],
      ],
    });
    assert.deepEqual(results(seen).slice(5), ['yes', { undefined: true }, '/orig', 'a=1&a=two%20words&flag&z=last', 'POST']);
    assert.equal(t.serviceRequest.url.pathname, '/upstream');
    assert.equal(t.serviceRequest.headers.get('x-added'), 'yes');
    assert.equal(t.request.headers.get('x-in'), 'v');
  });

  test('a bad header value is a Lua error in Kong: the loop stops and the request is a 500', async () => {
    const { t, seen } = await probe(new Request(), { access: [['response.setHeader', 'x-obj', { no: 'tables' }], ['log.notice', 'not reached']] });
    assert.deepEqual(seen, []);
    assert.equal(t.response.status, 500);
    assert.match(t.errors.join('\n'), /invalid header value for "x-obj": got table/);
  });
});

describe('PluginTest: the log phase', () => {
  test('sees the saved request and response: headers (as changed), status, source, ctx', async () => {
    const { t, seen } = await probe(new Request().useHeaders({ 'x-req': 'r' }), {
      access: [['service.request.setHeader', 'x-set-in-access', '1'], ['ctx.shared.set', 'user', { id: 7 }], ['nginx.setCtx', 'k', 'v']],
      log: [
        ['request.getHeader', 'x-req'],
        ['request.getHeader', 'x-set-in-access'],
        ['response.getStatus'],
        ['response.getSource'],
        ['ctx.shared.get', 'user'],
        ['nginx.getCtx', 'k'],
      ],
    });
    assert.deepEqual(results(seen.filter((r) => r.phase === 'log')), ['r', '1', 200, 'service', { id: 7 }, 'v']);
    // the stored value is what crossed the boundary: plain data, without a prototype
    assert.deepEqual({ ...(t.ctx.shared.get('user') as object) }, { id: 7 });
  });

  test('kong.log.serialize is JSON text, with what set_serialize_value added', async () => {
    const { seen } = await probe(new Request().useURL('http://example.com/p?q=1'), {
      access: [['log.setSerializeValue', 'request.tag', 'x']],
      log: [['log.serialize']],
    });
    const serialized = JSON.parse(seen.find((r) => r.phase === 'log')!.result as string) as { request: { uri: string; tag: string }; response: { status: number }; client_ip: string };
    assert.equal(serialized.request.uri, '/p?q=1');
    assert.equal(serialized.request.tag, 'x');
    assert.equal(serialized.response.status, 200);
    assert.equal(serialized.client_ip, '127.0.0.1');
  });

  test('a function Kong does not serve from its snapshot is a Lua error there; the response is already sent', async () => {
    const { t, seen } = await probe(new Request(), { log: [['request.getMethod'], ['log.notice', 'not reached']] });
    assert.deepEqual(seen, []);
    assert.equal(t.response.status, 200);
    assert.match(t.errors.join('\n'), /^log: kong\.request\.get_method cannot be called in the log phase of an external plugin/m);
  });
});

describe('PluginTest: failures', () => {
  test('a plugin that throws gets the server\'s fail-closed answer: 500, Kong\'s body; the error names the source line', async () => {
    const t = new PluginTest(new Request());
    await t.Run(path.join(ROOT, 'test/fixtures/plugins/thrower.js'));
    assert.deepEqual(t.phases, ['rewrite', 'log']); // rewrite failed closed, so access never ran
    assert.equal(t.response.status, 500);
    assert.deepEqual(t.response.json(), { message: 'An unexpected error occurred' });
    assert.match(t.errors.join('\n'), /TypeError: sync boom[\s\S]*thrower\.js:7:/);
    assert.match(t.errors.join('\n'), /log boom/);
  });

  test('with --on-plugin-error open the request goes on to the upstream', async () => {
    const t = new PluginTest(new Request(), { limits: { onPluginError: 'open' } });
    await t.Run(path.join(ROOT, 'test/fixtures/plugins/thrower.js'));
    assert.deepEqual(t.phases, ['rewrite', 'access', 'log']);
    assert.equal(t.response.status, 200);
    assert.equal(t.response.body, 'OK');
  });

  test('a call in the wrong phase is a Lua error: Kong stops the loop and answers 500', async () => {
    const { t } = await probe(new Request(), { access: [['response.getStatus']] });
    assert.equal(t.response.status, 500);
    assert.match(t.errors.join('\n'), /kong\.response\.get_status: function cannot be called in access phase \(only in: response, log\)/);
  });

  test('an unknown PDK method answers nil, and Kong\'s warning is recorded', async () => {
    const { t, seen } = await probe(new Request(), { access: [['request.getNonsense', 1]] });
    assert.deepEqual(results(seen), [{ undefined: true }]);
    assert.deepEqual(t.warnings, ['could not find pdk method: kong.request.get_nonsense']);
    assert.equal(t.response.status, 200);
  });

  test('the fake upstream answers 200 "OK" by default; useUpstream sets its answer', async () => {
    const byDefault = await probe(new Request(), { response: [['service.response.getStatus'], ['service.response.getRawBody'], ['service.response.getHeader', 'Content-Type']] });
    assert.deepEqual(results(byDefault.seen), [200, { uint8array: [79, 75] }, 'text/plain; charset=utf-8']);
    const custom = await probe(new Request().useUpstream({ status: 404, headers: { 'x-from': ['a', 'b'] }, body: 'nope' }), {
      response: [['service.response.getStatus'], ['service.response.getHeaders']],
    });
    assert.deepEqual(results(custom.seen), [404, { 'x-from': ['a', 'b'] }]);
    assert.equal(custom.t.response.status, 404);
    assert.equal(custom.t.response.body, 'nope');
  });

  test('kong.service.set_* and enableBuffering are recorded for the test to check', async () => {
    const { t } = await probe(new Request(), {
      access: [['service.request.enableBuffering'], ['service.setTarget', 'backend.internal', 8080], ['service.setRetries', 2], ['service.setTimeouts', 100, 200, 300]],
      log: [],
    }, ACCESS_PROBER);
    assert.deepEqual(t.service, { buffering: true, target: { host: 'backend.internal', port: 8080 }, retries: 2, timeouts: { connect: 100, write: 200, read: 300 } });
  });
});

describe('PluginTest: Kong\'s values', () => {
  test('Kong 3.x sends raw bodies as bytes and loses PDK errors; Kong 2.x sends strings and rejects with kong.Error', async () => {
    const steps: Record<string, Step[]> = { access: [['request.getRawBody'], ['request.getBody']] };
    const v3 = await probe(new Request().useBody('hi'), steps);
    assert.deepEqual(results(v3.seen), [{ uint8array: [104, 105] }, { undefined: true }]);
    const v2 = await probe(new Request().useBody('hi'), steps, PROBER, new PluginTest(new Request().useBody('hi'), { kongVersion: '2.x' }));
    assert.deepEqual(results(v2.seen), ['hi', { error: 'PDKError: PDK method kong.request.get_body failed:  missing content type' }]);
  });

  test('bodies and queries are parsed as Kong parses them', async () => {
    const { seen } = await probe(new Request().useURL('http://example.com/?b=2&a=1&a=x+y&flag').useHeaders({ 'content-type': 'application/json' }).useBody('{"k":[1,2]}'), {
      access: [['request.getBody'], ['request.getQuery'], ['request.getQueryArg', 'a'], ['request.getQueryArg', 'flag'], ['request.getPathWithQuery']],
    });
    assert.deepEqual(results(seen), [{ k: [1, 2] }, { b: ['2'], a: ['1', 'x y'], flag: [] }, '1', true, '/?b=2&a=1&a=x+y&flag']);
  });

  test('the client, route, service and node answer fixed, plausible values', async () => {
    const { seen } = await probe(new Request().useURL('https://api.example.com:8443/x'), {
      access: [['client.getIp'], ['client.getProtocol'], ['request.getScheme'], ['request.getHost'], ['request.getPort'], ['router.getRoute'], ['ip.isTrusted', '10.0.0.1']],
    });
    const [ip, protocol, scheme, host, port, route, trusted] = results(seen);
    assert.deepEqual([ip, protocol, scheme, host, port, trusted], ['127.0.0.1', 'https', 'https', 'api.example.com', 8443, false]);
    assert.equal((route as { service: { id: string } }).service.id.length, 36);
  });

  test('kong.client.authenticate sets the consumer; the log phase has it only in kong.log.serialize', async () => {
    const { t, seen } = await probe(new Request(), {
      access: [['client.getConsumer'], ['client.authenticate', { id: 'c1', username: 'ada' }, { id: 'k1' }], ['client.getConsumer'], ['client.getCredential']],
      log: [['log.serialize'], ['client.getConsumer']],
    }, ACCESS_PROBER);
    assert.deepEqual(results(seen.slice(0, 4)), [{ undefined: true }, { undefined: true }, { id: 'c1', username: 'ada' }, { id: 'k1' }]);
    assert.deepEqual((JSON.parse(seen[4]!.result as string) as { consumer: unknown }).consumer, { id: 'c1', username: 'ada' });
    assert.equal(seen.length, 5); // get_consumer in the log timer is a Lua error in Kong
    assert.match(t.errors.join('\n'), /kong\.client\.get_consumer cannot be called in the log phase/);
  });

  test('the env vault resolves references', async () => {
    process.env.KPS_PLUGIN_TEST_SECRET = 's3cret';
    const { seen } = await probe(new Request(), { access: [['vault.get', '{vault://env/kps-plugin-test-secret}'], ['vault.isReference', '{vault://env/x}'], ['vault.get', '{vault://aws/x}']] });
    assert.deepEqual(results(seen), ['s3cret', true, { undefined: true }]);
  });
});

describe('PluginTest: config as Kong makes it', () => {
  test('defaults fill, unset fields are null, records get their defaults, sets lose duplicates, metadata keys are added', async () => {
    const t = new PluginTest();
    await t.Run(path.join(FIXTURES, 'config-shapes.js'), { tags: ['a', 'b', 'a'] });
    assert.deepEqual(JSON.parse(t.response.headers.get('x-config') ?? 'null'), {
      mode: 'allow',
      note: null,
      tags: ['a', 'b'],
      redis: { host: null, port: 6379 },
      route_id: null,
      service_id: null,
      consumer_id: null,
      __key__: 'plugins:config-shapes::::6b1f3c2e-0d6a-4f7e-9a51-3c8d2e4f5a61',
      __seq__: 1,
      __plugin_id: '6b1f3c2e-0d6a-4f7e-9a51-3c8d2e4f5a61',
      plugin_instance_name: null,
    });
  });

  test('a config Kong would refuse throws: a missing required field, an unknown field, a wrong type', async () => {
    const greeting = path.join(ROOT, 'plugins/ts-typed-greeting');
    await assert.rejects(new PluginTest().Run(greeting, {}), (e: unknown) => e instanceof ConfigError && /config\.header: required field missing/.test(e.message));
    await assert.rejects(new PluginTest().Run(greeting, { header: 'x', extra: 1 }), /config\.extra: unknown field/);
    await assert.rejects(new PluginTest().Run(greeting, { header: 'x', shout: 'yes' }), /config\.shout: expected a boolean/);
    await assert.rejects(new PluginTest().Run(path.join(FIXTURES, 'config-shapes.js'), { mode: 'maybe' }), /config\.mode: expected one of: allow, deny/);
  });
});

describe('PluginTest: naming the plugin', () => {
  test('a path, a file URL, a plugin directory, or what require() returned', async () => {
    for (const ref of [path.join(FIXTURES, 'sandboxed.js'), new URL('../fixtures/plugin-test/sandboxed.js', import.meta.url), require(path.join(FIXTURES, 'sandboxed.js')) as object]) {
      const t = new PluginTest();
      const info = await t.Run(ref);
      assert.equal(info.Name, 'sandboxed');
      assert.ok(t.response.headers.has('x-globals'));
    }
  });

  test('an ES module namespace cannot be traced to its file: the error says to pass its URL', async () => {
    const url = new URL('../fixtures/plugin-test/esm-plugin.mjs', import.meta.url);
    const ns: object = await import(url.href);
    await assert.rejects(new PluginTest().Run(ns), /new URL\("\.\/plugin\.ts", import\.meta\.url\)/);
    const t = new PluginTest();
    await t.Run(url);
    assert.equal(t.response.headers.get('x-esm'), 'yes');
  });

  test('withOptions fixes options for a test file, as the kong-js-pdk tests use it', async () => {
    const { PluginTest: V2 } = withOptions({ kongVersion: '2.x' });
    const { seen } = await probe(new Request().useBody('x'), { access: [['request.getRawBody']] }, PROBER, new V2(new Request().useBody('x')));
    assert.deepEqual(results(seen), ['x']);
  });
});
