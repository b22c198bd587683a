/** Keyed ICV functions for AH and ESP `auth` (kernel: crypto/hmac.c, crypto/crypto_null.c digest_null, the AES MACs in auth-aes.ts; truncation as ah6.c/esp6.c use it). */

import { createHmac } from 'node:crypto';
import { hmac } from '@noble/hashes/hmac.js';
import { md5, ripemd160, sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import type { CHash } from '@noble/hashes/utils.js';
import { notModelled, resolveAuth } from './algorithms.js';
import { prepareAesMac } from './auth-aes.js';
import { type CryptoBackend, nativeHasHash, useNative } from './backend.js';
import { icvVerifier } from './constant-time.js';

/** An `auth` algorithm bound to one key: what an SA holds for its whole life. */
export interface PreparedAuth {
  /** The canonical Linux name (`hmac(sha1)` also when asked for `sha1`). */
  readonly name: string;
  /** alg_trunc_len in bits, as configured. */
  readonly truncBits: number;
  /** ICV bytes sent: truncBits / 8 rounded down, as the kernel divides. */
  readonly icvLength: number;
  /** Digest bytes before truncation. */
  readonly fullLength: number;
  /** The truncated ICV over the concatenation of `data`. */
  mac(...data: readonly Uint8Array[]): Uint8Array;
  /** Constant-time check of a received ICV (its length must be icvLength). */
  verify(data: Uint8Array | readonly Uint8Array[], icv: Uint8Array): boolean;
  /** Wipes the keyed state; the object must not be used afterwards. */
  destroy(): void;
}

const HASHES: Readonly<Record<string, CHash>> = {
  'hmac(md5)': md5,
  'hmac(sha1)': sha1,
  'hmac(sha256)': sha256,
  'hmac(sha384)': sha384,
  'hmac(sha512)': sha512,
  'hmac(rmd160)': ripemd160,
};

/** node:crypto's names of the same hashes. */
const NATIVE_HASHES: Readonly<Record<string, string>> = {
  'hmac(md5)': 'md5',
  'hmac(sha1)': 'sha1',
  'hmac(sha256)': 'sha256',
  'hmac(sha384)': 'sha384',
  'hmac(sha512)': 'sha512',
  'hmac(rmd160)': 'ripemd160',
};

const EMPTY = new Uint8Array(0);

/** The part of noble's HMAC object used here (its generic types do not line up with our strict settings). */
interface KeyedHmac {
  update(data: Uint8Array): unknown;
  digestInto(out: Uint8Array): void;
  destroy(): void;
  _cloneInto(to?: KeyedHmac): KeyedHmac;
}

/**
 * Prepares `auth NAME KEY` (truncBits undefined) or `auth-trunc NAME KEY BITS`. Name and
 * truncation errors are the kernel's (see resolveAuth); HMAC takes a key of any length, as the
 * kernel's hmac does; the AES MACs refuse a key that is not an AES key (EINVAL).
 */
export function prepareAuth(
  name: string,
  key: Uint8Array,
  truncBits?: number,
  opts: { readonly backend?: CryptoBackend } = {},
): PreparedAuth {
  const { algorithm, truncBits: bits } = resolveAuth(name, truncBits);
  if (!algorithm.modelled) throw notModelled(algorithm.name);
  const icvLength = Math.floor(bits / 8);
  const fullLength = algorithm.fullBits / 8;
  if (algorithm.name === 'digest_null') {
    return {
      name: algorithm.name,
      truncBits: bits,
      icvLength: 0,
      fullLength: 0,
      mac: () => EMPTY,
      verify: (_data, icv) => icv.length === 0,
      destroy: () => {},
    };
  }
  if (algorithm.name === 'xcbc(aes)' || algorithm.name === 'cmac(aes)') return prepareAesMac(algorithm.name, key, bits);
  const hash = HASHES[algorithm.name];
  if (!hash) throw new Error(`prepareAuth: no hash wired for ${algorithm.name}`);
  // The inner and outer pads are hashed once here; every packet clones that state into one
  // scratch object instead of re-deriving it from the key (two compression calls saved per packet).
  const keyed = hmac.create(hash, key) as unknown as KeyedHmac;
  let scratch: KeyedHmac | undefined;
  const full = new Uint8Array(fullLength);
  const backend = opts.backend ?? 'auto';
  const nativeName = NATIVE_HASHES[algorithm.name];
  // Dropped by destroy(), after which the noble state refuses every call.
  let nativeKey = backend !== 'noble' && nativeName !== undefined && nativeHasHash(nativeName) ? key.slice() : undefined;
  const mac = (...data: readonly Uint8Array[]): Uint8Array => {
    if (nativeKey && useNative(backend, totalLength(data))) {
      const h = createHmac(nativeName!, nativeKey);
      for (const part of data) h.update(part);
      const digest = h.digest();
      return new Uint8Array(digest.subarray(0, icvLength));
    }
    const h = keyed._cloneInto(scratch);
    scratch = h;
    for (const part of data) h.update(part);
    h.digestInto(full);
    return full.slice(0, icvLength);
  };
  return {
    name: algorithm.name,
    truncBits: bits,
    icvLength,
    fullLength,
    mac,
    verify: icvVerifier(mac),
    destroy() {
      keyed.destroy();
      scratch?.destroy();
      full.fill(0);
      nativeKey?.fill(0);
      nativeKey = undefined;
    },
  };
}

function totalLength(parts: readonly Uint8Array[]): number {
  let n = 0;
  for (const p of parts) n += p.length;
  return n;
}
