/** pcap-filter expressions compiled to a predicate over one Ethernet frame, as libpcap 1.10.3 compiles them for tcpdump 4.99.3 (libpcap: grammar.y, gencode.c, scanner.l). */

import { parseIpv6Address } from '../wire/ipv6-address.js';

export type CompiledFilter =
  | {
      readonly ok: true;
      readonly match: (frame: Uint8Array) => boolean;
      /**
       * As match, but 'out-of-bounds' where the program read past the end of the frame. match
       * then says false, which is what the unoptimized program (`tcpdump -O`) answers; tcpdump's
       * optimizer may reorder the tests so that the read never happens and the frame matches.
       */
      readonly test: (frame: Uint8Array) => boolean | 'out-of-bounds';
    }
  | {
      readonly ok: false;
      /** tcpdump's message after "tcpdump: ", or our not-modelled notice. */
      readonly error: string;
      /** Set when the expression may be valid but uses something we do not model (the part named). */
      readonly notModelled?: string;
    };

/**
 * Compiles the words after tcpdump's options (joined with spaces, as tcpdump's copy_argv does).
 * A frame matches as the unoptimized BPF program would: a load past the end of the frame rejects
 * the frame outright, whatever the rest of the expression says.
 */
export function compileFilter(expr: readonly string[]): CompiledFilter {
  try {
    const tokens = lex(expr.join(' '));
    if (tokens.length === 0) return { ok: true, match: () => true, test: () => true };
    const pred = new Parser(tokens).program();
    const test = (frame: Uint8Array): boolean | 'out-of-bounds' => {
      try {
        return pred(frame);
      } catch (e) {
        if (e === OUT_OF_BOUNDS) return 'out-of-bounds';
        throw e;
      }
    };
    return { ok: true, match: (frame) => test(frame) === true, test };
  } catch (e) {
    if (e instanceof FilterError) return { ok: false, error: e.message };
    if (e instanceof FilterNotModelled) return { ok: false, error: `xfrmsim: tcpdump filter ${e.what}: not modelled`, notModelled: e.what };
    throw e;
  }
}

class FilterError extends Error {}
class FilterNotModelled extends Error {
  constructor(readonly what: string) {
    super(what);
  }
}
const OUT_OF_BOUNDS = Symbol('bpf load out of bounds');

/** What bison reports for a token sequence the grammar refuses. */
const YACC_SYNTAX = "can't parse filter expression: syntax error";
/** gencode.c syntax(): a qualifier-less number or IPv4 address after a protocol abbreviation. */
const GEN_SYNTAX = 'syntax error in filter expression';

function bpfError(message: string): never {
  throw new FilterError(message);
}
function unmodelled(what: string): never {
  throw new FilterNotModelled(what);
}

// ---- frame access: BPF absolute loads relative to the link-layer header ----

type Pred = (f: Uint8Array) => boolean;

const ETH_PAYLOAD = 14;
const ETHERTYPE_IP = 0x0800;
const ETHERTYPE_ARP = 0x0806;
const ETHERTYPE_REVARP = 0x8035;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERMTU = 1500;
const IPPROTO_ICMP = 1;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_FRAGMENT = 44;
const IPPROTO_ESP = 50;
const IPPROTO_AH = 51;
const IPPROTO_ICMPV6 = 58;
const IPPROTO_SCTP = 132;

function ldb(f: Uint8Array, off: number): number {
  const v = f[off];
  if (v === undefined) throw OUT_OF_BOUNDS;
  return v;
}
function ldh(f: Uint8Array, off: number): number {
  return (ldb(f, off) << 8) | ldb(f, off + 1);
}
function ldw(f: Uint8Array, off: number): number {
  // BPF checks the whole word before loading; reading its last byte first gives the same verdict.
  ldb(f, off + 3);
  return ldh(f, off) * 0x10000 + ldh(f, off + 2);
}

const and =
  (a: Pred, b: Pred): Pred =>
  (f) =>
    a(f) && b(f);
const or =
  (a: Pred, b: Pred): Pred =>
  (f) =>
    a(f) || b(f);
const not =
  (a: Pred): Pred =>
  (f) =>
    !a(f);

