/** Byte helpers the crypto modules share (crypto imports nothing of wire). */

import { unsafe } from '@noble/ciphers/aes.js';
import { ConfigError } from '../errors.js';
import { wipe } from './constant-time.js';

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * An AEAD key as the kernel takes it for rfc4106/4309/4543: the AES key followed by the salt.
 * An AES key of another length than 16, 24 or 32 bytes is EINVAL from setkey.
 */
export function expandSaltedAesKey(keyWithSalt: Uint8Array, saltLength: number): { readonly xk: Uint32Array; readonly salt: Uint8Array } {
  const aesLength = keyWithSalt.length - saltLength;
  if (aesLength !== 16 && aesLength !== 24 && aesLength !== 32) throw new ConfigError('EINVAL');
  const aesKey = keyWithSalt.slice(0, aesLength);
  const salt = keyWithSalt.slice(aesLength);
  const xk = unsafe.expandKeyLE(aesKey);
  wipe(aesKey);
  return { xk, salt };
}
