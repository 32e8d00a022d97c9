// `npm run bench [-- --quick]`: every benchmark, one after another, each printing its table.
// --quick keeps the whole run under a minute.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const quick = process.argv.includes('--quick');
const benches: Array<[string, string[]]> = quick
  ? [['compare.ts', ['--quick']], ['floors.ts', ['--quick']], ['start-instance.ts', ['--quick']]]
  : [['compare.ts', []], ['floors.ts', []], ['start-instance.ts', []], ['events.ts', []], ['reload.ts', []], ['cpu-accounting.ts', []], ['placement.ts', []]];
for (const [file, args] of benches) {
  const r = spawnSync(process.execPath, ['--no-node-snapshot', '--disable-warning=ExperimentalWarning', fileURLToPath(new URL(file, import.meta.url)), ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
