// chokidar on the plugins directory (directories, not single files, so renames and deletes are
// seen) and on any file a bundle was built from that lies outside it. It only reports paths; the
// reloader decides which plugins they concern.
import { watch, type FSWatcher } from 'chokidar';
import path from 'node:path';

export class PluginWatcher {
  readonly #watcher: FSWatcher;
  readonly #extra = new Set<string>();

  constructor(dir: string, onPath: (changed: string) => void) {
    this.#watcher = watch(dir, {
      ignoreInitial: true,
      // editors' temp-file-and-rename saves arrive as one change
      atomic: true,
      followSymlinks: true,
      ignored: (p: string) => p.split(path.sep).includes('node_modules') || p.endsWith('.swp') || p.endsWith('~'),
    });
    this.#watcher.on('all', (_event, changed) => onPath(path.resolve(changed)));
    this.#watcher.on('error', () => {}); // a vanished path is reported as a change already
  }

  ready(): Promise<void> {
    return new Promise((resolve) => this.#watcher.once('ready', () => resolve()));
  }

  /** Also watch these files (bundle inputs outside the plugins directory). */
  watchFiles(files: readonly string[]): void {
    const fresh = files.filter((f) => !this.#extra.has(f) && !f.split(path.sep).includes('node_modules'));
    for (const f of fresh) this.#extra.add(f);
    if (fresh.length) this.#watcher.add(fresh);
  }

  close(): Promise<void> {
    return this.#watcher.close();
  }
}
