// Fuzz run of the codec and framing Kong's bytes go through (src/rpc/framing.ts FrameReader, which
// scans, decodes and checks each frame). FrameReader.push(chunk) must return the requests it
// completed, or throw FrameTooLargeError / MalformedFrameError (the connection is then closed);
// any other exception is a crash. Valid frames must come back whole however the stream is cut.
//
// Usage: npm run fuzz -- [--frames 1000000] [--seed 42]
//
// Families, each fed through fresh readers in streams cut at random offsets:
//   valid      random requests (fast-check values encoded by @msgpack/msgpack, an encoder independent
//              of the server's), several per stream; every one must decode to the same msgid/method
//              (and, for a sample, the same params)
//   mutated    valid streams with random bytes flipped, inserted, deleted or cut short
//   random     random bytes
//   nested     arrays and maps nested 10 to 200 000 deep in a request's params
//   oversized  frames over the reader's --max-frame-size, and headers that claim 4 GB strings,
//              binaries, arrays and maps
//   edge       0xc1, extension types, invalid UTF-8, msgid/method/params of the wrong type, frames
//              that are not requests ([1, …], [2, …], wrong arity)
import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import { Encoder } from '@msgpack/msgpack';
import fc from 'fast-check';
import { FrameReader, type RpcRequest } from '../src/rpc/framing.ts';
import { FrameTooLargeError, MalformedFrameError } from '../src/errors.ts';

const { values } = parseArgs({ options: { frames: { type: 'string', default: '1000000' }, seed: { type: 'string', default: '42' } } });
const TARGET = Number(values.frames);
const SEED = Number(values.seed);
const MAX_FRAME = 64 * 1024; // small, so oversized frames are cheap to make; the logic is the same at 32 MiB

// ---- a seeded PRNG for cuts and mutations (xorshift32) ------------------------------------------
let state = SEED >>> 0 || 1;
function rand(): number {
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state / 4294967296;
}
const randInt = (n: number) => Math.floor(rand() * n);

// ---- values Kong could send, from fast-check --------------------------------------------------
const key = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', ''));
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }),
    fc.maxSafeInteger(),
    fc.double(),
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.uint8Array({ maxLength: 64 }),
    fc.array(tie('value'), { maxLength: 6 }),
    fc.dictionary(key, tie('value'), { maxKeys: 6, noNullPrototype: true }),
  ),
}));
const method = fc.oneof(
  fc.constantFrom('plugin.Step', 'plugin.StepMultiMap', 'plugin.HandleEvent', 'plugin.StartInstance', 'plugin.GetStatus', 'plugin.CloseInstance'),
  fc.string({ maxLength: 30 }),
);
const requestArb = fc.tuple(fc.nat({ max: 2 ** 32 - 1 }), method, fc.array(value, { maxLength: 3 }));
console.log(`generating a pool of requests with fast-check (seed ${SEED}) …`);
const POOL = fc.sample(requestArb, { numRuns: 20_000, seed: SEED });
const encoder = new Encoder({ ignoreUndefined: true });
const encodedPool = POOL.map(([id, m, params]) => ({ id, m, params, bytes: Buffer.from(encoder.encode([0, id, m, params])) }));
const randomBlobs = fc
  .sample(fc.uint8Array({ minLength: 1, maxLength: 600 }), { numRuns: 5_000, seed: SEED + 1 })
  .map((b) => Buffer.from(b));

// ---- the harness ---------------------------------------------------------------------------------
interface Tally {
  frames: number;
  streams: number;
  requests: number;
  malformed: number;
  tooLarge: number;
  crashes: number;
  mismatches: number;
}
const tallies = new Map<string, Tally>();
const crashes: string[] = [];
let total = 0;

function tally(family: string): Tally {
  let t = tallies.get(family);
  if (!t) tallies.set(family, (t = { frames: 0, streams: 0, requests: 0, malformed: 0, tooLarge: 0, crashes: 0, mismatches: 0 }));
  return t;
}

/** Cuts a stream at random offsets (1 to 8 pieces, sometimes byte by byte for short streams). */
function cut(stream: Buffer): Buffer[] {
  if (stream.length < 64 && rand() < 0.05) return [...stream].map((b) => Buffer.from([b]));
  const pieces = 1 + randInt(8);
  const points = Array.from({ length: pieces - 1 }, () => randInt(stream.length + 1)).sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of [...points, stream.length]) {
    out.push(stream.subarray(from, p));
    from = p;
  }
  return out;
}

