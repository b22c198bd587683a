/** AH for IPv6: ICV, transport and tunnel output, input (RFC 4302; kernel: net/ipv6/ah6.c ah6_output, ah6_input, ipv6_clear_mutable_options). */

import type { PreparedAuth } from '../crypto/auth.js';
import { constantTimeEqual } from '../crypto/constant-time.js';
import { AH_FIXED_LENGTH, AH_ICV, AH_PAYLOAD_LEN, ahLength, emitAh, parseAh } from '../wire/ah.js';
import { EXT_HDR_EXT_LEN, EXT_NEXT_HEADER, EXT_OPTIONS, OPT_MAY_CHANGE, OPT_PAD1, RT_SEGMENTS_LEFT } from '../wire/ext-headers.js';
import { IPV6_DST, IPV6_HEADER_LENGTH, IPV6_HOP_LIMIT, IPV6_NEXT_HEADER } from '../wire/ipv6.js';
import { IPPROTO } from '../wire/proto.js';
import { expectOk, fail, ok, type Parsed, truncated } from '../wire/result.js';
import {
  joinTransport,
  nextHeaderOffsetBefore,
  setPayloadLength,
  splitForTransport,
  type TunnelOuter,
  tunnelOuterHeader,
} from './xfrm6-mode.js';

/** What ah6_output needs besides the packet: the SA's prepared auth, SPI and this packet's sequence number. */
export interface Ah6OutputParams {
  readonly auth: PreparedAuth;
  readonly spi: number;
  /** Low 32 bits of the output sequence number. */
  readonly seq: number;
  /** High 32 bits with `flag esn`: authenticated after the packet, never sent (RFC 4302 section 3.3.3.2). */
  readonly seqHi?: number;
  /**
   * The bytes between the ICV and the 8-byte boundary. Linux does not clear them (captures show
   * leftovers such as 00000002), and they are covered by the ICV; default zeros.
   */
  readonly padding?: Uint8Array;
}

/** Why ah6 refuses a packet (each is XfrmInStateProtoError on input, XfrmOutStateProtoError on output). */
export type Ah6DropReason = 'truncated' | 'bad-length' | 'bad-options' | 'icv-mismatch';

export type Ah6Drop = { readonly kind: 'drop'; readonly reason: Ah6DropReason; readonly detail: string };
export type Ah6OutputResult = { readonly kind: 'ok'; readonly packet: Uint8Array } | Ah6Drop;

export type Ah6InputResult =
  | {
      readonly kind: 'ok';
      readonly spi: number;
      readonly seq: number;
      /** The protocol AH protected (41 for a tunnel SA). */
      readonly nextHeader: number;
      /** Transport mode result: AH removed, the preceding next-header byte and payload length fixed. */
      readonly packet: Uint8Array;
      /** The bytes AH protected (the inner packet for a tunnel SA). */
      readonly payload: Uint8Array;
      /** The IPv6 header and extension headers in front of AH, as received. */
      readonly header: Uint8Array;
    }
  | Ah6Drop;

const drop = (reason: Ah6DropReason, detail: string): Ah6Drop => ({ kind: 'drop', reason, detail });

/**
 * The ICV of `packet` (starting with its IPv6 header) with AH at `ahOffset`, computed over a copy
 * in which, as ah6.c does:
 * - the IPv6 header keeps version, payload length, next header and addresses; traffic class, flow
 *   label and hop limit are zeroed;
 * - hop-by-hop and destination options before AH have the data of every option whose type has the
 *   0x20 bit zeroed (zero_out_mutable_opts), and a malformed option list is refused;
 * - a routing header before AH is put into its final form: segments left 0, the final destination
 *   in the IPv6 header (ipv6_rearrange_rthdr; a no-op for a header that already arrived);
 * - the first icvLength bytes of the AH ICV field are zeroed, the padding after them kept as is;
 * - everything after AH is taken unchanged, then the ESN high bits when given.
 */
export function ah6Icv(auth: PreparedAuth, packet: Uint8Array, ahOffset: number, seqHi?: number): Parsed<Uint8Array> {
  if (ahOffset < IPV6_HEADER_LENGTH || packet.length < ahOffset + AH_FIXED_LENGTH) {
    return truncated('ah', ahOffset + AH_FIXED_LENGTH, packet.length);
  }
  const work = packet.slice();
  const cleared = clearMutableFields(work, ahOffset);
  if (!cleared.ok) return cleared;
  work.fill(0, ahOffset + AH_ICV, Math.min(work.length, ahOffset + AH_ICV + auth.icvLength));
  if (seqHi === undefined) return ok(auth.mac(work));
  return ok(auth.mac(work, u32be(seqHi)));
}

