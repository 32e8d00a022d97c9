// buildOptions: every server option validated once, with the defaults kong-js-pluginserver users
// expect, and errors that name the flag to fix.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { DEFAULTS, buildOptions, type RawOptions } from '../../src/config/options.ts';
import { parseCli, rawOptionsFrom } from '../../src/cli/args.ts';
import { OptionError } from '../../src/errors.ts';

/**
 * What main.ts passes when a flag is not given: every default, a plugins directory, no -v, and
 * undefined for options without a fixed default. Built untyped, then cast, so options added to
 * RawOptions later get their DEFAULTS entry without this helper changing.
 */
function raw(overrides: Partial<RawOptions> = {}): RawOptions {
  const base: Record<string, unknown> = {
    ...DEFAULTS,
    shardMemoryLimitMb: undefined,
    pluginsDir: 'plugins',
    pluginMemoryLimitMb: [],
    verbose: 0,
  };
  return { ...base, ...overrides } as RawOptions;
}

/** The command line's mapping to raw options, as main.ts uses it. */
function fromArgv(argv: string[]): RawOptions {
  return rawOptionsFrom(parseCli(argv));
}

function throwsNaming(r: RawOptions, flag: string): void {
  assert.throws(
    () => buildOptions(r),
    (err: unknown) => err instanceof OptionError && err.code === 'KPS_ERR_OPTION' && err.message.includes(flag),
    `an OptionError naming ${flag}`,
  );
}

describe('buildOptions: defaults', () => {
  test('the socket is /usr/local/kong/js_pluginserver.sock, as kong-js-pluginserver', () => {
    assert.equal(buildOptions(raw()).socketPath, '/usr/local/kong/js_pluginserver.sock');
  });

  test('the documented defaults', () => {
    const o = buildOptions(raw());
    assert.equal(o.memoryLimitMb, 64);
    assert.equal(o.cpuLimitMs, 100);
    assert.equal(o.startTimeoutMs, 2000);
    assert.equal(o.eventTimeoutMs, 60_000);
    assert.equal(o.maxFrameSize, 33_554_432);
    assert.equal(o.onPluginError, 'closed');
    assert.equal(o.shutdownTimeoutMs, 10_000);
    assert.equal(o.logLevel, 'info');
    assert.deepEqual({ ...o.pluginMemoryLimitMb }, {});
  });

  test('the plugins directory is made absolute', () => {
    assert.equal(buildOptions(raw({ pluginsDir: 'plugins' })).pluginsDir, path.resolve('plugins'));
    assert.equal(buildOptions(raw({ pluginsDir: '/srv/plugins' })).pluginsDir, '/srv/plugins');
  });
});

describe('buildOptions: from the command line', () => {
  test('-kong-prefix and --sock-name choose the socket', () => {
    assert.equal(buildOptions(fromArgv(['-kong-prefix', '/opt/kong', '-d', 'p'])).socketPath, '/opt/kong/js_pluginserver.sock');
    assert.equal(buildOptions(fromArgv(['-p', '/opt/kong', '--sock-name', 'x.sock', '-d', 'p'])).socketPath, '/opt/kong/x.sock');
    assert.equal(buildOptions(fromArgv(['--socket-name', 'y.sock', '-d', 'p'])).socketPath, '/usr/local/kong/y.sock');
  });

  test('numbers given as strings on the command line are read as numbers', () => {
    const o = buildOptions(fromArgv(['-d', 'p', '--memory-limit', '128', '--cpu-limit', '250', '--max-frame-size', '2048']));
    assert.equal(o.memoryLimitMb, 128);
    assert.equal(o.cpuLimitMs, 250);
    assert.equal(o.maxFrameSize, 2048);
  });

  test('-vv selects debug logging', () => {
    assert.equal(buildOptions(fromArgv(['-d', 'p', '-vv'])).logLevel, 'debug');
    assert.equal(buildOptions(fromArgv(['-d', 'p', '-v'])).logLevel, 'info');
  });

  test('--on-plugin-error open', () => {
    assert.equal(buildOptions(fromArgv(['-d', 'p', '--on-plugin-error', 'open'])).onPluginError, 'open');
  });
});

describe('buildOptions: errors name the flag', () => {
  test('a missing plugins directory', () => throwsNaming(fromArgv([]), '--plugins-directory'));
  test('--memory-limit 2', () => throwsNaming(raw({ memoryLimitMb: '2' }), '--memory-limit'));
  test('--memory-limit abc', () => throwsNaming(raw({ memoryLimitMb: 'abc' }), '--memory-limit'));
  test('--memory-limit 64.5', () => throwsNaming(raw({ memoryLimitMb: '64.5' }), '--memory-limit'));
  test('--on-plugin-error maybe', () => throwsNaming(raw({ onPluginError: 'maybe' }), '--on-plugin-error'));
  test('--plugin-memory-limit bad', () => throwsNaming(raw({ pluginMemoryLimitMb: ['bad'] }), '--plugin-memory-limit'));
  test('--plugin-memory-limit foo=4 (below 8 MB)', () => throwsNaming(raw({ pluginMemoryLimitMb: ['foo=4'] }), '--plugin-memory-limit'));
  test('--plugin-memory-limit foo=', () => throwsNaming(raw({ pluginMemoryLimitMb: ['foo='] }), '--plugin-memory-limit'));
  test('--max-frame-size 10', () => throwsNaming(raw({ maxFrameSize: '10' }), '--max-frame-size'));
  test('--cpu-limit 0', () => throwsNaming(raw({ cpuLimitMs: '0' }), '--cpu-limit'));
  test('--max-bundle-size 10', () => throwsNaming(raw({ maxBundleBytes: '10' }), '--max-bundle-size'));
  test('--build-timeout 0', () => throwsNaming(raw({ buildTimeoutMs: '0' }), '--build-timeout'));
  test('--max-bundle-size and --build-timeout from the command line; 16 MB and 10 s by default', () => {
    const o = buildOptions(fromArgv(['-d', 'plugins', '--max-bundle-size', '65536', '--build-timeout', '500']));
    assert.deepEqual([o.maxBundleBytes, o.buildTimeoutMs], [65536, 500]);
    const d = buildOptions(fromArgv(['-d', 'plugins']));
    assert.deepEqual([d.maxBundleBytes, d.buildTimeoutMs], [16 * 1024 * 1024, 10_000]);
  });
  test('--isolate-pool -1', () => throwsNaming(raw({ isolatePool: '-1' }), '--isolate-pool'));
  test('--isolate-pool 3 from the command line, 2 by default', () => {
    assert.equal(buildOptions(fromArgv(['-d', 'plugins', '--isolate-pool', '3'])).isolatePool, 3);
    assert.equal(buildOptions(fromArgv(['-d', 'plugins'])).isolatePool, 2);
  });
  test('--event-timeout -1', () => throwsNaming(raw({ eventTimeoutMs: '-1' }), '--event-timeout'));
});

