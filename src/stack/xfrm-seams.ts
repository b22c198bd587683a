/** The points where the stack asks xfrm (kernel: xfrm_lookup_route in ip6_dst_lookup_flow, xfrm6_route_forward and xfrm6_policy_check in ip6_forward, xfrm6_policy_check in the transport handlers, xfrm6_rcv for AH/ESP, xfrm_output_resume's second OUTPUT pass). */

// The engine (src/xfrm) decides and counts its own xfrm_stat counters; these functions only turn a
// host and a packet into the engine's inputs: the flow with the lookup site's oif and mark, the
// route function template resolution needs, the virtual time.

import type { Ipv6Address } from '../wire/ipv6-address.js';
import { decodeSession6 } from '../xfrm/flow.js';
import type { XfrmInputResult } from '../xfrm/input.js';
import type { XfrmOutputContext, XfrmOutputDecision } from '../xfrm/output.js';
import type { XfrmCheckResult } from '../xfrm/policy-check.js';
import { selectSourceAddress } from './addrconf.js';
import type { Host } from './host.js';
import { routeOutput } from './ip6-output.js';
import type { Skb } from './types.js';

/**
 * The flow an output lookup is made for (struct flowi6): ports are ICMP type/code for ICMPv6;
 * `oif` is the bound device (`ping -I`, the ND device), 0 for an unbound socket, the output
 * device for a forwarded packet (kernel-semantics 1.3).
 */
export interface Flow6 {
  readonly src: Ipv6Address;
  readonly dst: Ipv6Address;
  readonly proto: number;
  readonly sport: number;
  readonly dport: number;
  readonly oif: number;
  readonly mark: number;
}

/** xfrm_lookup_with_ifid for a locally generated or forwarded flow; `loopback` when the route's device is lo. */
export function xfrmLookupOutput(host: Host, flow: Flow6, loopback: boolean): XfrmOutputDecision {
  const d = host.xfrm.lookupOutput({ family: 'inet6', ifId: 0, ...flow }, outputContext(host, loopback));
  armXfrmTimers(host);
  return d;
}

/**
 * icmpv6_route_lookup for an ICMPv6 error whose own flow gave `first`: when that left the error
 * untransformed or refused it (EPERM), the offending packet's flow reversed is looked up with
 * XFRM_LOOKUP_ICMP, so an out policy flagged `icmp` for the flow the error answers protects it.
 * A reverse lookup that finds nothing usable (ENOENT, no SA, an error) leaves the first answer;
 * with EPERM from both, or EPERM then nothing, the error is not sent.
 */
export function xfrmLookupIcmpError(host: Host, first: XfrmOutputDecision, reverse: Flow6, loopback: boolean): XfrmOutputDecision {
  if (first.kind !== 'no-policy' && first.kind !== 'plain' && first.kind !== 'block') return first;
  const ctx = { ...outputContext(host, loopback), icmp: true };
  const r = host.xfrm.lookupOutput({ family: 'inet6', ifId: 0, ...reverse }, ctx);
  armXfrmTimers(host);
  if (r.kind === 'bundle' || r.kind === 'block' || r.kind === 'plain') return r;
  return first;
}

/**
 * The SAs' timers (lifetimes, larval expiry) on the world's clock: one clock timer per host at the
 * SAD's earliest deadline, moved earlier when a lookup, a packet or a command adds an earlier one.
 */
export function armXfrmTimers(host: Host): void {
  const due = host.xfrm.sad.nextTimerUs();
  const clock = host.world.clock;
  if (due === undefined || (host.xfrmTimer && host.xfrmTimer.atUs <= due)) return;
  if (host.xfrmTimer) clock.cancel(host.xfrmTimer.id);
  const id = clock.schedule(Math.max(0, due - clock.nowUs), () => {
    host.xfrmTimer = undefined;
    host.xfrm.runTimers(clock.nowUs);
    armXfrmTimers(host);
  });
  host.xfrmTimer = { id, atUs: due };
}

/**
 * xfrm6_route_forward: the out lookup for a forwarded packet, its flow decoded from the packet as
 * decode_session6 does (ports, ICMPv6 type and code) with the output device as oif.
 */
export function xfrmLookupForward(
  host: Host,
  skb: Skb,
  oif: number,
): XfrmOutputDecision | { readonly kind: 'malformed'; readonly detail: string } {
  const flow = decodeSession6(skb.bytes, { oif, mark: skb.mark });
  if (!flow.ok) return { kind: 'malformed', detail: flow.error.detail };
  return host.xfrm.lookupOutput(flow.value, outputContext(host, false));
}

/**
 * xfrm6_policy_check(dir): `in` for local delivery (the flow's oif is the local route's device,
 * lo), `fwd` before forwarding (the output device).
 */
export function xfrmPolicyCheck(host: Host, dir: 'in' | 'fwd', skb: Skb, oif: number): XfrmCheckResult {
  const ctx = { oif, mark: skb.mark };
  return dir === 'in' ? host.xfrm.checkInput(skb.bytes, skb.secPath, ctx) : host.xfrm.checkForward(skb.bytes, skb.secPath, ctx);
}

/** xfrm6_rcv: the AH (51) or ESP (50) header at `offset`, with skb->mark as PREROUTING left it. */
export function xfrmReceive(host: Host, skb: Skb, proto: 50 | 51, offset: number): XfrmInputResult {
  const r = host.xfrm.receive(skb.bytes, proto, offset, skb.secPath, { nowUs: host.world.clock.nowUs, mark: skb.mark });
  armXfrmTimers(host);
  return r;
}

function outputContext(host: Host, loopback: boolean): XfrmOutputContext {
  return {
    nowUs: host.world.clock.nowUs,
    loopback,
    // ip6_route_output for xfrm_get_saddr and the bundle's tunnel routes (the FIB has no mark rules yet).
    route: (dst) => {
      const rt = routeOutput(host, dst);
      if (!rt.ok) return { kind: 'error', errno: rt.errno };
      const src = selectSourceAddress(host, dst, rt.dev.name);
      return src ? { kind: 'ok', src, hopLimit: rt.dev.conf.hop_limit } : { kind: 'error', errno: 'EADDRNOTAVAIL' };
    },
  };
}
