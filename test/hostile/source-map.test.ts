// Hostile: a plugin whose bundle is built to make mapping its error positions expensive (a 500 000-
// line module, ~7 MB) throws on every event. Mapping its stack to the author's lines must not stall
// the shard its neighbour shares, grow the shard's or the supervisor's memory by hundreds of MB
// (a general source-map consumer did: 1.6 s and +320 MB on the shard, +200 MB per version on the
// supervisor), or leave the position unmapped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServerProcess } from '../../kong-driver/server-process.ts';
import { NEIGHBOUR } from './helpers.ts';
import { cpuMsOf } from '../../kong-driver/proc-cpu.ts';
import { rssMbOf } from '../../kong-driver/proc-rss.ts';

/** CPU time (user + system) a process used so far, ms. */
const cpuMs = (pid: number): number => cpuMsOf(`/proc/${pid}/stat`);

test('a 7 MB bundle that throws every event: positions mapped, the neighbour on its shard unhindered, memory flat', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kps-bigmap-'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"commonjs"}');
  const calls = Array.from({ length: 500_000 }, (_, i) => `a(${i % 10});`).join('\n');
  fs.writeFileSync(path.join(dir, 'big-thrower.js'), `var g = {};\nfunction a(x) { g.x = x; }\nfunction boot() {\n${calls}\n}\n` +
    "class Plugin { access() { if (g.y) boot(); throw new Error('attacker'); } }\nmodule.exports = { Plugin, Version: '1.0.0', Priority: 1 };\n");
  fs.copyFileSync(NEIGHBOUR, path.join(dir, 'neighbour.js'));
  const server = await ServerProcess.start({ pluginsDir: dir, args: ['--shards', '1', '--memory-limit', '64', '--cpu-limit', '100'] });
  const kong = server.client();
  try {
    const attacker = await kong.startInstance('big-thrower');
    const neighbour = await kong.startInstance('neighbour', { prefix: 'n:' });
    const status = await kong.call('plugin.GetStatus');
    const shardPid = status.Shards[0].Pid as number;
    const before = { shard: rssMbOf(shardPid), supervisor: rssMbOf(server.child.pid!) };
    const cpuBefore = cpuMs(shardPid) + cpuMs(server.child.pid!);
    for (let i = 0; i < 3; i++) {
      const [attack, served] = await Promise.all([
        kong.runPhase(attacker.Id, 'access', () => null),
        (async () => {
          const other = server.client();
          try {
            const run = await other.runPhase(neighbour.Id, 'access', (c) => (c.Method === 'kong.request.get_header' ? `v${i}` : undefined));
            return { run };
          } finally {
            other.close();
          }
        })(),
      ]);
      assert.equal(attack.exited?.Args[0], 500);
      assert.deepEqual(served.run.calls, [
        { Method: 'kong.request.get_header', Args: ['x-in'] },
        { Method: 'kong.response.set_header', Args: ['x-out', `n:v${i}`] },
      ]);
    }
    // Judged on CPU, not on the neighbour's wait, so that a busy machine cannot fail it: mapping the
    // three errors costs the shard and the supervisor little (a general consumer: 1.6 s on the first).
    const cpu = cpuMs(shardPid) + cpuMs(server.child.pid!) - cpuBefore;
    assert.ok(cpu < 800, `the shard and the supervisor used ${cpu.toFixed(0)} ms of CPU for three events of each plugin`);
    const errors = await server.waitForLogs('plugin.error', 3, 10_000, (l) => String(l.msg).includes('attacker'));
    // the throw is on line 500 005 of the author's file, whatever line of the bundle it became
    assert.match(String(errors[0]!.msg), new RegExp(`big-thrower\\.js:500005:50`));
    const grew = { shard: rssMbOf(shardPid) - before.shard, supervisor: rssMbOf(server.child.pid!) - before.supervisor };
    assert.ok(grew.shard < 100, `the shard grew ${grew.shard.toFixed(0)} MB`);
    assert.ok(grew.supervisor < 100, `the supervisor grew ${grew.supervisor.toFixed(0)} MB`);
  } finally {
    kong.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
