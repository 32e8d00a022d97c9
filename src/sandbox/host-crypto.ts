// The host end of crypto.subtle (sandbox-runtime/web/subtle-crypto.ts): each operation a plugin asks
// for over the bridge ('crypto' requests), done here with node:crypto and answered with copies.
//
// Synchronous node:crypto, not the async WebCrypto of the host: the bridge callback runs on this
// thread inside the slice, so the CPU an operation takes is this thread's, measured around it and
// charged to the event (event-slice.ts). Async WebCrypto would run it on libuv's thread pool, outside
// the slice and outside the event's budget, and leave a promise to wait for after the slice ended.
//
// Nothing that arrives here is trusted: the runtime checked it already, but plugin code can reach
// the bridge only through the runtime and the runtime could be wrong; every field is checked again,
// and every size against the limits, before node:crypto sees it. Keys cross as copies of their
// material (raw bytes, or SPKI / PKCS #8 DER), never as host handles: each operation rebuilds its
// KeyObject from the bytes and drops it.
import crypto, { type KeyObject, type JsonWebKey } from 'node:crypto';

export interface CryptoLimits {
  /** bytes of data one operation may take (plaintext, ciphertext, message, signature) */
  maxDataBytes: number;
  /** bytes of key material (raw, DER, or a JWK's text) */
  maxKeyBytes: number;
  /** largest RSA modulus accepted, bits */
  maxRsaBits: number;
}

/** [true, result] or [false, DOMException name, message]: what crosses back to the runtime. */
export type CryptoAnswer = [true, unknown] | [false, string, string];

/** An operation refused the way WebCrypto refuses it: a DOMException (or TypeError) of this name. */
class Refusal extends Error {
  readonly kind: string;
  constructor(kind: string, message: string) {
    super(message);
    this.kind = kind;
  }
}

const HASHES: Record<string, string> = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };
const CURVES: Record<string, string> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1' };
const CURVE_NAMES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384' };
/** RSA public exponents above this are refused: verifying costs grow with the exponent's size */
const MAX_RSA_EXPONENT = 2n ** 32n;
const MIN_RSA_BITS = 512;

/** Runs one request; never throws (a host bug is answered as an OperationError, not a crash). */
export function runCrypto(op: unknown, args: unknown, limits: CryptoLimits): CryptoAnswer {
  try {
    if (typeof op !== 'string' || !isRecord(args)) throw new Refusal('TypeError', 'malformed crypto request');
    return [true, dispatch(op, args, limits)];
  } catch (err) {
    if (err instanceof Refusal) return [false, err.kind, err.message];
    // node:crypto's own failure (a malformed key that passed the checks, a bad tag): WebCrypto's OperationError
    return [false, 'OperationError', 'The operation failed for an operation-specific reason'];
  }
}

function dispatch(op: string, a: Record<string, unknown>, limits: CryptoLimits): unknown {
  switch (op) {
    case 'digest':
      return new Uint8Array(crypto.createHash(hashOf(a.hash)).update(data(a.data, limits)).digest());
    case 'sign':
      return sign(a, limits);
    case 'verify':
      return verify(a, limits);
    case 'encrypt':
    case 'decrypt':
      return aesGcm(op, a, limits);
    case 'importKey':
      return importKey(a, limits);
    case 'exportKey':
      return exportKey(a, limits);
    case 'generateKeyPair':
      return generateKeyPair(a);
    default:
      throw new Refusal('NotSupportedError', `unknown crypto operation ${op.slice(0, 40)}`);
  }
}

// --- arguments -----------------------------------------------------------------------------------

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bytes(v: unknown, what: string, max: number, limitName: string): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new Refusal('TypeError', `${what} must be a BufferSource`);
  if (v.byteLength > max) throw new Refusal('QuotaExceededError', `${what} is ${v.byteLength} bytes, over the ${max} bytes a crypto operation may take (${limitName})`);
  return v;
}

