/** Fragmentation by the source: a packet larger than the path MTU cut into a Fragment header chain (kernel: net/ipv6/ip6_output.c ip6_fragment, ip6_finish_output; output_core.c ipv6_select_ident, ip6_find_1stfragopt). */

import { emitFragmentHeader, FRAG_HEADER_LENGTH, unfragmentablePartEnd } from '../wire/ext-headers.js';
import { IPV6_HEADER_LENGTH, IPV6_PAYLOAD_LEN } from '../wire/ipv6.js';
import { IPPROTO } from '../wire/proto.js';
import { fail, ok, type Parsed } from '../wire/result.js';
import type { Host } from './host.js';
import { icmpv6SendError } from './icmp6.js';
import type { Skb } from './types.js';

/** IPV6_MIN_MTU: every link carries 1280 bytes; smaller PMTU values are raised to it. */
export const IPV6_MIN_MTU = 1280;

/**
 * ip6_fragment's cut, on bytes: the unfragmentable part (ip6_find_1stfragopt: hop-by-hop, routing,
 * destination options before a routing header) is repeated in front of every fragment, its last
 * next-header byte names the Fragment header, and the rest is cut into pieces of
 * (mtu - unfragmentable - 8) rounded down to a multiple of 8, the last one taking what is left.
 * ip6_append_data's fragment list for a local socket gives the same sizes, so one cut serves both.
 */
export function fragmentPacket(packet: Uint8Array, mtu: number, identification: number): Parsed<Uint8Array[]> {
  const unfrag = unfragmentablePartEnd(packet);
  if (!unfrag.ok) return unfrag;
  const hlen = unfrag.value.offset;
  const prevhdr = unfrag.value.nextHeaderOffset;
  const room = mtu - hlen - FRAG_HEADER_LENGTH;
  // fail_toobig: not even 8 bytes of data fit behind the headers.
  if (room < 8) return fail('malformed', 'fragment', `mtu ${mtu} leaves no room behind ${hlen} bytes of unfragmentable headers`);
  const nextHeader = packet[prevhdr]!;
  const data = packet.subarray(hlen);
  const out: Uint8Array[] = [];
  for (let offset = 0; offset < data.length; ) {
    const left = data.length - offset;
    const len = left > room ? room & ~7 : left;
    const frag = new Uint8Array(hlen + FRAG_HEADER_LENGTH + len);
    frag.set(packet.subarray(0, hlen));
    frag[prevhdr] = IPPROTO.FRAGMENT;
    const payloadLength = hlen - IPV6_HEADER_LENGTH + FRAG_HEADER_LENGTH + len;
    frag[IPV6_PAYLOAD_LEN] = payloadLength >> 8;
    frag[IPV6_PAYLOAD_LEN + 1] = payloadLength & 0xff;
    frag.set(
      emitFragmentHeader({ nextHeader, fragmentOffset: offset / 8, moreFragments: offset + len < data.length, identification }),
      hlen,
    );
    frag.set(data.subarray(offset, offset + len), hlen + FRAG_HEADER_LENGTH);
    out.push(frag);
    offset += len;
  }
  return ok(out);
}

/** Each host's own stream of identifications, so drawing one does not shift its other random values. */
const identStreams = new WeakMap<Host, { u32(): number }>();

/** ipv6_select_ident (6.1): a fresh random 32-bit value per datagram, never 0; not per destination. */
export function selectIdent(host: Host): number {
  let s = identStreams.get(host);
  if (!s) {
    s = host.random.fork('ipv6-frag-ident');
    identStreams.set(host, s);
  }
  for (;;) {
    const id = s.u32();
    if (id !== 0) return id;
  }
}

/**
 * ip6_fragment on a host: the packet's fragments, each its own skb (the first keeps the packet's
 * trace id, as the kernel reuses the skb for it), counted in Ip6FragCreates and once in
 * Ip6FragOKs, and handed to `output` in order. A cut that cannot be made is Ip6FragFails.
 */
export function ip6Fragment(host: Host, skb: Skb, mtu: number, output: (frag: Skb) => void): boolean {
  const id = selectIdent(host);
  const cut = fragmentPacket(skb.bytes, mtu, id);
  if (!cut.ok) {
    host.drop(skb, 'Ip6FragFails', `cannot fragment to mtu ${mtu}: ${cut.error.detail}`);
    return false;
  }
  const frags = cut.value;
  const ids = frags.map((_, i) => (i === 0 ? skb.id : host.world.trace.newPacketId()));
  host.trace(skb.id, {
    kind: 'frag',
    detail: `fragmented to mtu ${mtu}: ${frags.length} fragments (${ids.map((n) => `#${n}`).join(', ')}) id 0x${id.toString(16).padStart(8, '0')}`,
  });
  const { csumPartial: _done, ...rest } = skb;
  frags.forEach((bytes, i) => {
    const fid = ids[i]!;
    if (i > 0)
      host.trace(fid, {
        kind: 'created',
        summary: `fragment ${i + 1} of ${frags.length} of #${skb.id} (id 0x${id.toString(16).padStart(8, '0')})`,
      });
    host.count('Ip6FragCreates');
    output({ ...rest, id: fid, bytes });
    // From a socket call, each dev_queue_xmit ends with local_bh_enable, which runs the pending
    // softirqs: receivers (and a router on the way) handle this fragment before the next is cut.
    // The kernel's own sends (replies, forwarding) run in softirq and queue them all first.
    if (skb.processContext && i < frags.length - 1) host.world.clock.runUntil(host.world.clock.nowUs);
  });
  host.count('Ip6FragOKs');
  return true;
}

/** ip6_fragment's fail_toobig: Packet Too Big about the packet to its source (ourselves for a local one), and Ip6FragFails. */
export function ip6FragmentTooBig(host: Host, skb: Skb, mtu: number, why: string): void {
  icmpv6SendError(host, skb, 2, 0, mtu);
  host.drop(skb, 'Ip6FragFails', `packet of ${skb.bytes.length} bytes exceeds ${why} and may not be fragmented here`);
}
