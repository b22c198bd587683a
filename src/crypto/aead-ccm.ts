/** ESP `aead rfc4309(ccm(aes))`: AES-CCM with a 3-byte salt, an 8-byte IV and 8/12/16-byte ICVs (RFC 4309; RFC 3610; NIST SP 800-38C; kernel: crypto/ccm.c crypto_rfc4309_*). */

import { unsafe } from '@noble/ciphers/aes.js';
import type { PreparedAead } from './aead.js';
import { expandSaltedAesKey } from './bytes.js';
import { constantTimeEqual, wipe } from './constant-time.js';

const SALT_LENGTH = 3;
const IV_LENGTH = 8;
const BLOCK = 16;
/** RFC 4309 section 4: the nonce is salt | IV, 11 bytes, which leaves 4 bytes (L) for the message length. */
const L = 4;

/**
 * Prepares `aead rfc4309(ccm(aes)) KEY ICVBITS`: KEY is the AES key followed by the 3-byte salt
 * (19, 27 or 35 bytes); another length is EINVAL from setkey. The caller has checked the ICV length.
 */
export function prepareCcm(name: string, keyWithSalt: Uint8Array, icvBits: number): PreparedAead {
  const { xk, salt } = expandSaltedAesKey(keyWithSalt, SALT_LENGTH);
  const icvLength = icvBits / 8;
  const mac = new Uint8Array(BLOCK);
  const macView = new DataView(mac.buffer);
  const stream = new Uint8Array(BLOCK);
  const streamView = new DataView(stream.buffer);

  /** CBC-MAC over `data`, zero-padded to whole blocks, continuing from `mac`. */
  const absorb = (data: Uint8Array) => {
    for (let at = 0; at < data.length; at += BLOCK) {
      const n = Math.min(BLOCK, data.length - at);
      for (let i = 0; i < n; i++) mac[i] = mac[i]! ^ data[at + i]!;
      unsafe.encryptBlock(xk, mac);
    }
  };
  /** T = CBC-MAC(B0 | encoded AAD | message) into `mac` (RFC 3610 section 2.2). */
  const authenticate = (iv: Uint8Array, aad: Uint8Array, message: Uint8Array) => {
    mac[0] = (aad.length > 0 ? 0x40 : 0) | (((icvLength - 2) / 2) << 3) | (L - 1);
    mac.set(salt, 1);
    mac.set(iv, 1 + SALT_LENGTH);
    macView.setUint32(BLOCK - L, message.length);
    unsafe.encryptBlock(xk, mac);
    if (aad.length > 0) {
      // ESP's associated data (8 or 12 bytes) is far below 0xff00: a 2-byte length prefix.
      const encoded = new Uint8Array(2 + aad.length);
      encoded[0] = aad.length >> 8;
      encoded[1] = aad.length & 0xff;
      encoded.set(aad, 2);
      absorb(encoded);
    }
    absorb(message);
  };
  /** The counter block A_i (flags L-1, the nonce, i) encrypted into `stream`. */
  const keystream = (iv: Uint8Array, i: number) => {
    stream[0] = L - 1;
    stream.set(salt, 1);
    stream.set(iv, 1 + SALT_LENGTH);
    streamView.setUint32(BLOCK - L, i);
    unsafe.encryptBlock(xk, stream);
  };
  /** CTR from A_1 (A_0 masks the tag). */
  const crypt = (iv: Uint8Array, src: Uint8Array, dst: Uint8Array) => {
    for (let at = 0, i = 1; at < src.length; at += BLOCK, i++) {
      keystream(iv, i);
      const n = Math.min(BLOCK, src.length - at);
      for (let j = 0; j < n; j++) dst[at + j] = src[at + j]! ^ stream[j]!;
    }
  };
  /** U = T XOR E(A_0), its first icvLength bytes. */
  const tag = (iv: Uint8Array): Uint8Array => {
    keystream(iv, 0);
    const u = new Uint8Array(icvLength);
    for (let i = 0; i < icvLength; i++) u[i] = mac[i]! ^ stream[i]!;
    return u;
  };
  const checkIv = (iv: Uint8Array) => {
    if (iv.length !== IV_LENGTH) throw new RangeError(`${name}: IV must be 8 bytes, got ${iv.length}`);
  };

  return {
    name,
    icvBits,
    icvLength,
    ivLength: IV_LENGTH,
    blockSize: 1,
    seal(iv, aad, plaintext) {
      checkIv(iv);
      authenticate(iv, aad, plaintext);
      const out = new Uint8Array(plaintext.length + icvLength);
      out.set(tag(iv), plaintext.length);
      crypt(iv, plaintext, out.subarray(0, plaintext.length));
      return out;
    },
    open(iv, aad, sealed) {
      checkIv(iv);
      if (sealed.length < icvLength) return undefined;
      const ct = sealed.subarray(0, sealed.length - icvLength);
      // CCM authenticates the plaintext: decrypt first, release it only if the tag verifies.
      const plaintext = new Uint8Array(ct.length);
      crypt(iv, ct, plaintext);
      authenticate(iv, aad, plaintext);
      if (!constantTimeEqual(tag(iv), sealed.subarray(ct.length))) {
        wipe(plaintext);
        return undefined;
      }
      return plaintext;
    },
    destroy() {
      wipe(xk, salt, mac, stream);
    },
  };
}
