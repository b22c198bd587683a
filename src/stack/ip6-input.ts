/** The IPv6 receive path: the device, ip6_rcv's header checks, PREROUTING, the input route, INPUT, protocol dispatch with the xfrm seams (kernel: net/core/dev.c, net/ipv6/ip6_input.c, route.c ip6_route_input, xfrm6_input.c; UDP and TCP in udp.ts and tcp.ts). */

import { parseEthernet } from '../wire/ethernet.js';
import { walkExtensionHeaders } from '../wire/ext-headers.js';
import { bytesEqual } from '../wire/hex.js';
import { IPV6_NEXT_HEADER, type Ipv6Repr, parseIpv6 } from '../wire/ipv6.js';
import { formatIpv6Address } from '../wire/ipv6-address.js';
import { ETHERTYPE_IPV6, IPPROTO } from '../wire/proto.js';
import { addrScope, isLoopback, isMulticast } from './addrconf.js';
import { brHandleFrame } from './bridge.js';
import type { Host } from './host.js';
import { icmpv6Rcv, icmpv6SendError } from './icmp6.js';
import { ip6Forward } from './ip6-forward.js';
import { runHook } from './ip6-output.js';
import { isMember } from './mld.js';
import type { NetDevice } from './netdev.js';
import { ipv6FragRcv, nfCtFrag6Gather } from './reassembly.js';
import { tcpV6Rcv } from './tcp.js';
import type { Skb } from './types.js';
import { udpv6Rcv } from './udp.js';
import { xfrmPolicyCheck, xfrmReceive } from './xfrm-seams.js';

type PktType = 'host' | 'multicast' | 'loopback';

/**
 * A frame arrives on `dev` (netif_receive_skb). Frames for another host's MAC, of another
 * ethertype, or on a device that is down go no further; each ends in a counted drop.
 */
export function netifReceive(
  host: Host,
  dev: NetDevice,
  frame: Uint8Array,
  pkt: number,
  tap: boolean,
  csumPartial?: Skb['csumPartial'],
): void {
  const now = host.world.clock.nowUs;
  const skbRef = { id: pkt };
  if (tap) dev.tap(now, frame, 'in');
  host.trace(pkt, { kind: 'rx', dev: dev.name });
  if (!dev.adminUp) {
    dev.stats.rx_dropped++;
    host.drop(skbRef, 'rx_dropped', `${dev.name} is down`);
    return;
  }
  dev.stats.rx_packets++;
  dev.stats.rx_bytes += frame.length;
  // rx_handler: a bridge port hands every frame to its bridge, not to the IP stack.
  if (dev.master !== undefined) {
    if (frame.length < 14) {
      host.drop(skbRef, 'rx_length_errors', 'runt frame');
      return;
    }
    brHandleFrame(host, dev, frame, pkt, csumPartial);
    return;
  }
  const eth = parseEthernet(frame);
  if (!eth.ok) {
    dev.stats.rx_dropped++;
    host.drop(skbRef, 'rx_length_errors', `runt frame: ${eth.error.detail}`);
    return;
  }
  if (eth.value.etherType !== ETHERTYPE_IPV6) {
    host.drop(skbRef, 'rx_nohandler', `ethertype 0x${eth.value.etherType.toString(16).padStart(4, '0')} has no handler`);
    return;
  }
  let pktType: PktType;
  if (dev.kind === 'loopback') pktType = 'loopback';
  else if ((eth.value.dst[0]! & 1) === 1) pktType = 'multicast';
  else if (bytesEqual(eth.value.dst, dev.mac)) pktType = 'host';
  else {
    host.drop(skbRef, 'rx_otherhost_dropped', 'frame for another host (PACKET_OTHERHOST)');
    return;
  }
  const bytes = frame.slice(14);
  ip6Rcv(
    host,
    dev,
    {
      id: pkt,
      bytes,
      inDev: dev.name,
      mark: 0,
      secPath: [],
      macHeader: frame.slice(0, 14),
      checksumUnnecessary: dev.kind === 'loopback' || csumPartial !== undefined,
      ...(csumPartial ? { csumPartial } : {}),
    },
    pktType,
  );
}

/** Injects a frame as if it had arrived on `dev` from the wire (tests, pcap replay): a new packet in the trace. */
export function injectFrame(host: Host, dev: NetDevice, frame: Uint8Array, summary = 'injected frame'): number {
  const id = host.world.trace.newPacketId();
  host.trace(id, { kind: 'created', summary });
  netifReceive(host, dev, frame, id, true);
  return id;
}

