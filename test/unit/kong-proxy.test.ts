// The `kong` object plugins see: property paths become PDK method names (kong-js-pdk naming),
// calls go to the caller, and nothing that is not a call reaches Kong.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createKong, toSnakeCase, type PdkCaller } from '../../sandbox-runtime/kong-proxy.ts';
import { PDKError } from '../../sandbox-runtime/pdk-error.ts';

// The property names these tests use (a string index signature would be `| undefined` under
// noUncheckedIndexedAccess).
type Name =
  | 'request' | 'response' | 'service' | 'log' | 'ctx' | 'shared' | 'nginx' | 'enterpriseEdition' | 'jwe'
  | 'getHeader' | 'getRawBody' | 'setHeader' | 'getTls1VersionStr' | 'exit' | 'err' | 'get' | 'decode'
  | 'Error';

/** Any property, as plugin code might read it. */
const prop = (node: unknown, key: string): unknown => (node as Record<string, unknown>)[key];
type PdkNode = ((...args: unknown[]) => Promise<unknown>) & { [K in Name]: PdkNode };

function setup(answer: (method: string, args: unknown[]) => Promise<unknown> = async (m) => `result of ${m}`) {
  const calls: Array<[string, unknown[]]> = [];
  const call: PdkCaller = (method, args) => {
    calls.push([method, args]);
    return answer(method, args);
  };
  return { kong: createKong(call) as PdkNode, calls };
}

describe('toSnakeCase', () => {
  const cases: Array<[string, string]> = [
    ['getHeader', 'get_header'],
    ['getRawBody', 'get_raw_body'],
    ['getTls1VersionStr', 'get_tls1_version_str'],
    ['getTls1_versionStr', 'get_tls1_version_str'],
    ['enterpriseEdition', 'enterprise_edition'],
    ['get', 'get'],
    ['set_header', 'set_header'],
    ['getHttpVersion', 'get_http_version'],
  ];
  for (const [input, expected] of cases) {
    test(`${input} → ${expected}`, () => assert.equal(toSnakeCase(input), expected));
  }
});

describe('createKong', () => {
  test('kong.request.getHeader("host") calls the PDK method kong.request.get_header with ["host"]', async () => {
    const { kong, calls } = setup();
    const result = await kong.request.getHeader('host');
    assert.deepEqual(calls, [['kong.request.get_header', ['host']]]);
    assert.equal(result, 'result of kong.request.get_header');
  });

  test('paths of any depth are joined and snake-cased segment by segment', async () => {
    const { kong, calls } = setup();
    await kong.enterpriseEdition.jwe.decode('token');
    await kong.ctx.shared.get('k');
    await kong.service.request.setHeader('x-a', '1');
    await kong.nginx.getTls1VersionStr();
    await kong.request.getRawBody();
    assert.deepEqual(calls, [
      ['kong.enterprise_edition.jwe.decode', ['token']],
      ['kong.ctx.shared.get', ['k']],
      ['kong.service.request.set_header', ['x-a', '1']],
      ['kong.nginx.get_tls1_version_str', []],
      ['kong.request.get_raw_body', []],
    ]);
  });

  test('every argument is passed as given', async () => {
    const { kong, calls } = setup();
    const headers = { 'x-reason': 'denied' };
    await kong.response.exit(403, 'no', headers);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]![0], 'kong.response.exit');
    assert.deepEqual(calls[0]![1], [403, 'no', headers]);
    assert.equal(calls[0]![1][2], headers);
  });

  test('a method taken off its object still calls the PDK', async () => {
    const { kong, calls } = setup();
    const getHeader = kong.request.getHeader;
    await getHeader('accept');
    assert.deepEqual(calls, [['kong.request.get_header', ['accept']]]);
  });

  test('reading properties alone calls nothing', () => {
    const { kong, calls } = setup();
    void kong.request.getHeader;
    void kong.response.exit;
    void kong.log.err;
    assert.deepEqual(calls, []);
  });

  test('a PDK error from the caller rejects the plugin’s await', async () => {
    const { kong } = setup(async () => {
      throw new PDKError('header too long');
    });
    await assert.rejects(kong.request.getHeader('x'), (err: unknown) => err instanceof PDKError && err.message === 'header too long');
  });

  test('kong.request.then is undefined, so await kong.request resolves to the proxy without a PDK call', async () => {
    const { kong, calls } = setup();
    assert.equal(prop(kong.request, 'then'), undefined);
    assert.equal(prop(kong, 'then'), undefined);
    // eslint-disable-next-line @typescript-eslint/await-thenable -- what `await` does with a proxy is the test
    const awaited: unknown = await kong.request;
    assert.equal(typeof awaited, 'function');
    await Promise.resolve(kong.log);
    // eslint-disable-next-line @typescript-eslint/await-thenable -- likewise for the kong object itself
    await kong;
    assert.deepEqual(calls, []);
    // the awaited value is still a working PDK node
    await (awaited as PdkNode).getHeader('host');
    assert.deepEqual(calls, [['kong.request.get_header', ['host']]]);
  });

  test('catch and finally are not PDK paths either', () => {
    const { kong } = setup();
    assert.equal(prop(kong.request, 'catch'), undefined);
    assert.equal(prop(kong.request, 'finally'), undefined);
  });

  test('Symbol access does not throw and is not a PDK path', () => {
    const { kong, calls } = setup();
    const node = kong.request as unknown as Record<symbol, unknown>;
    assert.equal(node[Symbol.iterator], undefined);
    assert.equal(node[Symbol.asyncIterator], undefined);
    assert.equal(node[Symbol.toStringTag], undefined);
    assert.deepEqual(calls, []);
  });

  test('String(kong.request), template literals and JSON.stringify do not call the PDK', () => {
    const { kong, calls } = setup();
    const s = String(kong.request);
    assert.equal(typeof s, 'string');
    assert.match(s, /kong\.request/);
    assert.equal(`${kong.response}`.includes('kong.response'), true);
    assert.equal(kong.log + '', String(kong.log));
    assert.equal(typeof JSON.stringify({ k: kong.request }), 'string');
    assert.deepEqual(calls, []);
  });

  test('kong.Error is the PDKError class plugins catch', () => {
    const { kong } = setup();
    assert.equal(kong.Error, PDKError);
    const Err = kong.Error as unknown as typeof PDKError;
    const e = new Err('boom');
    assert.ok(e instanceof PDKError);
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'PDKError');
    assert.equal(e.message, 'boom');
  });

  test('plugins cannot overwrite PDK functions', () => {
    const { kong } = setup();
    assert.throws(() => {
      kong.request.getHeader = (async () => 'fake') as unknown as PdkNode;
    }, TypeError);
    assert.throws(() => Object.defineProperty(kong.request, 'getHeader', { value: 1 }), TypeError);
  });
});

describe('one event\'s kong object', () => {
  test('kong.request is one object for the event, and another event has its own calling its own caller', async () => {
    const a = setup();
    const b = setup();
    assert.equal(a.kong.request, a.kong.request);
    assert.equal(a.kong.request.getHeader, a.kong.request.getHeader);
    assert.notEqual(a.kong.request, b.kong.request);
    await a.kong.request.getHeader('x');
    await b.kong.request.getHeader('y');
    await a.kong.response.setHeader('k', 'v');
    assert.deepEqual(a.calls, [['kong.request.get_header', ['x']], ['kong.response.set_header', ['k', 'v']]]);
    assert.deepEqual(b.calls, [['kong.request.get_header', ['y']]]);
  });
});
