// Puts the Web platform APIs the sandbox offers on the isolate's global, once, before any plugin
// code runs: TextEncoder, TextDecoder, atob, btoa, URL, URLSearchParams, structuredClone,
// queueMicrotask, DOMException, crypto (getRandomValues, randomUUID, subtle), CryptoKey,
// setTimeout, setInterval, clearTimeout, clearInterval, AbortController, AbortSignal, fetch, Headers,
// Request, Response. Timers and fetch are host operations of the running event (web/op-port.ts).
//
// Every isolate pays for what its runtime script holds, and most plugins use one or two of these.
// So their code (web/apis.ts, bundled apart by src/sandbox/runtime-source.ts) is in the runtime as a
// string, compiled the first time a plugin touches one of the globals, each of which is an accessor
// until then. Per isolate creation this costs less than the code bundled into the runtime, even
// with each module initialised lazily; the first use then compiles the string, once (measured,
// see docs/performance.md).
import type * as Apis from './apis.ts';
import type { OpPort } from './op-port.ts';

/** The source of web/apis.ts as a classic script that leaves its exports in `__kps_web`. */
declare const __KPS_WEB_SOURCE__: string;

// At the top level of the runtime script (compiled eagerly, so in the code cache): inside a function
// that V8 compiles lazily, the 70 KB literal would be scanned again in every isolate.
const WEB_SOURCE = __KPS_WEB_SOURCE__;
const SEED_GLOBAL = '__kps_random_seed';

/**
 * `report`: where an error thrown by a queued microtask, timer or abort listener goes (the plugin's
 * console.error; `where` names the API). `ops`: the host operations of the running event.
 * `cryptoHost`: how crypto.subtle reaches the host (the bridge's 'crypto' requests).
 */
export function installWebApis(report: (err: unknown, where: string) => void, ops: OpPort, cryptoHost: Apis.CryptoHost): void {
  const g = globalThis as Record<string, unknown>;
  // 32 bytes of host randomness, put there by the host with the bridge (src/sandbox/blank-isolate.ts);
  // taken now, before plugin code can see the global
  const seed = g[SEED_GLOBAL];
  delete g[SEED_GLOBAL];
  if (typeof seed !== 'string') throw new Error('sandbox runtime: random seed missing');
  // captured now: a plugin that replaces these later changes nothing here
  const compile = Function;
  const defineProperty = Object.defineProperty;
  const source = WEB_SOURCE;
  let loaded: typeof Apis | null = null;
  const apis = (): typeof Apis => (loaded ??= compile(`${source}\nreturn __kps_web;`)() as typeof Apis);
  // made once each, on first use, shared by the globals that need them
  let timers: ReturnType<typeof Apis.createTimers> | null = null;
  let abort: ReturnType<typeof Apis.createAbort> | null = null;
  let requests: ReturnType<typeof Apis.createRequest> | null = null;
  const timersOf = () => (timers ??= apis().createTimers(ops, report));
  const abortOf = () => (abort ??= apis().createAbort(ops, report));
  const requestsOf = () => (requests ??= apis().createRequest(abortOf()));
  const lazy: Record<string, () => unknown> = {
    TextEncoder: () => apis().TextEncoder,
    TextDecoder: () => apis().TextDecoder,
    atob: () => apis().atob,
    btoa: () => apis().btoa,
    URL: () => apis().URL,
    URLSearchParams: () => apis().URLSearchParams,
    structuredClone: () => apis().structuredClone,
    queueMicrotask: () => apis().createQueueMicrotask((err) => report(err, 'queueMicrotask')),
    DOMException: () => apis().DOMException,
    crypto: () => {
      const m = apis();
      return m.createCrypto(new m.RandomPool(seed), cryptoHost);
    },
    setTimeout: () => timersOf().setTimeout,
    setInterval: () => timersOf().setInterval,
    clearTimeout: () => timersOf().clearTimeout,
    clearInterval: () => timersOf().clearInterval,
    AbortController: () => abortOf().AbortController,
    AbortSignal: () => abortOf().AbortSignal,
    Headers: () => apis().Headers,
    Request: () => requestsOf().Request,
    Response: () => apis().Response,
    fetch: () => apis().createFetch(ops, abortOf(), requestsOf()),
    CryptoKey: () => apis().CryptoKey,
  };
  for (const name of Object.keys(lazy)) {
    const settle = (value: unknown) => {
      defineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });
    };
    defineProperty(g, name, {
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
