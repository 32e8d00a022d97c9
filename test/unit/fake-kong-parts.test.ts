// The parts of PluginTest's fake Kong that encode Kong's rules, checked against Kong's documented
// behaviour: header multimaps, query strings (ngx.req.get_uri_args / encode_args), where PDK
// functions may run, and how Kong turns an admin's config into the plugin's.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HeaderMap } from '../../src/testing/header-map.ts';
import { decodeArgs, argsToMultiMap, encodeArgs, firstArg } from '../../src/testing/query-string.ts';
import { phaseError } from '../../src/testing/phase-rules.ts';
import { kongConfig, ConfigError } from '../../src/testing/kong-config.ts';
import { FakeKongPdk } from '../../src/testing/fake-kong-pdk.ts';
import { Exchange } from '../../src/testing/exchange.ts';
import { Request } from '../../src/testing/request.ts';

describe('HeaderMap', () => {
  test('names are case-insensitive; get joins like fetch, first is Kong\'s get_header', () => {
    const h = new HeaderMap({ 'X-A': ['1', '2'], host: 'h' });
    assert.equal(h.get('x-a'), '1, 2');
    assert.equal(h.first('X-A'), '1');
    assert.deepEqual(h.getAll('x-A'), ['1', '2']);
    assert.equal(h.get('absent'), null);
    assert.deepEqual(h.toMultiMap(), { 'x-a': ['1', '2'], host: ['h'] });
  });

  test('set replaces, append adds, scalars become text, an empty array removes', () => {
    const h = new HeaderMap();
    h.set('n', 1).append('N', true).append('n', ['x']);
    assert.deepEqual(h.getAll('n'), ['1', 'true', 'x']);
    h.set('n', 'only');
    assert.deepEqual(h.getAll('n'), ['only']);
    h.set('n', []);
    assert.equal(h.has('n'), false);
  });

  test('a copy is independent', () => {
    const a = new HeaderMap({ k: 'v' });
    const b = new HeaderMap(a);
    b.append('k', 'w');
    assert.deepEqual(a.getAll('k'), ['v']);
  });
});

describe('query strings', () => {
  test('decoded like ngx.req.get_uri_args: repeats are arrays, a bare name is true, + is a space', () => {
    const args = decodeArgs('a=1&a=2&flag&s=x+y%21&=skip&&e=');
    assert.deepEqual(args, { a: ['1', '2'], flag: true, s: 'x y!', e: '' });
    assert.deepEqual(argsToMultiMap(args), { a: ['1', '2'], flag: [], s: ['x y!'], e: [''] });
    assert.equal(firstArg(decodeArgs('a=1&a=2').a), '1');
    assert.equal(firstArg(decodeArgs('flag').flag), true);
  });

  test('encoded like Kong\'s set_query (the example in Kong\'s docs)', () => {
    assert.equal(encodeArgs({ foo: 'hello world', bar: ['baz', 'bla', true], zzz: true, blo: '' }), 'bar=baz&bar=bla&bar&blo=&foo=hello%20world&zzz');
    assert.equal(encodeArgs({ off: false, n: 3, q: "it's (ok)*" }), "n=3&q=it%27s%20%28ok%29%2A");
  });
});

describe('phase rules', () => {
  const cases: Array<[string, 'rewrite' | 'access' | 'response' | 'log' | 'certificate', boolean]> = [
    ['kong.request.get_header', 'access', true],
    ['kong.request.get_header', 'log', true],
    ['kong.request.get_header', 'certificate', false],
    ['kong.request.get_raw_body', 'response', true],
    ['kong.request.get_raw_body', 'log', false],
    ['kong.response.get_status', 'access', false],
    ['kong.response.get_status', 'response', true],
    ['kong.response.set_header', 'response', true],
    ['kong.response.set_header', 'log', false],
    ['kong.response.exit', 'rewrite', true],
    ['kong.response.get_raw_body', 'response', false],
    ['kong.service.request.set_header', 'access', true],
    ['kong.service.request.set_header', 'response', false],
    ['kong.service.response.get_status', 'access', false],
    ['kong.client.authenticate', 'rewrite', false],
    ['kong.client.get_ip', 'certificate', true],
    ['kong.client.tls.request_client_certificate', 'certificate', true],
    ['kong.client.tls.request_client_certificate', 'access', false],
    ['kong.log.err', 'log', true],
    ['kong.log.serialize', 'log', true],
    ['kong.node.get_memory_stats', 'log', true],
    ['kong.ctx.shared.get', 'log', true],
    ['kong.nginx.get_var', 'log', false],
    ['kong.router.get_route', 'rewrite', false],
  ];
  for (const [method, phase, allowed] of cases) {
    test(`${method} in ${phase}: ${allowed ? 'runs' : 'Lua error'}`, () => {
      assert.equal(phaseError(method, phase, false) === null, allowed, phaseError(method, phase, false) ?? '');
    });
  }

  test('kong.request does not exist in the stream subsystem; kong.response.exit does', () => {
    assert.match(phaseError('kong.request.get_header', 'preread', true) ?? '', /stream subsystem/);
    assert.equal(phaseError('kong.response.exit', 'preread', true), null);
  });
});