/** gen_linktype on DLT_EN10MB for an EtherType (values above ETHERMTU only). */
function linktype(type: number): Pred {
  if (type <= ETHERMTU) unmodelled(`'ether proto ${type}' (802.2 LLC)`);
  return (f) => ldh(f, 12) === type;
}

// ---- qualifiers (grammar.y struct qual) ----

type Proto = 'link' | 'ip' | 'ip6' | 'arp' | 'rarp' | 'tcp' | 'udp' | 'sctp' | 'icmp' | 'icmp6' | 'ah' | 'esp';
type Dir = 'src' | 'dst' | 'or' | 'and';
type Addr = 'host' | 'net' | 'port' | 'portrange' | 'proto' | 'protochain' | 'gateway';
interface Qual {
  readonly proto: Proto | 'default' | 'undef';
  readonly dir: Dir | 'default' | 'undef';
  readonly addr: Addr | 'default' | 'undef';
}
const QERR: Qual = { proto: 'undef', dir: 'undef', addr: 'undef' };

const PNAMES: Record<string, Proto> = {
  ether: 'link',
  link: 'link',
  ppp: 'link',
  slip: 'link',
  fddi: 'link',
  tr: 'link',
  wlan: 'link',
  ip: 'ip',
  ip6: 'ip6',
  arp: 'arp',
  rarp: 'rarp',
  tcp: 'tcp',
  udp: 'udp',
  sctp: 'sctp',
  icmp: 'icmp',
  icmp6: 'icmp6',
  ah: 'ah',
  esp: 'esp',
};

/** Words of scanner.l we do not model: tcpdump knows them, so "syntax error" would be wrong. */
const UNMODELLED_KEYWORDS = new Set(
  (
    'portrange protochain gateway broadcast multicast less greater len vlan mpls pppoed pppoes geneve inbound outbound ' +
    'ifindex igmp igrp pim vrrp carp atalk aarp decnet lat sca moprc mopdl iso esis es-is isis is-is l1 l2 iih lsp snp ' +
    'csnp psnp clnp stp ipx netbeui radio mask byte llc lane metac bcc oam oamf4 oamf4ec oamf4sc sc ilmic connectmsg ' +
    'metaconnect fisu lssu msu hfisu hlssu hmsu sio opc dpc sls hsio hopc hdpc hsls addr1 addr2 addr3 addr4 address1 ' +
    'address2 address3 address4 ra ta type subtype dir action reason rnr rulenum srnr subrulenum ruleset on ifname vpi vci'
  ).split(' '),
);

// ---- scanner ----

type Tok =
  | { readonly t: '(' | ')' | '!' | '/' | 'and' | 'or' | 'eof' }
  | { readonly t: 'kw'; readonly w: string }
  | { readonly t: 'num'; readonly v: number }
  | { readonly t: 'hid'; readonly s: string }
  | { readonly t: 'hid6'; readonly s: string; readonly addr: Uint8Array }
  | { readonly t: 'eid'; readonly mac: Uint8Array }
  | { readonly t: 'id'; readonly s: string };

const KEYWORDS = new Set(['host', 'net', 'port', 'proto', 'src', 'dst', ...Object.keys(PNAMES)]);

function lex(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n') {
      i++;
    } else if (c === '(' || c === ')' || c === '!' || c === '/') {
      // `!=` is a relational operator of the arithmetic grammar.
      if (c === '!' && text[i + 1] === '=') unmodelled("arithmetic ('!=')");
      out.push({ t: c });
      i++;
    } else if (text.startsWith('&&', i)) {
      out.push({ t: 'and' });
      i += 2;
    } else if (text.startsWith('||', i)) {
      out.push({ t: 'or' });
      i += 2;
    } else if (/[A-Za-z0-9_.:-]/.test(c)) {
      let j = i;
      while (j < text.length && /[A-Za-z0-9_.:-]/.test(text[j]!)) j++;
      out.push(classify(text.slice(i, j)));
      i = j;
    } else {
      unmodelled(`arithmetic or operator '${c}'`);
    }
  }
  return out;
}

