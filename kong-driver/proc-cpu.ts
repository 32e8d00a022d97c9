// CPU a process or thread has used, from the text of its /proc …/stat file (utime + stime, in
// clock ticks of 10 ms): what the benchmarks sample over their measured seconds, and what tests
// judge work by where the clock would depend on how busy the machine is.
import fs from 'node:fs';

/** ms of CPU, from /proc/<pid>/stat or /proc/<pid>/task/<tid>/stat (the command name may hold spaces and ")"). */
export function cpuMsOf(statFile: string): number {
  const stat = fs.readFileSync(statFile, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}

/** The command name in a stat file (a thread's name, for /proc/<pid>/task/<tid>/stat). */
export function commOf(statFile: string): string {
  const stat = fs.readFileSync(statFile, 'utf8');
  return stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
}

/** pids of a process's children. */
export function childrenOf(pid: number): number[] {
  return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}
