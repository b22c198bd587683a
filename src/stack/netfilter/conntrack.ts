/** Connection tracking for IPv6: tuples, lookup in PREROUTING/OUTPUT, the UDP/ICMPv6/generic trackers, confirmation and expiry (kernel: nf_conntrack_core.c, nf_conntrack_proto_{udp,icmpv6,generic}.c). */

import { verifyUpperLayerChecksum } from '../../wire/checksum.js';
import { toHex } from '../../wire/hex.js';
import type { Ipv6Address } from '../../wire/ipv6-address.js';
import { IPPROTO } from '../../wire/proto.js';
import { readTcpSegment, type TcpCtState, type TcpTracker, tcpError, tcpNew, tcpPacket, tcpStateName } from './conntrack-tcp.js';
import { ipv6SkipExthdr } from './exthdr.js';
import type { ConnRef, CtDir, CtInfo, CtStateName, Hook, NfPacket } from './types.js';

const SEC = 1_000_000;
/** nf_conntrack_udp_timeout and _stream. */
export const UDP_TIMEOUT_US = 30 * SEC;
export const UDP_TIMEOUT_STREAM_US = 120 * SEC;
/** nf_conntrack_icmpv6_timeout. */
export const ICMPV6_TIMEOUT_US = 30 * SEC;
/** nf_conntrack_generic_timeout (ESP, AH-tunnel proto 41, every protocol without a tracker). */
export const GENERIC_TIMEOUT_US = 600 * SEC;
/** Two-way UDP traffic older than this becomes a stream (UDP_CT_REPLIED, ASSURED). */
const UDP_STREAM_AFTER_US = 2 * SEC;

const UDPLITE = 136;

/**
 * One direction of a connection (struct nf_conntrack_tuple): addresses, protocol and the
 * protocol's part (ports for TCP/UDP; type, code and echo id for ICMPv6; nothing for the rest).
 */
export interface Tuple {
  readonly src: Ipv6Address;
  readonly dst: Ipv6Address;
  readonly proto: number;
  readonly sport?: number;
  readonly dport?: number;
  readonly type?: number;
  readonly code?: number;
  readonly id?: number;
}

function tupleKey(t: Tuple): string {
  return `${toHex(t.src)}|${toHex(t.dst)}|${t.proto}|${t.sport ?? ''}|${t.dport ?? ''}|${t.type ?? ''}|${t.code ?? ''}|${t.id ?? ''}`;
}

function hasPorts(proto: number): boolean {
  return proto === IPPROTO.TCP || proto === IPPROTO.UDP || proto === UDPLITE;
}

/** ICMPv6 types whose tuple inverts (icmpv6_invert_tuple invmap): echo and node information. */
const ICMPV6_INVERSE: ReadonlyMap<number, number> = new Map([
  [128, 129],
  [129, 128],
  [139, 140],
  [140, 139],
]);
/** Types that may start a connection (icmpv6_new valid_new): echo request, node information query. */
const ICMPV6_VALID_NEW = new Set([128, 139]);
/** Types conntrack leaves untracked (icmpv6_error noct_valid_new): MLD and neighbour discovery. */
const ICMPV6_NOCT = new Set([130, 131, 132, 133, 134, 135, 136, 143]);

/** nf_ct_invert_tuple(): undefined when the protocol cannot invert it (ICMPv6 other than echo/NI). */
export function invertTuple(t: Tuple): Tuple | undefined {
  if (t.proto === IPPROTO.ICMPV6) {
    const inv = ICMPV6_INVERSE.get(t.type ?? -1);
    if (inv === undefined) return undefined;
    return { src: t.dst, dst: t.src, proto: t.proto, type: inv, code: t.code ?? 0, id: t.id ?? 0 };
  }
  if (hasPorts(t.proto)) return { src: t.dst, dst: t.src, proto: t.proto, sport: t.dport ?? 0, dport: t.sport ?? 0 };
  return { src: t.dst, dst: t.src, proto: t.proto };
}

