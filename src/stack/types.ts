/** The stack's layer contracts: the packet with its metadata, trace steps and terminal outcomes (kernel: include/linux/skbuff.h, the paths of net/ipv6). */

import type { XfrmSecPathEntry } from '../xfrm/output.js';
import type { Hook, NfPacket, NfStep } from './netfilter/types.js';

/**
 * A packet inside one host: netfilter's view (bytes from the IPv6 header, devices, mark, ct,
 * secpath) plus the trace id it keeps across links, so one ping request is one trace entry.
 */
export interface Skb extends NfPacket {
  readonly id: number;
  /** The SAs the packet was received with, each with its state: the in/fwd policy check reads their selectors and modes. */
  readonly secPath: readonly XfrmSecPathEntry[];
  readonly bundle?: readonly XfrmSecPathEntry[];
  /**
   * CHECKSUM_PARTIAL: the upper-layer checksum at `offset` (from the IPv6 header) holds only the
   * pseudo-header sum; veth carries the skb as it is, so the receiver and a forwarder trust it.
   */
  readonly csumPartial?: { readonly nextHeader: number; readonly offset: number };
  /** skb->ignore_df: sent by a local socket that lets the stack fragment it (forwarded packets may not be). */
  readonly ignoreDf?: boolean;
  /** Sent by a socket call (process context) rather than by the kernel in softirq (replies, errors, forwarding). */
  readonly processContext?: boolean;
  /** IP6CB(skb)->frag_max_size: the largest fragment a reassembled packet came in, which it may be cut to again. */
  readonly fragMaxSize?: number;
}

/** One step of a packet's walk; the last three kinds end the packet. */
export type TraceStep =
  | { readonly kind: 'created'; readonly summary: string }
  | {
      readonly kind: 'hook';
      readonly hook: Hook;
      readonly verdict: 'ACCEPT' | 'DROP' | 'REJECT';
      readonly steps: readonly NfStep[];
      readonly note?: string;
    }
  | { readonly kind: 'route'; readonly result: string }
  | { readonly kind: 'nd'; readonly detail: string }
  | { readonly kind: 'xfrm'; readonly seam: 'out' | 'fwd' | 'in' | 'decap' | 'encap'; readonly detail: string }
  | { readonly kind: 'wire'; readonly from: string; readonly to?: string; readonly summary: string }
  | { readonly kind: 'bridge'; readonly detail: string }
  | { readonly kind: 'rx'; readonly dev: string }
  | { readonly kind: 'queued'; readonly detail: string }
  | { readonly kind: 'frag'; readonly detail: string }
  | { readonly kind: 'delivered'; readonly to: string }
  | { readonly kind: 'consumed'; readonly by: string }
  | { readonly kind: 'dropped'; readonly reason: string; readonly counter: string };

export type TerminalStep = Extract<TraceStep, { kind: 'delivered' | 'consumed' | 'dropped' }>;

export const TERMINAL_KINDS: ReadonlySet<TraceStep['kind']> = new Set(['delivered', 'consumed', 'dropped']);

export interface TraceEvent {
  readonly timeUs: number;
  readonly pkt: number;
  readonly host: string;
  readonly step: TraceStep;
}

/** The result a sender sees from sendmsg/connect: success or the errno the kernel returns. */
export type SendResult =
  /** blackholed: the route was xfrm's blackhole for a template without SA (larval_drop); the packet was discarded after OUTPUT. */
  | {
      readonly ok: true;
      readonly pkt: number;
      readonly blackholed?: true;
      /**
       * dst_mtu of the dst the packet took (the route's path MTU, or the xfrm bundle's), asked again
       * at each call as the kernel asks a socket's cached dst: TCP sizes its segments by it.
       */
      readonly dstMtu?: () => number;
      /**
       * A TCP segment the kernel encrypts and sends on its own through a tunnel SA
       * (xfrm_output_gso), from process context: the softirqs its transmit raised run before the
       * sender's next segment (do_softirq at local_bh_enable), so the receiver takes it first.
       */
      readonly softirqNow?: true;
    }
  | { readonly ok: false; readonly errno: import('../errors.js').Errno; readonly pkt?: number };
