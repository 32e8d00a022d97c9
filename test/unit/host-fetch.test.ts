// The host's own check of a fetch the isolate posts (src/sandbox/host-fetch.ts): it decides whatever
// the runtime in the isolate claims, so each refusal is tested here with arguments no honest runtime
// would send.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFetchRequest, FetchRefused, type FetchPolicy } from '../../src/sandbox/host-fetch.ts';
import { EventOps } from '../../src/sandbox/event-ops.ts';

const policy: FetchPolicy = { plugin: 'p', origins: ['https://ok.example'], timeoutMs: 100, timeoutFlag: '--fetch-timeout', maxBytes: 10, maxPayloadBytes: 200 };
const req = (over: Record<string, unknown> = {}) => ({ url: 'https://ok.example/x', method: 'GET', headers: [], body: null, redirect: 'follow', ...over });
const refused = (args: unknown, pattern: RegExp) =>
  assert.throws(() => checkFetchRequest(args, policy), (e: unknown) => e instanceof FetchRefused && e.failure.name === 'TypeError' && pattern.test(e.message));

test('a request the policy allows passes, headers lower-cased', () => {
  const spec = checkFetchRequest(req({ headers: [['X-A', 'b']], method: 'PATCH', body: new Uint8Array(3) }), policy);
  assert.deepEqual(spec.headers, [['x-a', 'b']]);
  assert.equal(spec.method, 'PATCH');
});

test('the host refuses what the isolate should have: other origins, schemes, credentials', () => {
  refused(req({ url: 'https://other.example/' }), /plugin "p" may not reach https:\/\/other\.example: .*--allow-fetch p=https:\/\/other\.example/);
  refused(req({ url: 'http://ok.example/' }), /may not reach http:\/\/ok\.example/);
  refused(req({ url: 'https://ok.example:444/' }), /may not reach https:\/\/ok\.example:444/);
  refused(req({ url: 'unix:/tmp/kong.sock' }), /only http: and https:/);
  refused(req({ url: 'https://u:p@ok.example/' }), /credentials/);
  refused(req({ url: '/relative' }), /not an absolute URL/);
});

test('CR, LF, NUL and wide characters in headers, framing headers and bad methods are refused', () => {
  for (const value of ['a\r\nInjected: 1', 'a\nb', 'a\rb', 'a\0', 'a\u0100']) refused(req({ headers: [['x-a', value]] }), /holds a character/);
  for (const name of ['x-a\r\nInjected', 'x a', '', 'x:a']) refused(req({ headers: [[name, 'v']] }), /not a valid HTTP header name/);
  for (const name of ['Host', 'content-length', 'Transfer-Encoding', 'connection', 'proxy-authorization', 'expect']) refused(req({ headers: [[name, 'v']] }), /set by the host/);
  for (const method of ['CONNECT', 'trace', 'GET /x HTTP/1.1\r\nA: b', '']) refused(req({ method }), /not an allowed HTTP method/);
});

test('malformed arguments and oversize requests are refused (--max-payload-size)', () => {
  refused(null, /malformed/);
  refused(req({ headers: 'x' }), /malformed/);
  refused(req({ headers: [['a']] }), /malformed headers/);
  refused(req({ body: 'text' }), /malformed body/);
  assert.throws(() => checkFetchRequest(req({ method: 'POST', body: new Uint8Array(300) }), policy), (e: unknown) => e instanceof FetchRefused && e.failure.breach === 'payload' && /--max-payload-size/.test(e.message));
  refused(req({ headers: [['x-a', 'v'.repeat(250)]] }), /--max-payload-size/);
});

test('an event\'s operations are cancelled when it ends, once each, and nothing of it is pending after', () => {
  const ops = new EventOps();
  const cancelled: number[] = [];
  for (const id of [1, 2, 3]) ops.add(7, id, { kind: 'timer', cancel: () => cancelled.push(id) });
  ops.add(8, 4, { kind: 'fetch', cancel: () => cancelled.push(4) });
  assert.equal(ops.pending(7, 'timer'), 3);
  assert.equal(ops.finish(7, 1), true); // fired
  ops.cancel(7, 2); // clearTimeout
  ops.endEvent(7);
  assert.deepEqual(cancelled, [2, 3]);
  assert.equal(ops.finish(7, 3), false); // a late completion finds nothing
  assert.equal(ops.size, 1);
  assert.equal(ops.count(7, 'timer'), 1, 'the ended event\'s start count is forgotten');
  assert.equal(ops.count(8, 'fetch'), 1);
  assert.equal(ops.count(8, 'fetch'), 2);
});
