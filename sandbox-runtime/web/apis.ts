// Everything install.ts hands out, as one module: src/sandbox/runtime-source.ts bundles it on its own
// and puts its source into the runtime as a string, compiled on first use (see install.ts).
export { TextEncoder, TextDecoder } from './text-encoding.ts';
export { atob, btoa } from './base64.ts';
export { URL } from './url.ts';
export { URLSearchParams } from './url-search-params.ts';
export { structuredClone } from './structured-clone.ts';
export { createQueueMicrotask } from './queue-microtask.ts';
export { DOMException } from './dom-exception.ts';
export { RandomPool, createCrypto } from './web-crypto-random.ts';
export { createTimers } from './timers.ts';
export { createAbort } from './abort.ts';
export { Headers } from './headers.ts';
export { createRequest } from './request.ts';
export { Response } from './response.ts';
export { createFetch } from './fetch.ts';
export { CryptoKey } from './crypto-key.ts';
export type { CryptoHost } from './subtle-crypto.ts';
