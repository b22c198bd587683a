/** IPv6 forwarding: the forwarding sysctl, the xfrm fwd check, hop limit, the xfrm route, MTU, FORWARD and POSTROUTING (kernel: net/ipv6/ip6_output.c ip6_forward, ip6_forward_finish). */

import { IPV6_HOP_LIMIT, type Ipv6Repr } from '../wire/ipv6.js';
import { formatIpv6Address } from '../wire/ipv6-address.js';
import type { Route } from './fib.js';
import type { Host } from './host.js';
import { icmpv6SendError } from './icmp6.js';
import { finishOutput, runHook, transformAndResend } from './ip6-output.js';
import type { NetDevice } from './netdev.js';
import type { Skb } from './types.js';
import { xfrmLookupForward, xfrmPolicyCheck } from './xfrm-seams.js';

export function ip6Forward(host: Host, inDev: NetDevice, skb: Skb, ip: Ipv6Repr, route: Route): void {
  // ip6_forward reads net->ipv6.devconf_all->forwarding, not the interface's.
  if (host.conf.all.forwarding === 0) {
    host.drop(skb, 'Ip6InAddrErrors', `not for us (${formatIpv6Address(ip.dst)}) and forwarding is off`);
    return;
  }
  const outDevEarly = host.devices.get(route.dev ?? '');
  const fwd = xfrmPolicyCheck(host, 'fwd', skb, outDevEarly?.ifindex ?? 0);
  if (fwd.kind === 'drop') {
    host.trace(skb.id, { kind: 'xfrm', seam: 'fwd', detail: fwd.detail });
    host.drop(skb, 'Ip6InDiscards', `xfrm fwd policy check: ${fwd.counter}: ${fwd.detail}`);
    return;
  }
  host.trace(skb.id, { kind: 'xfrm', seam: 'fwd', detail: fwd.detail });
  if (ip.hopLimit <= 1) {
    icmpv6SendError(host, skb, 3, 0, 0);
    host.drop(skb, 'Ip6InHdrErrors', `hop limit ${ip.hopLimit} exhausted`);
    return;
  }
  const outDev = host.devices.get(route.dev!);
  if (!outDev) {
    host.drop(skb, 'Ip6OutNoRoutes', 'route device gone');
    return;
  }
  // xfrm6_route_forward: dir out policies also govern forwarded packets.
  const decision = xfrmLookupForward(host, skb, outDev.ifindex);
  if (decision.kind === 'malformed') {
    host.drop(skb, 'Ip6InDiscards', `xfrm route for forwarding: ${decision.detail}`);
    return;
  }
  if (decision.kind === 'block' || decision.kind === 'error' || decision.kind === 'no-state') {
    host.trace(skb.id, { kind: 'xfrm', seam: 'out', detail: decision.detail });
    const counter = decision.kind === 'block' ? (decision.counter ?? 'default block') : decision.counter;
    host.drop(skb, 'Ip6InDiscards', `xfrm route for forwarding: ${counter}: ${decision.detail}`);
    return;
  }
  if (decision.kind !== 'no-policy') host.trace(skb.id, { kind: 'xfrm', seam: 'out', detail: decision.detail });
  // ip6_dst_mtu_maybe_forward: the device's MTU, not the xfrm bundle's nor a learned path MTU.
  if (ip6PktTooBig(skb, outDev.mtu)) {
    icmpv6SendError(host, skb, 2, 0, outDev.mtu);
    host.count('Ip6InTooBigErrors');
    host.drop(skb, 'Ip6FragFails', `packet of ${skb.bytes.length} bytes exceeds mtu ${outDev.mtu} of ${outDev.name}`);
    return;
  }
  const bytes = skb.bytes.slice();
  bytes[IPV6_HOP_LIMIT] = ip.hopLimit - 1;
  host.count('Ip6OutForwDatagrams');
  const fwdSkb: Skb = {
    ...skb,
    bytes,
    inDev: inDev.name,
    outDev: outDev.name,
    ...(decision.kind === 'bundle' ? { bundle: decision.bundle } : {}),
  };
  const f = runHook(host, 'FORWARD', fwdSkb);
  if (!f) return;
  const post = runHook(host, 'POSTROUTING', f);
  if (!post) return;
  if (decision.kind === 'bundle') {
    transformAndResend(host, post, decision.transform);
    return;
  }
  finishOutput(host, post, outDev, route.via ?? ip.dst);
}

/** ip6_pkt_too_big: longer than the MTU, unless conntrack reassembled it from fragments that each fit. */
function ip6PktTooBig(skb: Skb, mtu: number): boolean {
  if (skb.bytes.length <= mtu) return false;
  if (skb.fragMaxSize !== undefined && skb.fragMaxSize > mtu) return true;
  return !skb.ignoreDf;
}
