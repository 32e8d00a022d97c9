// What users install: the package is packed (prepack builds dist/), the tarball is installed into a
// temporary global prefix as Kong operators install kong-pdk, and everything below runs from that
// install, with Node 24 on PATH and nothing of the checkout reachable: the bin (version, a dump, one
// event over the socket), a consumer project that imports ./testing and runs a PluginTest, and a
// TypeScript consumer that type-checks a plugin against ./pdk. One pack + install serves them all.
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ROOT, ServerProcess } from '../../kong-driver/server-process.ts';

const NAME = 'kong-sandbox-pluginserver';
const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
/** a user's PATH: Node 24 first, then the system; no node_modules/.bin of the checkout */
const USER_PATH = `${path.dirname(process.execPath)}:/usr/bin:/bin`;
const userEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { HOME: process.env.HOME, PATH: USER_PATH, TMPDIR: process.env.TMPDIR };
  // npm's own cache and config stay the user's (the registry is reached only for what is not cached)
  for (const k of ['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']) if (process.env[k]) env[k] = process.env[k];
  return env;
};

let work: string;
let tarball: string;
let files: string[];
let installed: string; // <prefix>/lib/node_modules/kong-sandbox-pluginserver
let bin: string; // <prefix>/bin/kong-sandbox-pluginserver
let plugins: string;

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? work, env: opts.env ?? userEnv(), encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'kps-package-'));
  const packed = run('npm', ['pack', '--silent', '--pack-destination', work, ROOT], { env: { ...userEnv(), PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}` } });
  assert.equal(packed.status, 0, packed.stderr);
  tarball = path.join(work, packed.stdout.trim().split('\n').pop()!);
  files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).trim().split('\n').map((f) => f.replace(/^package\//, ''));
  const prefix = path.join(work, 'prefix');
  const inst = run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball]);
  assert.equal(inst.status, 0, inst.stderr);
  installed = path.join(prefix, 'lib/node_modules', NAME);
  bin = path.join(prefix, 'bin', NAME);
  plugins = path.join(work, 'plugins');
  fs.mkdirSync(plugins);
  fs.writeFileSync(path.join(plugins, 'package.json'), '{ "type": "commonjs" }\n');
  fs.writeFileSync(
    path.join(plugins, 'hello.js'),
    `class Plugin {
  constructor(config) { this.config = config; }
  async access(kong) { await kong.response.setHeader('x-hello', 'hi ' + this.config.name); }
}
module.exports = { Plugin, Version: '1.2.3', Priority: 10, Schema: [{ name: { type: 'string' } }] };
`,
  );
});

after(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  test('ships dist/ with declarations, the bin and the docs; no sources, tests, benchmarks or scratch files', () => {
    for (const f of ['package.json', 'README.md', `bin/${NAME}`, 'scripts/preinstall.cjs', 'dist/main.js', 'dist/sandbox-runtime.js', 'dist/shards/shard-main.js', 'dist/sdk/index.d.ts', 'dist/testing/index.d.ts', 'docs/operating.md']) {
      assert.ok(files.includes(f), `${f} is not in the tarball`);
    }
    const unwanted = files.filter((f) => /^(src|test|bench|plugins|sandbox-runtime)\/|^t\.mjs$|\.ts$/.test(f) && !f.endsWith('.d.ts'));
    assert.deepEqual(unwanted, []);
  });

  test('installed globally: the bin runs dist/ on Node 24 (version, a dump)', () => {
    assert.ok(!fs.existsSync(path.join(installed, 'src')));
    const v = run(bin, ['--version']);
    assert.equal(v.status, 0, v.stderr);
    assert.equal(v.stdout.trim(), VERSION);
    const dump = run(bin, ['-d', plugins, '--dump-plugin-info', 'hello']);
    assert.equal(dump.status, 0, dump.stderr);
    const info = JSON.parse(dump.stdout) as { Name: string; Version: string; Phases: string[] }[];
    assert.deepEqual(info.map((p) => [p.Name, p.Version, p.Phases]), [['hello', '1.2.3', ['access']]]);
  });

  test('installed globally: the bin refuses an older Node in one line that names Node 24 and KPS_NODE', () => {
    const fakeNode = path.join(work, 'old-node');
    fs.writeFileSync(fakeNode, '#!/bin/sh\necho 20\n', { mode: 0o755 });
    const r = run(bin, ['--version'], { env: { ...userEnv(), KPS_NODE: fakeNode } });
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^kong-sandbox-pluginserver: Node\.js 24 or newer is required, .*old-node is .*KPS_NODE.*\n$/);
    assert.doesNotMatch(r.stderr, /npm ci/, 'an installed package has no lockfile: npm ci is no advice');
  });

  test('its preinstall refuses Node < 24 in one line before any dependency is built', () => {
    const fake = path.join(work, 'node20.cjs');
    fs.writeFileSync(fake, "Object.defineProperty(process.versions, 'node', { value: '20.11.1' }); Object.defineProperty(process, 'version', { value: 'v20.11.1' });\n");
    const old = run(process.execPath, ['-r', fake, path.join(installed, 'scripts/preinstall.cjs')]);
    assert.equal(old.status, 1);
    assert.match(old.stderr, /^kong-sandbox-pluginserver: Node\.js 24 or newer is required, npm is running Node v20\.11\.1 .*Node 24.*\n$/);
    const current = run(process.execPath, [path.join(installed, 'scripts/preinstall.cjs')]);
    assert.equal(current.status, 0, current.stderr);
  });

  test('installed globally: the server serves an event over its socket', async () => {
    const server = await ServerProcess.start({ bin, pluginsDir: plugins, env: userEnv() });
    try {
      const kong = server.client();
      const inst = await kong.startInstance('hello', { name: 'kong' });
      const ev = await kong.runPhase(inst.Id, 'access', () => undefined);
      assert.deepEqual(ev.calls, [{ Method: 'kong.response.set_header', Args: ['x-hello', 'hi kong'] }]);
      kong.close();
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });
});

describe('a project that depends on the package', () => {
  let project: string;
  before(() => {
    project = path.join(work, 'consumer');
    fs.mkdirSync(path.join(project, 'node_modules'), { recursive: true });
    // the installed copy, as `npm install kong-sandbox-pluginserver` would put it
    fs.cpSync(installed, path.join(project, 'node_modules', NAME), { recursive: true, verbatimSymlinks: true });
    fs.writeFileSync(path.join(project, 'package.json'), '{ "name": "my-plugins", "private": true, "type": "module" }\n');
    fs.writeFileSync(
      path.join(project, 'greeting.ts'),
      `import { definePlugin, defineSchema } from '${NAME}/pdk';
const schema = defineSchema([{ header: { type: 'string', required: true } }] as const);
export default definePlugin({
  version: '1.0.0',
  schema,
  async access(kong) {
    const name = await kong.request.getHeader('x-name');
    await kong.response.setHeader(this.config.header, 'hello ' + (name ?? 'nobody'));
  },
});
`,
    );
    fs.writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2024', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: [], allowImportingTsExtensions: true } }),
    );
  });

  test('imports ./testing and runs a PluginTest (of a TypeScript plugin written against ./pdk)', () => {
    fs.writeFileSync(
      path.join(project, 'greeting.test.mjs'),
      `import assert from 'node:assert/strict';
import { PluginTest, Request } from '${NAME}/testing';
const t = new PluginTest(new Request().useHeaders({ 'x-name': 'ada' }));
await t.Run(new URL('./greeting.ts', import.meta.url), { header: 'x-greeting' });
assert.deepEqual(t.errors, []);
assert.equal(t.response.headers.get('x-greeting'), 'hello ada');
console.log('plugin test passed');
`,
    );
    const r = run(process.execPath, ['--no-node-snapshot', 'greeting.test.mjs'], { cwd: project });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /plugin test passed/);
  });

  test('type-checks a plugin against ./pdk, and a mistake in it is a type error', () => {
    const ok = run(process.execPath, [TSC, '-p', '.'], { cwd: project });
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    fs.writeFileSync(path.join(project, 'greeting.ts'), fs.readFileSync(path.join(project, 'greeting.ts'), 'utf8').replace('this.config.header', 'this.config.heder'));
    const bad = run(process.execPath, [TSC, '-p', '.'], { cwd: project });
    assert.equal(bad.status, 2);
    assert.match(bad.stdout, /greeting\.ts.*error TS2551: Property 'heder' does not exist/);
  });
});

describe("operating.md's Dockerfile recipe", () => {
  const dockerfile = fs.readFileSync(path.join(ROOT, 'docs/examples/docker/Dockerfile'), 'utf8');
  /** instructions, continuation lines joined, comments dropped */
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });

  test('installs this package (its tarball name, Node 24) and runs its bin where npm puts it', () => {
    const from = instructions.filter((i) => i.op === 'FROM').map((i) => i.args);
    assert.match(from[0]!, /^node:24\b/, 'the install stage runs the Node the package requires');
    assert.match(from[1]!, /^kong:/);
    const copyTar = instructions.find((i) => i.op === 'COPY' && i.args.includes('.tgz'))!;
    const [glob, dest] = copyTar.args.split(/\s+/) as [string, string];
    assert.ok(path.basename(tarball).startsWith(glob.replace('*.tgz', '')) && tarball.endsWith('.tgz'), `${glob} does not match ${path.basename(tarball)}`);
    const install = instructions.find((i) => i.op === 'RUN' && i.args.startsWith('npm install -g'))!;
    const m = /^npm install -g --prefix (\S+) (\S+)$/.exec(install.args);
    assert.ok(m, install.args);
    assert.equal(m[2], dest);
    const prefix = m[1]!;
    // the prefix is what the final stage copies, and the bin the recipe runs is the package's bin
    assert.ok(instructions.some((i) => i.op === 'COPY' && i.args === `--from=kps ${prefix} ${prefix}`));
    const binsRun = [...dockerfile.matchAll(new RegExp(`${prefix}/bin/(\\S+)`, 'g'))].map((x) => x[1]);
    assert.ok(binsRun.length >= 2);
    const pkgBins = Object.keys((JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin);
    for (const b of binsRun) assert.ok(pkgBins.includes(b!), `${b} is not a bin of the package`);
    // the Node the final stage copies is the one KPS_NODE names, and the bin reads KPS_NODE
    const node = instructions.find((i) => i.op === 'COPY' && /\/node$/.test(i.args))!.args.split(/\s+/).pop();
    assert.ok(instructions.some((i) => i.op === 'ENV' && i.args === `KPS_NODE=${node}`));
    assert.match(fs.readFileSync(path.join(installed, 'bin', NAME), 'utf8'), /KPS_NODE/);
  });

  test("its RUN commands of the server work on the installed package, and the kong.conf it writes points at the install", () => {
    const prefixDir = path.dirname(path.dirname(bin));
    const kongConf = path.join(work, 'kong.conf');
    const steps = instructions.filter((i) => i.op === 'RUN' && i.args.includes('/opt/kps/bin/')).flatMap((i) => i.args.split(/\s*&&\s*/));
    assert.equal(steps.length, 2);
    for (const step of steps) {
      const cmd = step
        .replaceAll('/opt/kps', prefixDir)
        .replaceAll('/usr/local/kong/js-plugins', plugins)
        .replaceAll('-p /usr/local/kong', `-p ${work}`)
        .replaceAll('/etc/kong/kong.conf', kongConf);
      const r = run('/bin/sh', ['-e', '-c', cmd], { env: { ...userEnv(), KPS_NODE: process.execPath } });
      assert.equal(r.status, 0, `${cmd}: ${r.stderr}`);
    }
    const conf = fs.readFileSync(kongConf, 'utf8');
    const startCmd = /^pluginserver_hello_start_cmd = (\S+) /m.exec(conf);
    assert.ok(startCmd, conf);
    assert.equal(fs.realpathSync(startCmd[1]!), fs.realpathSync(bin));
    assert.match(conf, /^plugins = bundled,hello$/m);
  });
});
