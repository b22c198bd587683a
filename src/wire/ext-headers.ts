/** IPv6 extension headers and the header chain (RFC 8200 section 4; kernel: exthdrs_core.c, output_core.c ip6_find_1stfragopt). */

import { IPV6_HEADER_LENGTH, IPV6_NEXT_HEADER } from './ipv6.js';
import { IPPROTO } from './proto.js';
import { fail, ok, type Parsed, truncated } from './result.js';

// Hop-by-hop and destination options (RFC 8200 sections 4.3, 4.6):
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |  Next Header  |  Hdr Ext Len  |                               |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+          Options              .
// .                                                               .
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// Length = (Hdr Ext Len + 1) * 8. Each option: type(1) length(1) data, except Pad1 (one zero byte).
export const EXT_NEXT_HEADER = 0;
export const EXT_HDR_EXT_LEN = 1;
export const EXT_OPTIONS = 2;

export const OPT_PAD1 = 0;
export const OPT_PADN = 1;
/** The option-type bit saying the data may change en route (RFC 8200 section 4.2): AH zeroes such data. */
export const OPT_MAY_CHANGE = 0x20;

export interface Ipv6Option {
  readonly type: number;
  /** Empty for Pad1. */
  readonly data: Uint8Array;
}

export interface OptionsHeaderRepr {
  readonly nextHeader: number;
  readonly options: readonly Ipv6Option[];
}

// Routing header (RFC 8200 section 4.4):
// |  Next Header  |  Hdr Ext Len  |  Routing Type | Segments Left |
// |                  type-specific data ...                        |
export const RT_ROUTING_TYPE = 2;
export const RT_SEGMENTS_LEFT = 3;
export const RT_DATA = 4;

export interface RoutingHeaderRepr {
  readonly nextHeader: number;
  readonly routingType: number;
  readonly segmentsLeft: number;
  /** The type-specific data, 4 + 8n bytes so the header stays a multiple of 8. */
  readonly data: Uint8Array;
}

// Fragment header (RFC 8200 section 4.5):
// |  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
// |                         Identification                        |
export const FRAG_OFFSET_FLAGS = 2;
export const FRAG_IDENTIFICATION = 4;
export const FRAG_HEADER_LENGTH = 8;

export interface FragmentHeaderRepr {
  readonly nextHeader: number;
  /** In 8-byte units. */
  readonly fragmentOffset: number;
  readonly moreFragments: boolean;
  readonly identification: number;
}

/** Length in bytes of the extension header of type `type` that starts at `offset` (AH counts in 4-byte words). */
export function extensionHeaderLength(type: number, bytes: Uint8Array, offset: number): number {
  if (type === IPPROTO.FRAGMENT) return FRAG_HEADER_LENGTH;
  if (type === IPPROTO.AH) return (bytes[offset + 1]! + 2) * 4;
  return (bytes[offset + 1]! + 1) * 8;
}

function checkedHeader(what: string, bytes: Uint8Array, offset: number, type: number): Parsed<number> {
  const have = bytes.length - offset;
  if (have < 2) return truncated(what, 2, Math.max(0, have));
  const len = extensionHeaderLength(type, bytes, offset);
  if (have < len) return truncated(what, len, have);
  return ok(len);
}

export function parseOptionsHeader(bytes: Uint8Array, offset = 0, what = 'hop-by-hop'): Parsed<OptionsHeaderRepr & { length: number }> {
  const len = checkedHeader(what, bytes, offset, IPPROTO.HOPOPTS);
  if (!len.ok) return len;
  const end = offset + len.value;
  const options: Ipv6Option[] = [];
  let i = offset + EXT_OPTIONS;
  while (i < end) {
    const type = bytes[i]!;
    if (type === OPT_PAD1) {
      options.push({ type, data: new Uint8Array(0) });
      i += 1;
      continue;
    }
    if (i + 2 > end) return fail('malformed', `${what}.option`, `option at byte ${i - offset} has no length byte`);
    const dlen = bytes[i + 1]!;
    if (i + 2 + dlen > end) return fail('malformed', `${what}.option`, `option type ${type} of length ${dlen} overruns the header`);
    options.push({ type, data: bytes.slice(i + 2, i + 2 + dlen) });
    i += 2 + dlen;
  }
  return ok({ nextHeader: bytes[offset]!, options, length: len.value });
}