/** nf_ct_get_tuple(): the tuple of the packet whose IPv6 header is at `ip6off` and upper header at `dataoff`. */
function getTuple(bytes: Uint8Array, ip6off: number, dataoff: number, proto: number): Tuple | undefined {
  const src = bytes.slice(ip6off + 8, ip6off + 24);
  const dst = bytes.slice(ip6off + 24, ip6off + 40);
  if (proto === IPPROTO.ICMPV6) {
    if (dataoff + 8 > bytes.length) return undefined;
    return { src, dst, proto, type: bytes[dataoff]!, code: bytes[dataoff + 1]!, id: (bytes[dataoff + 4]! << 8) | bytes[dataoff + 5]! };
  }
  if (hasPorts(proto)) {
    if (dataoff + 4 > bytes.length) return undefined;
    return {
      src,
      dst,
      proto,
      sport: (bytes[dataoff]! << 8) | bytes[dataoff + 1]!,
      dport: (bytes[dataoff + 2]! << 8) | bytes[dataoff + 3]!,
    };
  }
  return { src, dst, proto };
}

/**
 * A connection (struct nf_conn). The table owns it; packets refer to it. Fields change as packets
 * pass: status bits, the TCP tracker, the connection mark.
 */
export class ConntrackEntry {
  /** Status bits (IPS_*). */
  seenReply = false;
  assured = false;
  confirmed = false;
  /** Removed from the table (timed out, killed, flushed). */
  dying = false;
  /** ct->mark (CONNMARK, -m connmark). */
  mark = 0;
  /** Relative timeout while unconfirmed; the absolute expiry time once confirmed (as ct->timeout). */
  timeoutUs = 0;
  tcp?: TcpTracker;
  /** UDP: after this time two-way traffic counts as a stream (ct->proto.udp.stream_ts). */
  udpStreamTs = 0;

  constructor(
    readonly id: number,
    readonly orig: Tuple,
    readonly reply: Tuple,
  ) {}

  tuple(dir: CtDir): Tuple {
    return dir === 'ORIGINAL' ? this.orig : this.reply;
  }

  /** Remaining lifetime in whole seconds, as nf_ct_expires()/HZ (0 while unconfirmed). */
  expiresSec(nowUs: number): number {
    if (!this.confirmed) return 0;
    return Math.max(0, Math.floor((this.timeoutUs - nowUs) / SEC));
  }
}

/** One line of `conntrack -L`, as values. */
export interface ConntrackListing {
  readonly id: number;
  /** The name conntrack-tools prints: tcp, udp, udplite, icmpv6 or unknown. */
  readonly protoName: string;
  readonly protonum: number;
  readonly timeoutSec: number;
  readonly tcpState?: TcpCtState;
  readonly orig: Tuple;
  readonly reply: Tuple;
  readonly unreplied: boolean;
  readonly assured: boolean;
  readonly mark: number;
}

export interface ConntrackLookup {
  /** The reference to attach to the packet; undefined means INVALID. */
  readonly ct?: ConnRef;
  readonly state: CtStateName;
  readonly dir?: CtDir;
  readonly entry?: number;
  /** Why the packet is INVALID (the kernel's nf_ct_l4proto_log_invalid texts). */
  readonly detail?: string;
}

function protoName(proto: number): string {
  switch (proto) {
    case IPPROTO.TCP:
      return 'tcp';
    case IPPROTO.UDP:
      return 'udp';
    case UDPLITE:
      return 'udplite';
    case IPPROTO.ICMPV6:
      return 'icmpv6';
    default:
      return 'unknown';
  }
}

type Handled = { readonly kind: 'accept' } | { readonly kind: 'invalid'; readonly detail: string } | { readonly kind: 'repeat' };

/** The conntrack table of one network namespace. */
export class Conntrack {
  private readonly hash = new Map<string, { readonly entry: ConntrackEntry; readonly dir: CtDir }>();
  private readonly order = new Set<ConntrackEntry>();
  private nextId = 1;