/** scanner.l stou: decimal, 0x hex or 0 octal, refused past 32 bits, each in libpcap's words. */
function stou(w: string): number {
  const overflow = () => bpfError(`number ${w} overflows 32 bits`);
  let n = 0;
  if (/^0[xX]/.test(w)) {
    for (const c of w.slice(2)) {
      if (n > 0xfffffff) overflow();
      n = n * 16 + Number.parseInt(c, 16);
    }
  } else if (w.startsWith('0')) {
    for (const c of w.slice(1)) {
      if (c > '7') bpfError(`number ${w} contains non-octal digit`);
      if (n > 0o3777777777) overflow();
      n = n * 8 + Number(c);
    }
  } else {
    for (const c of w) {
      const d = Number(c);
      if (n > Math.floor(0xffffffff / 10) || (n === Math.floor(0xffffffff / 10) && d > 0xffffffff % 10)) overflow();
      n = n * 10 + d;
    }
  }
  return n;
}

/**
 * scanner.l MAC: six 1-2 digit groups joined by ':', '-' or '.', three 4-digit groups joined by
 * '.', or 12 digits in a row; the rule comes before {N}, so twelve decimal digits are a MAC too.
 */
function parseEid(w: string): Uint8Array | undefined {
  let hex: string;
  const six =
    /^([0-9A-Fa-f]{1,2})([:.-])([0-9A-Fa-f]{1,2})\2([0-9A-Fa-f]{1,2})\2([0-9A-Fa-f]{1,2})\2([0-9A-Fa-f]{1,2})\2([0-9A-Fa-f]{1,2})$/.exec(w);
  if (six) hex = [1, 3, 4, 5, 6, 7].map((i) => six[i]!.padStart(2, '0')).join('');
  else if (/^[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}$/.test(w)) hex = w.replaceAll('.', '');
  else if (/^[0-9A-Fa-f]{12}$/.test(w)) hex = w;
  else return undefined;
  return Uint8Array.from({ length: 6 }, (_, i) => Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16));
}

function classify(w: string): Tok {
  // Keywords are case-sensitive in scanner.l: "AND" or "ICMP6" is a name.
  if (w === 'and') return { t: 'and' };
  if (w === 'or') return { t: 'or' };
  if (w === 'not') return { t: '!' };
  if (KEYWORDS.has(w)) return { t: 'kw', w };
  if (UNMODELLED_KEYWORDS.has(w)) unmodelled(`'${w}'`);
  const mac = parseEid(w);
  if (mac) return { t: 'eid', mac };
  if (/^([0-9]+|0[xX][0-9A-Fa-f]+)$/.test(w)) return { t: 'num', v: stou(w) };
  if (/^[0-9]+(\.[0-9]+){1,3}$/.test(w)) return { t: 'hid', s: w };
  if (w.includes(':')) {
    const a = parseIpv6Address(w);
    if (a.ok) return { t: 'hid6', s: w, addr: a.value };
  }
  return { t: 'id', s: w };
}

// ---- parser: grammar.y, by recursive descent; `ctx` is bison's $<blk>0 (the qualifiers inherited) ----

interface Node {
  readonly pred: Pred;
  readonly q: Qual;
}

class Parser {
  private pos = 0;
  constructor(private readonly toks: readonly Tok[]) {}

  private peek(k = 0): Tok {
    return this.toks[this.pos + k] ?? { t: 'eof' };
  }
  private next(): Tok {
    const t = this.peek();
    this.pos++;
    return t;
  }
  private isKw(t: Tok, ...ws: string[]): boolean {
    return t.t === 'kw' && ws.includes(t.w);
  }

  program(): Pred {
    const e = this.expr(QERR);
    if (this.peek().t !== 'eof') this.syntax();
    return e.pred;
  }

  /** No rule of the grammar starts with a name, so a name out of an id's place is a syntax error too. */
  private syntax(): never {
    bpfError(YACC_SYNTAX);
  }

