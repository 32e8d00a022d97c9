// The wall-clock stretch of slice timeouts: learned from slices that took longer by the clock than
// they used CPU (a busy machine), bounded, and deaf to slices too short to say anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuStretch, recordSlice, MAX_STRETCH } from '../../src/sandbox/cpu-share.ts';

test('an idle machine stretches nothing; a busy one stretches up to MAX_STRETCH; it comes back', () => {
  for (let i = 0; i < 50; i++) recordSlice(10_000, 10_000);
  assert.equal(cpuStretch(), 1);
  for (let i = 0; i < 5; i++) recordSlice(2_000, 600_000); // 300 × as long by the clock
  assert.ok(cpuStretch() > 4 && cpuStretch() <= MAX_STRETCH, String(cpuStretch()));
  for (let i = 0; i < 100; i++) recordSlice(2_000, 600_000);
  assert.ok(Math.abs(cpuStretch() - MAX_STRETCH) < 1e-6, String(cpuStretch()));
  for (let i = 0; i < 100; i++) recordSlice(10_000, 10_000);
  assert.ok(cpuStretch() < 1.001, String(cpuStretch()));
});

test('slices under 2 ms by the clock, and CPU above the clock (other threads), move nothing', () => {
  for (let i = 0; i < 100; i++) recordSlice(10_000, 10_000);
  const before = cpuStretch();
  for (let i = 0; i < 100; i++) recordSlice(10, 1_900);
  assert.equal(cpuStretch(), before);
  for (let i = 0; i < 100; i++) recordSlice(30_000, 10_000);
  assert.ok(cpuStretch() < 1 + 1e-9, String(cpuStretch()));
});