  /** Confirmed entries, oldest first (expired ones are removed first). */
  entries(nowUs: number): ConntrackEntry[] {
    this.expire(nowUs);
    return [...this.order];
  }

  /** `conntrack -L`. */
  list(nowUs: number): ConntrackListing[] {
    return this.entries(nowUs).map((e) => ({
      id: e.id,
      protoName: protoName(e.orig.proto),
      protonum: e.orig.proto,
      timeoutSec: e.expiresSec(nowUs),
      tcpState: e.tcp ? tcpStateName(e.tcp) : undefined,
      orig: e.orig,
      reply: e.reply,
      unreplied: !e.seenReply,
      assured: e.assured,
      mark: e.mark,
    }));
  }

  /** `conntrack -F`. */
  flush(): void {
    for (const e of this.order) e.dying = true;
    this.hash.clear();
    this.order.clear();
  }

  /** `conntrack -D` of one entry (and nf_ct_kill). */
  kill(entry: ConntrackEntry): void {
    if (entry.dying) return;
    entry.dying = true;
    if (!entry.confirmed) return;
    this.hash.delete(tupleKey(entry.orig));
    this.hash.delete(tupleKey(entry.reply));
    this.order.delete(entry);
  }

  /** Drops every entry whose timeout has passed (nf_ct_is_expired: remaining time <= 0). */
  expire(nowUs: number): void {
    for (const e of this.order) if (e.timeoutUs <= nowUs) this.kill(e);
  }

  private find(t: Tuple, nowUs: number): { readonly entry: ConntrackEntry; readonly dir: CtDir } | undefined {
    const h = this.hash.get(tupleKey(t));
    if (!h) return undefined;
    if (h.entry.timeoutUs <= nowUs) {
      this.kill(h.entry);
      return undefined;
    }
    return h;
  }

  private refresh(e: ConntrackEntry, timeoutUs: number, nowUs: number): void {
    e.timeoutUs = e.confirmed ? nowUs + timeoutUs : timeoutUs;
  }

  /**
   * nf_conntrack_in() for the packet at PREROUTING or OUTPUT: a packet that already carries a
   * reference (looped back) keeps it; otherwise find or create its entry and run the protocol's
   * tracker. New entries stay unconfirmed until `confirm`.
   */
  lookup(pkt: NfPacket, hook: Hook, nowUs: number): ConntrackLookup {
    if (pkt.ct) {
      if (pkt.ct.kind === 'untracked') return { ct: pkt.ct, state: 'UNTRACKED' };
      return { ct: pkt.ct, state: pkt.ct.info, dir: pkt.ct.dir, entry: pkt.ct.entry.id };
    }
    const bytes = pkt.bytes;
    const l4 = ipv6SkipExthdr(bytes, 0);
    if (!l4.ok || l4.fragoff !== 0) return { state: 'INVALID', detail: 'no upper-layer header (non-first fragment or no next header)' };
    const verify = hook === 'PREROUTING' && !pkt.checksumUnnecessary;

    if (l4.proto === IPPROTO.ICMPV6) {
      const err = this.icmpv6Error(bytes, l4.offset, verify, nowUs);
      if (err) return err;
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      const tuple = getTuple(bytes, 0, l4.offset, l4.proto);
      if (!tuple) return { state: 'INVALID', detail: 'header too short for a tuple' };
      let found = this.find(tuple, nowUs);
      if (!found) {
        const reply = invertTuple(tuple);
        if (!reply) return { state: 'INVALID', detail: "can't invert tuple" };
        found = { entry: new ConntrackEntry(this.nextId++, tuple, reply), dir: 'ORIGINAL' };
      }
      const { entry, dir } = found;
      const info: CtInfo = dir === 'REPLY' || entry.seenReply ? 'ESTABLISHED' : 'NEW';
      const r = this.handle(entry, dir, bytes, l4.offset, l4.proto, verify, nowUs);
      if (r.kind === 'repeat') {
        this.kill(entry);
        continue;
      }
      if (r.kind === 'invalid') return { state: 'INVALID', detail: r.detail };
      if (dir === 'REPLY') entry.seenReply = true;
      return { ct: { kind: 'tracked', entry, info, dir }, state: info, dir, entry: entry.id };
    }
    return { state: 'INVALID', detail: 'reopen failed' };
  }

