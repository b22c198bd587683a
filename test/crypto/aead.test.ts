import { describe, expect, it } from 'vitest';
import { prepareAead } from '../../src/crypto/aead.js';
import { concatBytes, fromHex, toHex } from '../../src/wire/hex.js';
import { configErrorOf } from './errors.js';

// McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", appendix B test cases 3, 4 and 16.
// Their 96-bit IV cafebabefacedbaddecaf888 is exactly RFC 4106's nonce salt(cafebabe) | IV(facedbaddecaf888),
// so the same vectors check the ESP split of the key material.
const K128 = 'feffe9928665731c6d6a8f9467308308';
const SALT = 'cafebabe';
const IV = fromHex('facedbaddecaf888');
const P64 =
  'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255';
const P60 = P64.slice(0, 120);
const A = 'feedfacedeadbeeffeedfacedeadbeefabaddad2';
const C3 =
  '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985';
const T3 = '4d5c2af327cd64a62cf35abd2ba6fab4';
const C4 = C3.slice(0, 120);
const T4 = '5bc94fbc3221a5db94fae95ae7121a47';
const C16 = '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662';
const T16 = '76fc6ece0f4e1768cddf8853bb2d551b';

const gcm = (keyHex: string, icvBits = 128) => prepareAead('rfc4106(gcm(aes))', fromHex(keyHex + SALT), icvBits);

describe('prepareAead() rfc4106(gcm(aes)) known answers', () => {
  it('seals GCM test case 3 (no AAD, 64 bytes)', () => {
    expect(toHex(gcm(K128).seal(IV, new Uint8Array(0), fromHex(P64)))).toBe(C3 + T3);
  });

  it('seals GCM test case 4 (AAD, 60 bytes: a partial last block)', () => {
    expect(toHex(gcm(K128).seal(IV, fromHex(A), fromHex(P60)))).toBe(C4 + T4);
  });

  it('seals GCM test case 16 (AES-256 key, AAD)', () => {
    expect(toHex(gcm(K128 + K128).seal(IV, fromHex(A), fromHex(P60)))).toBe(C16 + T16);
  });

  it('opens GCM test cases 3, 4 and 16 back to their plaintexts', () => {
    expect(toHex(gcm(K128).open(IV, new Uint8Array(0), fromHex(C3 + T3))!)).toBe(P64);
    expect(toHex(gcm(K128).open(IV, fromHex(A), fromHex(C4 + T4))!)).toBe(P60);
    expect(toHex(gcm(K128 + K128).open(IV, fromHex(A), fromHex(C16 + T16))!)).toBe(P60);
  });

  // Test cases 1 and 2: zero key, zero IV (salt 00000000 | IV 0000000000000000).
  it('seals GCM test cases 1 and 2 (empty and one zero block)', () => {
    const zero = prepareAead('rfc4106(gcm(aes))', new Uint8Array(20), 128);
    expect(toHex(zero.seal(new Uint8Array(8), new Uint8Array(0), new Uint8Array(0)))).toBe('58e2fccefa7e3061367f1d57a4e7455a');
    expect(toHex(zero.seal(new Uint8Array(8), new Uint8Array(0), new Uint8Array(16)))).toBe(
      '0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf',
    );
  });
});

describe('prepareAead() truncated ICVs', () => {
  it('seal() with 64 and 96 bits keeps the leftmost bytes of the full tag (RFC 4106 section 3)', () => {
    expect(toHex(gcm(K128, 64).seal(IV, fromHex(A), fromHex(P60)))).toBe(C4 + T4.slice(0, 16));
    expect(toHex(gcm(K128, 96).seal(IV, fromHex(A), fromHex(P60)))).toBe(C4 + T4.slice(0, 24));
  });

  it('open() accepts truncated tags of the configured length only', () => {
    expect(toHex(gcm(K128, 64).open(IV, fromHex(A), fromHex(C4 + T4.slice(0, 16)))!)).toBe(P60);
    expect(toHex(gcm(K128, 96).open(IV, fromHex(A), fromHex(C4 + T4.slice(0, 24)))!)).toBe(P60);
    // A 128-bit SA reads the last 16 bytes as the tag: 8 bytes of tag are then ciphertext.
    expect(gcm(K128, 128).open(IV, fromHex(A), fromHex(C4 + T4.slice(0, 16)))).toBeUndefined();
  });

  it('open() refuses a changed tag, ciphertext, AAD or IV', () => {
    const a = gcm(K128, 96);
    const sealed = fromHex(C4 + T4.slice(0, 24));
    for (const at of [0, 30, 59, 60, 71]) {
      const bad = sealed.slice();
      bad[at] = bad[at]! ^ 0x80;
      expect(a.open(IV, fromHex(A), bad)).toBeUndefined();
    }
    const badAad = fromHex(A);
    badAad[0] = badAad[0]! ^ 1;
    expect(a.open(IV, badAad, sealed)).toBeUndefined();
    expect(a.open(fromHex('facedbaddecaf889'), fromHex(A), sealed)).toBeUndefined();
  });

  it('open() refuses input shorter than the ICV', () => {
    expect(gcm(K128, 128).open(IV, new Uint8Array(0), new Uint8Array(15))).toBeUndefined();
  });

  it('seal() and open() handle inputs at odd byte offsets', () => {
    const a = gcm(K128);
    const buf = concatBytes(new Uint8Array(1), fromHex(A), fromHex(P60));
    const sealed = a.seal(IV, buf.subarray(1, 21), buf.subarray(21));
    expect(toHex(sealed)).toBe(C4 + T4);
    const shifted = concatBytes(new Uint8Array(3), sealed);
    expect(toHex(a.open(IV, fromHex(A), shifted.subarray(3))!)).toBe(P60);
  });
});

describe('prepareAead() parameters and refusals', () => {
  it('prepareAead() reports an 8-byte IV, a 1-byte block and the ICV length', () => {
    const a = gcm(K128, 96);
    expect([a.name, a.ivLength, a.blockSize, a.icvBits, a.icvLength]).toEqual(['rfc4106(gcm(aes))', 8, 1, 96, 12]);
  });

  it('prepareAead() refuses ICV lengths without a table entry as "Requested AEAD algorithm not found"', () => {
    // oracle/semantics/out/e01.log: `aead rfc4106(gcm(aes)) 0x0102...14 100` -> "Error: Requested AEAD algorithm not found."
    for (const bits of [0, 32, 100, 127, 192, 256]) {
      const e = configErrorOf(() => prepareAead('rfc4106(gcm(aes))', new Uint8Array(20), bits));
      expect([e.errno, e.extack]).toEqual(['ENOSYS', 'Requested AEAD algorithm not found']);
    }
  });

  it('prepareAead() accepts 20, 28 and 36-byte keys and refuses others with EINVAL', () => {
    for (const n of [20, 28, 36]) expect(prepareAead('rfc4106(gcm(aes))', new Uint8Array(n), 128).icvLength).toBe(16);
    for (const n of [0, 3, 4, 16, 19, 21, 32, 40]) {
      const e = configErrorOf(() => prepareAead('rfc4106(gcm(aes))', new Uint8Array(n), 128));
      expect([e.errno, e.extack]).toEqual(['EINVAL', undefined]);
    }
  });

  it('prepareAead() does not accept the GCM name without rfc4106', () => {
    expect(configErrorOf(() => prepareAead('gcm(aes)', new Uint8Array(20), 128)).extack).toBe('Requested AEAD algorithm not found');
  });
});
