/** The points where the stack asks xfrm (kernel: xfrm_lookup_route in ip6_dst_lookup_flow, xfrm6_policy_check in ip6_forward and the transport handlers, xfrm6_rcv for AH/ESP, xfrm_output_resume's second OUTPUT pass). */

import type { Errno } from '../errors.js';
import type { Ipv6Address } from '../wire/ipv6-address.js';
import type { SecPathEntry } from './netfilter/types.js';

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
  readonly oif?: number;
  readonly mark: number;
}

/** What the transform of one packet gives: the packets to send (each runs OUTPUT and POSTROUTING again) or a drop. */
export type XfrmTransformResult =
  | { readonly kind: 'transformed'; readonly packets: readonly Uint8Array[]; readonly detail: string }
  | { readonly kind: 'drop'; readonly counter: string; readonly detail: string };

/** The output policy decision at route time (xfrm_lookup_with_ifid). */
export type XfrmOutDecision =
  /** No policy at all (or none matches): plain output. */
  | { readonly kind: 'no-policy' }
  /** A policy allows the packet unprotected (no templates, or optional templates without SAs). */
  | { readonly kind: 'plain'; readonly detail: string }
  /** A bundle: after the plain POSTROUTING pass the packet is transformed. */
  | {
      readonly kind: 'bundle';
      readonly bundle: readonly SecPathEntry[];
      readonly detail: string;
      readonly transform: (bytes: Uint8Array) => XfrmTransformResult;
    }
  /** `action block`: sendmsg gets EPERM (XfrmOutPolBlock). */
  | { readonly kind: 'block'; readonly counter: string; readonly detail: string }
  /** A template with no SA: the kernel queues or drops silently (XfrmOutNoStates), the sender sees success. */
  | { readonly kind: 'no-state'; readonly counter: string; readonly detail: string }
  | { readonly kind: 'error'; readonly errno: Errno; readonly counter: string; readonly detail: string };

/** Whether a received packet passes the inbound or forward policy check (__xfrm_policy_check). */
export type XfrmCheckResult =
  | { readonly kind: 'pass'; readonly detail?: string }
  | { readonly kind: 'drop'; readonly counter: string; readonly detail: string };

/** What the AH/ESP handler did with a received packet (xfrm6_rcv / xfrm_input). */
export type XfrmInputResult =
  /**
   * Decapsulated: `bytes` is the whole inner IPv6 packet to receive again (transport mode re-enters
   * PREROUTING after xfrm6_transport_finish; tunnel mode the whole receive path), with the SAs
   * used appended to the secpath.
   */
  | {
      readonly kind: 'decapsulated';
      readonly bytes: Uint8Array;
      readonly secPath: readonly SecPathEntry[];
      readonly mode: 'transport' | 'tunnel';
      readonly detail: string;
    }
  | { readonly kind: 'drop'; readonly counter: string; readonly detail: string };

export interface XfrmContext {
  /** Host (namespace) name, for the trace. */
  readonly host: string;
  readonly nowUs: number;
}

/**
 * What the lookup site adds to a received packet's own fields (kernel-semantics 1.3): `oif` is
 * the output device for the fwd check and the local route's device, lo, for the in check; `mark`
 * is skb->mark; `iif` the device the packet came in on.
 */
export interface XfrmPacketMeta {
  readonly oif: number;
  readonly iif: number;
  readonly mark: number;
}

/** The xfrm layer as the stack sees it. One instance per namespace. */
export interface XfrmSeams {
  lookupOutput(flow: Flow6, ctx: XfrmContext): XfrmOutDecision;
  checkForward(bytes: Uint8Array, secPath: readonly SecPathEntry[], ctx: XfrmContext, meta: XfrmPacketMeta): XfrmCheckResult;
  checkInput(bytes: Uint8Array, secPath: readonly SecPathEntry[], ctx: XfrmContext, meta: XfrmPacketMeta): XfrmCheckResult;
  /** Handles a packet whose next header is AH (51) or ESP (50), `offset` at that header. */
  receive(
    bytes: Uint8Array,
    proto: 50 | 51,
    offset: number,
    secPath: readonly SecPathEntry[],
    ctx: XfrmContext,
    meta: XfrmPacketMeta,
  ): XfrmInputResult;
}

/**
 * A namespace with no xfrm configuration: no policy anywhere, and AH/ESP for which no SA exists
 * (xfrm_input finds no state: XfrmInNoStates).
 */
export const NO_XFRM: XfrmSeams = {
  lookupOutput: () => ({ kind: 'no-policy' }),
  checkForward: () => ({ kind: 'pass' }),
  checkInput: () => ({ kind: 'pass' }),
  receive: (_bytes, proto) => ({ kind: 'drop', counter: 'XfrmInNoStates', detail: `no SA for ${proto === 50 ? 'esp' : 'ah'}` }),
};
