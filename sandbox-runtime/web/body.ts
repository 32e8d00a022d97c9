// The body of a Request or Response: always buffered bytes (the sandbox has no streams, Blob or
// FormData), read once by text(), json(), arrayBuffer() or bytes().
import { TextEncoder, TextDecoder } from './text-encoding.ts';
import { URLSearchParams } from './url-search-params.ts';
import { bytesOf } from './primordials.ts';

export interface Extracted {
  bytes: Uint8Array | null;
  /** the Content-Type the body implies, if the headers give none */
  type: string | null;
}

const encoder = new TextEncoder();

/** BodyInit → bytes: a string, ArrayBuffer, typed array, DataView or URLSearchParams (anything else as its string). */
export function extractBody(init: unknown): Extracted {
  if (init === null || init === undefined) return { bytes: null, type: null };
  const bytes = bytesOf(init);
  if (bytes !== undefined) return { bytes: bytes.slice(), type: null };
  if (init instanceof URLSearchParams) return { bytes: encoder.encode(init.toString()), type: 'application/x-www-form-urlencoded;charset=UTF-8' };
  return { bytes: encoder.encode(String(init)), type: 'text/plain;charset=UTF-8' };
}

export class BodyState {
  #bytes: Uint8Array | null;
  #used = false;

  constructor(bytes: Uint8Array | null) {
    this.#bytes = bytes;
  }

  get used(): boolean {
    return this.#used;
  }

  get bytes(): Uint8Array | null {
    return this.#bytes;
  }

  /** A second body of the same bytes (clone()). */
  clone(): BodyState {
    if (this.#used) throw new TypeError('clone: the body has already been read');
    return new BodyState(this.#bytes === null ? null : this.#bytes.slice());
  }

  /** Takes the bytes, once; later reads reject as in browsers. */
  take(): Uint8Array {
    if (this.#used) throw new TypeError('Body is unusable: the body has already been read');
    this.#used = true;
    const b = this.#bytes ?? new Uint8Array(0);
    this.#bytes = null;
    return b;
  }
}

/** text(), json(), arrayBuffer(), bytes() over a body, each a promise as in browsers. */
export function readBody(state: BodyState, as: 'text' | 'json' | 'arrayBuffer' | 'bytes'): Promise<unknown> {
  return new Promise((resolve) => {
    const b = state.take();
    if (as === 'bytes') resolve(b);
    else if (as === 'arrayBuffer') resolve(b.buffer.byteLength === b.byteLength ? b.buffer : b.slice().buffer);
    else {
      const text = new TextDecoder().decode(b);
      resolve(as === 'text' ? text : JSON.parse(text));
    }
  });
}