  /**
   * nf_conntrack_icmpv6_error(): neighbour discovery and MLD are UNTRACKED; an error message is
   * RELATED to the connection of the packet it quotes, or INVALID. Undefined: track it normally.
   */
  private icmpv6Error(bytes: Uint8Array, dataoff: number, verify: boolean, nowUs: number): ConntrackLookup | undefined {
    if (dataoff + 8 > bytes.length) return { state: 'INVALID', detail: 'short packet' };
    if (verify && !verifyUpperLayerChecksum(bytes.subarray(8, 24), bytes.subarray(24, 40), IPPROTO.ICMPV6, bytes.subarray(dataoff))) {
      return { state: 'INVALID', detail: 'ICMPv6 checksum failed' };
    }
    const type = bytes[dataoff]!;
    if (ICMPV6_NOCT.has(type)) return { ct: { kind: 'untracked' }, state: 'UNTRACKED' };
    if (type >= 128) return undefined;

    // nf_conntrack_inet_error(): the quoted packet's tuple, inverted, must name a connection whose
    // destination in that direction is the error's own destination.
    const inner = dataoff + 8;
    const innerL4 = ipv6SkipExthdr(bytes, inner);
    if (!innerL4.ok || innerL4.fragoff !== 0) return { state: 'INVALID', detail: 'failed to get tuple' };
    const quoted = getTuple(bytes, inner, innerL4.offset, innerL4.proto);
    if (!quoted) return { state: 'INVALID', detail: 'failed to get tuple' };
    const wanted = invertTuple(quoted);
    if (!wanted) return { state: 'INVALID', detail: 'cannot invert tuple' };
    const h = this.find(wanted, nowUs);
    if (!h) return { state: 'INVALID', detail: 'no match' };
    const outerDst = bytes.subarray(24, 40);
    if (toHex(outerDst) !== toHex(h.entry.tuple(h.dir).dst)) return { state: 'INVALID', detail: 'outer daddr != inner' };
    return { ct: { kind: 'tracked', entry: h.entry, info: 'RELATED', dir: h.dir }, state: 'RELATED', dir: h.dir, entry: h.entry.id };
  }

  private handle(
    e: ConntrackEntry,
    dir: CtDir,
    bytes: Uint8Array,
    dataoff: number,
    proto: number,
    verify: boolean,
    nowUs: number,
  ): Handled {
    if (proto === IPPROTO.TCP) return this.handleTcp(e, dir, bytes, dataoff, verify, nowUs);
    if (proto === IPPROTO.UDP || proto === UDPLITE) return this.handleUdp(e, bytes, dataoff, proto, verify, nowUs);
    if (proto === IPPROTO.ICMPV6) {
      if (!e.confirmed && !ICMPV6_VALID_NEW.has(e.orig.type ?? -1))
        return { kind: 'invalid', detail: `invalid new with type ${e.orig.type}` };
      this.refresh(e, ICMPV6_TIMEOUT_US, nowUs);
      return { kind: 'accept' };
    }
    this.refresh(e, GENERIC_TIMEOUT_US, nowUs);
    return { kind: 'accept' };
  }

