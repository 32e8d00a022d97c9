// V8 code cache per script version: the first isolate that compiles a bundle produces cachedData,
// every later isolate of that version compiles from it (several times faster; measured, see
// docs/performance.md). Keyed by content, so a changed bundle never uses stale data.
import type ivm from 'isolated-vm';

const MAX_ENTRIES = 256;
const cache = new Map<string, ivm.ExternalCopy<ArrayBuffer>>();

/** `key`: the content hash the caller already has (the bundle's sha256), plus the filename. */
export function compileCached(isolate: ivm.Isolate, code: string, filename: string, hash: string): ivm.Script {
  const key = `${hash}:${filename}`;
  const cachedData = cache.get(key);
  const options = cachedData ? { filename, cachedData } : { filename, produceCachedData: true };
  const script = isolate.compileScriptSync(code, options) as ivm.Script &
    ivm.CachedDataResult & { cachedDataRejected?: boolean };
  const rejected = script.cachedDataRejected === true;
  if (rejected) cache.delete(key);
  if (!cachedData && script.cachedData) {
    if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
    cache.set(key, script.cachedData);
  }
  return script;
}
