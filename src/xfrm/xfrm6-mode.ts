/** IPv6 transport and tunnel framing around AH/ESP (kernel: xfrm_output.c xfrm6_transport_output, xfrm6_tunnel_encap_add; xfrm_input.c xfrm6_remove_tunnel_encap; xfrm6_input.c xfrm6_transport_finish). */

import { unfragmentablePartEnd, walkExtensionHeaders } from '../wire/ext-headers.js';
import { IPV6_HEADER_LENGTH, IPV6_NEXT_HEADER, IPV6_PAYLOAD_LEN, readIpv6, writeIpv6 } from '../wire/ipv6.js';
import type { Ipv6Address } from '../wire/ipv6-address.js';
import { IPPROTO } from '../wire/proto.js';
import { fail, ok, type Parsed } from '../wire/result.js';

/** ECN codepoints (RFC 3168), the low two bits of the traffic class. */
const ECN_MASK = 0x03;
const ECN_NOT_ECT = 0x00;
const ECN_ECT_0 = 0x02;
const ECN_CE = 0x03;

/** A packet cut where transport mode puts AH/ESP: in front, the IPv6 header and the per-fragment headers. */
export interface TransportSplit {
  /** IPv6 header plus hop-by-hop / routing / destination options that stay in front. */
  readonly header: Uint8Array;
  /** Offset in `header` of the next-header byte that must name the IPsec header. */
  readonly nextHeaderOffset: number;
  /** What that byte named: the protocol the IPsec header then carries. */
  readonly protocol: number;
  readonly payload: Uint8Array;
}

/** Splits a plain packet at ip6_find_1stfragopt's offset (xfrm6_hdr_offset for AH and ESP). */
export function splitForTransport(packet: Uint8Array): Parsed<TransportSplit> {
  const end = unfragmentablePartEnd(packet);
  if (!end.ok) return end;
  const { offset, nextHeaderOffset } = end.value;
  return ok({
    header: packet.subarray(0, offset),
    nextHeaderOffset,
    protocol: packet[nextHeaderOffset]!,
    payload: packet.subarray(offset),
  });
}

/**
 * `header` + `parts`, with the byte at `nextHeaderOffset` set to `protocol` and the payload length
 * fixed (the output of xfrm6_transport_output + the IPsec header, or xfrm6_transport_finish on input).
 */
export function joinTransport(header: Uint8Array, nextHeaderOffset: number, protocol: number, ...parts: readonly Uint8Array[]): Uint8Array {
  let length = header.length;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  out.set(header, 0);
  let at = header.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  out[nextHeaderOffset] = protocol;
  setPayloadLength(out);
  return out;
}

/** payload_len = everything after the fixed header (jumbograms are not modelled). */
export function setPayloadLength(packet: Uint8Array): void {
  const n = packet.length - IPV6_HEADER_LENGTH;
  if (n > 0xffff) throw new RangeError(`IPv6 payload of ${n} bytes needs a jumbogram`);
  packet[IPV6_PAYLOAD_LEN] = n >> 8;
  packet[IPV6_PAYLOAD_LEN + 1] = n & 0xff;
}

/**
 * Offset of the next-header byte that names the header at `ipsecOffset` (IP6CB(skb)->nhoff): the
 * IPv6 header's own, or that of the last extension header in front of it.
 */
export function nextHeaderOffsetBefore(packet: Uint8Array, ipsecOffset: number): Parsed<number> {
  const chain = walkExtensionHeaders(packet, { throughAh: true });
  if (!chain.ok) return chain;
  let nhoff = IPV6_NEXT_HEADER;
  for (const h of chain.value.headers) {
    if (h.offset === ipsecOffset) return ok(nhoff);
    nhoff = h.offset;
  }
  if (chain.value.upperOffset === ipsecOffset) return ok(chain.value.nextHeaderOffset);
  return fail('malformed', 'ipsec offset', `no header of the chain starts at byte ${ipsecOffset}`);
}

/** The outer header of a tunnel-mode SA: where it sends from and to, and the flags that change DSCP/ECN. */
export interface TunnelOuter {
  /** SA source (`::` for an SA added without src: the kernel really sends from ::). */
  readonly src: Ipv6Address;
  readonly dst: Ipv6Address;
  /** The route's hop limit for the outer packet (ip6_dst_hoplimit; 64 by default). */
  readonly hopLimit: number;
  /** extra-flag dont-encap-dscp: outer DSCP 0. */
  readonly dontEncapDscp?: boolean;
  /** flag noecn: outer ECN bits cleared. */
  readonly noEcn?: boolean;
}

/**
 * The outer IPv6 header for `inner` (xfrm6_tunnel_encap_add): flow label copied from the inner
 * header; traffic class = inner DSCP (0 with dont-encap-dscp) with the inner ECN copied, a CE inner
 * becoming ECT(0) (INET_ECN_encapsulate), ECN cleared with noecn.
 */
export function tunnelOuterHeader(inner: Uint8Array, outer: TunnelOuter, nextHeader: number, payloadLength: number): Uint8Array {
  const i = readIpv6(inner);
  const innerTos = i.trafficClass;
  let dsfield = outer.dontEncapDscp ? 0 : innerTos;
  dsfield = (dsfield & ~ECN_MASK) | ((innerTos & ECN_MASK) === ECN_CE ? ECN_ECT_0 : innerTos & ECN_MASK);
  if (outer.noEcn) dsfield &= ~ECN_MASK;
  const out = new Uint8Array(IPV6_HEADER_LENGTH);
  writeIpv6(
    {
      trafficClass: dsfield & 0xff,
      flowLabel: i.flowLabel,
      payloadLength,
      nextHeader,
      hopLimit: outer.hopLimit,
      src: outer.src,
      dst: outer.dst,
    },
    out,
  );
  return out;
}

/** Flags of a tunnel SA that touch the inner header on decapsulation. */
export interface TunnelDecapFlags {
  /** flag decap-dscp: the outer DSCP replaces the inner one. */
  readonly decapDscp?: boolean;
  /** flag noecn: an outer CE is not propagated. */
  readonly noEcn?: boolean;
}

/**
 * The inner packet of a tunnel SA (xfrm6_remove_tunnel_encap): the protected payload must be an
 * IPv6 packet (next header 41; anything else is XfrmInStateModeError), then DSCP is copied with
 * decap-dscp and an outer CE marks an ECN-capable inner packet CE (ipip6_ecn_decapsulate) unless noecn.
 */
export function tunnelInner(
  outerHeader: Uint8Array,
  nextHeader: number,
  payload: Uint8Array,
  flags: TunnelDecapFlags = {},
): Parsed<Uint8Array> {
  if (nextHeader !== IPPROTO.IPV6) return fail('unsupported', 'tunnel inner', `next header ${nextHeader} is not IPv6 (41)`);
  if (payload.length < IPV6_HEADER_LENGTH || payload[0]! >> 4 !== 6) return fail('malformed', 'tunnel inner', 'inner packet is not IPv6');
  const inner = payload.slice();
  const outerTos = readIpv6(outerHeader).trafficClass;
  let tos = readIpv6(inner).trafficClass;
  if (flags.decapDscp) tos = (outerTos & ~ECN_MASK) | (tos & ECN_MASK);
  if (!flags.noEcn && (outerTos & ECN_MASK) === ECN_CE && (tos & ECN_MASK) !== ECN_NOT_ECT) tos |= ECN_CE;
  inner[0] = (inner[0]! & 0xf0) | (tos >> 4);
  inner[1] = (inner[1]! & 0x0f) | ((tos & 0x0f) << 4);
  return ok(inner);
}
