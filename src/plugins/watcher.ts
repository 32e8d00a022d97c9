// chokidar on the plugins directory (directories, not single files, so renames and deletes are
// seen), and on nothing outside it: symlinks are not followed (one pointing out would make the
// watcher, and the reloads it triggers, a live feed of any file the server can read), and extra
// files are watched only if their real path lies inside the directory. It only reports paths; the
// reloader decides which plugins they concern.
import { watch, type FSWatcher } from 'chokidar';
import fs from 'node:fs';
import path from 'node:path';
import { isInside } from './confined-file.ts';

export class PluginWatcher {
  readonly #watcher: FSWatcher;
  readonly #extra = new Set<string>();
  readonly #dir: string;

  constructor(dir: string, onPath: (changed: string) => void) {
    this.#dir = realpathOr(dir);
    this.#watcher = watch(dir, {
      ignoreInitial: true,
      // editors' temp-file-and-rename saves arrive as one change
      atomic: true,
      // a symlink is watched as itself (a ConfigMap's ..data swap is seen as a change of ..data)
      followSymlinks: false,
      ignored: (p: string) => p.split(path.sep).includes('node_modules') || p.endsWith('.swp') || p.endsWith('~') || this.#leadsOutside(p),
    });
    this.#watcher.on('all', (_event, changed) => onPath(path.resolve(changed)));
    this.#watcher.on('error', () => {}); // a vanished path is reported as a change already
  }

  /**
   * A symlink whose target is outside the directory. chokidar watches even an unfollowed symlink
   * with fs.watch, which follows it: its target's changes would arrive as changes of the link.
   */
  #leadsOutside(p: string): boolean {
    // lstat of our own: the stats chokidar passes may be those of the target
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      return false;
    }
    return st.isSymbolicLink() && !isInside(realpathOr(p), this.#dir);
  }

  ready(): Promise<void> {
    return new Promise((resolve) => this.#watcher.once('ready', () => resolve()));
  }

  /** Also watch these files (bundle inputs), those whose real path is inside the plugins directory only. */
  watchFiles(files: readonly string[]): void {
    const fresh = files.filter((f) => !this.#extra.has(f) && !f.split(path.sep).includes('node_modules') && isInside(realpathOr(f), this.#dir));
    for (const f of fresh) this.#extra.add(f);
    if (fresh.length) this.#watcher.add(fresh);
  }

  close(): Promise<void> {
    return this.#watcher.close();
  }
}

function realpathOr(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}
