// A process's resident memory, from /proc/<pid>/status: what tests judge "the memory came back" and
// "the shard stayed flat" by.
import fs from 'node:fs';

/** MB of RSS (VmRSS); 0 for a process that is gone. */
export function rssMbOf(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return kb ? Number(kb[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}
