/** The IPv6 output path: route lookup, the xfrm output seam, OUTPUT and POSTROUTING, the second pass after a transform, the neighbour, the device (kernel: net/ipv6/ip6_output.c, output_core.c, ip6_route_output, xfrm_output_resume). */

import type { Errno } from '../errors.js';
import { pseudoHeaderSum, upperLayerChecksum } from '../wire/checksum.js';
import { emitEthernet } from '../wire/ethernet.js';
import { concatBytes } from '../wire/hex.js';
import { buildIpv6Packet, IPV6_DST, IPV6_HEADER_LENGTH, IPV6_SRC, readIpv6 } from '../wire/ipv6.js';
import { formatIpv6Address, type Ipv6Address } from '../wire/ipv6-address.js';
import { ETHERTYPE_IPV6, IPPROTO } from '../wire/proto.js';
import { printPacket } from '../wire/tcpdump/index.js';
import type { XfrmOutputDecision, XfrmTransformResult } from '../xfrm/output.js';
import { isMulticast, selectSourceAddress } from './addrconf.js';
import { REJECT_ERRNO, type Route } from './fib.js';
import type { Host } from './host.js';
import { icmpv6SendError } from './icmp6.js';
import { IPV6_MIN_MTU, ip6Fragment, ip6FragmentTooBig } from './ip6-fragment.js';
import { neighOutput } from './neighbour.js';
import type { NetDevice } from './netdev.js';
import type { Hook } from './netfilter/types.js';
import { hasLearnedPmtu, pathMtu, xfrmPathMtu, xfrmPathMtuFloor } from './pmtu.js';
import { ICMP6_OUT_COUNTER } from './snmp6.js';
import { nfSendReset6 } from './tcp.js';
import type { SendResult, Skb } from './types.js';
import type { World } from './world.js';
import { type Flow6, xfrmLookupIcmpError, xfrmLookupOutput } from './xfrm-seams.js';

export interface OutputRequest {
  readonly dst: Ipv6Address;
  /** The bound or given source; absent = source address selection. */
  readonly src?: Ipv6Address;
  /** SO_BINDTODEVICE / the ND device: routes only through this device. */
  readonly oif?: string;
  /** ND messages: the next hop is the destination itself on `oif` (icmp6_dst_alloc). */
  readonly nexthop?: Ipv6Address;
  readonly nextHeader: number;
  readonly hopLimit?: number;
  /** Absent = the automatic flow label (ip6_make_flowlabel). */
  readonly flowLabel?: number;
  readonly trafficClass?: number;
  readonly mark?: number;
  /** ICMPv6 type (the flow's "sport") for ICMPv6 messages. */
  readonly icmpType?: number;
  readonly icmpCode?: number;
  readonly sport?: number;
  readonly dport?: number;
  /** The upper-layer bytes, once the addresses are known (checksums need them). */
  readonly build: (src: Ipv6Address, dst: Ipv6Address) => Uint8Array;
  /** A one-line description for the trace. */
  readonly summary: string;
  /** Counted as an ND message (ndisc_send_skb) rather than a socket's. */
  readonly ndisc?: boolean;
  /** A probe to a known link-layer address (unicast NS in PROBE state). */
  readonly dstMac?: Uint8Array;
  /**
   * TCP and UDP: the checksum is left to the device (CHECKSUM_PARTIAL). veth and lo offer the
   * offload, so the packet leaves with only the pseudo-header sum in its checksum field, which
   * tcpdump shows as "incorrect"; it is completed only where something needs the bytes (xfrm).
   */
  readonly checksumOffload?: { readonly offset: number };
  /** ICMPv6 errors: the offending packet's flow reversed, for the XFRM_LOOKUP_ICMP second lookup. */
  readonly icmpReverse?: Flow6;
  /**
   * Built by the kernel itself (ICMPv6 replies and errors, neighbour discovery), which calls
   * xfrm_lookup and not xfrm_lookup_route: a template without SA is an error there, the packet is
   * freed before it is counted or passes OUTPUT (there is no blackhole route for it).
   */
  readonly kernelInternal?: boolean;
  /**
   * MLD's router alert: a hop-by-hop header (its next header is `nextHeader`) between the IPv6
   * header and the upper-layer bytes. The flow keeps the upper-layer protocol.
   */
  readonly hopByHop?: Uint8Array;
  /**
   * mld_sendpack's accounting: Ip6OutRequests before the xfrm lookup, Ip6OutDiscards when the
   * lookup or OUTPUT refuses the report, the ICMPv6 output counters only once OUTPUT let it pass.
   */
  readonly mld?: boolean;
}

