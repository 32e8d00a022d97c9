// Errors crossing a process boundary come back as the class they were raised as: through
// MessagePack alone, and between a supervisor and a shard over a real socket pair.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as errors from '../../src/errors.ts';

import { errorFromWire, errorToWire, type WireError } from '../../src/error-wire.ts';
import { encode, decodeOne } from '../../src/rpc/codec.ts';
import { socketPair } from '../helpers/socket-pair.ts';
import { Channel } from '../../src/shards/channel.ts';

const { ErrorCode, KpsError } = errors;
type KpsError = errors.KpsError;

/** One error of every class, each raised as the code does. */
const RAISED: KpsError[] = [
  new errors.NoPluginInstanceError(7),
  new errors.NoRunningEventError(8),
  new errors.EventBusyError(9),
  new errors.UnknownPluginError('x', ['a', 'b']),
  new errors.BadConfigError('x', 'expected a string'),
  new errors.InstanceStartError('x', 'the module threw'),
  new errors.UnknownMethodError('plugin.Nope'),
  new errors.BadParamsError('plugin.StartInstance', 'Name must be a string'),
  new errors.ShuttingDownError(),
  new errors.FrameTooLargeError(2048, 1024, 42),
  new errors.FrameTooLargeError(2048, 1024),
  new errors.MalformedFrameError('not an array'),
  new errors.PluginLoadError('Could not resolve "left-pad"'),
  new errors.PluginCrashError('SIGABRT', 'heap out of memory'),
  new errors.OptionError('--max-frame-size must be a positive integer'),
  new errors.MetricsListenError('127.0.0.1:1', Object.assign(new Error('in use'), { code: 'EADDRINUSE' })),
  new KpsError(ErrorCode.CHANNEL, 'shard channel is closed'),
];

function sameError(got: unknown, want: KpsError): void {
  assert.ok(got instanceof KpsError, `${want.constructor.name}: not a KpsError`);
  assert.equal(Object.getPrototypeOf(got), Object.getPrototypeOf(want), `${want.constructor.name} came back as ${got.constructor.name}`);
  assert.equal(got.code, want.code);
  assert.equal(got.message, want.message);
  assert.equal(got.name, want.name);
  assert.equal(got.exitStatus, want.exitStatus);
  assert.deepEqual({ ...got }, { ...want }, `${want.constructor.name}: its fields`);
  assert.ok(typeof got.stack === 'string');
}

test('every error class comes back as itself through MessagePack, with its message and fields', () => {
  for (const err of RAISED) sameError(errorFromWire(decodeOne(encode(errorToWire(err))) as WireError), err);
  const rebuilt = errorFromWire(decodeOne(encode(errorToWire(new errors.FrameTooLargeError(2048, 1024, 42)))) as WireError);
  assert.ok(rebuilt instanceof errors.FrameTooLargeError && rebuilt.msgid === 42);
  assert.ok(errors.isNoInstance(errorFromWire(errorToWire(new errors.NoPluginInstanceError(1)))));
});

test('every code of the set is rebuilt with that code', () => {
  for (const code of Object.values(ErrorCode)) {
    const err = errorFromWire({ code, message: `a ${code}` });
    assert.equal(err.code, code);
    assert.equal(err.message, `a ${code}`);
  }
});

test('anything but a KpsError is an internal error, by its message', () => {
  const err = errorFromWire(errorToWire(new TypeError('x is not a function')));
  assert.equal(err.code, ErrorCode.INTERNAL);
  assert.equal(err.message, 'x is not a function');
});

test('a code outside the set arrives as KPS_ERR_INTERNAL naming it; odd fields are dropped and texts bounded', () => {
  const w = { code: 'KPS_ERR_MADE_UP', message: 'm' } as WireError;
  const unknown = errorFromWire(w);
  assert.equal(unknown.code, ErrorCode.INTERNAL);
  assert.equal(unknown.message, 'KPS_ERR_MADE_UP: m');
  const hostile = errorFromWire(
    decodeOne(encode({
      code: ErrorCode.NO_INSTANCE,
      message: 'No plugin instance 1',
      fields: {
        code: 'KPS_ERR_OTHER', message: 'x', stack: 'x', constructor: 'x', ['__proto__']: 'x', toString: 'x', valueOf: 'x',
        nested: { a: 1 }, long: 'y'.repeat(100), a: 1, b: 2, c: 3,
      },
    })) as WireError,
    { clip: (t) => t.slice(0, 10), maxFields: 2 },
  );
  assert.ok(hostile instanceof errors.NoPluginInstanceError);
  assert.equal(hostile.code, ErrorCode.NO_INSTANCE);
  assert.equal(hostile.message, 'No plugin ');
  assert.equal(typeof hostile.toString, 'function');
  assert.equal(typeof hostile.valueOf, 'function');
  assert.equal(hostile.constructor, errors.NoPluginInstanceError);
  assert.equal((hostile as unknown as { long: string }).long, 'y'.repeat(10));
  assert.equal(Object.keys(hostile).filter((k) => !['code', 'exitStatus', 'name'].includes(k)).length, 2, 'maxFields holds');
  assert.ok(!('nested' in hostile));
});


test('a shard\'s error reaches the supervisor as its class, over the channel', async () => {
  const [a, b, close] = await socketPair();
  try {
    const supervisor = new Channel(a);
    const shard = new Channel(b);
    shard.handleRequests(async (method, params) => {
      if (method === 'raise') throw RAISED[params as number]!;
      throw new RangeError('a bug in the shard');
    });
    for (let i = 0; i < RAISED.length; i++) {
      await assert.rejects(supervisor.request('raise', i), (err: unknown) => {
        sameError(err, RAISED[i]!);
        return true;
      });
    }
    await assert.rejects(supervisor.request('other', null), (err: unknown) => {
      assert.ok(err instanceof KpsError && err.code === ErrorCode.INTERNAL && err.message === 'a bug in the shard');
      return true;
    });
  } finally {
    close();
  }
});
