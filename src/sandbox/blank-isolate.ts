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

/** Built on this thread, step by step (synchronous, like every slice: see plugin-isolate.ts). */
export function createBlankIsolate(memoryLimitMb: number, timeoutMs: number): BlankIsolate {
  const isolate = new ivm.Isolate({ memoryLimit: memoryLimitMb });
  try {
    const context = isolate.createContextSync();
    const inbox = new Inbox();
    context.global.setSync('__kps_bridge', bridgeCallback(inbox));
    // The key of the isolate's random generator (crypto.getRandomValues; sandbox-runtime/web/
    // web-crypto-random.ts): 32 bytes from the host's CSPRNG, a string copy the runtime takes and deletes.
    context.global.setSync('__kps_random_seed', randomBytes(32).toString('hex'));
    const runtime = compileCached(isolate, sandboxRuntimeSource(), 'kps:sandbox-runtime.js', sandboxRuntimeHash());
    runtime.runSync(context, { timeout: timeoutMs });
    runtime.release();
    const apiRef = context.global.getSync('__kps_runtime', { reference: true });
    // The runtime's API is the host's alone: plugin code, which runs later, never sees it.
    context.global.deleteSync('__kps_runtime');
    const api = Object.fromEntries(API_NAMES.map((n) => [n, apiRef.getSync(n, { reference: true })])) as RuntimeApi;
    apiRef.release();
    return { isolate, context, api, inbox };
  } catch (err) {
    if (!isolate.isDisposed) isolate.dispose();
    throw err;
  }
}