function data(v: unknown, limits: CryptoLimits): Uint8Array {
  return bytes(v, 'data', limits.maxDataBytes, '--max-crypto-bytes');
}

function keyBytes(v: unknown, limits: CryptoLimits): Uint8Array {
  return bytes(v, 'key material', limits.maxKeyBytes, '--max-crypto-key-size');
}

function hashOf(v: unknown): string {
  const h = typeof v === 'string' ? HASHES[v] : undefined;
  if (!h) throw new Refusal('NotSupportedError', 'Unrecognized algorithm name');
  return h;
}

type KeyType = 'secret' | 'public' | 'private';

/** A key as the runtime sends it: its type and a copy of its material. */
function keyOf(v: unknown, limits: CryptoLimits, want: KeyType | 'asymmetric'): { type: KeyType; material: Uint8Array } {
  if (!isRecord(v)) throw new Refusal('TypeError', 'key must be a CryptoKey');
  const type = v.type;
  if (type !== 'secret' && type !== 'public' && type !== 'private') throw new Refusal('TypeError', 'key must be a CryptoKey');
  if (want === 'asymmetric' ? type === 'secret' : type !== want) throw new Refusal('InvalidAccessError', `a ${type} key cannot be used for this operation`);
  return { type, material: keyBytes(v.material, limits) };
}

function keyObject(key: { type: KeyType; material: Uint8Array }, limits: CryptoLimits): KeyObject {
  const der = Buffer.from(key.material.buffer, key.material.byteOffset, key.material.byteLength);
  const k =
    key.type === 'secret'
      ? crypto.createSecretKey(der)
      : key.type === 'public'
        ? crypto.createPublicKey({ key: der, format: 'der', type: 'spki' })
        : crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  if (k.type !== 'secret') checkAsymmetric(k, limits);
  return k;
}

/** The checks that bound what a key makes the host do: RSA size and exponent, known curves only. */
function checkAsymmetric(k: KeyObject, limits: CryptoLimits): void {
  const t = k.asymmetricKeyType;
  const d = k.asymmetricKeyDetails ?? {};
  if (t === 'rsa' || t === 'rsa-pss') {
    const bits = d.modulusLength ?? 0;
    if (bits > limits.maxRsaBits) throw new Refusal('NotSupportedError', `RSA modulus of ${bits} bits is over the ${limits.maxRsaBits} bits allowed (--max-rsa-bits)`);
    if (bits < MIN_RSA_BITS) throw new Refusal('DataError', `RSA modulus of ${bits} bits is too small`);
    const e = d.publicExponent ?? 0n;
    if (e < 3n || e % 2n === 0n || e > MAX_RSA_EXPONENT) throw new Refusal('DataError', 'RSA public exponent must be odd, at least 3 and at most 2^32');
  } else if (t === 'ec') {
    if (!CURVE_NAMES[d.namedCurve ?? '']) throw new Refusal('NotSupportedError', 'only the P-256 and P-384 curves are supported');
  } else if (t !== 'ed25519') {
    throw new Refusal('NotSupportedError', `${t ?? 'this'} keys are not supported`);
  }
}

// --- sign / verify -------------------------------------------------------------------------------

interface SignAlgorithm {
  name: 'HMAC' | 'RSASSA-PKCS1-v1_5' | 'RSA-PSS' | 'ECDSA' | 'Ed25519';
  hash: string | null;
  saltLength: number;
}

function signAlgorithm(v: unknown): SignAlgorithm {
  if (!isRecord(v)) throw new Refusal('TypeError', 'algorithm must be an object');
  const name = v.name;
  if (name === 'Ed25519') return { name, hash: null, saltLength: 0 };
  if (name !== 'HMAC' && name !== 'RSASSA-PKCS1-v1_5' && name !== 'RSA-PSS' && name !== 'ECDSA') throw new Refusal('NotSupportedError', 'Unrecognized algorithm name');
  const salt = v.saltLength;
  if (name === 'RSA-PSS' && (typeof salt !== 'number' || !Number.isInteger(salt) || salt < 0 || salt > 1024)) throw new Refusal('TypeError', 'saltLength must be a whole number of bytes');
  return { name, hash: hashOf(v.hash), saltLength: typeof salt === 'number' ? salt : 0 };
}

