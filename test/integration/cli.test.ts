// The executable as Kong runs it: query commands (dumps), flags of every peer, Node version checks,
// socket takeover rules, SIGTERM and parent death.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { BIN, FIXTURE_PLUGINS, ROOT, ServerProcess } from '../../kong-driver/server-process.ts';
import { EXIT_500 } from '../../kong-driver/kong-client.ts';
import { until } from '../../kong-driver/until.ts';
import { discoverPlugins } from '../../src/plugins/discovery.ts';

const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin';

function run(args: string[], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(BIN, args, { encoding: 'utf8', env, timeout: 60_000 });
}

test('--dump-all-plugins prints exactly one JSON array on stdout, logs only on stderr', () => {
  const r = run(['-d', FIXTURE_PLUGINS, '--dump-all-plugins']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.endsWith('\n'));
  const infos = JSON.parse(r.stdout) as Array<{ Name: string; Version: string; Priority: number; Phases: string[] }>;
  const names = infos.map((i) => i.Name);
  assert.ok(names.includes('echo-header') && names.includes('esm-typed'));
  assert.ok(!names.includes('bad-version'));
  for (const i of infos) {
    assert.match(i.Version, /^\d+\.\d+\.\d+$/);
    assert.ok(Number.isInteger(i.Priority));
  }
  assert.match(r.stderr, /"event":"plugin.load_failed"/);
});

test('Go-style single-dash flags work as Kong and go-pluginserver configs spell them', () => {
  const r = run(['-kong-prefix', os.tmpdir(), '-plugins-directory', FIXTURE_PLUGINS, '-dump-all-plugins']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(Array.isArray(JSON.parse(r.stdout)));
});

test('-dump prints {"Protocol":"MsgPack:1","Plugins":[…]}; --dump-plugin-info NAME prints one plugin for Kong ≥ 3.9', () => {
  const all = run(['-d', FIXTURE_PLUGINS, '-dump']);
  assert.equal(all.status, 0, all.stderr);
  const doc = JSON.parse(all.stdout);
  assert.equal(doc.Protocol, 'MsgPack:1');
  assert.ok(doc.Plugins.length > 5);
  const one = run(['-d', FIXTURE_PLUGINS, '--dump-plugin-info', 'echo-header']);
  assert.equal(one.status, 0, one.stderr);
  const parsed = JSON.parse(one.stdout);
  assert.equal(parsed.length, 1);
  assert.equal(parsed[0].Name, 'echo-header');
  const missing = run(['-d', FIXTURE_PLUGINS, '-dump-plugin-info', 'ghost']);
  assert.notEqual(missing.status, 0);
  assert.equal(missing.stdout, '');
  assert.match(missing.stderr, /plugin "ghost" is not loaded/);
});

test('--version, --help, a missing -d and an unknown flag', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  assert.equal(run(['--version']).stdout, `${pkg.version}\n`);
  assert.equal(run(['-version']).stdout, `${pkg.version}\n`);
  const help = run(['--help']);
  assert.equal(help.status, 0);
  for (const flag of ['--kong-prefix', '--plugins-directory', '--dump-all-plugins', '--memory-limit', '--cpu-limit', '--on-plugin-error']) {
    assert.ok(help.stdout.includes(flag), flag);
  }
  const noDir = run(['--dump-all-plugins']);
  assert.equal(noDir.status, 2);
  assert.match(noDir.stderr, /--plugins-directory \(-d\) is required/);
  const unknown = run(['--frobnicate']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /--help/);
});

test('runs on the pinned Node 24 even when an older node comes first on PATH; refuses Node < 24', () => {
  const r = run(['-d', FIXTURE_PLUGINS, '--dump-plugin-info', 'echo-header'], { ...process.env, PATH: SYSTEM_PATH });
  assert.equal(r.status, 0, r.stderr);
  const fakeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kps-node20-'));
  const fake = path.join(fakeDir, 'node');
  fs.writeFileSync(fake, '#!/bin/sh\necho 20\n', { mode: 0o755 });
  const old = run(['--version'], { ...process.env, KPS_NODE: fake });
  assert.equal(old.status, 1);
  assert.match(old.stderr, /Node\.js 24 or newer is required/);
  fs.rmSync(fakeDir, { recursive: true });
});

test('a stale socket file is replaced; a live server on the path is never stolen', async () => {
  const a = await ServerProcess.start({ pluginsDir: FIXTURE_PLUGINS });
  const kong = a.client();
  const second = run(['-p', a.prefix, '--sock-name', 'kps.sock', '-d', FIXTURE_PLUGINS]);
  assert.equal(second.status, 2);
  assert.match(second.stderr, /another plugin server is listening on/);
  assert.ok(await kong.call('plugin.GetStatus'));
  kong.close();
  a.child.kill('SIGKILL'); // leaves the socket file behind
  await a.exited;
  assert.ok(fs.existsSync(a.socketPath));
  const child = spawn(BIN, ['-p', a.prefix, '--sock-name', 'kps.sock', '-d', FIXTURE_PLUGINS], { stdio: 'ignore' });
  try {
    const deadline = Date.now() + 20_000;
    let ok = false;
    while (!ok && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      const c = new (await import('../../kong-driver/kong-client.ts')).KongClient(a.socketPath);
      ok = await c.call('plugin.GetStatus').then((s: { Pid: number }) => s.Pid === child.pid, () => false);
      c.close();
    }
    assert.ok(ok, 'the new server took over the stale socket');
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
    fs.rmSync(a.prefix, { recursive: true, force: true });
  }
});

