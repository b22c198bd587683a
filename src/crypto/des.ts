/** ESP `enc` cbc(des) and cbc(des3_ede): DES and triple DES (EDE, three keys) in CBC mode (FIPS 46-3; RFC 2405, RFC 2451; kernel: crypto/des_generic.c, lib/crypto/des.c). A plain bit-table implementation: these ciphers are here to answer as the kernel does, not for speed. */

import { ConfigError } from '../errors.js';
import type { PreparedCipher } from './cipher.js';

const BLOCK = 8;

// The FIPS 46-3 tables, 1-based bit positions counted from the most significant bit.
const IP = [
  58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8, 57, 49, 41,
  33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, 61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
];
const E = [
  32, 1, 2, 3, 4, 5, 4, 5, 6, 7, 8, 9, 8, 9, 10, 11, 12, 13, 12, 13, 14, 15, 16, 17, 16, 17, 18, 19, 20, 21, 20, 21, 22, 23, 24, 25, 24, 25,
  26, 27, 28, 29, 28, 29, 30, 31, 32, 1,
];
const P = [16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25];
const PC1 = [
  57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36, 63, 55, 47, 39, 31, 23, 15, 7,
  62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
];
const PC2 = [
  14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2, 41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48,
  44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
];
const SHIFTS = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];
/** S-boxes S1..S8, each four rows of 16. */
const S = [
  '14 4 13 1 2 15 11 8 3 10 6 12 5 9 0 7 0 15 7 4 14 2 13 1 10 6 12 11 9 5 3 8 4 1 14 8 13 6 2 11 15 12 9 7 3 10 5 0 15 12 8 2 4 9 1 7 5 11 3 14 10 0 6 13',
  '15 1 8 14 6 11 3 4 9 7 2 13 12 0 5 10 3 13 4 7 15 2 8 14 12 0 1 10 6 9 11 5 0 14 7 11 10 4 13 1 5 8 12 6 9 3 2 15 13 8 10 1 3 15 4 2 11 6 7 12 0 5 14 9',
  '10 0 9 14 6 3 15 5 1 13 12 7 11 4 2 8 13 7 0 9 3 4 6 10 2 8 5 14 12 11 15 1 13 6 4 9 8 15 3 0 11 1 2 12 5 10 14 7 1 10 13 0 6 9 8 7 4 15 14 3 11 5 2 12',
  '7 13 14 3 0 6 9 10 1 2 8 5 11 12 4 15 13 8 11 5 6 15 0 3 4 7 2 12 1 10 14 9 10 6 9 0 12 11 7 13 15 1 3 14 5 2 8 4 3 15 0 6 10 1 13 8 9 4 5 11 12 7 2 14',
  '2 12 4 1 7 10 11 6 8 5 3 15 13 0 14 9 14 11 2 12 4 7 13 1 5 0 15 10 3 9 8 6 4 2 1 11 10 13 7 8 15 9 12 5 6 3 0 14 11 8 12 7 1 14 2 13 6 15 0 9 10 4 5 3',
  '12 1 10 15 9 2 6 8 0 13 3 4 14 7 5 11 10 15 4 2 7 12 9 5 6 1 13 14 0 11 3 8 9 14 15 5 2 8 12 3 7 0 4 10 1 13 11 6 4 3 2 12 9 5 15 10 11 14 1 7 6 0 8 13',
  '4 11 2 14 15 0 8 13 3 12 9 7 5 10 6 1 13 0 11 7 4 9 1 10 14 3 5 12 2 15 8 6 1 4 11 13 12 3 7 14 10 15 6 8 0 5 9 2 6 11 13 8 1 4 10 7 9 5 0 15 14 2 3 12',
  '13 2 8 4 6 15 11 1 10 9 3 14 5 0 12 7 1 15 13 8 10 3 7 4 12 5 6 11 0 14 9 2 7 11 4 1 9 12 14 2 0 6 10 13 15 3 5 8 2 1 14 7 4 10 8 13 15 12 9 0 3 5 6 11',
].map((t) => t.split(' ').map(Number));

type Bits = number[];

const toBits = (bytes: Uint8Array): Bits => Array.from({ length: bytes.length * 8 }, (_, i) => (bytes[i >> 3]! >> (7 - (i & 7))) & 1);
const permute = (bits: Bits, table: readonly number[]): Bits => table.map((p) => bits[p - 1]!);
const rotl = (half: Bits, n: number): Bits => [...half.slice(n), ...half.slice(0, n)];

