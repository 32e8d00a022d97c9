// The server's MessagePack codec, checked against an independent implementation (@msgpack/msgpack)
// and against the exact bytes Kong's lua-MessagePack writes (docs/protocol.md: "Transport", "Encoding", the worked example).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decode as refDecode, encode as refEncode } from '@msgpack/msgpack';
import { decodeOne, encode, toPlain } from '../../src/rpc/codec.ts';
import { Bin, ascii, hex, luaPack, luaValueArbitrary, normalise, objectFrom, type LuaValue } from './lua-msgpack.ts';

const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** What the reference decoder reads from our bytes, normalised for comparison. */
function viaReference(value: unknown): unknown {
  return normalise(refDecode(encode(value)));
}

const INTS = [
  0, 1, 127, 128, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 40, Number.MAX_SAFE_INTEGER,
  -1, -32, -33, -128, -129, -32_768, -32_769, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 40), Number.MIN_SAFE_INTEGER,
];

describe('encode: bytes read back by an independent decoder (@msgpack/msgpack)', () => {
  const cases: Array<[string, unknown]> = [
    ['a PDK call response', [1, 2, null, { EventId: 7, Data: { Method: 'kong.request.get_header', Args: ['host'] } }]],
    ['a "ret" response', [1, 3, null, { EventId: 7, Data: 'ret' }]],
    ['an error response', [1, 9, 'No plugin instance 3', null]],
    ['the serverPid notification', [2, 'serverPid', 4242]],
    [
      'an InstanceStatus with nested config',
      [1, 5, null, { Name: 'my-plugin', Id: 12, Config: { a: { b: { c: [1, 2, { d: 'x' }] } }, list: [], map: {} }, StartTime: 1712345678.123 }],
    ],
    ['integers of every width', [1, 6, null, { EventId: 1, Data: { Method: 'kong.log.info', Args: INTS } }]],
    ['floats', [1.5, -1.5, 1.1, 0.1, 1712345678.123, 1e300, -1e-300, 5e-324, Number.MAX_VALUE]],
    ['non-finite floats', [NaN, Infinity, -Infinity]],
    ['booleans and null', [true, false, null, [null], { x: null, y: false }]],
    ['bytes (Uint8Array and Buffer)', [new Uint8Array([0, 1, 255]), Buffer.from('raw body \x00\xff', 'latin1'), new Uint8Array(0), Buffer.alloc(300, 7)]],
    ['unicode strings', ['héllo', '日本語のヘッダー', '🎉 emoji', 'zero\u0000byte', '', 'x'.repeat(31), 'y'.repeat(32), 'z'.repeat(300), 'w'.repeat(70_000)]],
    ['empty arrays and maps', [[], {}, [[]], { a: {} }, [{}]]],
    ['a map with 16 and 70000 keys', [Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, i])), Object.fromEntries(Array.from({ length: 70_000 }, (_, i) => [`k${i}`, i]))]],
    ['an array with 16 and 70000 items', [Array.from({ length: 16 }, (_, i) => i), Array.from({ length: 70_000 }, (_, i) => i % 300)]],
  ];
  for (const [name, value] of cases) {
    test(name, () => {
      assert.deepEqual(viaReference(value), normalise(value));
    });
  }

  test('a float is written as float64, never narrowed to float32', () => {
    assert.equal(toHex(encode(1712345678.123)), 'cb41d984149387df3b');
    assert.equal(refDecode(encode(1.1)), 1.1);
  });

  test('undefined in a map or array reaches the peer as nil', () => {
    assert.deepEqual(refDecode(encode({ a: undefined, b: [undefined, 1] })), { a: null, b: [null, 1] });
  });

  test('maps decoded from Kong (null prototype, "__proto__" key) encode back to the same map', () => {
    const decoded = decodeOne(luaPack(objectFrom([['__proto__', { admin: true }], ['constructor', 'x'], ['n', 1]]) as LuaValue));
    const bytes = encode(decoded);
    assert.deepEqual(normalise(decodeOne(bytes)), normalise(decoded));
    assert.equal(toHex(bytes).startsWith('83a95f5f70726f746f5f5f81a561646d696ec3'), true);
  });

  test('a buffer returned by encode is not overwritten by later encodes (socket writes are async)', () => {
    const first = encode([1, 1, null, { EventId: 1, Data: 'ret' }]);
    const copy = Buffer.from(first);
    for (let i = 0; i < 5000; i++) encode([1, i, null, { EventId: i, Data: { Method: 'kong.log.err', Args: ['x'.repeat(i % 200)] } }]);
    assert.deepEqual(first, copy);
  });
});