  /** expr: term | expr and term | expr and id | expr or term | expr or id */
  private expr(ctx: Qual): Node {
    let left = this.term(ctx);
    for (;;) {
      const op = this.peek().t;
      if (op !== 'and' && op !== 'or') return left;
      this.next();
      const right = this.startsId() ? this.id(left.q) : this.term(left.q);
      left = { pred: op === 'and' ? and(left.pred, right.pred) : or(left.pred, right.pred), q: right.q };
    }
  }

  /** Whether the next tokens are an `id` (bison decides on the first token after any `!` and `(`). */
  private startsId(): boolean {
    let k = 0;
    for (;;) {
      const t = this.peek(k);
      if (t.t === '!' || t.t === '(') k++;
      else return t.t === 'num' || t.t === 'hid' || t.t === 'hid6' || t.t === 'eid' || t.t === 'id';
    }
  }

  /** term: rterm | not term */
  private term(ctx: Qual): Node {
    const t = this.peek();
    if (t.t === '!') {
      this.next();
      const inner = this.term(ctx);
      return { pred: not(inner.pred), q: inner.q };
    }
    if (t.t === '(') {
      this.next();
      const e = this.expr(ctx);
      if (this.next().t !== ')') {
        this.pos--;
        this.syntax();
      }
      return { pred: e.pred, q: ctx };
    }
    if (t.t === 'kw') {
      const pname = PNAMES[t.w];
      if (pname !== undefined) {
        this.next();
        const n = this.peek();
        if (this.isKw(n, 'src', 'dst', 'host', 'net', 'port', 'proto')) return this.head(pname);
        // bison sees the token after the name before reducing it to a term, so a token that cannot
        // follow a term is a syntax error before protoAbbrev can complain ("ether fe80::1").
        if (n.t !== 'and' && n.t !== 'or' && n.t !== ')' && n.t !== 'eof') this.syntax();
        return { pred: protoAbbrev(pname), q: QERR };
      }
      return this.head('default');
    }
    this.syntax();
  }

  /** head id: pqual [dqual] [aqual | proto] id */
  private head(proto: Proto | 'default'): Node {
    let dir: Qual['dir'] = 'default';
    let addr: Qual['addr'] = 'default';
    const t = this.peek();
    if (this.isKw(t, 'src', 'dst')) {
      this.next();
      const first = t.t === 'kw' ? t.w : '';
      const op = this.peek();
      const other = this.peek(1);
      if ((op.t === 'and' || op.t === 'or') && this.isKw(other, first === 'src' ? 'dst' : 'src')) {
        this.pos += 2;
        dir = op.t;
      } else {
        dir = first as Dir;
      }
      const a = this.peek();
      if (this.isKw(a, 'host', 'net', 'port')) {
        this.next();
        addr = (a as { w: Addr }).w;
      }
    } else if (this.isKw(t, 'host', 'net', 'port', 'proto')) {
      this.next();
      addr = (t as { w: Addr }).w;
    } else {
      this.syntax();
    }
    return this.id({ proto, dir, addr });
  }

  /** id: nid | pnum | paren pid ')' ; nid: ID | HID [/NUM] | HID6 [/NUM] | EID | not id */
  private id(ctx: Qual): Node {
    const t = this.next();
    switch (t.t) {
      case '!': {
        const inner = this.id(ctx);
        return { pred: not(inner.pred), q: inner.q };
      }
      case '(': {
        const inner = this.pid(ctx);
        if (this.next().t !== ')') {
          this.pos--;
          this.syntax();
        }
        return inner;
      }
      case 'num':
        return { pred: genNcode(undefined, t.v, ctx), q: ctx };
      case 'hid': {
        if (this.peek().t === '/') unmodelled(`IPv4 network '${t.s}/...'`);
        if (ctx.addr === 'port' || ctx.addr === 'portrange' || ctx.addr === 'proto' || ctx.addr === 'protochain') {
          bpfError(`'${ctx.addr}' modifier applied to ip host`);
        }
        return { pred: genNcode(t.s, 0, ctx), q: ctx };
      }
      case 'hid6': {
        let masklen = 128;
        if (this.peek().t === '/') {
          this.next();
          const n = this.next();
          if (n.t !== 'num') {
            this.pos--;
            this.syntax();
          }
          masklen = n.v;
        }
        return { pred: genMcode6(t.s, t.addr, masklen, ctx), q: ctx };
      }
      case 'eid':
        return { pred: genEcode(t.mac, ctx), q: ctx };
      case 'id':
        return unmodelled(`name '${t.s}' (host, port and protocol names are not resolved)`);
      default:
        this.pos--;
        this.syntax();
    }
  }

