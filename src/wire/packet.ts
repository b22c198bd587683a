/** Whole IPv6 packets: build one from a header, extension headers and an upper-layer repr; take one apart (RFC 8200 sections 4 and 8.1). */

import {
  emitFragmentHeader,
  emitOptionsHeader,
  emitRoutingHeader,
  type FragmentHeaderRepr,
  type HeaderChain,
  type Ipv6Option,
  optionsHeaderLength,
  paddingOptions,
  type RoutingHeaderRepr,
  walkExtensionHeaders,
} from './ext-headers.js';
import { emitIcmpv6, type Icmpv6Repr, type ParsedIcmpv6, parseIcmpv6 } from './icmpv6.js';
import { emitIpv6, IPV6_HEADER_LENGTH, type Ipv6Repr, parseIpv6 } from './ipv6.js';
import type { Ipv6Address } from './ipv6-address.js';
import { IPPROTO } from './proto.js';
import { ok, type Parsed } from './result.js';
import { emitTcp, parseTcp, type TcpFields, type TcpRepr, tcpChecksumOk } from './tcp.js';
import { emitUdp, parseUdp, type UdpFields, type UdpRepr, udpChecksumOk } from './udp.js';

export type ExtensionHeaderSpec =
  /** Options are padded with Pad1/PadN to a multiple of 8 when they do not fill one already. */
  | { readonly type: 'hop-by-hop' | 'destination'; readonly options: readonly Ipv6Option[] }
  | ({ readonly type: 'routing' } & Omit<RoutingHeaderRepr, 'nextHeader'>)
  | ({ readonly type: 'fragment' } & Omit<FragmentHeaderRepr, 'nextHeader'>)
  /** Bytes already encoded (AH, for one); its first byte is overwritten with the next header. */
  | { readonly type: 'raw'; readonly protocol: number; readonly bytes: Uint8Array };

export type UpperLayerSpec =
  | { readonly protocol: 'icmpv6'; readonly repr: Icmpv6Repr }
  | { readonly protocol: 'udp'; readonly repr: UdpRepr }
  | { readonly protocol: 'tcp'; readonly repr: TcpRepr }
  /** Anything else as bytes: ESP, an inner packet (41), or nothing at all (59). */
  | { readonly protocol: number; readonly bytes: Uint8Array };

function specProtocol(spec: ExtensionHeaderSpec): number {
  switch (spec.type) {
    case 'hop-by-hop':
      return IPPROTO.HOPOPTS;
    case 'destination':
      return IPPROTO.DSTOPTS;
    case 'routing':
      return IPPROTO.ROUTING;
    case 'fragment':
      return IPPROTO.FRAGMENT;
    case 'raw':
      return spec.protocol;
  }
}

function upperProtocol(spec: UpperLayerSpec): number {
  if (spec.protocol === 'icmpv6') return IPPROTO.ICMPV6;
  if (spec.protocol === 'udp') return IPPROTO.UDP;
  if (spec.protocol === 'tcp') return IPPROTO.TCP;
  return spec.protocol;
}

/** The options padded to a multiple of 8 bytes. */
export function paddedOptions(options: readonly Ipv6Option[]): Ipv6Option[] {
  const len = optionsHeaderLength({ nextHeader: 0, options });
  return [...options, ...paddingOptions((8 - (len % 8)) % 8)];
}

function emitExtension(spec: ExtensionHeaderSpec, nextHeader: number): Uint8Array {
  switch (spec.type) {
    case 'hop-by-hop':
    case 'destination':
      return emitOptionsHeader({ nextHeader, options: paddedOptions(spec.options) });
    case 'routing':
      return emitRoutingHeader({ ...spec, nextHeader });
    case 'fragment':
      return emitFragmentHeader({ ...spec, nextHeader });
    case 'raw': {
      const out = spec.bytes.slice();
      out[0] = nextHeader;
      return out;
    }
  }
}

/**
 * The destination the upper-layer checksum covers (RFC 8200 section 8.1): with a routing header
 * that still has segments left, the final one; otherwise the header's destination. Types 0 and 2
 * list addresses after 4 reserved bytes with the final one last; a segment routing header (type 4)
 * keeps the final segment first, after its 4 bytes of last entry, flags and tag.
 */
export function finalDestination(
  dst: Ipv6Address,
  routing?: Pick<RoutingHeaderRepr, 'routingType' | 'segmentsLeft' | 'data'>,
): Ipv6Address {
  if (!routing || routing.segmentsLeft === 0) return dst;
  const n = Math.floor((routing.data.length - 4) / 16);
  if (n < 1) return dst;
  if (routing.routingType === 4) return routing.data.slice(4, 20);
  return routing.data.slice(4 + 16 * (n - 1), 4 + 16 * n);
}

