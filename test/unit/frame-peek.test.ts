// The frame router's peek: the routing fields of a HandleEvent or Step frame, read from its bytes.
// It may decline any frame (the decoding path then serves it), but it must never route a frame to
// another instance or event than the full decoder reads, nor under another msgid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { peekEventFrame, EVENT_METHODS } from '../../src/rpc/frame-peek.ts';
import { FrameReader, decodeRequest } from '../../src/rpc/framing.ts';
import { readEventCall } from '../../src/rpc/event-calls.ts';
import { encode } from '../../src/rpc/codec.ts';
import { luaPack, luaValueArbitrary, hex, type LuaValue } from './lua-msgpack.ts';

const METHODS = [...EVENT_METHODS.keys()];

/** What the decoding path reads from the frame: the msgid and the routing fields, or null if it refuses them. */
function decoded(bytes: Buffer): { msgid: number; id: number; phase?: string } | null {
  let req;
  try {
    req = decodeRequest(bytes);
  } catch {
    return null;
  }
  try {
    const call = readEventCall(req.method, req.params);
    return call.kind === 'handle' ? { msgid: req.msgid, id: call.instanceId, phase: call.phase } : { msgid: req.msgid, id: call.eventId };
  } catch {
    return null;
  }
}

test('a routed frame names what the decoder reads; any frame the decoder refuses is never routed', () => {
  const keys = ['InstanceId', 'EventId', 'EventName', 'Data'];
  const value = luaValueArbitrary({ maxString: 12, maxItems: 4, keys });
  const idish = fc.oneof(fc.integer({ min: 0, max: 2 ** 32 }), fc.integer({ min: -5, max: 5 }), fc.double(), fc.constantFrom('access', 'log', 'nope'));
  const fields = fc.array(fc.tuple(fc.constantFrom(...keys), fc.oneof(idish, value)), { maxLength: 5 });
  let routed = 0;
  fc.assert(
    fc.property(fc.constantFrom(...METHODS, 'plugin.GetStatus'), fc.integer({ min: 0, max: 2 ** 32 - 1 }), fields, (method, msgid, entries) => {
      const map: Record<string, LuaValue> = Object.create(null);
      for (const [k, v] of entries) map[k] = v;
      const bytes = luaPack([0, msgid, method, [map]]);
      const peek = peekEventFrame(bytes);
      if (peek === null) return;
      routed++;
      const want = decoded(bytes);
      assert.notEqual(want, null, 'the peek routed a frame the decoding path refuses');
      assert.equal(peek.msgid, want!.msgid);
      assert.equal(peek.kind === 'handle' ? peek.instanceId : peek.eventId, want!.id);
      if (peek.kind === 'handle') assert.equal(peek.phase, want!.phase);
    }),
    { numRuns: 3000 },
  );
  assert.ok(routed > 100, `only ${routed} frames were routed: the property tested nothing`);
});

test('Kong\'s own frames are routed: map16, str8 keys, uint32 ids, StepError and the Step variants', () => {
  const step = peekEventFrame(encode([0, 70000, 'plugin.StepMultiMap', [{ EventId: 2 ** 31 - 1, Data: { a: ['b'] } }]]));
  assert.deepEqual(step, { kind: 'step', msgid: 70000, method: 'plugin.StepMultiMap', eventId: 2 ** 31 - 1 });
  const handle = peekEventFrame(encode([0, 3, 'plugin.HandleEvent', [{ InstanceId: 9, EventName: 'access' }]]));
  assert.deepEqual(handle, { kind: 'handle', msgid: 3, method: 'plugin.HandleEvent', instanceId: 9, phase: 'access' });
  // a map16 of 16 entries, keys in str8 (lua-MessagePack writes what it likes)
  const many: Record<string, number> = { EventId: 5 };
  for (let i = 0; i < 15; i++) many[`k${i}`] = i;
  assert.equal(peekEventFrame(luaPack([0, 1, 'plugin.StepError', [many]]))?.kind, 'step');
});

test('odd shapes are declined, for the decoding path to answer as it always did', () => {
  const cases: Array<[string, Buffer]> = [
    ['a repeated EventId', hex('94 00 01 ab 706c7567696e2e53746570 91 82 a7 4576656e744964 05 a7 4576656e744964 06')],
    ['an ext value in Data', encode([0, 1, 'plugin.Step', [{ EventId: 1, Data: new Date(0) }]])],
    ['a negative EventId', encode([0, 1, 'plugin.Step', [{ EventId: -1 }]])],
    ['an EventId of 2^31', encode([0, 1, 'plugin.Step', [{ EventId: 2 ** 31 }]])],
    ['a float EventId', encode([0, 1, 'plugin.Step', [{ EventId: 1.5 }]])],
    ['no EventId', encode([0, 1, 'plugin.Step', [{ Data: 1 }]])],
    ['two params', encode([0, 1, 'plugin.Step', [{ EventId: 1 }, 2]])],
    ['params not an array', encode([0, 1, 'plugin.Step', { EventId: 1 }])],
    ['an unknown phase', encode([0, 1, 'plugin.HandleEvent', [{ InstanceId: 1, EventName: 'body_filter' }]])],
    ['a response, not a request', encode([1, 1, 'plugin.Step', [{ EventId: 1 }]])],
    ['a method Kong never routes', encode([0, 1, 'plugin.GetStatus', [{ EventId: 1 }]])],
    ['nesting past 64 levels in Data', encode([0, 1, 'plugin.Step', [{ EventId: 1, Data: JSON.parse('['.repeat(80) + ']'.repeat(80)) }]])],
  ];
  for (const [what, bytes] of cases) assert.equal(peekEventFrame(bytes), null, what);
  const whole = encode([0, 1, 'plugin.Step', [{ EventId: 1, Data: 'abc' }]]);
  for (let cut = 0; cut < whole.length; cut++) assert.equal(peekEventFrame(whole.subarray(0, cut)), null, `cut at ${cut}`);
  assert.equal(peekEventFrame(Buffer.concat([whole, Buffer.from([0xc0])])), null, 'trailing bytes');
});

test('the routing reader hands out event frames undecoded, and decodes everything else, in order', () => {
  const reader = new FrameReader(1 << 20);
  const notUtf8 = encode([0, 3, 'plugin.Step', [{ EventId: 4, Data: 'Z../' }]]);
  notUtf8[notUtf8.indexOf('Z')] = 0xc3;
  const frames = [
    encode([0, 1, 'plugin.Step', [{ EventId: 4, Data: 'x' }]]),
    encode([0, 2, 'plugin.GetStatus', []]),
    // a string that is not UTF-8 in Data: the decoding path repairs it, so it is not routed
    notUtf8,
  ];
  const out = reader.pushRoutable(Buffer.concat(frames));
  assert.equal(out.length, 3);
  const [first, second, third] = out;
  assert.ok(first && 'peek' in first && first.peek.msgid === 1);
  assert.ok(second && !('peek' in second) && second.method === 'plugin.GetStatus');
  assert.ok(third && !('peek' in third) && third.msgid === 3);
});
