/** The ip6tables command line read as ip6tables-legacy 1.8.9 reads it: getopt_long, the command/option table, the address, interface and protocol parts, and the extensions xfrmsim models (iptables: iptables/xshared.c do_parse, ipv6_post_parse; libxtables/xtables.c; extensions/libxt_*.c parse and check). */

import type { AddrMatch, CtStateName, IfaceMatch, Match, PolicyElement, Range, Rule, Target } from '../stack/netfilter/index.js';
import { parseIcmpv6Type, parseProtocol, REJECT_TYPES } from '../stack/netfilter/index.js';
import { parseIpv6Address } from '../wire/ipv6-address.js';
import { ETC_PROTOCOLS } from './ip6tables-print.js';

/** A PARAMETER_PROBLEM (exit 2 with the "Try ..." line), or another xtables_error exit status. */
export class ParamError extends Error {
  constructor(
    message: string,
    /** "Bad argument `x'" is printed bare, without the "ip6tables v1.8.9 (legacy): " prefix. */
    readonly bare = false,
    readonly status = 2,
  ) {
    super(message);
  }
}

/** An option or extension xfrmsim does not model: the command refuses it loudly. */
export class NotModelled extends Error {}

export type CommandLetter = 'I' | 'D' | 'DN' | 'R' | 'A' | 'L' | 'F' | 'Z' | 'N' | 'X' | 'P' | 'E' | 'S' | 'ZN' | 'C';

/** CMD_* bits in their order: the bit number picks the letter cmd2char() prints. */
const CMD_BITS: readonly CommandLetter[] = ['I', 'D', 'DN', 'R', 'A', 'L', 'F', 'Z', 'N', 'X', 'P', 'E', 'S', 'ZN', 'C'];
const CMD_CHAR = ['I', 'D', 'D', 'R', 'A', 'L', 'F', 'Z', 'N', 'X', 'P', 'E', 'S', 'Z', 'C'];
const bit = (c: CommandLetter) => 1 << CMD_BITS.indexOf(c);

/** OPT_* in optflags order (n s d p j v x i o --line c): the rows of commands_v_options. */
const OPT_CHARS = ['n', 's', 'd', 'p', 'j', 'v', 'x', 'i', 'o', '0', 'c'] as const;
type OptChar = (typeof OPT_CHARS)[number];
/** commands_v_options, columns as OPT_CHARS: 'x' = illegal with that command. */
const LEGAL: Readonly<Record<CommandLetter, string>> = {
  I: 'x     x  x ',
  D: 'x     x  xx',
  DN: 'xxxxx xxxxx',
  R: 'x     x  x ',
  A: 'x     x  x ',
  L: ' xxxx  xx x',
  F: 'xxxxx xxxxx',
  Z: 'xxxxx xxxxx',
  N: 'xxxxx xxxxx',
  X: 'xxxxx xxxxx',
  P: 'xxxxx xxxx ',
  E: 'xxxxx xxxxx',
  S: 'xxxxx xxxxx',
  ZN: 'xxxxx xxxxx',
  C: 'x     x  xx',
};

export interface ParsedCommand {
  /** The CMD_* bits given (-L and -Z may come together). */
  readonly commands: readonly CommandLetter[];
  readonly table: string;
  readonly chain?: string;
  readonly rulenum: number;
  readonly newname?: string;
  readonly policy?: string;
  readonly verbose: boolean;
  readonly numeric: boolean;
  readonly expanded: boolean;
  readonly lineNumbers: boolean;
  readonly counters?: { readonly packets: number; readonly bytes: number };
  /** For -A/-C/-D/-I/-R: the rule, and the -j name still to be resolved against the table's chains. */
  readonly rule?: Omit<Rule, 'target'>;
  readonly jump?: { readonly name: string; readonly goto: boolean; readonly target?: Target };
  readonly version: boolean;
  /** Lines ip6tables prints on stderr and goes on (protocol warnings). */
  readonly warnings: readonly string[];
}

// ---- extensions ----

interface OptionSpec {
  readonly name: string;
  readonly hasArg: boolean;
  readonly invert?: boolean;
}

/** One loaded match or target and its options, parsed into a mutable draft. */
interface Extension {
  readonly name: string;
  readonly options: readonly OptionSpec[];
  readonly seen: Set<string>;
  parse(opt: string, arg: string, invert: boolean): void;
  /** The x6_fcheck: final checks, then the match or target. */
  finish(): Match | Target;
  readonly isTarget: boolean;
}

/** Every target and match name iptables 1.8.9 ships besides the ones modelled here: refused as not modelled, not "Couldn't load". */
const KNOWN_TARGETS = new Set([
  'AUDIT',
  'CHECKSUM',
  'CLASSIFY',
  'CONNMARK',
  'CONNSECMARK',
  'CT',
  'DNAT',
  'DNPT',
  'DSCP',
  'HL',
  'HMARK',
  'IDLETIMER',
  'LED',
  'MASQUERADE',
  'NETMAP',
  'NFLOG',
  'NFQUEUE',
  'NOTRACK',
  'QUEUE',
  'RATEEST',
  'REDIRECT',
  'SECMARK',
  'SET',
  'SNAT',
  'SNPT',
  'SYNPROXY',
  'TCPMSS',
  'TCPOPTSTRIP',
  'TEE',
  'TOS',
  'TPROXY',
]);
const KNOWN_MATCHES = new Set([
  'addrtype',
  'ah',
  'bpf',
  'cgroup',
  'cluster',
  'connbytes',
  'connlabel',
  'connlimit',
  'connmark',
  'cpu',
  'dccp',
  'devgroup',
  'dscp',
  'dst',
  'ecn',
  'esp',
  'eui64',
  'frag',
  'hashlimit',
  'hbh',
  'helper',
  'hl',
  'ipcomp',
  'iprange',
  'ipv6header',
  'ipvs',
  'length',
  'limit',
  'mac',
  'mh',
  'multiport',
  'nfacct',
  'osf',
  'owner',
  'physdev',
  'pkttype',
  'quota',
  'rateest',
  'realm',
  'recent',
  'rpfilter',
  'rt',
  'sctp',
  'set',
  'socket',
  'statistic',
  'string',
  'tcpmss',
  'time',
  'tos',
  'u32',
  'udplite',
]);

