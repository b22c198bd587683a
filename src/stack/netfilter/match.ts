/** Rule matching: the ip6t_ip6 header part and each match module (kernel: ip6_tables.c ip6_packet_match; xt_tcpudp.c, ip6t_icmp6 in ip6_tables.c, xt_multiport.c, xt_conntrack.c, xt_state.c, xt_mark.c, xt_connmark.c, xt_policy.c, xt_esp.c, ip6t_ah.c, ip6t_hl.c, xt_length.c). */

import type { Ipv6Address } from '../../wire/ipv6-address.js';
import { IPPROTO } from '../../wire/proto.js';
import { prefixMatches } from '../fib.js';
import type { ConntrackEntry, Tuple } from './conntrack.js';
import { type FindHdrResult, ipv6FindHdr } from './exthdr.js';
import type { AddrMatch, IfaceMatch, Match, PolicyElement, Range, Rule } from './rule.js';
import type { ConnRef, CtStateName, SecPathEntry } from './types.js';

/** What the matches look at: the bytes and the skb fields netfilter may have changed so far. */
export interface MatchPacket {
  readonly bytes: Uint8Array;
  readonly inDev: string;
  readonly outDev: string;
  readonly mark: number;
  readonly ct: ConnRef | undefined;
  readonly secPath: readonly SecPathEntry[];
  readonly bundle: readonly SecPathEntry[] | undefined;
  readonly nowUs: number;
}

export type MatchResult = { readonly kind: 'match' } | { readonly kind: 'nomatch' } | { readonly kind: 'hotdrop'; readonly match: string };

const MATCH: MatchResult = { kind: 'match' };
const NOMATCH: MatchResult = { kind: 'nomatch' };
const hotdrop = (match: string): MatchResult => ({ kind: 'hotdrop', match });

/** Per-packet cache of the upper-layer header ipv6_find_hdr finds (computed once, for rules with -p). */
export class HeaderCache {
  private found?: FindHdrResult;
  constructor(readonly bytes: Uint8Array) {}
  upper(): FindHdrResult {
    this.found ??= ipv6FindHdr(this.bytes, -1);
    return this.found;
  }
}

function addrMatches(addr: Uint8Array, m: AddrMatch): boolean {
  return prefixMatches(m.addr, m.prefixLen, addr) !== !!m.invert;
}

/** ifname_compare_aligned(): exact name, or the prefix before a trailing `+`. */
export function ifaceMatches(dev: string, m: IfaceMatch): boolean {
  const hit = m.name.endsWith('+') ? dev.startsWith(m.name.slice(0, -1)) : dev === m.name;
  return hit !== !!m.invert;
}

function inRange(v: number, r: Range | undefined): boolean {
  if (!r) return true;
  return (v >= r.min && v <= r.max) !== !!r.invert;
}

function be16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

function be32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** The transport header's offset and fragment offset ip6_packet_match left in acpar (thoff, fragoff). */
interface L4 {
  readonly thoff: number;
  readonly fragoff: number;
}

/**
 * Runs one rule's header part and matches in the kernel's order. A match that needs a header the
 * packet does not have in full sets hotdrop: the packet is dropped.
 */
export function matchRule(rule: Rule, pkt: MatchPacket, cache: HeaderCache): MatchResult {
  const b = pkt.bytes;
  if (rule.src && !addrMatches(b.subarray(8, 24), rule.src)) return NOMATCH;
  if (rule.dst && !addrMatches(b.subarray(24, 40), rule.dst)) return NOMATCH;
  if (rule.inIface && !ifaceMatches(pkt.inDev, rule.inIface)) return NOMATCH;
  if (rule.outIface && !ifaceMatches(pkt.outDev, rule.outIface)) return NOMATCH;
  let l4: L4 = { thoff: 0, fragoff: 0 };
  if (rule.proto) {
    const found = cache.upper();
    if (!found.ok) return found.fragoff === 0 ? hotdrop('proto') : NOMATCH;
    l4 = { thoff: found.offset, fragoff: found.fragoff };
    if (rule.proto.num === found.proto) {
      if (rule.proto.invert) return NOMATCH;
    } else if (rule.proto.num !== 0 && !rule.proto.invert) {
      return NOMATCH;
    }
  }
  for (const m of rule.matches ?? []) {
    const r = matchOne(m, pkt, l4);
    if (r.kind !== 'match') return r;
  }
  return MATCH;
}

