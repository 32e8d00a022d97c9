// Tombstones: an event that ended with a terminal call answers "ret" to a late Step for 120 s.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { Tombstones } from '../../src/events/tombstones.ts';

test('a tombstone lives 120 s from its last add; expired ones are forgotten while others live on', () => {
  mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
  try {
    const t = new Tombstones();
    t.add(1);
    mock.timers.tick(100_000);
    t.add(2);
    mock.timers.tick(10_000);
    t.add(1); // re-added: lives 120 s from now
    for (let id = 100; id < 5100; id++) t.add(id);
    mock.timers.tick(15_000); // 125 s after the first add of 1
    assert.equal(t.has(1), true);
    assert.equal(t.has(2), true);
    mock.timers.tick(100_000); // 225 s: 2 (added at 100 s) is gone; 1 (re-added at 110 s) lives to 230 s
    assert.equal(t.has(2), false);
    assert.equal(t.has(1), true);
    assert.equal(t.has(5099), true);
    mock.timers.tick(6_000);
    assert.equal(t.has(1), false);
    assert.equal(t.has(100), false);
    t.add(7);
    assert.equal(t.has(7), true);
    assert.equal(t.has(3), false);
  } finally {
    mock.timers.reset();
  }
});
