// Bundle positions mapped back to the author's source, bounded: the same answers as a general
// source-map consumer (source-map-js, a test-only cross-check) on a real esbuild bundle, and cheap
// for a bundle built to be expensive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SourceMapConsumer, type RawSourceMap } from 'source-map-js';
import { compilePlugin } from '../../src/plugins/compiler.ts';
import { mapBundlePositions } from '../../src/plugins/source-map.ts';

function pluginDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kps-srcmap-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

test('every mapped position is the one source-map-js gives, across two files and TypeScript', async () => {
  const dir = pluginDir({
    'package.json': '{"main":"index.ts"}',
    'lib.ts': 'export function twice(x: number): number {\n  const y: number = x * 2;\n  return y;\n}\nexport const label = (s: string) => `<${s}>`;\n',
    'index.ts': "import { twice, label } from './lib.ts';\nclass Plugin {\n  async access(kong: any) {\n    const n: number = twice(3);\n    await kong.response.setHeader('x', label(String(n)));\n  }\n}\nmodule.exports = { Plugin, Version: '1.0.0' };\n",
  });
  const compiled = await compilePlugin({ name: 'p', entry: path.join(dir, 'index.ts'), root: dir });
  const consumer = new SourceMapConsumer(JSON.parse(compiled.map) as RawSourceMap);
  const lines = compiled.code.split('\n');
  let checked = 0;
  for (let line = 1; line <= lines.length; line++) {
    for (let col = 1; col <= lines[line - 1]!.length + 1; col++) {
      const text = `at f (${compiled.source.entry}:${line}:${col})`;
      const expected = consumer.originalPositionFor({ line, column: col - 1 });
      const want = expected.source === null || expected.line === null ? text : `at f (${path.resolve(dir, expected.source)}:${expected.line}:${(expected.column ?? 0) + 1})`;
      assert.equal(mapBundlePositions(text, compiled.source.entry, compiled.map), want, `${line}:${col}`);
      checked++;
    }
  }
  assert.ok(checked > 200);
});

test('a 100 000-line bundle maps a position in milliseconds, and one text rewrites at most 8 positions', async () => {
  const body = Array.from({ length: 100_000 }, (_, i) => `g.v${i % 7} = ${i};`).join('\n');
  const dir = pluginDir({ 'big.js': `var g = {};\n${body}\nthrow new Error('x');\n` });
  const compiled = await compilePlugin({ name: 'big', entry: path.join(dir, 'big.js'), root: dir });
  assert.equal((JSON.parse(compiled.map) as { sourcesContent?: unknown }).sourcesContent, undefined, 'the map carries no copy of the source');
  const at = (line: number) => `${compiled.source.entry}:${line}:3`;
  const t0 = process.cpuUsage();
  const first = mapBundlePositions(`at ${at(90_000)}`, compiled.source.entry, compiled.map);
  const text = Array.from({ length: 20 }, (_, i) => at(50_000 + i)).join(' ');
  const many = mapBundlePositions(text, compiled.source.entry, compiled.map);
  const cpu = process.cpuUsage(t0);
  assert.match(first, new RegExp(`${dir}/big\\.js:\\d+:\\d+$`));
  assert.notEqual(first, `at ${at(90_000)}`);
  const parts = many.split(' ');
  assert.equal(parts.filter((p, i) => p !== at(50_000 + i)).length, 8, 'exactly the first 8 positions are rewritten');
  assert.ok((cpu.user + cpu.system) / 1000 < 1000, `${(cpu.user + cpu.system) / 1000} ms of CPU`);
});