/** The key type each algorithm's key must be (node:crypto would accept e.g. an EC key for RSA). */
function checkKeyFits(alg: SignAlgorithm, k: KeyObject): void {
  const t = k.type === 'secret' ? 'secret' : k.asymmetricKeyType;
  const want = alg.name === 'HMAC' ? 'secret' : alg.name === 'ECDSA' ? 'ec' : alg.name === 'Ed25519' ? 'ed25519' : 'rsa';
  if (t !== want && !(want === 'rsa' && t === 'rsa-pss')) throw new Refusal('InvalidAccessError', `the key is not a ${alg.name} key`);
}

function rsaOptions(alg: SignAlgorithm, k: KeyObject): crypto.SignKeyObjectInput {
  if (alg.name === 'RSA-PSS') return { key: k, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.saltLength };
  if (alg.name === 'ECDSA') return { key: k, dsaEncoding: 'ieee-p1363' };
  return { key: k, padding: crypto.constants.RSA_PKCS1_PADDING };
}

function sign(a: Record<string, unknown>, limits: CryptoLimits): Uint8Array {
  const alg = signAlgorithm(a.algorithm);
  const key = keyOf(a.key, limits, alg.name === 'HMAC' ? 'secret' : 'private');
  const msg = data(a.data, limits);
  const k = keyObject(key, limits);
  checkKeyFits(alg, k);
  if (alg.name === 'HMAC') return new Uint8Array(crypto.createHmac(alg.hash!, k).update(msg).digest());
  return new Uint8Array(crypto.sign(alg.hash, msg, rsaOptions(alg, k)));
}

function verify(a: Record<string, unknown>, limits: CryptoLimits): boolean {
  const alg = signAlgorithm(a.algorithm);
  const key = keyOf(a.key, limits, alg.name === 'HMAC' ? 'secret' : 'public');
  const msg = data(a.data, limits);
  const signature = data(a.signature, limits);
  const k = keyObject(key, limits);
  checkKeyFits(alg, k);
  if (alg.name === 'HMAC') {
    const mac = crypto.createHmac(alg.hash!, k).update(msg).digest();
    return mac.length === signature.length && crypto.timingSafeEqual(mac, signature);
  }
  try {
    return crypto.verify(alg.hash, msg, rsaOptions(alg, k), signature);
  } catch {
    return false; // a signature of the wrong length is a failed verification, as in WebCrypto
  }
}

// --- AES-GCM -------------------------------------------------------------------------------------

function aesGcm(op: 'encrypt' | 'decrypt', a: Record<string, unknown>, limits: CryptoLimits): Uint8Array {
  const key = keyOf(a.key, limits, 'secret').material;
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) throw new Refusal('DataError', 'AES key must be 128, 192 or 256 bits');
  const iv = bytes(a.iv, 'iv', 1024, 'the AES-GCM iv cap');
  if (iv.length === 0) throw new Refusal('OperationError', 'iv must not be empty');
  const aad = a.additionalData === undefined ? null : data(a.additionalData, limits);
  const tagBits = a.tagLength;
  if (typeof tagBits !== 'number' || ![32, 64, 96, 104, 112, 120, 128].includes(tagBits)) throw new Refusal('OperationError', 'tagLength must be 32, 64, 96, 104, 112, 120 or 128');
  const tagBytes = tagBits / 8;
  const input = data(a.data, limits);
  const cipherName = `aes-${key.length * 8}-gcm` as crypto.CipherGCMTypes;
  if (op === 'encrypt') {
    const c = crypto.createCipheriv(cipherName, key, iv, { authTagLength: tagBytes });
    if (aad) c.setAAD(aad);
    return new Uint8Array(Buffer.concat([c.update(input), c.final(), c.getAuthTag()]));
  }
  if (input.length < tagBytes) throw new Refusal('OperationError', 'The provided data is too small.');
  const d = crypto.createDecipheriv(cipherName, key, iv, { authTagLength: tagBytes });
  if (aad) d.setAAD(aad);
  d.setAuthTag(input.subarray(input.length - tagBytes));
  try {
    return new Uint8Array(Buffer.concat([d.update(input.subarray(0, input.length - tagBytes)), d.final()]));
  } catch {
    throw new Refusal('OperationError', 'The operation failed for an operation-specific reason');
  }
}

