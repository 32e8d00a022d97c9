// fetch and timers through the real server: a plugin in a shard fetches from a local HTTP server
// that --allow-fetch allows, and from one it does not.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ServerProcess, ROOT } from '../../kong-driver/server-process.ts';
import type { KongClient } from '../../kong-driver/kong-client.ts';
import { rssMbOf } from '../../kong-driver/proc-rss.ts';
import { reported } from '../hostile/helpers.ts';

// long enough for a local server to answer on a loaded machine, well inside the 5 s event deadline
const FETCH_TIMEOUT_MS = 2000;

const PLUGINS = path.join(ROOT, 'test/fixtures/fetch');
const MAX_FETCH_BYTES = 1024 * 1024;

/** The local services: `allowed` is given to the plugin, `other` is not. */
function listen(handler: http.RequestListener): Promise<http.Server> {
  const server = http.createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
const originOf = (s: http.Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

describe('fetch and timers through the server', () => {
  let allowed: http.Server;
  let other: http.Server;
  let server: ServerProcess;
  let kong: KongClient;
  let fetcher = 0;
  const huge = { sent: 0, closed: null as Promise<void> | null };
  const slow = { closed: null as Promise<void> | null };

  before(async () => {
    other = await listen((_req, res) => res.end('other'));
    allowed = await listen((req, res) => {
      if (req.url === '/ok') {
        res.setHeader('content-type', 'application/json');
        res.setHeader('x-echo', String(req.headers['x-test'] ?? ''));
        res.end(JSON.stringify({ hello: 'world', method: req.method }));
      } else if (req.url === '/redirect-in') {
        res.writeHead(302, { location: '/ok' }).end();
      } else if (req.url === '/redirect-out') {
        res.writeHead(302, { location: `${originOf(other)}/ok` }).end();
      } else if (req.url === '/slow') {
        slow.closed = new Promise((r) => res.on('close', r)); // never answers
      } else if (req.url === '/huge') {
        huge.closed = new Promise((r) => res.on('close', r));
        const chunk = Buffer.alloc(64 * 1024, 120);
        const pump = () => {
          while (!res.destroyed && huge.sent < 512 * 1024 * 1024) {
            huge.sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
      } else {
        res.writeHead(404).end();
      }
    });
    server = await ServerProcess.start({
      pluginsDir: PLUGINS,
      args: ['--allow-fetch', `fetcher=${originOf(allowed)}`, '--fetch-timeout', String(FETCH_TIMEOUT_MS), '--max-fetch-bytes', String(MAX_FETCH_BYTES), '--event-timeout', '5000', '--shards', '1'],
    });
    kong = server.client();
    fetcher = (await kong.startInstance('fetcher')).Id;
  });

  after(async () => {
    kong.close();
    assert.equal(await server.stop(), 0, server.stderr);
    allowed.closeAllConnections();
    allowed.close();
    other.close();
  });

  const fetchVia = async (url: string, opts: object = {}) =>
    reported(await kong.runPhase(fetcher, 'access', (c) => (c.Method === 'kong.request.get_header' ? ({ 'x-url': url, 'x-opts': JSON.stringify(opts) } as Record<string, string>)[c.Args[0] as string] : undefined)));

  test('an allowed origin answers; headers go out and come back; a redirect within it is followed', async () => {
    const got = await fetchVia(`${originOf(allowed)}/ok`, { method: 'POST', body: 'x', headers: { 'x-test': 'hi there' } });
    assert.deepEqual(got, { status: 200, ok: true, body: '{"hello":"world","method":"POST"}', length: 33, url: `${originOf(allowed)}/ok`, redirected: false, type: 'application/json', echo: 'hi there' });
    const redirected = await fetchVia(`${originOf(allowed)}/redirect-in`);
    assert.equal(redirected.status, 200);
    assert.equal(redirected.redirected, true);
    assert.equal(redirected.url, `${originOf(allowed)}/ok`);
  });

  test('a refused origin rejects with a TypeError naming the plugin, the origin and --allow-fetch', async () => {
    const got = await fetchVia(`${originOf(other)}/ok`);
    assert.equal(got.error, 'TypeError');
    assert.match(got.message, new RegExp(`plugin "fetcher" may not reach ${originOf(other)}.*--allow-fetch fetcher=${originOf(other)}`));
  });

  test('a redirect to a refused origin rejects the same way', async () => {
    const got = await fetchVia(`${originOf(allowed)}/redirect-out`);
    assert.equal(got.error, 'TypeError');
    assert.match(got.message, new RegExp(`may not reach ${originOf(other)}.*--allow-fetch`));
  });

  test('a slow server hits --fetch-timeout, well inside the event deadline, and the request is aborted', async () => {
    slow.closed = null;
    const got = await fetchVia(`${originOf(allowed)}/slow`);
    assert.equal(got.error, 'TimeoutError');
    assert.match(got.message, new RegExp(`did not answer within ${FETCH_TIMEOUT_MS} ms \\(--fetch-timeout\\)`));
    assert.ok(got.ms >= FETCH_TIMEOUT_MS - 50 && got.ms < 5000, `took ${got.ms} ms`);
    const closed = slow.closed as Promise<void> | null; // set by the server's handler meanwhile
    assert.ok(closed, 'the request never reached the server');
    await closed; // the host closed the connection
  });

  test('AbortSignal.timeout aborts the host request', async () => {
    slow.closed = null;
    const got = await fetchVia(`${originOf(allowed)}/slow`, { timeoutSignal: 50 });
    assert.equal(got.error, 'TimeoutError');
    assert.match(got.message, /aborted due to timeout/);
    // a request the 50 ms ran out on before it reached the server has nothing to close
    const closed = slow.closed as Promise<void> | null; // set by the server's handler, if it got the request
    if (closed) await closed;
  });

  test('a huge response stops at --max-fetch-bytes, the request is aborted and the shard stays flat', async () => {
    const status = await kong.call('plugin.GetStatus');
    const pid = status.Shards[0].Pid as number;
    const before = rssMbOf(pid);
    for (let i = 0; i < 3; i++) {
      huge.sent = 0;
      huge.closed = null;
      const got = await fetchVia(`${originOf(allowed)}/huge`);
      assert.equal(got.error, 'TypeError');
      assert.match(got.message, new RegExp(`larger than ${MAX_FETCH_BYTES} bytes \\(--max-fetch-bytes\\)`));
      const closed = huge.closed as Promise<void> | null; // set by the server's handler meanwhile
      assert.ok(closed, 'the request never reached the server');
      await closed; // the host hung up: it did not read the rest
      assert.ok(huge.sent < 64 * 1024 * 1024, `the server sent ${huge.sent} bytes before the host hung up`);
    }
    const grew = rssMbOf(pid) - before;
    assert.ok(grew < 40, `the shard's RSS grew ${grew.toFixed(1)} MB`);
    await server.waitForLog('limit.breach', (l) => l.kind === 'fetch' && /--max-fetch-bytes/.test(l.msg));
  });

  test('timers fire within the event, in order; a timer in the module body is refused', async () => {
    const id = (await kong.startInstance('timers')).Id;
    const got = reported(await kong.runPhase(id, 'access', () => undefined));
    const order = got.order as string[];
    assert.deepEqual(order.filter((x) => x !== 'i'), ['a', 'b', 'c']);
    assert.equal(order.filter((x) => x === 'i').length, 3);
    assert.ok(order.indexOf('i') < order.indexOf('b'), JSON.stringify(order));
    assert.match(got.moduleBody, /^TypeError: setTimeout can only be used while an event runs/);
  });
});
