// The error codes are a closed set: docs/errors.md documents exactly the codes of ErrorCode, each
// with when it happens and what to do, and src/ spells a code only through the constants.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode } from '../../src/errors.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The rows of docs/errors.md's tables: `| \`KPS_ERR_X\` | when | what to do |`. */
function documentedRows(): Map<string, { when: string; todo: string }> {
  const rows = new Map<string, { when: string; todo: string }>();
  for (const line of fs.readFileSync(path.join(ROOT, 'docs/errors.md'), 'utf8').split('\n')) {
    const m = /^\|\s*`(KPS_ERR_[A-Z_]+)`\s*\|(.*)\|(.*)\|\s*$/.exec(line);
    if (!m) continue;
    assert.ok(!rows.has(m[1]!), `docs/errors.md has ${m[1]} twice`);
    rows.set(m[1]!, { when: m[2]!.trim(), todo: m[3]!.trim() });
  }
  return rows;
}

test('docs/errors.md has a row for every code, and no row for a code that does not exist', () => {
  const rows = documentedRows();
  const codes = Object.values(ErrorCode);
  assert.deepEqual(codes.filter((c) => !rows.has(c)), [], 'codes docs/errors.md does not document');
  assert.deepEqual([...rows.keys()].filter((c) => !(codes as string[]).includes(c)), [], 'rows for codes ErrorCode does not have');
  for (const [code, row] of rows) {
    assert.ok(row.when.length > 20, `${code}: say when it happens`);
    assert.ok(row.todo.length > 5, `${code}: say what to do`);
  }
});

test('every KPS_ERR_ the docs mention is a code', () => {
  const codes = new Set<string>(Object.values(ErrorCode));
  for (const doc of fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md'))) {
    const text = fs.readFileSync(path.join(ROOT, 'docs', doc), 'utf8');
    for (const [code] of text.matchAll(/KPS_ERR_[A-Z_]+/g)) assert.ok(codes.has(code), `docs/${doc} names ${code}, which is not a code`);
  }
});

test('the codes are distinct, and src/ spells them only through ErrorCode', () => {
  const values = Object.values(ErrorCode);
  assert.equal(new Set(values).size, values.length);
  for (const [key, value] of Object.entries(ErrorCode)) assert.equal(value, `KPS_ERR_${key}`);
  const inline: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (file.endsWith('.ts') && file !== path.join(ROOT, 'src/errors.ts')) {
        fs.readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
          if (/['"`]KPS_ERR_/.test(line)) inline.push(`${path.relative(ROOT, file)}:${i + 1}`);
        });
      }
    }
  };
  walk(path.join(ROOT, 'src'));
  assert.deepEqual(inline, [], 'codes written inline instead of ErrorCode.X');
});
