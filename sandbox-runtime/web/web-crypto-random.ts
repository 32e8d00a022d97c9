// crypto.getRandomValues and crypto.randomUUID. The bytes come from a ChaCha20 generator keyed with
// 32 bytes of host randomness (node:crypto randomBytes) that the host puts on the isolate's global
// when it creates it (src/sandbox/blank-isolate.ts): the construction of OpenBSD's arc4random and
// Linux's getrandom, with "fast key erasure" (each refill's first 32 bytes become the next key,
// and bytes handed out are wiped), so the state never reveals bytes already given. No host call
// per request: nothing for a plugin to flood, and the same path in sync and async slices.
// crypto.subtle is subtle-crypto.ts, which asks the host.
import { chacha20Block } from './chacha20.ts';
import { DOMException } from './dom-exception.ts';
import { charCodeAt, setToStringTag, typedArrayKind, viewByteLength, bytesOf } from './primordials.ts';
import { createSubtle, type CryptoHost } from './subtle-crypto.ts';

export const MAX_RANDOM_BYTES = 65536;
const BLOCKS = 8;
const INTEGER_ARRAYS = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array'];

export class RandomPool {
  readonly #key = new Uint32Array(8);
  readonly #buf = new Uint8Array(64 * BLOCKS);
  #pos: number;

  /** `seedHex`: 64 hex digits of host randomness. */
  constructor(seedHex: string) {
    if (seedHex.length !== 64) throw new Error('sandbox runtime: random seed missing');
    for (let i = 0; i < 8; i++) {
      let w = 0;
      for (let j = 0; j < 8; j++) w = (w << 4) | hexValue(charCodeAt(seedHex, i * 8 + j));
      this.#key[i] = w;
    }
    this.#pos = this.#buf.length;
  }

  fill(out: Uint8Array): void {
    let w = 0;
    while (w < out.length) {
      if (this.#pos === this.#buf.length) this.#refill();
      const take = Math.min(out.length - w, this.#buf.length - this.#pos);
      for (let i = 0; i < take; i++) {
        out[w + i] = this.#buf[this.#pos + i]!;
        this.#buf[this.#pos + i] = 0;
      }
      w += take;
      this.#pos += take;
    }
  }

  #refill(): void {
    for (let b = 0; b < BLOCKS; b++) chacha20Block(this.#key, b, this.#buf, b * 64);
    for (let i = 0; i < 8; i++) {
      this.#key[i] = this.#buf[i * 4]! | (this.#buf[i * 4 + 1]! << 8) | (this.#buf[i * 4 + 2]! << 16) | (this.#buf[i * 4 + 3]! << 24);
    }
    this.#buf.fill(0, 0, 32);
    this.#pos = 32;
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  throw new Error('sandbox runtime: random seed malformed');
}

export function createCrypto(pool: RandomPool, host: CryptoHost): object {
  let subtle: object | null = null;
  class Crypto {
    /** crypto.subtle (subtle-crypto.ts): made on first use, then the same object each time */
    get subtle(): object {
      return (subtle ??= createSubtle(host, pool));
    }

    getRandomValues<T>(...args: [array?: T]): T {
      if (args.length === 0) throw new TypeError('The "typedArray" argument must be specified');
      const array = args[0] as T;
      // as Node: anything but an integer typed array (a DataView, a Float32Array, a plain array) is a TypeMismatchError
      const kind = typedArrayKind(array);
      if (kind === undefined || !INTEGER_ARRAYS.includes(kind)) {
        throw new DOMException('The data argument must be an integer-type TypedArray', 'TypeMismatchError');
      }
      // refused before anything is touched: a 1 GB view costs nothing here
      const size = viewByteLength(array);
      if (size > MAX_RANDOM_BYTES) {
        throw new DOMException(`The ArrayBufferView's byte length (${size}) exceeds the number of bytes of entropy available via this API (${MAX_RANDOM_BYTES})`, 'QuotaExceededError');
      }
      pool.fill(bytesOf(array)!);
      return array;
    }

    randomUUID(): string {
      const b = new Uint8Array(16);
      pool.fill(b);
      b[6] = (b[6]! & 0x0f) | 0x40;
      b[8] = (b[8]! & 0x3f) | 0x80;
      let s = '';
      for (let i = 0; i < 16; i++) {
        if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
        s += HEX[b[i]!]!;
      }
      return s;
    }
  }
  setToStringTag(Crypto, 'Crypto');
  return new Crypto();
}

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX[i] = (i < 16 ? '0' : '') + i.toString(16);
