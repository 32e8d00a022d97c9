// Types of the Web platform globals the sandbox offers (sandbox-runtime/web/install.ts), for the
// runtime's own code and for TypeScript plugins: `/// <reference types="kong-sandbox-pluginserver/globals" />`
// (or list it in tsconfig "types") when the plugin's tsconfig has neither lib "DOM" nor @types/node.
// Only what the sandbox really has: no fetch, no timers.

declare class DOMException extends Error {
  constructor(message?: string, name?: string);
  readonly code: number;
}

interface TextEncoderEncodeIntoResult {
  read: number;
  written: number;
}
declare class TextEncoder {
  readonly encoding: 'utf-8';
  encode(input?: string): Uint8Array<ArrayBuffer>;
  encodeInto(source: string, destination: Uint8Array): TextEncoderEncodeIntoResult;
}

interface TextDecoderOptions {
  fatal?: boolean;
  ignoreBOM?: boolean;
}
interface TextDecodeOptions {
  stream?: boolean;
}
type BufferSource = ArrayBufferView | ArrayBuffer;
declare class TextDecoder {
  constructor(label?: string, options?: TextDecoderOptions);
  readonly encoding: string;
  readonly fatal: boolean;
  readonly ignoreBOM: boolean;
  decode(input?: AllowSharedBufferSource, options?: TextDecodeOptions): string;
}
type AllowSharedBufferSource = ArrayBufferLike | ArrayBufferView;

declare function atob(data: string): string;
declare function btoa(data: string): string;

declare class URLSearchParams {
  constructor(init?: string[][] | Record<string, string> | string | URLSearchParams | Iterable<readonly [string, string]>);
  readonly size: number;
  append(name: string, value: string): void;
  delete(name: string, value?: string): void;
  get(name: string): string | null;
  getAll(name: string): string[];
  has(name: string, value?: string): boolean;
  set(name: string, value: string): void;
  sort(): void;
  forEach(callbackfn: (value: string, key: string, parent: URLSearchParams) => void, thisArg?: unknown): void;
  entries(): IterableIterator<[string, string]>;
  keys(): IterableIterator<string>;
  values(): IterableIterator<string>;
  [Symbol.iterator](): IterableIterator<[string, string]>;
  toString(): string;
}

declare class URL {
  constructor(url: string | URL, base?: string | URL);
  static canParse(url: string | URL, base?: string | URL): boolean;
  static parse(url: string | URL, base?: string | URL): URL | null;
  href: string;
  readonly origin: string;
  protocol: string;
  username: string;
  password: string;
  host: string;
  hostname: string;
  port: string;
  pathname: string;
  search: string;
  readonly searchParams: URLSearchParams;
  hash: string;
  toString(): string;
  toJSON(): string;
}

interface StructuredSerializeOptions {
  transfer?: unknown[];
}
declare function structuredClone<T = unknown>(value: T, options?: StructuredSerializeOptions): T;
declare function queueMicrotask(callback: () => void): void;

type KeyType = 'secret' | 'public' | 'private';
type KeyUsage = 'encrypt' | 'decrypt' | 'sign' | 'verify' | 'deriveKey' | 'deriveBits' | 'wrapKey' | 'unwrapKey';
type KeyFormat = 'raw' | 'spki' | 'pkcs8' | 'jwk';
type AlgorithmIdentifier = string | { name: string; [param: string]: unknown };
interface JsonWebKey {
  kty?: string; crv?: string; x?: string; y?: string; d?: string; n?: string; e?: string; p?: string; q?: string;
  dp?: string; dq?: string; qi?: string; k?: string; alg?: string; use?: string; key_ops?: string[]; ext?: boolean;
}
declare class CryptoKey {
  private constructor();
  readonly type: KeyType;
  readonly extractable: boolean;
  readonly algorithm: { name: string; [param: string]: unknown };
  readonly usages: KeyUsage[];
}
interface CryptoKeyPair {
  publicKey: CryptoKey;
  privateKey: CryptoKey;
}
/** HMAC, AES-GCM, RSASSA-PKCS1-v1_5, RSA-PSS, ECDSA (P-256, P-384), Ed25519; digests SHA-1/256/384/512. */
interface SubtleCrypto {
  digest(algorithm: AlgorithmIdentifier, data: BufferSource): Promise<ArrayBuffer>;
  importKey(format: 'jwk', keyData: JsonWebKey, algorithm: AlgorithmIdentifier, extractable: boolean, keyUsages: readonly KeyUsage[]): Promise<CryptoKey>;
  importKey(format: Exclude<KeyFormat, 'jwk'>, keyData: BufferSource, algorithm: AlgorithmIdentifier, extractable: boolean, keyUsages: readonly KeyUsage[]): Promise<CryptoKey>;
  exportKey(format: 'jwk', key: CryptoKey): Promise<JsonWebKey>;
  exportKey(format: Exclude<KeyFormat, 'jwk'>, key: CryptoKey): Promise<ArrayBuffer>;
  /** HMAC and AES-GCM keys, ECDSA and Ed25519 pairs (RSA key generation is refused) */
  generateKey(algorithm: AlgorithmIdentifier, extractable: boolean, keyUsages: readonly KeyUsage[]): Promise<CryptoKey | CryptoKeyPair>;
  sign(algorithm: AlgorithmIdentifier, key: CryptoKey, data: BufferSource): Promise<ArrayBuffer>;
  verify(algorithm: AlgorithmIdentifier, key: CryptoKey, signature: BufferSource, data: BufferSource): Promise<boolean>;
  encrypt(algorithm: AlgorithmIdentifier, key: CryptoKey, data: BufferSource): Promise<ArrayBuffer>;
  decrypt(algorithm: AlgorithmIdentifier, key: CryptoKey, data: BufferSource): Promise<ArrayBuffer>;
}

interface Crypto {
  readonly subtle: SubtleCrypto;
  getRandomValues<T extends Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array>(array: T): T;
  randomUUID(): `${string}-${string}-${string}-${string}-${string}`;
}
declare var crypto: Crypto;
