// The documentation runs: every ```sh block of docs/*.md and README.md is run with `/bin/sh -e`
// from the repository root (node_modules/.bin first on PATH) and must exit 0, so a command the docs
// show cannot stop working unnoticed. Conventions, written as a comment line just before a block:
//
//   <!-- not run -->       before a ```sh block: shown, not run (it installs, or serves until stopped)
//   <!-- output -->        before a ```text block that directly follows a ```sh block: that block's
//                          stdout, exactly (trailing blanks aside; the repository root is shown as
//                          /opt/kps, where the docs pretend it is installed)
//   <!-- file: PATH -->    before any block: the block is the file PATH of the repository, verbatim
//
// Blocks that need a running Kong, or that start a server and leave it running, are ```text or
// ```conf blocks and are never run. Each block runs in a fresh shell: blocks do not share state.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const SHOWN_ROOT = '/opt/kps';
const BLOCK_TIMEOUT_MS = 60_000;
const DOCS = ['docs/writing-plugins.md', 'docs/operating.md', 'docs/migrating.md'];
/** reference pages: no commands to run, but their links are checked as the guides' are */
const REFERENCE = ['docs/protocol.md', 'docs/errors.md'];
/** commands a docs test must never run: they change node_modules, or serve until stopped */
const INSTALLS_OR_SERVES = /\bnpm\s+(ci|install|i|start|link)\b/;

interface Block {
  file: string;
  /** 1-based line of the opening fence */
  line: number;
  info: string;
  body: string;
  /** the `<!-- … -->` comment on the last non-blank line before the fence, if any */
  marker: string | null;
  /** for a ```sh block: the ```text block marked as its output */
  output?: Block;
}

/** The fenced blocks of a Markdown file, with the marker comment before each. */
export function fencedBlocks(file: string, text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  let lastNonBlank = '';
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})\s*([^\s`]*)[^`]*$/.exec(lines[i]!);
    if (!open) {
      if (lines[i]!.trim() !== '') lastNonBlank = lines[i]!.trim();
      continue;
    }
    const [, indent, fence, info] = open;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !new RegExp(`^\\s*${fence}\\s*$`).test(lines[j]!)) {
      body.push(lines[j]!.startsWith(indent!) ? lines[j]!.slice(indent!.length) : lines[j]!.trimStart());
      j++;
    }
    assert.ok(j < lines.length, `${file}:${i + 1}: the block opened here is never closed`);
    const marker = /^<!--\s*(.*?)\s*-->$/.exec(lastNonBlank)?.[1] ?? null;
    blocks.push({ file, line: i + 1, info: info!, body: body.join('\n') + '\n', marker });
    lastNonBlank = fence!;
    i = j;
  }
  // attach outputs: an `output` text block belongs to the sh block right before it
  blocks.forEach((b, k) => {
    if (b.marker !== 'output') return;
    const prev = blocks[k - 1];
    assert.equal(b.info, 'text', `${file}:${b.line}: an output block must be a text block`);
    assert.ok(prev && prev.info === 'sh' && prev.marker !== 'not run', `${file}:${b.line}: an output block must follow a sh block that runs`);
    prev.output = b;
  });
  for (const b of blocks) {
    if (b.marker !== null && !['not run', 'output'].includes(b.marker) && !b.marker.startsWith('file:')) {
      assert.fail(`${file}:${b.line}: unknown marker <!-- ${b.marker} -->`);
    }
  }
  return blocks;
}

function blocksOf(file: string): Block[] {
  return fencedBlocks(file, fs.readFileSync(path.join(ROOT, file), 'utf8'));
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs a block with /bin/sh -e in the repository root; the whole process group dies on timeout. */
function runBlock(script: string): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${ROOT}/node_modules/.bin:${process.env.PATH ?? ''}` };
  // the docs import the package as an installed user does; in the checkout its exports resolve to
  // src/ under this condition (dist/ exists only in the tarball, see test/integration/package.test.ts)
  env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --conditions=kps-source`.trim();
  // a `node --test` the docs run must report to its terminal, not to this test runner
  delete env.NODE_TEST_CONTEXT;
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-e', '-c', script], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, BLOCK_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** Output as the docs show it: the repository root as /opt/kps, no trailing blanks or blank lines. */
function normalise(text: string): string {
  return text
    .split(ROOT)
    .join(SHOWN_ROOT)
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .replace(/\n+$/, '');
}

/** GitHub's anchors for a Markdown file's headings (outside fenced blocks). */
function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  let inFence = false;
  for (const line of text.split('\n')) {
    if (/^\s*```/.test(line)) inFence = !inFence;
    const h = inFence ? null : /^#{1,6}\s+(.*)$/.exec(line);
    if (!h) continue;
    const base = h[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    let anchor = base;
    for (let n = 1; anchors.has(anchor); n++) anchor = `${base}-${n}`;
    anchors.add(anchor);
  }
  return anchors;
}

describe('the fenced-block reader', () => {
  test('heading anchors are GitHub\'s', () => {
    assert.deepEqual([...headingAnchors('# A `kong` object\n## `PluginTest`: tests with `node:test`\n```sh\n# not a heading\n```\n## Limits, again\n## Limits, again')], [
      'a-kong-object',
      'plugintest-tests-with-nodetest',
      'limits-again',
      'limits-again-1',
    ]);
  });


  test('finds sh blocks, markers, outputs and files; indented blocks lose their indent', () => {
    const md = [
      'text',
      '<!-- not run -->',
      '```sh',
      'npm start',
      '```',
      '```sh',
      'echo hi',
      '```',
      '<!-- output -->',
      '```text',
      'hi',
      '```',
      '- a list item:',
      '  <!-- file: x.js -->',
      '  ```js',
      '  const a = 1;',
      '  ```',
    ].join('\n');
    const blocks = fencedBlocks('t.md', md);
    assert.deepEqual(
      blocks.map((b) => [b.line, b.info, b.marker, b.body]),
      [
        [3, 'sh', 'not run', 'npm start\n'],
        [6, 'sh', null, 'echo hi\n'],
        [10, 'text', 'output', 'hi\n'],
        [15, 'js', 'file: x.js', 'const a = 1;\n'],
      ],
    );
    assert.equal(blocks[1]!.output, blocks[2]);
  });

  test('an output block after a block that is not run is an error', () => {
    assert.throws(() => fencedBlocks('t.md', '<!-- not run -->\n```sh\nx\n```\n<!-- output -->\n```text\ny\n```\n'), /must follow a sh block that runs/);
  });
});