/** The route an output lookup found: the device and next hop, or the errno the sender gets. */
export type OutputRoute =
  | { readonly ok: true; readonly dev: NetDevice; readonly nexthop: Ipv6Address; readonly route?: Route; readonly local: boolean }
  | { readonly ok: false; readonly errno: Errno; readonly detail: string };

/**
 * ip6_route_output: an explicit device for link-scoped and multicast destinations, else the FIB
 * (routes through devices that are down are skipped). No route is ENETUNREACH; reject routes give
 * their errno.
 */
export function routeOutput(host: Host, dst: Ipv6Address, oif?: string, nexthop?: Ipv6Address): OutputRoute {
  if (oif !== undefined && (nexthop || isMulticast(dst))) {
    const dev = host.devices.get(oif);
    if (!dev) return { ok: false, errno: 'ENODEV', detail: `no device ${oif}` };
    return { ok: true, dev, nexthop: nexthop ?? dst, local: false };
  }
  const r = host.fib.lookup(dst, (rt) => {
    if (rt.dev === undefined) return true;
    const d = host.devices.get(rt.dev);
    return !!d && d.adminUp && (oif === undefined || rt.dev === oif || rt.type === 'local');
  });
  if (!r) return { ok: false, errno: 'ENETUNREACH', detail: 'no route' };
  const errno = REJECT_ERRNO[r.type];
  if (errno) return { ok: false, errno, detail: `${r.type} route` };
  if (r.type === 'local') return { ok: true, dev: host.device('lo'), nexthop: dst, route: r, local: true };
  const dev = host.devices.get(r.dev!);
  if (!dev) return { ok: false, errno: 'ENETUNREACH', detail: 'route device gone' };
  return { ok: true, dev, nexthop: r.via ?? dst, route: r, local: false };
}

export function describeRoute(r: OutputRoute & { ok: true }): string {
  if (r.local) return 'local via lo';
  const via = r.route?.via ? ` via ${formatIpv6Address(r.route.via)}` : '';
  return `${r.route ? `${formatIpv6Address(r.route.dst)}/${r.route.prefixLen}` : 'device'}${via} dev ${r.dev.name}`;
}

/**
 * The automatic flow label: a keyed hash of the flow, symmetric in its two ends as the kernel's
 * flow hash is (__flow_hash_consistentify: since 6.0 the addresses and the ports are each put in
 * order on their own), so both directions of one exchange share a label. For ICMPv6 the flow's
 * type and code sit where the destination port is (union flowi_uli), the source port is 0: an
 * echo request gets one label in both directions, the replies another.
 */
export function autoFlowLabel(world: World, src: Ipv6Address, dst: Ipv6Address, proto: number, sport: number, dport: number): number {
  let a = src;
  let b = dst;
  for (let i = 0; i < 16; i++) {
    if (a[i] === b[i]) continue;
    if (a[i]! > b[i]!) [a, b] = [b, a];
    break;
  }
  const ports = proto === 58 ? [0, ((sport & 0xff) << 8) | (dport & 0xff)] : [sport, dport];
  const [p, q] = ports[0]! <= ports[1]! ? ports : [ports[1]!, ports[0]!];
  let h = (0x811c9dc5 ^ world.flowSecret) >>> 0;
  const mix = (x: number) => {
    h = Math.imul(h ^ (x & 0xff), 0x01000193) >>> 0;
  };
  for (const x of a) mix(x);
  for (const x of b) mix(x);
  for (const x of [proto, p! >> 8, p!, q! >> 8, q!]) mix(x);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d) >>> 0;
  h ^= h >>> 12;
  return h & 0xfffff;
}

