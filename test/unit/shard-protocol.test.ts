// The shard channel's protocol (src/shards/shard-protocol.ts), on a real socket pair: the typed
// channel writes the same MessagePack messages as before it was typed (read here by a raw peer),
// dispatches what the peer sends to the typed handlers, and answers a method the protocol lacks
// with the stable error. The compile-time half (a misspelt method, a wrong payload) is checked by
// tsc, which `npm test` runs over this file: each @ts-expect-error fails the build if it stops erring.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type net from 'node:net';
import { Channel } from '../../src/shards/channel.ts';
import { ChannelMessage, unknownMethod, type ShardEnd, type SupervisorEnd } from '../../src/shards/shard-protocol.ts';
import { encode } from '../../src/rpc/codec.ts';
import { MessageStream } from '../../src/rpc/message-stream.ts';
import { socketPair } from '../helpers/socket-pair.ts';

/** The decoder's maps are null-prototype objects: compared as plain data. */
function plain(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v));
}

/** The messages a raw peer reads, one at a time (as plain data). */
function reader(socket: net.Socket): () => Promise<unknown> {
  const stream = new MessageStream();
  const values: unknown[] = [];
  const waiting: Array<(v: unknown) => void> = [];
  socket.on('data', (chunk: Buffer) =>
    stream.push(chunk, (value) => {
      const w = waiting.shift();
      if (w) w(plain(value));
      else values.push(plain(value));
    }),
  );
  return () => (values.length > 0 ? Promise.resolve(values.shift()) : new Promise((r) => waiting.push(r)));
}

test('the message tags are the MessagePack-RPC ones, and the event frames follow them', () => {
  assert.deepEqual(ChannelMessage, { REQUEST: 0, RESPONSE: 1, NOTIFICATION: 2, EVENT_FRAME: 3, EVENT_ANSWER: 4 });
});

test("the supervisor's typed requests and the shard's typed notifications keep their wire shape", async () => {
  const [a, b, close] = await socketPair();
  try {
    const supervisor = new Channel<SupervisorEnd, ShardEnd>(a);
    const next = reader(b);
    const answer = supervisor.request('instanceStats', 7);
    const req = (await next()) as unknown[];
    assert.deepEqual(req.slice(0, 1).concat(req.slice(2)), [0, 'instanceStats', 7]);
    b.write(encode([1, req[1], null, [{ plugin: 'p' }]]));
    assert.deepEqual(plain(await answer), [{ plugin: 'p' }]);

    const notes: unknown[] = [];
    const got = new Promise<void>((resolve) =>
      supervisor.handleNotifications((kind, payload) => {
        notes.push(plain([kind, payload]));
        if (notes.length === 2) resolve();
      }),
    );
    b.write(Buffer.concat([encode([2, 'running', 'p']), encode([2, 'instanceGone', { instanceId: 3, reason: 'cpu' }])]));
    await got;
    assert.deepEqual(notes, [['running', 'p'], ['instanceGone', { instanceId: 3, reason: 'cpu' }]]);
  } finally {
    close();
  }
});

test('a shard serves the typed methods and answers one the protocol lacks with KPS_ERR_CHANNEL', async () => {
  const [a, b, close] = await socketPair();
  try {
    const shard = new Channel<ShardEnd, SupervisorEnd>(a);
    shard.handleRequests(async (method, params) => {
      switch (method) {
        case 'ping':
        case 'shutdown':
          return null;
        case 'closeInstance':
          return;
        case 'instanceStats':
          return params === null ? [] : [];
        case 'describePlugin':
        case 'startInstance':
        case 'reloadInstance':
          throw new Error(`${method} is not served by this test`);
        default:
          throw unknownMethod(method);
      }
    });
    const next = reader(b);
    b.write(Buffer.concat([encode([0, 1, 'ping', null]), encode([0, 2, 'noSuchMethod', null])]));
    assert.deepEqual(await next(), [1, 1, null, null]);
    // the error's own fields travel too, so the supervisor rebuilds its class (src/error-wire.ts)
    assert.deepEqual(await next(), [
      1, 2, { code: 'KPS_ERR_CHANNEL', message: 'unknown shard method noSuchMethod', fields: { name: 'KpsError', exitStatus: 2 } }, null,
    ]);

    shard.notify('instanceGone', { instanceId: 9, reason: 'cpu' });
    assert.deepEqual(await next(), [2, 'instanceGone', { instanceId: 9, reason: 'cpu' }]);
  } finally {
    close();
  }
});

// Never called: the checks are the compiler's.
export function compileTimeChecks(supervisor: Channel<SupervisorEnd, ShardEnd>, shard: Channel<ShardEnd, SupervisorEnd>): void {
  // @ts-expect-error a method the shard does not serve
  void supervisor.request('startInstanse', null);
  // @ts-expect-error closeInstance takes an instance id
  void supervisor.request('closeInstance', 'x');
  // @ts-expect-error ping resolves with null
  const pong: Promise<string> = supervisor.request('ping', null);
  void pong;
  // @ts-expect-error the supervisor is sent no requests
  void shard.request('ping', null);
  // @ts-expect-error a breach needs its fields
  shard.notify('breach', { plugin: 'p' });
  // @ts-expect-error the shard is sent no notifications
  supervisor.notify('running', 'p');
  shard.handleRequests(async (method, _params) => {
    switch (method) {
      case 'ping':
        return null;
      default:
        // @ts-expect-error a handler that forgets methods fails its never-check
        throw unknownMethod(method);
    }
  });
}
