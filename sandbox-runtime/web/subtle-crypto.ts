// crypto.subtle: WebCrypto's SubtleCrypto, with the names, promises and errors of browsers and Node.
// Arguments are checked here (names, usages, sizes, formats) and copied into fresh bytes; the work
// itself (hashes, signatures, AES-GCM, parsing DER and JWK) is the host's (src/sandbox/host-crypto.ts),
// asked over the one bridge with copies and answered with copies, synchronously, inside the slice.
// Secret keys are made here from the isolate's CSPRNG (web-crypto-random.ts): no host call.
import { DOMException } from './dom-exception.ts';
import { CryptoKey, keyState, newCryptoKey, type KeyAlgorithmName, type KeyState, type KeyType } from './crypto-key.ts';
import { bytesOf, charCodeAt, setToStringTag, toLowerCase, unitsToString } from './primordials.ts';
import type { RandomPool } from './web-crypto-random.ts';

/** The runtime's way to the host for crypto, and the limits the host will hold the request to. */
export interface CryptoHost {
  /** [true, result] or [false, error name, message]; undefined where the host offers no crypto */
  call(op: string, args: object): unknown;
  limits(): { maxDataBytes: number; maxKeyBytes: number };
}

const $Promise = Promise;
const HASHES = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'];
const ALGORITHMS: KeyAlgorithmName[] = ['HMAC', 'AES-GCM', 'RSASSA-PKCS1-v1_5', 'RSA-PSS', 'ECDSA', 'Ed25519'];
const CURVES = ['P-256', 'P-384'];
const HMAC_BLOCK_BITS: Record<string, number> = { 'SHA-1': 512, 'SHA-256': 512, 'SHA-384': 1024, 'SHA-512': 1024 };
const MAX_IV_BYTES = 1024;

const notSupported = (what = 'Unrecognized algorithm name') => new DOMException(what, 'NotSupportedError');
const invalidAccess = (what: string) => new DOMException(what, 'InvalidAccessError');
const dataError = (what: string) => new DOMException(what, 'DataError');
const syntaxError = (what: string) => new DOMException(what, 'SyntaxError');

/** Every method answers with a promise, and any failure (even of its arguments) is a rejection. */
function promised<T>(fn: () => T): Promise<T> {
  return new $Promise<T>((resolve) => resolve(fn()));
}

function required(args: IArguments | unknown[], n: number, method: string): void {
  if (args.length < n) throw new TypeError(`Failed to execute '${method}' on 'SubtleCrypto': ${n} arguments required, but only ${args.length} present.`);
}

// --- algorithm names and parameters --------------------------------------------------------------

function canonical(name: unknown, among: readonly string[]): string {
  const lower = toLowerCase(`${name as string}`);
  for (const n of among) if (toLowerCase(n) === lower) return n;
  throw notSupported();
}

/** An AlgorithmIdentifier as a dictionary with its canonical name. */
function normalize(alg: unknown, among: readonly string[]): { name: string; params: Record<string, unknown> } {
  if (typeof alg === 'string') return { name: canonical(alg, among), params: {} };
  if (typeof alg !== 'object' || alg === null) throw new TypeError('Algorithm: must be a string or an object');
  const params = alg as Record<string, unknown>;
  if (params.name === undefined) throw new TypeError("Algorithm: 'name' is required");
  return { name: canonical(params.name, among), params };
}

function hashOf(v: unknown): string {
  if (v === undefined) throw new TypeError("Algorithm: 'hash' is required");
  return normalize(v, HASHES).name;
}

function curveOf(v: unknown): string {
  if (v === undefined) throw new TypeError("Algorithm: 'namedCurve' is required");
  const c = `${v as string}`;
  if (!CURVES.includes(c)) throw notSupported(`Unsupported namedCurve ${c.slice(0, 20)}`);
  return c;
}

// --- bytes -----------------------------------------------------------------------------------------

/** A fresh copy of a BufferSource's bytes (only them: never the rest of its ArrayBuffer), size-checked first. */
function copyOf(v: unknown, what: string, max: number, flag: string): Uint8Array {
  const view = bytesOf(v);
  if (view === undefined) throw new TypeError(`${what} must be an ArrayBuffer, a TypedArray or a DataView`);
  if (view.length > max) throw new DOMException(`${what} is ${view.length} bytes, over the ${max} bytes a crypto operation may take (${flag})`, 'QuotaExceededError');
  const out = new Uint8Array(view.length);
  out.set(view);
  return out;
}

