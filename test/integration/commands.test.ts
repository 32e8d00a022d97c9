// The operator commands: `check` before a deploy, and `kong-conf`, whose query commands are run and
// parsed here exactly as Kong parses them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execSync } from 'node:child_process';
import path from 'node:path';
import { BIN, ROOT } from '../../kong-driver/server-process.ts';

const BROKEN = path.join(ROOT, 'test/fixtures/broken-plugins');
const EXAMPLES = path.join(ROOT, 'plugins');

function run(args: string[]) {
  return spawnSync(BIN, args, { encoding: 'utf8', cwd: ROOT, timeout: 120_000 });
}

test('check on a folder of broken plugins prints one precise line per problem and exits 1', () => {
  const r = run(['check', '-d', BROKEN, '--start-timeout', '300']);
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stdout.trim().split('\n');
  const expected = [
    /^FAIL test\/fixtures\/broken-plugins\/bad-schema\.js: Schema\.size has type "bigint"; Kong knows string, /,
    /^FAIL test\/fixtures\/broken-plugins\/bad-schema\.js: Schema\.tags \(array\) needs "elements"$/,
    /^FAIL test\/fixtures\/broken-plugins\/bad-version\.js: Version must look like "x\.y\.z"/,
    /^FAIL test\/fixtures\/broken-plugins\/filter-and-response\.js: Plugin defines response together with header_filter: Kong \(>= 2\.2\) refuses/,
    /^ok {3}fine 1\.0\.0 \[access\] priority 1$/,
    /^FAIL test\/fixtures\/broken-plugins\/fractional-priority\.js: Priority must be an integer/,
    /^FAIL test\/fixtures\/broken-plugins\/imports-net\.js:1:21: import "node:net" is not available/,
    /^FAIL test\/fixtures\/broken-plugins\/loops-at-load\.js: the module body or constructor ran longer than 300 ms \(--start-timeout\)$/,
    /^FAIL test\/fixtures\/broken-plugins\/no-phases\.js: Plugin has no phase handler/,
    /^FAIL test\/fixtures\/broken-plugins\/syntax-error\.js:1:\d+: /,
    /^FAIL test\/fixtures\/broken-plugins\/throws-at-load\.js: cannot start \(at .*throws-at-load\.js:2:7\)$/,
    /^10 plugin\(s\), 9 failed$/,
  ];
  assert.equal(lines.length, expected.length, r.stdout);
  expected.forEach((re, i) => assert.match(lines[i]!, re));
});

test('check on the example plugins exits 0', () => {
  const r = run(['check', '-d', EXAMPLES]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^ok {3}js-hello 0\.1\.0 \[access\] priority 0$/m);
  assert.match(r.stdout, /, 0 failed\n$/);
});

/** What Kong does with a query command's output (process.lua / 3.9 plugin_servers). */
function kongParse(stdout: string, kong39: boolean): string[] {
  const dump = JSON.parse(stdout) as unknown;
  const infos = ((dump as { Plugins?: unknown }).Plugins ?? dump) as Array<{ Name: string; Priority?: number; Version?: string }>;
  assert.ok(Array.isArray(infos), 'Not a plugin info table');
  for (const i of infos) assert.ok(Number.isInteger(i.Priority) && /^\d+\.\d+\.\d+$/.test(i.Version ?? ''));
  return kong39 ? [infos[0]!.Name] : infos.map((i) => i.Name);
}

function conf(text: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const line of text.trim().split('\n')) {
    const [k, v] = line.split(' = ');
    m.set(k!, [...(m.get(k!) ?? []), v!]);
  }
  return m;
}

test('kong-conf for Kong 3.9: one entry per plugin, each query command registers exactly its plugin', () => {
  const r = run(['kong-conf', '-d', EXAMPLES, '-p', '/usr/local/kong', '--kong', '3.9']);
  assert.equal(r.status, 0, r.stderr);
  const c = conf(r.stdout);
  const servers = c.get('pluginserver_names')![0]!.split(',');
  const plugins = c.get('plugins')![0]!.split(',').filter((p) => p !== 'bundled');
  assert.equal(servers.length, plugins.length);
  const registered: string[] = [];
  const sockets = new Set<string>();
  let starts = 0;
  for (const s of servers) {
    sockets.add(c.get(`pluginserver_${s}_socket`)![0]!);
    if (c.has(`pluginserver_${s}_start_cmd`)) starts++;
    registered.push(...kongParse(execSync(c.get(`pluginserver_${s}_query_cmd`)![0]!, { encoding: 'utf8' }), true));
  }
  assert.deepEqual(registered.sort(), [...plugins].sort());
  assert.equal(sockets.size, 1);
  assert.equal(starts, 1);
});

