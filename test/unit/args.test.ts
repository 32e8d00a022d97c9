// Command-line parsing: the flags Kong configs pass (Go-style single-dash long flags from
// go-pluginserver, the -- forms of kong-js-pluginserver) must all be understood.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeArgv, parseCli } from '../../src/cli/args.ts';
import { OptionError } from '../../src/errors.ts';

describe('parseCli: Go-style single-dash flags parse like their -- forms', () => {
  const pairs: Array<[string[], string[]]> = [
    [['-kong-prefix', '/x'], ['--kong-prefix', '/x']],
    [['-kong-prefix=/x'], ['--kong-prefix', '/x']],
    [['-plugins-directory', 'd'], ['--plugins-directory', 'd']],
    [['-dump-all-plugins'], ['--dump-all-plugins']],
    [['-dump'], ['--dump']],
    [['-version'], ['--version']],
    [['-dump-plugin-info', 'NAME'], ['--dump-plugin-info', 'NAME']],
    [['-sock-name', 's.sock'], ['--sock-name', 's.sock']],
    [['-kong-prefix', '/usr/local/kong', '-plugins-directory', '/plugins', '-dump-plugin-info', 'go-hello'], ['--kong-prefix', '/usr/local/kong', '--plugins-directory', '/plugins', '--dump-plugin-info', 'go-hello']],
  ];
  for (const [goStyle, gnuStyle] of pairs) {
    test(`${goStyle.join(' ')}`, () => {
      const a = parseCli(goStyle);
      assert.deepEqual({ ...a }, { ...parseCli(gnuStyle) });
      assert.ok(Object.keys(a).length > 0, 'something was parsed');
    });
  }

  test('-kong-prefix /x sets kong-prefix to /x', () => {
    assert.equal(parseCli(['-kong-prefix', '/x'])['kong-prefix'], '/x');
    assert.equal(parseCli(['-kong-prefix=/x'])['kong-prefix'], '/x');
  });

  test('-dump-plugin-info NAME names the plugin; -dump, -version and -dump-all-plugins are booleans', () => {
    assert.equal(parseCli(['-dump-plugin-info', 'NAME'])['dump-plugin-info'], 'NAME');
    assert.equal(parseCli(['-dump']).dump, true);
    assert.equal(parseCli(['-version']).version, true);
    assert.equal(parseCli(['-dump-all-plugins'])['dump-all-plugins'], true);
  });
});

describe('parseCli: short and long forms', () => {
  test('-p /x -d dir', () => {
    const v = parseCli(['-p', '/x', '-d', 'dir']);
    assert.equal(v['kong-prefix'], '/x');
    assert.equal(v['plugins-directory'], 'dir');
  });

  test('-v gives verbose length 1, -vv length 2, -v -v length 2', () => {
    assert.equal(parseCli(['-v']).verbose?.length, 1);
    assert.equal(parseCli(['-vv']).verbose?.length, 2);
    assert.equal(parseCli(['-v', '-v']).verbose?.length, 2);
    assert.equal(parseCli([]).verbose, undefined);
  });

  test('-h and --help', () => {
    assert.equal(parseCli(['-h']).help, true);
    assert.equal(parseCli(['--help']).help, true);
  });

  test('--socket-name and --sock-name are both accepted', () => {
    assert.equal(parseCli(['--socket-name', 'a.sock'])['socket-name'], 'a.sock');
    assert.equal(parseCli(['--sock-name', 'b.sock'])['sock-name'], 'b.sock');
  });

  test('--plugin-memory-limit may be repeated', () => {
    assert.deepEqual(parseCli(['--plugin-memory-limit', 'a=16', '--plugin-memory-limit', 'b=32'])['plugin-memory-limit'], ['a=16', 'b=32']);
  });

  test('limits are read as given (validated later)', () => {
    const v = parseCli(['--memory-limit', '128', '--on-plugin-error', 'open', '--max-frame-size=2048']);
    assert.equal(v['memory-limit'], '128');
    assert.equal(v['on-plugin-error'], 'open');
    assert.equal(v['max-frame-size'], '2048');
  });
});

describe('parseCli: mistakes', () => {
  for (const argv of [['--bogus'], ['-bogus-flag'], ['-x'], ['plugins'], ['--kong-prefix'], ['--dump=yes']]) {
    test(`${JSON.stringify(argv)} → OptionError pointing at --help`, () => {
      assert.throws(
        () => parseCli(argv),
        (err: unknown) => err instanceof OptionError && err.code === 'KPS_ERR_OPTION' && err.message.includes('--help'),
      );
    });
  }

  test('the error names the unknown flag', () => {
    assert.throws(() => parseCli(['--bogus']), /bogus/);
  });

  // Only our own long names are rewritten from Go style, so grouped short flags keep working.
  test('grouped short flags like -vh still work', () => {
    const v = parseCli(['-vh']);
    assert.equal(v.help, true);
    assert.equal(v.verbose?.length, 1);
  });
});

describe('normalizeArgv', () => {
  test('rewrites single-dash long flags and leaves everything else', () => {
    assert.deepEqual(
      normalizeArgv(['-kong-prefix', '/x', '-kong-prefix=/y', '-p', '/z', '-vv', '-v', '--dump', 'value-with-dash', '/path/-odd']),
      ['--kong-prefix', '/x', '--kong-prefix=/y', '-p', '/z', '-vv', '-v', '--dump', 'value-with-dash', '/path/-odd'],
    );
  });
});
