// Hostile: fetch and timers (sandbox-runtime/web/fetch.ts, timers.ts; src/sandbox/host-fetch.ts).
// Floods against the per-event, per-instance and timer caps; timers scheduled to outlive their event;
// requests to loopback ports and the server's own socket that no --allow-fetch names; CR/LF header
// injection. All on ONE shard, next to a neighbour that must keep answering.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Family, stageFamily, headers, reported, EXIT_500 } from './helpers.ts';

let f: Family;
let service: http.Server;
let elsewhere: http.Server;
/** every request the allowed service received: method, path and raw header lines */
const seen: Array<{ method: string; url: string; headers: string[] }> = [];
const origin = (s: http.Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

before(async () => {
  const listen = (h: http.RequestListener) => new Promise<http.Server>((resolve) => { const s = http.createServer(h); s.listen(0, '127.0.0.1', () => resolve(s)); });
  elsewhere = await listen((_q, r) => r.end('elsewhere'));
  service = await listen((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.rawHeaders });
    if (req.url === '/slow') setTimeout(() => res.end('slow'), 250);
    else res.end(String(req.headers['x-a'] ?? 'ok'));
  });
  const allow = ['flooder', 'reacher', 'injector'].flatMap((p) => ['--allow-fetch', `${p}=${origin(service)}`]);
  f = await Family.start(stageFamily('fetch-timers'), [
    '--shards', '1', ...allow, '--max-fetches-per-event', '4', '--max-concurrent-fetches', '3', '--max-timers', '20', '--event-timeout', '1000',
  ]);
});
after(async () => {
  await f.stop();
  service.closeAllConnections();
  service.close();
  elsewhere.close();
});

test('fetch floods: requests per event, requests in flight per instance, timers per event and arm-and-clear churn are capped', async () => {
  const id = (await f.kong.startInstance('flooder')).Id;
  const run = (mode: string, url = `${origin(service)}/`) => f.attack(() => f.kong.runPhase(id, 'access', headers({ 'x-mode': mode, 'x-url': url })));
  assert.deepEqual(reported(await run('sequential')), ['ok', 'ok', 'ok', 'ok', ...Array(6).fill('--max-fetches-per-event')]);
  // six at once against a slow answer, in the order the plugin made them: three in flight, the
  // fourth refused by the instance's cap (and counted: every attempt counts against the event's)
  const parallel = reported(await run('parallel', `${origin(service)}/slow`));
  assert.deepEqual(parallel, ['ok', 'ok', 'ok', '--max-concurrent-fetches', '--max-fetches-per-event', '--max-fetches-per-event']);
  assert.deepEqual(reported(await run('timers')), [20, 'setTimeout: more than 20 timers pending in one event (--max-timers)']);
  // 4 x (20 + 4) + 16 = 112 posts in one run of plugin code: 56 arm-and-clear turns
  assert.deepEqual(reported(await run('churn')), [56, 'setTimeout: more than 112 timers and requests started or cancelled in one run of plugin code (4 x (--max-timers + --max-fetches-per-event) + 16)']);
  for (const kind of ['fetch', 'timers']) await f.server.waitForLog('limit.breach', (l) => l.kind === kind && l.instance === id);
});

test('timers scheduled to outlive their event never run: not after the handler returned, not after the deadline', async () => {
  const id = (await f.kong.startInstance('outliver')).Id;
  const returned = await f.attack(() => f.kong.runPhase(id, 'access', headers({ 'x-mode': 'return' })));
  assert.deepEqual(returned.calls.map((c) => c.Method), ['kong.request.get_header']);
  const reaped = await f.attack(() => f.kong.runPhase(id, 'access', headers({ 'x-mode': 'deadline' })));
  assert.deepEqual(reaped.exited, EXIT_500);
  // a later event on the same instance: its own timers run until every timer above was due (by the
  // isolate's clock), then it reports
  const check = await f.kong.runPhase(id, 'access', headers({ 'x-mode': 'check' }));
  assert.deepEqual(reported(check), { fired: 0, pastDue: true });
  assert.equal(f.server.logs.filter((l) => /late|past the deadline/.test(l.msg)).length, 0);
});

test('requests to loopback ports, other names of the allowed host and the server\'s own socket are refused', async () => {
  const id = (await f.kong.startInstance('reacher')).Id;
  const port = (service.address() as AddressInfo).port;
  const sock = f.server.socketPath;
  const targets = [
    `${origin(elsewhere)}/`, `http://localhost:${port}/`, `http://[::1]:${port}/`, `https://127.0.0.1:${port}/`, 'http://127.0.0.1/',
    `unix:${sock}`, `http+unix://${encodeURIComponent(sock)}/`, `file://${sock}`, `http://unix:${sock}:/`, 'data:text/plain,hi', 'ftp://127.0.0.1/',
  ];
  const before = seen.length;
  const got = reported(await f.attack(() => f.kong.runPhase(id, 'access', headers({ 'x-targets': JSON.stringify(targets) })))) as Record<string, string>;
  assert.deepEqual(Object.keys(got), targets);
  for (const t of targets) assert.match(got[t]!, /^TypeError: /, `${t}: ${got[t]}`);
  assert.match(got[`http://localhost:${port}/`]!, new RegExp(`plugin "reacher" may not reach http://localhost:${port}: .*--allow-fetch reacher=http://localhost:${port}`));
  assert.match(got[`unix:${sock}`]!, /only http: and https:/);
  assert.equal(seen.length, before, 'the allowed service was reached');
});

test('CR, LF and NUL in header names and values, framing headers and bad methods are refused before anything is sent', async () => {
  const id = (await f.kong.startInstance('injector')).Id;
  const before = seen.length;
  const got = reported(await f.attack(() => f.kong.runPhase(id, 'access', headers({ 'x-url': `${origin(service)}/echo` })))) as Record<string, string>;
  const { trimmed, ...attempts } = got;
  assert.equal(Object.keys(attempts).length, 13);
  for (const [name, outcome] of Object.entries(attempts)) assert.equal(outcome, 'TypeError', name);
  assert.equal(trimmed, 'padded');
  // only the one clean request reached the service, with nothing injected
  assert.equal(seen.length, before + 1);
  const req = seen.at(-1)!;
  assert.equal(req.url, '/echo');
  assert.ok(!req.headers.some((h) => /injected|smuggled/i.test(h)), JSON.stringify(req.headers));
});