  /** pid: nid | qid and id | qid or id ; qid: pnum | pid (inside a parenthesis opened as an id) */
  private pid(ctx: Qual): Node {
    let left = this.id(ctx);
    for (;;) {
      const op = this.peek().t;
      if (op !== 'and' && op !== 'or') return left;
      this.next();
      if (!this.startsId()) this.syntax();
      const right = this.id(left.q);
      left = { pred: op === 'and' ? and(left.pred, right.pred) : or(left.pred, right.pred), q: right.q };
    }
  }
}

// ---- code generation: gencode.c, one function per gen_* we model ----

/** gen_proto_abbrev_internal: a protocol name on its own. */
function protoAbbrev(p: Proto): Pred {
  switch (p) {
    case 'tcp':
      return genProto(IPPROTO_TCP, 'default', 'default');
    case 'udp':
      return genProto(IPPROTO_UDP, 'default', 'default');
    case 'sctp':
      return genProto(IPPROTO_SCTP, 'default', 'default');
    case 'icmp':
      return genProto(IPPROTO_ICMP, 'ip', 'default');
    case 'icmp6':
      return genProto(IPPROTO_ICMPV6, 'ip6', 'default');
    case 'ah':
      return genProto(IPPROTO_AH, 'default', 'default');
    case 'esp':
      return genProto(IPPROTO_ESP, 'default', 'default');
    case 'ip':
      return linktype(ETHERTYPE_IP);
    case 'ip6':
      return linktype(ETHERTYPE_IPV6);
    case 'arp':
      return linktype(ETHERTYPE_ARP);
    case 'rarp':
      return linktype(ETHERTYPE_REVARP);
    case 'link':
      return bpfError('link layer applied in wrong context');
  }
}

/**
 * gen_proto: `ip6 proto N` tests the fixed header's next header, or the one after a fragment
 * header that directly follows it; no other extension header is walked (that is `protochain`).
 */
function genProto(v: number, proto: Qual['proto'], dir: Qual['dir']): Pred {
  if (dir !== 'default') bpfError("direction applied to 'proto'");
  switch (proto) {
    case 'default':
      return or(genProto(v, 'ip', dir), genProto(v, 'ip6', dir));
    case 'link':
      return linktype(v);
    case 'ip': {
      const lt = linktype(ETHERTYPE_IP);
      return (f) => lt(f) && ldb(f, ETH_PAYLOAD + 9) === v;
    }
    case 'ip6': {
      const lt = linktype(ETHERTYPE_IPV6);
      return (f) =>
        lt(f) && (ldb(f, ETH_PAYLOAD + 6) === v || (ldb(f, ETH_PAYLOAD + 6) === IPPROTO_FRAGMENT && ldb(f, ETH_PAYLOAD + 40) === v));
    }
    case 'arp':
      return bpfError('arp does not encapsulate another protocol');
    case 'rarp':
      return bpfError('rarp does not encapsulate another protocol');
    case 'undef':
      return bpfError(GEN_SYNTAX);
    default:
      return bpfError(`'${proto} proto' is bogus`);
  }
}

