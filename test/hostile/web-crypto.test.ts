// Hostile: crypto.subtle asked for work that would keep the host busy without bound (huge data, a
// huge RSA modulus, huge key material, a loop of operations), on ONE shard next to a neighbour that
// must keep answering. The isolate refuses sizes before copying; the host refuses them again
// (test/unit/host-crypto.test.ts); host CPU spent on crypto counts against the event's budget.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Family, stageFamily, headers, reported } from './helpers.ts';

const CPU_LIMIT_MS = 300;
// 200 MB per instance, so that a real 64 MB Uint8Array exists in the isolate
const f = await Family.start(stageFamily('web-crypto'), ['--shards', '1', '--memory-limit', '200', '--cpu-limit', String(CPU_LIMIT_MS)]);
after(() => f.stop());

/** An RSA public key (SPKI, hex) with a 16384-bit modulus: twice --max-rsa-bits' default. No primes needed to parse one. */
function bigRsaSpki(): string {
  const n = crypto.randomBytes(2048);
  n[0]! |= 0x80;
  n[n.length - 1]! |= 1;
  const key = crypto.createPublicKey({ key: { kty: 'RSA', n: n.toString('base64url'), e: 'AQAB' }, format: 'jwk' });
  return key.export({ format: 'der', type: 'spki' }).toString('hex');
}

test('64 MB of data, a 16384-bit RSA key, 1 MB of HMAC key and a 1 MB JWK are each refused; a normal digest still works; the instance lives', async () => {
  const inst = await f.kong.startInstance('crypto-abuser', { bigRsa: bigRsaSpki() });
  const run = await f.attack(() => f.kong.runPhase(inst.Id, 'access', headers({ 'x-mode': 'sizes' })), { slackMb: 200 });
  assert.deepEqual(reported(run), { hugeData: 'QuotaExceededError', bigRsa: 'NotSupportedError', hugeKey: 'QuotaExceededError', hugeJwk: 'QuotaExceededError', fine: 'accepted' });
  assert.equal((await f.kong.call('plugin.InstanceStatus', inst.Id)).Id, inst.Id);
});

test('digests in a loop: the host CPU they take is charged to the event; past --cpu-limit the next one is refused and the instance is stopped for CPU', async () => {
  const inst = await f.kong.startInstance('crypto-abuser', { bigRsa: '00' });
  const run = await f.attack(() => f.kong.runPhase(inst.Id, 'access', headers({ 'x-mode': 'loop' })));
  // The plugin's own JavaScript here is a few dozen loop turns, well under a millisecond of isolate
  // CPU: only host time counted into the budget refuses the next digest (QuotaExceededError).
  assert.ok(run.exited, 'the plugin did not end the request');
  const got = JSON.parse(run.exited.Args[1] as string) as { refused: string; ops: number };
  assert.equal(got.refused, 'QuotaExceededError');
  // SHA-512 of 1 MB is ~2-3 ms of CPU: the budget allows about a hundred, never an unbounded number
  assert.ok(got.ops > 5 && got.ops < 2000, `${got.ops} digests ran`);
  const killed = await f.server.waitForLog('instance.killed', (l) => l.instance === inst.Id);
  assert.equal(killed.kind, 'cpu', String(killed.msg));
  await f.assertGone(inst.Id);
});
