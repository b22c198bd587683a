/** ESP `aead` algorithms: rfc4106(gcm(aes)) and rfc4543(gcm(aes)) here (RFC 4106, RFC 4543; NIST SP 800-38D; kernel: crypto/gcm.c crypto_rfc4106_*, crypto_rfc4543_*), rfc4309(ccm(aes)) and rfc7539esp(chacha20,poly1305) in their own modules. */

import { GHASH } from '@noble/ciphers/_polyval.js';
import { unsafe } from '@noble/ciphers/aes.js';
import { prepareCcm } from './aead-ccm.js';
import { prepareChachaPoly } from './aead-chacha.js';
import { notModelled, resolveAead } from './algorithms.js';
import { concat, expandSaltedAesKey } from './bytes.js';
import { constantTimeEqual, wipe } from './constant-time.js';

/** An AEAD bound to one key: `seal` gives ciphertext|ICV, `open` the plaintext or undefined. */
export interface PreparedAead {
  readonly name: string;
  readonly icvBits: number;
  readonly icvLength: number;
  /** IV bytes in each ESP packet (RFC 4106: 8). */
  readonly ivLength: number;
  /** The crypto block size (GCM is a stream mode: 1); ESP pads to ALIGN(this, 4). */
  readonly blockSize: number;
  seal(iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Undefined when the ICV does not verify (nothing of the plaintext is released then). */
  open(iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined;
  destroy(): void;
}

const SALT_LENGTH = 4;
const IV_LENGTH = 8;
const BLOCK = 16;
const EMPTY = new Uint8Array(0);
/** GHASH table size: a 4-bit window (about 25 KB per SA) suits packets of a few hundred bytes. */
const GHASH_EXPECTED_LENGTH = 2048;

/** The accumulator fields of noble's GHASH, reset per packet so the key's table is built once per SA. */
interface GhashState {
  s0: number;
  s1: number;
  s2: number;
  s3: number;
  finished: boolean;
}

/**
 * Prepares `aead NAME KEY ICVBITS`. The name and ICV length are checked first (ENOSYS "Requested
 * AEAD algorithm not found"), then the key length (EINVAL from setkey, no extack).
 */
export function prepareAead(name: string, keyWithSalt: Uint8Array, icvBits: number): PreparedAead {
  const algorithm = resolveAead(name, icvBits);
  if (!algorithm.modelled) throw notModelled(algorithm.name);
  if (algorithm.name === 'rfc4309(ccm(aes))') return prepareCcm(algorithm.name, keyWithSalt, icvBits);
  if (algorithm.name === 'rfc7539esp(chacha20,poly1305)') return prepareChachaPoly(algorithm.name, keyWithSalt, icvBits);
  return prepareGcm(algorithm.name, keyWithSalt, icvBits, algorithm.name === 'rfc4543(gcm(aes))');
}

/**
 * rfc4106(gcm(aes)) and, with `gmac`, rfc4543(gcm(aes)): KEY is the AES key followed by the
 * 4-byte salt (20, 28 or 36 bytes). GMAC encrypts nothing: the ICV is GCM's tag over the
 * associated data followed by the IV and the whole payload, which travels in the clear.
 */
function prepareGcm(name: string, keyWithSalt: Uint8Array, icvBits: number, gmac: boolean): PreparedAead {
  const algorithm = { name };
  const { xk, salt } = expandSaltedAesKey(keyWithSalt, SALT_LENGTH);
  const hashKey = unsafe.encryptBlock(xk, new Uint8Array(BLOCK));
  const ghash = new GHASH(hashKey, GHASH_EXPECTED_LENGTH);
  wipe(hashKey);
  const icvLength = icvBits / 8;
  const counter = new Uint8Array(BLOCK);
  const tagMask = new Uint8Array(BLOCK);
  const tag = new Uint8Array(BLOCK);
  const lengths = new Uint8Array(BLOCK);
  const lengthsView = new DataView(lengths.buffer);

  /** J0 = salt | IV | 0x00000001; E(J0) masks the tag, and the data counter starts at inc32(J0). */
  const start = (iv: Uint8Array) => {
    if (iv.length !== IV_LENGTH) throw new RangeError(`${algorithm.name}: IV must be 8 bytes, got ${iv.length}`);
    counter.set(salt, 0);
    counter.set(iv, SALT_LENGTH);
    counter[12] = 0;
    counter[13] = 0;
    counter[14] = 0;
    counter[15] = 1;
    tagMask.set(counter);
    unsafe.encryptBlock(xk, tagMask);
    counter[15] = 2;
  };
  /** The full 16-byte tag into `tag`: GHASH(AAD, C, lengths) XOR E(J0). */
  const computeTag = (aad: Uint8Array, ciphertext: Uint8Array) => {
    const state = ghash as unknown as GhashState;
    state.s0 = 0;
    state.s1 = 0;
    state.s2 = 0;
    state.s3 = 0;
    state.finished = false;
    // Lengths in bits as two 64-bit big-endian numbers; ESP lengths stay far below 2^32 bits.
    lengthsView.setUint32(0, 0);
    lengthsView.setUint32(4, aad.length * 8);
    lengthsView.setUint32(8, 0);
    lengthsView.setUint32(12, ciphertext.length * 8);
    if (aad.length > 0) ghash.update(aad);
    if (ciphertext.length > 0) ghash.update(ciphertext);
    ghash.update(lengths);
    ghash.digestInto(tag);
    for (let i = 0; i < BLOCK; i++) tag[i] = tag[i]! ^ tagMask[i]!;
  };
  /** CTR from inc32(J0); noble's ctr32 reads whole words, so unaligned input is copied first. */
  const ctr = (src: Uint8Array, dst: Uint8Array) => {
    if (src.length === 0) return;
    unsafe.ctr32(xk, false, counter, src.byteOffset % 4 === 0 ? src : src.slice(), dst);
  };

  return {
    name: algorithm.name,
    icvBits,
    icvLength,
    ivLength: IV_LENGTH,
    blockSize: 1,
    seal(iv, aad, plaintext) {
      start(iv);
      if (gmac) {
        computeTag(concat([aad, iv, plaintext]), EMPTY);
        const sealed = new Uint8Array(plaintext.length + icvLength);
        sealed.set(plaintext);
        sealed.set(tag.subarray(0, icvLength), plaintext.length);
        return sealed;
      }
      const out = new Uint8Array(plaintext.length + icvLength);
      const ct = out.subarray(0, plaintext.length);
      ctr(plaintext, ct);
      computeTag(aad, ct);
      // RFC 4106 section 3 / SP 800-38D: a t-bit tag is the leftmost t bits of the full tag.
      out.set(tag.subarray(0, icvLength), plaintext.length);
      return out;
    },
    open(iv, aad, sealed) {
      if (sealed.length < icvLength) return undefined;
      start(iv);
      const ct = sealed.subarray(0, sealed.length - icvLength);
      computeTag(gmac ? concat([aad, iv, ct]) : aad, gmac ? EMPTY : ct);
      // The tag is checked before any decryption, so a forged packet yields no plaintext.
      if (!constantTimeEqual(tag.subarray(0, icvLength), sealed.subarray(ct.length))) return undefined;
      if (gmac) return ct.slice();
      const out = new Uint8Array(ct.length);
      ctr(ct, out);
      return out;
    },
    destroy() {
      ghash.destroy();
      wipe(xk, salt, counter, tagMask, tag);
    },
  };
}
