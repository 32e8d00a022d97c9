// Checks the request's bearer JWT with the npm `jose` library, bundled from this plugin's own
// node_modules and run unchanged on the sandbox's crypto.subtle: HS256 with a shared secret, or
// RS256 / ES256 / EdDSA with a public JWK or a JWK Set. A missing or bad token ends the request
// with a 401; a good one goes on to the service with its subject in a header.
import { jwtVerify, createLocalJWKSet, importJWK, type JWTVerifyGetKey, type JWK, type CryptoKey } from 'jose';

interface Config {
  /** HS256: the shared secret */
  secret?: string | null;
  /** one public JWK, as JSON text */
  jwk?: string | null;
  /** a JWK Set ({"keys": [...]}), as JSON text: the token's `kid` picks the key */
  jwks?: string | null;
  issuer?: string | null;
  audience?: string | null;
  /** the upstream request header that gets the token's `sub` */
  subject_header?: string | null;
}

interface Kong {
  request: { getHeader(name: string): Promise<string | undefined | null> };
  response: { exit(status: number, body?: unknown, headers?: Record<string, string>): Promise<void> };
  service: { request: { setHeader(name: string, value: string): Promise<void> } };
}

type Key = Uint8Array | CryptoKey | JWTVerifyGetKey;

export class Plugin {
  readonly #config: Config;
  /** the verification key, made once per instance (importJWK is async: a promise kept for the events) */
  readonly #key: Promise<Key>;

  constructor(config: Config) {
    this.#config = config;
    this.#key = keyOf(config);
    this.#key.catch(() => {}); // a bad key is reported by each request, not as an unhandled rejection
  }

  async access(kong: Kong): Promise<void> {
    const auth = (await kong.request.getHeader('authorization')) ?? '';
    const m = /^Bearer[ \t]+([A-Za-z0-9._~+/=-]+)$/i.exec(auth);
    if (!m) return kong.response.exit(401, { message: 'missing bearer token' }, { 'www-authenticate': 'Bearer' });
    let sub: string | undefined;
    try {
      const key = await this.#key;
      const options = { issuer: this.#config.issuer ?? undefined, audience: this.#config.audience ?? undefined };
      const { payload } = typeof key === 'function' ? await jwtVerify(m[1]!, key, options) : await jwtVerify(m[1]!, key, options);
      sub = payload.sub;
    } catch (err) {
      console.warn(`jwt-auth: token refused: ${(err as Error).message}`);
      return kong.response.exit(401, { message: 'invalid token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
    }
    await kong.service.request.setHeader(this.#config.subject_header ?? 'x-jwt-subject', sub ?? '');
  }
}

async function keyOf(config: Config): Promise<Key> {
  if (config.secret) return new TextEncoder().encode(config.secret);
  if (config.jwk) {
    const jwk = JSON.parse(config.jwk) as JWK;
    return (await importJWK(jwk, jwk.alg ?? 'RS256')) as CryptoKey;
  }
  if (config.jwks) return createLocalJWKSet(JSON.parse(config.jwks) as { keys: JWK[] });
  throw new Error('jwt-auth needs one of secret, jwk or jwks in its config');
}

export const Version = '1.0.0';
export const Priority = 1450;
export const Schema = [
  { secret: { type: 'string' } },
  { jwk: { type: 'string' } },
  { jwks: { type: 'string' } },
  { issuer: { type: 'string' } },
  { audience: { type: 'string' } },
  { subject_header: { type: 'string', default: 'x-jwt-subject' } },
];
