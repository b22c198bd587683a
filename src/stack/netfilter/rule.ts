/** An ip6tables rule as the kernel holds it: the ip6t_ip6 header part, the matches and the target (kernel: ip6_tables.h, xt_*.h). */

import { toHex } from '../../wire/hex.js';
import type { Ipv6Address } from '../../wire/ipv6-address.js';
import { maskPrefix } from '../fib.js';
import type { CtStateName } from './types.js';

// Rules keep the structure the kernel receives from ip6tables (struct ip6t_entry and the
// xt_*_info of each match and target), with names instead of bit masks. That is what
// `ip6tables -S/-L` print from, and what deletion by rule compares.

/** `-s`/`-d`: a prefix (stored with its host bits cleared, as ip6tables sends it) and `!`. */
export interface AddrMatch {
  readonly addr: Ipv6Address;
  readonly prefixLen: number;
  readonly invert?: boolean;
}

/** `-i`/`-o`: a device name; a trailing `+` matches every name with that prefix. */
export interface IfaceMatch {
  readonly name: string;
  readonly invert?: boolean;
}

/** `-p`: the protocol number (0 = all) and `!`. */
export interface ProtoMatch {
  readonly num: number;
  readonly invert?: boolean;
}

/** iptables' own protocol names, looked up before /etc/protocols (libxtables/xtables.c xtables_chain_protos). */
export const XTABLES_PROTOCOLS: readonly (readonly [string, number])[] = [
  ['tcp', 6],
  ['sctp', 132],
  ['udp', 17],
  ['udplite', 136],
  ['icmp', 1],
  ['ipv6-icmp', 58],
  ['icmpv6', 58],
  ['esp', 50],
  ['ah', 51],
  ['mobility-header', 135],
  ['ipv6-mh', 135],
  ['mh', 135],
  ['all', 0],
];

/**
 * xtables_parse_protocol() for `-p` (ip6tables lowercases the argument first): a number 0..255 in C
 * notation, or one of XTABLES_PROTOCOLS. Undefined: ask /etc/protocols, else "unknown protocol".
 */
export function parseProtocol(text: string): number | undefined {
  const s = text.toLowerCase();
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (m) {
    const v = /^0x/i.test(s) ? Number.parseInt(s.slice(2), 16) : s.length > 1 && s[0] === '0' ? Number.parseInt(s, 8) : Number(s);
    return v <= 255 ? v : undefined;
  }
  return XTABLES_PROTOCOLS.find(([name]) => name === s)?.[1];
}

/** A closed range of ports, SPIs or lengths, with `!`. */
export interface Range {
  readonly min: number;
  readonly max: number;
  readonly invert?: boolean;
}

export type CtStatusName = 'NONE' | 'EXPECTED' | 'SEEN_REPLY' | 'ASSURED' | 'CONFIRMED';

/** One element of `-m policy` (struct xt_policy_elem); absent fields are not compared. */
export interface PolicyElement {
  readonly reqid?: { readonly reqid: number; readonly invert?: boolean };
  readonly spi?: { readonly spi: number; readonly invert?: boolean };
  /** IPPROTO number: 50 esp, 51 ah, 108 ipcomp. */
  readonly proto?: { readonly num: number; readonly invert?: boolean };
  readonly mode?: { readonly mode: 'transport' | 'tunnel'; readonly invert?: boolean };
  readonly tunnelSrc?: AddrMatch;
  readonly tunnelDst?: AddrMatch;
}

