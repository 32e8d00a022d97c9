// kong-js-pdk's js-hello starts a PDK call, then throws (`process.pid`) before awaiting it: the call
// it left behind is rejected when the event ends, an unhandled rejection that isolated-vm throws out
// of the slice. In a shard that used to void the calls the slice had queued (the header was lost,
// and so was the ReferenceError) and stop the instance. Now shards and --shards 0 agree: the header
// is set, the event fails by policy with the error logged, and the instance serves on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ServerProcess, ROOT } from '../../kong-driver/server-process.ts';
import { EXIT_500 } from '../../kong-driver/kong-client.ts';

for (const shards of ['1', '0']) {
  test(`--shards ${shards}: a PDK call left unawaited by a handler that throws; the instance lives`, async () => {
    const server = await ServerProcess.start({ pluginsDir: path.join(ROOT, 'test/fixtures/kong-js-pdk-examples/examples'), args: ['--shards', shards] });
    const kong = server.client();
    try {
      const inst = await kong.startInstance('js-hello', { message: 'hi' });
      for (let round = 0; round < 2; round++) {
        const run = await kong.runPhase(inst.Id, 'access', (c) => (c.Method === 'kong.request.get_header' ? 'example.com' : null));
        assert.deepEqual(run.calls.map((c) => c.Method), ['kong.request.get_header', 'kong.response.set_header', 'kong.response.exit']);
        assert.deepEqual(run.exited, EXIT_500);
      }
      const failed = await server.waitForLog('plugin.error', (l) => String(l.msg).includes('ReferenceError: process is not defined'));
      assert.match(String(failed.msg), /js-hello\.js:22:\d+/);
      assert.equal(server.logsOf('instance.killed').length, 0);
    } finally {
      kong.close();
      await server.stop();
    }
  });
}
