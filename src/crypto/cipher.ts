/** ESP `enc` ciphers without padding: cbc(aes) and ecb(cipher_null) here, cbc(des) and cbc(des3_ede) in des.ts (kernel: crypto/cbc.c, crypto/aes_generic.c, crypto/crypto_null.c; RFC 3602). */

import { createCipheriv, createDecipheriv } from 'node:crypto';
import { unsafe } from '@noble/ciphers/aes.js';
import { ConfigError } from '../errors.js';
import { notModelled, resolveEnc } from './algorithms.js';
import { type CryptoBackend, nativeHasCipher, useNative } from './backend.js';
import { wipe } from './constant-time.js';
import { prepareDesCbc } from './des.js';

/** An `enc` algorithm bound to one key. ESP pads to the block itself, so inputs are whole blocks. */
export interface PreparedCipher {
  readonly name: string;
  /** The crypto block size in bytes (16 for AES, 1 for the null cipher); ESP pads to ALIGN(this, 4). */
  readonly blockSize: number;
  /** IV bytes carried in each ESP packet. */
  readonly ivLength: number;
  /** Encrypts whole blocks; throws on a length that is not a block multiple (a caller bug). */
  encrypt(iv: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Decrypts whole blocks; throws on a length that is not a block multiple (the caller checks first). */
  decrypt(iv: Uint8Array, ciphertext: Uint8Array): Uint8Array;
  destroy(): void;
}

const AES_BLOCK = 16;

/**
 * Prepares `enc NAME KEY`. An unknown name is the kernel's ENOSYS; a key of the wrong length is
 * the EINVAL the crypto layer's setkey returns without an extack (`RTNETLINK answers: Invalid
 * argument`): AES takes 16, 24 or 32 bytes, DES 8, triple DES 24, the null cipher none.
 */
export function prepareCipher(name: string, key: Uint8Array, opts: { readonly backend?: CryptoBackend } = {}): PreparedCipher {
  const algorithm = resolveEnc(name);
  if (!algorithm.modelled) throw notModelled(algorithm.name);
  if (algorithm.name === 'ecb(cipher_null)') {
    if (key.length !== 0) throw new ConfigError('EINVAL');
    return {
      name: algorithm.name,
      blockSize: 1,
      ivLength: 0,
      encrypt: (_iv, plaintext) => plaintext.slice(),
      decrypt: (_iv, ciphertext) => ciphertext.slice(),
      destroy: () => {},
    };
  }
  if (algorithm.name === 'cbc(des)' || algorithm.name === 'cbc(des3_ede)') return prepareDesCbc(algorithm.name, key);
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) throw new ConfigError('EINVAL');
  return prepareAesCbc(key, opts.backend ?? 'auto');
}

/**
 * AES-CBC with the key schedules expanded once per SA (noble's cbc() would expand them per packet);
 * large packets go to OpenSSL instead (see NATIVE_MIN_BYTES).
 */
function prepareAesCbc(key: Uint8Array, backend: CryptoBackend): PreparedCipher {
  const nativeName = `aes-${key.length * 8}-cbc`;
  // Dropped by destroy(): from then on only the (wiped) noble schedules answer, as before native support.
  let nativeKey = backend !== 'noble' && nativeHasCipher(nativeName) ? key.slice() : undefined;
  const copy = key.slice();
  const encKey = unsafe.expandKeyLE(copy);
  const decKey = unsafe.expandKeyDecLE(copy);
  wipe(copy);
  const checkLengths = (what: string, iv: Uint8Array, data: Uint8Array) => {
    if (iv.length !== AES_BLOCK) throw new RangeError(`cbc(aes) ${what}: IV must be 16 bytes, got ${iv.length}`);
    if (data.length % AES_BLOCK !== 0) throw new RangeError(`cbc(aes) ${what}: ${data.length} bytes is not a multiple of 16`);
  };
  return {
    name: 'cbc(aes)',
    blockSize: AES_BLOCK,
    ivLength: AES_BLOCK,
    encrypt(iv, plaintext) {
      checkLengths('encrypt', iv, plaintext);
      if (nativeKey && useNative(backend, plaintext.length)) return nativeCbc('encrypt', nativeName, nativeKey, iv, plaintext);
      const out = new Uint8Array(plaintext.length);
      const src = new DataView(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
      const dst = new DataView(out.buffer);
      const ivv = new DataView(iv.buffer, iv.byteOffset, AES_BLOCK);
      // noble's block function takes the state as four little-endian words.
      let c0 = ivv.getUint32(0, true);
      let c1 = ivv.getUint32(4, true);
      let c2 = ivv.getUint32(8, true);
      let c3 = ivv.getUint32(12, true);
      for (let o = 0; o < plaintext.length; o += AES_BLOCK) {
        const r = unsafe.encrypt(
          encKey,
          src.getUint32(o, true) ^ c0,
          src.getUint32(o + 4, true) ^ c1,
          src.getUint32(o + 8, true) ^ c2,
          src.getUint32(o + 12, true) ^ c3,
        );
        c0 = r.s0;
        c1 = r.s1;
        c2 = r.s2;
        c3 = r.s3;
        dst.setUint32(o, c0, true);
        dst.setUint32(o + 4, c1, true);
        dst.setUint32(o + 8, c2, true);
        dst.setUint32(o + 12, c3, true);
      }
      return out;
    },
    decrypt(iv, ciphertext) {
      checkLengths('decrypt', iv, ciphertext);
      if (nativeKey && useNative(backend, ciphertext.length)) return nativeCbc('decrypt', nativeName, nativeKey, iv, ciphertext);
      const out = new Uint8Array(ciphertext.length);
      const src = new DataView(ciphertext.buffer, ciphertext.byteOffset, ciphertext.byteLength);
      const dst = new DataView(out.buffer);
      const ivv = new DataView(iv.buffer, iv.byteOffset, AES_BLOCK);
      let p0 = ivv.getUint32(0, true);
      let p1 = ivv.getUint32(4, true);
      let p2 = ivv.getUint32(8, true);
      let p3 = ivv.getUint32(12, true);
      for (let o = 0; o < ciphertext.length; o += AES_BLOCK) {
        const x0 = src.getUint32(o, true);
        const x1 = src.getUint32(o + 4, true);
        const x2 = src.getUint32(o + 8, true);
        const x3 = src.getUint32(o + 12, true);
        const r = unsafe.decrypt(decKey, x0, x1, x2, x3);
        dst.setUint32(o, r.s0 ^ p0, true);
        dst.setUint32(o + 4, r.s1 ^ p1, true);
        dst.setUint32(o + 8, r.s2 ^ p2, true);
        dst.setUint32(o + 12, r.s3 ^ p3, true);
        p0 = x0;
        p1 = x1;
        p2 = x2;
        p3 = x3;
      }
      return out;
    },
    destroy() {
      wipe(encKey, decKey);
      if (nativeKey) wipe(nativeKey);
      nativeKey = undefined;
    },
  };
}

/** One CBC pass through OpenSSL over whole blocks (no padding), copied out of Node's Buffer. */
function nativeCbc(dir: 'encrypt' | 'decrypt', name: string, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const c = dir === 'encrypt' ? createCipheriv(name, key, iv) : createDecipheriv(name, key, iv);
  c.setAutoPadding(false);
  const out = new Uint8Array(data.length);
  const head = c.update(data);
  out.set(head);
  out.set(c.final(), head.length);
  return out;
}
