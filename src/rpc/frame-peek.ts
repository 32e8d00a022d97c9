// The routing fields of one complete Kong request frame, read from its bytes without decoding the
// rest: [0, msgid, "plugin.HandleEvent" | "plugin.Step…", [{InstanceId|EventId, EventName, …}]].
// Anything not exactly that shape (other types, repeated routing keys, non-string keys, ids that are
// not small unsigned integers, truncation) gives null, and the frame takes the full-decode path,
// which answers every oddity as it always did. The frame was already framed by FrameScanner, but
// every read here is bounds-checked anyway: this runs on bytes Kong (or anyone on the socket) sent.
import { PluginMethod, REQUEST, STEP_METHODS, isPhase, type Phase } from './protocol.ts';
import { readEventCall } from './event-calls.ts';

export type PeekedEvent =
  | { kind: 'handle'; msgid: number; method: string; instanceId: number; phase: Phase }
  | { kind: 'step'; msgid: number; method: string; eventId: number };

/** The methods whose frames are routed to the shard that owns the instance or event. */
export const EVENT_METHODS: ReadonlyMap<string, 'handle' | 'step'> = new Map<string, 'handle' | 'step'>([
  [PluginMethod.HandleEvent, 'handle'],
  [PluginMethod.StepError, 'step'],
  ...STEP_METHODS.map((m) => [m, 'step'] as [string, 'step']),
]);

const ID_LIMIT = 2 ** 31;

/**
 * The routing fields of a request that was decoded (its frame had a shape the peek declines, such as
 * an ext value or a string that is not UTF-8): null if it is no event call or its parameters are bad
 * (the dispatcher then answers with the error).
 */
export function routingOf(msgid: number, method: string, params: unknown[]): PeekedEvent | null {
  // the channel carries msgids up to 2^53 (one above that cannot be echoed exactly anyway)
  if (!EVENT_METHODS.has(method) || !Number.isSafeInteger(msgid)) return null;
  try {
    const call = readEventCall(method, params);
    return call.kind === 'handle'
      ? { kind: 'handle', msgid, method, instanceId: call.instanceId, phase: call.phase }
      : { kind: 'step', msgid, method, eventId: call.eventId };
  } catch {
    return null;
  }
}

export function peekEventFrame(b: Uint8Array): PeekedEvent | null {
  // [REQUEST, msgid, method, params]: fixarray of 4, then REQUEST, a positive fixint (its own byte)
  if (b.length < 4 || b[0] !== 0x94 || b[1] !== REQUEST) return null;
  const msgid = readUint(b, 2);
  if (msgid === null) return null;
  let at = msgid.next;
  const name = readStr(b, at);
  if (name === null) return null;
  const method = latin1(b, name.start, name.end);
  const kind = EVENT_METHODS.get(method);
  if (kind === undefined) return null;
  at = name.end;
  // params: an array of exactly one map (what Kong sends)
  if (b[at] !== 0x91) return null;
  at++;
  const t = b[at];
  let pairs: number;
  if (t !== undefined && t >= 0x80 && t <= 0x8f) {
    pairs = t & 0x0f;
    at++;
  } else if (t === 0xde && at + 3 <= b.length) {
    pairs = (b[at + 1]! << 8) | b[at + 2]!;
    at += 3;
  } else return null;
  let id: number | null = null;
  let phase: Phase | null = null;
  const idKey = kind === 'handle' ? 'InstanceId' : 'EventId';
  for (let i = 0; i < pairs; i++) {
    const key = readStr(b, at);
    if (key === null) return null; // a key that is not a string: the decoder decides
    at = key.end;
    const k = key.end - key.start <= 10 ? latin1(b, key.start, key.end) : '';
    if (k === idKey) {
      if (id !== null) return null; // repeated: the decoder decides which one counts
      const v = readUint(b, at);
      if (v === null || v.value >= ID_LIMIT) return null;
      id = v.value;
      at = v.next;
    } else if (k === 'EventName' && kind === 'handle') {
      if (phase !== null) return null;
      const s = readStr(b, at);
      if (s === null) return null;
      const p = latin1(b, s.start, s.end);
      if (!isPhase(p)) return null;
      phase = p;
      at = s.end;
    } else {
      const next = skipValue(b, at);
      if (next < 0) return null;
      at = next;
    }
  }
  if (at !== b.length || id === null) return null;
  if (kind === 'handle') return phase === null ? null : { kind, msgid: msgid.value, method, instanceId: id, phase };
  return { kind, msgid: msgid.value, method, eventId: id };
}

function latin1(b: Uint8Array, start: number, end: number): string {
  return Buffer.prototype.latin1Slice.call(b, start, end) as string;
}

