/** Neighbour Discovery options (RFC 4861 section 4.6; kernel: ndisc.c ndisc_parse_options, ndisc_fill_addr_option). */

import type { Ipv6Address } from './ipv6-address.js';
import { fail, ok, type Parsed, truncated } from './result.js';

// Every option (RFC 4861 section 4.6):
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |     Type      |    Length     |              ...              |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// Length counts 8-byte units including type and length; 0 is invalid.
export const ND_OPT_TYPE = 0;
export const ND_OPT_LENGTH = 1;
export const ND_OPT_DATA = 2;

export const ND_OPT = {
  SOURCE_LL_ADDR: 1,
  TARGET_LL_ADDR: 2,
  PREFIX_INFO: 3,
  REDIRECT_HDR: 4,
  MTU: 5,
} as const;

// Prefix information (RFC 4861 section 4.6.2), 32 bytes:
// |     Type      |    Length     | Prefix Length |L|A|R|Reserved1|
// |                         Valid Lifetime                        |
// |                       Preferred Lifetime                      |
// |                           Reserved2                           |
// |                            Prefix (16)                        |
export const ND_OPT_PI_PREFIX_LEN = 2;
export const ND_OPT_PI_FLAGS = 3;
export const ND_OPT_PI_VALID = 4;
export const ND_OPT_PI_PREFERRED = 8;
export const ND_OPT_PI_RESERVED2 = 12;
export const ND_OPT_PI_PREFIX = 16;
export const ND_OPT_PI_LENGTH = 32;
/** Prefix information flag bits (L, A, and R from RFC 6275 section 7.2). */
export const ND_OPT_PI_FLAG_ONLINK = 0x80;
export const ND_OPT_PI_FLAG_AUTO = 0x40;
export const ND_OPT_PI_FLAG_ROUTER = 0x20;

// MTU (RFC 4861 section 4.6.4), 8 bytes:
// |     Type      |    Length     |           Reserved            |
// |                              MTU                              |
export const ND_OPT_MTU_MTU = 4;
export const ND_OPT_MTU_LENGTH = 8;

export type NdOption =
  /** Link-layer address; for Ethernet the 6 bytes of an option of length 1. */
  | { readonly kind: 'source-ll-addr'; readonly address: Uint8Array }
  | { readonly kind: 'target-ll-addr'; readonly address: Uint8Array }
  | {
      readonly kind: 'prefix-info';
      readonly prefixLength: number;
      /** The raw flag byte: ND_OPT_PI_FLAG_* bits and the reserved bits as sent. */
      readonly flags: number;
      readonly validLifetime: number;
      readonly preferredLifetime: number;
      readonly prefix: Ipv6Address;
    }
  | { readonly kind: 'mtu'; readonly mtu: number }
  /** Any other option, or a known one whose length the kernel would not accept: kept as bytes. */
  | { readonly kind: 'unknown'; readonly type: number; readonly data: Uint8Array };

/** Bytes the option takes on the wire (a multiple of 8). */
export function ndOptionLength(opt: NdOption): number {
  switch (opt.kind) {
    case 'source-ll-addr':
    case 'target-ll-addr':
      return (ND_OPT_DATA + opt.address.length + 7) & ~7;
    case 'prefix-info':
      return ND_OPT_PI_LENGTH;
    case 'mtu':
      return ND_OPT_MTU_LENGTH;
    case 'unknown':
      return (ND_OPT_DATA + opt.data.length + 7) & ~7;
  }
}

export function ndOptionsLength(opts: readonly NdOption[]): number {
  let n = 0;
  for (const o of opts) n += ndOptionLength(o);
  return n;
}

/**
 * Decodes the options that fill `bytes` from `offset` to the end. Like ndisc_parse_options, refuses
 * an option of length 0 (malformed), an option that runs past the end and a tail shorter than 2
 * bytes (truncated).
 */