  /** nf_conntrack_udp_packet(): 30 s, and 120 s plus ASSURED once two-way traffic outlives 2 s. */
  private handleUdp(e: ConntrackEntry, bytes: Uint8Array, dataoff: number, proto: number, verify: boolean, nowUs: number): Handled {
    if (dataoff + 8 > bytes.length) return { kind: 'invalid', detail: 'short packet' };
    const udplen = bytes.length - dataoff;
    const len = (bytes[dataoff + 4]! << 8) | bytes[dataoff + 5]!;
    if (proto === IPPROTO.UDP && (len > udplen || len < 8)) return { kind: 'invalid', detail: 'truncated/malformed packet' };
    const check = (bytes[dataoff + 6]! << 8) | bytes[dataoff + 7]!;
    if (proto === IPPROTO.UDP && check !== 0 && verify) {
      if (!verifyUpperLayerChecksum(bytes.subarray(8, 24), bytes.subarray(24, 40), proto, bytes.subarray(dataoff))) {
        return { kind: 'invalid', detail: 'bad checksum' };
      }
    }
    if (!e.confirmed) e.udpStreamTs = nowUs + UDP_STREAM_AFTER_US;
    if (e.seenReply) {
      const stream = nowUs > e.udpStreamTs;
      this.refresh(e, stream ? UDP_TIMEOUT_STREAM_US : UDP_TIMEOUT_US, nowUs);
      if (stream) e.assured = true;
    } else {
      this.refresh(e, UDP_TIMEOUT_US, nowUs);
    }
    return { kind: 'accept' };
  }

  private handleTcp(e: ConntrackEntry, dir: CtDir, bytes: Uint8Array, dataoff: number, verify: boolean, nowUs: number): Handled {
    const seg = readTcpSegment(bytes, dataoff);
    if (!seg) return { kind: 'invalid', detail: 'short packet' };
    const err = tcpError(bytes, dataoff, seg, verify, bytes.subarray(8, 24), bytes.subarray(24, 40));
    if (err) return { kind: 'invalid', detail: err };
    if (!e.confirmed && !e.tcp) {
      const t = tcpNew(seg);
      if (!t) return { kind: 'invalid', detail: 'invalid new' };
      e.tcp = t;
    }
    const tracker = e.tcp;
    if (!tracker) return { kind: 'invalid', detail: 'invalid state' };
    const r = tcpPacket(tracker, dir === 'ORIGINAL' ? 0 : 1, seg, e);
    if (r.kind !== 'accept') return r;
    if (r.assure) e.assured = true;
    if (r.timeoutUs !== undefined) this.refresh(e, r.timeoutUs, nowUs);
    if (r.kill) this.kill(e);
    return { kind: 'accept' };
  }

  /**
   * nf_conntrack_confirm() at the end of POSTROUTING and INPUT: a new entry enters the table and
   * its timeout starts. Returns the entry the packet carries afterwards (an existing entry with the
   * same tuple wins a clash, as nf_ct_resolve_clash does for UDP and ICMP).
   */
  confirm(ref: ConnRef | undefined, nowUs: number): { readonly ref: ConnRef | undefined; readonly inserted?: number } {
    if (ref?.kind !== 'tracked') return { ref };
    const e = ref.entry;
    // Only the packet that created the entry confirms it: a REJECT answer carrying the entry in the
    // other direction does not (__nf_conntrack_confirm).
    if (e.confirmed || e.dying || ref.dir !== 'ORIGINAL') return { ref };
    const existing = this.find(e.orig, nowUs) ?? this.find(e.reply, nowUs);
    if (existing) return { ref: { ...ref, entry: existing.entry } };
    e.confirmed = true;
    e.timeoutUs = nowUs + e.timeoutUs;
    this.hash.set(tupleKey(e.orig), { entry: e, dir: 'ORIGINAL' });
    this.hash.set(tupleKey(e.reply), { entry: e, dir: 'REPLY' });
    this.order.add(e);
    return { ref, inserted: e.id };
  }
}

/**
 * nf_conntrack_attach(): the reference a packet built in answer to `ref`'s packet carries (REJECT's
 * TCP reset): the same connection, RELATED, in the other direction. Conntrack then leaves it alone.
 */
export function relatedAnswer(ref: ConnRef | undefined): ConnRef | undefined {
  if (ref?.kind !== 'tracked') return undefined;
  return { kind: 'tracked', entry: ref.entry, info: 'RELATED', dir: ref.dir === 'ORIGINAL' ? 'REPLY' : 'ORIGINAL' };
}
