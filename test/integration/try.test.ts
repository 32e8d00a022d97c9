// `try` on each example plugin: the exact PDK calls and response a newcomer sees (snapshots).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { BIN, ROOT } from '../../kong-driver/server-process.ts';

function tryPlugin(args: string[]) {
  const r = spawnSync(BIN, ['try', '-d', 'plugins', ...args], { encoding: 'utf8', cwd: ROOT, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const snapshots: Array<[string[], string]> = [
  [
    ['js-hello', '--config', '{"message":"hi"}'],
    `plugin js-hello 0.1.0, phases access, priority 0
request GET http://localhost/
  host: localhost

access:
  1. kong.request.get_header("host")
  2. kong.response.set_header("x-hello-from-javascript", "Javascript says hi to localhost")
  3. kong.response.set_header("x-sandboxed", "true")

response 200
  content-type: text/plain; charset=utf-8
  x-hello-from-javascript: Javascript says hi to localhost
  x-sandboxed: true
  body: OK
`,
  ],
  [
    ['js-exit', '--config', '{"key":"s3cret"}', '--header', 'x-api-key=wrong'],
    `plugin js-exit 1.0.0, phases access, priority 1000
request GET http://localhost/
  x-api-key: wrong
  host: localhost

access:
  1. kong.request.get_header("x-api-key")
  2. kong.response.exit(403, {"message":"invalid or missing API key"}, {"x-gate":"js-exit"})

response 403
  x-gate: js-exit
  content-type: application/json; charset=utf-8
  content-length: 40
  body: {"message":"invalid or missing API key"}
`,
  ],
  [
    ['ts-slugify', '--url', 'http://example.com/Hello/World'],
    `plugin ts-slugify 0.2.0, phases access, priority 5
request GET http://example.com/Hello/World
  host: example.com

access:
  1. kong.request.get_path()
  2. kong.response.set_header("x-path-slug", "hello-world")

response 200
  content-type: text/plain; charset=utf-8
  x-path-slug: hello-world
  body: OK
`,
  ],
  [
    ['ts-typed-greeting', '--config', '{"header":"x-greet"}', '--header', 'x-name=Ada'],
    `plugin ts-typed-greeting 1.0.0, phases access, priority 10
request GET http://localhost/
  x-name: Ada
  host: localhost

access:
  1. kong.request.get_header("x-name")
  2. kong.response.set_header("x-greet", "Hello, Ada!")

response 200
  content-type: text/plain; charset=utf-8
  x-greet: Hello, Ada!
  body: OK
`,
  ],
];

for (const [args, expected] of snapshots) {
  test(`try ${args.join(' ')}`, () => {
    const r = tryPlugin(args);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, expected);
  });
}

test('try js-memory shows Kong\'s memory statistics reaching the plugin', () => {
  const r = tryPlugin(['js-memory']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^access:\n {2}1\. kong\.node\.get_memory_stats\(\)\n {2}2\. kong\.response\.set_header\("x-lua-vms-gc-bytes", "\d+"\)\n {2}3\. kong\.response\.set_header\("x-lua-vms", "\d+"\)$/m);
});

test('try says clearly what is wrong with a bad plugin name, config or phase', () => {
  assert.match(tryPlugin(['nope']).err, /no plugin "nope" in plugins \(found: external-authz, hmac-sign, js-exit, js-hello, js-memory, jwt-auth, ts-slugify/);
  const bad = tryPlugin(['js-memory', '--config', '{"x":1}']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^kong-sandbox-pluginserver: js-memory: schema violation \(config\.x: unknown field\)\n$/);
  assert.match(tryPlugin(['js-hello', '--phase', 'header_filter']).err, /--phase must be one of/);
});

test('try on a plugin V8 cannot contain exits non-zero with one clear line', () => {
  const r = spawnSync(BIN, ['try', '-d', 'test/fixtures/plugins', 'aborter'], { encoding: 'utf8', cwd: ROOT, timeout: 60_000 });
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^kong-sandbox-pluginserver: aborter: the plugin's isolate process died \(signal SIG[A-Z]+\): a failure V8 cannot contain, such as new Array\(2\*\*28\)\.fill\(0\)[^\n]*\n$/);
});

test('try -v prints the console; --upstream-* set what the response phase sees; a repeated header has several values', () => {
  const args = ['-d', 'test/fixtures/try', 'upstream-echo', '--header', 'x-tag=a', '--header', 'x-tag=b', '--upstream-status', '503', '--upstream-header', 'x-up=1', '--upstream-header', 'x-up=2', '--upstream-body', 'down'];
  const run = (extra: string[]) => spawnSync(BIN, ['try', ...args, ...extra], { encoding: 'utf8', cwd: ROOT, timeout: 60_000 });
  const verbose = run(['-v']);
  assert.equal(verbose.status, 0, verbose.stderr);
  assert.equal(
    verbose.stdout,
    `plugin upstream-echo 1.0.0, phases access, response, priority 1
request GET http://localhost/
  x-tag: a
  x-tag: b
  host: localhost

access:
  1. kong.request.get_headers()

response:
  1. kong.service.response.get_status()
  2. kong.service.response.get_headers()
  3. kong.response.set_header("x-seen", "503 [\\"1\\",\\"2\\"]")

console:
  x-tag: ["a","b"]

response 503
  x-up: 1
  x-up: 2
  x-seen: 503 ["1","2"]
  body: down
`,
  );
  const quiet = run([]);
  assert.equal(quiet.status, 0, quiet.stderr);
  assert.equal(quiet.stdout, verbose.stdout.replace('\nconsole:\n  x-tag: ["a","b"]\n', ''));
  const bad = run(['--upstream-status', '42']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--upstream-status expects an HTTP status/);
});
