// FrameReader: bytes of one Kong connection → MessagePack-RPC requests. Kong sends no length
// prefix, and a request may be split at any byte or share a chunk with the next (docs/protocol.md, "Framing").
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encode as refEncode } from '@msgpack/msgpack';
import { FrameReader, type RpcRequest } from '../../src/rpc/framing.ts';
import { FrameTooLargeError, KpsError, MalformedFrameError } from '../../src/errors.ts';
import { Bin, ascii, hex, luaPack, luaValueArbitrary, normalise, objectFrom, type LuaValue } from './lua-msgpack.ts';

const BIG = 1 << 20;

/** Feeds `chunks` to a fresh reader and returns every request, normalised for comparison. */
function readAll(chunks: Buffer[], max = BIG): unknown[] {
  const reader = new FrameReader(max);
  const out: RpcRequest[] = [];
  for (const c of chunks) out.push(...reader.push(c));
  assert.equal(reader.bufferedBytes, 0, 'nothing left over');
  return out.map((r) => normalise(r));
}

function req(msgid: number, method: string, params: LuaValue[]): { bytes: Buffer; expected: unknown } {
  return {
    bytes: luaPack([0, msgid, method, params]),
    expected: normalise({ msgid, method, params }),
  };
}

function splitAt(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out;
}

// One request touching every wire type Kong uses, so every kind of truncation is exercised.
const everyType = req(0xfffe, 'plugin.StepMultiMap', [
  {
    EventId: 2 ** 31 - 1,
    Data: objectFrom([
      ...Array.from({ length: 17 }, (_, i) => [`x-header-${i}`, [`value ${i}`]] as const), // map16
      ['x-long', ['v'.repeat(40)]], // str16 (lua-MessagePack never uses str8)
      ['x-longer', ['w'.repeat(300)]],
      ['unicode', 'naïve 日本 🎉'],
      ['numbers', [0, 127, 128, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 40, -1, -32, -33, -128, -129, -32_768, -32_769, -(2 ** 31), -(2 ** 40)]], // array16
      ['floats', [1712345678.123, 1.1, -0.5]],
      ['flags', [true, false, null]],
      ['body', new Bin(new Uint8Array(260).map((_, i) => i & 0xff))], // bin16
      ['small-body', new Bin(new Uint8Array([0, 255]))], // bin8
      ['__proto__', { polluted: true }],
      ['empty', []],
      ['nested', { a: { b: { c: [{}] } } }],
    ]) as LuaValue,
  },
]);

const handleEvent = req(2, 'plugin.HandleEvent', [{ InstanceId: 3, EventName: 'access' }]);