/**
 * ipv6_clear_mutable_options over the headers in front of AH, plus the mutable fixed-header
 * fields. The walk stops at the first header that is not hop-by-hop, destination options or
 * routing, as the kernel's does.
 */
function clearMutableFields(work: Uint8Array, end: number): Parsed<void> {
  work[0] = work[0]! & 0xf0;
  work[1] = 0;
  work[2] = 0;
  work[3] = 0;
  work[IPV6_HOP_LIMIT] = 0;
  let type = work[IPV6_NEXT_HEADER]!;
  let offset = IPV6_HEADER_LENGTH;
  while (offset < end) {
    if (offset + 2 > work.length) return truncated('ah.extension header', offset + 2, work.length);
    const length = (work[offset + EXT_HDR_EXT_LEN]! + 1) * 8;
    if (offset + length > work.length) return truncated('ah.extension header', offset + length, work.length);
    if (type === IPPROTO.HOPOPTS || type === IPPROTO.DSTOPTS) {
      if (!zeroMutableOptions(work, offset, length)) return fail('malformed', 'ah.options', `options overrun the header at byte ${offset}`);
    } else if (type === IPPROTO.ROUTING) {
      rearrangeRoutingHeader(work, offset);
    } else {
      break;
    }
    type = work[offset + EXT_NEXT_HEADER]!;
    offset += length;
  }
  return ok(undefined);
}

/** zero_out_mutable_opts: false when an option runs past the end of its header. */
function zeroMutableOptions(work: Uint8Array, offset: number, length: number): boolean {
  let i = offset + EXT_OPTIONS;
  const end = offset + length;
  while (i < end) {
    if (work[i] === OPT_PAD1) {
      i += 1;
      continue;
    }
    if (end - i < 2) return false;
    const dataLength = work[i + 1]!;
    if (end - i < dataLength + 2) return false;
    if (work[i]! & OPT_MAY_CHANGE) work.fill(0, i + 2, i + 2 + dataLength);
    i += 2 + dataLength;
  }
  return true;
}

/**
 * ipv6_rearrange_rthdr: the header as the final receiver sees it. The kernel assumes a type 0
 * layout (addresses after 4 reserved bytes) whatever the type, and so does this.
 */
function rearrangeRoutingHeader(work: Uint8Array, offset: number): void {
  const segmentsLeft = work[offset + RT_SEGMENTS_LEFT]!;
  if (segmentsLeft === 0) return;
  work[offset + RT_SEGMENTS_LEFT] = 0;
  const segments = work[offset + EXT_HDR_EXT_LEN]! >> 1;
  // The kernel relies on validation elsewhere (RH0 is refused on receive); do not move bytes for a
  // header whose counts contradict each other.
  if (segmentsLeft > segments) return;
  const addrs = offset + 8;
  const at = (k: number) => addrs + 16 * k;
  const finalAddress = work.slice(at(segments - 1), at(segments));
  const first = segments - segmentsLeft;
  work.copyWithin(at(first + 1), at(first), at(first + segmentsLeft - 1));
  work.copyWithin(at(first), IPV6_DST, IPV6_DST + 16);
  work.set(finalAddress, IPV6_DST);
}

/** AH bytes with a zero ICV field, for ah6Icv to fill in. */
function ahTemplate(p: Ah6OutputParams, nextHeader: number): Uint8Array {
  const padLength = ahLength(p.auth.icvLength) - AH_FIXED_LENGTH - p.auth.icvLength;
  const padding = p.padding ?? new Uint8Array(padLength);
  if (padding.length !== padLength) throw new RangeError(`ah6: padding must be ${padLength} bytes, got ${padding.length}`);
  return emitAh({ nextHeader, spi: p.spi, seq: p.seq, icv: new Uint8Array(p.auth.icvLength), padding });
}

function sign(packet: Uint8Array, ahOffset: number, p: Ah6OutputParams): Ah6OutputResult {
  const icv = ah6Icv(p.auth, packet, ahOffset, p.seqHi);
  if (!icv.ok) return drop('bad-options', icv.error.detail);
  packet.set(icv.value, ahOffset + AH_ICV);
  return { kind: 'ok', packet };
}

