/** How ip6tables-legacy 1.8.9 prints rules: `-L` listings and the `-S`/ip6tables-save rule text (iptables: iptables/ip6tables.c print_firewall, print_rule6; iptables/xshared.c print_header; extensions/libxt_*.c print and save). */

import type { ChainView, Match, PolicyElement, Range, Rule, Target } from '../stack/netfilter/index.js';
import { ICMPV6_TYPE_NAMES, XTABLES_PROTOCOLS } from '../stack/netfilter/index.js';
import { formatIpv6Address } from '../wire/ipv6-address.js';

/**
 * The netbase /etc/protocols names getprotobynumber() gives for protocols xtables has no name of
 * its own for; numbers missing here print as numbers, which is what ip6tables prints for them too.
 */
export const ETC_PROTOCOLS: readonly (readonly [string, number])[] = [
  ['hopopt', 0],
  ['igmp', 2],
  ['ipencap', 4],
  ['egp', 8],
  ['dccp', 33],
  ['ipv6', 41],
  ['ipv6-route', 43],
  ['ipv6-frag', 44],
  ['rsvp', 46],
  ['gre', 47],
  ['esp', 50],
  ['ah', 51],
  ['ipv6-icmp', 58],
  ['ipv6-nonxt', 59],
  ['ipv6-opts', 60],
  ['ospf', 89],
  ['ipip', 94],
  ['etherip', 97],
  ['pim', 103],
  ['ipcomp', 108],
  ['vrrp', 112],
  ['l2tp', 115],
  ['sctp', 132],
];

/** proto_to_name(): xtables' own names first, then /etc/protocols unless `nolookup`. */
export function protoName(num: number, nolookup: boolean): string | undefined {
  const own = XTABLES_PROTOCOLS.find(([, n]) => n === num);
  if (own) return own[0];
  if (num !== 0 && !nolookup) return ETC_PROTOCOLS.find(([, n]) => n === num)?.[0];
  return undefined;
}

/** getservbyport() for the few netbase services a listing without -n may need (tcp and udp alike here). */
const SERVICES: ReadonlyMap<number, string> = new Map([
  [20, 'ftp-data'],
  [21, 'ftp'],
  [22, 'ssh'],
  [23, 'telnet'],
  [25, 'smtp'],
  [53, 'domain'],
  [80, 'http'],
  [123, 'ntp'],
  [443, 'https'],
  [500, 'isakmp'],
  [4500, 'ipsec-nat-t'],
]);

/** A listing needs a name lookup xfrmsim has no table for (a port outside SERVICES). */
export class NameLookupNeeded extends Error {}

/** A rule part xfrmsim's ip6tables cannot print yet (a match or target the parser never builds). */
export class NotPrintable extends Error {}

export interface ListFormat {
  readonly verbose: boolean;
  readonly numeric: boolean;
  /** -x: exact counts instead of K/M/G/T. */
  readonly expanded: boolean;
  readonly lineNumbers: boolean;
}

/** xtables_print_num() in a table column. */
function num(n: number, f: ListFormat): string {
  if (f.expanded) return `${String(n).padStart(8)} `;
  if (n <= 99999) return `${String(n).padStart(5)} `;
  let v = n;
  for (const unit of ['K', 'M', 'G']) {
    v = Math.floor((v + 500) / 1000);
    if (v <= 9999) return `${String(v).padStart(4)}${unit} `;
  }
  v = Math.floor((v + 500) / 1000);
  return `${String(v).padStart(4)}T `;
}

/** The same count in the chain header (FMT_NOTABLE: no padding). */
function headerNum(n: number, f: ListFormat): string {
  return num(n, f).trim();
}

function maskText(prefixLen: number): string {
  return prefixLen === 128 ? '' : `/${prefixLen}`;
}

