// Instance and event ids: integers below 2^31 (Go decodes them into int), strictly increasing,
// starting at a random point so ids cached by Kong from a previous run are not reused.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { IdSequence } from '../../src/instances/ids.ts';

const LIMIT = 2 ** 31;

describe('IdSequence', () => {
  test('counts up by one from the given start', () => {
    const seq = new IdSequence(5);
    assert.deepEqual([seq.next(), seq.next(), seq.next()], [5, 6, 7]);
  });

  test('a fresh sequence gives integers in [0, 2^31), strictly increasing', () => {
    const seq = new IdSequence();
    let prev = -1;
    for (let i = 0; i < 10_000; i++) {
      const id = seq.next();
      assert.ok(Number.isInteger(id), `${id} is an integer`);
      assert.ok(id >= 0 && id < LIMIT, `${id} is in range`);
      assert.ok(id > prev, `${id} > ${prev}`);
      prev = id;
    }
  });

  test('wraps to 1 after 2^31 - 1, never leaving the range', () => {
    const seq = new IdSequence(LIMIT - 3);
    assert.deepEqual(
      Array.from({ length: 5 }, () => seq.next()),
      [LIMIT - 3, LIMIT - 2, LIMIT - 1, 1, 2],
    );
  });

  test('two fresh sequences start at different points', () => {
    // random starts in [1, 2^30): a collision has odds of about 1e-9
    const a = new IdSequence().next();
    const b = new IdSequence().next();
    assert.notEqual(a, b);
  });

  test('sequences are independent of each other', () => {
    const a = new IdSequence(10);
    const b = new IdSequence(10);
    a.next();
    a.next();
    assert.equal(b.next(), 10);
    assert.equal(a.next(), 12);
  });
});