export function optionsHeaderLength(repr: OptionsHeaderRepr): number {
  let n = EXT_OPTIONS;
  for (const o of repr.options) n += o.type === OPT_PAD1 ? 1 : 2 + o.data.length;
  return n;
}

/** Emits the options as given; the caller supplies the padding that makes the length a multiple of 8. */
export function emitOptionsHeader(repr: OptionsHeaderRepr): Uint8Array {
  const len = optionsHeaderLength(repr);
  if (len % 8 !== 0) throw new Error(`emitOptionsHeader: options make ${len} bytes, not a multiple of 8`);
  const out = new Uint8Array(len);
  out[EXT_NEXT_HEADER] = repr.nextHeader;
  out[EXT_HDR_EXT_LEN] = len / 8 - 1;
  let i = EXT_OPTIONS;
  for (const o of repr.options) {
    out[i] = o.type;
    if (o.type === OPT_PAD1) {
      i += 1;
      continue;
    }
    out[i + 1] = o.data.length;
    out.set(o.data, i + 2);
    i += 2 + o.data.length;
  }
  return out;
}

/** Pad1/PadN options that fill `n` bytes (RFC 8200 section 4.2). */
export function paddingOptions(n: number): Ipv6Option[] {
  if (n === 0) return [];
  if (n === 1) return [{ type: OPT_PAD1, data: new Uint8Array(0) }];
  return [{ type: OPT_PADN, data: new Uint8Array(n - 2) }];
}

export function parseRoutingHeader(bytes: Uint8Array, offset = 0): Parsed<RoutingHeaderRepr & { length: number }> {
  const len = checkedHeader('routing', bytes, offset, IPPROTO.ROUTING);
  if (!len.ok) return len;
  if (len.value < 8) return truncated('routing', 8, len.value);
  return ok({
    nextHeader: bytes[offset]!,
    routingType: bytes[offset + RT_ROUTING_TYPE]!,
    segmentsLeft: bytes[offset + RT_SEGMENTS_LEFT]!,
    data: bytes.slice(offset + RT_DATA, offset + len.value),
    length: len.value,
  });
}

export function emitRoutingHeader(repr: RoutingHeaderRepr): Uint8Array {
  const len = RT_DATA + repr.data.length;
  if (len % 8 !== 0) throw new Error(`emitRoutingHeader: ${len} bytes is not a multiple of 8`);
  const out = new Uint8Array(len);
  out[EXT_NEXT_HEADER] = repr.nextHeader;
  out[EXT_HDR_EXT_LEN] = len / 8 - 1;
  out[RT_ROUTING_TYPE] = repr.routingType;
  out[RT_SEGMENTS_LEFT] = repr.segmentsLeft;
  out.set(repr.data, RT_DATA);
  return out;
}

export function parseFragmentHeader(bytes: Uint8Array, offset = 0): Parsed<FragmentHeaderRepr> {
  const have = bytes.length - offset;
  if (have < FRAG_HEADER_LENGTH) return truncated('fragment', FRAG_HEADER_LENGTH, Math.max(0, have));
  const v = new DataView(bytes.buffer, bytes.byteOffset + offset, FRAG_HEADER_LENGTH);
  const of = v.getUint16(FRAG_OFFSET_FLAGS);
  return ok({
    nextHeader: v.getUint8(0),
    fragmentOffset: of >> 3,
    moreFragments: (of & 1) === 1,
    identification: v.getUint32(FRAG_IDENTIFICATION),
  });
}

export function emitFragmentHeader(repr: FragmentHeaderRepr): Uint8Array {
  const out = new Uint8Array(FRAG_HEADER_LENGTH);
  const v = new DataView(out.buffer);
  v.setUint8(0, repr.nextHeader);
  v.setUint16(FRAG_OFFSET_FLAGS, ((repr.fragmentOffset & 0x1fff) << 3) | (repr.moreFragments ? 1 : 0));
  v.setUint32(FRAG_IDENTIFICATION, repr.identification >>> 0);
  return out;
}

export interface ChainEntry {
  /** The protocol number of this header (0, 43, 44, 60, or 51 when walking through AH). */
  readonly type: number;
  readonly offset: number;
  readonly length: number;
}