/** Locally generated packets: ip6_datagram_connect / sendmsg through ip6_local_out. */
export function ip6SendLocal(host: Host, req: OutputRequest): SendResult {
  const rt = routeOutput(host, req.dst, req.oif, req.nexthop);
  if (!rt.ok) {
    if (rt.errno === 'ENETUNREACH') host.count('Ip6OutNoRoutes');
    return { ok: false, errno: rt.errno };
  }
  const src = req.src ?? selectSourceAddress(host, req.dst, rt.dev.name);
  if (!src) return { ok: false, errno: 'EADDRNOTAVAIL' };
  const sport = req.icmpType ?? req.sport ?? 0;
  const dport = req.icmpCode ?? req.dport ?? 0;
  const mark = req.mark ?? 0;
  // The flow's oif is the bound device only: an unbound socket looks policies up with oif 0.
  const boundIf = req.oif !== undefined ? (host.devices.get(req.oif)?.ifindex ?? 0) : 0;
  const loopback = rt.dev.kind === 'loopback';
  const flow = { src, dst: req.dst, proto: req.nextHeader, sport, dport, oif: boundIf, mark };
  const first = xfrmLookupOutput(host, flow, loopback);
  const decision = req.icmpReverse ? xfrmLookupIcmpError(host, first, req.icmpReverse, loopback) : first;
  if (req.mld) return mldOutput(host, req, rt, src, decision);
  // A refused lookup fails sendmsg/connect before any packet exists; the engine counted it.
  if (decision.kind === 'block') return { ok: false, errno: 'EPERM' };
  if (decision.kind === 'error') return { ok: false, errno: decision.errno };
  const flowLabel = req.flowLabel ?? autoFlowLabel(host.world, src, req.dst, req.nextHeader, sport, dport);
  const bytes = buildIpv6Packet(
    { trafficClass: req.trafficClass ?? 0, flowLabel, hopLimit: req.hopLimit ?? rt.dev.conf.hop_limit, src, dst: req.dst },
    req.nextHeader,
    req.build(src, req.dst),
  );
  if (req.checksumOffload) setPartialChecksum(bytes, req.nextHeader, req.checksumOffload.offset);
  const id = host.world.trace.newPacketId();
  const skb: Skb = {
    id,
    bytes,
    outDev: rt.dev.name,
    mark,
    secPath: [],
    // TCP goes out through ip6_xmit, which never lets IPv6 fragment a segment (its MSS is meant to
    // keep it under the path MTU); datagrams (ip6_append_data) may be cut.
    ...(req.nextHeader === IPPROTO.TCP ? {} : { ignoreDf: true }),
    ...(req.kernelInternal || req.ndisc ? {} : { processContext: true }),
    ...(req.checksumOffload
      ? { csumPartial: { nextHeader: req.nextHeader, offset: IPV6_HEADER_LENGTH + req.checksumOffload.offset } }
      : {}),
  };
  // The texts are built only for a trace that keeps them.
  if (host.world.trace.enabled) {
    host.trace(id, { kind: 'created', summary: `${formatIpv6Address(src)} > ${formatIpv6Address(req.dst)}: ${req.summary}` });
    host.trace(id, { kind: 'route', result: describeRoute(rt) });
  }
  if (req.kernelInternal && decision.kind === 'no-state') {
    host.trace(id, { kind: 'xfrm', seam: 'out', detail: decision.detail });
    host.dropCounted(skb, decision.counter, `xfrm: ${decision.detail}; xfrm_lookup fails, the kernel frees its own packet`);
    return { ok: true, pkt: id };
  }
  host.count('Ip6OutRequests');
  if (isMulticast(req.dst)) host.count('Ip6OutMcastPkts');
  if (req.nextHeader === 58 && req.icmpType !== undefined) {
    host.count('Icmp6OutMsgs');
    const c = ICMP6_OUT_COUNTER[req.icmpType];
    if (c) host.count(c);
  }
  if (decision.kind === 'no-state') {
    // larval_drop: the route is a blackhole; the packet still passes OUTPUT, then dst_discard_out.
    host.trace(id, { kind: 'xfrm', seam: 'out', detail: decision.detail });
    const out = runHook(host, 'OUTPUT', skb);
    if (out) host.dropCounted(out, decision.counter, `xfrm: ${decision.detail}; the blackhole route discards it`);
    return { ok: true, pkt: id, blackholed: true };
  }
  if (decision.kind === 'plain') host.trace(id, { kind: 'xfrm', seam: 'out', detail: decision.detail });
  const bundle = decision.kind === 'bundle' ? decision : undefined;
  if (bundle) host.trace(id, { kind: 'xfrm', seam: 'out', detail: bundle.detail });

  const dstMtu = bundle ? () => xfrmPathMtu(host, bundle.bundle) : () => pathMtu(host, req.dst, rt.dev);
  // ip6_xmit: a segment of a socket that does not let IPv6 fragment it must fit dst_mtu (the
  // bundle's, for xfrm); TCP keeps its segments within it, so only a path MTU that shrank since
  // the segment was cut gets here.
  if (!skb.ignoreDf && bytes.length > dstMtu()) {
    const mtu = dstMtu();
    host.drop(skb, 'Ip6FragFails', `ip6_xmit: ${bytes.length} bytes past dst_mtu ${mtu}: EMSGSIZE`);
    return { ok: false, errno: 'EMSGSIZE', pkt: id };
  }
  let out = runHook(host, 'OUTPUT', bundle ? { ...skb, bundle: bundle.bundle } : skb);
  if (!out) return { ok: false, errno: 'EPERM', pkt: id };
  let route = rt;
  let xfrmBundle = bundle;
  if (out.mark !== mark) {
    // ip6t_mangle_out saw the mark change: ip6_route_me_harder routes again with the new mark,
    // including the xfrm lookup (the FIB has no mark rules yet, so only xfrm can change its mind).
    const again = routeOutput(host, req.dst, req.oif, req.nexthop);
    if (!again.ok) {
      host.drop(out, 'Ip6OutNoRoutes', `re-route after mark 0x${out.mark.toString(16)}: ${again.detail}`);
      return { ok: false, errno: again.errno, pkt: id };
    }
    route = again;
    const d = xfrmLookupOutput(host, { ...flow, mark: out.mark }, again.dev.kind === 'loopback');
    host.trace(id, { kind: 'route', result: `re-route (mark 0x${out.mark.toString(16)}): ${describeRoute(again)}` });
    if (d.kind === 'block' || d.kind === 'error' || d.kind === 'no-state') {
      host.trace(id, { kind: 'xfrm', seam: 'out', detail: d.detail });
      host.dropCounted(out, d.kind === 'block' ? (d.counter ?? 'XFRM_POLICY') : d.counter, `xfrm after re-route: ${d.detail}`);
      return d.kind === 'no-state' ? { ok: true, pkt: id, blackholed: true } : { ok: false, errno: d.errno, pkt: id };
    }
    xfrmBundle = d.kind === 'bundle' ? d : undefined;
    if (xfrmBundle) {
      host.trace(id, { kind: 'xfrm', seam: 'out', detail: xfrmBundle.detail });
      out = { ...out, bundle: xfrmBundle.bundle, outDev: again.dev.name };
    }
  }
  const sent = postRouting(host, out, route, xfrmBundle, req.dstMac);
  if (!sent.ok) return sent;
  // A socket whose dst is an xfrm bundle keeps GSO only with ESP offload (esp6_offload, present in
  // the reference kernel): a transport SA then protects a GSO burst cut at the device, while a tunnel
  // SA has it cut first and each segment encrypted and sent alone (recorded: cases/n_tcp_pmtu).
  const alone = req.nextHeader === IPPROTO.TCP && xfrmBundle?.bundle[0]?.mode === 'tunnel';
  return alone ? { ...sent, dstMtu, softirqNow: true } : { ...sent, dstMtu };
}

