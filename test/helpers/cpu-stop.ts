// How long Kong may wait for an event whose plugin loops until its CPU budget stops it. A slice is
// interrupted after about three budgets of CPU (what is left, plus twice the budget of slack), and
// on a busy machine that CPU takes up to MAX_STRETCH times as long by the clock (cpu-share.ts);
// 1.5 s more for the answer's way back on a loaded machine. Well below any event deadline in tests.
import { MAX_STRETCH } from '../../src/sandbox/cpu-share.ts';

export function stoppedWithinMs(cpuLimitMs: number): number {
  return 3 * cpuLimitMs * MAX_STRETCH + 1500;
}