/** xtables_strtoui(): C notation (0x.., 0..), whole string, within [min, max]. */
function strtoui(s: string, min: number, max: number): number | undefined {
  if (!/^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.test(s)) return undefined;
  const v = /^0[xX]/.test(s) ? Number.parseInt(s.slice(2), 16) : s.length > 1 && s[0] === '0' ? Number.parseInt(s, 8) : Number(s);
  return v >= min && v <= max ? v : undefined;
}

function badInt(ext: string, opt: string): ParamError {
  return new ParamError(`${ext}: bad integer value for option "--${opt}", or out of range.\n`);
}

/** XTTYPE_MARKMASK32: value[/mask], mask 0xffffffff by default. */
function markMask(ext: string, opt: string, arg: string): { mark: number; mask: number } {
  const [v, m, ...rest] = arg.split('/');
  const mark = strtoui(v ?? '', 0, 0xffffffff);
  const mask = m === undefined ? 0xffffffff : strtoui(m, 0, 0xffffffff);
  if (mark === undefined || mask === undefined || rest.length > 0) throw badInt(ext, opt);
  return { mark, mask };
}

/** xtables_parse_port() for numbers; service names would need /etc/services. */
function parsePort(p: string): number {
  const v = strtoui(p, 0, 0xffff);
  if (v !== undefined) return v;
  if (/^[A-Za-z]/.test(p)) throw new NotModelled(`ip6tables port name "${p}"`);
  throw new ParamError(`invalid port/service \`${p}' specified`);
}

/** `port[:port]` as the tcp/udp matches read it (an empty side means 0 or 65535). */
function parsePortRange(arg: string, invert: boolean): { min: number; max: number; invert?: boolean } {
  const i = arg.indexOf(':');
  if (i < 0) {
    const p = parsePort(arg);
    return invert ? { min: p, max: p, invert } : { min: p, max: p };
  }
  const min = i === 0 ? 0 : parsePort(arg.slice(0, i));
  const max = i === arg.length - 1 ? 0xffff : parsePort(arg.slice(i + 1));
  if (min > max) throw new ParamError(`invalid portrange (min > max)`);
  return invert ? { min, max, invert } : { min, max };
}

/** `addr[/len]` (xtables_ip6parse_any without the host lookup): prefix lengths only, one address. */
function parseHostMask(text: string): AddrMatch {
  if (text.includes(',')) throw new NotModelled('ip6tables multiple addresses');
  const slash = text.indexOf('/');
  const host = slash < 0 ? text : text.slice(0, slash);
  let prefixLen = 128;
  if (slash >= 0) {
    const m = text.slice(slash + 1);
    if (m.includes(':')) throw new NotModelled('ip6tables address masks');
    const v = strtoui(m, 0, 128);
    if (v === undefined || !/^[0-9]+$/.test(m)) throw new ParamError(`invalid mask \`${m}' specified`);
    prefixLen = v;
  }
  const a = parseIpv6Address(host);
  if (!a.ok) {
    if (/^[A-Za-z]/.test(host) && !host.includes(':')) throw new NotModelled(`ip6tables host name lookup "${host}"`);
    throw new ParamError(`host/network \`${host}' not found`);
  }
  return { addr: a.value, prefixLen };
}

const STATE_NAMES: readonly CtStateName[] = ['INVALID', 'NEW', 'ESTABLISHED', 'RELATED', 'UNTRACKED'];

/** state_parse_states(): a comma list of case-insensitive prefixes. */
function parseStates(arg: string, opt: string, extraCt: boolean): CtStateName[] {
  const out: CtStateName[] = [];
  const names: readonly CtStateName[] = extraCt ? [...STATE_NAMES, 'SNAT', 'DNAT'] : STATE_NAMES;
  const parts = arg.split(',');
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p === '' && i === parts.length - 1 && !extraCt) {
      throw new ParamError(`"--${opt}" requires a list of states with no spaces, e.g. ESTABLISHED,RELATED`);
    }
    const hit = p === '' ? undefined : names.find((n) => n.toLowerCase().startsWith(p.toLowerCase()));
    if (!hit) throw new ParamError(extraCt ? `Bad ctstate "${p}"` : `Bad state "${p}"`);
    if (!out.includes(hit)) out.push(hit);
  }
  return out;
}

function once(ext: Extension, opt: string): void {
  if (ext.seen.has(opt)) throw new ParamError(`${ext.name}: "--${opt}" option may only be specified once`);
  ext.seen.add(opt);
}

function portsExtension(kind: 'tcp' | 'udp'): Extension {
  let sport: ReturnType<typeof parsePortRange> | undefined;
  let dport: ReturnType<typeof parsePortRange> | undefined;
  const ext: Extension = {
    name: kind,
    isTarget: false,
    seen: new Set(),
    options: [
      { name: 'source-port', hasArg: true, invert: true },
      { name: 'sport', hasArg: true, invert: true },
      { name: 'destination-port', hasArg: true, invert: true },
      { name: 'dport', hasArg: true, invert: true },
      ...(kind === 'tcp'
        ? [
            { name: 'tcp-flags', hasArg: true, invert: true },
            { name: 'syn', hasArg: false, invert: true },
            { name: 'tcp-option', hasArg: true, invert: true },
          ]
        : []),
    ],
    parse(opt, arg, invert) {
      if (opt === 'tcp-flags' || opt === 'syn' || opt === 'tcp-option') throw new NotModelled(`ip6tables -m tcp --${opt}`);
      const src = opt === 'sport' || opt === 'source-port';
      once(ext, src ? 'sport' : 'dport');
      if (src) sport = parsePortRange(arg, invert);
      else dport = parsePortRange(arg, invert);
    },
    finish: () => ({ kind, ...(sport ? { sport } : {}), ...(dport ? { dport } : {}) }),
  };
  return ext;
}

function icmp6Extension(): Extension {
  let value: Match | undefined;
  const ext: Extension = {
    name: 'icmp6',
    isTarget: false,
    seen: new Set(),
    options: [{ name: 'icmpv6-type', hasArg: true, invert: true }],
    parse(opt, arg, invert) {
      once(ext, opt);
      const r = parseIcmpv6Type(arg);
      if (!r.ok) throw new ParamError(r.message);
      value = { kind: 'icmp6', type: r.type, codeMin: r.codeMin, codeMax: r.codeMax, ...(invert ? { invert } : {}) };
    },
    finish() {
      if (!value) throw new ParamError('icmp6: option "--icmpv6-type" must be specified\n');
      return value;
    },
  };
  return ext;
}