test('kong-conf for Kong 2.x-3.8: one server entry whose query command registers every plugin; --env spells KONG_ variables', () => {
  const r = run(['kong-conf', '-d', EXAMPLES, '--kong', '3.8']);
  const c = conf(r.stdout);
  assert.deepEqual(c.get('pluginserver_names'), ['sandbox']);
  const plugins = c.get('plugins')![0]!.split(',').filter((p) => p !== 'bundled');
  assert.deepEqual(kongParse(execSync(c.get('pluginserver_sandbox_query_cmd')![0]!, { encoding: 'utf8' }), false).sort(), [...plugins].sort());
  assert.match(c.get('pluginserver_sandbox_start_cmd')![0]!, /kong-sandbox-pluginserver -p \/usr\/local\/kong --sock-name js_pluginserver\.sock -d /);
  const env = run(['kong-conf', '-d', EXAMPLES, '--kong', '3.8', '--env']);
  assert.match(env.stdout, /^KONG_PLUGINSERVER_NAMES=sandbox$/m);
  assert.match(env.stdout, /^KONG_PLUGINSERVER_SANDBOX_QUERY_CMD='.*--dump-all-plugins'$/m);
  assert.match(env.stdout, /^KONG_PLUGINS=bundled,/m);
});

test('module.exports in an ES module (.mjs) fails with what to change; in a "type": "module" package a CommonJS .js plugin loads', () => {
  const r = run(['check', '-d', 'test/fixtures/esm-package']);
  assert.equal(r.status, 1, r.stderr);
  const [cjsInEsmPackage, cjsInMjs] = r.stdout.split('\n');
  // the server hands esbuild the file, which reads module.exports without export as CommonJS
  assert.equal(cjsInEsmPackage, 'ok   cjs-in-esm 1.0.0 [access] priority 1');
  assert.equal(
    cjsInMjs,
    `FAIL test/fixtures/esm-package/cjs-in-mjs.mjs: module is not defined (at ${path.join(ROOT, 'test/fixtures/esm-package/cjs-in-mjs.mjs')}:2:1): ` +
      'cjs-in-mjs.mjs is an ES module (its extension is .mjs), where `module` does not exist; export the plugin instead ' +
      '(`export const Plugin = …; export const Version = …`), or rename it to .cjs',
  );
});

test('kong-conf takes --socket-name as the server does; --help calls --dump-plugin-info the query command of Kong >= 3.9', () => {
  for (const flag of ['--sock-name', '--socket-name']) {
    const r = run(['kong-conf', '-d', EXAMPLES, '--kong', '3.8', '-p', '/usr/local/kong', flag, 'other.sock']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^pluginserver_sandbox_socket = \/usr\/local\/kong\/other\.sock$/m);
    assert.match(r.stdout, /^pluginserver_sandbox_start_cmd = \S+ -p \/usr\/local\/kong --sock-name other\.sock -d /m);
  }
  const help = run(['--help']).stdout;
  const line = (flag: string) => help.slice(help.indexOf(`${flag} `), help.indexOf('\n      --', help.indexOf(`${flag} `) + 1));
  assert.match(line('--dump-plugin-info'), /query_cmd\s+of\s+each\s+plugin\s+for\s+Kong\s+>=\s+3\.9/);
  assert.doesNotMatch(line('--dump'), /3\.9/);
});

test('kong-conf says how many shards the server will start for the directory and what an idle one costs', () => {
  const one = run(['kong-conf', '-d', 'test/fixtures/try']);
  assert.equal(one.status, 0, one.stderr);
  assert.match(one.stderr, /^memory: the server starts 1 shard process for this directory \(one per plugin, at most one per CPU core; --shards N .*\), each about 80 MB of RSS when idle/m);
  assert.doesNotMatch(one.stdout, /memory/, 'the note stays out of the kong.conf lines');
});