/** ip6_rcv_core: the checks before PREROUTING, each with the counter the kernel raises. */
export function ip6Rcv(host: Host, dev: NetDevice, skb: Skb, pktType: PktType = 'host'): void {
  // IPSTATS_MIB_IN comes first: a device with IPv6 disabled counts what it discards as received.
  host.count('Ip6InReceives');
  if (dev.conf.disable_ipv6) {
    host.drop(skb, 'Ip6InDiscards', `IPv6 is disabled on ${dev.name}`);
    return;
  }
  const parsed = parseIpv6(skb.bytes);
  if (!parsed.ok) {
    const counter = parsed.error.what === 'ipv6.payloadLength' ? 'Ip6InTruncatedPkts' : 'Ip6InHdrErrors';
    host.drop(skb, counter, `bad IPv6 header: ${parsed.error.detail}`);
    return;
  }
  const ip = parsed.value;
  if (isMulticast(ip.src)) {
    host.drop(skb, 'Ip6InHdrErrors', 'multicast source address');
    return;
  }
  if (dev.kind !== 'loopback' && (isLoopback(ip.src) || isLoopback(ip.dst))) {
    host.drop(skb, 'Ip6InHdrErrors', 'loopback address on a non-loopback device');
    return;
  }
  if (dev.kind !== 'loopback' && isMulticast(ip.dst) && addrScope(ip.dst) <= 1) {
    host.drop(skb, 'Ip6InHdrErrors', 'interface-local multicast from the wire');
    return;
  }
  if (isMulticast(ip.dst)) host.count('Ip6InMcastPkts');
  const trimmed: Skb = skb.bytes.length === 40 + ip.payloadLength ? skb : { ...skb, bytes: skb.bytes.slice(0, 40 + ip.payloadLength) };
  ip6RcvPrerouting(host, dev, trimmed, pktType);
}

/** PREROUTING, then ip6_rcv_finish: the input route decides local delivery, forwarding, or an error. */
export function ip6RcvPrerouting(host: Host, dev: NetDevice, skb: Skb, pktType: PktType = 'host'): void {
  let whole = skb;
  if (host.netfilter.conntrackEnabled) {
    // nf_defrag_ipv6 hooks in before raw and conntrack: the rules see the reassembled packet.
    const d = nfCtFrag6Gather(host, dev, skb);
    if (d?.kind === 'queued' || d?.kind === 'dropped') return;
    if (d?.kind === 'reassembled') whole = d.skb;
  }
  const pre = runHook(host, 'PREROUTING', whole);
  if (!pre) return;
  const ip = parseIpv6(pre.bytes);
  if (!ip.ok) {
    host.drop(pre, 'Ip6InHdrErrors', ip.error.detail);
    return;
  }
  const dst = ip.value.dst;
  if (isMulticast(dst)) {
    if (isMember(host, dev.name, dst) || (dev.kind === 'loopback' && addrScope(dst) <= 2)) {
      host.trace(pre.id, { kind: 'route', result: `multicast ${formatIpv6Address(dst)}: member on ${dev.name}` });
      ip6Input(host, dev, pre, ip.value);
      return;
    }
    host.drop(pre, 'NOT_SPECIFIED', `multicast ${formatIpv6Address(dst)}: not a member on ${dev.name}`);
    return;
  }
  const r = host.fib.lookup(dst, (rt) => {
    if (rt.dev === undefined) return true;
    const d = host.devices.get(rt.dev);
    return !!d && d.adminUp;
  });
  if (!r) {
    host.trace(pre.id, { kind: 'route', result: 'no route' });
    icmpv6SendError(host, pre, 1, 0, 0);
    host.drop(pre, 'Ip6InNoRoutes', `no route to ${formatIpv6Address(dst)}`);
    return;
  }
  if (host.world.trace.enabled)
    host.trace(pre.id, { kind: 'route', result: `${r.type} ${formatIpv6Address(r.dst)}/${r.prefixLen}${r.dev ? ` dev ${r.dev}` : ''}` });
  switch (r.type) {
    case 'local':
      ip6Input(host, dev, pre, ip.value);
      return;
    case 'unicast':
      if (pktType !== 'host') {
        // ip6_forward: only frames sent to our MAC are forwarded (skb->pkt_type == PACKET_HOST).
        host.drop(pre, 'NOT_SPECIFIED', `unicast ${formatIpv6Address(dst)} in a ${pktType} frame is not forwarded`);
        return;
      }
      ip6Forward(host, dev, pre, ip.value, r);
      return;
    case 'unreachable':
    case 'throw':
      icmpv6SendError(host, pre, 1, 0, 0);
      host.drop(pre, 'Ip6InNoRoutes', `${r.type} route`);
      return;
    case 'prohibit':
      icmpv6SendError(host, pre, 1, 1, 0);
      host.drop(pre, 'Ip6InNoRoutes', 'prohibit route');
      return;
    default:
      host.drop(pre, 'NOT_SPECIFIED', `${r.type} route (dst_discard)`);
  }
}

/** ip6_input: INPUT, then ip6_input_finish's protocol dispatch. */
export function ip6Input(host: Host, dev: NetDevice, skb: Skb, _ip: Ipv6Repr): void {
  const inp = runHook(host, 'INPUT', skb);
  if (!inp) return;
  ip6InputFinish(host, dev, inp);
}

