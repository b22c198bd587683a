/** ESP `aead rfc7539esp(chacha20,poly1305)`: ChaCha20-Poly1305 with a 4-byte salt, an 8-byte IV and a 16-byte ICV (RFC 7634; RFC 8439; kernel: crypto/chacha20poly1305.c rfc7539esp). */

import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ConfigError } from '../errors.js';
import type { PreparedAead } from './aead.js';
import { wipe } from './constant-time.js';

const KEY_LENGTH = 32;
const SALT_LENGTH = 4;
const IV_LENGTH = 8;

/**
 * Prepares `aead rfc7539esp(chacha20,poly1305) KEY 128`: KEY is the 32-byte key followed by the
 * salt (36 bytes; another length is EINVAL from setkey). The nonce is salt | IV (RFC 7634 section 2).
 */
export function prepareChachaPoly(name: string, keyWithSalt: Uint8Array, icvBits: number): PreparedAead {
  if (keyWithSalt.length !== KEY_LENGTH + SALT_LENGTH) throw new ConfigError('EINVAL');
  const key = keyWithSalt.slice(0, KEY_LENGTH);
  const nonce = new Uint8Array(SALT_LENGTH + IV_LENGTH);
  nonce.set(keyWithSalt.subarray(KEY_LENGTH));
  const cipher = (iv: Uint8Array, aad: Uint8Array) => {
    if (iv.length !== IV_LENGTH) throw new RangeError(`${name}: IV must be 8 bytes, got ${iv.length}`);
    nonce.set(iv, SALT_LENGTH);
    return chacha20poly1305(key, nonce, aad);
  };
  return {
    name,
    icvBits,
    icvLength: icvBits / 8,
    ivLength: IV_LENGTH,
    blockSize: 1,
    seal: (iv, aad, plaintext) => cipher(iv, aad).encrypt(plaintext),
    open(iv, aad, sealed) {
      // noble throws on a tag mismatch, before releasing any plaintext.
      try {
        return cipher(iv, aad).decrypt(sealed);
      } catch {
        return undefined;
      }
    },
    destroy() {
      wipe(key, nonce);
    },
  };
}