export type Match =
  | {
      readonly kind: 'tcp';
      readonly sport?: Range;
      readonly dport?: Range;
      /** `--tcp-flags mask comp` (`--syn` is mask SYN,RST,ACK,FIN comp SYN), on byte 13 of the header. */
      readonly flags?: { readonly mask: number; readonly comp: number; readonly invert?: boolean };
    }
  | { readonly kind: 'udp'; readonly sport?: Range; readonly dport?: Range }
  /** `--icmpv6-type type[/code]`: codeMin..codeMax is 0..255 when no code is given. */
  | { readonly kind: 'icmp6'; readonly type: number; readonly codeMin: number; readonly codeMax: number; readonly invert?: boolean }
  /** `-m multiport`: up to 15 ports, a range counting as two. */
  | {
      readonly kind: 'multiport';
      readonly flags: 'source' | 'destination' | 'either';
      readonly ports: readonly { readonly min: number; readonly max: number }[];
      readonly invert?: boolean;
    }
  | {
      readonly kind: 'conntrack';
      readonly state?: { readonly states: readonly CtStateName[]; readonly invert?: boolean };
      readonly proto?: ProtoMatch;
      readonly origSrc?: AddrMatch;
      readonly origDst?: AddrMatch;
      readonly replSrc?: AddrMatch;
      readonly replDst?: AddrMatch;
      readonly origSrcPort?: Range;
      readonly origDstPort?: Range;
      readonly replSrcPort?: Range;
      readonly replDstPort?: Range;
      readonly status?: { readonly statuses: readonly CtStatusName[]; readonly invert?: boolean };
      /** Remaining lifetime in seconds. */
      readonly expire?: Range;
      readonly dir?: 'ORIGINAL' | 'REPLY';
    }
  /** `-m state --state` (ip6tables sends it as a conntrack match with only a state; printed as "state"). */
  | { readonly kind: 'state'; readonly states: readonly CtStateName[]; readonly invert?: boolean }
  | { readonly kind: 'mark'; readonly mark: number; readonly mask: number; readonly invert?: boolean }
  | { readonly kind: 'connmark'; readonly mark: number; readonly mask: number; readonly invert?: boolean }
  /** `-m policy`: `--pol ipsec` alone is one element with no field (it matches any SA). */
  | {
      readonly kind: 'policy';
      readonly dir: 'in' | 'out';
      readonly pol: 'ipsec' | 'none';
      readonly strict?: boolean;
      readonly elements: readonly PolicyElement[];
    }
  | { readonly kind: 'esp'; readonly spis: Range }
  | {
      readonly kind: 'ah';
      readonly spis: Range;
      readonly hdrlen?: { readonly len: number; readonly invert?: boolean };
      /** `--ahres`: the reserved field must be zero. */
      readonly hdrres?: boolean;
    }
  | { readonly kind: 'comment'; readonly comment: string }
  | { readonly kind: 'hl'; readonly mode: 'eq' | 'ne' | 'lt' | 'gt'; readonly value: number }
  /** `-m length`: the IPv6 packet length (payload length + 40). */
  | { readonly kind: 'length'; readonly min: number; readonly max: number; readonly invert?: boolean };

/** `--reject-with` values ip6tables 1.8.9 accepts (libip6t_REJECT.c), by their long names. */
export type RejectWith =
  | 'icmp6-no-route'
  | 'icmp6-adm-prohibited'
  | 'icmp6-addr-unreachable'
  | 'icmp6-port-unreachable'
  | 'tcp-reset'
  | 'icmp6-policy-fail'
  | 'icmp6-reject-route';

/** Long name and alias of each REJECT type; the ICMPv6 destination-unreachable code it sends. */
export const REJECT_TYPES: readonly { readonly name: RejectWith; readonly alias: string; readonly code?: number }[] = [
  { name: 'icmp6-no-route', alias: 'no-route', code: 0 },
  { name: 'icmp6-adm-prohibited', alias: 'adm-prohibited', code: 1 },
  { name: 'icmp6-addr-unreachable', alias: 'addr-unreach', code: 3 },
  { name: 'icmp6-port-unreachable', alias: 'port-unreach', code: 4 },
  { name: 'tcp-reset', alias: 'tcp-reset' },
  { name: 'icmp6-policy-fail', alias: 'policy-fail', code: 5 },
  { name: 'icmp6-reject-route', alias: 'reject-route', code: 6 },
];

/** LOG flag bits (xt_LOG.h XT_LOG_*): --log-tcp-sequence, --log-tcp-options, --log-ip-options, --log-uid, --log-macdecode. */
export const LOG_TCPSEQ = 0x01;
export const LOG_TCPOPT = 0x02;
export const LOG_IPOPT = 0x04;
export const LOG_UID = 0x08;
export const LOG_MACDECODE = 0x20;

export type Target =
  /** No -j: the rule only counts. */
  | { readonly kind: 'none' }
  | { readonly kind: 'ACCEPT' }
  | { readonly kind: 'DROP' }
  | { readonly kind: 'RETURN' }
  | { readonly kind: 'jump'; readonly chain: string }
  | { readonly kind: 'goto'; readonly chain: string }
  | { readonly kind: 'REJECT'; readonly with: RejectWith }
  | { readonly kind: 'LOG'; readonly prefix: string; readonly level: number; readonly logflags: number }
  /** MARK in the kernel's one form: mark = (mark & ~mask) ^ value (--set-mark v/m is value v, mask v|m). */
  | { readonly kind: 'MARK'; readonly mark: number; readonly mask: number }
  | {
      readonly kind: 'CONNMARK';
      readonly mode: 'set' | 'save' | 'restore';
      readonly ctmark: number;
      readonly ctmask: number;
      readonly nfmask: number;
      readonly shiftDir?: 'left' | 'right';
      readonly shiftBits?: number;
    }
  | { readonly kind: 'TRACE' };

