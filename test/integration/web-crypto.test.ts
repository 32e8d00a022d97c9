// crypto.subtle in the sandbox, through the real server (shards, Unix socket, MessagePack), against
// Node's own WebCrypto: the same snippets run in an isolate (test/fixtures/web-crypto/crypto-runner)
// and in this process, and must give the same results and errors; keys and signatures made by Node
// are used in the sandbox and the other way round.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { webcrypto } from 'node:crypto';
import { ServerProcess, ROOT } from '../../kong-driver/server-process.ts';
import type { KongClient } from '../../kong-driver/kong-client.ts';

const subtle = webcrypto.subtle;
let server: ServerProcess;
let kong: KongClient;
let runner = 0;
before(async () => {
  // a table of snippets runs in one event: more CPU than one request needs
  server = await ServerProcess.start({ pluginsDir: path.join(ROOT, 'test/fixtures/web-crypto'), args: ['--cpu-limit', '5000'] });
  kong = server.client();
  runner = (await kong.startInstance('crypto-runner', {})).Id;
});
after(async () => {
  kong.close();
  await server.stop();
});

// hex in and out, so that inputs and results are JSON in both realms
const PRELUDE = `const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
const unhex = (s) => new Uint8Array(s.match(/../g)?.map((h) => parseInt(h, 16)) ?? []);
const te = (s) => new TextEncoder().encode(s);
`;

interface Case {
  src: string;
  input?: unknown;
}
type Result = { ok: unknown } | { threw: string; isDOMException: boolean };

async function inSandbox(cases: Case[]): Promise<Result[]> {
  const body = Buffer.from(JSON.stringify(cases.map((c) => ({ src: PRELUDE + c.src, input: c.input ?? null }))));
  const run = await kong.runPhase(runner, 'access', (c) => (c.Method === 'kong.request.get_raw_body' ? body : undefined));
  assert.ok(run.exited, `the runner did not answer: ${JSON.stringify(run.calls.slice(-2))}`);
  assert.equal(run.exited.Args[0], 200);
  return JSON.parse(run.exited.Args[1] as string) as Result[];
}

async function inNode(cases: Case[]): Promise<Result[]> {
  const out: Result[] = [];
  for (const c of cases) {
    try {
      out.push({ ok: await (new Function('input', `return (async () => {${PRELUDE + c.src}})()`) as (i: unknown) => Promise<unknown>)(c.input ?? null) });
    } catch (err) {
      out.push({ threw: (err as Error).name, isDOMException: err instanceof DOMException });
    }
  }
  return out;
}

/** Runs the cases in both; every result must be Node's. Resolves with the sandbox's. */
async function sameAsNode(cases: Case[]): Promise<Result[]> {
  const [ours, node] = await Promise.all([inSandbox(cases), inNode(cases)]);
  for (let i = 0; i < cases.length; i++) assert.deepEqual(ours[i], node[i], `case: ${cases[i]!.src}`);
  return ours;
}

const hex = (b: ArrayBuffer | Uint8Array) => Buffer.from(b instanceof ArrayBuffer ? new Uint8Array(b) : b).toString('hex');
const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const okOf = (r: Result | undefined): any => {
  assert.ok(r && 'ok' in r, `threw: ${JSON.stringify(r)}`);
  return r.ok;
};

test('digest: SHA-1/256/384/512 of empty, short, binary and 1 MB inputs; names are case-insensitive; bad names reject as Node', async () => {
  const cases: Case[] = [];
  for (const alg of ['SHA-1', 'sha-256', { name: 'SHA-384' }, 'SHA-512']) {
    for (const data of ['', '616263', '00ff80fe'.repeat(33)]) cases.push({ src: `return hex(await crypto.subtle.digest(input.alg, unhex(input.data)))`, input: { alg, data } });
  }
  cases.push(
    { src: `return hex(await crypto.subtle.digest('SHA-256', new Uint8Array(1 << 20).fill(7)))` },
    { src: `return hex(await crypto.subtle.digest('SHA-256', new DataView(te('xabcx').buffer, 1, 3)))` },
    { src: `return hex(await crypto.subtle.digest('SHA-256', te('abc').buffer))` },
    { src: `return await crypto.subtle.digest('MD5', te('abc'))` },
    { src: `return await crypto.subtle.digest('SHA-256', 'not bytes')` },
    { src: `return await crypto.subtle.digest('SHA-256')` },
  );
  await sameAsNode(cases);
});