describe('FrameReader: splitting and joining', () => {
  test('a request split at every byte offset is read exactly once', () => {
    for (const { bytes, expected } of [handleEvent, everyType]) {
      for (let i = 0; i <= bytes.length; i++) {
        const reader = new FrameReader(BIG);
        const first = reader.push(bytes.subarray(0, i));
        const second = reader.push(bytes.subarray(i));
        if (i < bytes.length) assert.equal(first.length, 0, `nothing before the last byte (cut at ${i})`);
        assert.deepEqual([...first, ...second].map(normalise), [expected], `cut at ${i}`);
        assert.equal(reader.bufferedBytes, 0);
      }
    }
  });

  test('Kong bytes with str16 for short strings, split at every offset', () => {
    const bytes = luaPack([0, 7, 'plugin.Step', [{ EventId: 4, Data: 'ok' }]], { str16Always: true });
    for (let i = 0; i <= bytes.length; i++) {
      assert.deepEqual(readAll([bytes.subarray(0, i), bytes.subarray(i)]), [normalise({ msgid: 7, method: 'plugin.Step', params: [{ EventId: 4, Data: 'ok' }] })]);
    }
  });

  test('one byte per push works', () => {
    const chunks = [...everyType.bytes].map((b) => Buffer.from([b]));
    assert.deepEqual(readAll(chunks), [everyType.expected]);
  });

  test('two and three frames in one chunk are all returned, in order', () => {
    const a = req(1, 'plugin.StartInstance', [{ Name: 'p', Config: '{"x":1}' }]);
    const b = req(2, 'plugin.CloseInstance', [5]);
    const c = req(3, 'plugin.GetStatus', []);
    assert.deepEqual(readAll([Buffer.concat([a.bytes, b.bytes])]), [a.expected, b.expected]);
    assert.deepEqual(readAll([Buffer.concat([a.bytes, b.bytes, c.bytes])]), [a.expected, b.expected, c.expected]);
  });

  test('a frame plus the head of the next returns the first and keeps the head', () => {
    const a = everyType;
    const b = handleEvent;
    const reader = new FrameReader(BIG);
    // 94 00 02: the next frame is cut between values
    assert.deepEqual(reader.push(Buffer.concat([a.bytes, b.bytes.subarray(0, 3)])).map(normalise), [a.expected]);
    assert.equal(reader.bufferedBytes, 3);
    assert.deepEqual(reader.push(b.bytes.subarray(3)).map(normalise), [b.expected]);
    assert.equal(reader.bufferedBytes, 0);
  });

  test('a frame plus half of the next keeps the half and completes it later', () => {
    const a = handleEvent;
    const b = everyType;
    const half = Math.floor(b.bytes.length / 2);
    const reader = new FrameReader(BIG);
    const first = reader.push(Buffer.concat([a.bytes, b.bytes.subarray(0, half)]));
    const second = reader.push(b.bytes.subarray(half));
    assert.deepEqual([...first, ...second].map(normalise), [a.expected, b.expected]);
    assert.equal(reader.bufferedBytes, 0);
  });

  // msgpackr's native string extractor (msgpackr-extract, used for buffers of 140 bytes and more)
  // fails a whole buffer when a later frame is cut inside a string; the codec avoids it, so a
  // complete frame never waits for the next one, and frames count against the cap one by one.
  test(
    'a frame plus half of the next (cut inside a string) returns the first at once',

    () => {
      const a = handleEvent;
      const b = everyType;
      const half = Math.floor(b.bytes.length / 2);
      const reader = new FrameReader(BIG);
      assert.deepEqual(reader.push(Buffer.concat([a.bytes, b.bytes.subarray(0, half)])).map(normalise), [a.expected]);
      assert.equal(reader.bufferedBytes, half);
    },
  );

  test(
    'two frames that each fit maxFrameSize, the second still arriving, are not refused together',

    () => {
      const a = luaPack([0, 2, 'plugin.Step', [{ EventId: 3, Data: 'a'.repeat(680) }]]);
      const b = luaPack([0, 3, 'plugin.Step', [{ EventId: 3, Data: 'b'.repeat(680) }]]);
      const reader = new FrameReader(1024);
      assert.equal(reader.push(Buffer.concat([a, b.subarray(0, 400)])).length, 1);
      assert.equal(reader.push(b.subarray(400)).length, 1);
    },
  );

  test('a frame whose bytes come from an independent encoder (@msgpack/msgpack)', () => {
    const bytes = Buffer.from(refEncode([0, 42, 'plugin.Step', [{ EventId: 1, Data: { a: [1.5, 'x', null] } }]]));
    assert.deepEqual(readAll(splitAt(bytes, [3, 9])), [normalise({ msgid: 42, method: 'plugin.Step', params: [{ EventId: 1, Data: { a: [1.5, 'x', null] } }] })]);
  });

  test('a request larger than 64 KiB (str32) split at many places', () => {
    const big = req(9, 'plugin.Step', [{ EventId: 1, Data: 'b'.repeat(70_000) }]);
    assert.equal(big.bytes.includes(0xdb), true, 'really a str32');
    for (let i = 0; i <= big.bytes.length; i += 997) {
      assert.deepEqual(readAll([big.bytes.subarray(0, i), big.bytes.subarray(i)]), [big.expected]);
    }
    // and near every header byte
    for (let i = 0; i < 60; i++) {
      assert.deepEqual(readAll([big.bytes.subarray(0, i), big.bytes.subarray(i)]), [big.expected]);
    }
  });

  test('a request keeps a "__proto__" key as data and pollutes nothing', () => {
    const [r] = readAll([everyType.bytes]) as Array<{ params: Array<{ Data: Record<string, unknown> }> }>;
    const data = r!.params[0]!.Data;
    assert.equal(Object.keys(data).includes('__proto__'), true);
    assert.equal(data['polluted'], undefined);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  test('a non-string method becomes a marker no method has, and non-array params are wrapped, so the msgid can still be answered', () => {
    assert.deepEqual(readAll([luaPack([0, 5, 12, [1]])]), [normalise({ msgid: 5, method: '<number>', params: [1] })]);
    assert.deepEqual(readAll([luaPack([0, 6, 'plugin.CloseInstance', 3])]), [normalise({ msgid: 6, method: 'plugin.CloseInstance', params: [3] })]);
  });

  // String() of a decoded null-prototype map throws; the reader must not let that escape.
  test('a map in the method slot does not escape as a TypeError', () => {
    const reader = new FrameReader(BIG);
    try {
      const out = reader.push(hex('94 00 01 80 90'));
      assert.equal(typeof out[0]!.method, 'string');
    } catch (err) {
      assert.ok(err instanceof MalformedFrameError, `threw ${String(err)}`);
    }
  });
});

// ---------------------------------------------------------------------------------------------

const jsonish = luaValueArbitrary({ maxString: 80, maxItems: 18, keys: ['__proto__', 'constructor', 'EventId', 'Data'] });

/** Bin → Uint8Array (which @msgpack/msgpack writes as bin), keeping "__proto__" keys as data. */
function forReference(v: LuaValue): unknown {
  if (v instanceof Bin) return v.bytes;
  if (Array.isArray(v)) return v.map(forReference);
  if (v !== null && typeof v === 'object') {
    return objectFrom(Object.keys(v).map((k) => [k, forReference(Object.getOwnPropertyDescriptor(v, k)!.value as LuaValue)] as const));
  }
  return v;
}

const requestArb = fc.record({
  msgid: fc.oneof(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 0xffffffff })),
  method: fc.oneof(
    fc.constantFrom('plugin.HandleEvent', 'plugin.Step', 'plugin.StepMultiMap', 'plugin.StartInstance', 'plugin.GetStatus'),
    fc.string({ unit: 'binary', maxLength: 40 }),
  ),
  params: fc.array(jsonish, { maxLength: 3 }),
  kongStyle: fc.boolean(),
});

