// How a plugin's bundle reaches a shard: it crosses the channel once per shard, later messages name
// it by hash. A shard keeps only its newest bundles (src/shards/shard-main.ts): one that let a bundle
// go answers CODE_UNKNOWN, and gets it again.
// (Not src/sandbox/code-cache.ts: that is V8's compiled-code cache inside a shard.)
import { ErrorCode, KpsError } from '../errors.ts';
import type { PluginCode } from '../instances/instance-host.ts';
import type { ShardProcess } from './shard-process.ts';

/**
 * Sends `msg` with its bundle if `proc` never had it, else without. Marked sent at once: the channel
 * is ordered, so StartInstances sent together carry the bundle once.
 */
export async function sendWithBundle<M extends PluginCode, R>(
  proc: ShardProcess, msg: M, send: (m: Omit<M, 'code'> & { code?: string }) => Promise<R>,
): Promise<R> {
  if (!proc.sentCode.has(msg.hash)) {
    proc.sentCode.add(msg.hash);
    return send(msg);
  }
  try {
    return await send(withoutCode(msg));
  } catch (err) {
    if (!(err instanceof KpsError && err.code === ErrorCode.CODE_UNKNOWN)) throw err;
    return send(msg);
  }
}

function withoutCode<M extends PluginCode>(msg: M): Omit<M, 'code'> {
  const rest: Partial<M> = { ...msg };
  delete rest.code;
  delete rest.map; // travels with its code
  return rest as Omit<M, 'code'>;
}
