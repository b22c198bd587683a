/** Which implementation computes a primitive: noble (JavaScript) or node:crypto (OpenSSL); both give the same bytes (no kernel counterpart: the kernel picks among its own drivers by priority). */

import { getCiphers, getHashes } from 'node:crypto';

/**
 * `noble`: always @noble. `native`: node:crypto wherever it has the algorithm. `auto` (the
 * default): node:crypto from NATIVE_MIN_BYTES of data on, noble below, whichever is faster.
 */
export type CryptoBackend = 'auto' | 'noble' | 'native';

/**
 * Measured on the ESP path (cbc(aes) 128 and hmac(sha1), Node 20, 2-core EPYC): a node:crypto call
 * costs a few microseconds of setup (a new OpenSSL context per packet, as CBC's IV changes), which
 * noble's per-SA key schedule does not pay, so noble wins on small packets (128 bytes: AES 2.3 us
 * against 3.9, HMAC 2.1 against 2.3) and OpenSSL on large ones (1424 bytes: AES 6.0 us against
 * 13.5, HMAC 3.4 against 7.9); the two cross between 256 and 512 bytes.
 */
export const NATIVE_MIN_BYTES = 384;

/** Whether a primitive over `length` bytes goes to node:crypto. */
export function useNative(backend: CryptoBackend, length: number): boolean {
  return backend === 'native' || (backend === 'auto' && length >= NATIVE_MIN_BYTES);
}

let ciphers: ReadonlySet<string> | undefined;
let hashes: ReadonlySet<string> | undefined;

/** Whether this Node's OpenSSL has the cipher (e.g. `aes-128-cbc`). */
export function nativeHasCipher(name: string): boolean {
  ciphers ??= new Set(getCiphers());
  return ciphers.has(name);
}

/** Whether this Node's OpenSSL has the hash (e.g. `sha1`, `ripemd160`). */
export function nativeHasHash(name: string): boolean {
  hashes ??= new Set(getHashes());
  return hashes.has(name);
}