function matchOne(m: Match, pkt: MatchPacket, l4: L4): MatchResult {
  const b = pkt.bytes;
  switch (m.kind) {
    case 'tcp': {
      if (l4.fragoff !== 0) return NOMATCH;
      if (l4.thoff + 20 > b.length) return hotdrop('tcp');
      if (!inRange(be16(b, l4.thoff), m.sport) || !inRange(be16(b, l4.thoff + 2), m.dport)) return NOMATCH;
      if (m.flags && ((b[l4.thoff + 13]! & m.flags.mask) === m.flags.comp) === !!m.flags.invert) return NOMATCH;
      return MATCH;
    }
    case 'udp': {
      if (l4.fragoff !== 0) return NOMATCH;
      if (l4.thoff + 8 > b.length) return hotdrop('udp');
      return inRange(be16(b, l4.thoff), m.sport) && inRange(be16(b, l4.thoff + 2), m.dport) ? MATCH : NOMATCH;
    }
    case 'icmp6': {
      if (l4.fragoff !== 0) return NOMATCH;
      if (l4.thoff + 8 > b.length) return hotdrop('icmp6');
      const type = b[l4.thoff]!;
      const code = b[l4.thoff + 1]!;
      const hit = type === m.type && code >= m.codeMin && code <= m.codeMax;
      return hit !== !!m.invert ? MATCH : NOMATCH;
    }
    case 'multiport': {
      if (l4.fragoff !== 0) return NOMATCH;
      if (l4.thoff + 4 > b.length) return hotdrop('multiport');
      const src = be16(b, l4.thoff);
      const dst = be16(b, l4.thoff + 2);
      for (const p of m.ports) {
        const s = m.flags !== 'destination' && src >= p.min && src <= p.max;
        const d = m.flags !== 'source' && dst >= p.min && dst <= p.max;
        if (s || d) return m.invert ? NOMATCH : MATCH;
      }
      return m.invert ? MATCH : NOMATCH;
    }
    case 'esp': {
      if (l4.fragoff !== 0) return NOMATCH;
      if (l4.thoff + 8 > b.length) return hotdrop('esp');
      return inRange(be32(b, l4.thoff), m.spis) ? MATCH : NOMATCH;
    }
    case 'ah': {
      const found = ipv6FindHdr(b, IPPROTO.AH);
      if (!found.ok) return found.error === 'ENOENT' ? NOMATCH : hotdrop('ah');
      const off = found.offset;
      if (off + 12 > b.length) return hotdrop('ah');
      const hdrlen = (b[off + 1]! + 2) << 2;
      if (!inRange(be32(b, off + 4), m.spis)) return NOMATCH;
      if (m.hdrlen && m.hdrlen.len !== 0 && (m.hdrlen.len === hdrlen) === !!m.hdrlen.invert) return NOMATCH;
      if (m.hdrres && be16(b, off + 2) !== 0) return NOMATCH;
      return MATCH;
    }
    case 'conntrack':
      return conntrackMatch(m, pkt) ? MATCH : NOMATCH;
    case 'state': {
      const hit = m.states.includes(ctStateOf(pkt.ct));
      return hit !== !!m.invert ? MATCH : NOMATCH;
    }
    case 'mark':
      return ((pkt.mark & m.mask) >>> 0 === m.mark >>> 0) !== !!m.invert ? MATCH : NOMATCH;
    case 'connmark': {
      if (pkt.ct?.kind !== 'tracked') return NOMATCH;
      return ((pkt.ct.entry.mark & m.mask) >>> 0 === m.mark >>> 0) !== !!m.invert ? MATCH : NOMATCH;
    }
    case 'policy':
      return policyMatch(m, pkt) ? MATCH : NOMATCH;
    case 'comment':
      return MATCH;
    case 'hl': {
      const hl = b[7]!;
      const hit = m.mode === 'eq' ? hl === m.value : m.mode === 'ne' ? hl !== m.value : m.mode === 'lt' ? hl < m.value : hl > m.value;
      return hit ? MATCH : NOMATCH;
    }
    case 'length': {
      const len = be16(b, 4) + 40;
      return (len >= m.min && len <= m.max) !== !!m.invert ? MATCH : NOMATCH;
    }
  }
}

/** The state bit of the packet's ctinfo (XT_CONNTRACK_STATE_BIT / XT_STATE_BIT), or INVALID/UNTRACKED. */
export function ctStateOf(ct: ConnRef | undefined): CtStateName {
  if (!ct) return 'INVALID';
  if (ct.kind === 'untracked') return 'UNTRACKED';
  return ct.info;
}

