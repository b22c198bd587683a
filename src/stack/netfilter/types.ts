/** Netfilter's contracts: hooks, tables, the packet as the hooks see it, verdicts and trace steps (kernel: include/linux/netfilter.h, netfilter_ipv6.h, skbuff.h). */

import type { Ipv6Address } from '../../wire/ipv6-address.js';
import type { ConntrackEntry } from './conntrack.js';
import type { Target } from './rule.js';

// Where the five hooks sit on the IPv6 paths, and what runs at each, in priority order
// (raw -300, conntrack -200, mangle -150, filter 0, conntrack confirm last):
//
//                                      local process
//                                      ^           |
//                                      |           v
//                                    INPUT       OUTPUT   raw, conntrack, mangle (re-route
//                              mangle, filter,     |      when it changed the mark), filter
//                              confirm  ^          v
//  wire --> PREROUTING --> routing -----+--> FORWARD --> POSTROUTING --> wire
//           raw, conntrack, mangle         mangle,       mangle, confirm
//                                          filter
//
// With IPsec each hook can be passed twice: the plain packet and the ESP/AH packet on output, the
// ESP/AH packet and the decapsulated one on input (kernel-semantics §0, §6.1).

export type Hook = 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';
export const HOOKS: readonly Hook[] = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];

export type TableName = 'raw' | 'mangle' | 'filter';
export const TABLES: readonly TableName[] = ['raw', 'mangle', 'filter'];

/** The built-in chains of each table, in the order ip6tables lists them (ip6table_raw.c, _mangle.c, _filter.c). */
export const TABLE_HOOKS: Readonly<Record<TableName, readonly Hook[]>> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
};

/** One SA a packet was decapsulated with (secpath) or is about to be transformed with (bundle). */
export interface SecPathEntry {
  readonly proto: 'esp' | 'ah' | 'comp';
  readonly spi: number;
  readonly reqid: number;
  readonly mode: 'transport' | 'tunnel' | 'beet';
  /** The SA's source address (props.saddr), whatever the mode: `--tunnel-src` compares it. */
  readonly src: Ipv6Address;
  /** The SA's destination address (id.daddr): `--tunnel-dst` compares it. */
  readonly dst: Ipv6Address;
}

export type CtDir = 'ORIGINAL' | 'REPLY';
/** The packet's ctinfo as seen by -m conntrack/--state (IP_CT_NEW, IP_CT_ESTABLISHED(_REPLY), IP_CT_RELATED(_REPLY)). */
export type CtInfo = 'NEW' | 'ESTABLISHED' | 'RELATED';

/** What conntrack attached to the packet (skb->_nfct). No reference at all means INVALID. */
export type ConnRef =
  | { readonly kind: 'tracked'; readonly entry: ConntrackEntry; readonly info: CtInfo; readonly dir: CtDir }
  | { readonly kind: 'untracked' };

/**
 * A packet as netfilter sees it. `bytes` start at the IPv6 header; the byte counters count
 * `bytes.length` (skb->len). The stack drops the conntrack reference (`ct: undefined`) at an xfrm
 * transform, as nf_reset_ct does, and keeps `mark`, `secPath` and `nfTrace`.
 */
export interface NfPacket {
  readonly bytes: Uint8Array;
  /** The device the packet came in on (used in PREROUTING, INPUT, FORWARD). */
  readonly inDev?: string;
  /** The device it goes out on (used in FORWARD, OUTPUT, POSTROUTING). */
  readonly outDev?: string;
  /** skb->mark. */
  readonly mark: number;
  readonly ct?: ConnRef;
  /** SAs the packet was decapsulated with, outermost first (sp->xvec); empty = no secpath. */
  readonly secPath: readonly SecPathEntry[];
  /** The route's xfrm bundle in template order (first = innermost, applied first); `-m policy --dir out` reads it. */
  readonly bundle?: readonly SecPathEntry[];
  /** skb->nf_trace, set by the TRACE target; TRACE lines are logged while it is set. */
  readonly nfTrace?: boolean;
  /** The link-layer header the packet arrived with (LOG prints it as MAC=); absent prints an empty MAC=. */
  readonly macHeader?: Uint8Array;
  /** The sending socket's fsuid/fsgid, for `--log-uid` (locally generated packets only). */
  readonly socket?: { readonly uid: number; readonly gid: number };
  /**
   * True when the receive path vouches for the checksum (CHECKSUM_UNNECESSARY or PARTIAL, as veth
   * hands over locally built packets), so conntrack does not verify it in PREROUTING.
   */
  readonly checksumUnnecessary?: boolean;
}