/** POSTROUTING, then the device (through the neighbour) or the transform the bundle holds. */
function postRouting(
  host: Host,
  out: Skb,
  route: OutputRoute & { ok: true },
  bundle: { readonly transform: Parameters<typeof transformAndResend>[2] } | undefined,
  dstMac?: Uint8Array,
): SendResult {
  const post = runHook(host, 'POSTROUTING', out);
  if (!post) return { ok: false, errno: 'EPERM', pkt: out.id };
  if (!bundle) finishOutput(host, post, route.dev, route.nexthop, dstMac);
  else transformAndResend(host, post, bundle.transform);
  return { ok: true, pkt: out.id };
}

/**
 * mld_sendpack: the report counts as an output request before anything can refuse it; a refusal
 * by xfrm (icmp6_dst_alloc's xfrm_lookup) or by OUTPUT counts Ip6OutDiscards, and only a report
 * OUTPUT let through counts as an ICMPv6 message sent. A mark set in OUTPUT does not route it again
 * (not modelled for MLD).
 */
function mldOutput(
  host: Host,
  req: OutputRequest,
  rt: OutputRoute & { ok: true },
  src: Ipv6Address,
  decision: XfrmOutputDecision,
): SendResult {
  host.count('Ip6OutRequests');
  const upper = req.build(src, req.dst);
  const bytes = buildIpv6Packet(
    { trafficClass: 0, flowLabel: 0, hopLimit: req.hopLimit ?? 1, src, dst: req.dst },
    req.hopByHop ? IPPROTO.HOPOPTS : req.nextHeader,
    req.hopByHop ? concatBytes(req.hopByHop, upper) : upper,
  );
  const id = host.world.trace.newPacketId();
  const skb: Skb = { id, bytes, outDev: rt.dev.name, mark: 0, secPath: [], ignoreDf: true };
  if (host.world.trace.enabled) {
    host.trace(id, { kind: 'created', summary: `${formatIpv6Address(src)} > ${formatIpv6Address(req.dst)}: ${req.summary}` });
    host.trace(id, { kind: 'route', result: describeRoute(rt) });
  }
  if (decision.kind !== 'no-policy') host.trace(id, { kind: 'xfrm', seam: 'out', detail: decision.detail });
  if (decision.kind === 'block' || decision.kind === 'error' || decision.kind === 'no-state') {
    host.drop(skb, 'Ip6OutDiscards', `xfrm: ${decision.detail}; icmp6_dst_alloc fails and mld_sendpack discards the report`);
    return { ok: false, errno: decision.kind === 'no-state' ? 'EAGAIN' : decision.errno };
  }
  const bundle = decision.kind === 'bundle' ? decision : undefined;
  const out = runHook(host, 'OUTPUT', bundle ? { ...skb, bundle: bundle.bundle } : skb);
  if (!out) {
    host.count('Ip6OutDiscards');
    return { ok: false, errno: 'EPERM', pkt: id };
  }
  // ip6_finish_output2 counts the multicast packet, so one OUTPUT dropped is not (recorded: cases/mld_reports M7).
  host.count('Ip6OutMcastPkts');
  host.count('Icmp6OutMsgs');
  if (req.icmpType !== undefined) host.count(ICMP6_OUT_COUNTER[req.icmpType] ?? 'Icmp6OutMsgs');
  return postRouting(host, out, rt, bundle);
}