/** ip6_input_finish: the extension headers, the Fragment header's reassembly, then the upper protocol (a reassembled packet comes back here, without INPUT again). */
function ip6InputFinish(host: Host, dev: NetDevice, inp: Skb): void {
  const ip = parseIpv6(inp.bytes);
  if (!ip.ok) {
    host.drop(inp, 'Ip6InHdrErrors', ip.error.detail);
    return;
  }
  const chain = walkExtensionHeaders(inp.bytes);
  if (!chain.ok) {
    icmpv6SendError(host, inp, 4, 0, 40);
    host.drop(inp, 'Ip6InHdrErrors', `extension headers: ${chain.error.detail}`);
    return;
  }
  const { upperProtocol: proto, upperOffset: off, nextHeaderOffset } = chain.value;
  const fragAt = chain.value.headers.findIndex((h) => h.type === IPPROTO.FRAGMENT);
  if (fragAt >= 0) {
    const headers = chain.value.headers;
    const r = ipv6FragRcv(host, dev, inp, headers[fragAt]!.offset, fragAt === 0 ? IPV6_NEXT_HEADER : headers[fragAt - 1]!.offset);
    if (r.kind === 'reassembled') ip6InputFinish(host, dev, r.skb);
    return;
  }
  // The in check's flow uses the local route's device, lo (kernel-semantics 1.3).
  const lo = host.device('lo').ifindex;
  switch (proto) {
    case IPPROTO.AH:
    case IPPROTO.ESP: {
      host.count('Ip6InDelivers');
      const res = xfrmReceive(host, inp, proto, off);
      if (res.kind === 'drop') {
        host.trace(inp.id, { kind: 'xfrm', seam: 'decap', detail: res.detail });
        host.dropCounted(inp, res.counter, `xfrm input: ${res.detail}`);
        return;
      }
      host.trace(inp.id, { kind: 'xfrm', seam: 'decap', detail: res.detail });
      const inner: Skb = { ...inp, bytes: res.bytes, secPath: res.secPath, mark: res.mark, ct: undefined };
      const clock = host.world.clock;
      if (res.mode === 'transport') {
        // xfrm6_transport_finish2 -> xfrm_trans_queue: the rest of the receive path runs from a
        // tasklet, after the frames already queued (a burst of ESP segments is decrypted before
        // the first one is delivered: recorded, cases/n_tcp_pmtu P2).
        if (clock.nextDueUs() === clock.nowUs) clock.schedule(0, () => ip6RcvPrerouting(host, dev, inner));
        else ip6RcvPrerouting(host, dev, inner);
        return;
      }
      // Tunnel mode: the inner packet is received again on the same device (gro_cells_receive),
      // under the rebuilt MAC header, so `tcpdump -i DEV` on this host sees it a second time. The
      // gro cell is polled after the frames already queued on the device (the next fragment of
      // a burst is decrypted before the first one's inner packet is seen).
      const groCell = () => {
        if (inp.macHeader) {
          const frame = new Uint8Array(inp.macHeader.length + res.bytes.length);
          frame.set(inp.macHeader);
          frame.set(res.bytes, inp.macHeader.length);
          dev.tap(host.world.clock.nowUs, frame, 'in');
        }
        ip6Rcv(host, dev, inner);
      };
      // With nothing else due now the cell would be polled next anyway: no need to queue it.
      if (clock.nextDueUs() === clock.nowUs) clock.schedule(0, groCell);
      else groCell();
      return;
    }
    case IPPROTO.NONE:
      host.count('Ip6InDelivers');
      host.trace(inp.id, { kind: 'consumed', by: 'no next header' });
      return;
  }
  // UDP and TCP run the in check themselves, after their socket lookup (kernel-semantics 3.5).
  if (proto === IPPROTO.UDP) {
    host.count('Ip6InDelivers');
    udpv6Rcv(host, inp, ip.value, off, lo);
    return;
  }
  if (proto === IPPROTO.TCP) {
    host.count('Ip6InDelivers');
    tcpV6Rcv(host, inp, ip.value, off, lo);
    return;
  }
  // raw6_local_deliver: every raw ICMPv6 socket whose filter takes the message (ping's) gets a
  // copy before icmpv6_rcv, and rawv6_rcv runs the same in check on it: a refused echo reply
  // raises the counter once for ping's socket and once more below.
  if (proto === IPPROTO.ICMPV6 && off < inp.bytes.length) {
    const type = inp.bytes[off]!;
    for (const s of host.pingSockets) if (s.wants(type)) xfrmPolicyCheck(host, 'in', inp, lo);
  }
  const check = xfrmPolicyCheck(host, 'in', inp, lo);
  if (check.kind === 'drop') {
    if (proto === IPPROTO.ICMPV6) host.count('Ip6InDelivers');
    host.trace(inp.id, { kind: 'xfrm', seam: 'in', detail: check.detail });
    host.dropCounted(inp, check.counter, `xfrm in policy check: ${check.detail}`);
    return;
  }
  host.trace(inp.id, { kind: 'xfrm', seam: 'in', detail: check.detail });
  switch (proto) {
    case IPPROTO.ICMPV6:
      host.count('Ip6InDelivers');
      icmpv6Rcv(host, dev, inp, ip.value, off);
      return;
    default:
      icmpv6SendError(host, inp, 4, 1, nextHeaderOffset);
      host.drop(inp, 'Ip6InUnknownProtos', `unknown next header ${proto}`);
  }
}