test('HMAC: Node signs, the sandbox verifies; the sandbox signs, Node verifies; raw and jwk import, export and errors as Node', async () => {
  const key = await subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, true, ['sign', 'verify']);
  const raw = hex(await subtle.exportKey('raw', key));
  const jwk = await subtle.exportKey('jwk', key);
  const msg = hex(Buffer.from('the message'));
  const sig = hex(await subtle.sign('HMAC', key, unhex(msg)));
  const imp = `const k = await crypto.subtle.importKey('raw', unhex(input.raw), { name: 'HMAC', hash: 'SHA-256' }, true, ['sign', 'verify']);`;
  const results = await sameAsNode([
    { src: `${imp} return await crypto.subtle.verify('HMAC', k, unhex(input.sig), unhex(input.msg))`, input: { raw, sig, msg } },
    { src: `${imp} return await crypto.subtle.verify('HMAC', k, unhex(input.sig), te('other'))`, input: { raw, sig, msg } },
    { src: `${imp} return hex(await crypto.subtle.sign('HMAC', k, unhex(input.msg)))`, input: { raw, msg } },
    { src: `const k = await crypto.subtle.importKey('jwk', input.jwk, { name: 'HMAC', hash: 'SHA-256' }, true, ['sign']); return [hex(await crypto.subtle.sign('HMAC', k, unhex(input.msg))), await crypto.subtle.exportKey('jwk', k), k.algorithm, k.usages, k.type, k.extractable]`, input: { jwk, msg } },
    { src: `${imp} return [hex(await crypto.subtle.exportKey('raw', k)), k instanceof CryptoKey, Object.prototype.toString.call(k)]`, input: { raw } },
    { src: `const k = await crypto.subtle.importKey('raw', unhex(input.raw), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']); return await crypto.subtle.exportKey('raw', k)`, input: { raw } },
    { src: `const k = await crypto.subtle.importKey('raw', unhex(input.raw), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']); return await crypto.subtle.sign('HMAC', k, te('x'))`, input: { raw } },
    { src: `return await crypto.subtle.importKey('raw', unhex(input.raw), { name: 'HMAC', hash: 'SHA-256' }, false, ['encrypt'])`, input: { raw } },
    { src: `return await crypto.subtle.importKey('raw', new Uint8Array(0), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])` },
    { src: `return await crypto.subtle.importKey('spki', unhex(input.raw), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])`, input: { raw } },
    { src: `return await crypto.subtle.importKey('jwk', { ...input.jwk, alg: 'HS512' }, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])`, input: { jwk } },
    { src: `return await crypto.subtle.importKey('jwk', { ...input.jwk, ext: false }, { name: 'HMAC', hash: 'SHA-256' }, true, ['sign'])`, input: { jwk } },
    { src: `const k = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-512' }, true, ['sign']); return [k.algorithm, (await crypto.subtle.exportKey('raw', k)).byteLength]` },
    { src: `try { new CryptoKey(); return 'constructed' } catch (e) { return e.name }` },
  ]);
  // the sandbox's signature verifies in Node
  assert.equal(await subtle.verify('HMAC', key, unhex(okOf(results[2]) as string), unhex(msg)), true);
});

