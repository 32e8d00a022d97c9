// How much of the wall clock this process's slices get as CPU, learned from the slices themselves.
// A slice is stopped by a wall-clock timeout (the only interrupt isolated-vm has), but its budget is
// CPU: on a machine busy with other work, a slice that is well within its CPU budget can take many
// times as long by the clock. The timeout is stretched by this factor, so a busy machine does not
// turn into plugins killed for CPU they never used; a loop still ends at about the same CPU.
// Plugin code cannot inflate the factor: in an isolate nothing waits without using CPU (no
// Atomics.wait, no SharedArrayBuffer, no sync I/O), so wall time beyond CPU is the machine's.

/** the most a timeout is stretched: past it, a slice on a starved machine is stopped anyway */
export const MAX_STRETCH = 8;
/** slices shorter than this by the clock say nothing about the machine (timer resolution, noise) */
const MIN_WALL_US = 2000;

let stretch = 1;

/** A slice ran: `wallUs` by the clock, `cpuUs` of CPU. */
export function recordSlice(cpuUs: number, wallUs: number): void {
  if (wallUs < MIN_WALL_US) return;
  const ratio = Math.min(MAX_STRETCH, Math.max(1, wallUs / Math.max(cpuUs, 1)));
  // a moving average: one long wait (the process descheduled once) moves it a fifth of the way
  stretch = 0.8 * stretch + 0.2 * ratio;
}

/** Wall time per unit of CPU lately, between 1 and MAX_STRETCH. */
export function cpuStretch(): number {
  return stretch;
}