function stateExtension(): Extension {
  let value: Match | undefined;
  const ext: Extension = {
    name: 'state',
    isTarget: false,
    seen: new Set(),
    options: [{ name: 'state', hasArg: true, invert: true }],
    parse(opt, arg, invert) {
      once(ext, opt);
      value = { kind: 'state', states: parseStates(arg, 'state', false), ...(invert ? { invert } : {}) };
    },
    finish() {
      if (!value) throw new ParamError('state: option "--state" must be specified\n');
      return value;
    },
  };
  return ext;
}

function conntrackExtension(): Extension {
  let state: { states: CtStateName[]; invert?: boolean } | undefined;
  let status: { statuses: ('NONE' | 'EXPECTED' | 'SEEN_REPLY' | 'ASSURED' | 'CONFIRMED')[]; invert?: boolean } | undefined;
  let dir: 'ORIGINAL' | 'REPLY' | undefined;
  const modelled = new Set(['ctstate', 'ctstatus', 'ctdir']);
  const names = [
    'ctstate',
    'ctproto',
    'ctorigsrc',
    'ctorigdst',
    'ctreplsrc',
    'ctrepldst',
    'ctstatus',
    'ctexpire',
    'ctorigsrcport',
    'ctorigdstport',
    'ctreplsrcport',
    'ctrepldstport',
    'ctdir',
  ];
  const ext: Extension = {
    name: 'conntrack',
    isTarget: false,
    seen: new Set(),
    options: names.map((name) => ({ name, hasArg: true, invert: name !== 'ctdir' })),
    parse(opt, arg, invert) {
      if (!modelled.has(opt)) throw new NotModelled(`ip6tables -m conntrack --${opt}`);
      once(ext, opt);
      if (opt === 'ctstate') state = { states: parseStates(arg, opt, true), ...(invert ? { invert } : {}) };
      else if (opt === 'ctstatus') {
        const all = ['NONE', 'EXPECTED', 'SEEN_REPLY', 'ASSURED', 'CONFIRMED'] as const;
        const list = arg.split(',').map((p) => {
          const hit = all.find((n) => p !== '' && n.toLowerCase().startsWith(p.toLowerCase()));
          if (!hit) throw new ParamError(`Bad ctstatus "${p}"`);
          return hit;
        });
        status = { statuses: list.filter((s) => s !== 'NONE'), ...(invert ? { invert } : {}) };
      } else {
        const d = arg.toUpperCase();
        if (!'ORIGINAL'.startsWith(d) && !'REPLY'.startsWith(d)) throw new ParamError(`Unknown --ctdir "${arg}"`);
        dir = 'REPLY'.startsWith(d) && d !== '' ? 'REPLY' : 'ORIGINAL';
      }
    },
    finish() {
      if (!state && !status && !dir) throw new ParamError('conntrack: At least one option is required');
      return { kind: 'conntrack', ...(state ? { state } : {}), ...(status ? { status } : {}), ...(dir ? { dir } : {}) };
    },
  };
  return ext;
}

function markExtension(): Extension {
  let value: Match | undefined;
  const ext: Extension = {
    name: 'mark',
    isTarget: false,
    seen: new Set(),
    options: [{ name: 'mark', hasArg: true, invert: true }],
    parse(opt, arg, invert) {
      once(ext, opt);
      value = { kind: 'mark', ...markMask('mark', opt, arg), ...(invert ? { invert } : {}) };
    },
    finish() {
      if (!value) throw new ParamError('mark: option "--mark" must be specified\n');
      return value;
    },
  };
  return ext;
}

/** xt_length (libxt_length.c): `--length [!] MIN[:MAX]`, the packet's length with its IPv6 header. */
function lengthExtension(): Extension {
  let value: Match | undefined;
  const ext: Extension = {
    name: 'length',
    isTarget: false,
    seen: new Set(),
    options: [{ name: 'length', hasArg: true, invert: true }],
    parse(opt, arg, invert) {
      once(ext, opt);
      const m = /^(\d*)(?::(\d*))?$/.exec(arg);
      const min = m?.[1] ? Number(m[1]) : 0;
      const max = m && m[2] !== undefined ? (m[2] ? Number(m[2]) : 0xffff) : min;
      // xtables_parse_interval's messages for a malformed range are not reproduced.
      if (!m || (m[1] === '' && m[2] === undefined) || min > 0xffff || max > 0xffff || min > max)
        throw new NotModelled(`ip6tables -m length --length ${arg}`);
      value = { kind: 'length', min, max, ...(invert ? { invert } : {}) };
    },
    finish() {
      if (!value) throw new ParamError('length: option "--length" must be specified\n');
      return value;
    },
  };
  return ext;
}

function commentExtension(): Extension {
  let value: string | undefined;
  const ext: Extension = {
    name: 'comment',
    isTarget: false,
    seen: new Set(),
    options: [{ name: 'comment', hasArg: true }],
    parse(opt, arg) {
      once(ext, opt);
      if (arg.length > 255) throw new ParamError(`comment: Argument must have a maximum length of 255 characters\n`);
      value = arg;
    },
    finish() {
      if (value === undefined) throw new ParamError('comment: option "--comment" must be specified\n');
      return { kind: 'comment', comment: value };
    },
  };
  return ext;
}

