/** The xfrm algorithm table by Linux names (kernel: net/xfrm/xfrm_algo.c; name checks of xfrm_user.c attach_auth, attach_auth_trunc, attach_crypt, attach_aead). */

import { ConfigError } from '../errors.js';

/**
 * An authentication algorithm (`auth` / `auth-trunc`). `truncBits` is the kernel's icv_truncbits:
 * the ICV length `auth NAME KEY` gets (96 for hmac(sha256): the kernel's RFC 4868-violating
 * default, kept for compatibility); `fullBits` is the digest length, the most `auth-trunc` accepts.
 */
export interface AuthAlgorithm {
  readonly kind: 'auth';
  readonly name: string;
  /** The short name the kernel also accepts (its "compat" name), e.g. `sha1`. */
  readonly compat?: string;
  readonly truncBits: number;
  readonly fullBits: number;
  /** False for names the kernel knows but xfrmsim cannot compute yet. */
  readonly modelled: boolean;
}

/** A cipher for ESP `enc`. `ivLength` is what ESP puts in the packet (the crypto ivsize). */
export interface EncAlgorithm {
  readonly kind: 'enc';
  readonly name: string;
  readonly compat?: string;
  readonly blockBits: number;
  readonly defaultKeyBits: number;
  readonly ivLength: number;
  readonly geniv?: 'echainiv' | 'seqiv';
  readonly modelled: boolean;
}

/** An AEAD for ESP `aead`. The kernel keeps one table entry per ICV length. */
export interface AeadAlgorithm {
  readonly kind: 'aead';
  readonly name: string;
  readonly icvBits: number;
  readonly ivLength: number;
  readonly geniv: 'seqiv';
  readonly modelled: boolean;
}

const auth = (name: string, compat: string | undefined, truncBits: number, fullBits: number, modelled: boolean): AuthAlgorithm =>
  compat === undefined
    ? { kind: 'auth', name, truncBits, fullBits, modelled }
    : { kind: 'auth', name, compat, truncBits, fullBits, modelled };

const enc = (
  name: string,
  compat: string | undefined,
  blockBits: number,
  defaultKeyBits: number,
  ivLength: number,
  geniv: 'echainiv' | 'seqiv' | undefined,
  modelled: boolean,
): EncAlgorithm => {
  const a: { -readonly [K in keyof EncAlgorithm]: EncAlgorithm[K] } = { kind: 'enc', name, blockBits, defaultKeyBits, ivLength, modelled };
  if (compat !== undefined) a.compat = compat;
  if (geniv !== undefined) a.geniv = geniv;
  return a;
};

const aead = (name: string, icvBits: number, modelled: boolean): AeadAlgorithm => ({
  kind: 'aead',
  name,
  icvBits,
  ivLength: 8,
  geniv: 'seqiv',
  modelled,
});

/** aalg_list in table order (the order matters only for listing; names are unique). */
export const AUTH_ALGORITHMS: readonly AuthAlgorithm[] = [
  auth('digest_null', undefined, 0, 0, true),
  auth('hmac(md5)', 'md5', 96, 128, true),
  auth('hmac(sha1)', 'sha1', 96, 160, true),
  auth('hmac(sha256)', 'sha256', 96, 256, true),
  auth('hmac(sha384)', undefined, 192, 384, true),
  auth('hmac(sha512)', undefined, 256, 512, true),
  auth('hmac(rmd160)', 'rmd160', 96, 160, true),
  auth('xcbc(aes)', undefined, 96, 128, true),
  auth('cmac(aes)', undefined, 96, 128, true),
  auth('hmac(sm3)', 'sm3', 256, 256, false),
];

/** ealg_list. `ivLength` is the ivsize of the kernel's crypto transform (ESP carries it in every packet). */
export const ENC_ALGORITHMS: readonly EncAlgorithm[] = [
  enc('ecb(cipher_null)', 'cipher_null', 8, 0, 0, undefined, true),
  enc('cbc(des)', 'des', 64, 64, 8, 'echainiv', true),
  enc('cbc(des3_ede)', 'des3_ede', 64, 192, 8, 'echainiv', true),
  enc('cbc(cast5)', 'cast5', 64, 128, 8, 'echainiv', false),
  enc('cbc(blowfish)', 'blowfish', 64, 128, 8, 'echainiv', false),
  enc('cbc(aes)', 'aes', 128, 128, 16, 'echainiv', true),
  enc('cbc(serpent)', 'serpent', 128, 128, 16, 'echainiv', false),
  enc('cbc(camellia)', 'camellia', 128, 128, 16, 'echainiv', false),
  enc('cbc(twofish)', 'twofish', 128, 128, 16, 'echainiv', false),
  enc('rfc3686(ctr(aes))', undefined, 128, 160, 8, 'seqiv', false),
  enc('cbc(sm4)', 'sm4', 128, 128, 16, 'echainiv', false),
];

