// Slice timeouts expire on a shared grid, never earlier than asked and less than one grid step later.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coalescedTimeout } from '../../src/sandbox/event-slice.ts';

test('a timeout is never shorter than asked, at most one grid step longer, and expiries coalesce', () => {
  const expiries = new Set<number>();
  for (let now = 1_000_000; now < 1_000_050; now++) {
    const t = coalescedTimeout(300, 100, now);
    assert.ok(t >= 300 && t < 300 + 50, `timeout ${t} at ${now}`);
    assert.ok(Number.isInteger(t));
    expiries.add(now + t);
  }
  // 50 slices started over 50 ms with the default 100 ms budget: at most 2 distinct expiries
  assert.ok(expiries.size <= 2, `${expiries.size} expiries`);
});

test('a small CPU budget gets a small grid: a 2 ms budget is stretched by at most 1 ms', () => {
  for (let now = 0; now < 10; now++) {
    const t = coalescedTimeout(5, 2, now);
    assert.ok(t >= 5 && t <= 6, `timeout ${t}`);
  }
});
