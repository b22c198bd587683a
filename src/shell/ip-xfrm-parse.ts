/** The argv grammar of `ip xfrm` as iproute2 6.1 reads it: cursor moves, number and address parsing, ID, selector, mode, mark and limit words, and the exact refusal texts (iproute2: ip/ipxfrm.c, lib/utils.c get_prefix, get_u32, matches, invarg). */

import { parseIpv6Address } from '../wire/ipv6-address.js';
import type { XfrmIdProto, XfrmMode } from '../xfrm/policy.js';
import type { XfrmFamily } from '../xfrm/selector.js';

/**
 * What `exit()` does inside iproute2: the command stops with this text on stderr and this status.
 * Thrown only inside the parser and caught by ipXfrm(); never escapes it.
 */
export class IpExit extends Error {
  constructor(
    readonly stderr: string,
    readonly exitCode: number,
  ) {
    super(stderr);
    this.name = 'IpExit';
  }
}

/** exit(-1) as the shell sees it. */
export const EXIT_USAGE = 255;

export function die(stderr: string, exitCode: number): never {
  throw new IpExit(stderr, exitCode);
}

export function invarg(msg: string, arg: string): never {
  die(`Error: argument "${arg}" is wrong: ${msg}\n`, EXIT_USAGE);
}

export function missarg(key: string): never {
  die(`Error: argument "${key}" is required\n`, EXIT_USAGE);
}

export function duparg(key: string, arg: string): never {
  die(`Error: duplicate "${key}": "${arg}" is the second value.\n`, EXIT_USAGE);
}

export function incompleteCommand(): never {
  die('Command line is not complete. Try option "help"\n', EXIT_USAGE);
}

/**
 * iproute2's (argc, argv) pair over the whole command line: `i` indexes the current word, and
 * moving back before the first word of a subcommand is allowed, as PREV_ARG allows it.
 */
export class Args {
  constructor(
    readonly argv: readonly string[],
    public i: number,
  ) {}

  get argc(): number {
    return this.argv.length - this.i;
  }

  cur(): string {
    return this.argv[this.i] ?? '';
  }

  /** NEXT_ARG. */
  next(): void {
    this.i++;
    if (this.argc <= 0) incompleteCommand();
  }

  /** NEXT_ARG_OK. */
  nextOk(): boolean {
    return this.argc - 1 > 0;
  }

  /** PREV_ARG. */
  prev(): void {
    this.i--;
  }

  /** The `argc--; argv++` closing each round of a command's main loop. */
  step(): void {
    this.i++;
  }
}

/** matches(): true when `word` is a non-empty prefix of `keyword`. */
export function matches(word: string, keyword: string): boolean {
  return word.length > 0 && keyword.startsWith(word);
}

const U64_MAX = (1n << 64n) - 1n;

/**
 * glibc strtoull: leading white space, a sign, base detection for base 0 (0x hex, 0 octal).
 * Returns the value (negatives wrap modulo 2^64, overflow saturates) and how much was read.
 */
function strtoull(text: string, base: number): { value: bigint; end: number; range: boolean } {
  let i = 0;
  while (i < text.length && /[ \t\n\v\f\r]/.test(text[i]!)) i++;
  let neg = false;
  if (text[i] === '+' || text[i] === '-') {
    neg = text[i] === '-';
    i++;
  }
  let b = base;
  const hexPrefix = (text[i] === '0' && (text[i + 1] === 'x' || text[i + 1] === 'X') && /[0-9a-fA-F]/.test(text[i + 2] ?? '')) as boolean;
  if ((b === 0 || b === 16) && hexPrefix) {
    b = 16;
    i += 2;
  } else if (b === 0) {
    b = text[i] === '0' ? 8 : 10;
  }
  const start = i;
  let value = 0n;
  let range = false;
  for (; i < text.length; i++) {
    const d = Number.parseInt(text[i]!, 36);
    if (Number.isNaN(d) || d >= b) break;
    value = value * BigInt(b) + BigInt(d);
    if (value > U64_MAX) range = true;
  }
  if (i === start) return { value: 0n, end: 0, range: false };
  if (range) return { value: U64_MAX, end: i, range: true };
  return { value: neg && value !== 0n ? (1n << 64n) - value : value, end: i, range: false };
}