function toArrayBuffer(u: Uint8Array): ArrayBuffer {
  if (u.byteOffset === 0 && u.byteLength === u.buffer.byteLength) return u.buffer as ArrayBuffer;
  return u.slice().buffer;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function base64url(bytes: Uint8Array): string {
  const out: number[] = [];
  let o = 0;
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!;
    const b = i + 1 < bytes.length ? bytes[i + 1]! : 0;
    const c = i + 2 < bytes.length ? bytes[i + 2]! : 0;
    out[o++] = charCodeAt(B64, a >> 2);
    out[o++] = charCodeAt(B64, ((a & 3) << 4) | (b >> 4));
    if (i + 1 < bytes.length) out[o++] = charCodeAt(B64, ((b & 15) << 2) | (c >> 6));
    if (i + 2 < bytes.length) out[o++] = charCodeAt(B64, c & 63);
  }
  return unitsToString(out, o);
}

function fromBase64url(s: string, what: string): Uint8Array {
  const out = new Uint8Array((s.length * 3) >> 2);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < s.length; i++) {
    const c = charCodeAt(s, i);
    const v = c >= 65 && c <= 90 ? c - 65 : c >= 97 && c <= 122 ? c - 71 : c >= 48 && c <= 57 ? c + 4 : c === 45 ? 62 : c === 95 ? 63 : -1;
    if (v < 0 || s.length % 4 === 1) throw dataError(`JWK "${what}" is not base64url`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, o);
}

// --- keys ------------------------------------------------------------------------------------------

const KEY_USAGES = ['encrypt', 'decrypt', 'sign', 'verify', 'deriveKey', 'deriveBits', 'wrapKey', 'unwrapKey'];

function usagesOf(v: unknown): string[] {
  if (typeof v !== 'object' || v === null || typeof (v as Iterable<unknown>)[Symbol.iterator] !== 'function') throw new TypeError('keyUsages must be a sequence');
  const out: string[] = [];
  for (const u of v as Iterable<unknown>) {
    const s = `${u as string}`;
    if (!KEY_USAGES.includes(s)) throw new TypeError(`'${s.slice(0, 20)}' is not a valid enum value of type KeyUsage.`);
    out.push(s);
    if (out.length > 64) throw new TypeError('too many keyUsages');
  }
  return out;
}

/** The usages a key of this algorithm and type may have. */
function allowedUsages(name: KeyAlgorithmName, type: KeyType): string[] {
  if (name === 'AES-GCM') return ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey'];
  if (name === 'HMAC') return ['sign', 'verify'];
  return type === 'public' ? ['verify'] : ['sign'];
}

function checkUsages(name: KeyAlgorithmName, type: KeyType, usages: string[]): void {
  const allowed = allowedUsages(name, type);
  for (const u of usages) if (!allowed.includes(u)) throw syntaxError(`Unsupported key usage for a ${name} ${type} key`);
  if (usages.length === 0 && type !== 'public') throw syntaxError('Usages cannot be empty when creating a key.');
}

function keyArg(v: unknown, name: string, usage: string): KeyState {
  const s = keyState(v);
  if (!s) throw new TypeError("Failed to execute on 'SubtleCrypto': parameter is not of type 'CryptoKey'.");
  if (s.name !== name) throw invalidAccess('The requested operation is not valid for the provided key');
  if (!s.usages.includes(usage)) throw invalidAccess('The requested operation is not valid for the provided key');
  return s;
}

/** What the host is sent of a key: its type and its material (a copy goes across). */
const wire = (s: KeyState) => ({ type: s.type, material: s.material });

const JWK_ALG: Record<string, Record<string, string>> = {
  HMAC: { 'SHA-1': 'HS1', 'SHA-256': 'HS256', 'SHA-384': 'HS384', 'SHA-512': 'HS512' },
  'RSASSA-PKCS1-v1_5': { 'SHA-1': 'RS1', 'SHA-256': 'RS256', 'SHA-384': 'RS384', 'SHA-512': 'RS512' },
  'RSA-PSS': { 'SHA-1': 'PS1', 'SHA-256': 'PS256', 'SHA-384': 'PS384', 'SHA-512': 'PS512' },
};
const JWK_FIELDS = ['kty', 'crv', 'x', 'y', 'd', 'n', 'e', 'p', 'q', 'dp', 'dq', 'qi'];

