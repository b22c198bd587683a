/** The world's seeded random source: a ChaCha20 keystream (RFC 8439) keyed by SHA-256 of the seed, with labelled substreams. */

import { chacha20 } from '@noble/ciphers/chacha.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

/**
 * Deterministic randomness: the same seed gives the same sequence on every run and platform.
 * Not for real secrets: the point is reproducible scenarios (ESP IVs, ping identifiers, ISNs,
 * link-local addresses), where Linux would read get_random_bytes().
 */
export interface Random {
  /** The next n bytes of the stream. */
  bytes(n: number): Uint8Array;
  /** The next 4 bytes as a big-endian unsigned integer. */
  u32(): number;
  /** A uniform integer in [0, n), 1 <= n <= 2^32 (rejection sampling, no modulo bias). */
  below(n: number): number;
  /**
   * An independent stream derived from this one's key and `label` alone: forking reads nothing
   * from this stream, so a new consumer does not shift the bytes anyone else gets, and the same
   * label always gives the same substream.
   */
  fork(label: string): Random;
}

const utf8 = new TextEncoder();
const BLOCK_BYTES = 64;
/** Keystream generated per refill: 16 ChaCha20 blocks. */
const CHUNK_BLOCKS = 16;
const CHUNK_BYTES = BLOCK_BYTES * CHUNK_BLOCKS;
const U32_RANGE = 0x1_0000_0000;
/** Blocks per nonce value: well inside noble's non-wrapping 32-bit counter. */
const COUNTER_WINDOW = 0x8000_0000;

/** A random source for `seed` (text is read as UTF-8). */
export function createRandom(seed: string | Uint8Array): Random {
  const seedBytes = typeof seed === 'string' ? utf8.encode(seed) : seed;
  return fromKey(sha256(seedBytes));
}

function fromKey(key: Uint8Array): Random {
  // The nonce carries the high part of the block index, so the stream goes on where noble's
  // 32-bit block counter would stop (it refuses to wrap).
  const nonce = new Uint8Array(12);
  const nonceView = new DataView(nonce.buffer);
  let blockHigh = 0;
  let blockLow = 0;
  const zeros = new Uint8Array(CHUNK_BYTES);
  let chunk = new Uint8Array(0);
  let pos = 0;

  const refill = () => {
    nonceView.setUint32(0, blockHigh);
    chunk = chacha20(key, nonce, zeros, undefined, blockLow);
    pos = 0;
    blockLow += CHUNK_BLOCKS;
    if (blockLow >= COUNTER_WINDOW) {
      blockLow = 0;
      blockHigh += 1;
    }
  };

  const bytes = (n: number): Uint8Array => {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`Random.bytes: bad length ${n}`);
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      if (pos === chunk.length) refill();
      const take = Math.min(n - filled, chunk.length - pos);
      out.set(chunk.subarray(pos, pos + take), filled);
      pos += take;
      filled += take;
    }
    return out;
  };

  const u32 = (): number => {
    const b = bytes(4);
    return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  };

  return {
    bytes,
    u32,
    below(n) {
      if (!Number.isInteger(n) || n < 1 || n > U32_RANGE) throw new RangeError(`Random.below: bound ${n} is not in 1..2^32`);
      // Accept only draws below the largest multiple of n, so every residue is equally likely.
      const limit = U32_RANGE - (U32_RANGE % n);
      for (;;) {
        const x = u32();
        if (x < limit) return x % n;
      }
    },
    fork(label) {
      return fromKey(hmac(sha256, key, utf8.encode(`xfrmsim fork:${label}`)));
    },
  };
}
