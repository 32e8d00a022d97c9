// Byte-level behaviour on the socket: the worked example of docs/protocol.md, frames split at every
// offset, several frames in one chunk, undecodable and oversized frames.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Encoder, decode, decodeMulti } from '@msgpack/msgpack';
import { ServerProcess } from '../../kong-driver/server-process.ts';
import type { KongClient } from '../../kong-driver/kong-client.ts';

let server: ServerProcess;
let kong: KongClient;
before(async () => {
  server = await ServerProcess.start({ args: ['--max-frame-size', '65536'] });
  kong = server.client();
});
after(async () => {
  kong.close();
  await server.stop();
});

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const str = (s: string) => {
  const b = Buffer.from(s);
  if (b.length > 31) throw new Error('fixstr only');
  return Buffer.concat([Buffer.from([0xa0 | b.length]), b]);
};
/** msgpack uint as lua-MessagePack and msgpackr write it: the smallest form */
const uint = (n: number) => {
  if (n < 128) return Buffer.from([n]);
  if (n < 256) return Buffer.from([0xcc, n]);
  if (n < 65536) return Buffer.from([0xcd, n >> 8, n & 255]);
  const b = Buffer.alloc(5);
  b[0] = 0xce;
  b.writeUInt32BE(n, 1);
  return b;
};
const cat = (...parts: Buffer[]) => Buffer.concat(parts);
const pidNote = () => new Encoder().encode([2, 'serverPid', server.child.pid!]);

test('docs/protocol.md\'s worked example, byte for byte (ids substituted)', async () => {
  const inst = await kong.startInstance('hello-host');
  const id = inst.Id;
  // 1. K→S HandleEvent, exactly as lua-MessagePack writes it
  const r1 = await kong.raw([cat(hex('94 00 02'), hex('b2'), Buffer.from('plugin.HandleEvent'), hex('91 82'), str('InstanceId'), uint(id), str('EventName'), str('access'))]);
  const afterPid = r1.data.subarray(pidNote().length);
  assert.deepEqual(r1.data.subarray(0, pidNote().length), Buffer.from(pidNote()));
  // 2. S→K: 94 01 02 c0 82 a7 EventId <id> a4 Data 82 a6 Method b7 kong.request.get_header a4 Args 91 a4 host
  const eventId = (decode(afterPid) as [number, number, null, { EventId: number }])[3].EventId;
  const expected2 = cat(hex('94 01 02 c0 82'), str('EventId'), uint(eventId), str('Data'), hex('82'), str('Method'), hex('b7'), Buffer.from('kong.request.get_header'), str('Args'), hex('91'), str('host'));
  assert.equal(afterPid.toString('hex'), expected2.toString('hex'));
  // 3. K→S Step with "example.com"; 4. S→K set_header("x-hello", "world")
  const r3 = await kong.raw([cat(hex('94 00 03'), str('plugin.Step'), hex('91 82'), str('EventId'), uint(eventId), str('Data'), str('example.com'))]);
  const expected4 = cat(hex('94 01 03 c0 82'), str('EventId'), uint(eventId), str('Data'), hex('82'), str('Method'), hex('b8'), Buffer.from('kong.response.set_header'), str('Args'), hex('92'), str('x-hello'), str('world'));
  assert.equal(r3.data.subarray(pidNote().length).toString('hex'), expected4.toString('hex'));
  // 5. K→S Step with no Data key; 6. S→K "ret" (a3 72 65 74)
  const r5 = await kong.raw([cat(hex('94 00 04'), str('plugin.Step'), hex('91 81'), str('EventId'), uint(eventId))]);
  const expected6 = cat(hex('94 01 04 c0 82'), str('EventId'), uint(eventId), str('Data'), hex('a3 72 65 74'));
  assert.equal(r5.data.subarray(pidNote().length).toString('hex'), expected6.toString('hex'));
});

test('str16 for short strings (lua-MessagePack string_compat) is accepted', async () => {
  const str16 = (s: string) => cat(hex('da'), Buffer.from([0, Buffer.byteLength(s)]), Buffer.from(s));
  const r = await kong.raw([cat(hex('94 00 09'), str16('plugin.GetPluginInfo'), hex('91'), str16('hello-host'))]);
  assert.match(r.data.toString('latin1'), /hello-host/);
  assert.ok(!r.closed);
});

test('a request split at every byte offset is answered exactly once', async () => {
  const frame = Buffer.from(new Encoder().encode([0, 77, 'plugin.GetPluginInfo', ['hello-host']]));
  const expected = cat(Buffer.from(pidNote()), Buffer.from(new Encoder().encode([1, 77, null, await kong.call('plugin.GetPluginInfo', 'hello-host')])));
  for (let cut = 1; cut < frame.length; cut++) {
    const r = await kong.raw([frame.subarray(0, cut), frame.subarray(cut)], 1000, expected.length);
    assert.equal(r.data.length, expected.length, `cut at ${cut}`);
    assert.ok(!r.closed, `cut at ${cut}`);
  }
});

test('two frames in one chunk get two responses, each under its msgid', async () => {
  const enc = new Encoder();
  const two = cat(Buffer.from(enc.encode([0, 1, 'plugin.GetPluginInfo', ['hello-host']])), Buffer.from(enc.encode([0, 2, 'plugin.Nope', []])));
  const r = await kong.raw([two]);
  const msgs = [...decodeMulti(r.data)] as unknown[][];
  assert.equal(msgs.length, 3);
  // Kong never pipelines; a client that does gets each answer under its own msgid.
  const byId = new Map(msgs.slice(1).map((m) => [m[1], m]));
  assert.equal((byId.get(1)![3] as { Name: string }).Name, 'hello-host');
  assert.deepEqual(byId.get(2), [1, 2, 'method Nope not implemented', null]);
});

test('an undecodable frame closes that connection only; others keep working', async () => {
  const pooled = server.client();
  assert.ok(await pooled.call('plugin.GetStatus'));
  const r = await kong.raw([hex('94 00 01 c1 c1 c1')]);
  assert.ok(r.closed);
  assert.ok(await pooled.call('plugin.GetStatus'));
  const r2 = await kong.raw([Buffer.from(new Encoder().encode(['not', 'a', 'request']))]);
  assert.ok(r2.closed);
  assert.ok(server.logsOf('rpc.bad_frame').length >= 2);
  pooled.close();
});

test('a frame over --max-frame-size is refused with an RPC error, then the connection is closed', async () => {
  const big = Buffer.from(new Encoder().encode([0, 5, 'plugin.Step', [{ EventId: 1, Data: 'x'.repeat(70_000) }]]));
  for (const chunks of [[big], [big.subarray(0, 40_000), big.subarray(40_000)], [big.subarray(0, 66_000)]]) {
    const r = await kong.raw(chunks);
    assert.ok(r.closed);
    const answer = [...decodeMulti(r.data)][1] as unknown[];
    assert.equal(answer[1], 5);
    assert.match(String(answer[2]), /frame of at least \d+ bytes exceeds --max-frame-size 65536/);
  }
  assert.ok(server.logsOf('rpc.bad_frame').some((l) => /exceeds --max-frame-size 65536/.test(l.msg)));
  assert.ok(await kong.call('plugin.GetStatus'));
});

test('connect-then-close (Kong 3.1-3.4 readiness probe) is harmless', async () => {
  const r = await kong.raw([], 50);
  assert.ok(r.data.length > 0); // the serverPid notification
  assert.ok(await kong.call('plugin.GetStatus'));
});