describe('FrameReader: property', () => {
  test('any list of requests, concatenated and cut anywhere, decodes to the same list', () => {
    fc.assert(
      fc.property(fc.array(requestArb, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 12 }), (reqs, cuts) => {
        const wire = Buffer.concat(
          reqs.map((r) => {
            const frame: LuaValue = [0, r.msgid, r.method, r.params];
            // @msgpack/msgpack writes str8 where Kong writes str16: both must be read
            return r.kongStyle ? luaPack(frame, { str16Always: true }) : Buffer.from(refEncode(forReference(frame)));
          }),
        );
        const expected = reqs.map((r) => normalise({ msgid: r.msgid, method: r.method, params: r.params }));
        assert.deepEqual(readAll(splitAt(wire, cuts)), expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('FrameReader: frames it refuses', () => {
  const malformed: Array<[string, Buffer]> = [
    ['the never-used byte 0xc1', hex('c1')],
    ['a response [1, 2, nil, nil]', luaPack([1, 2, null, null])],
    ['a notification [2, "serverPid", 1]', luaPack([2, 'serverPid', 1])],
    ['a bare number', hex('05')],
    ['a bare string', luaPack('plugin.GetStatus')],
    ['an array of 3', luaPack([0, 1, 'plugin.GetStatus'])],
    ['an array of 5', luaPack([0, 1, 'plugin.GetStatus', [], null])],
    ['a map', luaPack({ type: 0, msgid: 1 })],
    ['a negative msgid', luaPack([0, -1, 'plugin.GetStatus', []])],
    ['a fractional msgid', luaPack([0, 1.5, 'plugin.GetStatus', []])],
    ['a string msgid', luaPack([0, '1', 'plugin.GetStatus', []])],
    ['an unknown extension type', hex(`94 00 01 a3 ${ascii('foo')} 91 c7 01 05 00`)],
  ];
  for (const [name, bytes] of malformed) {
    test(`${name} → MalformedFrameError`, () => {
      const reader = new FrameReader(BIG);
      assert.throws(() => reader.push(bytes), (err: unknown) => err instanceof MalformedFrameError && err instanceof KpsError && err.code === 'KPS_ERR_MALFORMED_FRAME');
    });
  }

  // 0xc1 inside a frame must close the connection, not be served as an ordinary value.
  test('the never-used byte 0xc1 inside a request → MalformedFrameError', () => {
    const reader = new FrameReader(BIG);
    assert.throws(() => reader.push(hex(`94 00 01 a3 ${ascii('foo')} 91 c1`)), MalformedFrameError);
  });

  test('a bad frame after a good one in the same chunk still throws (the connection is closed)', () => {
    const reader = new FrameReader(BIG);
    assert.throws(() => reader.push(Buffer.concat([handleEvent.bytes, luaPack([1, 2, null, null])])), MalformedFrameError);
  });

  test('an incomplete frame bigger than maxFrameSize → FrameTooLargeError naming the limit', () => {
    const bytes = req(1, 'plugin.Step', [{ EventId: 1, Data: 'x'.repeat(5000) }]).bytes;
    const reader = new FrameReader(1024);
    assert.throws(
      () => reader.push(bytes.subarray(0, 2000)),
      (err: unknown) => err instanceof FrameTooLargeError && err.code === 'KPS_ERR_FRAME_TOO_LARGE' && /1024/.test(err.message),
    );
  });

  test('the limit is hit when the buffered part of a frame grows past it, push by push', () => {
    const bytes = req(1, 'plugin.Step', [{ EventId: 1, Data: 'x'.repeat(5000) }]).bytes;
    const reader = new FrameReader(1024);
    assert.deepEqual(reader.push(bytes.subarray(0, 1000)), []);
    assert.deepEqual(reader.push(bytes.subarray(1000, 1024)), []);
    assert.equal(reader.bufferedBytes, 1024);
    assert.throws(() => reader.push(bytes.subarray(1024, 1025)), FrameTooLargeError);
  });

  /** A request whose encoding is exactly `size` bytes. */
  function frameOfSize(size: number): Buffer {
    const base = luaPack([0, 1, 'plugin.Step', [{ EventId: 1, Data: '' }]]).length;
    // a fixstr header grows to a str16 header (2 more bytes) past 31 bytes of payload
    const pad = size - base > 31 ? size - base - 2 : size - base;
    const bytes = luaPack([0, 1, 'plugin.Step', [{ EventId: 1, Data: 'p'.repeat(pad) }]]);
    assert.equal(bytes.length, size);
    return bytes;
  }

  test('a complete frame of exactly maxFrameSize bytes is fine, in one chunk or many', () => {
    const bytes = frameOfSize(1024);
    assert.equal(readAll([bytes], 1024).length, 1);
    assert.equal(readAll([bytes.subarray(0, 1023), bytes.subarray(1023)], 1024).length, 1);
    assert.equal(readAll([...bytes].map((b) => Buffer.from([b])), 1024).length, 1);
  });

  test('a complete frame one byte over maxFrameSize is refused even when it arrives in one chunk', () => {
    const reader = new FrameReader(1024);
    assert.throws(() => reader.push(frameOfSize(1025)), FrameTooLargeError);
  });

  test('two frames under the limit in one chunk are fine even if together they exceed it', () => {
    const a = frameOfSize(700);
    assert.equal(readAll([Buffer.concat([a, a])], 1024).length, 2);
  });
});

describe('FrameReader: fuzz', () => {
  test('2000 random byte strings in random chunks only ever yield requests or our two errors', { timeout: 8000 }, () => {
    const frames = [handleEvent.bytes, everyType.bytes, luaPack([0, 3, 'plugin.GetStatus', []])];
    const mutated = fc
      .tuple(fc.constantFrom(...frames), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat())
      .map(([frame, edits, cut]) => {
        const b = Buffer.from(frame);
        for (const [at, byte] of edits) b[at % b.length] = byte;
        return b.subarray(0, b.length - (cut % 4 === 0 ? cut % b.length : 0));
      });
    const noise = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((u) => Buffer.from(u));
    const prefixed = fc.uint8Array({ maxLength: 40 }).map((u) => Buffer.concat([hex('94 00'), Buffer.from(u)]));
    fc.assert(
      fc.property(fc.oneof(noise, prefixed, mutated), fc.array(fc.nat(), { maxLength: 6 }), (bytes, cuts) => {
        const reader = new FrameReader(2048);
        try {
          for (const chunk of splitAt(bytes, cuts)) {
            for (const r of reader.push(chunk)) {
              assert.ok(Number.isInteger(r.msgid) && r.msgid >= 0);
              assert.equal(typeof r.method, 'string');
              assert.ok(Array.isArray(r.params));
            }
          }
        } catch (err) {
          if (err instanceof MalformedFrameError || err instanceof FrameTooLargeError) return;
          throw err;
        }
      }),
      { numRuns: 2000, seed: 20240611 },
    );
  });
});
