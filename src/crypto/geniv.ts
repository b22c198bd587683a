/** How Linux makes ESP IVs from the sequence number and a per-SA salt (kernel: crypto/echainiv.c echainiv_encrypt, crypto/seqiv.c seqiv_aead_encrypt). */

import type { PreparedCipher } from './cipher.js';

const MASK64 = (1n << 64n) - 1n;

/**
 * echainiv's IV block before encryption: each 8-byte chunk is (salt chunk | 1) * seq, computed as
 * little-endian 64-bit numbers (x86 memory order, as the kernel's memcpy into a u64 reads them).
 * `seq` is the 64-bit sequence number (ESN high bits included; plain SAs: the 32-bit seq).
 */
export function echainivBlock(salt: Uint8Array, seq: bigint): Uint8Array {
  if (salt.length % 8 !== 0) throw new RangeError(`echainiv: salt length ${salt.length} is not a multiple of 8`);
  const out = new Uint8Array(salt.length);
  const saltView = new DataView(salt.buffer, salt.byteOffset, salt.byteLength);
  const outView = new DataView(out.buffer);
  for (let o = 0; o < salt.length; o += 8) {
    const a = saltView.getBigUint64(o, true) | 1n;
    outView.setBigUint64(o, (a * (seq & MASK64)) & MASK64, true);
  }
  return out;
}

/**
 * The IV field echainiv puts in a CBC ESP packet: the kernel encrypts a zeroed IV field as the
 * first CBC block under the IV echainivBlock() gives, so the wire IV is E_K(that block) and the
 * rest of the packet is plain CBC under it. Unpredictable to an observer, yet deterministic here.
 */
export function echainivIv(cipher: PreparedCipher, salt: Uint8Array, seq: bigint): Uint8Array {
  if (cipher.ivLength === 0) return new Uint8Array(0);
  if (salt.length !== cipher.ivLength) throw new RangeError(`echainiv: salt must be ${cipher.ivLength} bytes, got ${salt.length}`);
  return cipher.encrypt(new Uint8Array(cipher.ivLength), echainivBlock(salt, seq));
}

/** seqiv (rfc4106 and other counter modes): IV = the 64-bit big-endian sequence number XOR an 8-byte salt. */
export function seqivIv(salt: Uint8Array, seq: bigint): Uint8Array {
  if (salt.length !== 8) throw new RangeError(`seqiv: salt must be 8 bytes, got ${salt.length}`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, seq & MASK64);
  for (let i = 0; i < 8; i++) out[i] = out[i]! ^ salt[i]!;
  return out;
}