/** The tuple's "all" port fields (src.u.all, dst.u.all): ports, or echo id and type<<8|code. */
function tuplePorts(t: Tuple): { readonly src: number; readonly dst: number } {
  if (t.sport !== undefined) return { src: t.sport, dst: t.dport ?? 0 };
  if (t.type !== undefined) return { src: t.id ?? 0, dst: ((t.type << 8) | (t.code ?? 0)) >>> 0 };
  return { src: 0, dst: 0 };
}

function conntrackMatch(m: Extract<Match, { kind: 'conntrack' }>, pkt: MatchPacket): boolean {
  const ct = pkt.ct;
  if (m.state && m.state.states.includes(ctStateOf(ct)) === !!m.state.invert) return false;
  if (ct?.kind !== 'tracked') return m.state !== undefined;
  const e: ConntrackEntry = ct.entry;
  if (m.dir && m.dir !== ct.dir) return false;
  const addr = (a: Ipv6Address, am: AddrMatch | undefined) => !am || addrMatches(a, am);
  if (!addr(e.orig.src, m.origSrc) || !addr(e.orig.dst, m.origDst)) return false;
  if (!addr(e.reply.src, m.replSrc) || !addr(e.reply.dst, m.replDst)) return false;
  if (m.proto && (e.orig.proto === m.proto.num) === !!m.proto.invert) return false;
  const op = tuplePorts(e.orig);
  const rp = tuplePorts(e.reply);
  if (!inRange(op.src, m.origSrcPort) || !inRange(op.dst, m.origDstPort)) return false;
  if (!inRange(rp.src, m.replSrcPort) || !inRange(rp.dst, m.replDstPort)) return false;
  if (m.status) {
    const has = m.status.statuses.some(
      (s) => (s === 'SEEN_REPLY' && e.seenReply) || (s === 'ASSURED' && e.assured) || (s === 'CONFIRMED' && e.confirmed),
    );
    if (has === !!m.status.invert) return false;
  }
  if (m.expire) {
    const left = e.expiresSec(pkt.nowUs);
    if ((left >= m.expire.min && left <= m.expire.max) === !!m.expire.invert) return false;
  }
  return true;
}

const PROTO_OF: Readonly<Record<SecPathEntry['proto'], number>> = { esp: IPPROTO.ESP, ah: IPPROTO.AH, comp: 108 };

/**
 * The SA's SPI as xt_policy compares it with `--spi`: ip6tables hands the number over in host byte
 * order and the kernel compares it with x->id.spi, which is in network byte order, so on a
 * little-endian machine (the x86 kernels this model follows) `--spi 0x800` matches an SA whose SPI
 * is 0x00080000 and not one whose SPI is 0x800 (recorded: cases/n_policy_match_in, _out).
 */
function policySpiView(spi: number): number {
  return (((spi & 0xff) << 24) | ((spi & 0xff00) << 8) | ((spi >>> 8) & 0xff00) | (spi >>> 24)) >>> 0;
}

/** match_xfrm_state(): every field the element names must agree with the SA (each with its `!`). */
function elementMatches(x: SecPathEntry, e: PolicyElement): boolean {
  if (e.tunnelSrc && !addrMatches(x.src, e.tunnelSrc)) return false;
  if (e.tunnelDst && !addrMatches(x.dst, e.tunnelDst)) return false;
  if (e.proto && (e.proto.num === PROTO_OF[x.proto]) === !!e.proto.invert) return false;
  if (e.mode && (e.mode.mode === x.mode) === !!e.mode.invert) return false;
  if (e.spi && (e.spi.spi >>> 0 === policySpiView(x.spi)) === !!e.spi.invert) return false;
  if (e.reqid && (e.reqid.reqid === x.reqid) === !!e.reqid.invert) return false;
  return true;
}

/**
 * policy_mt(): --dir in walks the secpath from the innermost SA, --dir out the route's bundle from
 * the first template; both are walked innermost first here. Without --strict one SA matching
 * element 1 suffices; with it the elements must pair up one to one (element 1 = innermost SA).
 * The inbound pairing was checked on the kernel (test/kernel-cases/policy-strict-two-sas). No
 * secpath/bundle at all is what --pol none matches.
 */
function policyMatch(m: Extract<Match, { kind: 'policy' }>, pkt: MatchPacket): boolean {
  const sas = m.dir === 'in' ? [...pkt.secPath].reverse() : (pkt.bundle ?? []);
  if (sas.length === 0) return m.pol === 'none';
  if (m.pol === 'none') return false;
  const strict = !!m.strict;
  for (let i = 0; i < sas.length; i++) {
    const e = m.elements[strict ? i : 0];
    if (!e) return false;
    if (elementMatches(sas[i]!, e)) {
      if (!strict) return true;
    } else if (strict) return false;
  }
  return strict && sas.length === m.elements.length;
}
