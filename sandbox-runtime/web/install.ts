// Puts the Web platform APIs the sandbox offers on the isolate's global, once, before any plugin
// code runs: TextEncoder, TextDecoder, atob, btoa, URL, URLSearchParams, structuredClone,
// queueMicrotask, DOMException, crypto (getRandomValues, randomUUID). Not here (yet): crypto.subtle,
// fetch, timers.
//
// Every isolate pays for what runs here, and most plugins use one or two of these: so each global is
// an accessor that loads its module on first use and then becomes a plain data property (esbuild
// turns a require() of an ES module into a lazily run module). Measured: isolate start +0.15 ms
// instead of +1 ms when everything is built up front (docs: /work/notes/webapi.md).
import type * as TextEncoding from './text-encoding.ts';
import type * as Base64 from './base64.ts';
import type * as Url from './url.ts';
import type * as UrlSearchParams from './url-search-params.ts';
import type * as StructuredClone from './structured-clone.ts';
import type * as QueueMicrotask from './queue-microtask.ts';
import type * as DomException from './dom-exception.ts';
import type * as WebCryptoRandom from './web-crypto-random.ts';

declare function require(id: string): unknown;

const SEED_GLOBAL = '__kps_random_seed';

/** `report`: where an error thrown by a queued microtask goes (the plugin's console.error). */
export function installWebApis(report: (err: unknown) => void): void {
  const g = globalThis as Record<string, unknown>;
  // 32 bytes of host randomness, put there by the host with the bridge (src/sandbox/blank-isolate.ts);
  // taken now, before plugin code can see the global
  const seed = g[SEED_GLOBAL];
  delete g[SEED_GLOBAL];
  if (typeof seed !== 'string') throw new Error('sandbox runtime: random seed missing');
  const lazy: Record<string, () => unknown> = {
    TextEncoder: () => (require('./text-encoding.ts') as typeof TextEncoding).TextEncoder,
    TextDecoder: () => (require('./text-encoding.ts') as typeof TextEncoding).TextDecoder,
    atob: () => (require('./base64.ts') as typeof Base64).atob,
    btoa: () => (require('./base64.ts') as typeof Base64).btoa,
    URL: () => (require('./url.ts') as typeof Url).URL,
    URLSearchParams: () => (require('./url-search-params.ts') as typeof UrlSearchParams).URLSearchParams,
    structuredClone: () => (require('./structured-clone.ts') as typeof StructuredClone).structuredClone,
    queueMicrotask: () => (require('./queue-microtask.ts') as typeof QueueMicrotask).createQueueMicrotask(report),
    DOMException: () => (require('./dom-exception.ts') as typeof DomException).DOMException,
    crypto: () => {
      const m = require('./web-crypto-random.ts') as typeof WebCryptoRandom;
      return m.createCrypto(new m.RandomPool(seed));
    },
  };
  for (const name of Object.keys(lazy)) {
    const settle = (value: unknown) => {
      Object.defineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });
    };
    Object.defineProperty(g, name, {
      get() {
        const value = lazy[name]!();
        settle(value);
        return value;
      },
      // a plugin may replace a global, as in a browser
      set: settle,
      configurable: true,
      enumerable: false,
    });
  }
}