function addrText(a: { addr: Uint8Array; prefixLen: number } | undefined, numeric: boolean): string {
  const addr = a?.addr ?? new Uint8Array(16);
  const prefixLen = a?.prefixLen ?? 0;
  if (!numeric && addr.every((b) => b === 0)) return 'anywhere';
  return `${formatIpv6Address(addr)}${maskText(prefixLen)}`;
}

function port(p: number, numeric: boolean): string {
  if (numeric) return String(p);
  const name = SERVICES.get(p);
  if (name !== undefined) return name;
  // Unprivileged ports mostly have no netbase name; the privileged ones mostly do, and we lack the table.
  if (p < 1024) throw new NameLookupNeeded(`port ${p}`);
  return String(p);
}

function printPorts(name: string, r: { min: number; max: number; invert?: boolean } | undefined, numeric: boolean): string {
  if (!r) return '';
  const inv = r.invert ? '!' : '';
  if (r.min === 0 && r.max === 0xffff && !r.invert) return '';
  if (r.min === r.max) return ` ${name}:${inv}${port(r.min, numeric)}`;
  return ` ${name}s:${inv}${port(r.min, numeric)}:${port(r.max, numeric)}`;
}

const STATE_ORDER = ['INVALID', 'NEW', 'RELATED', 'ESTABLISHED', 'UNTRACKED', 'SNAT', 'DNAT'] as const;

function states(list: readonly string[]): string {
  return STATE_ORDER.filter((s) => list.includes(s)).join(',');
}

const STATUS_ORDER = ['EXPECTED', 'SEEN_REPLY', 'ASSURED', 'CONFIRMED'] as const;

function statuses(list: readonly string[]): string {
  const out = STATUS_ORDER.filter((s) => list.includes(s));
  return out.length === 0 ? 'NONE' : out.join(',');
}

function hex(v: number): string {
  return `0x${(v >>> 0).toString(16)}`;
}

/** xtables_print_mark_mask(). */
function markMask(mark: number, mask: number): string {
  return mask >>> 0 === 0xffffffff ? ` ${hex(mark)}` : ` ${hex(mark)}/${hex(mask)}`;
}

function inv(x: boolean | undefined): string {
  return x ? ' !' : '';
}

/** How MARK and CONNMARK name a (value, mask) write in -L: and, or, xor, set or xset. */
function markVerb(value: number, mask: number): string {
  const v = value >>> 0;
  const m = mask >>> 0;
  if (v === 0) return ` and ${hex(~m)}`;
  if (v === m) return ` or ${hex(v)}`;
  if (m === 0) return ` xor ${hex(v)}`;
  if (m === 0xffffffff) return ` set ${hex(v)}`;
  return ` xset ${hex(v)}/${hex(m)}`;
}

const ALL_SPIS = { min: 0, max: 0xffffffff };

/** The SPI words of -m esp / -m ah in -L: nothing for every SPI, `spi:N` or `spis:A:B`, `!` after the colon. */
function spiWords(r: Range, lead: string): string {
  if (r.min === ALL_SPIS.min && r.max === ALL_SPIS.max && !r.invert) return '';
  const bang = r.invert ? '!' : '';
  return r.min === r.max ? `${lead}spi:${bang}${r.min}` : `${lead}spis:${bang}${r.min}:${r.max}`;
}

/** The SPI option of -m esp / -m ah in -S form, left out when it would match every SPI. */
function saveSpis(opt: string, r: Range): string {
  if (r.min === ALL_SPIS.min && r.max === ALL_SPIS.max && !r.invert) return '';
  return `${inv(r.invert)} --${opt} ${r.min === r.max ? r.min : `${r.min}:${r.max}`}`;
}