function policyExtension(): Extension {
  let dir: 'in' | 'out' | undefined;
  let pol: 'ipsec' | 'none' = 'ipsec';
  let strict = false;
  const elements: { -readonly [K in keyof PolicyElement]: PolicyElement[K] }[] = [{}];
  const cur = () => elements[elements.length - 1]!;
  const ext: Extension = {
    name: 'policy',
    isTarget: false,
    seen: new Set(),
    options: [
      { name: 'dir', hasArg: true },
      { name: 'pol', hasArg: true },
      { name: 'strict', hasArg: false },
      { name: 'reqid', hasArg: true, invert: true },
      { name: 'spi', hasArg: true, invert: true },
      { name: 'tunnel-src', hasArg: true, invert: true },
      { name: 'tunnel-dst', hasArg: true, invert: true },
      { name: 'proto', hasArg: true, invert: true },
      { name: 'mode', hasArg: true, invert: true },
      { name: 'next', hasArg: false },
    ],
    parse(opt, arg, invert) {
      const e = cur();
      const inv = invert ? { invert } : {};
      const dup = (has: unknown, name: string) => {
        if (has) throw new ParamError(`policy match: double --${name} option`);
      };
      switch (opt) {
        case 'dir':
          if (arg !== 'in' && arg !== 'out') throw new ParamError(`policy_match: invalid dir "${arg}"`);
          dir = arg;
          return;
        case 'pol':
          if (arg !== 'ipsec' && arg !== 'none') throw new ParamError(`policy match: invalid policy "${arg}"`);
          pol = arg;
          return;
        case 'strict':
          strict = true;
          return;
        case 'reqid': {
          dup(e.reqid, opt);
          const v = strtoui(arg, 0, 0xffffffff);
          if (v === undefined) throw badInt('policy', opt);
          e.reqid = { reqid: v, ...inv };
          return;
        }
        case 'spi': {
          dup(e.spi, opt);
          const v = strtoui(arg, 0, 0xffffffff);
          if (v === undefined) throw badInt('policy', opt);
          e.spi = { spi: v, ...inv };
          return;
        }
        case 'tunnel-src':
          dup(e.tunnelSrc, opt);
          e.tunnelSrc = { ...parseHostMask(arg), ...inv };
          return;
        case 'tunnel-dst':
          dup(e.tunnelDst, opt);
          e.tunnelDst = { ...parseHostMask(arg), ...inv };
          return;
        case 'proto': {
          dup(e.proto, opt);
          const n = resolveProtocol(arg.toLowerCase());
          if (n !== 50 && n !== 51 && n !== 108) throw new ParamError('policy match: protocol must be ah/esp/ipcomp');
          e.proto = { num: n, ...inv };
          return;
        }
        case 'mode':
          dup(e.mode, opt);
          if (arg !== 'transport' && arg !== 'tunnel') throw new ParamError(`policy match: invalid mode "${arg}"`);
          e.mode = { mode: arg, ...inv };
          return;
        case 'next':
          if (!strict) throw new ParamError('policy: option "--next" also requires "--strict".\n');
          if (elements.length + 1 > 4) throw new ParamError('policy match: maximum policy depth reached');
          elements.push({});
          return;
      }
    },
    finish() {
      if (!dir) throw new ParamError('policy match: neither --dir in nor --dir out specified');
      const given = elements.some((e) => Object.keys(e).length > 0) || elements.length > 1;
      if (pol === 'none') {
        if (strict) throw new ParamError('policy match: policy none but --strict given');
        if (given) throw new ParamError('policy match: policy none but policy given');
      }
      const list = pol === 'none' ? [] : elements;
      list.forEach((e, i) => {
        const any = e.reqid || e.spi || e.tunnelSrc || e.tunnelDst || e.proto || e.mode;
        if (strict && !any) {
          throw new ParamError(
            `policy match: empty policy element ${i}. --strict is in effect, but at least one of reqid, spi, tunnel-src, tunnel-dst, proto or mode is required.`,
          );
        }
        const m = e.mode;
        if ((e.tunnelSrc || e.tunnelDst) && (!m || (m.mode === 'tunnel' && m.invert) || (m.mode === 'transport' && !m.invert))) {
          // Without --mode the element's mode is 0 (transport) in the C struct, so the check fires too.
          throw new ParamError('policy match: --tunnel-src/--tunnel-dst is only valid in tunnel mode');
        }
      });
      return { kind: 'policy', dir, pol, ...(strict ? { strict } : {}), elements: list.map((e) => ({ ...e })) };
    },
  };
  return ext;
}

function rejectExtension(): Extension {
  let w: (typeof REJECT_TYPES)[number]['name'] = 'icmp6-port-unreachable';
  const ext: Extension = {
    name: 'REJECT',
    isTarget: true,
    seen: new Set(),
    options: [{ name: 'reject-with', hasArg: true }],
    parse(opt, arg) {
      once(ext, opt);
      const a = arg.toLowerCase();
      const hit = REJECT_TYPES.find((t) => t.name.startsWith(a) || t.alias.startsWith(a));
      if (!hit) throw new ParamError(`unknown reject type "${arg}"`);
      w = hit.name;
    },
    finish: () => ({ kind: 'REJECT', with: w }),
  };
  return ext;
}

const SYSLOG_LEVELS = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];
/** syslog.h prioritynames also accepts these old names. */
const SYSLOG_ALIASES: Readonly<Record<string, number>> = { panic: 0, error: 3, warn: 4 };

function logExtension(): Extension {
  let prefix = '';
  let level = 4;
  let logflags = 0;
  const flagOpts: Readonly<Record<string, number>> = {
    'log-tcp-sequence': 0x01,
    'log-tcp-options': 0x02,
    'log-ip-options': 0x04,
    'log-uid': 0x08,
    'log-macdecode': 0x20,
  };
  const ext: Extension = {
    name: 'LOG',
    isTarget: true,
    seen: new Set(),
    options: [
      { name: 'log-level', hasArg: true },
      { name: 'log-prefix', hasArg: true },
      ...Object.keys(flagOpts).map((name) => ({ name, hasArg: false })),
    ],
    parse(opt, arg) {
      once(ext, opt);
      if (opt === 'log-level') {
        const n = strtoui(arg, 0, 7);
        const named = SYSLOG_LEVELS.indexOf(arg);
        const v = n ?? (named >= 0 ? named : SYSLOG_ALIASES[arg]);
        if (v === undefined) throw new ParamError(`log level "${arg}" unknown\n`);
        level = v;
      } else if (opt === 'log-prefix') {
        if (arg.includes('\n')) throw new ParamError('Newlines not allowed in --log-prefix');
        if (arg.length > 29) throw new ParamError('LOG: Argument must have a maximum length of 29 characters\n');
        prefix = arg;
      } else logflags |= flagOpts[opt] ?? 0;
    },
    finish: () => ({ kind: 'LOG', prefix, level, logflags }),
  };
  return ext;
}

