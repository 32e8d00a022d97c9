// Errors a plugin throws, and stacks it logs, name the author's file, line and column in the
// server's logs and in Kong's error answers, not positions in the esbuild bundle (which a shard runs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ROOT, ServerProcess } from '../../kong-driver/server-process.ts';

const DIR = path.join(ROOT, 'test/fixtures/positions');
const FILE = path.join(DIR, 'typed-thrower.ts');

test('plugin errors and logged stacks carry source-mapped positions (shards and --shards 0)', async () => {
  for (const args of [[], ['--shards', '0']]) {
    const server = await ServerProcess.start({ pluginsDir: DIR, args });
    try {
      const kong = server.client();
      await assert.rejects(kong.startInstance('typed-thrower', { when: 'start' }), (err: Error) => {
        assert.match(err.message, new RegExp(`bad config \\(at ${FILE}:8:\\d+\\)`));
        return true;
      });
      const inst = await kong.startInstance('typed-thrower', { when: 'access' });
      await kong.runPhase(inst.Id, 'access', () => undefined);
      const failed = await server.waitForLog('plugin.error', () => true);
      assert.match(failed.msg, new RegExp(`typed boom\\n\\s+at Plugin\\.access \\(${FILE}:13:\\d+\\)`), failed.msg);
      const logged = await server.waitForLog('plugin.log', (l) => l.msg.includes('caught'));
      assert.match(logged.msg, new RegExp(`${FILE}:12:\\d+`), logged.msg);
      kong.close();
    } finally {
      await server.stop();
    }
  }
});
