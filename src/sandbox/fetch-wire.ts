// What crosses the bridge for a plugin's fetch: the sandbox runtime (sandbox-runtime/web/fetch.ts)
// posts a FetchRequestSpec as a host operation and is answered with a HostResponse or an OpFailure;
// the host (host-fetch.ts) checks the one and builds the others. Types only and no imports: the
// sandbox runtime imports them too, and its bundle drops type imports.

/** What the runtime posts (op kind 'fetch'). */
export interface FetchRequestSpec {
  url: string;
  method: string;
  headers: Array<[string, string]>;
  body: Uint8Array | null;
  redirect: 'follow' | 'error' | 'manual';
}

/** What the isolate gets back. */
export interface HostResponse {
  status: number;
  statusText: string;
  headers: Array<[string, string]>;
  url: string;
  redirected: boolean;
  body: Uint8Array;
}

/** A failed operation, as the host (or the runtime) describes it. */
export interface OpFailure {
  /** 'TypeError', or a DOMException name ('AbortError', 'TimeoutError') */
  name: string;
  message: string;
}