describe('encode: exact bytes Kong expects', () => {
  test('a "ret" StepData response', () => {
    assert.equal(
      toHex(encode([1, 4, null, { EventId: 7, Data: 'ret' }])),
      `940104c082a7${ascii('EventId')}07a4${ascii('Data')}a3${ascii('ret')}`,
    );
  });

  test('"ret" is the fixstr a3 72 65 74', () => {
    assert.equal(toHex(encode('ret')), 'a3726574');
  });

  test('the serverPid notification for pid 4242 (docs/protocol.md, Transport)', () => {
    assert.equal(toHex(encode([2, 'serverPid', 4242])), '9302a9736572766572506964cd1092');
  });

  test('the PDK-call response of the worked example (docs/protocol.md)', () => {
    assert.deepEqual(
      encode([1, 2, null, { EventId: 7, Data: { Method: 'kong.request.get_header', Args: ['host'] } }]),
      hex(`94 01 02 c0 82 a7 ${ascii('EventId')} 07 a4 ${ascii('Data')} 82 a6 ${ascii('Method')} b7 ${ascii('kong.request.get_header')} a4 ${ascii('Args')} 91 a4 ${ascii('host')}`),
    );
  });

  test('undefined encodes as nil', () => {
    assert.equal(toHex(encode(undefined)), 'c0');
    assert.equal(toHex(encode([undefined])), '91c0');
  });

  test('integers use the smallest width', () => {
    assert.equal(toHex(encode(127)), '7f');
    assert.equal(toHex(encode(255)), 'ccff');
    assert.equal(toHex(encode(-1)), 'ff');
    assert.equal(toHex(encode(-33)), 'd0df');
    assert.equal(toHex(encode(65_536)), 'ce00010000');
  });

  test('maps of up to 15 keys get a fixmap header', () => {
    const bytes = encode(Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, i])));
    assert.equal(bytes[0], 0x8f);
  });
});

describe('decoding what Kong sends', () => {
  test('a HandleEvent request with short strings written as str16', () => {
    const bytes = luaPack([0, 2, 'plugin.HandleEvent', [{ InstanceId: 3, EventName: 'access' }]], { str16Always: true });
    assert.equal(bytes[3], 0xda, 'the method name really is a str16');
    assert.deepEqual(normalise(decodeOne(bytes)), normalise([0, 2, 'plugin.HandleEvent', [{ InstanceId: 3, EventName: 'access' }]]));
  });

  test('strings of 32..255 bytes arrive as str16 (lua-MessagePack never uses str8)', () => {
    const s = 'é'.repeat(100);
    const bytes = luaPack(s);
    assert.equal(bytes[0], 0xda);
    assert.equal(decodeOne(bytes), s);
  });

  test('uint64 and int64 holding small values become JS numbers', () => {
    assert.equal(decodeOne(hex('cf 00 00 00 00 00 00 00 05')), 5);
    assert.equal(decodeOne(hex('d3 ff ff ff ff ff ff ff ff')), -1);
    assert.equal(decodeOne(hex('cf 00 00 01 00 00 00 00 00')), 2 ** 40);
    assert.equal(decodeOne(hex('d3 ff ff ff 00 00 00 00 00')), -(2 ** 40));
    assert.equal(decodeOne(hex('cf 00 1f ff ff ff ff ff ff')), Number.MAX_SAFE_INTEGER);
  });

  test('integers of every width Kong may use decode exactly', () => {
    for (const n of INTS) {
      assert.equal(decodeOne(luaPack(n)), n, `integer ${n} (${toHex(luaPack(n))})`);
    }
  });

  test('float64 (req_start_time) decodes exactly', () => {
    const bytes = luaPack({ EventId: 1, Data: 1712345678.123 });
    const v = decodeOne(bytes) as Record<string, unknown>;
    assert.equal(v['Data'], 1712345678.123);
  });

  test('maps become objects with a null prototype', () => {
    const v = decodeOne(luaPack([{ a: { b: 1 } }])) as Array<Record<string, Record<string, unknown>>>;
    const outer = v[0]!;
    assert.equal(Object.getPrototypeOf(outer), null);
    assert.equal(Object.getPrototypeOf(outer['a']), null);
    assert.equal(outer['a']!['b'], 1);
  });

  test('a "__proto__" key stays an own enumerable data property and pollutes nothing', () => {
    const bytes = hex(`81 a9 ${ascii('__proto__')} 81 a7 ${ascii('isAdmin')} c3`);
    const v = decodeOne(bytes) as Record<string, unknown>;
    assert.deepEqual(Object.keys(v), ['__proto__']);
    const d = Object.getOwnPropertyDescriptor(v, '__proto__');
    assert.ok(d && 'value' in d, 'a data property, not the accessor');
    assert.equal(d.enumerable, true);
    assert.equal((d.value as Record<string, unknown>)['isAdmin'], true);
    assert.equal(Object.getPrototypeOf(v), null);
    assert.equal(v['isAdmin'], undefined);
    assert.equal(({} as Record<string, unknown>)['isAdmin'], undefined);
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'isAdmin'), false);
  });

  test('a "__proto__" key inside a request frame pollutes nothing', () => {
    const frame = luaPack([0, 1, 'plugin.Step', [{ EventId: 1, Data: objectFrom([['__proto__', { polluted: 'yes' }]]) as LuaValue }]]);
    const value = decodeOne(frame);
    const data = ((value as unknown[])[3] as Array<Record<string, Record<string, unknown>>>)[0]!['Data']!;
    assert.deepEqual(Object.keys(data), ['__proto__']);
    assert.equal(data['polluted'], undefined);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  test('a "constructor" key is an own enumerable data property', () => {
    const v = decodeOne(hex(`82 ab ${ascii('constructor')} a1 78 a8 ${ascii('toString')} 01`)) as Record<string, unknown>;
    assert.deepEqual(Object.getOwnPropertyDescriptor(v, 'constructor'), { value: 'x', enumerable: true, writable: true, configurable: true });
    assert.equal(v['toString'], 1);
    assert.equal(Object.getOwnPropertyDescriptor(Object.prototype, 'constructor')!.value, Object);
    assert.equal(typeof Object.prototype.toString, 'function');
  });

  test('non-string map keys become strings', () => {
    // {1: "a", true: "b", nil: "c", 1.5: "d", -3: "e"}
    const v = decodeOne(hex(`85 01 a1 61 c3 a1 62 c0 a1 63 cb 3f f8 00 00 00 00 00 00 a1 64 fd a1 65`)) as Record<string, unknown>;
    assert.deepEqual(normalise(v), normalise({ 1: 'a', true: 'b', null: 'c', '1.5': 'd', '-3': 'e' }));
    for (const k of Object.keys(v)) assert.equal(typeof k, 'string');
  });

  test('bin (raw bodies in Kong >= 3.0) decodes to bytes', () => {
    const body = new Uint8Array([0x7b, 0x00, 0xff, 0x80]);
    const v = decodeOne(luaPack([new Bin(body)])) as unknown[];
    assert.ok(v[0] instanceof Uint8Array);
    assert.deepEqual(new Uint8Array(v[0]), body);
  });

  test('an empty table arrives as 0x90 (array) and an empty header map as 0x80 (map)', () => {
    assert.deepEqual(decodeOne(hex('90')), []);
    const m = decodeOne(hex('80'));
    assert.deepEqual(Object.keys(m as object), []);
    assert.equal(Array.isArray(m), false);
  });
});