function markTargetExtension(): Extension {
  let value: Target | undefined;
  const ext: Extension = {
    name: 'MARK',
    isTarget: true,
    seen: new Set(),
    options: ['set-xmark', 'set-mark', 'and-mark', 'or-mark', 'xor-mark'].map((name) => ({ name, hasArg: true })),
    parse(opt, arg) {
      if (value) throw new ParamError('MARK: Only one of --set-xmark, --{and,or,xor,set}-mark may be used');
      ext.seen.add(opt);
      if (opt === 'set-xmark' || opt === 'set-mark') {
        const { mark, mask } = markMask('MARK', opt, arg);
        value = { kind: 'MARK', mark, mask: opt === 'set-mark' ? (mark | mask) >>> 0 : mask };
        return;
      }
      const v = strtoui(arg, 0, 0xffffffff);
      if (v === undefined) throw badInt('MARK', opt);
      if (opt === 'and-mark') value = { kind: 'MARK', mark: 0, mask: ~v >>> 0 };
      else if (opt === 'or-mark') value = { kind: 'MARK', mark: v, mask: v };
      else value = { kind: 'MARK', mark: v, mask: 0 };
    },
    finish() {
      if (!value) throw new ParamError('MARK: One of the --set-xmark, --{and,or,xor,set}-mark options is required');
      return value;
    },
  };
  return ext;
}

/** XTTYPE_UINT32RC: `n` or `min:max` (a missing side is 0 or 0xffffffff); `!` before it inverts. */
function spiRange(ext: string, opt: string, arg: string, invert: boolean): Range {
  const parts = arg.split(':');
  const bad = (near: string) => new ParamError(`${ext}: bad value for option "--${opt}" near "${near}", or out of range (0-4294967295).\n`);
  if (parts.length > 2 || arg === '') throw bad(arg);
  const num = (t: string, dflt: number) => {
    const v = t === '' ? dflt : strtoui(t, 0, 0xffffffff);
    if (v === undefined) throw bad(t);
    return v;
  };
  const min = num(parts[0]!, 0);
  const max = parts.length === 2 ? num(parts[1]!, 0xffffffff) : min;
  return invert ? { min, max, invert } : { min, max };
}

/** -m esp (libxt_esp): --espspi; without it every SPI matches. */
function espExtension(): Extension {
  let spis: Range = { min: 0, max: 0xffffffff };
  const ext: Extension = {
    name: 'esp',
    isTarget: false,
    seen: new Set(),
    options: [{ name: 'espspi', hasArg: true, invert: true }],
    parse(opt, arg, invert) {
      once(ext, opt);
      spis = spiRange('esp', opt, arg, invert);
    },
    finish: () => ({ kind: 'esp', spis }),
  };
  return ext;
}

/** -m ah (libip6t_ah): --ahspi, --ahlen, --ahres. */
function ahExtension(): Extension {
  let spis: Range = { min: 0, max: 0xffffffff };
  let hdrlen: { len: number; invert?: boolean } | undefined;
  let hdrres = false;
  const ext: Extension = {
    name: 'ah',
    isTarget: false,
    seen: new Set(),
    options: [
      { name: 'ahspi', hasArg: true, invert: true },
      { name: 'ahlen', hasArg: true, invert: true },
      { name: 'ahres', hasArg: false },
    ],
    parse(opt, arg, invert) {
      once(ext, opt);
      if (opt === 'ahspi') spis = spiRange('ah', opt, arg, invert);
      else if (opt === 'ahlen') {
        const v = strtoui(arg, 0, 0xffffffff);
        if (v === undefined) throw badInt('ah', opt);
        hdrlen = invert ? { len: v, invert } : { len: v };
      } else hdrres = true;
    },
    finish: () => ({ kind: 'ah', spis, ...(hdrlen ? { hdrlen } : {}), ...(hdrres ? { hdrres } : {}) }),
  };
  return ext;
}

/** -m connmark (libxt_connmark): --mark value[/mask] against the connection's mark. */
function connmarkExtension(): Extension {
  let value: Match | undefined;
  const ext: Extension = {
    name: 'connmark',
    isTarget: false,
    seen: new Set(),
    options: [{ name: 'mark', hasArg: true, invert: true }],
    parse(opt, arg, invert) {
      once(ext, opt);
      value = { kind: 'connmark', ...markMask('connmark', opt, arg), ...(invert ? { invert } : {}) };
    },
    finish() {
      if (!value) throw new ParamError('connmark: option "--mark" must be specified\n');
      return value;
    },
  };
  return ext;
}

/**
 * -j CONNMARK (libxt_CONNMARK revision 1): --set-xmark/--set-mark/--and-/--or-/--xor-mark write the
 * connection's mark as MARK writes the packet's; --save-mark and --restore-mark copy between them
 * under --nfmask/--ctmask (--mask sets both).
 */
function connmarkTargetExtension(): Extension {
  let mode: 'set' | 'save' | 'restore' | undefined;
  let ctmark = 0;
  let ctmask = 0xffffffff;
  let nfmask = 0xffffffff;
  const setOpts = ['set-xmark', 'set-mark', 'and-mark', 'or-mark', 'xor-mark'];
  const ext: Extension = {
    name: 'CONNMARK',
    isTarget: true,
    seen: new Set(),
    options: [
      ...setOpts.map((name) => ({ name, hasArg: true })),
      { name: 'save-mark', hasArg: false },
      { name: 'restore-mark', hasArg: false },
      { name: 'mask', hasArg: true },
      { name: 'nfmask', hasArg: true },
      { name: 'ctmask', hasArg: true },
    ],
    parse(opt, arg) {
      once(ext, opt);
      if (opt === 'save-mark' || opt === 'restore-mark') {
        mode = opt === 'save-mark' ? 'save' : 'restore';
        return;
      }
      if (opt === 'mask' || opt === 'nfmask' || opt === 'ctmask') {
        const v = strtoui(arg, 0, 0xffffffff);
        if (v === undefined) throw badInt('CONNMARK', opt);
        if (opt !== 'ctmask') nfmask = v;
        if (opt !== 'nfmask') ctmask = v;
        return;
      }
      mode = 'set';
      if (opt === 'set-xmark' || opt === 'set-mark') {
        const mm = markMask('CONNMARK', opt, arg);
        ctmark = mm.mark;
        ctmask = opt === 'set-mark' ? (mm.mark | mm.mask) >>> 0 : mm.mask;
        return;
      }
      const v = strtoui(arg, 0, 0xffffffff);
      if (v === undefined) throw badInt('CONNMARK', opt);
      if (opt === 'and-mark') [ctmark, ctmask] = [0, ~v >>> 0];
      else if (opt === 'or-mark') [ctmark, ctmask] = [v, v];
      else [ctmark, ctmask] = [v, 0];
    },
    finish() {
      // The exclusion is checked once all options are read, naming the first two in the
      // extension's option order (not in command-line order).
      const modes = [...setOpts, 'save-mark', 'restore-mark'].filter((o) => ext.seen.has(o));
      if (modes.length > 1) throw new ParamError(`CONNMARK: option "--${modes[0]}" cannot be used together with "--${modes[1]}".\n`);
      if (!mode) throw new ParamError('CONNMARK target: No operation specified');
      if (mode === 'set') return { kind: 'CONNMARK', mode, ctmark, ctmask, nfmask: 0 };
      return { kind: 'CONNMARK', mode, ctmark: 0, ctmask, nfmask };
    },
  };
  return ext;
}

