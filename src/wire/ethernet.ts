/** Ethernet II framing as a veth carries it (IEEE 802.3; IPv6 multicast MACs per RFC 2464 section 7). */

import { fail, ok, type Parsed, truncated } from './result.js';

//  0                   1                   2                   3
//  +-------------------------------+-------------------------------+
//  |        destination MAC (6)    |          source MAC (6)       |
//  +-------------------------------+-------------------------------+
//  |  EtherType (2) |  payload ...
export const ETH_DST = 0;
export const ETH_SRC = 6;
export const ETH_TYPE = 12;
export const ETH_HEADER_LENGTH = 14;

export type MacAddress = Uint8Array;

export interface EthernetRepr {
  readonly dst: MacAddress;
  readonly src: MacAddress;
  readonly etherType: number;
  readonly payload: Uint8Array;
}

export function parseEthernet(frame: Uint8Array): Parsed<EthernetRepr> {
  if (frame.length < ETH_HEADER_LENGTH) return truncated('ethernet', ETH_HEADER_LENGTH, frame.length);
  return ok({
    dst: frame.slice(ETH_DST, ETH_DST + 6),
    src: frame.slice(ETH_SRC, ETH_SRC + 6),
    etherType: (frame[ETH_TYPE]! << 8) | frame[ETH_TYPE + 1]!,
    payload: frame.subarray(ETH_HEADER_LENGTH),
  });
}

export function emitEthernet(repr: EthernetRepr): Uint8Array {
  const out = new Uint8Array(ETH_HEADER_LENGTH + repr.payload.length);
  out.set(repr.dst, ETH_DST);
  out.set(repr.src, ETH_SRC);
  out[ETH_TYPE] = repr.etherType >> 8;
  out[ETH_TYPE + 1] = repr.etherType & 0xff;
  out.set(repr.payload, ETH_HEADER_LENGTH);
  return out;
}

/** 33:33 followed by the low 32 bits of the IPv6 multicast destination (RFC 2464 section 7). */
export function ipv6MulticastMac(dst: Uint8Array): MacAddress {
  return Uint8Array.of(0x33, 0x33, dst[12]!, dst[13]!, dst[14]!, dst[15]!);
}

export function formatMac(mac: Uint8Array): string {
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':');
}

export function parseMac(text: string): Parsed<MacAddress> {
  const parts = text.split(':');
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p))) {
    return fail('malformed', 'mac address', `"${text}" is not a MAC address`);
  }
  return ok(Uint8Array.from(parts, (p) => Number.parseInt(p, 16)));
}