// --- import / export -----------------------------------------------------------------------------

/** What the runtime keeps of an imported asymmetric key, and what it needs to fill `algorithm`. */
interface ImportedKey {
  type: 'public' | 'private';
  /** SPKI (public) or PKCS #8 (private) DER, as re-exported here: canonical */
  material: Uint8Array;
  kind: 'rsa' | 'ec' | 'ed25519';
  modulusLength?: number;
  publicExponent?: Uint8Array;
  namedCurve?: string;
}

function importKey(a: Record<string, unknown>, limits: CryptoLimits): ImportedKey {
  const kind = a.kind;
  if (kind !== 'rsa' && kind !== 'ec' && kind !== 'ed25519') throw new Refusal('NotSupportedError', 'Unrecognized algorithm name');
  const format = a.format;
  let k: KeyObject;
  try {
    if (format === 'spki' || format === 'pkcs8') {
      const der = Buffer.from(keyBytes(a.keyData, limits));
      k = format === 'spki' ? crypto.createPublicKey({ key: der, format: 'der', type: 'spki' }) : crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    } else if (format === 'jwk') {
      const jwk = jwkOf(a.keyData, limits);
      k = jwk.d === undefined ? crypto.createPublicKey({ key: jwk, format: 'jwk' }) : crypto.createPrivateKey({ key: jwk, format: 'jwk' });
    } else if (format === 'raw') {
      k = crypto.createPublicKey({ key: rawPublicToSpki(kind, a.namedCurve, keyBytes(a.keyData, limits)), format: 'der', type: 'spki' });
    } else {
      throw new Refusal('NotSupportedError', 'Unsupported key format');
    }
  } catch (err) {
    if (err instanceof Refusal) throw err;
    throw new Refusal('DataError', 'Invalid keyData');
  }
  checkAsymmetric(k, limits);
  const t = k.asymmetricKeyType;
  if ((kind === 'rsa' && t !== 'rsa') || (kind !== 'rsa' && t !== kind)) throw new Refusal('DataError', 'Invalid key type');
  const d = k.asymmetricKeyDetails ?? {};
  const out: ImportedKey = {
    type: k.type === 'private' ? 'private' : 'public',
    material: new Uint8Array(k.type === 'private' ? k.export({ format: 'der', type: 'pkcs8' }) : k.export({ format: 'der', type: 'spki' })),
    kind,
  };
  if (kind === 'rsa') {
    out.modulusLength = d.modulusLength!;
    out.publicExponent = bigintBytes(d.publicExponent!);
  }
  if (kind === 'ec') {
    const curve = CURVE_NAMES[d.namedCurve!]!;
    if (a.namedCurve !== curve) throw new Refusal('DataError', 'Named curve mismatch');
    out.namedCurve = curve;
  }
  return out;
}

const JWK_FIELDS = ['kty', 'crv', 'x', 'y', 'd', 'n', 'e', 'p', 'q', 'dp', 'dq', 'qi'] as const;

