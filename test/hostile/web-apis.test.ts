// Hostile: the sandbox's Web APIs (sandbox-runtime/web/) under a plugin that replaces the builtins
// and globals they could depend on, and one that asks for 1 GB of random bytes. All on ONE shard,
// next to a neighbour that must keep answering.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Family, stageFamily, headers, reported } from './helpers.ts';

// 1100 MB per instance, so that a real 1 GB Uint8Array can exist in the isolate
const f = await Family.start(stageFamily('web-apis'), ['--shards', '1', '--memory-limit', '1100', '--cpu-limit', '500']);
after(() => f.stop());

const EXPECTED = {
  decode: 'hé€\ufffd',
  encode: [0x68, 0xe2, 0x82, 0xac],
  base64: ['aGVsbG8=', 'hello'],
  url: ['https://example.com/b?x=1+2&y=%C3%A9#f', 'example.com', 'https://example.com'],
  params: 'b=2&a=1+%2B',
  clone: [true, 5, 2],
  uuid: true,
  random: true,
};

test('a plugin that replaces String/Reflect/Object/TypedArray builtins and the Web API globals changes nothing for another instance on the same shard', async () => {
  const victim = await f.kong.startInstance('web-user', {});
  const tamperer = await f.kong.startInstance('web-user', {});
  const use = (id: number) => f.kong.runPhase(id, 'access', headers({ 'x-mode': 'use' }));
  // the URL's query is rewritten by searchParams.append, as in Node: check the battery against Node first
  const u = new URL('../b?x=1 2#f', 'HTTPS://Example.COM:443/a/c');
  u.searchParams.append('y', 'é');
  assert.deepEqual(EXPECTED.url, [u.href, u.host, u.origin]);
  assert.deepEqual(reported(await use(victim.Id)), EXPECTED);
  assert.deepEqual(reported(await use(tamperer.Id)), EXPECTED);
  assert.equal(reported(await f.attack(() => f.kong.runPhase(tamperer.Id, 'access', headers({ 'x-mode': 'tamper' })))), 'tampered');
  // the tamperer broke its own globals (its own requests see that: it asked for it)...
  const own = reported(await use(tamperer.Id));
  assert.notDeepEqual(own, EXPECTED);
  // ...and the victim, on the same shard, is untouched, before and after the tamperer's next request
  assert.deepEqual(reported(await use(victim.Id)), EXPECTED);
  const second = await f.kong.startInstance('web-user', {});
  assert.deepEqual(reported(await use(second.Id)), EXPECTED);
});

test('getRandomValues on a real 1 GB view is refused (QuotaExceededError) before any byte is made; a view lying about its length gets only its real bytes', async () => {
  const id = (await f.kong.startInstance('web-user', {})).Id;
  const run = await f.attack(() => f.kong.runPhase(id, 'access', headers({ 'x-mode': 'huge' })), { slackMb: 100 });
  assert.deepEqual(reported(run), { huge: 'QuotaExceededError', liar: true, over: 'QuotaExceededError' });
});
