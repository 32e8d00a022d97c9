// Hot reload over the real socket: saves of every kind swap the code under live instances, a broken
// save keeps the last good version serving, and no event is lost or fails because of a reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServerProcess } from '../../kong-driver/server-process.ts';
import type { KongClient } from '../../kong-driver/kong-client.ts';
import { until } from '../../kong-driver/until.ts';

function plugin(version: string, opts: { priority?: number; extra?: string } = {}): string {
  return `${opts.extra ?? ''}
class Plugin {
  constructor(config) { this.config = config; }
  async access(kong) {
    const v = await kong.request.getHeader('x-in');
    await kong.response.setHeader('x-version', '${version}:' + v + ':' + (this.config.tag || ''));
  }
}
module.exports = { Plugin, Version: '1.0.0', Priority: ${opts.priority ?? 1} };
`;
}

async function withServer(files: Record<string, string>, body: (s: ServerProcess, kong: KongClient, dir: string) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kps-reload-'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"commonjs"}');
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  const server = await ServerProcess.start({ pluginsDir: dir, args: ['--watch', '--shards', '1'] });
  const kong = server.client();
  try {
    await body(server, kong, dir);
  } finally {
    kong.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function version(kong: KongClient, id: number, input = 'in'): Promise<string> {
  const run = await kong.runPhase(id, 'access', (c) => (c.Method === 'kong.request.get_header' ? input : undefined));
  return String(run.calls.at(-1)!.Args[1]);
}

test('in-place write, rename-over and delete + recreate: the next event runs the new code, same id and config', async () => {
  await withServer({ 'hot.js': plugin('v1') }, async (server, kong, dir) => {
    const file = path.join(dir, 'hot.js');
    const inst = await kong.startInstance('hot', { tag: 'cfg' });
    assert.equal(await version(kong, inst.Id), 'v1:in:cfg');

    fs.writeFileSync(file, plugin('v2'));
    await server.waitForLogs('plugin.reloaded', 1);
    assert.equal(await version(kong, inst.Id), 'v2:in:cfg');

    fs.writeFileSync(path.join(dir, '.hot.js.tmp'), plugin('v3'));
    fs.renameSync(path.join(dir, '.hot.js.tmp'), file); // vim / JetBrains save
    // A rename or a delete may reach the watcher as two events on a loaded machine, each followed
    // by its own reload: the signal is the new code answering, with the same id and config.
    await server.waitForLogs('plugin.reloaded', 2);
    await until(async () => (await version(kong, inst.Id)) === 'v3:in:cfg', 'v3 answers');

    fs.rmSync(file);
    fs.writeFileSync(file, plugin('v4'));
    await server.waitForLogs('plugin.reloaded', 3);
    await until(async () => (await version(kong, inst.Id)) === 'v4:in:cfg', 'v4 answers');
    const status = await kong.call('plugin.GetStatus');
    assert.equal(status.Reload.Watching, true);
    assert.ok(status.Reload.Reloads >= 3);
    assert.equal(server.logsOf('plugin.reloaded').at(-1)!.instances, 1);
  });
});

test('a syntax error and a throwing module body keep the old version serving, with file and line logged; a fix recovers', async () => {
  await withServer({ 'hot.js': plugin('v1') }, async (server, kong, dir) => {
    const file = path.join(dir, 'hot.js');
    const inst = await kong.startInstance('hot');
    fs.writeFileSync(file, plugin('v2').replace('async access(kong) {', 'async access(kong) {{'));
    const [syntax] = await server.waitForLogs('plugin.reload_failed', 1);
    assert.match(syntax!.msg, new RegExp(`${file}:\\d+:\\d+: .*previous version keeps serving`));
    assert.equal(await version(kong, inst.Id), 'v1:in:');

    // line 3, column 9 of the saved file is the `throw`
    fs.writeFileSync(file, plugin('v3', { extra: "\nfunction boot() {\n  throw new Error('bad module body');\n}\nboot();\n" }));
    const failures = await server.waitForLogs('plugin.reload_failed', 2);
    assert.match(failures[1]!.msg, new RegExp(`bad module body \\(at ${file}:3:9\\)`));
    assert.equal(await version(kong, inst.Id), 'v1:in:');
    const status = await kong.call('plugin.GetStatus');
    assert.equal(status.Reload.Failures, 2);
    assert.equal(status.Reload.LastError.Plugin, 'hot');

    fs.writeFileSync(file, plugin('v4'));
    await server.waitForLogs('plugin.reloaded', 1);
    assert.equal(await version(kong, inst.Id), 'v4:in:');
    // fixed: no stale LastError; the failures stay counted
    const fixed = await kong.call('plugin.GetStatus');
    assert.equal(fixed.Reload.LastError, null);
    assert.equal(fixed.Reload.Failures, 2);
  });
});

test('an event parked in a PDK call finishes on the old code; the next event runs the new code', async () => {
  await withServer({ 'hot.js': plugin('old') }, async (server, kong, dir) => {
    const inst = await kong.startInstance('hot');
    const first = await kong.call('plugin.HandleEvent', { InstanceId: inst.Id, EventName: 'access' });
    assert.equal(first.Data.Method, 'kong.request.get_header');
    fs.writeFileSync(path.join(dir, 'hot.js'), plugin('new'));
    await server.waitForLogs('plugin.reloaded', 1);
    const second = await kong.call('plugin.Step', { EventId: first.EventId, Data: 'parked' });
    assert.deepEqual(second.Data, { Method: 'kong.response.set_header', Args: ['x-version', 'old:parked:'] });
    assert.equal((await kong.call('plugin.Step', { EventId: first.EventId })).Data, 'ret');
    assert.equal(await version(kong, inst.Id), 'new:in:');
  });
});

test('at least 200 events in flight across 20 reloads: none lost, none failed', async () => {
  await withServer({ 'hot.js': plugin('r0') }, async (server, kong, dir) => {
    const file = path.join(dir, 'hot.js');
    const instances = await Promise.all([1, 2, 3, 4].map((i) => kong.startInstance('hot', { tag: `t${i}` })));
    let saving = true;
    const saver = (async () => {
      for (let r = 1; r <= 20; r++) {
        fs.writeFileSync(file, plugin(`r${r}`));
        // paces the saves (some closer than the reload debounce, some farther apart)
        await new Promise((res) => setTimeout(res, 60 + (r % 3) * 40));
      }
      saving = false;
    })();
    const seen = new Set<string>();
    // Each worker sends at least 10 events, and goes on until the events have seen a reload (on a
    // loaded machine 200 events may all finish before the first rebuild is swapped in).
    const deadline = Date.now() + 30_000;
    const workers = Array.from({ length: 20 }, async (_, w) => {
      const client = server.client();
      const inst = instances[w % instances.length]!;
      for (let i = 0; i < 10 || (seen.size < 2 && Date.now() < deadline); i++) {
        const v = await version(client, inst.Id, `w${w}e${i}`);
        assert.match(v, new RegExp(`^r\\d+:w${w}e${i}:t${(w % 4) + 1}$`));
        seen.add(v.split(':')[0]!);
        // paces the load: events keep arriving while the saves go on
        await new Promise((res) => setTimeout(res, 20));
      }
      client.close();
    });
    await Promise.all([...workers, saver]);
    assert.equal(saving, false);
    await server.waitForLogs('plugin.reloaded', 1);
    assert.ok(seen.size > 1, `events saw several versions: ${[...seen].join(',')}`);
    assert.equal(server.logsOf('plugin.error').length, 0);
    assert.equal(server.logsOf('instance.reload_failed').length, 0);
  });
});

test('a new plugin file becomes available; a deleted one refuses new instances while its live ones keep serving', async () => {
  await withServer({ 'hot.js': plugin('v1') }, async (server, kong, dir) => {
    const inst = await kong.startInstance('hot');
    fs.writeFileSync(path.join(dir, 'fresh.js'), plugin('fresh'));
    await server.waitForLogs('plugin.added', 1);
    assert.equal((await kong.call('plugin.GetPluginInfo', 'fresh')).Name, 'fresh');
    const fresh = await kong.startInstance('fresh');
    assert.equal(await version(kong, fresh.Id), 'fresh:in:');

    fs.rmSync(path.join(dir, 'hot.js'));
    await server.waitForLogs('plugin.removed', 1);
    await assert.rejects(kong.startInstance('hot'), /plugin "hot" was removed from the plugins directory/);
    assert.equal(await version(kong, inst.Id), 'v1:in:');
  });
});

test('a metadata change is swapped in with a warning that Kong must be restarted for it', async () => {
  await withServer({ 'hot.js': plugin('v1') }, async (server, kong, dir) => {
    const inst = await kong.startInstance('hot');
    fs.writeFileSync(path.join(dir, 'hot.js'), plugin('v2', { priority: 42 }));
    const [warn] = await server.waitForLogs('plugin.metadata_changed', 1);
    assert.deepEqual(warn!.changes, ['Priority 1 → 42']);
    assert.match(warn!.msg, /restart Kong/);
    assert.equal(await version(kong, inst.Id), 'v2:in:');
    assert.equal((await kong.call('plugin.GetPluginInfo', 'hot')).Priority, 42);
  });
});

test('a directory plugin whose files all change at once (git checkout) reloads to a consistent version', async () => {
  const index = (v: string) => `const { tag } = require('./lib');\nclass Plugin { async access(kong) { await kong.response.setHeader('x-version', tag() + ':${v}'); } }\nmodule.exports = { Plugin, Version: '1.0.0', Priority: 1 };\n`;
  const lib = (v: string) => `exports.tag = () => '${v}';\n`;
  await withServer({ 'multi/index.js': index('a'), 'multi/lib.js': lib('a') }, async (server, kong, dir) => {
    const inst = await kong.startInstance('multi');
    fs.writeFileSync(path.join(dir, 'multi/lib.js'), lib('b'));
    fs.writeFileSync(path.join(dir, 'multi/index.js'), index('b'));
    await server.waitForLogs('plugin.reloaded', 1);
    // On a loaded machine the two writes may fall into two debounce windows (a reload with lib b and
    // index a, then one with both b): it must end at b:b, and after the first reload no answer is a:a.
    await until(async () => {
      const run = await kong.runPhase(inst.Id, 'access', () => undefined);
      const got = String(run.calls[0]!.Args[1]);
      assert.ok(got === 'b:a' || got === 'b:b', got);
      return got === 'b:b';
    }, 'the plugin answering b:b');
  });
});

test('a Kubernetes ConfigMap ..data symlink swap reloads the plugin', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kps-cm-'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"commonjs"}');
  fs.mkdirSync(path.join(dir, '..2026_01'));
  fs.writeFileSync(path.join(dir, '..2026_01/cm.js'), plugin('cm1'));
  fs.symlinkSync('..2026_01', path.join(dir, '..data'));
  fs.symlinkSync('..data/cm.js', path.join(dir, 'cm.js'));
  const server = await ServerProcess.start({ pluginsDir: dir, args: ['--watch', '--shards', '1'] });
  const kong = server.client();
  try {
    const inst = await kong.startInstance('cm');
    assert.equal(await version(kong, inst.Id), 'cm1:in:');
    fs.mkdirSync(path.join(dir, '..2026_02'));
    fs.writeFileSync(path.join(dir, '..2026_02/cm.js'), plugin('cm2'));
    fs.symlinkSync('..2026_02', path.join(dir, '..data_tmp'));
    fs.renameSync(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
    fs.rmSync(path.join(dir, '..2026_01'), { recursive: true });
    await server.waitForLogs('plugin.reloaded', 1);
    assert.equal(await version(kong, inst.Id), 'cm2:in:');
  } finally {
    kong.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