describe('toPlain', () => {
  test('turns nested Maps into null-prototype objects with string keys, in arrays too', () => {
    const input = [new Map<unknown, unknown>([[1, new Map([['x', [new Map([['y', 2]])]]])], ['__proto__', 3]])];
    const out = toPlain(input) as Array<Record<string, unknown>>;
    const top = out[0]!;
    assert.equal(Object.getPrototypeOf(top), null);
    assert.deepEqual(Object.keys(top), ['1', '__proto__']);
    assert.equal(Object.getOwnPropertyDescriptor(top, '__proto__')!.value, 3);
    const inner = (top['1'] as Record<string, unknown[]>)['x']![0] as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(inner), null);
    assert.equal(inner['y'], 2);
  });

  test('leaves scalars and bytes as they are', () => {
    const bytes = Buffer.from([1, 2]);
    assert.equal(toPlain(bytes), bytes);
    assert.equal(toPlain('s'), 's');
    assert.equal(toPlain(null), null);
  });
});

// Values shaped like RPC payloads: JSON values and byte strings, nested.
const bytesOrJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.jsonValue({ maxDepth: 2 }),
    fc.uint8Array({ maxLength: 300 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
    tie('array'),
    tie('object'),
  ),
  array: fc.array(tie('value'), { maxLength: 6 }),
  object: fc
    .array(fc.tuple(fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'toString', 'EventId', 'Data')), tie('value')), { maxLength: 6 })
    .map((entries) => objectFrom(entries)),
})).value;

function hasProtoKey(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasProtoKey);
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
    return Object.keys(v).some((k) => k === '__proto__' || hasProtoKey(Object.getOwnPropertyDescriptor(v, k)!.value));
  }
  return false;
}

describe('round trips with an independent codec (property)', () => {
  test('our encode → @msgpack/msgpack decode gives the value back', () => {
    fc.assert(
      fc.property(bytesOrJson, (v) => {
        // @msgpack/msgpack refuses "__proto__" keys outright; those are checked against our own decoder.
        const back = hasProtoKey(v) ? decodeOne(encode(v)) : refDecode(encode(v));
        assert.deepEqual(normalise(back), normalise(v));
      }),
      { numRuns: 300 },
    );
  });

  test('@msgpack/msgpack encode → our decodeOne gives the value back', () => {
    fc.assert(
      fc.property(bytesOrJson, (v) => {
        const bytes = Buffer.from(refEncode(v));
        assert.deepEqual(normalise(decodeOne(bytes)), normalise(v));
      }),
      { numRuns: 300 },
    );
  });

  test('Kong-style bytes (lua-MessagePack) → our decodeOne gives the value back', () => {
    const luaish = luaValueArbitrary({ maxString: 300, maxItems: 20 });
    fc.assert(
      fc.property(luaish, fc.boolean(), (v, str16Always) => {
        assert.deepEqual(normalise(decodeOne(luaPack(v, { str16Always }))), normalise(v));
      }),
      { numRuns: 300 },
    );
  });
});