/**
 * xfrm_output then xfrm_output_resume: each resulting packet passes OUTPUT and POSTROUTING again
 * (without the conntrack entry, nf_reset_ct) and is routed by its own (outer) destination.
 */
export function transformAndResend(host: Host, skb: Skb, transform: (bytes: Uint8Array, mark: number) => XfrmTransformResult): void {
  const first = skb.bundle?.[0];
  if (first?.mode === 'tunnel' && skb.bytes.length > xfrmPathMtuFloor(skb.bundle!)) {
    // __xfrm6_output: before a tunnel SA the packet must fit the bundle's MTU; a local one is cut
    // there and each fragment is encapsulated on its own, a forwarded one is refused.
    const mtu = xfrmPathMtu(host, skb.bundle!);
    if (skb.bytes.length > mtu) {
      const whole = skb.csumPartial ? { ...skb, bytes: completeChecksum(skb.bytes, skb.csumPartial) } : skb;
      if (!skb.ignoreDf && skb.inDev === undefined) {
        tcpTooBig(host, skb, mtu);
        return;
      }
      if (!skb.ignoreDf) {
        ip6FragmentTooBig(host, skb, mtu, `bundle mtu ${mtu} (tunnel spi 0x${first.spi.toString(16).padStart(8, '0')})`);
        return;
      }
      ip6Fragment(host, whole, mtu, (frag) => transformOne(host, frag, transform));
      return;
    }
  }
  transformOne(host, skb, transform);
}

/**
 * A local packet that may not be fragmented (TCP) past the device MTU after ip6_xmit let it pass:
 * only when the path shrank between the two checks. IPv6 does not cut it: it is dropped with
 * Ip6FragFails, as ip6_fragment refuses a packet without ignore_df.
 */
function tcpTooBig(host: Host, skb: Skb, mtu: number): void {
  host.drop(skb, 'Ip6FragFails', `${skb.bytes.length} bytes past mtu ${mtu}, not to be fragmented`);
}

