// An isolate with the sandbox runtime loaded and no plugin code yet: what every instance starts
// from, built ahead of time by the isolate pool or on demand.
import ivm from 'isolated-vm';
import { randomBytes } from 'node:crypto';
import { sandboxRuntimeHash, sandboxRuntimeSource } from './runtime-source.ts';
import { compileCached } from './code-cache.ts';
import { Inbox, bridgeCallback } from './isolate-bridge.ts';

export type RuntimeApi = Record<'describe' | 'start' | 'handle' | 'settle' | 'settleOp' | 'abandon', ivm.Reference>;

export interface BlankIsolate {
  isolate: ivm.Isolate;
  context: ivm.Context;
  api: RuntimeApi;
  inbox: Inbox;
}

const API_NAMES = ['describe', 'start', 'handle', 'settle', 'settleOp', 'abandon'] as const;

/** `sync`: every step on this thread, for synchronous slices (a shard); otherwise on isolated-vm's threads. */
export async function createBlankIsolate(memoryLimitMb: number, sync: boolean, timeoutMs: number): Promise<BlankIsolate> {
  const isolate = new ivm.Isolate({ memoryLimit: memoryLimitMb });
  const step = <T>(syncStep: () => T, asyncStep: () => Promise<T>): T | Promise<T> => (sync ? syncStep() : asyncStep());
  try {
    const context = await step(() => isolate.createContextSync(), () => isolate.createContext());
    const inbox = new Inbox();
    const bridge = bridgeCallback(inbox, sync);
    await step(() => context.global.setSync('__kps_bridge', bridge), () => context.global.set('__kps_bridge', bridge));
    // The key of the isolate's random generator (crypto.getRandomValues; sandbox-runtime/web/
    // web-crypto-random.ts): 32 bytes from the host's CSPRNG, a string copy the runtime takes and deletes.
    const seed = randomBytes(32).toString('hex');
    await step(() => context.global.setSync('__kps_random_seed', seed), () => context.global.set('__kps_random_seed', seed));
    const runtime = await compileCached(isolate, sandboxRuntimeSource(), 'kps:sandbox-runtime.js', sandboxRuntimeHash(), sync);
    await step(() => runtime.runSync(context, { timeout: timeoutMs }), () => runtime.run(context, { timeout: timeoutMs }));
    runtime.release();
    const apiRef = (await step(
      () => context.global.getSync('__kps_runtime', { reference: true }),
      () => context.global.get('__kps_runtime', { reference: true }),
    )) as ivm.Reference;
    // The runtime's API is the host's alone: plugin code, which runs later, never sees it.
    await step(() => context.global.deleteSync('__kps_runtime'), () => context.global.delete('__kps_runtime'));
    const refs = await Promise.all(API_NAMES.map((n) => step(() => apiRef.getSync(n, { reference: true }), () => apiRef.get(n, { reference: true }))));
    apiRef.release();
    const api = Object.fromEntries(API_NAMES.map((n, i) => [n, refs[i]!])) as RuntimeApi;
    return { isolate, context, api, inbox };
  } catch (err) {
    if (!isolate.isDisposed) isolate.dispose();
    throw err;
  }
}