/** An unsigned integer in fixint, uint8, uint16 or uint32 form. */
function readUint(b: Uint8Array, at: number): { value: number; next: number } | null {
  const t = b[at];
  if (t === undefined) return null;
  if (t <= 0x7f) return { value: t, next: at + 1 };
  if (t === 0xcc && at + 2 <= b.length) return { value: b[at + 1]!, next: at + 2 };
  if (t === 0xcd && at + 3 <= b.length) return { value: (b[at + 1]! << 8) | b[at + 2]!, next: at + 3 };
  if (t === 0xce && at + 5 <= b.length) {
    return { value: ((b[at + 1]! << 24) >>> 0) + ((b[at + 2]! << 16) | (b[at + 3]! << 8) | b[at + 4]!), next: at + 5 };
  }
  return null;
}

/** A fixstr or str8 (every name we route on is short). */
function readStr(b: Uint8Array, at: number): { start: number; end: number } | null {
  const t = b[at];
  let start: number;
  let len: number;
  if (t === undefined) return null;
  if (t >= 0xa0 && t <= 0xbf) {
    start = at + 1;
    len = t & 0x1f;
  } else if (t === 0xd9 && at + 2 <= b.length) {
    start = at + 2;
    len = b[at + 1]!;
  } else return null;
  return start + len <= b.length ? { start, end: start + len } : null;
}

/** Nesting deeper than this takes the decoding path (it refuses what the decoder cannot take). */
const MAX_DEPTH = 64;

/** Where the value at `at` ends, or -1 if it does not end inside `b` (or holds an ext, or nests too deep). */
function skipValue(b: Uint8Array, at: number): number {
  // items still expected at each open container; the root is one item
  const open: number[] = [1];
  while (open.length > 0) {
    const t = b[at];
    if (t === undefined) return -1;
    let items = 0;
    if (t <= 0x7f || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) at += 1;
    else if (t <= 0x8f) {
      items = (t & 0x0f) * 2;
      at += 1;
    } else if (t <= 0x9f) {
      items = t & 0x0f;
      at += 1;
    } else if (t <= 0xbf) at += 1 + (t & 0x1f);
    else {
      const size = SIZES[t];
      if (size === undefined || at + size.header > b.length) return -1;
      const n = size.lengthBytes === 0 ? 0 : readLength(b, at + 1, size.lengthBytes);
      if (size.kind === 'fixed') at += size.header;
      else if (size.kind === 'bytes') at += size.header + n;
      else {
        items = size.kind === 'map' ? n * 2 : n;
        at += size.header;
      }
    }
    if (at > b.length) return -1;
    open[open.length - 1]!--;
    if (items > 0) {
      if (open.length >= MAX_DEPTH) return -1;
      open.push(items);
    }
    while (open.length > 0 && open[open.length - 1] === 0) open.pop();
  }
  return at;
}

function readLength(b: Uint8Array, at: number, bytes: number): number {
  let n = 0;
  for (let i = 0; i < bytes; i++) n = n * 256 + b[at + i]!;
  return n;
}

interface Size {
  /** type byte plus length bytes (plus the ext type byte), or the whole value for fixed sizes */
  header: number;
  lengthBytes: number;
  kind: 'fixed' | 'bytes' | 'array' | 'map';
}

const SIZES: Record<number, Size> = {
  0xc4: { header: 2, lengthBytes: 1, kind: 'bytes' }, 0xc5: { header: 3, lengthBytes: 2, kind: 'bytes' }, 0xc6: { header: 5, lengthBytes: 4, kind: 'bytes' },
  0xca: { header: 5, lengthBytes: 0, kind: 'fixed' }, 0xcb: { header: 9, lengthBytes: 0, kind: 'fixed' },
  0xcc: { header: 2, lengthBytes: 0, kind: 'fixed' }, 0xcd: { header: 3, lengthBytes: 0, kind: 'fixed' },
  0xce: { header: 5, lengthBytes: 0, kind: 'fixed' }, 0xcf: { header: 9, lengthBytes: 0, kind: 'fixed' },
  0xd0: { header: 2, lengthBytes: 0, kind: 'fixed' }, 0xd1: { header: 3, lengthBytes: 0, kind: 'fixed' },
  0xd2: { header: 5, lengthBytes: 0, kind: 'fixed' }, 0xd3: { header: 9, lengthBytes: 0, kind: 'fixed' },
  0xd9: { header: 2, lengthBytes: 1, kind: 'bytes' }, 0xda: { header: 3, lengthBytes: 2, kind: 'bytes' }, 0xdb: { header: 5, lengthBytes: 4, kind: 'bytes' },
  0xdc: { header: 3, lengthBytes: 2, kind: 'array' }, 0xdd: { header: 5, lengthBytes: 4, kind: 'array' },
  0xde: { header: 3, lengthBytes: 2, kind: 'map' }, 0xdf: { header: 5, lengthBytes: 4, kind: 'map' },
  // ext types are left out on purpose: a frame holding one takes the decoding path
};
