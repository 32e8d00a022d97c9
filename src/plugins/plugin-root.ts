// A plugin's root (the file itself, or its directory with its own node_modules) checked before
// esbuild starts. esbuild's resolver reads every package.json (and Yarn PnP file) on its way and
// follows symlinks by itself, outside our onLoad: a FIFO there would never answer, a symlink could
// lead it anywhere, a sparse 10 GB package.json would fill its memory. So the whole root is walked
// first (without following symlinks), and anything esbuild could trip on is refused by name.
import fs from 'node:fs';
import path from 'node:path';
import { ConfinementError, isInside, kindOf } from './confined-file.ts';
import type { PluginSource } from './discovery.ts';

export interface ConfinedRoot {
  /** real path of the plugin's root */
  real: string;
  /** real path of its entry file (inside `real`) */
  entry: string;
  isDirectory: boolean;
}

/** Files esbuild's resolver reads by itself (tsconfig.json and jsconfig.json are not: see compiler.ts). */
const RESOLVER_READS = new Set(['package.json', '.pnp.cjs', '.pnp.js', '.pnp.data.json']);

export async function confineRoot(source: PluginSource, deadline: number, cap: number): Promise<ConfinedRoot> {
  const dir = await realpath(path.dirname(source.root), 'the plugins directory');
  const real = await realpath(source.root, 'the plugin');
  if (!isInside(real, dir) || real === dir) {
    throw new ConfinementError(`${source.root} is a symbolic link to ${real}, outside the plugins directory ${dir}; a plugin must lie inside it`);
  }
  const st = await fs.promises.stat(real);
  if (!st.isFile() && !st.isDirectory()) throw new ConfinementError(`${source.root} is ${kindOf(st)}; a plugin is a regular file or a directory`);
  const entry = await realpath(source.entry, 'its entry file');
  if (!isInside(entry, real)) {
    throw new ConfinementError(`its entry file ${source.entry} resolves to ${entry}, outside the plugin's directory ${real} (package.json "main" may only name a file inside it)`);
  }
  await checkAncestors(path.dirname(real), cap);
  if (st.isDirectory()) await walk(real, deadline, cap);
  return { real, entry, isDirectory: st.isDirectory() };
}

async function realpath(p: string, what: string): Promise<string> {
  try {
    return await fs.promises.realpath(p);
  } catch (err) {
    throw new ConfinementError(`${what} ${p} cannot be resolved (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

/** The package.json files esbuild reads above the root, up to /: regular files of a sane size, or absent. */
async function checkAncestors(from: string, cap: number): Promise<void> {
  for (let d = from; ; d = path.dirname(d)) {
    for (const name of RESOLVER_READS) await checkResolverRead(path.join(d, name), cap);
    if (path.dirname(d) === d) return;
  }
}

async function checkResolverRead(p: string, cap: number): Promise<void> {
  const st = await fs.promises.stat(p).catch(() => null);
  if (st === null) return;
  if (!st.isFile()) throw new ConfinementError(`${p} is ${kindOf(st)}; the bundler reads it, so it must be a regular file`);
  if (st.size > cap) throw new ConfinementError(`${p} is ${st.size} bytes; the bundler reads it, and --max-bundle-size is ${cap}`);
}

/** Every entry under `root`, symlinks not followed: regular files, directories, and symlinks that stay inside. */
async function walk(root: string, deadline: number, cap: number): Promise<void> {
  const dirs = [root];
  for (let d = dirs.pop(); d !== undefined; d = dirs.pop()) {
    if (Date.now() > deadline) throw new ConfinementError(`checking the files of ${root} took longer than --build-timeout`);
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(d, { withFileTypes: true });
    } catch (err) {
      throw new ConfinementError(`${d} cannot be listed (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    for (const ent of entries) {
      const p = path.join(d, ent.name);
      if (ent.isDirectory()) dirs.push(p);
      else if (ent.isFile()) {
        if (RESOLVER_READS.has(ent.name)) await checkResolverRead(p, cap);
      } else if (ent.isSymbolicLink()) await checkLink(p, root, cap);
      else throw new ConfinementError(`${p} is ${kindOf(await fs.promises.lstat(p))}; a plugin's directory may hold only regular files, directories and symbolic links that stay inside it`);
    }
  }
}

async function checkLink(p: string, root: string, cap: number): Promise<void> {
  let target: string;
  try {
    target = await fs.promises.realpath(p);
  } catch {
    return; // dangling: nothing can be read through it
  }
  if (!isInside(target, root)) throw new ConfinementError(`${p} is a symbolic link to ${target}, outside the plugin's directory ${root}`);
  const st = await fs.promises.stat(target);
  if (!st.isFile() && !st.isDirectory()) throw new ConfinementError(`${p} is a symbolic link to ${kindOf(st)}`);
  if (st.isFile() && RESOLVER_READS.has(path.basename(p))) await checkResolverRead(target, cap);
}
