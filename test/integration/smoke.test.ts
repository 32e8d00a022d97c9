import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ServerProcess } from '../helpers/server-process.ts';

let server: ServerProcess;
before(async () => {
  server = await ServerProcess.start();
});
after(async () => {
  await server.stop();
});

test('echo-header round trip', async () => {
  const kong = server.client();
  const inst = await kong.startInstance('echo-header', { prefix: '>' });
  const run = await kong.runPhase(inst.Id, 'access', (c) => (c.Method === 'kong.request.get_header' ? 'v1' : undefined));
  assert.deepEqual(run.calls, [
    { Method: 'kong.request.get_header', Args: ['x-in'] },
    { Method: 'kong.response.set_header', Args: ['x-out', '>v1'] },
  ]);
  kong.close();
});
