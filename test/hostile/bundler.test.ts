// Hostile family: the bundler. esbuild runs with the server's rights, so a plugin's import graph is
// an attack on the host: absolute paths, ../, /proc/self/environ, import attributes and loaders
// that read any file as data, symlinks, FIFOs and devices that never answer or never end, files of
// any size, tsconfig.json aliases, package.json fields, glob-style requires. Every one must be
// refused when the plugin is loaded, by an error that names the import and why, without a byte of
// what it aimed at reaching a log, a dump or `check`; start-up must not hang, the neighbour must be
// served, and with --watch a change outside the plugins directory must reload nothing.
//
// The plugins are copied from plugins/bundler/ into a temporary directory, next to an "outside"
// directory holding a marker file; the test adds what git cannot hold (FIFOs, symlinks, a socket,
// big files, node_modules) there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Family, stageFamily, RawKong, reported } from './helpers.ts';
import { BIN } from '../../kong-driver/server-process.ts';
import { compilePlugin } from '../../src/plugins/compiler.ts';

const ENV_MARKER = `KPS_ENV_SECRET_${randomBytes(8).toString('hex')}`;
const FILE_MARKER = `KPS_FILE_SECRET_${randomBytes(8).toString('hex')}`;
// the server (and esbuild, its child) inherit this: /proc/self/environ holds it
process.env.KPS_BUNDLER_TEST_SECRET = ENV_MARKER;

/** --build-timeout for the servers here: glob-fifo's build never ends by itself */
const BUILD_TIMEOUT = 2000;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kps-bundler-'));
const dir = path.join(tmp, 'plugins');
const outside = path.join(tmp, 'outside');
let socketServer: net.Server;

const plugin = (body: string) =>
  `${body}\nmodule.exports = { Plugin: class { async access(kong) { await kong.response.setHeader('x-got', JSON.stringify(String(stolen).slice(0, 200))); } }, Version: '1.0.0' };\n`;

