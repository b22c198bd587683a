import { createCipheriv, createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../../src/crypto/random.js';
import { concatBytes, toHex } from '../../src/wire/hex.js';

describe('createRandom()', () => {
  it('gives the same sequence for the same seed', () => {
    const a = createRandom('scenario-1');
    const b = createRandom('scenario-1');
    expect(toHex(a.bytes(100))).toBe(toHex(b.bytes(100)));
    expect(a.u32()).toBe(b.u32());
    expect(a.below(1000)).toBe(b.below(1000));
  });

  it('gives different sequences for different seeds', () => {
    expect(toHex(createRandom('a').bytes(32))).not.toBe(toHex(createRandom('b').bytes(32)));
  });

  it('is the ChaCha20 keystream (RFC 8439) under SHA-256 of the seed with a zero nonce', () => {
    // Checked with OpenSSL's chacha20 through node:crypto (its 16-byte IV is the LE block counter, then
    // the nonce), and independent of our chunking: the first 3000 bytes equal one keystream call.
    const key = new Uint8Array(createHash('sha256').update('seed').digest());
    const expected = new Uint8Array(createCipheriv('chacha20', key, new Uint8Array(16)).update(new Uint8Array(3000)));
    const r = createRandom('seed');
    const got = concatBytes(r.bytes(1), r.bytes(0), r.bytes(1023), r.bytes(1), r.bytes(1975));
    expect(toHex(got)).toBe(toHex(expected));
  });

  it('reads a text seed as UTF-8, so a string and its bytes agree', () => {
    expect(toHex(createRandom('päd').bytes(16))).toBe(toHex(createRandom(new TextEncoder().encode('päd')).bytes(16)));
  });

  it('u32() is the next 4 bytes big-endian', () => {
    const b = createRandom('x').bytes(8);
    const r = createRandom('x');
    expect(r.u32()).toBe(((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0);
    expect(r.u32()).toBe(((b[4]! << 24) | (b[5]! << 16) | (b[6]! << 8) | b[7]!) >>> 0);
  });

  it('below(n) stays in [0, n) and accepts 1 and 2^32', () => {
    const r = createRandom('bounds');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 32 }), (n) => {
        const x = r.below(n);
        expect(Number.isInteger(x) && x >= 0 && x < n).toBe(true);
      }),
    );
    expect(r.below(1)).toBe(0);
    expect(() => r.below(0)).toThrow(RangeError);
    expect(() => r.below(2 ** 32 + 1)).toThrow(RangeError);
    expect(() => r.below(1.5)).toThrow(RangeError);
  });

  it('below(3) hits every value about equally often', () => {
    const r = createRandom('fair');
    const counts = [0, 0, 0];
    for (let i = 0; i < 30000; i++) counts[r.below(3)]!++;
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(500);
  });

  it('fork() does not consume the parent stream', () => {
    const plain = createRandom('s');
    const forked = createRandom('s');
    forked.fork('esp-iv');
    forked.fork('ping-id').bytes(64);
    expect(toHex(forked.bytes(64))).toBe(toHex(plain.bytes(64)));
  });

  it('fork() with the same label gives the same substream, other labels other streams', () => {
    const r = createRandom('s');
    const one = toHex(r.fork('a').bytes(32));
    r.bytes(10);
    expect(toHex(r.fork('a').bytes(32))).toBe(one);
    expect(toHex(r.fork('b').bytes(32))).not.toBe(one);
    expect(toHex(createRandom('s').bytes(32))).not.toBe(one);
    expect(toHex(r.fork('a').fork('a').bytes(32))).not.toBe(one);
  });

  it('bytes() refuses negative and fractional lengths', () => {
    const r = createRandom('s');
    expect(() => r.bytes(-1)).toThrow(RangeError);
    expect(() => r.bytes(1.5)).toThrow(RangeError);
  });
});