function simpleTarget(kind: 'TRACE'): Extension {
  return { name: kind, isTarget: true, seen: new Set(), options: [], parse() {}, finish: () => ({ kind }) };
}

function loadMatch(name: string): Extension {
  switch (name) {
    case 'tcp':
    case 'udp':
      return portsExtension(name);
    case 'icmp6':
    case 'icmpv6':
    case 'ipv6-icmp':
      return icmp6Extension();
    case 'state':
      return stateExtension();
    case 'conntrack':
      return conntrackExtension();
    case 'mark':
      return markExtension();
    case 'comment':
      return commentExtension();
    case 'length':
      return lengthExtension();
    case 'policy':
      return policyExtension();
    case 'esp':
      return espExtension();
    case 'ah':
      return ahExtension();
    case 'connmark':
      return connmarkExtension();
  }
  if (KNOWN_MATCHES.has(name)) throw new NotModelled(`ip6tables -m ${name}`);
  throw new ParamError(`Couldn't load match \`${name}':No such file or directory\n`);
}

/** The extension target a -j name loads, undefined for verdicts and (maybe) chains. */
function loadTarget(name: string): Extension | undefined {
  switch (name) {
    case 'REJECT':
      return rejectExtension();
    case 'LOG':
      return logExtension();
    case 'MARK':
      return markTargetExtension();
    case 'TRACE':
      return simpleTarget('TRACE');
    case 'CONNMARK':
      return connmarkTargetExtension();
  }
  if (KNOWN_TARGETS.has(name)) throw new NotModelled(`ip6tables -j ${name}`);
  return undefined;
}

/** `-p`: xtables_parse_protocol() with the netbase names for getprotobyname(). */
export function resolveProtocol(text: string): number {
  const n = parseProtocol(text) ?? ETC_PROTOCOLS.find(([name]) => name === text)?.[1];
  if (n === undefined) throw new ParamError(`unknown protocol "${text}" specified`);
  return n;
}

/** The match a `-p` loads on demand for an option it does not know (tcp, udp, icmpv6). */
function protoMatchName(num: number): string | undefined {
  return ({ 6: 'tcp', 17: 'udp', 58: 'icmp6', 50: 'esp', 51: 'ah' } as Record<number, string>)[num];
}

// ---- the command line ----

/** Long options of ip6tables itself (original_opts), by name and the short letter they stand for. */
const LONG_OPTS: readonly (readonly [string, string, 0 | 1 | 2])[] = [
  ['append', 'A', 1],
  ['delete', 'D', 1],
  ['check', 'C', 1],
  ['insert', 'I', 1],
  ['replace', 'R', 1],
  ['list', 'L', 2],
  ['list-rules', 'S', 2],
  ['flush', 'F', 2],
  ['zero', 'Z', 2],
  ['new-chain', 'N', 1],
  ['delete-chain', 'X', 2],
  ['rename-chain', 'E', 1],
  ['policy', 'P', 1],
  ['source', 's', 1],
  ['destination', 'd', 1],
  ['src', 's', 1],
  ['dst', 'd', 1],
  ['protocol', 'p', 1],
  ['in-interface', 'i', 1],
  ['jump', 'j', 1],
  ['table', 't', 1],
  ['match', 'm', 1],
  ['numeric', 'n', 0],
  ['out-interface', 'o', 1],
  ['verbose', 'v', 0],
  ['wait', 'w', 2],
  ['wait-interval', 'W', 2],
  ['exact', 'x', 0],
  ['version', 'V', 0],
  ['help', 'h', 2],
  ['line-numbers', '0', 0],
  ['modprobe', 'M', 1],
  ['set-counters', 'c', 1],
  ['goto', 'g', 1],
  ['ipv4', '4', 0],
  ['ipv6', '6', 0],
];

/** IPT_OPTSTRING: 0 no argument, 1 required, 2 optional. */
const SHORT_OPTS: Readonly<Record<string, 0 | 1 | 2>> = {
  A: 1,
  C: 1,
  D: 1,
  E: 1,
  F: 2,
  I: 1,
  L: 2,
  M: 1,
  N: 1,
  P: 1,
  R: 1,
  S: 2,
  V: 0,
  X: 2,
  Z: 2,
  c: 1,
  d: 1,
  f: 0,
  g: 1,
  h: 2,
  i: 1,
  j: 1,
  l: 1,
  m: 1,
  n: 0,
  o: 1,
  p: 1,
  s: 1,
  t: 1,
  v: 0,
  w: 2,
  W: 2,
  x: 0,
  '0': 1,
  '4': 0,
  '6': 0,
};

/** IFNAMSIZ - 1 characters at most (xtables_parse_interface). */
function parseIface(text: string, invert: boolean): IfaceMatch {
  if (text.length > 15) throw new ParamError(`interface name \`${text}' must be shorter than IFNAMSIZ (16)`);
  return invert ? { name: text, invert } : { name: text };
}

/**
 * do_parse() for ip6tables (and each ip6tables-restore line, `restore` set): everything the tool
 * checks before it opens the table. Throws ParamError or NotModelled.
 */