/** get_u64/get_u32/get_u16/get_u8/get_unsigned: the whole word a number no wider than `bits`. */
export function getUnsigned(text: string, bits: 8 | 16 | 32 | 64, base = 0): bigint | undefined {
  if (text.length === 0) return undefined;
  const r = strtoull(text, base);
  if (r.end === 0 || r.end !== text.length || r.range) return undefined;
  if (r.value > (1n << BigInt(bits)) - 1n) return undefined;
  return r.value;
}

export function getU32(text: string): number | undefined {
  const v = getUnsigned(text, 32);
  return v === undefined ? undefined : Number(v);
}

export function getU16(text: string): number | undefined {
  const v = getUnsigned(text, 16);
  return v === undefined ? undefined : Number(v);
}

export function getU8(text: string, base = 0): number | undefined {
  const v = getUnsigned(text, 8, base);
  return v === undefined ? undefined : Number(v);
}

/** `undefined` is AF_UNSPEC. */
export type Family = XfrmFamily | undefined;

export function familyBits(family: Family): number {
  return family === 'inet6' ? 128 : family === 'inet' ? 32 : 0;
}

/** inet_prefix as get_prefix fills it. `bitlen` is the prefix length. */
export interface InetPrefix {
  readonly family: Family;
  readonly addr: Uint8Array;
  readonly bitlen: number;
}

/** get_addr_ipv4: up to four numbers in C notation, dots between, the last one fills no more than its byte. */
function getAddrIpv4(text: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  let rest = text;
  for (let i = 0; i < 4; i++) {
    const r = strtoull(rest, 0);
    if (r.end === 0 || r.range || r.value > 255n) return undefined;
    out[i] = Number(r.value);
    const after = rest.slice(r.end);
    if (after === '') return out;
    if (i === 3 || after[0] !== '.') return undefined;
    rest = after.slice(1);
  }
  return out;
}

/** __get_addr_1 for the families xfrm uses; bitlen -1 = a plain address, -2 = default/any/all. */
function getAddr1(name: string, family: Family): { family: Family; addr: Uint8Array; bitlen: number } | undefined {
  if (name === 'default' || name === 'all' || name === 'any') return { family, addr: new Uint8Array(16), bitlen: -2 };
  if (name.includes(':')) {
    if (family !== undefined && family !== 'inet6') return undefined;
    const r = parseIpv6Address(name);
    return r.ok ? { family: 'inet6', addr: r.value, bitlen: -1 } : undefined;
  }
  if (family !== undefined && family !== 'inet') return undefined;
  const addr = getAddrIpv4(name);
  return addr ? { family: 'inet', addr, bitlen: -1 } : undefined;
}

/** mask2bits: a contiguous IPv4 netmask as a prefix length. */
function maskBits(addr: Uint8Array): number | undefined {
  const m = ((addr[0]! << 24) | (addr[1]! << 16) | (addr[2]! << 8) | addr[3]!) >>> 0;
  for (let bits = 0; bits <= 32; bits++) if (m === (bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0)) return bits;
  return undefined;
}

function getNetmask(text: string): number | undefined {
  const v = getUnsigned(text, 32);
  if (v !== undefined) return Number(v);
  const a = getAddr1(text, 'inet');
  return a && a.family === 'inet' && a.bitlen === -1 ? maskBits(a.addr) : undefined;
}

const FAMILY_NAME_VERBOSE = (family: Family) => family ?? 'any valid';

/** get_prefix: `ADDR[/PLEN]`, or exit(1) with iproute2's message. */
export function getPrefix(arg: string, family: Family): InetPrefix {
  const slash = arg.indexOf('/');
  const a = getAddr1(slash >= 0 ? arg.slice(0, slash) : arg, family);
  const fail = () => die(`Error: ${FAMILY_NAME_VERBOSE(family)} prefix is expected rather than "${arg}".\n`, 1);
  if (!a) return fail();
  let bitlen = familyBits(a.family);
  if (slash >= 0) {
    if (a.bitlen === -2) return fail();
    const plen = getNetmask(arg.slice(slash + 1));
    if (plen === undefined || plen > bitlen) return fail();
    bitlen = plen;
  } else if (a.bitlen === -2) {
    bitlen = 0;
  }
  return { family: a.family, addr: a.addr, bitlen };
}

