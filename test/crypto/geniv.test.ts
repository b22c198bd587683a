import { describe, expect, it } from 'vitest';
import { prepareCipher } from '../../src/crypto/cipher.js';
import { echainivBlock, echainivIv, seqivIv } from '../../src/crypto/geniv.js';
import { fromHex, toHex } from '../../src/wire/hex.js';

// The kernel-derived checks (IVs of real captures) are in test/xfrm/kernel-vectors.test.ts; these
// pin the arithmetic on hand-computed values.
describe('echainivBlock()', () => {
  it('sets the low bit of each little-endian salt chunk and multiplies by the sequence number', () => {
    // Chunk 1: 0x02 | 1 = 3, times 5 = 15 = 0x0f. Chunk 2: 0x0100 | 1 = 0x0101, times 5 = 0x0505.
    const salt = fromHex('0200000000000000' + '0001000000000000');
    expect(toHex(echainivBlock(salt, 5n))).toBe('0f00000000000000' + '0505000000000000');
  });

  it('wraps modulo 2^64', () => {
    expect(toHex(echainivBlock(fromHex('ffffffffffffffff'), 2n))).toBe('feffffffffffffff');
  });

  it('refuses a salt that is not whole 8-byte chunks', () => {
    expect(() => echainivBlock(new Uint8Array(12), 1n)).toThrow(RangeError);
  });
});

describe('echainivIv()', () => {
  it('is the cipher applied to the echainiv block (one CBC block under a zero IV)', () => {
    const cipher = prepareCipher('cbc(aes)', new Uint8Array(16));
    const salt = new Uint8Array(16).fill(0x10);
    const iv = echainivIv(cipher, salt, 3n);
    expect(toHex(cipher.decrypt(new Uint8Array(16), iv))).toBe(toHex(echainivBlock(salt, 3n)));
  });

  it('is empty for a cipher without IV and refuses a salt of the wrong length', () => {
    expect(echainivIv(prepareCipher('cipher_null', new Uint8Array(0)), new Uint8Array(0), 1n)).toHaveLength(0);
    expect(() => echainivIv(prepareCipher('aes', new Uint8Array(16)), new Uint8Array(8), 1n)).toThrow(RangeError);
  });
});

describe('seqivIv()', () => {
  it('XORs the 64-bit big-endian sequence number (ESN high bits on top) into the salt', () => {
    expect(toHex(seqivIv(fromHex('0102030405060708'), (3n << 32n) | 0x10n))).toBe('0102030705060718');
  });

  it('refuses a salt other than 8 bytes', () => {
    expect(() => seqivIv(new Uint8Array(4), 1n)).toThrow(RangeError);
  });
});