/** Feeds one stream to a fresh reader; returns what it decoded. Counts refusals and crashes. */
function feed(family: string, stream: Buffer, frames: number): RpcRequest[] | null {
  const t = tally(family);
  t.frames += frames;
  t.streams++;
  total += frames;
  const reader = new FrameReader(MAX_FRAME);
  const got: RpcRequest[] = [];
  try {
    for (const chunk of cut(stream)) got.push(...reader.push(chunk));
    t.requests += got.length;
    return got;
  } catch (err) {
    if (err instanceof MalformedFrameError) t.malformed++;
    else if (err instanceof FrameTooLargeError) t.tooLarge++;
    else {
      t.crashes++;
      if (crashes.length < 10) crashes.push(`${family}: ${err instanceof Error ? err.stack : String(err)}\n  input (first 200 bytes): ${stream.subarray(0, 200).toString('hex')}`);
    }
    return null;
  }
}

const pick = <T>(xs: readonly T[]): T => xs[randInt(xs.length)]!;
const mismatchSamples: string[] = [];

/** A value as plain data for comparison: bytes as hex, objects as [key, value] lists (any prototype). */
function norm(v: unknown): unknown {
  if (v instanceof Uint8Array) return `bytes:${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
  if (Array.isArray(v)) return v.map(norm);
  if (typeof v === 'object' && v !== null) return Object.keys(v).map((k) => [k, norm((v as Record<string, unknown>)[k])]);
  return v;
}

function validStream(): { stream: Buffer; reqs: typeof encodedPool } {
  const reqs = Array.from({ length: 1 + randInt(12) }, () => pick(encodedPool));
  return { stream: Buffer.concat(reqs.map((r) => r.bytes)), reqs };
}

function mpStrHeader(len: number, kind: 'str' | 'bin' | 'array' | 'map'): Buffer {
  const codes = { str: 0xdb, bin: 0xc6, array: 0xdd, map: 0xdf };
  const b = Buffer.alloc(5);
  b[0] = codes[kind];
  b.writeUInt32BE(len, 1);
  return b;
}
const requestPrefix = (id: number, m = 'plugin.Step') => Buffer.concat([Buffer.from([0x94, 0x00]), Buffer.from(encoder.encode(id)), Buffer.from(encoder.encode(m))]);

// ---- the families ----------------------------------------------------------------------------------
const families: Record<string, () => void> = {
  valid() {
    const { stream, reqs } = validStream();
    const got = feed('valid', stream, reqs.length);
    const t = tally('valid');
    if (!got) return void t.mismatches++; // a valid stream must never be refused (MAX_FRAME is far above them)
    if (got.length !== reqs.length || got.some((g, i) => g.msgid !== reqs[i]!.id || g.method !== reqs[i]!.m)) return void t.mismatches++;
    if (rand() < 0.02) {
      try {
        for (let i = 0; i < reqs.length; i++) assert.deepEqual(norm(got[i]!.params), norm(reqs[i]!.params));
      } catch (err) {
        t.mismatches++;
        if (mismatchSamples.length < 5) mismatchSamples.push(String((err as Error).message).slice(0, 600));
      }
    }
  },
  mutated() {
    const { stream, reqs } = validStream();
    const b = Buffer.from(stream);
    const edits = 1 + randInt(4);
    let out = b;
    for (let i = 0; i < edits; i++) {
      const at = randInt(out.length);
      const op = randInt(4);
      if (op === 0) out[at] = randInt(256);
      else if (op === 1) out = Buffer.concat([out.subarray(0, at), Buffer.from([randInt(256)]), out.subarray(at)]);
      else if (op === 2) out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1)]);
      else out = out.subarray(0, at);
    }
    feed('mutated', out, reqs.length);
  },
  random() {
    feed('random', pick(randomBlobs), 1);
  },
  nested() {
    const depth = pick([10, 100, 1000, 5000, 20_000, 200_000]);
    const map = rand() < 0.5;
    const level = map ? Buffer.from([0x81, 0xa1, 0x6b]) : Buffer.from([0x91]);
    const body = Buffer.concat([Buffer.alloc(0), ...Array.from({ length: Math.min(depth, 200_000) }, () => level), Buffer.from([0xc0])]);
    const frame = Buffer.concat([requestPrefix(randInt(1000)), Buffer.from([0x91]), body]);
    feed('nested', frame, 1);
  },
  oversized() {
    const kind = pick(['str', 'bin', 'array', 'map'] as const);
    if (rand() < 0.5) {
      // a header claiming 4 GB, followed by a little data: the reader must wait or refuse, not allocate 4 GB
      const frame = Buffer.concat([
        requestPrefix(randInt(1000)), Buffer.from([0x91]), mpStrHeader(0xffffffff, kind), Buffer.alloc(randInt(2048), 0x61),
      ]);
      feed('oversized', frame, 1);
    } else {
      // a real frame just over the limit
      const payload = Buffer.alloc(MAX_FRAME + randInt(4096), 0x62);
      const frame = Buffer.concat([
        requestPrefix(randInt(1000)), Buffer.from([0x91]), Buffer.from([0xc6]), Buffer.from([0, 0, 0, 0]), payload,
      ]);
      frame.writeUInt32BE(payload.length, frame.length - payload.length - 4);
      feed('oversized', frame, 1);
    }
  },
  edge() {
    const cases: Buffer[] = [
      Buffer.from([0xc1]),
      Buffer.concat([requestPrefix(1), Buffer.from([0x91, 0xc1])]),
      Buffer.concat([requestPrefix(2), Buffer.from([0x91, 0xd6, 0xff, 0, 0, 0, 0])]), // timestamp ext
      Buffer.concat([requestPrefix(3), Buffer.from([0x91, 0xc7, 0x03, 0x05, 1, 2, 3])]), // unknown ext
      Buffer.concat([requestPrefix(4), Buffer.from([0x91, 0xa4, 0xff, 0xfe, 0xc3, 0x28])]), // invalid UTF-8
      Buffer.from(encoder.encode([0, -1, 'plugin.Step', []])),
      Buffer.from(encoder.encode([0, 1.5, 'plugin.Step', []])),
      Buffer.from(encoder.encode([0, 'x', 'plugin.Step', []])),
      Buffer.from(encoder.encode([0, 1, 42, []])),
      Buffer.from(encoder.encode([0, 1, 'plugin.Step', 'not an array'])),
      Buffer.from(encoder.encode([1, 1, null, 'a response'])),
      Buffer.from(encoder.encode([2, 'serverPid', 1])),
      Buffer.from(encoder.encode([0, 1, 'plugin.Step'])),
      Buffer.from(encoder.encode({ not: 'an array' })),
      Buffer.from(encoder.encode('a string')),
      Buffer.from([0x94, 0x00, 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xa1, 0x78, 0x90]), // uint64 msgid
    ];
    const n = 1 + randInt(4);
    const parts = Array.from({ length: n }, () => (rand() < 0.5 ? pick(cases) : pick(encodedPool).bytes));
    feed('edge', Buffer.concat(parts), n);
  },
};

// Shares of the run: mostly valid and mutated streams (many frames each), the rest spread out.
const schedule: Array<[string, number]> = [['valid', 40], ['mutated', 30], ['random', 10], ['edge', 12], ['nested', 4], ['oversized', 4]];
const weights = schedule.reduce((s, [, w]) => s + w, 0);
function nextFamily(): string {
  let r = rand() * weights;
  for (const [name, w] of schedule) if ((r -= w) < 0) return name;
  return 'valid';
}

const t0 = performance.now();
let lastReport = t0;
while (total < TARGET) {
  families[nextFamily()]!();
  if (performance.now() - lastReport > 5000) {
    lastReport = performance.now();
    console.log(`  … ${total.toLocaleString('en')} frames, ${((lastReport - t0) / 1000).toFixed(0)} s`);
  }
}
const seconds = (performance.now() - t0) / 1000;

console.log(`\nfuzz-codec: ${total.toLocaleString('en')} frames in ${seconds.toFixed(1)} s (seed ${SEED}, reader limit ${MAX_FRAME} bytes)\n`);
console.log('family      frames     streams   requests   malformed  too-large  crashes  mismatches');
let crashCount = 0;
let mismatchCount = 0;
for (const [name] of schedule) {
  const t = tally(name);
  crashCount += t.crashes;
  mismatchCount += t.mismatches;
  console.log(
    `${name.padEnd(10)} ${String(t.frames).padStart(8)} ${String(t.streams).padStart(10)} ${String(t.requests).padStart(10)} ${String(t.malformed).padStart(11)} ${String(t.tooLarge).padStart(10)} ${String(t.crashes).padStart(8)} ${String(t.mismatches).padStart(11)}`,
  );
}
console.log(`\ncrashes: ${crashCount}   mismatches (valid frames not read back whole): ${mismatchCount}`);
for (const c of crashes) console.log(`\n${c}`);
for (const m of mismatchSamples) console.log(`\nmismatch: ${m}`);
process.exitCode = crashCount === 0 && mismatchCount === 0 ? 0 : 1;