/** A whole packet: payload length, every next-header byte and the upper-layer checksum filled in. */
export function buildPacket(
  header: Omit<Ipv6Repr, 'payloadLength' | 'nextHeader'>,
  extensions: readonly ExtensionHeaderSpec[],
  upper: UpperLayerSpec,
): Uint8Array {
  const routing = extensions.find((e) => e.type === 'routing');
  const checksumDst = finalDestination(header.dst, routing?.type === 'routing' ? routing : undefined);
  let upperBytes: Uint8Array;
  if (upper.protocol === 'icmpv6') upperBytes = emitIcmpv6(upper.repr, header.src, checksumDst);
  else if (upper.protocol === 'udp') upperBytes = emitUdp(upper.repr, header.src, checksumDst);
  else if (upper.protocol === 'tcp') upperBytes = emitTcp(upper.repr, header.src, checksumDst);
  else upperBytes = upper.bytes;
  const parts: Uint8Array[] = [];
  extensions.forEach((e, i) => {
    const next = extensions[i + 1];
    parts.push(emitExtension(e, next ? specProtocol(next) : upperProtocol(upper)));
  });
  parts.push(upperBytes);
  let payloadLength = 0;
  for (const p of parts) payloadLength += p.length;
  if (payloadLength > 0xffff) throw new Error(`buildPacket: a payload of ${payloadLength} bytes needs a jumbogram`);
  const first = extensions[0];
  const out = new Uint8Array(IPV6_HEADER_LENGTH + payloadLength);
  out.set(emitIpv6({ ...header, payloadLength, nextHeader: first ? specProtocol(first) : upperProtocol(upper) }), 0);
  let off = IPV6_HEADER_LENGTH;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export type ParsedUpperLayer =
  | { readonly protocol: 'icmpv6'; readonly repr: ParsedIcmpv6; readonly checksumOk: boolean }
  | { readonly protocol: 'udp'; readonly repr: UdpRepr & UdpFields; readonly checksumOk: boolean }
  | { readonly protocol: 'tcp'; readonly repr: TcpRepr & TcpFields; readonly checksumOk: boolean }
  /** Not decoded here: AH, ESP, 59, an inner packet, another protocol, or a non-first fragment. */
  | { readonly protocol: number; readonly bytes: Uint8Array };

export interface ParsedPacket {
  readonly ipv6: Ipv6Repr;
  readonly chain: HeaderChain;
  readonly upper: ParsedUpperLayer;
}

/**
 * Takes a packet apart: the IPv6 header, the extension-header chain (stopping at ESP, and at AH unless
 * `throughAh`), and the ICMPv6, UDP or TCP message when there is one. Bytes past the payload length
 * are ignored; checksums are verified against the final destination but a bad one is reported, not
 * refused.
 */
export function parsePacket(packet: Uint8Array, opts: { throughAh?: boolean } = {}): Parsed<ParsedPacket> {
  const ip = parseIpv6(packet);
  if (!ip.ok) return ip;
  const bytes = packet.subarray(0, IPV6_HEADER_LENGTH + ip.value.payloadLength);
  const chain = walkExtensionHeaders(bytes, opts);
  if (!chain.ok) return chain;
  const { src, dst } = ip.value;
  const rt = chain.value.headers.find((h) => h.type === IPPROTO.ROUTING);
  const routing = rt && {
    routingType: bytes[rt.offset + 2]!,
    segmentsLeft: bytes[rt.offset + 3]!,
    data: bytes.subarray(rt.offset + 4, rt.offset + rt.length),
  };
  const checksumDst = finalDestination(dst, routing);
  const upperBytes = bytes.subarray(chain.value.upperOffset);
  const done = (upper: ParsedUpperLayer) => ok({ ipv6: ip.value, chain: chain.value, upper });
  if (chain.value.fragmented) return done({ protocol: chain.value.upperProtocol, bytes: upperBytes.slice() });
  switch (chain.value.upperProtocol) {
    case IPPROTO.ICMPV6: {
      const r = parseIcmpv6(upperBytes, 0, src, checksumDst);
      if (!r.ok) return r;
      return done({ protocol: 'icmpv6', repr: r.value, checksumOk: r.value.checksumOk === true });
    }
    case IPPROTO.UDP: {
      const r = parseUdp(upperBytes);
      if (!r.ok) return r;
      return done({ protocol: 'udp', repr: r.value, checksumOk: udpChecksumOk(src, checksumDst, upperBytes) });
    }
    case IPPROTO.TCP: {
      const r = parseTcp(upperBytes);
      if (!r.ok) return r;
      return done({ protocol: 'tcp', repr: r.value, checksumOk: tcpChecksumOk(src, checksumDst, upperBytes) });
    }
    default:
      return done({ protocol: chain.value.upperProtocol, bytes: upperBytes.slice() });
  }
}
