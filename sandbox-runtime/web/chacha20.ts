// The ChaCha20 block function (RFC 8439), the core of the isolate's random generator.

/** Writes the 64-byte block for `key` (8 words), `counter` and a zero nonce into `out` at `at`. */
export function chacha20Block(key: Uint32Array, counter: number, out: Uint8Array, at: number): void {
  const x = new Uint32Array(16);
  x[0] = 0x61707865;
  x[1] = 0x3320646e;
  x[2] = 0x79622d32;
  x[3] = 0x6b206574;
  for (let i = 0; i < 8; i++) x[4 + i] = key[i]!;
  x[12] = counter;
  // x[13..15]: nonce, zero (each key serves one run of counters only; see RandomPool)
  const s = x.slice();
  for (let r = 0; r < 10; r++) {
    quarter(s, 0, 4, 8, 12);
    quarter(s, 1, 5, 9, 13);
    quarter(s, 2, 6, 10, 14);
    quarter(s, 3, 7, 11, 15);
    quarter(s, 0, 5, 10, 15);
    quarter(s, 1, 6, 11, 12);
    quarter(s, 2, 7, 8, 13);
    quarter(s, 3, 4, 9, 14);
  }
  for (let i = 0; i < 16; i++) {
    const v = (s[i]! + x[i]!) >>> 0;
    out[at + i * 4] = v & 0xff;
    out[at + i * 4 + 1] = (v >>> 8) & 0xff;
    out[at + i * 4 + 2] = (v >>> 16) & 0xff;
    out[at + i * 4 + 3] = v >>> 24;
  }
}

function quarter(s: Uint32Array, a: number, b: number, c: number, d: number): void {
  // in locals as int32 bits (`| 0` wraps the sums), written back once; the Uint32Array stores them mod 2^32
  let va = s[a]!, vb = s[b]!, vc = s[c]!, vd = s[d]!;
  va = (va + vb) | 0;
  vd = rotl(vd ^ va, 16);
  vc = (vc + vd) | 0;
  vb = rotl(vb ^ vc, 12);
  va = (va + vb) | 0;
  vd = rotl(vd ^ va, 8);
  vc = (vc + vd) | 0;
  vb = rotl(vb ^ vc, 7);
  s[a] = va;
  s[b] = vb;
  s[c] = vc;
  s[d] = vd;
}

function rotl(v: number, n: number): number {
  return (v << n) | (v >>> (32 - n));
}