describe('docs', () => {
  test('the guides and the reference pages exist and README.md links each of them', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    for (const doc of [...DOCS, ...REFERENCE]) {
      assert.ok(fs.existsSync(path.join(ROOT, doc)), `${doc} is missing`);
      assert.ok(readme.includes(`](${doc})`), `README.md does not link ${doc}`);
    }
  });

  test('links between the docs and README.md point at files and headings that exist', () => {
    const broken: string[] = [];
    for (const file of [...DOCS, ...REFERENCE, 'README.md']) {
      // links outside fenced blocks and code spans
      const text = fs.readFileSync(path.join(ROOT, file), 'utf8').replace(/^\s*```[^]*?^\s*```/gm, '').replace(/`[^`\n]*`/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue; // https:, mailto:
        const [rel, anchor] = target!.split('#') as [string, string | undefined];
        const dest = rel === '' ? path.join(ROOT, file) : path.resolve(path.dirname(path.join(ROOT, file)), rel);
        if (!fs.existsSync(dest)) {
          broken.push(`${file}: ${target} (no such file)`);
          continue;
        }
        if (anchor !== undefined && dest.endsWith('.md') && !headingAnchors(fs.readFileSync(dest, 'utf8')).has(anchor)) {
          broken.push(`${file}: ${target} (no such heading)`);
        }
      }
    }
    assert.deepEqual(broken, []);
  });

  test("--help's flags and operating.md's flag tables are the same set, both ways", async () => {
    const help = await runBlock('bin/kong-sandbox-pluginserver --help');
    assert.equal(help.code, 0, help.stderr);
    // the server's own flags: every section but Commands, which shows the subcommands' flags
    const [before, after] = help.stdout.split('\nCommands:\n');
    const serverFlags = `${before}\n${after!.slice(after!.indexOf('\n\n'))}`;
    const helpFlags = new Set(serverFlags.match(/(?<![\w-])--[a-z][a-z-]+/g));
    assert.ok(helpFlags.size > 40, `only ${helpFlags.size} flags found in --help`);
    // operating.md: the first cell of each row of the tables under "## Flags"
    const operating = fs.readFileSync(path.join(ROOT, 'docs/operating.md'), 'utf8');
    const flagsSection = operating.slice(operating.indexOf('\n## Flags\n'), operating.indexOf('\n## ', operating.indexOf('\n## Flags\n') + 1));
    const firstCells = flagsSection.split('\n').filter((l) => l.startsWith('| `')).map((l) => l.split(' | ')[0]!);
    const docFlags = new Set(firstCells.flatMap((cell) => cell.match(/(?<![\w-])--[a-z][a-z-]+/g) ?? []));
    assert.deepEqual([...helpFlags].filter((f) => !docFlags.has(f)), [], "flags in --help that operating.md's flag tables do not list");
    assert.deepEqual([...docFlags].filter((f) => !helpFlags.has(f)), [], "flags in operating.md's flag tables that --help does not list");
  });

  for (const file of [...DOCS, 'README.md']) {
    describe(file, { concurrency: 2 }, () => {
      const blocks = fs.existsSync(path.join(ROOT, file)) ? blocksOf(file) : [];
      test('has runnable sh blocks', () => assert.ok(blocks.some((b) => b.info === 'sh' && b.marker !== 'not run')));
      for (const b of blocks) {
        const where = `${file}:${b.line}`;
        if (b.marker?.startsWith('file:')) {
          const shown = b.marker.slice('file:'.length).trim();
          test(`${where} is ${shown}, verbatim`, () => {
            assert.equal(b.body, fs.readFileSync(path.join(ROOT, shown), 'utf8'));
          });
        }
        if (b.info !== 'sh') continue;
        // shown for reading only (it installs, or serves until stopped): nothing to check by running it
        if (b.marker === 'not run') continue;
        if (INSTALLS_OR_SERVES.test(b.body)) {
          // never run by accident: npm ci would reinstall node_modules under every other test
          test(`${where} installs or serves: it must be marked <!-- not run -->`, () => assert.fail(b.body));
          continue;
        }
        const first = b.body.split('\n').find((l) => l.trim() && !l.trim().startsWith('#')) ?? '';
        test(`${where}: ${first.length > 70 ? `${first.slice(0, 70)}…` : first}`, async () => {
          const run = await runBlock(b.body);
          const report = `\n--- block (${where})\n${b.body}--- stdout\n${run.stdout}--- stderr\n${run.stderr}`;
          assert.ok(!run.timedOut, `timed out after ${BLOCK_TIMEOUT_MS} ms${report}`);
          assert.equal(run.code, 0, `exit status ${run.code ?? run.signal}${report}`);
          if (b.output) assert.equal(normalise(run.stdout), normalise(b.output.body), `stdout differs from the output block at ${file}:${b.output.line}${report}`);
        });
      }
    });
  }
});
