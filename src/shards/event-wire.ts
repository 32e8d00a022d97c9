// The two channel messages that carry Kong's event frames, written and read by hand: they are a
// few integers around one bin, and going through msgpackr cost a decode or an encode (and a copy
// of the frame) each way per frame. Still plain MessagePack: [3, id, msgid, eventId, bin] and
// [4, id, status, bin]; anything else on the channel goes through the codec as before. The tags are
// the protocol's (src/shards/shard-protocol.ts).
import { ChannelMessage } from './shard-protocol.ts';

export const { EVENT_FRAME, EVENT_ANSWER } = ChannelMessage;

export interface EventMessage {
  type: typeof EVENT_FRAME | typeof EVENT_ANSWER;
  id: number;
  /** EVENT_FRAME: Kong's msgid; EVENT_ANSWER: the status (src/shards/event-status.ts) */
  a: number;
  /** EVENT_FRAME: the event id given to a HandleEvent, or -1 */
  b: number;
  /** a view into the channel's receive buffer: valid until the channel reads more */
  bytes: Buffer;
}

/** [3, id, msgid, eventId, frame] */
export function encodeEventFrame(id: number, msgid: number, eventId: number, frame: Uint8Array): Buffer {
  return pack(0x95, EVENT_FRAME, [id, msgid, eventId], frame);
}

/** [4, id, status, answer] */
export function encodeEventAnswer(id: number, status: number, answer: Uint8Array): Buffer {
  return pack(0x94, EVENT_ANSWER, [id, status], answer);
}

function pack(head: number, type: number, ints: number[], bin: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(2 + ints.length * 9 + 5 + bin.length);
  out[0] = head;
  out[1] = type;
  let at = 2;
  for (const n of ints) at = writeInt(out, at, n);
  if (bin.length < 0x100) {
    out[at++] = 0xc4;
    out[at++] = bin.length;
  } else if (bin.length < 0x10000) {
    out[at++] = 0xc5;
    out.writeUInt16BE(bin.length, at);
    at += 2;
  } else {
    out[at++] = 0xc6;
    out.writeUInt32BE(bin.length, at);
    at += 4;
  }
  out.set(bin, at);
  return out.subarray(0, at + bin.length);
}

/** Integers from -1 to 2^53-1 (ids, statuses, and msgids, which a client may choose that large). */
function writeInt(out: Buffer, at: number, n: number): number {
  if (n === -1) {
    out[at] = 0xff;
    return at + 1;
  }
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a channel integer: ${n}`);
  if (n < 0x80) {
    out[at] = n;
    return at + 1;
  }
  if (n <= 0xffffffff) {
    out[at] = 0xce;
    out.writeUInt32BE(n, at + 1);
    return at + 5;
  }
  out[at] = 0xcf;
  out.writeUInt32BE(Math.floor(n / 2 ** 32), at + 1);
  out.writeUInt32BE(n >>> 0, at + 5);
  return at + 9;
}

/** One of the two messages, from a complete channel frame; null for anything else (decode it as usual). */
export function readEventMessage(b: Buffer): EventMessage | null {
  const type = b[1];
  const count = type === EVENT_FRAME ? 3 : type === EVENT_ANSWER ? 2 : 0;
  if (count === 0 || b[0] !== 0x90 + count + 2) return null;
  const ints: number[] = [];
  let at = 2;
  for (let i = 0; i < count; i++) {
    const t = b[at];
    if (t === undefined) return null;
    if (t < 0x80) {
      ints.push(t);
      at += 1;
    } else if (t === 0xff) {
      ints.push(-1);
      at += 1;
    } else if (t === 0xce && at + 5 <= b.length) {
      ints.push(b.readUInt32BE(at + 1));
      at += 5;
    } else if (t === 0xcf && at + 9 <= b.length) {
      ints.push(b.readUInt32BE(at + 1) * 2 ** 32 + b.readUInt32BE(at + 5));
      at += 9;
    } else return null;
  }
  const t = b[at];
  let len: number;
  if (t === 0xc4 && at + 2 <= b.length) {
    len = b[at + 1]!;
    at += 2;
  } else if (t === 0xc5 && at + 3 <= b.length) {
    len = b.readUInt16BE(at + 1);
    at += 3;
  } else if (t === 0xc6 && at + 5 <= b.length) {
    len = b.readUInt32BE(at + 1);
    at += 5;
  } else return null;
  if (at + len !== b.length) return null;
  return { type: type as EventMessage['type'], id: ints[0]!, a: ints[1]!, b: count === 3 ? ints[2]! : -1, bytes: b.subarray(at) };
}
