import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { chacha20Block } from '../../sandbox-runtime/web/chacha20.ts';

// Node's ChaCha20 (OpenSSL) as the oracle: its IV is the 32-bit block counter (little-endian) then the nonce.
function opensslBlock(key: Buffer, counter: number): Buffer {
  const iv = Buffer.alloc(16);
  iv.writeUInt32LE(counter, 0);
  return crypto.createCipheriv('chacha20', key, iv).update(Buffer.alloc(64));
}

test('the ChaCha20 block function matches RFC 8439 (A.1 #1) and OpenSSL for random keys and counters', () => {
  const zero = Buffer.alloc(64);
  chacha20Block(new Uint32Array(8), 0, zero, 0);
  assert.equal(zero.subarray(0, 16).toString('hex'), '76b8e0ada0f13d90405d6ae55386bd28');
  for (let i = 0; i < 200; i++) {
    const key = crypto.randomBytes(32);
    const counter = i < 4 ? [0, 1, 0x7fffffff, 0xffffffff][i]! : crypto.randomInt(0, 2 ** 32);
    const out = Buffer.alloc(72);
    chacha20Block(new Uint32Array(key.buffer, key.byteOffset, 8), counter, out, 8);
    assert.deepEqual(out.subarray(8), opensslBlock(key, counter), `key ${key.toString('hex')} counter ${counter}`);
  }
});