export interface HeaderChain {
  readonly headers: readonly ChainEntry[];
  /** The first header that is not an extension header walked through: an upper protocol, ESP, 59, or AH. */
  readonly upperProtocol: number;
  readonly upperOffset: number;
  /** Offset of the next-header byte that names `upperProtocol` (the IPv6 header's or the last extension header's). */
  readonly nextHeaderOffset: number;
  /** True when a fragment header with a non-zero offset hides the upper header. */
  readonly fragmented: boolean;
}

function isWalkable(type: number, throughAh: boolean): boolean {
  return (
    type === IPPROTO.HOPOPTS ||
    type === IPPROTO.ROUTING ||
    type === IPPROTO.DSTOPTS ||
    type === IPPROTO.FRAGMENT ||
    (throughAh && type === IPPROTO.AH)
  );
}

/**
 * Walks from the IPv6 header through hop-by-hop, routing, fragment and destination options (and AH
 * when `throughAh`), stopping at the first other header. A non-first fragment stops the walk at the
 * fragment header, as the kernel's ipv6_skip_exthdr does. Hop-by-hop is only valid first.
 */
export function walkExtensionHeaders(packet: Uint8Array, opts: { throughAh?: boolean } = {}): Parsed<HeaderChain> {
  if (packet.length < IPV6_HEADER_LENGTH) return truncated('ipv6', IPV6_HEADER_LENGTH, packet.length);
  const headers: ChainEntry[] = [];
  let type = packet[IPV6_NEXT_HEADER]!;
  let nextHeaderOffset = IPV6_NEXT_HEADER;
  let offset = IPV6_HEADER_LENGTH;
  while (isWalkable(type, opts.throughAh ?? false)) {
    if (type === IPPROTO.HOPOPTS && offset !== IPV6_HEADER_LENGTH) {
      return fail('malformed', 'hop-by-hop', 'hop-by-hop header not directly after the IPv6 header');
    }
    const len = checkedHeader(headerName(type), packet, offset, type);
    if (!len.ok) return len;
    headers.push({ type, offset, length: len.value });
    if (type === IPPROTO.FRAGMENT) {
      const fragOffset = ((packet[offset + FRAG_OFFSET_FLAGS]! << 8) | packet[offset + FRAG_OFFSET_FLAGS + 1]!) >> 3;
      if (fragOffset !== 0) {
        return ok({ headers, upperProtocol: packet[offset]!, upperOffset: offset + len.value, nextHeaderOffset: offset, fragmented: true });
      }
    }
    nextHeaderOffset = offset + EXT_NEXT_HEADER;
    type = packet[offset]!;
    offset += len.value;
  }
  return ok({ headers, upperProtocol: type, upperOffset: offset, nextHeaderOffset, fragmented: false });
}

function headerName(type: number): string {
  switch (type) {
    case IPPROTO.HOPOPTS:
      return 'hop-by-hop';
    case IPPROTO.ROUTING:
      return 'routing';
    case IPPROTO.FRAGMENT:
      return 'fragment';
    case IPPROTO.DSTOPTS:
      return 'destination options';
    default:
      return 'ah';
  }
}

/**
 * Where AH or ESP goes in transport mode: after the "unfragmentable part" as the kernel's
 * ip6_find_1stfragopt finds it: hop-by-hop, routing, and destination options unless they follow a
 * routing header. (Unlike RFC 8200's ordering, a destination options header with no routing header
 * before it stays in front of the IPsec header; that is what Linux does.)
 * Returns the offset and the offset of the next-header byte that must then name AH/ESP.
 */
export function unfragmentablePartEnd(packet: Uint8Array): Parsed<{ offset: number; nextHeaderOffset: number }> {
  if (packet.length < IPV6_HEADER_LENGTH) return truncated('ipv6', IPV6_HEADER_LENGTH, packet.length);
  let type = packet[IPV6_NEXT_HEADER]!;
  let nextHeaderOffset = IPV6_NEXT_HEADER;
  let offset = IPV6_HEADER_LENGTH;
  let foundRoutingHeader = false;
  for (;;) {
    if (type === IPPROTO.ROUTING) foundRoutingHeader = true;
    else if (type === IPPROTO.DSTOPTS) {
      if (foundRoutingHeader) return ok({ offset, nextHeaderOffset });
    } else if (type !== IPPROTO.HOPOPTS) return ok({ offset, nextHeaderOffset });
    const len = checkedHeader(headerName(type), packet, offset, type);
    if (!len.ok) return len;
    nextHeaderOffset = offset + EXT_NEXT_HEADER;
    type = packet[offset]!;
    offset += len.value;
  }
}
