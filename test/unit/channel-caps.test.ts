// The shard channel's frame caps, on a real socket pair: an answer over the shard's outgoing cap
// fails that request only; a frame over the supervisor's incoming cap closes the channel while it
// is still arriving, before it is complete or decoded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Channel, shardFrameCap } from '../../src/shards/channel.ts';
import { encode } from '../../src/rpc/codec.ts';
import { socketPair } from '../helpers/socket-pair.ts';

test('the cap follows the payload and metadata limits and is never under 64 MiB', () => {
  assert.equal(shardFrameCap({ maxPayloadBytes: 1024, maxMetadataBytes: 1024 }), 64 * 1024 * 1024);
  assert.equal(shardFrameCap({ maxPayloadBytes: 64 << 20, maxMetadataBytes: 1 << 20 }), 2 * (64 << 20) + (1 << 20) + (1 << 20));
});

test('an answer over the outgoing cap fails that request only; the channel keeps serving', async () => {
  const [a, b, close] = await socketPair();
  try {
    const supervisor = new Channel(a);
    const shard = new Channel(b, { outgoing: 10_000 });
    shard.handleRequests(async (method, params) => (method === 'big' ? 'x'.repeat(Number(params)) : 'small'));
    await assert.rejects(supervisor.request('big', 50_000), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'KPS_ERR_ENCODE');
      assert.match(err.message, /over the channel's cap of 10000/);
      return true;
    });
    assert.equal(await supervisor.request('big', 100), 'x'.repeat(100));
    assert.equal(await supervisor.request('other', null), 'small');
    assert.equal(supervisor.closed, false);
  } finally {
    close();
  }
});

test('a frame over the incoming cap closes the channel before it has all arrived, and fails what was pending', async () => {
  const [a, b, close] = await socketPair();
  try {
    const cap = 100_000;
    const supervisor = new Channel(a, { incoming: cap });
    const closed = new Promise<string>((r) => supervisor.onClose(r));
    const pending = supervisor.request('anything', null);
    // a response frame of ~1 MB: its first 200 KB alone pass the cap; the rest is never sent
    const frame = encode([1, 1, null, 'y'.repeat(1_000_000)]);
    b.write(frame.subarray(0, 200_000));
    assert.match(await closed, /over the channel's cap/);
    await assert.rejects(pending, { code: 'KPS_ERR_CHANNEL' });
    assert.equal(supervisor.closed, true);
  } finally {
    close();
  }
});