function policyEntry(prefix: string, e: PolicyElement, numeric: boolean): string {
  let s = '';
  if (e.reqid) s += `${inv(e.reqid.invert)} ${prefix}reqid ${e.reqid.reqid}`;
  if (e.spi) s += `${inv(e.spi.invert)} ${prefix}spi ${hex(e.spi.spi)}`;
  if (e.proto) {
    const name = numeric ? undefined : ETC_PROTOCOLS.find(([, n]) => n === e.proto!.num)?.[0];
    s += `${inv(e.proto.invert)} ${prefix}proto ${name ?? e.proto.num}`;
  }
  if (e.mode) s += `${inv(e.mode.invert)} ${prefix}mode ${e.mode.mode}`;
  if (e.tunnelDst)
    s += `${inv(e.tunnelDst.invert)} ${prefix}tunnel-dst ${formatIpv6Address(e.tunnelDst.addr)}${maskText(e.tunnelDst.prefixLen)}`;
  if (e.tunnelSrc)
    s += `${inv(e.tunnelSrc.invert)} ${prefix}tunnel-src ${formatIpv6Address(e.tunnelSrc.addr)}${maskText(e.tunnelSrc.prefixLen)}`;
  return s;
}

function policyFlags(prefix: string, m: Extract<Match, { kind: 'policy' }>): string {
  return ` ${prefix}dir ${m.dir} ${prefix}pol ${m.pol}${m.strict ? ` ${prefix}strict` : ''}`;
}

/** conntrack_dump(): the listing (prefix '') and the save form (prefix '--') share it. */
function conntrackDump(m: Extract<Match, { kind: 'conntrack' }>, prefix: string, numeric: boolean): string {
  let s = '';
  if (m.state) s += `${inv(m.state.invert)} ${prefix}ctstate ${states(m.state.states)}`;
  if (m.proto) s += `${inv(m.proto.invert)} ${prefix}ctproto ${m.proto.num}`;
  const addr = (name: string, a: Extract<Match, { kind: 'conntrack' }>['origSrc']) => {
    if (!a) return;
    const zero = a.addr.every((b) => b === 0);
    s += `${inv(a.invert)} ${prefix}${name} ${!numeric && zero ? 'anywhere' : `${formatIpv6Address(a.addr)}${maskText(a.prefixLen)}`}`;
  };
  addr('ctorigsrc', m.origSrc);
  addr('ctorigdst', m.origDst);
  addr('ctreplsrc', m.replSrc);
  addr('ctrepldst', m.replDst);
  const ports = (name: string, r: Extract<Match, { kind: 'conntrack' }>['origSrcPort']) => {
    if (!r) return;
    s += `${inv(r.invert)} ${prefix}${name} ${r.min === r.max ? r.min : `${r.min}:${r.max}`}`;
  };
  ports('ctorigsrcport', m.origSrcPort);
  ports('ctorigdstport', m.origDstPort);
  ports('ctreplsrcport', m.replSrcPort);
  ports('ctrepldstport', m.replDstPort);
  if (m.status) s += `${inv(m.status.invert)} ${prefix}ctstatus ${statuses(m.status.statuses)}`;
  if (m.expire)
    s += `${inv(m.expire.invert)} ${prefix}ctexpire ${m.expire.min === m.expire.max ? m.expire.min : `${m.expire.min}:${m.expire.max}`}`;
  if (m.dir) s += ` ${prefix}ctdir ${m.dir}`;
  return s;
}

