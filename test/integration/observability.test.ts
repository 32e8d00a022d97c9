// What an operator sees of a server under known load: GetStatus, the Prometheus endpoint, /healthz
// and the `status` command all agree with the events that were run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { BIN, FIXTURE_PLUGINS, ROOT, ServerProcess } from '../../kong-driver/server-process.ts';
import { NPM_START_PREFIX } from '../../src/cli/status.ts';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

test('GetStatus, /metrics, /healthz and the status command report the known load', async () => {
  const port = await freePort();
  const server = await ServerProcess.start({ args: ['--shards', '2', '--memory-limit', '16', '--cpu-limit', '1000', '--metrics-listen', String(port)] });
  const kong = server.client();
  try {
    const echo = await kong.startInstance('echo-header');
    for (let i = 0; i < 5; i++) await kong.runPhase(echo.Id, 'access', () => `v${i}`); // 2 PDK calls each
    const hog = await kong.startInstance('hog');
    await kong.call('plugin.HandleEvent', { InstanceId: hog.Id, EventName: 'access' }); // heap breach
    await server.waitForLog('instance.killed', (l) => l.instance === hog.Id);

    const status = await kong.call('plugin.GetStatus');
    const inst = status.Plugins['echo-header'].Instances.find((i: { Id: number }) => i.Id === echo.Id);
    assert.equal(inst.Stats.EventsServed, 5);
    assert.equal(inst.Stats.PdkCalls, 10);
    assert.ok(inst.Stats.HeapUsed > 0 && inst.Stats.HeapUsed < inst.Stats.HeapLimit);
    assert.ok(inst.Stats.HeapLimit >= 16 * 1024 * 1024 && inst.Stats.HeapLimit < 32 * 1024 * 1024);
    assert.equal(inst.Stats.CpuBudgetMs, 1000);
    assert.ok(inst.Stats.CpuTimeMs > 0);
    assert.deepEqual(status.Plugins.hog.Breaches, { memory: 1 });
    assert.equal(status.Plugins.hog.Restarts, 1);
    assert.equal(status.Plugins.hog.LastBreach.Kind, 'memory');
    assert.equal(status.Plugins.hog.Instances.length, 0);

    const single = await kong.call('plugin.InstanceStatus', echo.Id);
    assert.equal(single.Stats.EventsServed, 5);
    assert.equal(single.LastBreach, null);

    const thrower = await kong.startInstance('thrower');
    for (let i = 0; i < 2; i++) await kong.runPhase(thrower.Id, 'access', () => 'x'); // throws after its PDK call
    const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const metrics = await scrape();
    assert.match(metrics, /^kps_plugin_events_total\{plugin="echo-header"\} 5$/m);
    assert.match(metrics, /^kps_plugin_pdk_calls_total\{plugin="echo-header"\} 10$/m);
    assert.match(metrics, /^kps_plugin_errors_total\{plugin="thrower"\} 2$/m);
    assert.match(metrics, /^kps_plugin_errors_total\{plugin="echo-header"\} 0$/m);
    assert.match(metrics, /^kps_plugin_instances\{plugin="echo-header"\} 1$/m);
    // series per plugin, never per instance id (random, so unbounded); every *_total a counter
    assert.doesNotMatch(metrics, /^kps_\w+\{[^}]*instance=/m);
    const types = [...metrics.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => [name, type]);
    // (kps_supervisor_* are prom-client's default Node metrics, with its own naming)
    const totals = types.filter(([name]) => name!.endsWith('_total') && !name!.startsWith('kps_supervisor_'));
    assert.ok(totals.length >= 7, JSON.stringify(types));
    assert.deepEqual(totals.filter(([, type]) => type !== 'counter'), []);
    assert.match(metrics, /kps_breaches_total\{plugin="hog",kind="memory"\} 1/);
    assert.match(metrics, /kps_plugin_restarts_total\{plugin="hog"\} 1/);
    assert.match(metrics, /kps_isolates_alive 2/);
    // a counter does not go down when the instances that counted go away
    await kong.call('plugin.CloseInstance', thrower.Id);
    let after = await scrape();
    for (const deadline = Date.now() + 10_000; /^kps_plugin_instances\{plugin="thrower"\}/m.test(after) && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 50));
      after = await scrape();
    }
    assert.match(after, /^kps_plugin_errors_total\{plugin="thrower"\} 2$/m);
    assert.match(after, /kps_isolates_alive 1/);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok', instances: 1, shards: 2, shardsDown: 0 });

    const cli = spawnSync(BIN, ['status', '-p', server.prefix, '--sock-name', path.basename(server.socketPath)], { encoding: 'utf8' });
    assert.equal(cli.status, 0, cli.stderr);
    const row = cli.stdout.split('\n').find((l) => l.startsWith('echo-header'))!;
    assert.match(row, new RegExp(`^echo-header\\s+${echo.Id}\\s+\\[[#.]{20}\\] \\d+\\.\\d/\\d+ MB\\s+\\d+%\\s+\\d+ ms\\s+5\\s+10\\s+-$`));
    assert.match(cli.stdout.split('\n').find((l) => l.startsWith('hog'))!, /memory:1/);
    assert.match(cli.stdout, /SHARDS\n {2}#0 general/);
    const json = spawnSync(BIN, ['status', '--socket', server.socketPath, '--json'], { encoding: 'utf8' });
    assert.equal(JSON.parse(json.stdout).Plugins['echo-header'].Instances[0].Stats.EventsServed, 5);
  } finally {
    kong.close();
    await server.stop();
  }
});

test('the status command says clearly when no server is listening', () => {
  const r = spawnSync(BIN, ['status', '--socket', '/nonexistent/kps.sock'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /cannot reach a plugin server on \/nonexistent\/kps\.sock/);
});

test('metrics are off unless asked for, and loopback-only by default', async () => {
  const server = await ServerProcess.start({ args: ['--shards', '1'] });
  try {
    assert.equal(server.logsOf('metrics.listening').length, 0);
  } finally {
    await server.stop();
  }
  const port = await freePort();
  const on = await ServerProcess.start({ args: ['--shards', '1', '--metrics-listen', String(port)] });
  try {
    const line = await on.waitForLog('metrics.listening', () => true);
    assert.equal((line.address as { address: string }).address, '127.0.0.1');
  } finally {
    await on.stop();
  }
});

test("status without -p asks Kong's default prefix, then npm start's, and names every socket it tried", async () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  assert.match(pkg.scripts.start, new RegExp(` -p ${NPM_START_PREFIX} `), 'npm start serves where status looks');
  const name = `kps-status-${process.pid}-${Date.now()}.sock`;
  const none = spawnSync(BIN, ['status', '--sock-name', name], { encoding: 'utf8' });
  assert.equal(none.status, 2);
  assert.equal(
    none.stderr,
    `kong-sandbox-pluginserver: cannot reach a plugin server; tried /usr/local/kong/${name}: no such socket, and ${NPM_START_PREFIX}/${name}: no such socket (-p <kong-prefix> or --socket <path> names another)\n`,
  );
  // a server where `npm start` puts it is found without -p
  const child = spawn(BIN, ['-p', NPM_START_PREFIX, '--sock-name', name, '-d', FIXTURE_PLUGINS, '--shards', '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    for (const deadline = Date.now() + 30_000; !out.includes('"server.listening"') && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
    const found = spawnSync(BIN, ['status', '--sock-name', name], { encoding: 'utf8' });
    assert.equal(found.status, 0, found.stderr);
    assert.match(found.stdout, new RegExp(`^kong-sandbox-pluginserver pid ${child.pid} on ${NPM_START_PREFIX}/${name}\\n`));
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
});
