/** The IPv6 fixed header (RFC 8200 section 3; kernel: include/uapi/linux/ipv6.h struct ipv6hdr). */

import type { Ipv6Address } from './ipv6-address.js';
import { fail, ok, type Parsed, truncated } from './result.js';

//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |Version| Traffic Class |           Flow Label                  |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |         Payload Length        |  Next Header  |   Hop Limit   |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                      Source Address (16)                      |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                   Destination Address (16)                    |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
export const IPV6_VER_TC_FL = 0;
export const IPV6_PAYLOAD_LEN = 4;
export const IPV6_NEXT_HEADER = 6;
export const IPV6_HOP_LIMIT = 7;
export const IPV6_SRC = 8;
export const IPV6_DST = 24;
export const IPV6_HEADER_LENGTH = 40;

export interface Ipv6Repr {
  readonly trafficClass: number;
  /** 20 bits. */
  readonly flowLabel: number;
  readonly payloadLength: number;
  readonly nextHeader: number;
  readonly hopLimit: number;
  readonly src: Ipv6Address;
  readonly dst: Ipv6Address;
}

/**
 * Decodes the fixed header at `offset`. Refuses a version other than 6, fewer than 40 bytes, and a
 * payload length that claims more bytes than are present (the kernel's ipv6_rcv drops that as a
 * truncated packet); trailing bytes beyond the payload length are allowed (Ethernet padding).
 */
export function parseIpv6(bytes: Uint8Array, offset = 0): Parsed<Ipv6Repr> {
  const have = bytes.length - offset;
  if (have < IPV6_HEADER_LENGTH) return truncated('ipv6', IPV6_HEADER_LENGTH, Math.max(0, have));
  const first = bytes[offset]!;
  if (first >> 4 !== 6) return fail('malformed', 'ipv6.version', `version ${first >> 4}, expected 6`);
  const repr = readIpv6(bytes, offset);
  if (repr.payloadLength > have - IPV6_HEADER_LENGTH) {
    return fail('truncated', 'ipv6.payloadLength', `payload length ${repr.payloadLength} but ${have - IPV6_HEADER_LENGTH} bytes follow`);
  }
  return ok(repr);
}

/** Reads the header fields without checks (for bytes already validated or built by us). */
export function readIpv6(bytes: Uint8Array, offset = 0): Ipv6Repr {
  // Byte arithmetic rather than a DataView: this runs several times per packet, and a DataView is an allocation.
  const b0 = bytes[offset]!;
  const b1 = bytes[offset + 1]!;
  return {
    trafficClass: ((b0 & 0x0f) << 4) | (b1 >> 4),
    flowLabel: ((b1 & 0x0f) << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!,
    payloadLength: (bytes[offset + IPV6_PAYLOAD_LEN]! << 8) | bytes[offset + IPV6_PAYLOAD_LEN + 1]!,
    nextHeader: bytes[offset + IPV6_NEXT_HEADER]!,
    hopLimit: bytes[offset + IPV6_HOP_LIMIT]!,
    src: bytes.slice(offset + IPV6_SRC, offset + IPV6_SRC + 16),
    dst: bytes.slice(offset + IPV6_DST, offset + IPV6_DST + 16),
  };
}

/** Writes the header into `out` at `offset` (40 bytes). */
export function writeIpv6(repr: Ipv6Repr, out: Uint8Array, offset = 0): void {
  const tc = repr.trafficClass & 0xff;
  const fl = repr.flowLabel & 0xfffff;
  out[offset] = 0x60 | (tc >> 4);
  out[offset + 1] = ((tc & 0x0f) << 4) | (fl >> 16);
  out[offset + 2] = (fl >> 8) & 0xff;
  out[offset + 3] = fl & 0xff;
  out[offset + IPV6_PAYLOAD_LEN] = (repr.payloadLength >> 8) & 0xff;
  out[offset + IPV6_PAYLOAD_LEN + 1] = repr.payloadLength & 0xff;
  out[offset + IPV6_NEXT_HEADER] = repr.nextHeader;
  out[offset + IPV6_HOP_LIMIT] = repr.hopLimit;
  out.set(repr.src, offset + IPV6_SRC);
  out.set(repr.dst, offset + IPV6_DST);
}

export function emitIpv6(repr: Ipv6Repr): Uint8Array {
  const out = new Uint8Array(IPV6_HEADER_LENGTH);
  writeIpv6(repr, out);
  return out;
}

/** A whole packet: the header (payload length and next header filled in) followed by `payload`. */
export function buildIpv6Packet(
  header: Omit<Ipv6Repr, 'payloadLength' | 'nextHeader'>,
  nextHeader: number,
  payload: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(IPV6_HEADER_LENGTH + payload.length);
  const { trafficClass, flowLabel, hopLimit, src, dst } = header;
  writeIpv6({ trafficClass, flowLabel, payloadLength: payload.length, nextHeader, hopLimit, src, dst }, out);
  out.set(payload, IPV6_HEADER_LENGTH);
  return out;
}
