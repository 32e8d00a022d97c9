// The external-authz example (plugins/external-authz.js) under PluginTest, against a local
// authorization service, and through `try --allow-fetch`.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { PluginTest, Request } from '../../src/testing/index.ts';
import { BIN, ROOT } from '../../kong-driver/server-process.ts';

const PLUGIN = path.join(ROOT, 'plugins/external-authz.js');

describe('external-authz', () => {
  let service: http.Server;
  let origin = '';
  const asked: unknown[] = [];

  before(async () => {
    // allows "Bearer good" as subject "ada"; /slow never answers in time
    service = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.url === '/slow') return void setTimeout(() => res.end('{}'), 2000);
        const q = JSON.parse(body) as { authorization: string | null };
        asked.push(q);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(q.authorization === 'Bearer good' ? { allow: true, subject: 'ada' } : { allow: false, reason: 'token refused' }));
      });
    });
    await new Promise<void>((r) => service.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
  });
  after(() => {
    service.closeAllConnections();
    service.close();
  });

  const run = async (authorization: string | null, opts: { allow?: boolean; path?: string; timeoutMs?: number } = {}) => {
    const request = new Request().useURL('http://localhost/orders/7').useMethod('DELETE').useHeaders(authorization ? { authorization } : {});
    const t = new PluginTest(request, { limits: opts.allow === false ? {} : { allowFetch: [`external-authz=${origin}`] } });
    await t.Run(PLUGIN, { url: `${origin}${opts.path ?? '/check'}`, timeout_ms: opts.timeoutMs ?? 2000 });
    return t;
  };

  test('an allowed request goes on with the subject the service named; the service saw method, path and token', async () => {
    const t = await run('Bearer good');
    assert.equal(t.response.status, 200);
    assert.equal(t.serviceRequest.headers.get('x-authz-subject'), 'ada');
    assert.deepEqual(asked.at(-1), { method: 'DELETE', path: '/orders/7', authorization: 'Bearer good' });
  });

  test('a refused request ends with 403 and the service\'s reason', async () => {
    const t = await run('Bearer bad');
    assert.equal(t.response.status, 403);
    assert.deepEqual(t.response.json(), { message: 'token refused' });
    assert.equal(t.serviceResponse, undefined);
  });

  test('without --allow-fetch for its origin the plugin fails closed (503) and logs why', async () => {
    const before = asked.length;
    const t = await run('Bearer good', { allow: false });
    assert.equal(t.response.status, 503);
    assert.match(t.logs.map((l) => l.message).join('\n'), new RegExp(`may not reach ${origin}.*--allow-fetch external-authz=${origin}`));
    assert.equal(asked.length, before);
  });

  test('a service slower than timeout_ms fails closed with a TimeoutError', async () => {
    const t = await run('Bearer good', { path: '/slow', timeoutMs: 100 });
    assert.equal(t.response.status, 503);
    assert.match(t.logs.map((l) => l.message).join('\n'), /TimeoutError/);
  });

  test('try --allow-fetch runs it against the service', async () => {
    const { stdout } = await promisify(execFile)(BIN, [
      'try', '-d', path.join(ROOT, 'plugins'), 'external-authz', '--allow-fetch', `external-authz=${origin}`,
      '--config', JSON.stringify({ url: `${origin}/check` }), '--header', 'authorization=Bearer good',
    ]);
    assert.match(stdout, /kong\.service\.request\.set_header\("x-authz-subject", "ada"\)/);
    assert.match(stdout, /response 200/);
  });
});
