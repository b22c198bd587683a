/** The flow of a received or forwarded packet as xfrm's policy check sees it (kernel: xfrm_policy.c decode_session6, xfrm_decode_session). */

import { IPV6_DST, IPV6_HEADER_LENGTH, IPV6_NEXT_HEADER, IPV6_SRC } from '../wire/ipv6.js';
import { IPPROTO } from '../wire/proto.js';
import { ok, type Parsed, truncated } from '../wire/result.js';
import type { XfrmFlow } from './selector.js';

/** What the lookup site adds to the packet's own fields (1.3): the route's device, skb->mark, the if_id. */
export interface FlowContext {
  /** Input check: the local route's device (lo); forward check: the output device. */
  readonly oif: number;
  readonly mark: number;
  readonly ifId?: number;
}

const IPPROTO_SCTP = 132;
const IPPROTO_DCCP = 33;
const IPPROTO_UDPLITE = 136;
const IPPROTO_MH = 135;
const IPPROTO_GRE = 47;
const GRE_KEY = 0x2000;

/**
 * decode_session6: addresses from the IPv6 header; the protocol after hop-by-hop, routing,
 * destination options and fragment headers (AH, ESP and IPComp are protocols, not skipped); ports
 * for TCP/UDP/UDP-Lite/SCTP/DCCP, ICMPv6 type and code, the MH type, a GRE key. Behind any Fragment
 * header the kernel records only the protocol (onlyproto): the first fragment's ports are not used.
 * A header cut short ends the walk with what was read so far, as the kernel's pskb_may_pull loop does.
 */
export function decodeSession6(packet: Uint8Array, ctx: FlowContext): Parsed<XfrmFlow> {
  if (packet.length < IPV6_HEADER_LENGTH) return truncated('ipv6', IPV6_HEADER_LENGTH, packet.length);
  let proto = 0;
  let sport = 0;
  let dport = 0;
  let nexthdr = packet[IPV6_NEXT_HEADER]!;
  let offset = IPV6_HEADER_LENGTH;
  let onlyproto = false;
  const has = (n: number) => offset + n <= packet.length;
  const u16 = (at: number) => (packet[at]! << 8) | packet[at + 1]!;
  walk: while (has(2)) {
    switch (nexthdr) {
      case IPPROTO.FRAGMENT:
        onlyproto = true;
        nexthdr = packet[offset]!;
        offset += 8;
        break;
      case IPPROTO.ROUTING:
      case IPPROTO.HOPOPTS:
      case IPPROTO.DSTOPTS:
        // ipv6_optlen; the hop-by-hop position is the stack's business, not decode_session6's.
        nexthdr = packet[offset]!;
        offset += (packet[offset + 1]! + 1) * 8;
        break;
      case IPPROTO.TCP:
      case IPPROTO.UDP:
      case IPPROTO_UDPLITE:
      case IPPROTO_SCTP:
      case IPPROTO_DCCP:
        if (!onlyproto && has(4)) {
          sport = u16(offset);
          dport = u16(offset + 2);
        }
        proto = nexthdr;
        break walk;
      case IPPROTO.ICMPV6:
        if (!onlyproto && has(2)) {
          sport = packet[offset]!;
          dport = packet[offset + 1]!;
        }
        proto = nexthdr;
        break walk;
      case IPPROTO_MH:
        if (!onlyproto && has(3)) sport = packet[offset + 2]!;
        proto = nexthdr;
        break walk;
      case IPPROTO_GRE:
        if (!onlyproto && has(4) && u16(offset) & GRE_KEY) {
          const keyAt = offset + (u16(offset) & 0x8000 ? 8 : 4);
          if (keyAt + 4 <= packet.length) {
            sport = u16(keyAt);
            dport = u16(keyAt + 2);
          }
        }
        proto = nexthdr;
        break walk;
      default:
        proto = nexthdr;
        break walk;
    }
  }
  return ok({
    family: 'inet6',
    src: packet.slice(IPV6_SRC, IPV6_SRC + 16),
    dst: packet.slice(IPV6_DST, IPV6_DST + 16),
    proto,
    sport,
    dport,
    oif: ctx.oif,
    mark: ctx.mark >>> 0,
    ifId: ctx.ifId ?? 0,
  });
}