describe('buildOptions: per-plugin memory limits', () => {
  test('--plugin-memory-limit Foo=128 lands under the lower-cased name', () => {
    const o = buildOptions(raw({ pluginMemoryLimitMb: ['Foo=128'] }));
    assert.deepEqual({ ...o.pluginMemoryLimitMb }, { foo: 128 });
    assert.equal(o.pluginMemoryLimitMb['foo'], 128);
  });

  test('several entries, the last one for a name wins', () => {
    const o = buildOptions(raw({ pluginMemoryLimitMb: ['a=16', 'b=32', 'A=24'] }));
    assert.deepEqual({ ...o.pluginMemoryLimitMb }, { a: 24, b: 32 });
  });

  // A plugin named "constructor" must not find Object.prototype.constructor as its memory limit.
  test('a plugin without an entry gets no inherited value', () => {
    const o = buildOptions(raw());
    assert.equal(o.pluginMemoryLimitMb['constructor'], undefined);
  });
});

describe('buildOptions: the result is frozen', () => {
  test('options and per-plugin limits cannot be changed', () => {
    const o = buildOptions(raw({ pluginMemoryLimitMb: ['foo=16'] }));
    assert.ok(Object.isFrozen(o));
    assert.ok(Object.isFrozen(o.pluginMemoryLimitMb));
    assert.throws(() => {
      (o as { memoryLimitMb: number }).memoryLimitMb = 1;
    }, TypeError);
    assert.throws(() => {
      (o.pluginMemoryLimitMb as Record<string, number>)['foo'] = 1;
    }, TypeError);
    assert.equal(o.memoryLimitMb, 64);
    assert.equal(o.pluginMemoryLimitMb['foo'], 16);
  });
});

describe('buildOptions: --allow-fetch and the fetch and timer caps', () => {
  test('no origin is allowed by default; the caps have their defaults', () => {
    const o = buildOptions(fromArgv(['-d', 'plugins']));
    assert.deepEqual({ ...o.allowFetch }, {});
    assert.deepEqual(
      [o.fetchTimeoutMs, o.maxFetchBytes, o.maxFetchesPerEvent, o.maxConcurrentFetches, o.maxTimers],
      [10_000, 4 * 1024 * 1024, 16, 64, 100],
    );
  });

  test('repeatable NAME=ORIGIN,ORIGIN entries, names lower-cased, origins as URL.origin spells them', () => {
    const o = buildOptions(fromArgv([
      '-d', 'plugins', '--allow-fetch', 'Authz=https://Authz.Internal:8443,http://a.example:80', '--allow-fetch', 'authz=https://b.example/',
      '--fetch-timeout', '250', '--max-fetch-bytes', '10', '--max-fetches-per-event', '2', '--max-concurrent-fetches', '3', '--max-timers', '4',
    ]));
    assert.deepEqual({ ...o.allowFetch }, { authz: ['https://authz.internal:8443', 'http://a.example', 'https://b.example'] });
    assert.deepEqual([o.fetchTimeoutMs, o.maxFetchBytes, o.maxFetchesPerEvent, o.maxConcurrentFetches, o.maxTimers], [250, 10, 2, 3, 4]);
    // a plugin named "constructor" finds nothing inherited
    assert.equal(Object.hasOwn(o.allowFetch, 'constructor'), false);
  });

  for (const bad of ['authz', 'authz=', 'authz=ftp://a.example', 'authz=https://a.example/path', 'authz=https://u:p@a.example', 'authz=https://a.example?q', 'authz=not a url']) {
    test(`--allow-fetch ${bad}`, () => throwsNaming(raw({ allowFetch: [bad] }), '--allow-fetch'));
  }
  test('--fetch-timeout 0', () => throwsNaming(raw({ fetchTimeoutMs: '0' }), '--fetch-timeout'));
  test('--max-fetch-bytes -1', () => throwsNaming(raw({ maxFetchBytes: '-1' }), '--max-fetch-bytes'));
  test('--max-fetches-per-event x', () => throwsNaming(raw({ maxFetchesPerEvent: 'x' }), '--max-fetches-per-event'));
  test('--max-concurrent-fetches 0', () => throwsNaming(raw({ maxConcurrentFetches: '0' }), '--max-concurrent-fetches'));
  test('--max-timers 1.5', () => throwsNaming(raw({ maxTimers: '1.5' }), '--max-timers'));
});