/** aead_list: AEAD names have no compat alias, and name and ICV length must match together. */
export const AEAD_ALGORITHMS: readonly AeadAlgorithm[] = [
  aead('rfc4106(gcm(aes))', 64, true),
  aead('rfc4106(gcm(aes))', 96, true),
  aead('rfc4106(gcm(aes))', 128, true),
  aead('rfc4309(ccm(aes))', 64, true),
  aead('rfc4309(ccm(aes))', 96, true),
  aead('rfc4309(ccm(aes))', 128, true),
  aead('rfc4543(gcm(aes))', 128, true),
  aead('rfc7539esp(chacha20,poly1305)', 128, true),
];

/** xfrm_alg_name_match: the exact name or the compat alias (case matters, as strcmp). */
const byName = <T extends { readonly name: string; readonly compat?: string }>(list: readonly T[], name: string): T | undefined =>
  list.find((a) => a.name === name || a.compat === name);

export function findAuth(name: string): AuthAlgorithm | undefined {
  return byName(AUTH_ALGORITHMS, name);
}

export function findEnc(name: string): EncAlgorithm | undefined {
  return byName(ENC_ALGORITHMS, name);
}

export function findAead(name: string, icvBits: number): AeadAlgorithm | undefined {
  return AEAD_ALGORITHMS.find((a) => a.name === name && a.icvBits === icvBits);
}

/** An `auth`/`auth-trunc` request after the kernel's checks: the canonical name and the ICV length kept. */
export interface ResolvedAuth {
  readonly algorithm: AuthAlgorithm;
  /** alg_trunc_len as the kernel stores it (listings print it as `auth-trunc NAME KEY BITS`). */
  readonly truncBits: number;
}

/**
 * The name and truncation checks of `auth NAME` (truncBits undefined: attach_auth, default
 * truncation) and `auth-trunc NAME ... BITS` (attach_auth_trunc). Both answer ENOSYS for an
 * unknown name, with an extack naming the attribute the request used.
 */
export function resolveAuth(name: string, truncBits?: number): ResolvedAuth {
  const algorithm = findAuth(name);
  if (truncBits === undefined) {
    if (!algorithm) throw new ConfigError('ENOSYS', 'Requested AUTH algorithm not found');
    return { algorithm, truncBits: algorithm.truncBits };
  }
  if (!algorithm) throw new ConfigError('ENOSYS', 'Requested AUTH_TRUNC algorithm not found');
  if (!Number.isInteger(truncBits) || truncBits < 0 || truncBits > 0xffffffff) {
    throw new RangeError(`resolveAuth: truncation ${truncBits} is not a u32`);
  }
  if (truncBits > algorithm.fullBits) throw new ConfigError('EINVAL', 'Invalid length requested for truncated ICV');
  return { algorithm, truncBits };
}

/** attach_crypt: `enc NAME` (ENOSYS for an unknown name). */
export function resolveEnc(name: string): EncAlgorithm {
  const algorithm = findEnc(name);
  if (!algorithm) throw new ConfigError('ENOSYS', 'Requested CRYPT algorithm not found');
  return algorithm;
}

/** attach_aead: `aead NAME KEY ICVBITS`; an ICV length without a table entry is "not found" too. */
export function resolveAead(name: string, icvBits: number): AeadAlgorithm {
  const algorithm = findAead(name, icvBits);
  if (!algorithm) throw new ConfigError('ENOSYS', 'Requested AEAD algorithm not found');
  return algorithm;
}

/**
 * The refusal for a name Linux accepts but xfrmsim cannot compute: an error that says so, never
 * a plausible wrong packet. Not a kernel message (the kernel would accept the SA).
 */
export function notModelled(name: string): ConfigError {
  return new ConfigError('EOPNOTSUPP', `xfrmsim does not model the "${name}" algorithm yet`);
}