export function parseNdOptions(bytes: Uint8Array, offset = 0): Parsed<NdOption[]> {
  const opts: NdOption[] = [];
  let i = offset;
  while (i < bytes.length) {
    // A cut option reads as truncated; the kernel refuses both it and a zero length alike.
    if (bytes.length - i < 2) return truncated('nd.option', 2, bytes.length - i);
    const type = bytes[i]!;
    const len = bytes[i + ND_OPT_LENGTH]! * 8;
    if (len === 0) return fail('malformed', 'nd.option', `option type ${type} has length 0`);
    if (i + len > bytes.length) return truncated(`nd.option(${type})`, len, bytes.length - i);
    opts.push(decodeOption(type, bytes.subarray(i, i + len)));
    i += len;
  }
  return ok(opts);
}

function decodeOption(type: number, o: Uint8Array): NdOption {
  const v = new DataView(o.buffer, o.byteOffset, o.byteLength);
  if (type === ND_OPT.SOURCE_LL_ADDR) return { kind: 'source-ll-addr', address: o.slice(ND_OPT_DATA) };
  if (type === ND_OPT.TARGET_LL_ADDR) return { kind: 'target-ll-addr', address: o.slice(ND_OPT_DATA) };
  if (type === ND_OPT.PREFIX_INFO && o.length === ND_OPT_PI_LENGTH) {
    return {
      kind: 'prefix-info',
      prefixLength: o[ND_OPT_PI_PREFIX_LEN]!,
      flags: o[ND_OPT_PI_FLAGS]!,
      validLifetime: v.getUint32(ND_OPT_PI_VALID),
      preferredLifetime: v.getUint32(ND_OPT_PI_PREFERRED),
      prefix: o.slice(ND_OPT_PI_PREFIX, ND_OPT_PI_PREFIX + 16),
    };
  }
  if (type === ND_OPT.MTU && o.length === ND_OPT_MTU_LENGTH) return { kind: 'mtu', mtu: v.getUint32(ND_OPT_MTU_MTU) };
  return { kind: 'unknown', type, data: o.slice(ND_OPT_DATA) };
}

/** Writes the options into `out` at `offset`; link-layer addresses are zero-padded to 8 as ndisc_fill_addr_option does. */
export function writeNdOptions(opts: readonly NdOption[], out: Uint8Array, offset: number): number {
  let i = offset;
  for (const o of opts) {
    const len = ndOptionLength(o);
    if (len / 8 > 255) throw new Error(`writeNdOptions: a ${len}-byte option does not fit the length byte`);
    const v = new DataView(out.buffer, out.byteOffset + i, len);
    out.fill(0, i, i + len);
    out[i + ND_OPT_LENGTH] = len / 8;
    switch (o.kind) {
      case 'source-ll-addr':
      case 'target-ll-addr':
        out[i] = o.kind === 'source-ll-addr' ? ND_OPT.SOURCE_LL_ADDR : ND_OPT.TARGET_LL_ADDR;
        out.set(o.address, i + ND_OPT_DATA);
        break;
      case 'prefix-info':
        out[i] = ND_OPT.PREFIX_INFO;
        v.setUint8(ND_OPT_PI_PREFIX_LEN, o.prefixLength);
        v.setUint8(ND_OPT_PI_FLAGS, o.flags);
        v.setUint32(ND_OPT_PI_VALID, o.validLifetime >>> 0);
        v.setUint32(ND_OPT_PI_PREFERRED, o.preferredLifetime >>> 0);
        out.set(o.prefix, i + ND_OPT_PI_PREFIX);
        break;
      case 'mtu':
        out[i] = ND_OPT.MTU;
        v.setUint32(ND_OPT_MTU_MTU, o.mtu >>> 0);
        break;
      case 'unknown':
        out[i] = o.type;
        out.set(o.data, i + ND_OPT_DATA);
        break;
    }
    i += len;
  }
  return i;
}

export function emitNdOptions(opts: readonly NdOption[]): Uint8Array {
  const out = new Uint8Array(ndOptionsLength(opts));
  writeNdOptions(opts, out, 0);
  return out;
}