/** gen_ncode: a number, or an IPv4 address (`s` set), under the inherited qualifiers. */
function genNcode(s: string | undefined, num: number, q: Qual): Pred {
  let v = num;
  let vlen = 32;
  if (s !== undefined) {
    // __pcap_atoin: 1 to 4 dotted parts, each a byte; fewer parts give a shorter length.
    const parts = s.split('.').map(Number);
    if (parts.some((p) => p > 255)) bpfError(`invalid IPv4 address '${s}'`);
    v = 0;
    for (const p of parts) v = (v * 256 + p) >>> 0;
    vlen = 8 * parts.length;
  }
  switch (q.addr) {
    case 'default':
    case 'host':
    case 'net': {
      if (q.proto === 'link') bpfError('illegal link layer address');
      let mask = 0xffffffff;
      if (s === undefined && q.addr === 'net') {
        while (v !== 0 && (v & 0xff000000) === 0) {
          v = (v << 8) >>> 0;
          mask = (mask << 8) >>> 0;
        }
      } else {
        v = vlen === 32 ? v : (v << (32 - vlen)) >>> 0;
        mask = vlen === 32 ? mask : (mask << (32 - vlen)) >>> 0;
      }
      return genHost(v, mask, q.proto, q.dir, q.addr);
    }
    case 'port': {
      let ipProto: number | undefined;
      if (q.proto === 'udp') ipProto = IPPROTO_UDP;
      else if (q.proto === 'tcp') ipProto = IPPROTO_TCP;
      else if (q.proto === 'sctp') ipProto = IPPROTO_SCTP;
      else if (q.proto !== 'default') bpfError("illegal qualifier of 'port'");
      if (v > 65535) bpfError(`illegal port number ${v} > 65535`);
      return or(genPort(v, ipProto, q.dir), genPort6(v, ipProto, q.dir));
    }
    case 'proto':
      return genProto(v, q.proto, q.dir);
    case 'gateway':
      return bpfError("'gateway' requires a name");
    case 'undef':
      return bpfError(GEN_SYNTAX);
    default:
      return unmodelled(`'${q.addr}'`);
  }
}

/** Applies a direction to one address test given as (offset of the source, offset of the destination). */
function byDir(dir: Qual['dir'], src: Pred, dst: Pred, what: string): Pred {
  switch (dir) {
    case 'src':
      return src;
    case 'dst':
      return dst;
    case 'and':
      return and(src, dst);
    case 'default':
    case 'or':
      return or(src, dst);
    case 'undef':
      return unmodelled(`direction for ${what}`);
  }
}

/** gen_host for IPv4: `host` without a protocol also matches ARP and RARP sender/target addresses. */
function genHost(addr: number, mask: number, proto: Qual['proto'], dir: Qual['dir'], type: Qual['addr']): Pred {
  const typestr = type === 'net' ? 'net' : 'host';
  const hostop = (ethertype: number, srcOff: number, dstOff: number): Pred => {
    const lt = linktype(ethertype);
    const at =
      (off: number): Pred =>
      (f) =>
        (ldw(f, ETH_PAYLOAD + off) & mask) >>> 0 === (addr & mask) >>> 0;
    const d = byDir(dir, at(srcOff), at(dstOff), 'host');
    return (f) => lt(f) && d(f);
  };
  switch (proto) {
    case 'default':
      return or(or(genHost(addr, mask, 'ip', dir, type), genHost(addr, mask, 'arp', dir, type)), genHost(addr, mask, 'rarp', dir, type));
    case 'link':
      return bpfError(`link-layer modifier applied to ${typestr}`);
    case 'ip':
      return hostop(ETHERTYPE_IP, 12, 16);
    case 'arp':
      return hostop(ETHERTYPE_ARP, 14, 24);
    case 'rarp':
      return hostop(ETHERTYPE_REVARP, 14, 24);
    case 'ip6':
      return bpfError("'ip6' modifier applied to ip host");
    case 'undef':
      return bpfError(GEN_SYNTAX);
    default:
      return bpfError(`'${proto}' modifier applied to ${typestr}`);
  }
}

/** gen_mcode6: an IPv6 address or prefix under `host` or `net`. */
function genMcode6(text: string, a: Uint8Array, masklen: number, q: Qual): Pred {
  if (masklen > 128) bpfError('mask length must be <= 128');
  const mask = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const bits = Math.max(0, Math.min(8, masklen - 8 * i));
    mask[i] = (0xff << (8 - bits)) & 0xff;
  }
  if (a.some((b, i) => (b & ~mask[i]!) !== 0)) bpfError(`non-network bits set in "${text}/${masklen}"`);
  if (q.addr === 'default' || q.addr === 'host') {
    if (masklen !== 128) bpfError('Mask syntax for networks only');
  } else if (q.addr !== 'net') {
    bpfError('invalid qualifier against IPv6 address');
  }
  return genHost6(a, mask, q.proto, q.dir, q.addr === 'net' ? 'net' : 'host');
}

