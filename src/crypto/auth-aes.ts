/** The AES-based `auth` algorithms: xcbc(aes) (AES-XCBC-MAC, RFC 3566) and cmac(aes) (AES-CMAC, RFC 4493), truncated as AH and ESP use them (RFC 3566 section 4: 96 bits by default; kernel: crypto/xcbc.c, crypto/cmac.c). */

import { unsafe } from '@noble/ciphers/aes.js';
import { ConfigError } from '../errors.js';
import type { PreparedAuth } from './auth.js';
import { concat } from './bytes.js';
import { icvVerifier, wipe } from './constant-time.js';

const BLOCK = 16;

/**
 * Prepares `auth xcbc(aes)|cmac(aes) KEY`: an AES key of 16, 24 or 32 bytes (another length is
 * EINVAL from setkey). Both are a CBC-MAC whose last block is XORed with one of two derived keys,
 * the second when it had to be padded with 0x80 00...
 */
export function prepareAesMac(name: 'xcbc(aes)' | 'cmac(aes)', key: Uint8Array, truncBits: number): PreparedAuth {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) throw new ConfigError('EINVAL');
  const xk = unsafe.expandKeyLE(key);
  let macKey: Uint32Array;
  let whole: Uint8Array;
  let padded: Uint8Array;
  if (name === 'xcbc(aes)') {
    // RFC 3566 section 4: K1 = E(K, 0x01..), K2 = E(K, 0x02..), K3 = E(K, 0x03..); K1 keys the CBC-MAC.
    const derived = (byte: number) => unsafe.encryptBlock(xk, new Uint8Array(BLOCK).fill(byte));
    const k1 = derived(1);
    macKey = unsafe.expandKeyLE(k1);
    wipe(k1, xk);
    whole = derived2(key, 2);
    padded = derived2(key, 3);
  } else {
    // RFC 4493 section 2.3: L = E(K, 0); K1 = dbl(L), K2 = dbl(K1).
    macKey = xk;
    const l = unsafe.encryptBlock(xk, new Uint8Array(BLOCK));
    whole = dbl(l);
    padded = dbl(whole);
    wipe(l);
  }
  const fullLength = BLOCK;
  const icvLength = Math.floor(truncBits / 8);
  const state = new Uint8Array(BLOCK);
  const mac = (...data: readonly Uint8Array[]): Uint8Array => {
    const message = data.length === 1 ? data[0]! : concat(data);
    state.fill(0);
    // Every block but the last (a message of 0 bytes has one, empty, last block).
    const last = message.length === 0 ? 0 : Math.floor((message.length - 1) / BLOCK) * BLOCK;
    for (let at = 0; at < last; at += BLOCK) {
      for (let i = 0; i < BLOCK; i++) state[i] = state[i]! ^ message[at + i]!;
      unsafe.encryptBlock(macKey, state);
    }
    const tail = message.length - last;
    const final = tail === BLOCK ? whole : padded;
    for (let i = 0; i < tail; i++) state[i] = state[i]! ^ message[last + i]!;
    if (tail < BLOCK) state[tail] = state[tail]! ^ 0x80;
    for (let i = 0; i < BLOCK; i++) state[i] = state[i]! ^ final[i]!;
    unsafe.encryptBlock(macKey, state);
    return state.slice(0, icvLength);
  };
  return {
    name,
    truncBits,
    icvLength,
    fullLength,
    mac,
    verify: icvVerifier(mac),
    destroy() {
      wipe(macKey, whole, padded, state);
    },
  };
}

/** K2 or K3 of XCBC, encrypted under the original key (expanded again: K1's schedule replaced it). */
function derived2(key: Uint8Array, byte: number): Uint8Array {
  const xk = unsafe.expandKeyLE(key);
  const k = unsafe.encryptBlock(xk, new Uint8Array(BLOCK).fill(byte));
  wipe(xk);
  return k;
}

/** Doubling in GF(2^128) with the polynomial x^128 + x^7 + x^2 + x + 1 (RFC 4493 section 2.3). */
function dbl(block: Uint8Array): Uint8Array {
  const out = new Uint8Array(BLOCK);
  for (let i = 0; i < BLOCK; i++) out[i] = ((block[i]! << 1) | (i + 1 < BLOCK ? block[i + 1]! >> 7 : 0)) & 0xff;
  if (block[0]! & 0x80) out[BLOCK - 1] = out[BLOCK - 1]! ^ 0x87;
  return out;
}