export function parseIp6tablesArgs(argv: readonly string[], restore = false): ParsedCommand {
  let cmdMask = 0;
  let table = 'filter';
  let tableSet = false;
  let chain: string | undefined;
  let rulenum = 0;
  let newname: string | undefined;
  let policy: string | undefined;
  let verbose = false;
  let version = false;
  let options = 0;
  let invert = false;
  let counters: { packets: number; bytes: number } | undefined;
  let protoText: string | undefined;
  let protoNum = 0;
  let protoUsed = false;
  const rule: { -readonly [K in keyof Rule]?: Rule[K] } = {};
  let jumpName: string | undefined;
  let gotoSet = false;
  let target: Extension | undefined;
  const matches: Extension[] = [];
  let srcText: string | undefined;
  let dstText: string | undefined;
  let srcInvert = false;
  let dstInvert = false;
  const warnings: string[] = [];

  const hasArg = (i: number) => i < argv.length && !argv[i]!.startsWith('-') && !argv[i]!.startsWith('!');
  const addCommand = (c: CommandLetter, others: number) => {
    if (invert) throw new ParamError("unexpected '!' flag");
    if (cmdMask & ~others) {
      const other = cmdMask & ~others;
      throw new ParamError(`Cannot use -${CMD_CHAR[CMD_BITS.indexOf(c)]} with -${CMD_CHAR[31 - Math.clz32(other)]}`);
    }
    cmdMask |= bit(c);
  };
  const setOption = (o: OptChar, invertible: boolean) => {
    const b = 1 << OPT_CHARS.indexOf(o);
    if (options & b) throw new ParamError(`multiple -${o} flags not allowed`);
    options |= b;
    if (invert && !invertible) throw new ParamError(`cannot have ! before -${o}`);
  };
  const ruleNumber = (s: string) => {
    const v = strtoui(s, 1, 0x7fffffff);
    if (v === undefined) throw new ParamError(`Invalid rule number \`${s}'`);
    return v;
  };
  const validChainName = (name: string) => {
    if (name.length >= 29) throw new ParamError(`chain name \`${name}' too long (must be under 29 chars)`);
    if (name.startsWith('-') || name.startsWith('!')) throw new ParamError(`chain name not allowed to start with \`${name[0]}'`);
    if (['ACCEPT', 'DROP', 'QUEUE', 'RETURN', 'REJECT', 'LOG', 'MARK', 'TRACE'].includes(name) || KNOWN_TARGETS.has(name)) {
      throw new ParamError('chain name may not clash with target name');
    }
    if (/\s/.test(name)) throw new ParamError(`Invalid chain name \`${name}'`);
  };
  const parseTargetName = (name: string) => {
    if (name.length < 1) throw new ParamError('Invalid target name (too short)');
    if (name.length >= 29) throw new ParamError(`Invalid target name \`${name}' (28 chars max)`);
    if (/\s/.test(name)) throw new ParamError(`Invalid target name \`${name}'`);
    return name;
  };

  let i = 0;
  while (i < argv.length) {
    const arg = argv[i++]!;
    if (arg === '!') {
      if (invert) throw new ParamError('multiple consecutive ! not allowed');
      invert = true;
      continue;
    }
    // Each entry: the option letter (or extension option) and its argument.
    const handled: { opt: string; value: string | undefined }[] = [];
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const inline = eq < 0 ? undefined : arg.slice(eq + 1);
      const ext = [target, ...matches].find((e) => e?.options.some((o) => o.name === name));
      const core = LONG_OPTS.filter(([n]) => n === name);
      const prefix = core.length > 0 ? core : LONG_OPTS.filter(([n]) => n.startsWith(name));
      if (ext) {
        const spec = ext.options.find((o) => o.name === name)!;
        let value = inline;
        if (spec.hasArg && value === undefined) {
          if (i >= argv.length) throw new ParamError(`option "${arg}" requires an argument`);
          value = argv[i++]!;
        }
        if (invert && !spec.invert) throw new ParamError(`${ext.name}: option "--${name}" cannot be inverted.\n`);
        ext.parse(name, value ?? '', invert);
        invert = false;
        continue;
      }
      if (prefix.length === 0 || (prefix.length > 1 && new Set(prefix.map((p) => p[1])).size > 1)) {
        // Not ours: maybe the protocol's match knows it (-p tcp --dport).
        const implicit = protoText !== undefined && !protoUsed ? protoMatchName(protoNum) : undefined;
        if (implicit) {
          protoUsed = true;
          matches.push(loadMatch(implicit));
          i--;
          continue;
        }
        throw new ParamError(`unknown option "${arg}"`);
      }
      const [, letter, kind] = prefix[0]!;
      let value = inline;
      if (kind === 1 && value === undefined) {
        if (i >= argv.length) throw new ParamError(`option "${arg}" requires an argument`);
        value = argv[i++]!;
      }
      handled.push({ opt: letter, value });
    } else if (arg.startsWith('-') && arg.length > 1) {
      for (let k = 1; k < arg.length; k++) {
        const c = arg[k]!;
        const kind = SHORT_OPTS[c];
        if (kind === undefined) throw new ParamError(`unknown option "${arg}"`);
        if (kind === 0) {
          handled.push({ opt: c, value: undefined });
          continue;
        }
        const rest = arg.slice(k + 1);
        if (rest !== '') handled.push({ opt: c, value: rest });
        else if (kind === 1) {
          if (i >= argv.length) throw new ParamError(`option "-${c}" requires an argument`);
          handled.push({ opt: c, value: argv[i++]! });
        } else handled.push({ opt: c, value: undefined });
        break;
      }
    } else {
      throw new ParamError(`Bad argument \`${arg}'`, true);
    }

    for (const { opt, value } of handled) {
      switch (opt) {
        case 'A':
        case 'C':
          addCommand(opt, 0);
          chain = value;
          break;
        case 'D':
          addCommand('D', 0);
          chain = value;
          if (hasArg(i)) {
            rulenum = ruleNumber(argv[i++]!);
            cmdMask = bit('DN');
          }
          break;
        case 'R':
          addCommand('R', 0);
          chain = value;
          if (!hasArg(i)) throw new ParamError('-R requires a rule number');
          rulenum = ruleNumber(argv[i++]!);
          break;
        case 'I':
          addCommand('I', 0);
          chain = value;
          rulenum = hasArg(i) ? ruleNumber(argv[i++]!) : 1;
          break;
        case 'L':
        case 'S':
          addCommand(opt, bit('Z') | bit('ZN'));
          if (value !== undefined) chain = value;
          else if (hasArg(i)) chain = argv[i++]!;
          if (hasArg(i)) rulenum = ruleNumber(argv[i++]!);
          break;
        case 'F':
        case 'X':
          addCommand(opt, 0);
          if (value !== undefined) chain = value;
          else if (hasArg(i)) chain = argv[i++]!;
          break;
        case 'Z':
          addCommand('Z', bit('L') | bit('S'));
          if (value !== undefined) chain = value;
          else if (hasArg(i)) chain = argv[i++]!;
          if (hasArg(i)) {
            rulenum = ruleNumber(argv[i++]!);
            cmdMask = (cmdMask & ~bit('Z')) | bit('ZN');
          }
          break;
        case 'N':
          validChainName(value!);
          addCommand('N', 0);
          chain = value;
          break;
        case 'E':
          addCommand('E', 0);
          chain = value;
          if (!hasArg(i)) throw new ParamError('-E requires old-chain-name and new-chain-name');
          newname = argv[i++]!;
          break;
        case 'P':
          addCommand('P', 0);
          chain = value;
          if (!hasArg(i)) throw new ParamError('-P requires a chain and a policy');
          policy = argv[i++]!;
          break;
        case 'h':
          throw new NotModelled('ip6tables -h');
        case 'p': {
          setOption('p', true);
          protoText = value!.toLowerCase();
          protoNum = resolveProtocol(protoText);
          if (protoNum === 0 && invert) throw new ParamError('rule would never match protocol');
          rule.proto = invert ? { num: protoNum, invert } : { num: protoNum };
          if ([43, 44, 51, 60].includes(protoNum) && !invert) {
            warnings.push(`Warning: never matched protocol: ${protoText}. use extension match instead.`);
          }
          break;
        }
        case 's':
          setOption('s', true);
          srcText = value;
          srcInvert = invert;
          break;
        case 'd':
          setOption('d', true);
          dstText = value;
          dstInvert = invert;
          break;
        case 'g':
          setOption('j', false);
          gotoSet = true;
          jumpName = parseTargetName(value!);
          break;
        case 'j':
          setOption('j', false);
          jumpName = parseTargetName(value!);
          target = loadTarget(jumpName);
          break;
        case 'i':
        case 'o':
          if (value === '') throw new ParamError('Empty interface is likely to be undesired');
          setOption(opt, true);
          if (opt === 'i') rule.inIface = parseIface(value!, invert);
          else rule.outIface = parseIface(value!, invert);
          break;
        case 'f':
          throw new ParamError("`-f' is not supported in IPv6, use -m frag instead");
        case 'v':
          if (!verbose) setOption('v', false);
          verbose = true;
          break;
        case 'm':
          if (invert) throw new ParamError('unexpected ! flag before --match');
          matches.push(loadMatch(value!));
          break;
        case 'n':
          setOption('n', false);
          break;
        case 't':
          if (invert) throw new ParamError('unexpected ! flag before --table');
          if (restore && tableSet) throw new ParamError('The -t option cannot be used in ip6tables-restore.\n');
          table = value!;
          tableSet = true;
          break;
        case 'x':
          setOption('x', false);
          break;
        case 'V':
          version = true;
          break;
        case 'w':
        case 'W':
          if (restore) throw new ParamError(`You cannot use \`-${opt}' from iptables-restore`);
          // The xtables lock: one process at a time anyway here, so waiting changes nothing.
          if (value === undefined && hasArg(i)) i++;
          break;
        case '0':
          setOption('0', false);
          break;
        case 'M':
          break;
        case 'c': {
          setOption('c', false);
          const p = value!;
          const comma = p.indexOf(',', 1);
          let b: string | undefined = comma >= 0 ? p.slice(comma + 1) : undefined;
          if (b === undefined && hasArg(i)) b = argv[i++]!;
          if (b === undefined) throw new ParamError('-c requires packet and byte counter');
          const pc = /^\s*\+?[0-9]+/.exec(p)?.[0];
          const bc = /^\s*\+?[0-9]+/.exec(b)?.[0];
          if (pc === undefined) throw new ParamError('-c packet counter not numeric');
          if (bc === undefined) throw new ParamError('-c byte counter not numeric');
          counters = { packets: Number(pc), bytes: Number(bc) };
          break;
        }
        case '4':
          if (restore) throw new NotModelled('ip6tables-restore -4 lines');
          throw new ParamError('', true);
        case '6':
          break;
        case 'l':
          throw new ParamError(`unknown option "-l"`);
      }
      invert = false;
    }
    if (version) break;
  }
  if (version) {
    return {
      commands: [],
      table,
      rulenum: 0,
      verbose: false,
      numeric: false,
      expanded: false,
      lineNumbers: false,
      version: true,
      warnings,
    };
  }

  const finished = matches.map((m) => m.finish() as Match);
  const tgt = target?.finish() as Target | undefined;
  if (cmdMask === 0) throw new ParamError('no command specified');
  if (invert) throw new ParamError('nothing appropriate following !');

  const commands = CMD_BITS.filter((c) => cmdMask & bit(c));
  const isRuleCmd = commands.some((c) => c === 'A' || c === 'C' || c === 'D' || c === 'I' || c === 'R');
  if (isRuleCmd) {
    if (srcText !== undefined) rule.src = { ...parseHostMask(srcText), ...(srcInvert ? { invert: true } : {}) };
    else delete rule.src;
    if (dstText !== undefined) rule.dst = { ...parseHostMask(dstText), ...(dstInvert ? { invert: true } : {}) };
  }

  // generic_opt_check: an option is illegal when every given command forbids it.
  for (let o = 0; o < OPT_CHARS.length; o++) {
    if (!(options & (1 << o))) continue;
    const legal = commands.some((c) => LEGAL[c][o] !== 'x');
    if (!legal) throw new ParamError(`Illegal option \`-${OPT_CHARS[o]}' with this command`);
  }
  if (chain !== undefined && chain.length >= 29) throw new ParamError(`chain name \`${chain}' too long (must be under 29 chars)`);
  if (isRuleCmd || commands.includes('DN')) {
    if ((chain === 'PREROUTING' || chain === 'INPUT') && rule.outIface) throw new ParamError(`Can't use -o with ${chain}\n`);
    if ((chain === 'POSTROUTING' || chain === 'OUTPUT') && rule.inIface) throw new ParamError(`Can't use -i with ${chain}\n`);
  }

  const has = (o: OptChar) => !!(options & (1 << OPT_CHARS.indexOf(o)));
  return {
    commands,
    table,
    chain,
    rulenum,
    newname,
    policy,
    verbose,
    numeric: has('n'),
    expanded: has('x'),
    lineNumbers: has('0'),
    counters,
    rule: isRuleCmd ? { ...rule, matches: finished } : undefined,
    jump: isRuleCmd ? { name: jumpName ?? '', goto: gotoSet, target: tgt } : undefined,
    version: false,
    warnings,
  };
}
