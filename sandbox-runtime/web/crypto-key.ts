// CryptoKey, as WebCrypto defines it: type, extractable, algorithm, usages. The key material is a
// copy (raw bytes for secret keys, SPKI / PKCS #8 DER for public / private ones) in a private field
// that only this file and subtle-crypto.ts can read; plugin code gets at it through exportKey, and
// only for an extractable key. No host object ever stands behind a key.
import { setToStringTag } from './primordials.ts';

export type KeyType = 'secret' | 'public' | 'private';
export type KeyAlgorithmName = 'HMAC' | 'AES-GCM' | 'RSASSA-PKCS1-v1_5' | 'RSA-PSS' | 'ECDSA' | 'Ed25519';

/** What the key is, as the sandbox acts on it (never what a plugin changed in `key.algorithm`). */
export interface KeyState {
  type: KeyType;
  extractable: boolean;
  name: KeyAlgorithmName;
  /** HMAC and RSA: the key's hash */
  hash?: string;
  /** ECDSA */
  namedCurve?: string;
  /** HMAC and AES: bits; RSA: the modulus */
  length?: number;
  publicExponent?: Uint8Array;
  usages: string[];
  material: Uint8Array;
  /** what `algorithm` and `usages` return: built once, as in browsers (the same object each time) */
  shownAlgorithm: object;
  shownUsages: string[];
}

const TOKEN: object = {};
let readState: (key: unknown) => KeyState | undefined;
let makeKey: (state: KeyState) => CryptoKey;

export class CryptoKey {
  #state: KeyState | undefined;

  constructor(token?: unknown) {
    if (token !== TOKEN) throw new TypeError('Illegal constructor');
  }

  static {
    readState = (key) => (typeof key === 'object' && key !== null && #state in key ? key.#state : undefined);
    makeKey = (state) => {
      const key = new CryptoKey(TOKEN);
      key.#state = state;
      return key;
    };
  }

  get type(): KeyType {
    return stateOf(this).type;
  }

  get extractable(): boolean {
    return stateOf(this).extractable;
  }

  get algorithm(): object {
    return stateOf(this).shownAlgorithm;
  }

  get usages(): string[] {
    return stateOf(this).shownUsages;
  }
}
setToStringTag(CryptoKey, 'CryptoKey');

function stateOf(key: unknown): KeyState {
  const s = readState(key);
  if (!s) throw new TypeError('Illegal invocation');
  return s;
}

/** The key's state, or undefined for anything that is not a CryptoKey made here (unspoofable). */
export function keyState(key: unknown): KeyState | undefined {
  return readState(key);
}

const USAGE_ORDER = ['encrypt', 'decrypt', 'sign', 'verify', 'deriveKey', 'deriveBits', 'wrapKey', 'unwrapKey'];

export function newCryptoKey(s: Omit<KeyState, 'shownAlgorithm' | 'shownUsages'>): CryptoKey {
  const algorithm: Record<string, unknown> = { name: s.name };
  if (s.name === 'HMAC') {
    algorithm.length = s.length;
    algorithm.hash = { name: s.hash };
  } else if (s.name === 'AES-GCM') {
    algorithm.length = s.length;
  } else if (s.name === 'ECDSA') {
    algorithm.namedCurve = s.namedCurve;
  } else if (s.name !== 'Ed25519') {
    algorithm.modulusLength = s.length;
    algorithm.publicExponent = new Uint8Array(s.publicExponent!);
    algorithm.hash = { name: s.hash };
  }
  // usages in the spec's order, each once
  const usages = USAGE_ORDER.filter((u) => s.usages.includes(u));
  return makeKey({ ...s, usages, shownAlgorithm: algorithm, shownUsages: [...usages] });
}