/** A JWK with only the fields node:crypto reads, each a bounded string. */
function jwkOf(v: unknown, limits: CryptoLimits): JsonWebKey {
  if (!isRecord(v)) throw new Refusal('DataError', 'Invalid keyData');
  const jwk: Record<string, string> = {};
  let size = 0;
  for (const f of JWK_FIELDS) {
    const value = v[f];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new Refusal('DataError', `JWK "${f}" must be a string`);
    size += value.length;
    jwk[f] = value;
  }
  if (size > limits.maxKeyBytes * 2) throw new Refusal('QuotaExceededError', `the JWK is over the ${limits.maxKeyBytes} bytes of key material allowed (--max-crypto-key-size)`);
  if (v.oth !== undefined) throw new Refusal('NotSupportedError', 'multi-prime RSA keys are not supported');
  return jwk;
}

// SPKI headers for a raw public key: the fixed DER prefix, then the key bytes.
const SPKI_PREFIX: Record<string, string> = {
  ed25519: '302a300506032b6570032100',
  'P-256': '3059301306072a8648ce3d020106082a8648ce3d030107034200',
  'P-384': '3076301006072a8648ce3d020106052b81040022036200',
};
const RAW_LENGTH: Record<string, number> = { ed25519: 32, 'P-256': 65, 'P-384': 97 };

function rawPublicToSpki(kind: string, namedCurve: unknown, raw: Uint8Array): Buffer {
  const which = kind === 'ed25519' ? 'ed25519' : kind === 'ec' && typeof namedCurve === 'string' ? namedCurve : '';
  const prefix = SPKI_PREFIX[which];
  if (!prefix) throw new Refusal('NotSupportedError', 'raw import is for EC and Ed25519 public keys (and secret keys)');
  if (raw.length !== RAW_LENGTH[which] || (kind === 'ec' && raw[0] !== 4)) throw new Refusal('DataError', 'Invalid keyData');
  return Buffer.concat([Buffer.from(prefix, 'hex'), raw]);
}

function bigintBytes(n: bigint): Uint8Array {
  let hex = n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

function exportKey(a: Record<string, unknown>, limits: CryptoLimits): unknown {
  const key = keyOf(a.key, limits, 'asymmetric');
  const k = keyObject(key, limits);
  if (a.format === 'jwk') {
    const jwk = k.export({ format: 'jwk' });
    const out: Record<string, string> = {};
    for (const f of JWK_FIELDS) if (typeof jwk[f] === 'string') out[f] = jwk[f];
    return out;
  }
  if (a.format === 'raw' && k.type === 'public') {
    const jwk = k.export({ format: 'jwk' });
    const x = Buffer.from(jwk.x!, 'base64url');
    return new Uint8Array(jwk.kty === 'OKP' ? x : Buffer.concat([Buffer.from([4]), x, Buffer.from(jwk.y!, 'base64url')]));
  }
  throw new Refusal('InvalidAccessError', 'Unsupported key format for this key');
}

function generateKeyPair(a: Record<string, unknown>): { publicKey: Uint8Array; privateKey: Uint8Array } {
  // RSA key generation is refused: it searches for primes for a time no one can bound (hundreds of ms
  // at 2048 bits, seconds at 4096), in one uninterruptible call
  const pair =
    a.kind === 'ed25519'
      ? crypto.generateKeyPairSync('ed25519')
      : a.kind === 'ec' && typeof a.namedCurve === 'string' && CURVES[a.namedCurve]
        ? crypto.generateKeyPairSync('ec', { namedCurve: CURVES[a.namedCurve]! })
        : null;
  if (!pair) throw new Refusal('NotSupportedError', 'generateKey makes HMAC, AES-GCM, ECDSA (P-256, P-384) and Ed25519 keys');
  return {
    publicKey: new Uint8Array(pair.publicKey.export({ format: 'der', type: 'spki' })),
    privateKey: new Uint8Array(pair.privateKey.export({ format: 'der', type: 'pkcs8' })),
  };
}
