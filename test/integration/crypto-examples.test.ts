// The crypto example plugins under PluginTest, in the real sandbox: plugins/jwt-auth (the npm `jose`
// library, bundled unchanged from its own node_modules, on the sandbox's crypto.subtle) and
// plugins/hmac-sign (crypto.subtle HMAC over the raw body). Tokens and signatures are made here with
// node:crypto, independently of both: what the sandbox accepts is what the host's crypto made.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { PluginTest, Request } from '../../src/testing/index.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const JWT_AUTH = path.join(ROOT, 'plugins/jwt-auth');
const HMAC_SIGN = path.join(ROOT, 'plugins/hmac-sign');

const b64u = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** A compact JWS: HS256 with a secret, RS256 / ES256 with a private KeyObject. */
function jwt(alg: 'HS256' | 'RS256' | 'ES256', key: string | crypto.KeyObject, claims: Record<string, unknown>, kid?: string): string {
  const input = `${b64u(JSON.stringify({ alg, typ: 'JWT', ...(kid ? { kid } : {}) }))}.${b64u(JSON.stringify(claims))}`;
  const sig =
    alg === 'HS256'
      ? crypto.createHmac('sha256', key).update(input).digest()
      : crypto.sign('sha256', Buffer.from(input), alg === 'ES256' ? { key: key as crypto.KeyObject, dsaEncoding: 'ieee-p1363' } : key);
  return `${input}.${b64u(sig)}`;
}

/** The same token with one character of its payload changed (still valid base64url). */
function tampered(token: string): string {
  const [h, p, s] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
  return `${h}.${b64u(JSON.stringify({ ...claims, sub: 'mallory' }))}.${s}`;
}

async function run(plugin: string, config: Record<string, unknown>, request: Request): Promise<PluginTest> {
  const t = new PluginTest(request);
  await t.Run(plugin, config);
  return t;
}

const bearer = (token: string) => new Request().useHeaders({ authorization: `Bearer ${token}` });
const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const exp = () => Math.floor(Date.now() / 1000) + 600;

describe('plugins/jwt-auth (jose, bundled unchanged)', () => {
  test('HS256 with a secret: a good token passes with its subject, a tampered one is a 401', async () => {
    const secret = 'a-secret-of-at-least-32-bytes-for-hs256!';
    const token = jwt('HS256', secret, { sub: 'ada', exp: exp() });
    const ok = await run(JWT_AUTH, { secret }, bearer(token));
    assert.deepEqual(ok.errors, []);
    assert.equal(ok.response.status, 200, ok.response.text);
    assert.equal(ok.serviceRequest.headers.get('x-jwt-subject'), 'ada');
    const bad = await run(JWT_AUTH, { secret }, bearer(tampered(token)));
    assert.equal(bad.response.status, 401);
    assert.deepEqual(bad.response.json(), { message: 'invalid token' });
    assert.equal(bad.serviceRequest.headers.get('x-jwt-subject'), null);
  });

  test('RS256 with a public JWK: verifies, and refuses a tampered token and a token from another issuer', async () => {
    const jwk = JSON.stringify({ ...rsa.publicKey.export({ format: 'jwk' }), alg: 'RS256' });
    const token = jwt('RS256', rsa.privateKey, { sub: 'grace', exp: exp(), iss: 'https://issuer.test' });
    const ok = await run(JWT_AUTH, { jwk, issuer: 'https://issuer.test', subject_header: 'x-user' }, bearer(token));
    assert.deepEqual(ok.errors, []);
    assert.equal(ok.response.status, 200, ok.response.text);
    assert.equal(ok.serviceRequest.headers.get('x-user'), 'grace');
    assert.equal((await run(JWT_AUTH, { jwk }, bearer(tampered(token)))).response.status, 401);
    const otherIssuer = await run(JWT_AUTH, { jwk, issuer: 'https://elsewhere.test' }, bearer(token));
    assert.equal(otherIssuer.response.status, 401);
  });

  test('ES256 through a local JWK Set: the kid picks the key; a token signed by another key is a 401', async () => {
    const jwks = JSON.stringify({
      keys: [
        { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
        { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1', alg: 'ES256', use: 'sig' },
      ],
    });
    const token = jwt('ES256', ec.privateKey, { sub: 'linus', exp: exp() }, 'ec-1');
    const ok = await run(JWT_AUTH, { jwks }, bearer(token));
    assert.deepEqual(ok.errors, []);
    assert.equal(ok.response.status, 200, ok.response.text);
    assert.equal(ok.serviceRequest.headers.get('x-jwt-subject'), 'linus');
    const rs = await run(JWT_AUTH, { jwks }, bearer(jwt('RS256', rsa.privateKey, { sub: 'ken', exp: exp() }, 'rsa-1')));
    assert.equal(rs.serviceRequest.headers.get('x-jwt-subject'), 'ken');
    const stranger = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const forged = await run(JWT_AUTH, { jwks }, bearer(jwt('ES256', stranger.privateKey, { sub: 'linus', exp: exp() }, 'ec-1')));
    assert.equal(forged.response.status, 401);
  });

  test('no bearer token: 401 with WWW-Authenticate, nothing reaches the service', async () => {
    const t = await run(JWT_AUTH, { secret: 'x'.repeat(32) }, new Request());
    assert.equal(t.response.status, 401);
    assert.equal(t.response.headers.get('www-authenticate'), 'Bearer');
    assert.deepEqual(t.response.json(), { message: 'missing bearer token' });
  });
});

describe('plugins/hmac-sign (crypto.subtle HMAC over the raw body)', () => {
  test('the header carries HMAC-SHA256 of the exact body bytes, as node:crypto computes it', async () => {
    const body = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x31, 0x7d, 0x00, 0xff, 0xfe]); // binary after the JSON
    const t = await run(HMAC_SIGN, { secret: 's3cret' }, new Request().useMethod('POST').useBody(body));
    assert.deepEqual(t.errors, []);
    const want = crypto.createHmac('sha256', 's3cret').update(body).digest('hex');
    assert.equal(t.serviceRequest.headers.get('x-body-signature'), `sha256=${want}`);
    const other = await run(HMAC_SIGN, { secret: 'other', header: 'x-sig' }, new Request().useMethod('POST').useBody(body));
    assert.equal(other.serviceRequest.headers.get('x-sig'), `sha256=${crypto.createHmac('sha256', 'other').update(body).digest('hex')}`);
  });

  test('an empty body is signed too', async () => {
    const t = await run(HMAC_SIGN, { secret: 'k' }, new Request());
    assert.equal(t.serviceRequest.headers.get('x-body-signature'), `sha256=${crypto.createHmac('sha256', 'k').update('').digest('hex')}`);
  });
});