/** get_addr: an address without prefix, or exit(1). */
export function getAddr(arg: string, family: Family): InetPrefix {
  const a = getAddr1(arg, family);
  if (!a) die(`Error: ${FAMILY_NAME_VERBOSE(family)} address is expected rather than "${arg}".\n`, 1);
  return { family: a.family, addr: a.addr, bitlen: a.bitlen === -2 ? 0 : familyBits(a.family) };
}

/** xfrmproto_types: exact names only. */
const XFRM_PROTOS: readonly (readonly [string, Exclude<XfrmIdProto, 0>, number])[] = [
  ['esp', 'esp', 50],
  ['ah', 'ah', 51],
  ['comp', 'comp', 108],
  ['route2', 'route2', 43],
  ['hao', 'hao', 60],
  ['ipsec-any', 'ipsec-any', 255],
];

export function xfrmProtoByName(name: string): Exclude<XfrmIdProto, 0> | undefined {
  return XFRM_PROTOS.find(([n]) => n === name)?.[1];
}

/** strxf_xfrmproto. */
export function xfrmProtoName(proto: XfrmIdProto): string {
  return proto === 0 ? '0' : proto;
}

export function isIpsecProto(proto: XfrmIdProto): boolean {
  return proto === 'esp' || proto === 'ah' || proto === 'comp';
}

export function isRoProto(proto: XfrmIdProto): boolean {
  return proto === 'route2' || proto === 'hao';
}

/** Debian netbase's /etc/protocols (name, number, aliases), which getprotobyname/getprotobynumber read. */
const ETC_PROTOCOLS: readonly (readonly [string, number, ...string[]])[] = [
  ['ip', 0, 'IP'],
  ['hopopt', 0, 'HOPOPT'],
  ['icmp', 1, 'ICMP'],
  ['igmp', 2, 'IGMP'],
  ['ggp', 3, 'GGP'],
  ['ipencap', 4, 'IP-ENCAP'],
  ['st', 5, 'ST'],
  ['tcp', 6, 'TCP'],
  ['egp', 8, 'EGP'],
  ['igp', 9, 'IGP'],
  ['pup', 12, 'PUP'],
  ['udp', 17, 'UDP'],
  ['hmp', 20, 'HMP'],
  ['xns-idp', 22, 'XNS-IDP'],
  ['rdp', 27, 'RDP'],
  ['iso-tp4', 29, 'ISO-TP4'],
  ['dccp', 33, 'DCCP'],
  ['xtp', 36, 'XTP'],
  ['ddp', 37, 'DDP'],
  ['idpr-cmtp', 38, 'IDPR-CMTP'],
  ['ipv6', 41, 'IPv6'],
  ['ipv6-route', 43, 'IPv6-Route'],
  ['ipv6-frag', 44, 'IPv6-Frag'],
  ['idrp', 45, 'IDRP'],
  ['rsvp', 46, 'RSVP'],
  ['gre', 47, 'GRE'],
  ['esp', 50, 'IPSEC-ESP'],
  ['ah', 51, 'IPSEC-AH'],
  ['skip', 57, 'SKIP'],
  ['ipv6-icmp', 58, 'IPv6-ICMP'],
  ['ipv6-nonxt', 59, 'IPv6-NoNxt'],
  ['ipv6-opts', 60, 'IPv6-Opts'],
  ['rspf', 73, 'RSPF', 'CPHB'],
  ['vmtp', 81, 'VMTP'],
  ['eigrp', 88, 'EIGRP'],
  ['ospf', 89, 'OSPFIGP'],
  ['ax.25', 93, 'AX.25'],
  ['ipip', 94, 'IPIP'],
  ['etherip', 97, 'ETHERIP'],
  ['encap', 98, 'ENCAP'],
  ['pim', 103, 'PIM'],
  ['ipcomp', 108, 'IPCOMP'],
  ['vrrp', 112, 'VRRP'],
  ['l2tp', 115, 'L2TP'],
  ['isis', 124, 'ISIS'],
  ['sctp', 132, 'SCTP'],
  ['fc', 133, 'FC'],
  ['mobility-header', 135, 'Mobility-Header'],
  ['udplite', 136, 'UDPLite'],
  ['mpls-in-ip', 137, 'MPLS-in-IP'],
  ['manet', 138],
  ['hip', 139, 'HIP'],
  ['shim6', 140, 'Shim6'],
  ['wesp', 141, 'WESP'],
  ['rohc', 142, 'ROHC'],
  ['ethernet', 143, 'Ethernet'],
];