/** One match as `-L` prints it (each extension's print()). */
function listMatch(m: Match, numeric: boolean): string {
  switch (m.kind) {
    case 'tcp':
    case 'udp':
      if (m.kind === 'tcp' && m.flags) throw new NotPrintable('tcp flags are not printed by xfrmsim');
      return ` ${m.kind}${printPorts('spt', m.sport, numeric)}${printPorts('dpt', m.dport, numeric)}`;
    case 'icmp6': {
      if (!numeric) {
        const named = ICMPV6_TYPE_NAMES.find((t) => t.type === m.type && t.codeMin === m.codeMin && t.codeMax === m.codeMax);
        if (named) return ` ipv6-icmp ${m.invert ? '!' : ''}${named.name}`;
      }
      // 1.8.9 prints "type" right after "ipv6-icmp" with no space between them.
      let s = ` ipv6-icmp${m.invert ? ' !' : ''}type ${m.type}`;
      if (m.codeMin === m.codeMax) s += ` code ${m.codeMin}`;
      else if (m.codeMin !== 0 || m.codeMax !== 0xff) s += ` codes ${m.codeMin}-${m.codeMax}`;
      return s;
    }
    case 'conntrack':
      return conntrackDump(m, '', numeric);
    case 'state':
      return `${inv(m.invert)} state ${states(m.states)}`;
    case 'mark':
      return ` mark match${inv(m.invert)}${markMask(m.mark, m.mask)}`;
    case 'comment':
      return ` /* ${m.comment} */`;
    case 'connmark':
      return ` connmark match ${m.invert ? '!' : ''}${markMask(m.mark, m.mask)}`;
    case 'esp':
      return ` esp${spiWords(m.spis, ' ')}`;
    case 'ah': {
      // libip6t_ah prints its words without separators between them ("spi:5length:4").
      let s = ` ah ${spiWords(m.spis, '')}`;
      if (m.hdrlen) s += `length:${m.hdrlen.invert ? '!' : ''}${m.hdrlen.len}`;
      if (m.hdrres) s += ' reserved';
      return s;
    }
    case 'length':
      return ` length ${m.invert ? '!' : ''}${m.min === m.max ? m.min : `${m.min}:${m.max}`}`;
    case 'policy': {
      let s = ` policy match${policyFlags('', m)}`;
      m.elements.forEach((e, i) => {
        if (m.elements.length > 1) s += ` [${i}]`;
        s += policyEntry('', e, numeric);
      });
      return s;
    }
    default:
      throw new NotPrintable(`ip6tables listing of -m ${m.kind} is not modelled`);
  }
}