function write(rel: string, content: string | Buffer): string {
  const file = path.join(dir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

/** The attacks git cannot hold: FIFOs, symlinks, a socket, big files, node_modules. */
async function makeDynamicAttacks(): Promise<void> {
  fs.mkdirSync(outside, { recursive: true });
  fs.writeFileSync(path.join(outside, 'secret.js'), `module.exports = ${JSON.stringify(FILE_MARKER)};\n`);
  fs.mkdirSync(path.join(outside, 'dep'), { recursive: true });
  fs.writeFileSync(path.join(outside, 'dep/package.json'), '{ "name": "dep", "main": "index.js" }');
  fs.writeFileSync(path.join(outside, 'dep/index.js'), `module.exports = ${JSON.stringify(FILE_MARKER)};\n`);

  // a valid source map outside, whose sourcesContent holds the marker (sourcemap-outside.js names it)
  fs.writeFileSync(path.join(outside, 'evil.map'), JSON.stringify({ version: 3, sources: ['secret.ts'], sourcesContent: [FILE_MARKER], names: [], mappings: 'AAAA' }));
  write('sourcemap-fifo.js', fs.readFileSync(path.join(dir, 'sourcemap-zero.js'), 'utf8').replaceAll('/dev/zero', '../outside/pipe.map'));

  const fifos = [
    // a source map comment's target: esbuild would read it by itself and never return
    path.join(outside, 'pipe.map'),
    // a plugin file that is a FIFO: opening it for reading blocks until a writer comes
    path.join(dir, 'fifo-root.js'),
    // a FIFO required by a directory plugin
    path.join(dir, 'fifo-inside/data.js'),
    // a FIFO where esbuild's own resolver reads (a dependency's package.json)
    path.join(dir, 'fifo-package-json/node_modules/dep/package.json'),
    // glob-fifo.js's target: a directory that is no plugin (no index) with a FIFO package.json
    path.join(dir, 'hang/package.json'),
    // where esbuild would look for tsconfig-paths-missing's "victim" above the plugin
    path.join(dir, 'node_modules/victim/package.json'),
  ];
  write('tsconfig-paths-missing/tsconfig.json', '{ "compilerOptions": { "paths": { "*": ["./nothing/*"] } } }');
  write('tsconfig-paths-missing/index.js', plugin("const stolen = require('victim');"));
  write('fifo-inside/index.js', plugin("const stolen = require('./data.js');"));
  write('fifo-package-json/index.js', plugin("const stolen = require('dep');"));
  write('hang/a.js', 'module.exports = 1;\n');
  await Promise.all(
    fifos.map(
      (f) =>
        new Promise<void>((resolve, reject) => {
          fs.mkdirSync(path.dirname(f), { recursive: true });
          spawn('mkfifo', [f], { stdio: 'inherit' }).on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mkfifo ${f}: ${code}`))));
        }),
    ),
  );

  // symlinks: to a file outside, as the plugin itself, to a directory outside, as node_modules, to a device
  write('link-file/index.js', plugin("const stolen = require('./secret.js');"));
  fs.symlinkSync(path.join(outside, 'secret.js'), path.join(dir, 'link-file/secret.js'));
  fs.symlinkSync('/proc/self/environ', path.join(dir, 'link-root.js'));
  write('link-dir/index.js', plugin("const stolen = require('./lib/secret.js');"));
  fs.symlinkSync(outside, path.join(dir, 'link-dir/lib'));
  write('link-node-modules/index.js', plugin("const stolen = require('dep');"));
  fs.mkdirSync(path.join(dir, 'link-node-modules/node_modules'));
  fs.symlinkSync(path.join(outside, 'dep'), path.join(dir, 'link-node-modules/node_modules/dep'));
  write('link-dev-zero/index.js', plugin("const stolen = require('./z.js');"));
  fs.symlinkSync('/dev/zero', path.join(dir, 'link-dev-zero/z.js'));
  // a chain of links that ends outside: each hop looks local
  write('link-chain/index.js', plugin("const stolen = require('./a.js');"));
  fs.symlinkSync('b.js', path.join(dir, 'link-chain/a.js'));
  fs.symlinkSync(path.join(outside, 'secret.js'), path.join(dir, 'link-chain/b.js'));

  // a package whose "main" leaves the plugin (the package itself is inside)
  write('dep-main-outside/index.js', plugin("const stolen = require('evil');"));
  write('dep-main-outside/node_modules/evil/package.json', '{ "name": "evil", "main": "../../../../outside/secret.js" }');
  // a package.json "exports" map pointing out
  write('dep-exports-outside/index.js', plugin("const stolen = require('evil');"));
  write('dep-exports-outside/node_modules/evil/package.json', '{ "name": "evil", "exports": { ".": "./../../../../outside/secret.js" } }');
  // a node_modules shared by the single-file plugins of the directory (not theirs)
  write('node_modules/leftpad-secret/package.json', '{ "name": "leftpad-secret", "main": "index.js" }');
  write('node_modules/leftpad-secret/index.js', `module.exports = ${JSON.stringify(FILE_MARKER)};\n`);

  // a unix socket inside a plugin's directory
  write('socket-inside/index.js', plugin("const stolen = 'nothing';"));
  socketServer = net.createServer();
  await new Promise<void>((resolve) => socketServer.listen(path.join(dir, 'socket-inside/s.sock'), resolve));

  // the control: what a plugin may do stays possible (its own node_modules, a json import
  // attribute, tsconfig paths inside, a symlink that stays inside, the server's SDK by name)
  write('legit/index.ts', [
    "import { definePlugin, defineSchema } from 'kong-sandbox-pluginserver/pdk';",
    "import dep from 'dep';",
    "import data from './data.json' with { type: 'json' };",
    "import helper from '@lib/helper';",
    "import linked from './linked/helper';",
    'export default definePlugin({',
    "  version: '1.0.0',",
    '  schema: defineSchema([]),',
    "  async access(kong) { await kong.response.setHeader('x-got', JSON.stringify([dep, data.v, helper, linked])); },",
    '});',
    '',
  ].join('\n'));
  write('legit/data.json', '{ "v": "json" }');
  write('legit/lib/helper.ts', "export default 'helper';\n");
  fs.symlinkSync('lib', path.join(dir, 'legit/linked'));
  write('legit/tsconfig.json', '{ "compilerOptions": { "paths": { "@lib/*": ["./lib/*"] } } }');
  write('legit/node_modules/dep/package.json', '{ "name": "dep", "main": "main.js" }');
  write('legit/node_modules/dep/main.js', "module.exports = 'dep';\n");

  // size: a 100 MB sparse file, a 20 MB JSON, a 20 MB package.json esbuild would read by itself
  write('big-file/index.js', plugin("const stolen = require('./big.js');"));
  fs.closeSync(fs.openSync(path.join(dir, 'big-file/big.js'), 'w'));
  fs.truncateSync(path.join(dir, 'big-file/big.js'), 100 * 1024 * 1024);
  write('huge-json/index.js', plugin("const stolen = require('./data.json');"));
  write('huge-json/data.json', `[${'1,'.repeat(10 * 1024 * 1024)}1]`);
  write('huge-package-json/index.js', plugin("const stolen = require('dep');"));
  write('huge-package-json/node_modules/dep/index.js', 'module.exports = 1;\n');
  write('huge-package-json/node_modules/dep/package.json', `{ "name": "dep", "main": "index.js", "pad": "${'x'.repeat(20 * 1024 * 1024)}" }`);
}

/** plugin name → what its load failure must say (the import and why) */
const EXPECTED: Record<string, RegExp> = {
  'abs-path': /abs-path\.js:2:\d+: import "\/etc\/passwd" is refused: an absolute path/,
  'environ-dotdot': /import "(\.\.\/)+proc\/self\/environ" is refused: it leads to \/proc\/self\/environ, outside the plugin's directory/,
  'outside-file': /import "\.\.\/outside\/secret\.js" is refused: it leads to \S+\/outside\/secret\.js, outside the plugin's directory/,
  'sibling-require': /import "\.\/neighbour\.js" is refused: it leads to \S+\/neighbour\.js, outside the plugin's directory \S+\/sibling-require\.js/,
  'dev-zero': /import "\/dev\/zero" is refused: an absolute path/,
  'glob-outside': /\/outside\/secret\.js is refused: it is outside the plugin's directory .* glob-style import/,
  'glob-fifo': /bundling took longer than --build-timeout 2000 ms/,
  'shared-node-modules': /import "leftpad-secret" is refused: package "leftpad-secret" is not in the plugin's own node_modules/,
  'environ-text': /import "\/proc\/self\/environ" is refused: import attributes \{ type: "text" \}/,
  'environ-json': /import "\/proc\/self\/environ" is refused: an absolute path/,
  'sibling-text': /import "\.\/neighbour\.js" is refused: import attributes \{ type: "text" \}/,
  'file-url': /import "file:\/\/\/etc\/passwd" is refused: URL imports/,
  'bytes-attr': /import "\/etc\/hostname" is refused: import attributes \{ type: "bytes" \}/,
  'css-import': /import "\.\/style\.css" is refused: style\.css is not JavaScript, TypeScript or JSON/,
  'binary-loader': /import "\.\/blob\.bin" is refused: blob\.bin is not JavaScript, TypeScript or JSON/,
  'text-loader': /import "\.\/notes\.txt" is refused: notes\.txt is not JavaScript, TypeScript or JSON/,
  'tsconfig-paths': /tsconfig\.json: paths "secret" → "\.\.\/\.\.\/outside\/secret\.js" leads outside the plugin's directory/,
  'tsconfig-extends': /tsconfig\.json has "extends"/,
  'tsconfig-wildcard': /tsconfig\.json: paths "\*" → "\.\.\/\.\.\/outside\/\*" leads outside the plugin's directory/,
  // an alias whose targets do not exist: esbuild would fall back to every node_modules above the
  // plugin, where a FIFO package.json waits
  'tsconfig-paths-missing': /import "victim" is refused: package "victim" is not in the plugin's own node_modules/,
  'tsconfig-baseurl': /import "etc\/passwd" is refused: package "etc" is not in the plugin's own node_modules/,
  'main-outside': /entry file \S+ resolves to \S+\/outside\/secret\.js, outside the plugin's directory/,
  'fifo-root': /fifo-root\.js is a FIFO/,
  'fifo-inside': /fifo-inside\/data\.js is a FIFO/,
  'fifo-package-json': /node_modules\/dep\/package\.json is a FIFO/,
  'link-file': /link-file\/secret\.js is a symbolic link to \S+\/outside\/secret\.js, outside the plugin's directory/,
  'link-root': /link-root\.js is a symbolic link to \/proc\/\d+\/environ, outside the plugins directory/,
  'link-dir': /link-dir\/lib is a symbolic link to \S+\/outside, outside the plugin's directory/,
  'link-node-modules': /node_modules\/dep is a symbolic link to \S+\/outside\/dep, outside the plugin's directory/,
  'link-dev-zero': /link-dev-zero\/z\.js is a symbolic link to \/dev\/zero, outside the plugin's directory/,
  'link-chain': /link-chain\/(a|b)\.js is a symbolic link to \S+\/outside\/secret\.js, outside the plugin's directory/,
  'dep-main-outside': /import "evil" is refused: it resolves to \S+\/outside\/secret\.js, outside the plugin's directory/,
  'dep-exports-outside': /import "evil"|Could not resolve "evil"/,
  'socket-inside': /socket-inside\/s\.sock is a socket/,
  'big-file': /big-file\/big\.js is 104857600 bytes, more than the \d+ bytes left under --max-bundle-size/,
  'huge-json': /huge-json\/data\.json is \d+ bytes, more than the \d+ bytes left under --max-bundle-size/,
  'huge-package-json': /node_modules\/dep\/package\.json is \d+ bytes; the bundler reads it, and --max-bundle-size is 16777216/,
};

/**
 * Source map comments naming files outside (a map holding the marker, the environment, /dev/zero, a
 * FIFO): esbuild reads such a file by itself, so the comment is defused and the plugin is served.
 */
const DEFUSED = ['sourcemap-outside', 'sourcemap-environ', 'sourcemap-zero', 'sourcemap-fifo'];

let f: Family;
before(async () => {
  stageFamily('bundler', dir);
  await makeDynamicAttacks();
  f = await Family.start(dir, ['--watch', '--shards', '2', '--memory-limit', '32', '--cpu-limit', '100', '--build-timeout', String(BUILD_TIMEOUT)]);
});
after(async () => {
  await f?.stop();
  socketServer?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function noSecret(text: string, where: string): void {
  assert.ok(!text.includes(ENV_MARKER), `${where} holds the server's environment`);
  assert.ok(!text.includes(FILE_MARKER), `${where} holds the outside file's content`);
}

test(`${Object.keys(EXPECTED).length + DEFUSED.length} bundler attacks: each refused at load naming the import and why, or defused (source map comments); start-up not held by FIFOs or /dev/zero; the neighbour and a control plugin that imports what it may are served`, async () => {
  assert.ok(Object.keys(EXPECTED).length >= 30);
  const failures = f.server.logsOf('plugin.load_failed');
  for (const [name, why] of Object.entries(EXPECTED)) {
    const line = failures.find((l) => l.plugin === name);
    assert.ok(line, `${name} was not refused at load`);
    assert.match(line.msg, why, name);
  }
  const raw = await RawKong.connect(f.server.socketPath);
  try {
    for (const name of Object.keys(EXPECTED)) await assert.rejects(raw.call('plugin.GetPluginInfo', name), /is not loaded/, name);
    for (const name of ['neighbour', 'legit']) noSecret(JSON.stringify(await raw.call('plugin.GetPluginInfo', name)), 'GetPluginInfo');
  } finally {
    raw.close();
  }
  const legit = await f.kong.startInstance('legit');
  const got = reported(await f.whileNeighbourServes(() => f.kong.runPhase(legit.Id, 'access')));
  assert.deepEqual(got, ['dep', 'json', 'helper', 'helper']);
  assert.ok(f.neighbourEvents >= 6);
  assert.deepEqual(Object.keys((await f.status()).Plugins).sort(), ['legit', 'neighbour', ...DEFUSED].sort());
  for (const name of DEFUSED) {
    const inst = await f.kong.startInstance(name);
    const run = await f.kong.runPhase(inst.Id, 'access');
    assert.deepEqual(run.calls, [{ Method: 'kong.response.set_header', Args: ['x-got', 'served'] }], name);
    // what the server keeps of the bundle: code and source map
    const file = path.join(dir, `${name}.js`);
    const built = await compilePlugin({ name, entry: file, root: file });
    noSecret(built.code + built.map, `${name}'s bundle`);
    assert.deepEqual(built.inputs, [fs.realpathSync(file)]);
  }
  noSecret(JSON.stringify(f.server.logs) + f.server.stderr, "the server's log");
});

/** Runs the server binary with these arguments to the end; null when it had not ended after `ms`. */
function runToEnd(args: string[], ms: number): Promise<{ code: number | null; stdout: string; stderr: string } | null> {
  return new Promise((resolve) => {
    const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, ms);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('--dump-all-plugins and check end (no FIFO holds them), list only the neighbour, the control and the defused, refuse every attack by name, and print no secret', async () => {
  const [dump, check, small] = await f.whileNeighbourServes(() =>
    Promise.all([
      runToEnd(['-d', dir, '--dump-all-plugins', '--build-timeout', String(BUILD_TIMEOUT)], 60_000),
      runToEnd(['check', '-d', dir, '--build-timeout', String(BUILD_TIMEOUT)], 60_000),
      // the size cap as a flag: the control plugin reads the SDK's files, several KB
      runToEnd(['check', '-d', dir, '--build-timeout', String(BUILD_TIMEOUT), '--max-bundle-size', '2048'], 60_000),
    ]),
  );
  assert.ok(small, 'check --max-bundle-size did not end');
  assert.match(small.stdout, /^ok {3}neighbour 1\.0\.0/m);
  assert.match(small.stdout, /^FAIL \S*legit\/\S+: .*--max-bundle-size/m);
  assert.ok(dump, '--dump-all-plugins did not end');
  assert.equal(dump.code, 0, dump.stderr);
  assert.deepEqual((JSON.parse(dump.stdout) as Array<{ Name: string }>).map((p) => p.Name).sort(), ['legit', 'neighbour', ...DEFUSED].sort());
  noSecret(dump.stdout + dump.stderr, 'the dump');
  assert.ok(check, 'check did not end');
  assert.equal(check.code, 1);
  noSecret(check.stdout + check.stderr, "check's output");
  assert.match(check.stdout, /^ok {3}neighbour 1\.0\.0/m);
  for (const [name, why] of Object.entries(EXPECTED)) {
    const line = check.stdout.split('\n').find((l) => l.startsWith('FAIL ') && l.includes(`${name}`) && why.test(l));
    assert.ok(line, `check does not refuse ${name} with ${why}:\n${check.stdout}`);
  }
});

test('--watch: a change outside the plugins directory (a file attacks aimed at, through a symlinked directory) reloads nothing; the neighbour still reloads after the stuck build', async () => {
  const before = f.server.logs.length;
  fs.writeFileSync(path.join(outside, 'secret.js'), `module.exports = ${JSON.stringify(FILE_MARKER + '-2')};\n`);
  fs.writeFileSync(path.join(outside, 'dep/index.js'), `module.exports = ${JSON.stringify(FILE_MARKER + '-2')};\n`);
  fs.writeFileSync(path.join(outside, 'new-file.js'), 'module.exports = 2;\n');
  // the positive signal: a change inside, after those, is seen and reloaded
  // (a comment alone would bundle to the same bytes, which is no reload)
  fs.appendFileSync(path.join(dir, 'neighbour.js'), 'module.exports.Touched = true;\n');
  await f.server.waitForLog('plugin.reloaded', (l) => l.plugin === 'neighbour', 20_000);
  const since = f.server.logs.slice(before);
  const reloads = since.filter((l) => ['plugin.reloaded', 'plugin.reload_failed', 'plugin.added'].includes(l.event ?? ''));
  assert.deepEqual(reloads.map((l) => `${l.event} ${l.plugin}`), ['plugin.reloaded neighbour']);
  await f.whileNeighbourServes(async () => {});
  noSecret(JSON.stringify(f.server.logs), "the server's log");
});

test('the build time limit: a build past --build-timeout is refused, and esbuild serves the next build', async () => {
  const neighbour = { name: 'neighbour', entry: path.join(dir, 'neighbour.js'), root: path.join(dir, 'neighbour.js') };
  await assert.rejects(compilePlugin({ name: 'glob-fifo', entry: path.join(dir, 'glob-fifo.js'), root: path.join(dir, 'glob-fifo.js') }, { maxBundleBytes: 1 << 20, buildTimeoutMs: 500 }), /bundling took longer than --build-timeout 500 ms/);
  const ok = await compilePlugin(neighbour, { maxBundleBytes: 1 << 20, buildTimeoutMs: 20_000 });
  assert.match(ok.code, /x-out/);
});

/** pids of this process's esbuild children */
function esbuildChildren(): number[] {
  const out: number[] = [];
  for (const ent of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${ent}/stat`, 'utf8');
      const m = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat);
      if (m && m[1] === 'esbuild' && Number(m[2]) === process.pid) out.push(Number(ent));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

test('a crashed esbuild service does not stop later builds: the next build gets a new one', async () => {
  const neighbour = { name: 'neighbour', entry: path.join(dir, 'neighbour.js'), root: path.join(dir, 'neighbour.js') };
  await compilePlugin(neighbour);
  const pids = esbuildChildren();
  assert.ok(pids.length > 0, 'no esbuild service found');
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  // the first build may meet the dead service (and restart it); the one after must succeed
  const first = await compilePlugin(neighbour).then(() => 'ok', (err: Error) => err.message);
  assert.ok(first === 'ok' || /the bundler \(esbuild\) stopped/.test(first), first);
  const again = await compilePlugin(neighbour);
  assert.match(again.code, /x-out/);
  assert.notDeepEqual(esbuildChildren(), pids);
});