export function getProtoByName(name: string): number | undefined {
  return ETC_PROTOCOLS.find(([n, , ...aliases]) => n === name || aliases.includes(name))?.[1];
}

/** strxf_proto: the first /etc/protocols name of the number, else the number. */
export function protoName(proto: number): string {
  return ETC_PROTOCOLS.find(([, n]) => n === proto)?.[0] ?? String(proto);
}

export const IPPROTO = { TCP: 6, UDP: 17, DCCP: 33, GRE: 47, ICMP: 1, ICMPV6: 58, SCTP: 132, MH: 135 } as const;

/** xfrm_mode_parse: the one xfrm word that takes abbreviations. */
export function parseMode(word: string): XfrmMode {
  if (matches(word, 'transport')) return 'transport';
  if (matches(word, 'tunnel')) return 'tunnel';
  if (matches(word, 'ro')) return 'ro';
  if (matches(word, 'in_trigger')) return 'in_trigger';
  if (matches(word, 'beet')) return 'beet';
  return invarg('MODE value is invalid', word);
}

/** Parser-wide state: iproute2's global preferred_family, which parsing itself changes. */
export interface ParseState {
  preferredFamily: Family;
}

/** struct xfrm_id + saddr as xfrm_id_parse fills them, with the prefix lengths the list filter uses. */
export interface XfrmIdWords {
  family: Family;
  saddr: Uint8Array;
  daddr: Uint8Array;
  proto: XfrmIdProto;
  spi: number;
  srcBits: number;
  dstBits: number;
  protoGiven: boolean;
  spiGiven: boolean;
}

export function emptyId(family: Family): XfrmIdWords {
  return {
    family,
    saddr: new Uint8Array(16),
    daddr: new Uint8Array(16),
    proto: 0,
    spi: 0,
    srcBits: 0,
    dstBits: 0,
    protoGiven: false,
    spiGiven: false,
  };
}

/** xfrm_id_parse: `src`, `dst`, `proto`, `spi` in any order, as one contiguous group. */
export function parseId(a: Args, st: ParseState, id: XfrmIdWords, loose: boolean): void {
  const start = a.argc;
  let src: InetPrefix | undefined;
  let dst: InetPrefix | undefined;
  for (;;) {
    const w = a.cur();
    if (w === 'src' || w === 'dst') {
      a.next();
      const p = getPrefix(a.cur(), st.preferredFamily);
      if (p.family === undefined) invarg(`value after "${w}" has an unrecognized address family`, a.cur());
      id.family = p.family;
      if (w === 'src') {
        src = p;
        id.saddr = p.addr;
        id.srcBits = p.bitlen;
      } else {
        dst = p;
        id.daddr = p.addr;
        id.dstBits = p.bitlen;
      }
    } else if (w === 'proto') {
      a.next();
      const p = xfrmProtoByName(a.cur());
      if (p === undefined) invarg('XFRM-PROTO value is invalid', a.cur());
      id.proto = p;
      id.protoGiven = true;
    } else if (w === 'spi') {
      a.next();
      const v = getU32(a.cur());
      if (v === undefined) invarg('SPI value is invalid', a.cur());
      id.spi = v;
      id.spiGiven = true;
    } else {
      a.prev();
      break;
    }
    if (!a.nextOk()) break;
    a.next();
  }
  if (src?.family && dst?.family && src.family !== dst.family)
    invarg('the same address family is required between values after "src" and "dst"', a.cur());
  if (id.spi && id.proto) {
    if (isRoProto(id.proto)) die(`"spi" is invalid with XFRM-PROTO value "${xfrmProtoName(id.proto)}"\n`, 1);
    if (id.proto === 'comp' && id.spi >= 0x10000) die(`SPI value is too large with XFRM-PROTO value "${xfrmProtoName(id.proto)}"\n`, 1);
  }
  if (!loose && id.proto === 0) missarg('XFRM-PROTO');
  if (a.argc === start) missarg('ID');
}