/** The 16 round keys of one DES key (parity bits ignored, as PC-1 drops them). */
function keySchedule(key: Uint8Array): Bits[] {
  const cd = permute(toBits(key), PC1);
  let c = cd.slice(0, 28);
  let d = cd.slice(28);
  return SHIFTS.map((n) => {
    c = rotl(c, n);
    d = rotl(d, n);
    return permute([...c, ...d], PC2);
  });
}

/** The round function f(R, K): expansion, key mixing, the S-boxes, permutation P. */
function feistel(r: Bits, k: Bits): Bits {
  const x = permute(r, E).map((b, i) => b ^ k[i]!);
  const out: Bits = [];
  for (let s = 0; s < 8; s++) {
    const six = x.slice(s * 6, s * 6 + 6);
    const v = S[s]![((six[0]! << 1) | six[5]!) * 16 + ((six[1]! << 3) | (six[2]! << 2) | (six[3]! << 1) | six[4]!)]!;
    out.push((v >> 3) & 1, (v >> 2) & 1, (v >> 1) & 1, v & 1);
  }
  return permute(out, P);
}

/** One DES block with `keys` in order (encryption) or reversed (decryption). */
function desBits(block: Bits, keys: readonly Bits[]): Bits {
  const ip = permute(block, IP);
  let l = ip.slice(0, 32);
  let r = ip.slice(32);
  for (const k of keys) {
    const f = feistel(r, k);
    [l, r] = [r, l.map((b, i) => b ^ f[i]!)];
  }
  // The halves swap once more before the final permutation, the inverse of IP.
  const pre = [...r, ...l];
  const out: Bits = new Array(64);
  IP.forEach((p, i) => {
    out[p - 1] = pre[i]!;
  });
  return out;
}

const toBytes = (bits: Bits): Uint8Array => {
  const out = new Uint8Array(bits.length / 8);
  bits.forEach((b, i) => {
    out[i >> 3] = out[i >> 3]! | (b << (7 - (i & 7)));
  });
  return out;
};

/**
 * Prepares `enc cbc(des) KEY` (8 bytes) or `enc cbc(des3_ede) KEY` (24 bytes, K1 | K2 | K3,
 * encrypt-decrypt-encrypt). Another length is EINVAL from setkey; weak keys are accepted, as
 * xfrm does not ask the kernel to refuse them.
 */
export function prepareDesCbc(name: 'cbc(des)' | 'cbc(des3_ede)', key: Uint8Array): PreparedCipher {
  const count = name === 'cbc(des)' ? 1 : 3;
  if (key.length !== count * BLOCK) throw new ConfigError('EINVAL');
  const schedules = Array.from({ length: count }, (_, i) => keySchedule(key.subarray(i * BLOCK, (i + 1) * BLOCK)));
  const reversed = schedules.map((s) => [...s].reverse());
  const encryptBlock = (bits: Bits): Bits =>
    count === 1 ? desBits(bits, schedules[0]!) : desBits(desBits(desBits(bits, schedules[0]!), reversed[1]!), schedules[2]!);
  const decryptBlock = (bits: Bits): Bits =>
    count === 1 ? desBits(bits, reversed[0]!) : desBits(desBits(desBits(bits, reversed[2]!), schedules[1]!), reversed[0]!);
  const check = (what: string, iv: Uint8Array, data: Uint8Array) => {
    if (iv.length !== BLOCK) throw new RangeError(`${name} ${what}: IV must be 8 bytes, got ${iv.length}`);
    if (data.length % BLOCK !== 0) throw new RangeError(`${name} ${what}: ${data.length} bytes is not a multiple of 8`);
  };
  return {
    name,
    blockSize: BLOCK,
    ivLength: BLOCK,
    encrypt(iv, plaintext) {
      check('encrypt', iv, plaintext);
      const out = new Uint8Array(plaintext.length);
      let chain = iv;
      for (let o = 0; o < plaintext.length; o += BLOCK) {
        const x = plaintext.slice(o, o + BLOCK).map((b, i) => b ^ chain[i]!);
        const c = toBytes(encryptBlock(toBits(x)));
        out.set(c, o);
        chain = c;
      }
      return out;
    },
    decrypt(iv, ciphertext) {
      check('decrypt', iv, ciphertext);
      const out = new Uint8Array(ciphertext.length);
      let chain = iv;
      for (let o = 0; o < ciphertext.length; o += BLOCK) {
        const c = ciphertext.slice(o, o + BLOCK);
        const p = toBytes(decryptBlock(toBits(c)));
        out.set(
          p.map((b, i) => b ^ chain[i]!),
          o,
        );
        chain = c;
      }
      return out;
    },
    destroy() {
      for (const s of schedules) for (const k of s) k.fill(0);
    },
  };
}