/** xtables_save_string(): bare when only [A-Za-z0-9_-], else double-quoted with \", \\ and \' escaped. */
export function saveString(value: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(value)) return ` ${value}`;
  return ` "${value.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}

/** The `-m name` and options of one match in -S/save form (print_match_save + each save()). */
function saveMatch(m: Match): string {
  switch (m.kind) {
    case 'tcp':
    case 'udp': {
      if (m.kind === 'tcp' && m.flags) throw new NotPrintable('tcp flags are not printed by xfrmsim');
      let s = ` -m ${m.kind}`;
      const p = (opt: string, r: typeof m.sport) => {
        if (!r || (r.min === 0 && r.max === 0xffff)) return;
        s += `${inv(r.invert)} --${opt} ${r.min === r.max ? r.min : `${r.min}:${r.max}`}`;
      };
      p('sport', m.sport);
      p('dport', m.dport);
      return s;
    }
    case 'icmp6': {
      const code = m.codeMin !== 0 || m.codeMax !== 0xff ? `/${m.codeMin}` : '';
      return ` -m icmp6${inv(m.invert)} --icmpv6-type ${m.type}${code}`;
    }
    case 'conntrack':
      return ` -m conntrack${conntrackDump(m, '--', true)}`;
    case 'state':
      return ` -m state${inv(m.invert)} --state ${states(m.states)}`;
    case 'mark':
      return ` -m mark${inv(m.invert)} --mark${markMask(m.mark, m.mask)}`;
    case 'comment':
      return ` -m comment --comment${saveString(m.comment)}`;
    case 'connmark':
      return ` -m connmark${inv(m.invert)} --mark${markMask(m.mark, m.mask)}`;
    case 'esp':
      return ` -m esp${saveSpis('espspi', m.spis)}`;
    case 'ah': {
      let s = ` -m ah${saveSpis('ahspi', m.spis)}`;
      if (m.hdrlen) s += `${inv(m.hdrlen.invert)} --ahlen ${m.hdrlen.len}`;
      if (m.hdrres) s += ' --ahres';
      return s;
    }
    case 'length':
      return ` -m length${inv(m.invert)} --length ${m.min === m.max ? m.min : `${m.min}:${m.max}`}`;
    case 'policy': {
      let s = ` -m policy${policyFlags('--', m)}`;
      m.elements.forEach((e, i) => {
        s += policyEntry('--', e, false);
        if (i + 1 < m.elements.length) s += ' --next';
      });
      return s;
    }
    default:
      throw new NotPrintable(`ip6tables saving of -m ${m.kind} is not modelled`);
  }
}

/** The target column: a verdict, a chain, an extension, or nothing. */
export function targetName(t: Target): string {
  switch (t.kind) {
    case 'none':
      return '';
    case 'jump':
    case 'goto':
      return t.chain;
    default:
      return t.kind;
  }
}

const LOG_LEVELS = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];
const LOG_FLAG_NAMES: readonly (readonly [number, string, string])[] = [
  [0x01, 'tcp-sequence', '--log-tcp-sequence'],
  [0x02, 'tcp-options', '--log-tcp-options'],
  [0x04, 'ip-options', '--log-ip-options'],
  [0x08, 'uid', '--log-uid'],
  [0x20, 'macdecode', '--log-macdecode'],
];

/** A target's own words at the end of a `-L` line (each target's print()). */
function listTarget(t: Target, numeric: boolean): string {
  switch (t.kind) {
    case 'REJECT':
      return ` reject-with ${t.with}`;
    case 'LOG': {
      let s = ' LOG';
      if (numeric) s += ` flags ${t.logflags} level ${t.level}`;
      else {
        s += ` level ${LOG_LEVELS[t.level] ?? t.level}`;
        for (const [bit, name] of LOG_FLAG_NAMES) if (t.logflags & bit) s += ` ${name}`;
      }
      if (t.prefix !== '') s += ` prefix "${t.prefix}"`;
      return s;
    }
    case 'MARK':
      return ` MARK${markVerb(t.mark, t.mask)}`;
    case 'CONNMARK': {
      if (t.mode === 'set') return ` CONNMARK${markVerb(t.ctmark, t.ctmask)}`;
      const nf = t.nfmask >>> 0;
      const ct = t.ctmask >>> 0;
      // libxt_CONNMARK prints the second mask with a "~" (though it is not inverted), and the
      // restore form names ctmask first.
      let masks = '';
      if (nf === ct) masks = nf === 0xffffffff ? '' : ` mask ${hex(nf)}`;
      else masks = t.mode === 'save' ? ` nfmask ${hex(nf)} ctmask ~${hex(ct)}` : ` ctmask ${hex(ct)} nfmask ~${hex(nf)}`;
      return ` CONNMARK ${t.mode}${masks}`;
    }
    default:
      return '';
  }
}

/** The target in -S/save form (the -j/-g and each target's save()). */
function saveTarget(t: Target): string {
  switch (t.kind) {
    case 'none':
      return '';
    case 'goto':
      return ` -g ${t.chain}`;
    case 'jump':
      return ` -j ${t.chain}`;
    case 'REJECT':
      return ` -j REJECT --reject-with ${t.with}`;
    case 'LOG': {
      let s = ' -j LOG';
      if (t.prefix !== '') s += ` --log-prefix${saveString(t.prefix)}`;
      if (t.level !== 4) s += ` --log-level ${t.level}`;
      for (const [bit, , opt] of LOG_FLAG_NAMES) if (t.logflags & bit) s += ` ${opt}`;
      return s;
    }
    case 'MARK':
      return ` -j MARK --set-xmark ${hex(t.mark)}/${hex(t.mask)}`;
    case 'CONNMARK':
      if (t.mode === 'set') return ` -j CONNMARK --set-xmark ${hex(t.ctmark)}/${hex(t.ctmask)}`;
      return ` -j CONNMARK --${t.mode}-mark --nfmask ${hex(t.nfmask)} --ctmask ${hex(t.ctmask)}`;
    default:
      return ` -j ${t.kind}`;
  }
}

/** One rule line of `-L` (print_firewall). */
export function listRule(rule: Rule, counters: { packets: number; bytes: number }, lineNum: number, f: ListFormat): string {
  let s = '';
  if (f.lineNumbers) s += `${String(lineNum).padEnd(4)} `;
  if (f.verbose) s += num(counters.packets, f) + num(counters.bytes, f);
  s += `${targetName(rule.target).padEnd(9)} `;
  const proto = rule.proto?.num ?? 0;
  s += rule.proto?.invert ? '!' : ' ';
  s += `${(f.numeric ? undefined : protoName(proto, false)) ?? String(proto)}`.padEnd(4);
  s += ' -- ';
  if (f.verbose) {
    const any = f.numeric ? '*' : 'any';
    const iface = (i: Rule['inIface']) => `${i?.invert ? '!' : ''}${i?.name ?? any}`;
    s += ` ${iface(rule.inIface).padEnd(6)} ${iface(rule.outIface).padEnd(6)} `;
  }
  s += `${rule.src?.invert ? '!' : ' '}${addrText(rule.src, f.numeric).padEnd(19)} `;
  s += `${rule.dst?.invert ? '!' : ' '}${addrText(rule.dst, f.numeric).padEnd(19)} `;
  if (rule.target.kind === 'goto') s += '[goto] ';
  for (const m of rule.matches ?? []) s += listMatch(m, f.numeric);
  s += listTarget(rule.target, f.numeric);
  return `${s}\n`;
}

/** A chain as `-L` prints it: header, column titles, rules (list_entries, print_header). */
export function listChain(c: ChainView, f: ListFormat): string {
  let s = `Chain ${c.name}`;
  if (c.builtin) {
    s += ` (policy ${c.policy}`;
    if (f.verbose) s += ` ${headerNum(c.packets, f)} packets, ${headerNum(c.bytes, f)} bytes`;
    s += ')\n';
  } else {
    s += ` (${c.references} references)\n`;
  }
  if (f.lineNumbers) s += 'num  ';
  if (f.verbose) s += f.expanded ? `${'pkts'.padStart(8)} ${'bytes'.padStart(10)} ` : ' pkts bytes ';
  s += `${'target'.padEnd(9)}  prot opt`;
  if (f.verbose) s += ` ${'in'.padEnd(6)} ${'out'.padEnd(6)} `;
  s += ` ${'source'.padEnd(19)}  ${'destination'.padEnd(19)} \n`;
  c.rules.forEach((r, i) => {
    s += listRule(r.rule, r, i + 1, f);
  });
  return s;
}

/** One rule in -S/save form (print_rule6); `counters` is "-c p b" (-S -v) or "[p:b] " (save -c). */
export function saveRule(chain: string, rule: Rule, counters?: { packets: number; bytes: number }, style: 'S' | 'save' = 'S'): string {
  let s = counters && style === 'save' ? `[${counters.packets}:${counters.bytes}] ` : '';
  s += `-A ${chain}`;
  const addr = (letter: string, a: Rule['src']) => {
    if (!a || (a.prefixLen === 0 && !a.invert)) return;
    s += `${inv(a.invert)} -${letter} ${formatIpv6Address(a.addr)}/${a.prefixLen}`;
  };
  addr('s', rule.src);
  addr('d', rule.dst);
  if (rule.inIface) s += `${inv(rule.inIface.invert)} -i ${rule.inIface.name}`;
  if (rule.outIface) s += `${inv(rule.outIface.invert)} -o ${rule.outIface.name}`;
  const proto = rule.proto?.num ?? 0;
  if (proto > 0) s += `${inv(rule.proto?.invert)} -p ${protoName(proto, false) ?? proto}`;
  for (const m of rule.matches ?? []) s += saveMatch(m);
  if (counters && style === 'S') s += ` -c ${counters.packets} ${counters.bytes}`;
  s += saveTarget(rule.target);
  return `${s}\n`;
}