/** struct xfrm_selector as xfrm_selector_parse fills it; ports in host order, with the filter's masks. */
export interface SelectorWords {
  family: Family;
  src: Uint8Array;
  dst: Uint8Array;
  prefixlenS: number;
  prefixlenD: number;
  proto: number;
  sport: number;
  sportMask: number;
  dport: number;
  dportMask: number;
  ifindex: number;
  /** Which UPSPEC words were given (the list filters compare only those). */
  protoGiven: boolean;
  sportGiven: boolean;
  dportGiven: boolean;
  devGiven: boolean;
}

export function emptySelector(family: Family): SelectorWords {
  return {
    family,
    src: new Uint8Array(16),
    dst: new Uint8Array(16),
    prefixlenS: 0,
    prefixlenD: 0,
    proto: 0,
    sport: 0,
    sportMask: 0,
    dport: 0,
    dportMask: 0,
    ifindex: 0,
    protoGiven: false,
    sportGiven: false,
    dportGiven: false,
    devGiven: false,
  };
}

/** xfrm_selector_upspec_parse: proto, ports, ICMP type/code, GRE key, then the proto/word checks. */
function parseUpspec(a: Args, sel: SelectorWords): void {
  const start = a.argc;
  let ports = false;
  let typeCode = false;
  let grekey = false;
  for (;;) {
    const w = a.cur();
    if (w === 'proto') {
      a.next();
      const name = a.cur();
      let p: number | undefined = name === 'any' ? 0 : getProtoByName(name);
      if (p === undefined) {
        p = getU8(name);
        if (p === undefined) invarg('PROTO value is invalid', name);
      }
      sel.proto = p;
      sel.protoGiven = true;
    } else if (w === 'sport' || w === 'dport') {
      ports = true;
      a.next();
      const v = getU16(a.cur());
      if (v === undefined) invarg(`value after "${w}" is invalid`, a.cur());
      if (w === 'sport') {
        sel.sportGiven = true;
        sel.sport = v;
        if (v) sel.sportMask = 0xffff;
      } else {
        sel.dportGiven = true;
        sel.dport = v;
        if (v) sel.dportMask = 0xffff;
      }
    } else if (w === 'type' || w === 'code') {
      typeCode = true;
      a.next();
      const v = getU16(a.cur());
      if (v === undefined || v > 0xff) invarg(`value after "${w}" is invalid`, a.cur());
      if (w === 'type') {
        sel.sportGiven = true;
        sel.sport = v;
        sel.sportMask = 0xffff;
      } else {
        sel.dportGiven = true;
        sel.dport = v;
        sel.dportMask = 0xffff;
      }
    } else if (w === 'key') {
      grekey = true;
      a.next();
      const text = a.cur();
      let key: number;
      if (text.includes('.')) {
        const addr = getAddr(text, 'inet').addr;
        key = ((addr[0]! << 24) | (addr[1]! << 16) | (addr[2]! << 8) | addr[3]!) >>> 0;
      } else {
        const v = getU32(text);
        if (v === undefined) die('value after "key" is invalid\n', EXIT_USAGE);
        key = v;
      }
      // iproute2 marks only the dport half for its list filter.
      sel.dportGiven = true;
      sel.sport = key >>> 16;
      sel.dport = key & 0xffff;
      sel.sportMask = 0xffff;
      sel.dportMask = 0xffff;
    } else {
      a.prev();
      break;
    }
    if (!a.nextOk()) break;
    a.next();
  }
  if (a.argc === start) missarg('UPSPEC');
  if (ports && ![IPPROTO.TCP, IPPROTO.UDP, IPPROTO.SCTP, IPPROTO.DCCP, 0].includes(sel.proto as 0))
    die(`"sport" and "dport" are invalid with PROTO value "${protoName(sel.proto)}"\n`, 1);
  if (typeCode && ![IPPROTO.ICMP, IPPROTO.ICMPV6, IPPROTO.MH].includes(sel.proto as 1))
    die(`"type" and "code" are invalid with PROTO value "${protoName(sel.proto)}"\n`, 1);
  if (grekey && sel.proto !== IPPROTO.GRE) die(`"key" is invalid with PROTO value "${protoName(sel.proto)}"\n`, 1);
}