/** gen_host6: the fixed header's source (offset 8) and destination (offset 24) addresses, masked. */
function genHost6(a: Uint8Array, mask: Uint8Array, proto: Qual['proto'], dir: Qual['dir'], typestr: string): Pred {
  switch (proto) {
    case 'default':
    case 'ip6': {
      const lt = linktype(ETHERTYPE_IPV6);
      const at =
        (off: number): Pred =>
        (f) => {
          // Word by word from the first, as the BPF code loads them: a short frame fails at the first
          // missing word. A word the mask clears is never loaded: the optimizer folds `A & 0 == 0` away.
          for (let w = 0; w < 4; w++) {
            if (mask[4 * w] === 0 && mask[4 * w + 1] === 0 && mask[4 * w + 2] === 0 && mask[4 * w + 3] === 0) continue;
            const got = ldw(f, ETH_PAYLOAD + off + 4 * w);
            for (let k = 0; k < 4; k++) {
              const i = 4 * w + k;
              if (((got >>> (24 - 8 * k)) & 0xff & mask[i]!) !== a[i]) return false;
            }
          }
          return true;
        };
      const d = byDir(dir, at(8), at(24), 'ip6 host');
      return (f) => lt(f) && d(f);
    }
    case 'link':
      return bpfError(`link-layer modifier applied to ip6 ${typestr}`);
    case 'undef':
      return bpfError('invalid qualifier against IPv6 address');
    default:
      return bpfError(`'${proto}' modifier applied to ip6 ${typestr}`);
  }
}

/** gen_ecode: a MAC address, only under `ether [src|dst] [host]`. */
function genEcode(mac: Uint8Array, q: Qual): Pred {
  if ((q.addr === 'host' || q.addr === 'default') && q.proto === 'link') {
    const at =
      (off: number): Pred =>
      (f) => {
        for (let i = 0; i < 6; i++) if (ldb(f, off + i) !== mac[i]) return false;
        return true;
      };
    return byDir(q.dir, at(6), at(0), 'ether host');
  }
  return bpfError('ethernet address used in non-ether expression');
}

/** gen_port (IPv4): TCP, UDP or SCTP, not a non-first fragment, port at the header-length offset. */
function genPort(port: number, ipProto: number | undefined, dir: Qual['dir']): Pred {
  const lt = linktype(ETHERTYPE_IP);
  const portop = (p: number): Pred => {
    const at =
      (off: number): Pred =>
      (f) =>
        ldh(f, ETH_PAYLOAD + 4 * (ldb(f, ETH_PAYLOAD) & 0x0f) + off) === port;
    const d = byDir(dir, at(0), at(2), 'port');
    return (f) => ldb(f, ETH_PAYLOAD + 9) === p && (ldh(f, ETH_PAYLOAD + 6) & 0x1fff) === 0 && d(f);
  };
  const b = ipProto !== undefined ? portop(ipProto) : or(or(portop(IPPROTO_TCP), portop(IPPROTO_UDP)), portop(IPPROTO_SCTP));
  return (f) => lt(f) && b(f);
}

/**
 * gen_port6: only the fixed header's next header is tested, and the ports are read right after
 * the 40-byte header: a TCP or UDP segment behind any extension header (even a fragment header)
 * does not match `port`.
 */
function genPort6(port: number, ipProto: number | undefined, dir: Qual['dir']): Pred {
  const lt = linktype(ETHERTYPE_IPV6);
  const portop = (p: number): Pred => {
    const at =
      (off: number): Pred =>
      (f) =>
        ldh(f, ETH_PAYLOAD + 40 + off) === port;
    const d = byDir(dir, at(0), at(2), 'port');
    return (f) => ldb(f, ETH_PAYLOAD + 6) === p && d(f);
  };
  const b = ipProto !== undefined ? portop(ipProto) : or(or(portop(IPPROTO_TCP), portop(IPPROTO_UDP)), portop(IPPROTO_SCTP));
  return (f) => lt(f) && b(f);
}
