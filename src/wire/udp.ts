/** UDP over IPv6 (RFC 768; checksum rules RFC 8200 section 8.1; kernel: udp.c __udp6_lib_rcv, udp6_csum_init). */

import { upperLayerChecksum, verifyUpperLayerChecksum } from './checksum.js';
import type { Ipv6Address } from './ipv6-address.js';
import { IPPROTO } from './proto.js';
import { fail, ok, type Parsed, truncated } from './result.js';

//  0      7 8     15 16    23 24    31
// +--------+--------+--------+--------+
// |     Source      |   Destination   |
// |      Port       |      Port       |
// +--------+--------+--------+--------+
// |                 |                 |
// |     Length      |    Checksum     |
// +--------+--------+--------+--------+
// |          data octets ...
export const UDP_SRC_PORT = 0;
export const UDP_DST_PORT = 2;
export const UDP_LENGTH = 4;
export const UDP_CHECKSUM = 6;
export const UDP_HEADER_LENGTH = 8;

export interface UdpRepr {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly payload: Uint8Array;
}

/** What a parse adds: the length and checksum fields as received. */
export interface UdpFields {
  readonly length: number;
  readonly checksum: number;
}

export function udpLength(repr: UdpRepr): number {
  return UDP_HEADER_LENGTH + repr.payload.length;
}

/**
 * Decodes the datagram at `offset`; the bytes up to the end are the IPv6 payload that holds it.
 * As __udp6_lib_rcv: a length field larger than the bytes present, or below 8, is a short packet;
 * a length of 0 means "all the bytes" (a jumbogram, RFC 2675); bytes beyond the length are ignored.
 */
export function parseUdp(bytes: Uint8Array, offset = 0): Parsed<UdpRepr & UdpFields> {
  const have = bytes.length - offset;
  if (have < UDP_HEADER_LENGTH) return truncated('udp', UDP_HEADER_LENGTH, Math.max(0, have));
  const v = new DataView(bytes.buffer, bytes.byteOffset + offset, UDP_HEADER_LENGTH);
  const length = v.getUint16(UDP_LENGTH);
  const ulen = length === 0 ? have : length;
  if (ulen > have) return fail('truncated', 'udp.length', `length ${length} but ${have} bytes are present`);
  if (ulen < UDP_HEADER_LENGTH) return fail('malformed', 'udp.length', `length ${length} is less than the 8-byte header`);
  return ok({
    srcPort: v.getUint16(UDP_SRC_PORT),
    dstPort: v.getUint16(UDP_DST_PORT),
    payload: bytes.slice(offset + UDP_HEADER_LENGTH, offset + ulen),
    length,
    checksum: v.getUint16(UDP_CHECKSUM),
  });
}

/** Encodes with the checksum over the pseudo-header; a computed 0 is sent as 0xffff (RFC 768, RFC 8200). */
export function emitUdp(repr: UdpRepr, src: Ipv6Address, dst: Ipv6Address): Uint8Array {
  const out = emitUdpUnchecked(repr);
  const sum = upperLayerChecksum(src, dst, IPPROTO.UDP, out) || 0xffff;
  out[UDP_CHECKSUM] = sum >> 8;
  out[UDP_CHECKSUM + 1] = sum & 0xff;
  return out;
}

/** Encodes with a zero checksum field. Over 65535 bytes the length field is 0 (jumbogram). */
export function emitUdpUnchecked(repr: UdpRepr): Uint8Array {
  const len = udpLength(repr);
  const out = new Uint8Array(len);
  const v = new DataView(out.buffer);
  v.setUint16(UDP_SRC_PORT, repr.srcPort);
  v.setUint16(UDP_DST_PORT, repr.dstPort);
  v.setUint16(UDP_LENGTH, len > 0xffff ? 0 : len);
  out.set(repr.payload, UDP_HEADER_LENGTH);
  return out;
}

/**
 * True when the datagram (from its first byte to its length field, checksum as received) verifies.
 * A zero checksum field is never valid over IPv6: the kernel drops it (udp6_csum_zero_error).
 */
export function udpChecksumOk(src: Ipv6Address, dst: Ipv6Address, datagram: Uint8Array): boolean {
  if (datagram.length < UDP_HEADER_LENGTH) return false;
  if (datagram[UDP_CHECKSUM] === 0 && datagram[UDP_CHECKSUM + 1] === 0) return false;
  const length = (datagram[UDP_LENGTH]! << 8) | datagram[UDP_LENGTH + 1]!;
  const ulen = length === 0 ? datagram.length : length;
  if (ulen > datagram.length || ulen < UDP_HEADER_LENGTH) return false;
  return verifyUpperLayerChecksum(src, dst, IPPROTO.UDP, datagram.subarray(0, ulen));
}