describe('config as Kong makes it', () => {
  const schema = [
    { name: { type: 'string', required: true } },
    { mode: { type: 'string', default: 'a', one_of: ['a', 'b'] } },
    { n: { type: 'integer' } },
    { nested: { type: 'record', fields: [{ x: { type: 'number', default: 1.5 } }, { y: { type: 'boolean' } }] } },
    { m: { type: 'map', keys: { type: 'string' }, values: { type: 'integer' } } },
  ];

  test('defaults, nulls, records of defaults, metadata keys', () => {
    const c = kongConfig('p', schema, { name: 'x' });
    assert.deepEqual(
      { name: c.name, mode: c.mode, n: c.n, nested: c.nested, m: c.m },
      { name: 'x', mode: 'a', n: null, nested: { x: 1.5, y: null }, m: null },
    );
    assert.equal(c.__seq__, 1);
    assert.equal(c.route_id, null);
  });

  test('every problem is named at once', () => {
    assert.throws(
      () => kongConfig('p', schema, { mode: 'c', n: 1.5, nested: { y: 'no' }, m: { k: 'v' }, stray: 1 }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.message ===
          'schema violation (config.stray: unknown field; config.name: required field missing; config.mode: expected one of: a, b; config.n: expected an integer; config.nested.y: expected a boolean; config.m.k: expected an integer)',
    );
  });
});

describe('the fake Kong\'s PDK', () => {
  const pdk = (kongVersion: '3.x' | '2.x' = '3.x') => {
    const ex = new Exchange(new Request().useURL('http://h.test/p?q=1').useHeaders({ 'x-a': ['1', '2'] }).useBody('b'), kongVersion);
    return { ex, kong: new FakeKongPdk(ex) };
  };

  test('steps a value, nothing for nil, a StepError only on Kong 2.x', () => {
    const { kong } = pdk();
    assert.deepEqual(kong.call('kong.request.get_header', ['x-a']), { kind: 'step', data: '1' });
    assert.deepEqual(kong.call('kong.request.get_header', ['x-b']), { kind: 'step', data: undefined });
    assert.deepEqual(kong.call('kong.request.get_body', []), { kind: 'step', data: undefined });
    assert.deepEqual(pdk('2.x').kong.call('kong.request.get_body', []), { kind: 'step-error', error: 'missing content type' });
  });

  test('exit is terminal and sets the response; a bad status is a Lua error', () => {
    const { ex, kong } = pdk();
    assert.deepEqual(kong.call('kong.response.exit', [99]), { kind: 'lua-error', message: 'kong.response.exit: code must be a number between 100 and 599' });
    assert.deepEqual(kong.call('kong.response.exit', [401, undefined, { 'WWW-Authenticate': 'Basic' }]), { kind: 'terminal' });
    assert.equal(ex.response.status, 401);
    assert.equal(ex.response.body, '');
    assert.equal(ex.response.headers.get('www-authenticate'), 'Basic');
    assert.equal(ex.response.headers.get('content-length'), '0');
    assert.equal(ex.source, 'exit');
  });

  test('an unknown method answers nil with Kong\'s warning; one Kong has but the fake lacks says so', () => {
    const { ex, kong } = pdk();
    assert.deepEqual(kong.call('kong.nope.nothing', []), { kind: 'step', data: undefined });
    assert.deepEqual(kong.call('kong.vault.warmup', []), { kind: 'step', data: undefined });
    assert.deepEqual(ex.warnings, ['could not find pdk method: kong.nope.nothing', 'kong.vault.warmup is not emulated by the fake Kong of PluginTest; answered nil']);
  });
});