/**
 * Transport mode (xfrm6_transport_output + ah6_output): AH goes after the IPv6 header and the
 * headers ip6_find_1stfragopt keeps in front; the next-header byte before it becomes 51 and
 * AH carries the old value.
 */
export function ah6TransportOutput(packet: Uint8Array, p: Ah6OutputParams): Ah6OutputResult {
  const split = splitForTransport(packet);
  if (!split.ok) return drop('truncated', split.error.detail);
  const { header, nextHeaderOffset, protocol, payload } = split.value;
  const out = joinTransport(header, nextHeaderOffset, IPPROTO.AH, ahTemplate(p, protocol), payload);
  return sign(out, header.length, p);
}

/** Tunnel mode: a new outer header (see tunnelOuterHeader), AH with next header 41, the whole inner packet. */
export function ah6TunnelOutput(inner: Uint8Array, p: Ah6OutputParams & { readonly outer: TunnelOuter }): Ah6OutputResult {
  const ah = ahTemplate(p, IPPROTO.IPV6);
  const outerHeader = tunnelOuterHeader(inner, p.outer, IPPROTO.AH, ah.length + inner.length);
  const out = new Uint8Array(IPV6_HEADER_LENGTH + ah.length + inner.length);
  out.set(outerHeader, 0);
  out.set(ah, IPV6_HEADER_LENGTH);
  out.set(inner, IPV6_HEADER_LENGTH + ah.length);
  setPayloadLength(out);
  return sign(out, IPV6_HEADER_LENGTH, p);
}

/**
 * ah6_input for AH at `ahOffset`: the header length must be ALIGN8(12 + ICV) for the truncated or
 * the full ICV length, the ICV must verify (constant-time, over the truncated length), then AH is
 * removed (transport result in `packet`; for a tunnel SA `payload` is the inner packet).
 */
export function ah6Input(
  packet: Uint8Array,
  ahOffset: number,
  auth: PreparedAuth,
  opts: {
    readonly seqHi?: number;
    /**
     * What the next header field in front of AH holds for the ICV when it differs from the
     * bytes: inside one xfrm_input loop the kernel leaves it naming the first header removed.
     */
    readonly nextHeaderSeen?: number;
  } = {},
): Ah6InputResult {
  if (packet.length < ahOffset + AH_FIXED_LENGTH) return drop('truncated', `AH needs 12 bytes at ${ahOffset}, packet has ${packet.length}`);
  const length = (packet[ahOffset + AH_PAYLOAD_LEN]! + 2) * 4;
  const fullLength = auth.fullLength;
  if (length !== ahLength(auth.icvLength) && length !== ahLength(fullLength)) {
    return drop('bad-length', `AH length ${length}, the SA expects ${ahLength(auth.icvLength)} or ${ahLength(fullLength)}`);
  }
  if (packet.length < ahOffset + length)
    return drop('truncated', `AH of ${length} bytes at ${ahOffset} overruns the ${packet.length}-byte packet`);
  const nhoff = nextHeaderOffsetBefore(packet, ahOffset);
  if (!nhoff.ok) return drop('truncated', nhoff.error.detail);
  let covered = packet;
  if (opts.nextHeaderSeen !== undefined) {
    covered = packet.slice();
    covered[nhoff.value] = opts.nextHeaderSeen;
  }
  const icv = ah6Icv(auth, covered, ahOffset, opts.seqHi);
  if (!icv.ok) return drop('bad-options', icv.error.detail);
  const received = packet.subarray(ahOffset + AH_ICV, ahOffset + AH_ICV + auth.icvLength);
  if (!constantTimeEqual(icv.value, received)) return drop('icv-mismatch', 'AH ICV does not verify');
  const ah = expectOk(parseAh(packet, ahOffset, auth.icvLength));
  const header = packet.slice(0, ahOffset);
  const payload = packet.slice(ahOffset + length);
  return {
    kind: 'ok',
    spi: ah.spi,
    seq: ah.seq,
    nextHeader: ah.nextHeader,
    packet: joinTransport(header, nhoff.value, ah.nextHeader, payload),
    payload,
    header,
  };
}

function u32be(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0);
  return b;
}
