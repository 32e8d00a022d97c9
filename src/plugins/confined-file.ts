// Reading a file a plugin names, without trusting the name: symlinks resolved, only regular files,
// never more than a cap. The open is non-blocking so a FIFO cannot hold it, and the type and the
// real path are taken from the open descriptor, so a file swapped after the check is still caught.
import fs from 'node:fs';
import path from 'node:path';

const { O_RDONLY, O_NONBLOCK, O_NOFOLLOW, O_NOCTTY } = fs.constants;

/** `p` is `root` or lies under it (both real paths). */
export function isInside(p: string, root: string): boolean {
  return p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/** What a path that is not a regular file is, for an error a person can act on. */
export function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

export class ConfinementError extends Error {}

/**
 * The bytes of `file` (a real path) if it is a regular file inside one of `roots` of at most
 * `cap` bytes; a ConfinementError saying why not otherwise.
 */
export async function readConfined(file: string, roots: readonly string[], cap: number): Promise<Buffer> {
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(file, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY);
  } catch (err) {
    throw new ConfinementError(`${file} cannot be opened (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new ConfinementError(`${file} is ${kindOf(st)}, not a regular file`);
    // the descriptor's own path: a directory on the way swapped for a symlink after the check shows here
    const real = await fs.promises.readlink(`/proc/self/fd/${fh.fd}`).catch(() => file);
    if (!roots.some((r) => isInside(real, r))) throw new ConfinementError(`${file} now resolves to ${real}, outside the plugin's directory`);
    if (st.size > cap) throw new ConfinementError(`${file} is ${st.size} bytes, more than the ${cap} bytes left under --max-bundle-size`);
    // the size is not trusted (a file may grow while read): read in chunks up to cap + 1
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const want = Math.min(Math.max(st.size - total, 64 * 1024), cap + 1 - total);
      if (want <= 0) break;
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await fh.read(buf, 0, want, null);
      if (bytesRead === 0) break;
      chunks.push(buf.subarray(0, bytesRead));
      total += bytesRead;
    }
    if (total > cap) throw new ConfinementError(`${file} is more than the ${cap} bytes left under --max-bundle-size`);
    return Buffer.concat(chunks, total);
  } finally {
    await fh.close();
  }
}

/** The same, synchronously, for discovery's read of a package.json `main`. Null when it is not a regular file or is above `cap`. */
export function readRegularFileSync(file: string, cap: number): string | null {
  let fd: number;
  try {
    fd = fs.openSync(file, O_RDONLY | O_NONBLOCK | O_NOCTTY);
  } catch {
    return null;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.size > cap) return null;
    const buf = Buffer.allocUnsafe(st.size + 1);
    let total = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, total, buf.length - total, null);
      if (n === 0) break;
      total += n;
      if (total > st.size) return null; // it grew while read
    }
    return buf.subarray(0, total).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}