function transformOne(host: Host, skb: Skb, transform: (bytes: Uint8Array, mark: number) => XfrmTransformResult): void {
  // xfrm_output: skb_checksum_help before the bytes are protected.
  const res = transform(skb.csumPartial ? completeChecksum(skb.bytes, skb.csumPartial) : skb.bytes, skb.mark);
  if (res.kind === 'drop') {
    host.trace(skb.id, { kind: 'xfrm', seam: 'encap', detail: res.detail });
    host.dropCounted(skb, res.counter, `xfrm output transform failed: ${res.detail}`);
    return;
  }
  host.trace(skb.id, { kind: 'xfrm', seam: 'encap', detail: res.detail });
  res.packets.forEach((bytes, i) => {
    const id = i === 0 ? skb.id : host.world.trace.newPacketId();
    if (i > 0) host.trace(id, { kind: 'created', summary: `(fragment ${i + 1} of the transformed packet #${skb.id})` });
    // The SAs' output marks are on the transformed packet (xfrm_output_one sets skb->mark).
    const next: Skb = {
      id,
      bytes,
      mark: res.mark,
      secPath: skb.secPath,
      outDev: skb.outDev,
      ct: undefined,
      ...(skb.ignoreDf ? { ignoreDf: true } : {}),
      ...(skb.processContext ? { processContext: true } : {}),
    };
    const dst = readIpv6(bytes).dst;
    const rt = routeOutput(host, dst);
    if (!rt.ok) {
      host.drop(next, 'Ip6OutNoRoutes', `no route for the transformed packet: ${rt.detail}`);
      return;
    }
    const out = runHook(host, 'OUTPUT', { ...next, outDev: rt.dev.name }, 'second pass');
    if (!out) return;
    const post = runHook(host, 'POSTROUTING', out, 'second pass');
    if (!post) return;
    finishOutput(host, post, rt.dev, rt.nexthop);
  });
}

/** The checksum field left to the device: the pseudo-header sum alone (what ~tcp_v6_check(len, saddr, daddr, 0) stores). */
function setPartialChecksum(packet: Uint8Array, nextHeader: number, fieldInUpper: number): void {
  const upperLength = packet.length - IPV6_HEADER_LENGTH;
  const sum = pseudoHeaderSum(packet.subarray(IPV6_SRC, IPV6_SRC + 16), packet.subarray(IPV6_DST, IPV6_DST + 16), upperLength, nextHeader);
  const at = IPV6_HEADER_LENGTH + fieldInUpper;
  packet[at] = sum >> 8;
  packet[at + 1] = sum & 0xff;
}

/** skb_checksum_help: the full checksum written where the partial one was (a copy: traced bytes stay as they were). */
export function completeChecksum(packet: Uint8Array, partial: NonNullable<Skb['csumPartial']>): Uint8Array {
  const out = packet.slice();
  const upper = out.subarray(IPV6_HEADER_LENGTH);
  const field = partial.offset - IPV6_HEADER_LENGTH;
  upper[field] = 0;
  upper[field + 1] = 0;
  let c = upperLayerChecksum(out.subarray(IPV6_SRC, IPV6_SRC + 16), out.subarray(IPV6_DST, IPV6_DST + 16), partial.nextHeader, upper);
  if (c === 0 && partial.nextHeader === 17) c = 0xffff;
  upper[field] = c >> 8;
  upper[field + 1] = c & 0xff;
  return out;
}

/**
 * One netfilter hook on this host. Accept gives the (maybe re-marked) packet; drop and reject end
 * the packet here (reject first sends its ICMPv6 error, nf_send_unreach6).
 */