/** An asymmetric algorithm both ways: Node's keys in the sandbox, and the sandbox's signatures in Node. */
async function bothWays(gen: object, importAlg: object, signAlg: object, rawPublic: boolean): Promise<void> {
  const pair = await subtle.generateKey(gen as any, true, ['sign', 'verify']);
  const spki = hex(await subtle.exportKey('spki', pair.publicKey));
  const pkcs8 = hex(await subtle.exportKey('pkcs8', pair.privateKey));
  const jwkPub = await subtle.exportKey('jwk', pair.publicKey);
  const jwkPriv = await subtle.exportKey('jwk', pair.privateKey);
  const msg = hex(Buffer.from(`message for ${JSON.stringify(signAlg)}`));
  const sig = hex(await subtle.sign(signAlg as any, pair.privateKey, unhex(msg)));
  const input = { spki, pkcs8, jwkPub, jwkPriv, msg, sig, importAlg, signAlg, raw: rawPublic ? hex(await subtle.exportKey('raw', pair.publicKey)) : null };
  const pub = (fmt: string, data: string) => `const k = await crypto.subtle.importKey('${fmt}', ${data}, input.importAlg, true, ['verify']);`;
  const cases: Case[] = [
    { src: `${pub('spki', 'unhex(input.spki)')} return [await crypto.subtle.verify(input.signAlg, k, unhex(input.sig), unhex(input.msg)), k.type, k.algorithm.name, k.usages]`, input },
    { src: `${pub('jwk', 'input.jwkPub')} return [await crypto.subtle.verify(input.signAlg, k, unhex(input.sig), unhex(input.msg)), hex(await crypto.subtle.exportKey('spki', k))]`, input },
    { src: `${pub('spki', 'unhex(input.spki)')} return await crypto.subtle.verify(input.signAlg, k, unhex(input.sig), te('tampered'))`, input },
    { src: `${pub('spki', 'unhex(input.spki)')} const j = await crypto.subtle.exportKey('jwk', k); return [j.kty, j.crv ?? null, j.x ?? null, j.n ?? null, j.e ?? null, j.ext, j.key_ops]`, input },
    { src: `const k = await crypto.subtle.importKey('pkcs8', unhex(input.pkcs8), input.importAlg, false, ['sign']); return hex(await crypto.subtle.sign(input.signAlg, k, unhex(input.msg)))`, input },
    { src: `const k = await crypto.subtle.importKey('jwk', input.jwkPriv, input.importAlg, true, ['sign']); return [hex(await crypto.subtle.exportKey('pkcs8', k)) === input.pkcs8, k.type]`, input },
    { src: `const k = await crypto.subtle.importKey('pkcs8', unhex(input.pkcs8), input.importAlg, false, ['sign']); return await crypto.subtle.exportKey('pkcs8', k)`, input },
    { src: `return await crypto.subtle.importKey('spki', unhex(input.spki), input.importAlg, true, ['sign'])`, input },
    { src: `const k = await crypto.subtle.importKey('spki', unhex(input.spki), input.importAlg, true, ['verify']); return await crypto.subtle.exportKey('pkcs8', k)`, input },
    { src: `return await crypto.subtle.importKey('spki', unhex(input.spki).subarray(1), input.importAlg, true, ['verify'])`, input },
  ];
  if (rawPublic) cases.push({ src: `${pub('raw', 'unhex(input.raw)')} return [await crypto.subtle.verify(input.signAlg, k, unhex(input.sig), unhex(input.msg)), hex(await crypto.subtle.exportKey('raw', k)) === input.raw]`, input });
  const results = await inSandbox(cases);
  const node = await inNode(cases);
  // signatures of ECDSA and RSA-PSS are randomised: the one the sandbox made (case 4) is checked by verifying it in Node
  for (let i = 0; i < cases.length; i++) if (i !== 4) assert.deepEqual(results[i], node[i], `case ${i}: ${cases[i]!.src}`);
  assert.equal(await subtle.verify(signAlg as any, pair.publicKey, unhex(okOf(results[4]) as string), unhex(msg)), true, 'the sandbox signature does not verify in Node');
  assert.deepEqual(okOf(results[0]), [true, 'public', (importAlg as { name: string }).name, ['verify']]);
}