export interface Rule {
  readonly src?: AddrMatch;
  readonly dst?: AddrMatch;
  readonly inIface?: IfaceMatch;
  readonly outIface?: IfaceMatch;
  readonly proto?: ProtoMatch;
  readonly matches?: readonly Match[];
  readonly target: Target;
}

/** Matches and targets that make the kernel register conntrack in the namespace (nf_ct_netns_get). */
export function ruleNeedsConntrack(rule: Rule): boolean {
  if (rule.target.kind === 'CONNMARK') return true;
  return (rule.matches ?? []).some((m) => m.kind === 'conntrack' || m.kind === 'state' || m.kind === 'connmark');
}

/** The chain a rule jumps or goes to, if any. */
export function ruleChainTarget(rule: Rule): string | undefined {
  return rule.target.kind === 'jump' || rule.target.kind === 'goto' ? rule.target.chain : undefined;
}

function maskAddr(a: AddrMatch | undefined): AddrMatch | undefined {
  if (!a) return undefined;
  return { ...a, addr: maskPrefix(a.addr, a.prefixLen) };
}

/** `-s ::/0` is all zeroes in the kernel, the same as no `-s`; `-i +` likewise. */
function dropNeutralAddr(a: AddrMatch | undefined): AddrMatch | undefined {
  return a && a.prefixLen === 0 && !a.invert ? undefined : maskAddr(a);
}

function dropNeutralIface(i: IfaceMatch | undefined): IfaceMatch | undefined {
  return i && i.name === '+' && !i.invert ? undefined : i;
}

function maskElement(e: PolicyElement): PolicyElement {
  return { ...e, tunnelSrc: maskAddr(e.tunnelSrc), tunnelDst: maskAddr(e.tunnelDst) };
}

/** The rule as the kernel receives it: addresses with their host bits cleared (ip6tables masks them before sending). */
export function normalizeRule(rule: Rule): Rule {
  const matches = (rule.matches ?? []).map((m): Match => {
    if (m.kind === 'conntrack') {
      return {
        ...m,
        origSrc: maskAddr(m.origSrc),
        origDst: maskAddr(m.origDst),
        replSrc: maskAddr(m.replSrc),
        replDst: maskAddr(m.replDst),
      };
    }
    if (m.kind === 'policy') return { ...m, elements: m.elements.map(maskElement) };
    return m;
  });
  return {
    ...rule,
    src: dropNeutralAddr(rule.src),
    dst: dropNeutralAddr(rule.dst),
    inIface: dropNeutralIface(rule.inIface),
    outIface: dropNeutralIface(rule.outIface),
    matches,
  };
}

const FULL_PORTS = { min: 0, max: 0xffff };
const FULL_SPIS = { min: 0, max: 0xffffffff };

/** A plain value with the kernel's defaults written out and `!` explicit, so equal rules give equal text. */
function canonical(value: unknown): unknown {
  if (value instanceof Uint8Array) return toHex(value);
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined || v === false) continue;
      out[key] = canonical(v);
    }
    return out;
  }
  return value;
}

function withDefaults(m: Match): Match {
  switch (m.kind) {
    case 'tcp':
    case 'udp':
      return { ...m, sport: m.sport ?? FULL_PORTS, dport: m.dport ?? FULL_PORTS };
    case 'esp':
    case 'ah':
      return { ...m, spis: m.spis ?? FULL_SPIS };
    default:
      return m;
  }
}

/** The key deletion by rule compares (libiptc is_same + target_same): everything but the counters. */
export function ruleKey(rule: Rule): string {
  const n = normalizeRule(rule);
  return JSON.stringify(canonical({ ...n, matches: (n.matches ?? []).map(withDefaults) }));
}

export function rulesEqual(a: Rule, b: Rule): boolean {
  return ruleKey(a) === ruleKey(b);
}

/**
 * True for the rules the kernel's trace calls "policy"/"return": no match of any kind and an
 * ACCEPT/DROP/RETURN verdict (ip6_tables.c get_chainname_rulenum, unconditional()).
 */
export function isUnconditionalStandard(rule: Rule): boolean {
  const t = rule.target.kind;
  if (t !== 'ACCEPT' && t !== 'DROP' && t !== 'RETURN') return false;
  const n = normalizeRule(rule);
  return !n.src && !n.dst && !n.inIface && !n.outIface && !n.proto && (n.matches ?? []).length === 0;
}