export function runHook(host: Host, hook: Hook, skb: Skb, note?: string): Skb | undefined {
  const traced = host.world.trace.enabled;
  // Nothing registered at this hook: nf_hook() is a no-op, the packet goes on as it is.
  if (!host.netfilter.isHooked(hook)) {
    if (traced) host.trace(skb.id, { kind: 'hook', hook, verdict: 'ACCEPT', steps: [], ...(note ? { note } : {}) });
    return skb;
  }
  const v = host.netfilter.runHook(hook, skb, {
    nowUs: host.world.clock.nowUs,
    log: (line, level) => host.kernelLog.push({ timeUs: host.world.clock.nowUs, level, line }),
    recordSteps: traced,
  });
  if (v.kind === 'accept') {
    if (traced) host.trace(skb.id, { kind: 'hook', hook, verdict: 'ACCEPT', steps: v.steps, ...(note ? { note } : {}) });
    // Netfilter changes only the mark, the conntrack entry and nf_trace; the rest is the stack's skb.
    return v.pkt === skb ? skb : { ...skb, mark: v.pkt.mark, ct: v.pkt.ct, nfTrace: v.pkt.nfTrace };
  }
  host.trace(skb.id, { kind: 'hook', hook, verdict: v.kind === 'reject' ? 'REJECT' : 'DROP', steps: v.steps, ...(note ? { note } : {}) });
  if (v.kind === 'reject') {
    if (v.with.kind === 'icmp6') icmpv6SendError(host, skb, 1, v.with.code, 0);
    else nfSendReset6(host, skb);
    host.drop(
      skb,
      'NETFILTER_DROP',
      `${v.table} ${v.chain} rule ${v.rule}: REJECT ${v.with.kind === 'icmp6' ? `icmp6 code ${v.with.code}` : 'tcp-reset'}`,
    );
    return undefined;
  }
  const where = v.reason === 'malformed' ? v.detail : `${v.table} ${v.chain} ${v.reason === 'policy' ? 'policy' : `rule ${v.rule}`}`;
  host.drop(skb, 'NETFILTER_DROP', `netfilter ${hook} ${v.reason}: ${where}`);
  return undefined;
}

/**
 * ip6_finish_output: a packet larger than the route's MTU (or than the largest fragment a
 * reassembled packet came in) goes through ip6_fragment, each fragment then on to the neighbour.
 */
export function finishOutput(host: Host, skb: Skb, dev: NetDevice, nexthop: Ipv6Address, dstMac?: Uint8Array): void {
  const mtu = dev.kind === 'loopback' || !hasLearnedPmtu(host) ? dev.mtu : pathMtu(host, readIpv6(skb.bytes).dst, dev);
  const len = skb.bytes.length;
  if (len > mtu || (skb.fragMaxSize !== undefined && len > skb.fragMaxSize)) {
    if (!skb.ignoreDf && skb.inDev === undefined) {
      tcpTooBig(host, skb, mtu);
      return;
    }
    if ((!skb.ignoreDf && len > mtu) || (skb.fragMaxSize !== undefined && skb.fragMaxSize > mtu)) {
      ip6FragmentTooBig(host, skb, mtu, `mtu ${mtu} of ${dev.name}`);
      return;
    }
    const cutTo = skb.fragMaxSize !== undefined ? Math.max(skb.fragMaxSize, IPV6_MIN_MTU) : mtu;
    const whole = skb.csumPartial ? { ...skb, bytes: completeChecksum(skb.bytes, skb.csumPartial) } : skb;
    ip6Fragment(host, whole, cutTo, (frag) => neighOrXmit(host, frag, dev, nexthop, dstMac));
    return;
  }
  neighOrXmit(host, skb, dev, nexthop, dstMac);
}

function neighOrXmit(host: Host, skb: Skb, dev: NetDevice, nexthop: Ipv6Address, dstMac?: Uint8Array): void {
  if (dstMac) {
    devXmit(host, dev, skb, dstMac);
    return;
  }
  neighOutput(host, dev, nexthop, skb);
}

/** dev_queue_xmit: the Ethernet frame onto the link (a veth hands it to the peer, lo to itself). */
export function devXmit(host: Host, dev: NetDevice, skb: Skb, dstMac: Uint8Array): void {
  const frame = emitEthernet({ dst: dstMac, src: dev.mac, etherType: ETHERTYPE_IPV6, payload: skb.bytes });
  const peer = dev.kind === 'loopback' ? `${host.name}:lo` : dev.peer ? `${dev.peer.hostName}:${dev.peer.name}` : undefined;
  if (!host.world.transmit(host, dev, frame, skb.id, skb.csumPartial)) {
    host.drop(skb, 'tx_dropped', `${dev.name} has no carrier`);
    return;
  }
  // The tcpdump -n line without its timestamp; skipped when tracing is off (bulk runs).
  const summary = host.world.trace.enabled
    ? (printPacket(frame, { timeUs: 0, verbosity: 0 }).split('\n')[0] ?? '').replace(/^\S+ /, '')
    : '';
  host.trace(skb.id, { kind: 'wire', from: `${host.name}:${dev.name}`, ...(peer ? { to: peer } : {}), summary });
}