test('RSASSA-PKCS1-v1_5 (SHA-256) and RSA-PSS (SHA-384, salt 48): spki, pkcs8 and jwk both ways', async () => {
  const rsa = { modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) };
  await bothWays({ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', ...rsa }, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, { name: 'RSASSA-PKCS1-v1_5' }, false);
  await bothWays({ name: 'RSA-PSS', hash: 'SHA-384', ...rsa }, { name: 'RSA-PSS', hash: 'SHA-384' }, { name: 'RSA-PSS', saltLength: 48 }, false);
});

test('ECDSA P-256 / P-384 (IEEE P1363 signatures) and Ed25519: spki, pkcs8, jwk and raw both ways', async () => {
  await bothWays({ name: 'ECDSA', namedCurve: 'P-256' }, { name: 'ECDSA', namedCurve: 'P-256' }, { name: 'ECDSA', hash: 'SHA-256' }, true);
  await bothWays({ name: 'ECDSA', namedCurve: 'P-384' }, { name: 'ECDSA', namedCurve: 'P-384' }, { name: 'ECDSA', hash: 'SHA-384' }, true);
  await bothWays({ name: 'Ed25519' }, { name: 'Ed25519' }, { name: 'Ed25519' }, true);
});

test('AES-GCM: the same key, iv and data give Node\'s ciphertext; Node decrypts the sandbox\'s and the other way round; a bad tag is an OperationError', async () => {
  const key = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
  const raw = hex(await subtle.exportKey('raw', key));
  const iv = hex(webcrypto.getRandomValues(new Uint8Array(12)));
  const aad = hex(Buffer.from('header'));
  const plain = hex(Buffer.from('attack at dawn, binary \u0000\u00ff'));
  const fromNode = hex(await subtle.encrypt({ name: 'AES-GCM', iv: unhex(iv), additionalData: unhex(aad), tagLength: 96 }, key, unhex(plain)));
  const imp = `const k = await crypto.subtle.importKey('raw', unhex(input.raw), 'AES-GCM', true, ['encrypt', 'decrypt']);`;
  const input = { raw, iv, aad, plain, fromNode };
  const results = await sameAsNode([
    { src: `${imp} return hex(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: unhex(input.iv), additionalData: unhex(input.aad), tagLength: 96 }, k, unhex(input.plain)))`, input },
    { src: `${imp} return hex(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: unhex(input.iv), additionalData: unhex(input.aad), tagLength: 96 }, k, unhex(input.fromNode)))`, input },
    { src: `${imp} return hex(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: unhex(input.iv) }, k, unhex(input.plain)))`, input },
    { src: `${imp} const c = unhex(input.fromNode); c[0] ^= 1; return await crypto.subtle.decrypt({ name: 'AES-GCM', iv: unhex(input.iv), additionalData: unhex(input.aad), tagLength: 96 }, k, c)`, input },
    { src: `${imp} return await crypto.subtle.decrypt({ name: 'AES-GCM', iv: unhex(input.iv) }, k, new Uint8Array(4))`, input },
    { src: `${imp} return await crypto.subtle.encrypt({ name: 'AES-GCM', iv: unhex(input.iv), tagLength: 100 }, k, te('x'))`, input },
    { src: `${imp} return await crypto.subtle.encrypt({ name: 'AES-GCM' }, k, te('x'))`, input },
    { src: `${imp} return [await crypto.subtle.exportKey('jwk', k), k.algorithm]`, input },
    { src: `return await crypto.subtle.importKey('raw', new Uint8Array(20), 'AES-GCM', true, ['encrypt'])` },
    { src: `const k = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 128 }, false, ['encrypt', 'decrypt']); const iv = new Uint8Array(12); const c = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, k, te('round trip')); return [new TextDecoder().decode(await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, k, c)), k.extractable, k.usages]` },
    { src: `const k = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 128 }, false, ['encrypt']); return await crypto.subtle.decrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, k, new Uint8Array(32))` },
  ]);
  assert.equal(okOf(results[0]), fromNode);
  assert.equal(hex(await subtle.decrypt({ name: 'AES-GCM', iv: unhex(iv) }, key, unhex(okOf(results[2]) as string))), plain);
});

test('generateKey for ECDSA and Ed25519 makes pairs Node can use; RSA key generation is refused (NotSupportedError)', async () => {
  const [ec, rsa] = await inSandbox([
    { src: `const p = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']); const m = te('m'); const s = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, p.privateKey, m); return [hex(await crypto.subtle.exportKey('spki', p.publicKey)), hex(s), p.privateKey.extractable, p.publicKey.extractable]` },
    { src: `return await crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign'])` },
  ]);
  const [spki, sig, privExt, pubExt] = okOf(ec) as [string, string, boolean, boolean];
  const pub = await subtle.importKey('spki', unhex(spki), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
  assert.equal(await subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, pub, unhex(sig), Buffer.from('m')), true);
  assert.deepEqual([privExt, pubExt], [false, true]);
  assert.deepEqual(rsa, { threw: 'NotSupportedError', isDOMException: true });
});