export interface NfHookContext {
  /** The virtual clock, microseconds: conntrack timeouts run on it. */
  readonly nowUs: number;
  /** The kernel log (LOG and TRACE lines), without the level prefix; `level` is the syslog level. */
  readonly log?: (line: string, level: number) => void;
  /** Record one step per matched rule (default true); bulk runs may turn it off. */
  readonly recordSteps?: boolean;
}

/** The states `-m conntrack --ctstate` and `-m state` name (xt_conntrack.h XT_CONNTRACK_STATE_*). */
export type CtStateName = 'INVALID' | 'NEW' | 'ESTABLISHED' | 'RELATED' | 'UNTRACKED' | 'SNAT' | 'DNAT';

export type NfStep =
  /** The conntrack lookup in PREROUTING/OUTPUT: the state it gave, or why the packet is INVALID. */
  | {
      readonly kind: 'conntrack';
      readonly hook: Hook;
      readonly state: CtStateName;
      readonly dir?: CtDir;
      readonly entry?: number;
      readonly detail?: string;
    }
  /** A rule that matched, and its target (the rule number counts from 1 in its chain). */
  | { readonly kind: 'rule'; readonly table: TableName; readonly chain: string; readonly rule: number; readonly target: Target }
  /** The end of a user chain: back to the caller. */
  | { readonly kind: 'return'; readonly table: TableName; readonly chain: string; readonly rule: number }
  | { readonly kind: 'policy'; readonly table: TableName; readonly chain: string; readonly verdict: 'ACCEPT' | 'DROP' }
  /** A new conntrack entry inserted into the table (after POSTROUTING or INPUT). */
  | { readonly kind: 'confirm'; readonly entry: number };

/** What REJECT asks the stack to send back (ip6t_REJECT.c: nf_send_unreach6 / nf_send_reset6). */
export type RejectReply = { readonly kind: 'icmp6'; readonly type: 1; readonly code: number } | { readonly kind: 'tcp-reset' };

export type NfVerdict =
  | {
      readonly kind: 'accept';
      readonly pkt: NfPacket;
      /** mangle OUTPUT changed the mark: the stack must route the packet again (ip6t_mangle_out). */
      readonly reroute: boolean;
      readonly steps: readonly NfStep[];
    }
  | NfDrop
  | {
      readonly kind: 'reject';
      readonly pkt: NfPacket;
      readonly table: TableName;
      readonly chain: string;
      readonly rule: number;
      readonly with: RejectReply;
      readonly steps: readonly NfStep[];
    };

/** Every way netfilter drops a packet, each with its reason. */
export type NfDrop =
  | {
      readonly kind: 'drop';
      readonly reason: 'rule' | 'policy';
      readonly pkt: NfPacket;
      readonly table: TableName;
      readonly chain: string;
      /** The rule number, or 'policy'. */
      readonly rule: number | 'policy';
      readonly steps: readonly NfStep[];
    }
  | {
      /** A match could not read the header it needs (truncated packet): the kernel drops (par->hotdrop). */
      readonly kind: 'drop';
      readonly reason: 'hotdrop';
      readonly pkt: NfPacket;
      readonly table: TableName;
      readonly chain: string;
      readonly rule: number;
      readonly match: string;
      readonly steps: readonly NfStep[];
    }
  | {
      /** A jump beyond the table's jump stack (one slot per user chain, ip6t_do_table). */
      readonly kind: 'drop';
      readonly reason: 'jump-stack';
      readonly pkt: NfPacket;
      readonly table: TableName;
      readonly chain: string;
      readonly rule: number;
      readonly steps: readonly NfStep[];
    }
  | {
      /** Bytes that are no IPv6 packet: ip6_rcv_core drops these before any hook, so no table sees them. */
      readonly kind: 'drop';
      readonly reason: 'malformed';
      readonly pkt: NfPacket;
      readonly detail: string;
      readonly steps: readonly NfStep[];
    };