/**
 * xfrm_selector_parse: `src`, `dst`, `dev` and one UPSPEC group. The first unknown word is handed
 * to the UPSPEC parser, the second ends the selector: the reason a selector must be contiguous.
 */
export function parseSelector(a: Args, st: ParseState, sel: SelectorWords, devIndex: (name: string) => number | undefined): void {
  const start = a.argc;
  let src: InetPrefix | undefined;
  let dst: InetPrefix | undefined;
  let upspec = false;
  for (;;) {
    const w = a.cur();
    if (w === 'src' || w === 'dst') {
      a.next();
      const p = getPrefix(a.cur(), st.preferredFamily);
      if (p.family === undefined) invarg(`value after "${w}" has an unrecognized address family`, a.cur());
      sel.family = p.family;
      if (w === 'src') {
        src = p;
        sel.src = p.addr;
        sel.prefixlenS = p.bitlen;
      } else {
        dst = p;
        sel.dst = p.addr;
        sel.prefixlenD = p.bitlen;
      }
    } else if (w === 'dev') {
      a.next();
      const name = a.cur();
      const ifindex = name === 'none' ? 0 : devIndex(name);
      if (ifindex === undefined || (name !== 'none' && ifindex <= 0)) invarg('DEV value is invalid', name);
      sel.ifindex = ifindex;
      sel.devGiven = true;
    } else if (upspec) {
      a.prev();
      break;
    } else {
      upspec = true;
      parseUpspec(a, sel);
    }
    if (!a.nextOk()) break;
    a.next();
  }
  if (src?.family && dst?.family && src.family !== dst.family)
    invarg('the same address family is required between values after "src" and "dst"', a.cur());
  if (a.argc === start) missarg('SELECTOR');
}

/** xfrm_parse_mark: `mark V [mask M]`; without mask the mask is all ones. Starts on the word `mark`. */
export function parseMark(a: Args): { v: number; m: number } {
  a.next();
  const v = getU32(a.cur());
  if (v === undefined) invarg('MARK value is invalid\n', a.cur());
  if (a.argc <= 1) return { v, m: 0xffffffff };
  a.next();
  if (a.cur() === 'mask') {
    a.next();
    const m = getU32(a.cur());
    if (m === undefined) invarg('MASK value is invalid\n', a.cur());
    return { v, m };
  }
  a.prev();
  return { v, m: 0xffffffff };
}

/** The words of `limit LIMIT` and the lifetime field each sets. */
export const LIMIT_WORDS = {
  'time-soft': 'softAddExpiresSeconds',
  'time-hard': 'hardAddExpiresSeconds',
  'time-use-soft': 'softUseExpiresSeconds',
  'time-use-hard': 'hardUseExpiresSeconds',
  'byte-soft': 'softByteLimit',
  'byte-hard': 'hardByteLimit',
  'packet-soft': 'softPacketLimit',
  'packet-hard': 'hardPacketLimit',
} as const;

export type LimitField = (typeof LIMIT_WORDS)[keyof typeof LIMIT_WORDS];

/** xfrm_lifetime_cfg_parse: one LIMIT after `limit` (the cursor is on it). */
export function parseLimit(a: Args): { field: LimitField; value: bigint } {
  const w = a.cur();
  const field = (LIMIT_WORDS as Record<string, LimitField>)[w];
  if (field === undefined || !Object.hasOwn(LIMIT_WORDS, w)) invarg('LIMIT value is invalid', w);
  a.next();
  const value = getUnsigned(a.cur(), 64);
  if (value === undefined) invarg(`value after "${w}" is invalid`, a.cur());
  return { field, value };
}