/** The checks WebCrypto makes of any JWK: ext, key_ops and use against what is asked. */
function checkJwkCommon(jwk: Record<string, unknown>, extractable: boolean, usages: string[], use: 'sig' | 'enc'): void {
  if (jwk.use !== undefined && jwk.use !== use) throw dataError(`Invalid JWK "use" Parameter`);
  if (jwk.ext === false && extractable) throw dataError('JWK "ext" Parameter and extractable mismatch');
  if (jwk.key_ops !== undefined) {
    const ops = jwk.key_ops;
    if (!Array.isArray(ops)) throw dataError('JWK "key_ops" must be an array');
    for (const u of usages) if (!ops.includes(u)) throw dataError('Key operations and usage mismatch');
  }
}

export function createSubtle(host: CryptoHost, pool: RandomPool): object {
  const ask = (op: string, args: object): unknown => {
    const answer = host.call(op, args);
    if (!Array.isArray(answer)) throw new DOMException('crypto.subtle is not available here', 'OperationError');
    if (answer[0] === true) return answer[1];
    const name = `${answer[1] as string}`;
    const message = `${answer[2] as string}`;
    throw name === 'TypeError' ? new TypeError(message) : new DOMException(message, name);
  };
  const dataCopy = (v: unknown, what = 'data') => copyOf(v, what, host.limits().maxDataBytes, '--max-crypto-bytes');
  const keyCopy = (v: unknown) => copyOf(v, 'keyData', host.limits().maxKeyBytes, '--max-crypto-key-size');

  function importSecret(name: 'HMAC' | 'AES-GCM', format: string, keyData: unknown, params: Record<string, unknown>, extractable: boolean, usages: string[]): CryptoKey {
    let raw: Uint8Array;
    let hash = name === 'HMAC' ? hashOf(params.hash) : undefined;
    if (format === 'raw') {
      raw = keyCopy(keyData);
    } else if (format === 'jwk') {
      if (typeof keyData !== 'object' || keyData === null) throw new TypeError('keyData must be a JsonWebKey');
      const jwk = keyData as Record<string, unknown>;
      if (jwk.kty !== 'oct') throw dataError('Invalid JWK "kty" Parameter');
      if (typeof jwk.k !== 'string') throw dataError('Invalid JWK "k" Parameter');
      if (jwk.k.length > host.limits().maxKeyBytes * 2) throw new DOMException(`the JWK is over the ${host.limits().maxKeyBytes} bytes of key material allowed (--max-crypto-key-size)`, 'QuotaExceededError');
      checkJwkCommon(jwk, extractable, usages, name === 'HMAC' ? 'sig' : 'enc');
      raw = fromBase64url(jwk.k, 'k');
      if (jwk.alg !== undefined) {
        const want = name === 'HMAC' ? JWK_ALG.HMAC![hash!] : `A${raw.length * 8}GCM`;
        if (jwk.alg !== want) throw dataError('JWK "alg" does not match the requested algorithm');
      }
    } else {
      throw notSupported(`Unable to import ${name} key with format ${format}`);
    }
    let length = raw.length * 8;
    if (name === 'AES-GCM') {
      if (length !== 128 && length !== 192 && length !== 256) throw dataError('Invalid key length');
    } else {
      if (raw.length === 0) throw dataError('Zero-length key is not supported');
      if (params.length !== undefined) {
        const want = Number(params.length);
        if (want > length || want <= length - 8) throw dataError('Invalid key length');
        length = want;
      }
    }
    checkUsages(name, 'secret', usages);
    return newCryptoKey({ type: 'secret', extractable, name, hash, length, usages, material: raw });
  }

  function importAsymmetric(
    name: KeyAlgorithmName, format: string, keyData: unknown, params: Record<string, unknown>, extractable: boolean, usages: string[],
  ): CryptoKey {
    const kind = name === 'ECDSA' ? 'ec' : name === 'Ed25519' ? 'ed25519' : 'rsa';
    const hash = kind === 'rsa' ? hashOf(params.hash) : undefined;
    const namedCurve = kind === 'ec' ? curveOf(params.namedCurve) : undefined;
    let sent: unknown;
    if (format === 'spki' || format === 'pkcs8' || format === 'raw') {
      if (format === 'raw' && kind === 'rsa') throw notSupported(`Unable to import ${name} key with format raw`);
      sent = keyCopy(keyData);
    } else if (format === 'jwk') {
      if (typeof keyData !== 'object' || keyData === null) throw new TypeError('keyData must be a JsonWebKey');
      const jwk = keyData as Record<string, unknown>;
      const kty = kind === 'rsa' ? 'RSA' : kind === 'ec' ? 'EC' : 'OKP';
      if (jwk.kty !== kty) throw dataError('Invalid JWK "kty" Parameter');
      if (kind === 'ec' && jwk.crv !== namedCurve) throw dataError('JWK "crv" does not match the requested algorithm');
      if (kind === 'ed25519' && jwk.crv !== 'Ed25519') throw dataError('Invalid JWK "crv" Parameter');
      checkJwkCommon(jwk, extractable, usages, 'sig');
      if (jwk.alg !== undefined) {
        const want = kind === 'rsa' ? [JWK_ALG[name]![hash!]] : kind === 'ec' ? [namedCurve === 'P-256' ? 'ES256' : 'ES384'] : ['EdDSA', 'Ed25519'];
        if (!want.includes(`${jwk.alg as string}`)) throw dataError('JWK "alg" does not match the requested algorithm');
      }
      // only the key's own fields cross, each a bounded string
      const copy: Record<string, string> = {};
      let size = 0;
      for (const f of JWK_FIELDS) {
        const value = jwk[f];
        if (value === undefined) continue;
        if (typeof value !== 'string') throw dataError(`JWK "${f}" must be a string`);
        size += value.length;
        copy[f] = value;
      }
      if (size > host.limits().maxKeyBytes * 2) throw new DOMException(`the JWK is over the ${host.limits().maxKeyBytes} bytes of key material allowed (--max-crypto-key-size)`, 'QuotaExceededError');
      sent = copy;
    } else {
      throw notSupported(`Unable to import ${name} key with format ${format}`);
    }
    const got = ask('importKey', { format, keyData: sent, kind, namedCurve }) as { type: KeyType; material: Uint8Array; modulusLength?: number; publicExponent?: Uint8Array };
    if (format === 'spki' && got.type !== 'public') throw dataError('Invalid keyData');
    if (format === 'pkcs8' && got.type !== 'private') throw dataError('Invalid keyData');
    checkUsages(name, got.type, usages);
    return newCryptoKey({
      type: got.type, extractable, name, hash, namedCurve, length: got.modulusLength, publicExponent: got.publicExponent, usages,
      material: got.material,
    });
  }

  class SubtleCrypto {
    constructor(token?: unknown) {
      if (token !== SUBTLE_TOKEN) throw new TypeError('Illegal constructor');
    }

    digest(algorithm: unknown, data: unknown): Promise<ArrayBuffer> {
      const args = arguments;
      return promised(() => {
        required(args, 2, 'digest');
        const hash = normalize(algorithm, HASHES).name;
        return toArrayBuffer(ask('digest', { hash, data: dataCopy(data) }) as Uint8Array);
      });
    }

    importKey(format: unknown, keyData: unknown, algorithm: unknown, extractable: unknown, keyUsages: unknown): Promise<CryptoKey> {
      const args = arguments;
      return promised(() => {
        required(args, 5, 'importKey');
        const f = `${format as string}`;
        if (f !== 'raw' && f !== 'spki' && f !== 'pkcs8' && f !== 'jwk') throw new TypeError(`'${f.slice(0, 20)}' is not a valid enum value of type KeyFormat.`);
        const { name, params } = normalize(algorithm, ALGORITHMS);
        const usages = usagesOf(keyUsages);
        const n = name as KeyAlgorithmName;
        if (n === 'HMAC' || n === 'AES-GCM') return importSecret(n, f, keyData, params, !!extractable, usages);
        return importAsymmetric(n, f, keyData, params, !!extractable, usages);
      });
    }

    exportKey(format: unknown, key: unknown): Promise<ArrayBuffer | Record<string, unknown>> {
      const args = arguments;
      return promised(() => {
        required(args, 2, 'exportKey');
        const f = `${format as string}`;
        if (f !== 'raw' && f !== 'spki' && f !== 'pkcs8' && f !== 'jwk') throw new TypeError(`'${f.slice(0, 20)}' is not a valid enum value of type KeyFormat.`);
        const s = keyState(key);
        if (!s) throw new TypeError("Failed to execute 'exportKey' on 'SubtleCrypto': parameter 2 is not of type 'CryptoKey'.");
        if (!s.extractable) throw invalidAccess('key is not extractable');
        const ops = [...s.usages];
        if (s.type === 'secret') {
          if (f === 'raw') return toArrayBuffer(s.material.slice());
          if (f !== 'jwk') throw notSupported(`Unable to export ${s.name} secret key using ${f} format`);
          const alg = s.name === 'HMAC' ? JWK_ALG.HMAC![s.hash!]! : `A${s.length!}GCM`;
          return { kty: 'oct', k: base64url(s.material), alg, key_ops: ops, ext: true };
        }
        if (f === 'spki' || f === 'pkcs8') {
          if ((f === 'spki') !== (s.type === 'public')) throw notSupported(`Unable to export ${s.name} ${s.type} key using ${f} format`);
          return toArrayBuffer(s.material.slice());
        }
        if (f === 'raw') {
          if (s.type !== 'public' || (s.name !== 'ECDSA' && s.name !== 'Ed25519')) throw notSupported(`Unable to export ${s.name} ${s.type} key using raw format`);
          return toArrayBuffer(ask('exportKey', { format: 'raw', key: wire(s) }) as Uint8Array);
        }
        const jwk = ask('exportKey', { format: 'jwk', key: wire(s) }) as Record<string, unknown>;
        const out: Record<string, unknown> = { ...jwk };
        const alg = JWK_ALG[s.name]?.[s.hash ?? ''];
        if (alg !== undefined) out.alg = alg;
        out.key_ops = ops;
        out.ext = true;
        return out;
      });
    }

    generateKey(
      algorithm: unknown, extractable: unknown, keyUsages: unknown,
    ): Promise<CryptoKey | { publicKey: CryptoKey; privateKey: CryptoKey }> {
      const args = arguments;
      return promised(() => {
        required(args, 3, 'generateKey');
        const { name, params } = normalize(algorithm, ALGORITHMS);
        const usages = usagesOf(keyUsages);
        const ext = !!extractable;
        if (name === 'HMAC' || name === 'AES-GCM') {
          const hash = name === 'HMAC' ? hashOf(params.hash) : undefined;
          const bits = params.length === undefined && name === 'HMAC' ? HMAC_BLOCK_BITS[hash!]! : Number(params.length);
          if (name === 'AES-GCM' && bits !== 128 && bits !== 192 && bits !== 256) throw new DOMException('AES key length must be 128, 192 or 256 bits', 'OperationError');
          if (name === 'HMAC' && (!(bits > 0) || bits % 8 !== 0 || bits > host.limits().maxKeyBytes * 8)) throw new DOMException('HMAC key length must be a positive multiple of 8 within --max-crypto-key-size', 'OperationError');
          checkUsages(name, 'secret', usages);
          const material = new Uint8Array(bits / 8);
          pool.fill(material);
          return newCryptoKey({ type: 'secret', extractable: ext, name, hash, length: bits, usages, material });
        }
        if (name !== 'ECDSA' && name !== 'Ed25519') throw notSupported('generateKey makes HMAC, AES-GCM, ECDSA and Ed25519 keys: RSA key generation takes too long to bound; import RSA keys instead');
        const namedCurve = name === 'ECDSA' ? curveOf(params.namedCurve) : undefined;
        const publicUsages = usages.filter((u) => u === 'verify');
        const privateUsages = usages.filter((u) => u === 'sign');
        for (const u of usages) if (u !== 'sign' && u !== 'verify') throw syntaxError(`Unsupported key usage for a ${name} key`);
        if (privateUsages.length === 0) throw syntaxError('Usages cannot be empty when creating a key.');
        const pair = ask('generateKeyPair', { kind: name === 'ECDSA' ? 'ec' : 'ed25519', namedCurve }) as { publicKey: Uint8Array; privateKey: Uint8Array };
        const n = name as KeyAlgorithmName;
        return {
          publicKey: newCryptoKey({ type: 'public', extractable: true, name: n, namedCurve, usages: publicUsages, material: pair.publicKey }),
          privateKey: newCryptoKey({ type: 'private', extractable: ext, name: n, namedCurve, usages: privateUsages, material: pair.privateKey }),
        };
      });
    }

    sign(algorithm: unknown, key: unknown, data: unknown): Promise<ArrayBuffer> {
      const args = arguments;
      return promised(() => {
        required(args, 3, 'sign');
        const request = signRequest(algorithm, key, 'sign');
        return toArrayBuffer(ask('sign', { ...request, data: dataCopy(data) }) as Uint8Array);
      });
    }

    verify(algorithm: unknown, key: unknown, signature: unknown, data: unknown): Promise<boolean> {
      const args = arguments;
      return promised(() => {
        required(args, 4, 'verify');
        const request = signRequest(algorithm, key, 'verify');
        return ask('verify', { ...request, signature: dataCopy(signature, 'signature'), data: dataCopy(data) }) === true;
      });
    }

    encrypt(algorithm: unknown, key: unknown, data: unknown): Promise<ArrayBuffer> {
      const args = arguments;
      return promised(() => {
        required(args, 3, 'encrypt');
        return toArrayBuffer(ask('encrypt', { ...gcmRequest(algorithm, key, 'encrypt'), data: dataCopy(data) }) as Uint8Array);
      });
    }

    decrypt(algorithm: unknown, key: unknown, data: unknown): Promise<ArrayBuffer> {
      const args = arguments;
      return promised(() => {
        required(args, 3, 'decrypt');
        return toArrayBuffer(ask('decrypt', { ...gcmRequest(algorithm, key, 'decrypt'), data: dataCopy(data) }) as Uint8Array);
      });
    }

    deriveBits(): Promise<never> {
      return promised(() => {
        throw notSupported('deriveBits is not offered in the sandbox');
      });
    }

    deriveKey(): Promise<never> {
      return promised(() => {
        throw notSupported('deriveKey is not offered in the sandbox');
      });
    }

    wrapKey(): Promise<never> {
      return promised(() => {
        throw notSupported('wrapKey is not offered in the sandbox');
      });
    }

    unwrapKey(): Promise<never> {
      return promised(() => {
        throw notSupported('unwrapKey is not offered in the sandbox');
      });
    }
  }
  setToStringTag(SubtleCrypto, 'SubtleCrypto');

  function signRequest(algorithm: unknown, key: unknown, usage: 'sign' | 'verify'): object {
    const { name, params } = normalize(algorithm, ['HMAC', 'RSASSA-PKCS1-v1_5', 'RSA-PSS', 'ECDSA', 'Ed25519']);
    const s = keyArg(key, name, usage);
    const hash = name === 'ECDSA' ? hashOf(params.hash) : s.hash;
    const request: Record<string, unknown> = { name, hash };
    if (name === 'RSA-PSS') {
      const salt = params.saltLength;
      if (salt === undefined) throw new TypeError("Algorithm: 'saltLength' is required");
      const n = Number(salt);
      if (!Number.isInteger(n) || n < 0 || n > 1024) throw new TypeError('saltLength must be a whole number of bytes');
      request.saltLength = n;
    }
    return { algorithm: request, key: wire(s) };
  }

  function gcmRequest(algorithm: unknown, key: unknown, usage: 'encrypt' | 'decrypt'): object {
    const { params } = normalize(algorithm, ['AES-GCM']);
    const s = keyArg(key, 'AES-GCM', usage);
    if (params.iv === undefined) throw new TypeError("Algorithm: 'iv' is required");
    const iv = copyOf(params.iv, 'iv', MAX_IV_BYTES, `at most ${MAX_IV_BYTES} bytes`);
    const additionalData = params.additionalData === undefined ? undefined : dataCopy(params.additionalData, 'additionalData');
    const tagLength = params.tagLength === undefined ? 128 : Number(params.tagLength);
    if (![32, 64, 96, 104, 112, 120, 128].includes(tagLength)) throw new DOMException(`${tagLength} is not a valid AES-GCM tag length`, 'OperationError');
    return { key: wire(s), iv, additionalData, tagLength };
  }

  return new SubtleCrypto(SUBTLE_TOKEN);
}

const SUBTLE_TOKEN: object = {};
export { CryptoKey };