test('SIGTERM: events in flight are answered, the socket file is removed, exit 0', async () => {
  const server = await ServerProcess.start({ args: ['--event-timeout', '30000', '--shutdown-timeout', '500'] });
  const kong = server.client();
  const stuck = await kong.startInstance('stuck');
  const pending = kong.call('plugin.HandleEvent', { InstanceId: stuck.Id, EventName: 'access' });
  // the event is in flight in the server before the signal (asked on a second connection)
  const probe = server.client();
  await until(async () => (await probe.call('plugin.InstanceStatus', stuck.Id)).Stats?.EventsInFlight === 1, 'the event in flight');
  probe.close();
  server.child.kill('SIGTERM');
  const answer = await pending;
  assert.deepEqual(answer.Data, EXIT_500);
  assert.equal(await server.exited, 0);
  assert.ok(!fs.existsSync(server.socketPath));
  assert.ok(server.logsOf('server.stopped').length === 1);
  kong.close();
  await server.stop();
});

test('the server exits when the process that started it dies', async () => {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'kps-orphan-'));
  // The shell starts the server in the background, waits until it listens (its socket file is
  // there), and exits: the server is re-parented. The shell says whether it saw the socket.
  const sock = path.join(prefix, 'o.sock');
  const script = `"${BIN}" -p "${prefix}" --sock-name o.sock -d "${FIXTURE_PLUGINS}" >/dev/null 2>&1 & echo $!
i=0; while [ ! -S "${sock}" ] && [ $i -lt 900 ]; do sleep 0.05; i=$((i+1)); done
[ -S "${sock}" ] && echo listening`;
  const out = execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
  const [pidLine, listening] = out.trim().split('\n');
  const pid = Number(pidLine);
  assert.equal(listening, 'listening', 'the server never listened before its parent exited');
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  // generous: under a loaded CI machine, loading the fixture plugins alone takes seconds
  const deadline = Date.now() + 45_000;
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.ok(!alive(), 'the orphaned server exited');
  assert.ok(!fs.existsSync(sock));
  fs.rmSync(prefix, { recursive: true, force: true });
});

test('--on-plugin-error open lets the request go on ("ret") when a plugin throws', async () => {
  const server = await ServerProcess.start({ args: ['--on-plugin-error', 'open'] });
  const kong = server.client();
  const inst = await kong.startInstance('thrower');
  assert.equal((await kong.call('plugin.HandleEvent', { InstanceId: inst.Id, EventName: 'rewrite' })).Data, 'ret');
  kong.close();
  await server.stop();
});

test('SIGHUP stops the server as gracefully as SIGTERM: logged, socket removed, exit 0', async () => {
  const server = await ServerProcess.start({ args: ['--shards', '1'] });
  const kong = server.client();
  const inst = await kong.startInstance('echo-header');
  await kong.runPhase(inst.Id, 'access', () => 'v');
  server.child.kill('SIGHUP');
  assert.equal(await server.exited, 0);
  assert.equal((await server.waitForLog('server.stopping', () => true)).reason, 'SIGHUP');
  assert.equal(server.logsOf('server.stopped').length, 1);
  assert.ok(!fs.existsSync(server.socketPath));
  kong.close();
  await server.stop();
});

test('a --metrics-listen port that is taken: one line, exit 1, no socket left', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as net.AddressInfo).port;
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'kps-metrics-'));
  try {
    const r = run(['-p', prefix, '-d', FIXTURE_PLUGINS, '--shards', '1', '--metrics-listen', String(port)]);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `kong-sandbox-pluginserver: --metrics-listen 127.0.0.1:${port}: the port is already in use (choose another one, or stop what listens there)\n`);
    assert.deepEqual(fs.readdirSync(prefix), []);
  } finally {
    blocker.close();
    fs.rmSync(prefix, { recursive: true, force: true });
  }
});

test('the default shard count is one per plugin, at most one per core: shards no plugin can use are not started', async () => {
  const cores = Math.max(2, os.availableParallelism());
  const plugins = discoverPlugins(FIXTURE_PLUGINS).length;
  assert.ok(plugins > 20);
  for (const [dir, args, expected] of [
    [path.join(ROOT, 'test/fixtures/try'), [], 1],
    [FIXTURE_PLUGINS, [], Math.min(cores, plugins)],
    [path.join(ROOT, 'test/fixtures/try'), ['--shards', '3'], 3],
  ] as const) {
    const server = await ServerProcess.start({ pluginsDir: dir, args: [...args] });
    try {
      assert.equal((await server.waitForLog('server.listening', () => true)).shards, expected);
      const kong = server.client();
      assert.equal((await kong.call('plugin.GetStatus')).Shards.length, expected);
      kong.close();
    } finally {
      await server.stop();
    }
  }
});
