// Which file PluginTest bundles for a plugin. The server never runs a module object: it bundles a
// source file into an isolate. So a test names the plugin by path (a file or a plugin directory,
// as the plugins directory holds them), by file URL, or passes what `require()` returned: a
// CommonJS module object is traced back to its file through require.cache, which is how
// kong-js-pdk's tests (`t.Run(require('./plugin'), config)`) keep working unchanged. An ES module
// namespace has no such record: pass `new URL('./plugin.ts', import.meta.url)` instead.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { discoverPlugins, type PluginSource } from '../plugins/discovery.ts';

export type PluginRef = string | URL | object;

const requireCache = createRequire(import.meta.url).cache;

const EXTENSIONS = new Set(['.ts', '.js', '.cjs', '.mjs']);

export function pluginSource(plugin: PluginRef): PluginSource {
  const target = resolveTarget(plugin);
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (stat === undefined) throw new Error(`PluginTest: no plugin at ${target}`);
  if (stat.isDirectory()) {
    const found = discoverPlugins(path.dirname(target)).find((s) => s.root === target);
    if (found === undefined) throw new Error(`PluginTest: ${target} is not a plugin directory (no package.json "main" and no index.{ts,js,cjs,mjs})`);
    return found;
  }
  const ext = path.extname(target);
  if (!EXTENSIONS.has(ext)) throw new Error(`PluginTest: ${target} is not a plugin file (.ts, .js, .cjs or .mjs)`);
  return { name: path.basename(target, ext).toLowerCase(), entry: target, root: target };
}

function resolveTarget(plugin: PluginRef): string {
  if (plugin instanceof URL) return fileURLToPath(plugin);
  if (typeof plugin === 'string') return plugin.startsWith('file:') ? fileURLToPath(plugin) : path.resolve(plugin);
  if (typeof plugin === 'object' && plugin !== null) {
    for (const mod of Object.values(requireCache)) {
      if (mod?.exports === plugin) return mod.filename;
    }
  }
  throw new TypeError(
    'PluginTest.Run: pass the plugin as a path, a file URL, or the object require() returned for it ' +
      '(an ES module namespace cannot be traced to its file: use new URL("./plugin.ts", import.meta.url))',
  );
}
