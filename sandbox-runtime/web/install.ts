// Puts the Web platform APIs the sandbox offers on the isolate's global, once, before any plugin
// code runs: TextEncoder, TextDecoder, atob, btoa, URL, URLSearchParams, structuredClone,
// queueMicrotask, DOMException, crypto (getRandomValues, randomUUID). Not here (yet): crypto.subtle,
// fetch, timers.
import { TextDecoder, TextEncoder } from './text-encoding.ts';
import { atob, btoa } from './base64.ts';
import { URL } from './url.ts';
import { URLSearchParams } from './url-search-params.ts';
import { structuredClone } from './structured-clone.ts';
import { createQueueMicrotask } from './queue-microtask.ts';
import { DOMException } from './dom-exception.ts';
import { RandomPool, createCrypto } from './web-crypto-random.ts';
import { defineGlobals } from './primordials.ts';

const SEED_GLOBAL = '__kps_random_seed';

/** `report`: where an error thrown by a queued microtask goes (the plugin's console.error). */
export function installWebApis(report: (err: unknown) => void): void {
  const g = globalThis as Record<string, unknown>;
  // 32 bytes of host randomness, put there by the host with the bridge (src/sandbox/blank-isolate.ts)
  const seed = g[SEED_GLOBAL];
  delete g[SEED_GLOBAL];
  if (typeof seed !== 'string') throw new Error('sandbox runtime: random seed missing');
  defineGlobals({
    TextEncoder,
    TextDecoder,
    atob,
    btoa,
    URL,
    URLSearchParams,
    structuredClone,
    queueMicrotask: createQueueMicrotask(report),
    DOMException,
    crypto: createCrypto(new RandomPool(seed)),
  });
}
