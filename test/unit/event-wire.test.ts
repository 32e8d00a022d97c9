// The channel messages that carry Kong's event frames are written and read by hand: they must be the
// MessagePack the codec writes and reads, and anything else must be left to the codec.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeEventAnswer, encodeEventFrame, readEventMessage, EVENT_ANSWER, EVENT_FRAME } from '../../src/shards/event-wire.ts';
import { decodeOne, encode } from '../../src/rpc/codec.ts';

const int = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.maxSafeInteger().filter((n) => n >= 0));
const bytes = fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 70_000 }).map((n) => new Uint8Array(n).fill(7)));

test('an event frame and an answer are what the codec reads, and read back exactly', () => {
  fc.assert(
    fc.property(int, int, fc.oneof(fc.constant(-1), int), bytes, (id, msgid, eventId, frame) => {
      const wire = encodeEventFrame(id, msgid, eventId, frame);
      const decoded = decodeOne(wire) as unknown[];
      assert.deepEqual(decoded.slice(0, 4), [EVENT_FRAME, id, msgid, eventId]);
      assert.ok(Buffer.from(decoded[4] as Uint8Array).equals(Buffer.from(frame)));
      const read = readEventMessage(wire)!;
      assert.deepEqual([read.type, read.id, read.a, read.b], [EVENT_FRAME, id, msgid, eventId]);
      assert.ok(read.bytes.equals(Buffer.from(frame)));
    }),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(int, fc.integer({ min: -1, max: 5 }), bytes, (id, status, answer) => {
      const wire = encodeEventAnswer(id, status, answer);
      const decoded = decodeOne(wire) as unknown[];
      assert.deepEqual(decoded.slice(0, 3), [EVENT_ANSWER, id, status]);
      assert.ok(Buffer.from(decoded[3] as Uint8Array).equals(Buffer.from(answer)));
      const read = readEventMessage(wire)!;
      assert.deepEqual([read.type, read.id, read.a], [EVENT_ANSWER, id, status]);
      assert.ok(read.bytes.equals(Buffer.from(answer)));
    }),
    { numRuns: 300 },
  );
});

test('other channel messages, and event messages the codec wrote in other widths, are left to the codec', () => {
  const others = [
    encode([0, 1, 'ping', null]),
    encode([1, 1, null, 'x']),
    encode([2, 'running', 'p']),
    encode([4, 1, 0, 'not bin']),
    encode([3, 1, 2, 3]),
    encode([4, 1.5, 0, Buffer.from('x')]),
  ];
  for (const m of others) assert.equal(readEventMessage(m), null, m.toString('hex'));
  const whole = encodeEventAnswer(5, 0, Buffer.from('hello'));
  for (let cut = 0; cut < whole.length; cut++) assert.equal(readEventMessage(whole.subarray(0, cut)), null, `cut at ${cut}`);
  assert.equal(readEventMessage(Buffer.concat([whole, Buffer.from([0xc0])])), null, 'trailing bytes');
});
