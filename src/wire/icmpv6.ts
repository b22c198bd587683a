/** ICMPv6 messages: errors, echo, neighbour discovery and MLD (RFC 4443, RFC 4861 section 4, RFC 3810 section 5; kernel: icmp.c, ndisc.c, mcast.c). */

import { upperLayerChecksum, verifyUpperLayerChecksum } from './checksum.js';
import type { Ipv6Address } from './ipv6-address.js';
import {
  MLD_MAX_RESPONSE_CODE,
  MLD_MCA,
  MLD_V1_QUERY_LENGTH,
  MLD_V2_QUERY_FLAGS,
  MLD_V2_QUERY_NSRCS,
  MLD_V2_QUERY_QQIC,
  MLD_V2_QUERY_SOURCES,
  MLD1_LENGTH,
  MLD2_REPORT_NGRECS,
  MLD2_REPORT_RECORDS,
  type Mld2Record,
  type MldQueryV2Fields,
  mld2RecordLength,
  parseMld2Records,
  parseMldQueryBody,
  writeMld2Records,
} from './mld.js';
import { type NdOption, ndOptionsLength, parseNdOptions, writeNdOptions } from './ndisc.js';
import { ICMPV6, IPPROTO } from './proto.js';
import { ok, type Parsed, truncated } from './result.js';

// Every ICMPv6 message (RFC 4443 section 2.1):
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |     Type      |     Code      |          Checksum             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                    Message Body (first word: see below)       |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// First word: echo = Identifier(16) Sequence(16); packet too big = MTU(32); parameter problem =
// Pointer(32); other errors unused (zero); NS/RS reserved; NA = R S O flags then reserved;
// RA = Cur Hop Limit(8) flags(8) Router Lifetime(16).
// Then: errors carry the invoking packet from byte 8; echo data from 8; NS/NA the target address
// at 8 and options from 24; RS options from 8; RA Reachable Time at 8, Retrans Timer at 12,
// options from 16.
export const ICMP6_TYPE = 0;
export const ICMP6_CODE = 1;
export const ICMP6_CKSUM = 2;
export const ICMP6_DATA = 4;
/** struct icmp6hdr: the 8 bytes the kernel's icmpv6_rcv requires before it looks at a message. */
export const ICMP6_HEADER_LENGTH = 8;
/** Type, code and checksum: the least that can be called an ICMPv6 message. */
export const ICMP6_MIN_LENGTH = 4;

export const ICMP6_ECHO_ID = 4;
export const ICMP6_ECHO_SEQ = 6;
export const ICMP6_ECHO_DATA = 8;
export const ICMP6_MTU = 4;
export const ICMP6_POINTER = 4;
export const ICMP6_INVOKING = 8;

export const ND_FLAGS = 4;
export const ND_TARGET = 8;
export const ND_NS_OPTIONS = 24;
export const ND_NA_OPTIONS = 24;
export const ND_RS_OPTIONS = 8;
export const ND_RA_CUR_HOP_LIMIT = 4;
export const ND_RA_FLAGS = 5;
export const ND_RA_ROUTER_LIFETIME = 6;
export const ND_RA_REACHABLE = 8;
export const ND_RA_RETRANS = 12;
export const ND_RA_OPTIONS = 16;

/** Neighbour advertisement flag bits in byte 4 (RFC 4861 section 4.4). */
export const ND_NA_FLAG_ROUTER = 0x80;
export const ND_NA_FLAG_SOLICITED = 0x40;
export const ND_NA_FLAG_OVERRIDE = 0x20;
/** Router advertisement flag bits (RFC 4861 M and O, RFC 6275 H, RFC 4191 Prf, RFC 4389 P). */
export const ND_RA_FLAG_MANAGED = 0x80;
export const ND_RA_FLAG_OTHER = 0x40;
export const ND_RA_FLAG_HOME_AGENT = 0x20;
export const ND_RA_FLAG_PRF_MASK = 0x18;
export const ND_RA_FLAG_PROXY = 0x04;

/** Codes, with the kernel's names (include/uapi/linux/icmpv6.h). */
export const ICMPV6_CODE = {
  NOROUTE: 0,
  ADM_PROHIBITED: 1,
  NOT_NEIGHBOUR: 2,
  ADDR_UNREACH: 3,
  PORT_UNREACH: 4,
  POLICY_FAIL: 5,
  REJECT_ROUTE: 6,
  EXC_HOPLIMIT: 0,
  EXC_FRAGTIME: 1,
  HDR_FIELD: 0,
  UNK_NEXTHDR: 1,
  UNK_OPTION: 2,
} as const;

export type Icmpv6Repr =
  | { readonly kind: 'echo-request' | 'echo-reply'; readonly id: number; readonly seq: number; readonly data: Uint8Array }
  | { readonly kind: 'dest-unreach' | 'time-exceeded'; readonly code: number; readonly invoking: Uint8Array }
  | { readonly kind: 'packet-too-big'; readonly mtu: number; readonly invoking: Uint8Array }
  | { readonly kind: 'param-problem'; readonly code: number; readonly pointer: number; readonly invoking: Uint8Array }
  | { readonly kind: 'neighbour-solicit'; readonly target: Ipv6Address; readonly options: readonly NdOption[] }
  | {
      readonly kind: 'neighbour-advert';
      readonly router: boolean;
      readonly solicited: boolean;
      readonly override: boolean;
      readonly target: Ipv6Address;
      readonly options: readonly NdOption[];
    }
  | { readonly kind: 'router-solicit'; readonly options: readonly NdOption[] }
  | {
      readonly kind: 'router-advert';
      readonly curHopLimit: number;
      /** The raw flag byte (ND_RA_FLAG_* bits). */
      readonly flags: number;
      /** Seconds. */
      readonly routerLifetime: number;
      /** Milliseconds. */
      readonly reachableTime: number;
      /** Milliseconds. */
      readonly retransTimer: number;
      readonly options: readonly NdOption[];
    }
  | {
      readonly kind: 'mld-query';
      readonly maxResponseCode: number;
      /** Unspecified (::) for a general query. */
      readonly multicastAddress: Ipv6Address;
      /** Present for an MLDv2 query (28 bytes or more), absent for MLDv1 (24 bytes). */
      readonly v2?: MldQueryV2Fields;
    }
  | { readonly kind: 'mld2-report'; readonly records: readonly Mld2Record[] }
  /** MLDv1 report (131) and done (132); the Maximum Response Delay is sent as 0 and ignored on receipt. */
  | { readonly kind: 'mld1-report' | 'mld1-done'; readonly multicastAddress: Ipv6Address }
  /** Any other type: kept as bytes so nothing is refused for being unusual. */
  | { readonly kind: 'unknown'; readonly type: number; readonly code: number; readonly body: Uint8Array };

/** What a parse adds to the repr: the raw type, code and checksum, and the checksum verdict when src/dst were given. */
export interface Icmpv6Fields {
  readonly type: number;
  readonly code: number;
  readonly checksum: number;
  readonly checksumOk?: boolean;
}

export type ParsedIcmpv6 = Icmpv6Repr & Icmpv6Fields;

/** The ICMPv6 type number of a repr. */
export function icmpv6Type(repr: Icmpv6Repr): number {
  switch (repr.kind) {
    case 'echo-request':
      return ICMPV6.ECHO_REQUEST;
    case 'echo-reply':
      return ICMPV6.ECHO_REPLY;
    case 'dest-unreach':
      return ICMPV6.DEST_UNREACH;
    case 'packet-too-big':
      return ICMPV6.PKT_TOOBIG;
    case 'time-exceeded':
      return ICMPV6.TIME_EXCEED;
    case 'param-problem':
      return ICMPV6.PARAMPROB;
    case 'neighbour-solicit':
      return ICMPV6.NEIGHBOUR_SOLICIT;
    case 'neighbour-advert':
      return ICMPV6.NEIGHBOUR_ADVERT;
    case 'router-solicit':
      return ICMPV6.ROUTER_SOLICIT;
    case 'router-advert':
      return ICMPV6.ROUTER_ADVERT;
    case 'mld-query':
      return ICMPV6.MLD_QUERY;
    case 'mld2-report':
      return ICMPV6.MLD2_REPORT;
    case 'mld1-report':
      return ICMPV6.MGM_REPORT;
    case 'mld1-done':
      return ICMPV6.MGM_REDUCTION;
    case 'unknown':
      return repr.type;
  }
}

export function icmpv6Length(repr: Icmpv6Repr): number {
  switch (repr.kind) {
    case 'echo-request':
    case 'echo-reply':
      return ICMP6_ECHO_DATA + repr.data.length;
    case 'dest-unreach':
    case 'time-exceeded':
    case 'packet-too-big':
    case 'param-problem':
      return ICMP6_INVOKING + repr.invoking.length;
    case 'neighbour-solicit':
    case 'neighbour-advert':
      return ND_NS_OPTIONS + ndOptionsLength(repr.options);
    case 'router-solicit':
      return ND_RS_OPTIONS + ndOptionsLength(repr.options);
    case 'router-advert':
      return ND_RA_OPTIONS + ndOptionsLength(repr.options);
    case 'mld-query':
      return repr.v2 ? MLD_V2_QUERY_SOURCES + 16 * repr.v2.sources.length : MLD_V1_QUERY_LENGTH;
    case 'mld1-report':
    case 'mld1-done':
      return MLD1_LENGTH;
    case 'mld2-report': {
      let n = MLD2_REPORT_RECORDS;
      for (const r of repr.records) n += mld2RecordLength(r);
      return n;
    }
    case 'unknown':
      return ICMP6_DATA + repr.body.length;
  }
}

/**
 * Decodes a whole ICMPv6 message (`bytes` from `offset` to the end is the message: slice it to the
 * IPv6 payload length first). The checksum is only checked when `src` and `dst` are given, and a bad
 * one does not fail the parse: `checksumOk` reports it and the caller decides, as the kernel's
 * icmpv6_rcv counts Icmp6InCsumErrors before looking at anything else.
 */
export function parseIcmpv6(bytes: Uint8Array, offset = 0, src?: Ipv6Address, dst?: Ipv6Address): Parsed<ParsedIcmpv6> {
  const m = bytes.subarray(offset);
  if (m.length < ICMP6_MIN_LENGTH) return truncated('icmpv6', ICMP6_MIN_LENGTH, m.length);
  const v = new DataView(m.buffer, m.byteOffset, m.byteLength);
  const type = m[ICMP6_TYPE]!;
  const code = m[ICMP6_CODE]!;
  const fields: Icmpv6Fields = {
    type,
    code,
    checksum: v.getUint16(ICMP6_CKSUM),
    ...(src && dst ? { checksumOk: icmpv6ChecksumOk(src, dst, m) } : {}),
  };
  const need = (what: string, n: number): Parsed<never> | undefined => (m.length < n ? truncated(what, n, m.length) : undefined);
  const withOptions = (what: string, at: number, make: (options: NdOption[]) => Icmpv6Repr): Parsed<ParsedIcmpv6> => {
    const opts = parseNdOptions(m, at);
    if (!opts.ok) return { ok: false, error: { ...opts.error, what: `${what}.${opts.error.what}` } };
    const repr: ParsedIcmpv6 = { ...make(opts.value), ...fields };
    return ok(repr);
  };
  switch (type) {
    case ICMPV6.ECHO_REQUEST:
    case ICMPV6.ECHO_REPLY: {
      const short = need('icmpv6.echo', ICMP6_ECHO_DATA);
      if (short) return short;
      const kind = type === ICMPV6.ECHO_REQUEST ? 'echo-request' : 'echo-reply';
      return ok({ kind, id: v.getUint16(ICMP6_ECHO_ID), seq: v.getUint16(ICMP6_ECHO_SEQ), data: m.slice(ICMP6_ECHO_DATA), ...fields });
    }
    case ICMPV6.DEST_UNREACH:
    case ICMPV6.TIME_EXCEED:
    case ICMPV6.PKT_TOOBIG:
    case ICMPV6.PARAMPROB: {
      const short = need('icmpv6.error', ICMP6_INVOKING);
      if (short) return short;
      const invoking = m.slice(ICMP6_INVOKING);
      if (type === ICMPV6.PKT_TOOBIG) return ok({ kind: 'packet-too-big', mtu: v.getUint32(ICMP6_MTU), invoking, ...fields });
      if (type === ICMPV6.PARAMPROB) return ok({ kind: 'param-problem', pointer: v.getUint32(ICMP6_POINTER), invoking, ...fields });
      return ok({ kind: type === ICMPV6.DEST_UNREACH ? 'dest-unreach' : 'time-exceeded', invoking, ...fields });
    }
    case ICMPV6.NEIGHBOUR_SOLICIT: {
      const short = need('icmpv6.neighbour-solicit', ND_NS_OPTIONS);
      if (short) return short;
      const target = m.slice(ND_TARGET, ND_TARGET + 16);
      return withOptions('icmpv6.neighbour-solicit', ND_NS_OPTIONS, (options) => ({ kind: 'neighbour-solicit', target, options }));
    }
    case ICMPV6.NEIGHBOUR_ADVERT: {
      const short = need('icmpv6.neighbour-advert', ND_NA_OPTIONS);
      if (short) return short;
      const flags = m[ND_FLAGS]!;
      const target = m.slice(ND_TARGET, ND_TARGET + 16);
      return withOptions('icmpv6.neighbour-advert', ND_NA_OPTIONS, (options) => ({
        kind: 'neighbour-advert',
        router: (flags & ND_NA_FLAG_ROUTER) !== 0,
        solicited: (flags & ND_NA_FLAG_SOLICITED) !== 0,
        override: (flags & ND_NA_FLAG_OVERRIDE) !== 0,
        target,
        options,
      }));
    }
    case ICMPV6.ROUTER_SOLICIT: {
      const short = need('icmpv6.router-solicit', ND_RS_OPTIONS);
      if (short) return short;
      return withOptions('icmpv6.router-solicit', ND_RS_OPTIONS, (options) => ({ kind: 'router-solicit', options }));
    }
    case ICMPV6.ROUTER_ADVERT: {
      const short = need('icmpv6.router-advert', ND_RA_OPTIONS);
      if (short) return short;
      return withOptions('icmpv6.router-advert', ND_RA_OPTIONS, (options) => ({
        kind: 'router-advert',
        curHopLimit: m[ND_RA_CUR_HOP_LIMIT]!,
        flags: m[ND_RA_FLAGS]!,
        routerLifetime: v.getUint16(ND_RA_ROUTER_LIFETIME),
        reachableTime: v.getUint32(ND_RA_REACHABLE),
        retransTimer: v.getUint32(ND_RA_RETRANS),
        options,
      }));
    }
    case ICMPV6.MLD_QUERY: {
      const q = parseMldQueryBody(m);
      if (!q.ok) return q;
      return ok({ kind: 'mld-query', ...q.value, ...fields });
    }
    case ICMPV6.MGM_REPORT:
    case ICMPV6.MGM_REDUCTION: {
      // As igmp6_event_report: the group address must be there; bytes after it are ignored.
      const kind = type === ICMPV6.MGM_REPORT ? 'mld1-report' : 'mld1-done';
      const short = need(`icmpv6.${kind}`, MLD1_LENGTH);
      if (short) return short;
      return ok({ kind, multicastAddress: m.slice(MLD_MCA, MLD_MCA + 16), ...fields });
    }
    case ICMPV6.MLD2_REPORT: {
      const short = need('icmpv6.mld2-report', MLD2_REPORT_RECORDS);
      if (short) return short;
      const records = parseMld2Records(m, MLD2_REPORT_RECORDS, v.getUint16(MLD2_REPORT_NGRECS));
      if (!records.ok) return records;
      return ok({ kind: 'mld2-report', records: records.value, ...fields });
    }
    default:
      return ok({ kind: 'unknown', body: m.slice(ICMP6_DATA), ...fields });
  }
}

/**
 * Encodes `repr` with its checksum over the pseudo-header of `src` and `dst` (the final
 * destination when a routing header is present, RFC 8200 section 8.1).
 */
export function emitIcmpv6(repr: Icmpv6Repr, src: Ipv6Address, dst: Ipv6Address): Uint8Array {
  const m = emitIcmpv6Unchecked(repr);
  const sum = upperLayerChecksum(src, dst, IPPROTO.ICMPV6, m);
  m[ICMP6_CKSUM] = sum >> 8;
  m[ICMP6_CKSUM + 1] = sum & 0xff;
  return m;
}

/** Encodes `repr` with a zero checksum field (for callers that checksum later, or test a bad checksum). */
export function emitIcmpv6Unchecked(repr: Icmpv6Repr): Uint8Array {
  const m = new Uint8Array(icmpv6Length(repr));
  const v = new DataView(m.buffer);
  m[ICMP6_TYPE] = icmpv6Type(repr);
  switch (repr.kind) {
    case 'echo-request':
    case 'echo-reply':
      v.setUint16(ICMP6_ECHO_ID, repr.id);
      v.setUint16(ICMP6_ECHO_SEQ, repr.seq);
      m.set(repr.data, ICMP6_ECHO_DATA);
      break;
    case 'dest-unreach':
    case 'time-exceeded':
      m[ICMP6_CODE] = repr.code;
      m.set(repr.invoking, ICMP6_INVOKING);
      break;
    case 'packet-too-big':
      v.setUint32(ICMP6_MTU, repr.mtu >>> 0);
      m.set(repr.invoking, ICMP6_INVOKING);
      break;
    case 'param-problem':
      m[ICMP6_CODE] = repr.code;
      v.setUint32(ICMP6_POINTER, repr.pointer >>> 0);
      m.set(repr.invoking, ICMP6_INVOKING);
      break;
    case 'neighbour-solicit':
      m.set(repr.target, ND_TARGET);
      writeNdOptions(repr.options, m, ND_NS_OPTIONS);
      break;
    case 'neighbour-advert':
      m[ND_FLAGS] =
        (repr.router ? ND_NA_FLAG_ROUTER : 0) | (repr.solicited ? ND_NA_FLAG_SOLICITED : 0) | (repr.override ? ND_NA_FLAG_OVERRIDE : 0);
      m.set(repr.target, ND_TARGET);
      writeNdOptions(repr.options, m, ND_NA_OPTIONS);
      break;
    case 'router-solicit':
      writeNdOptions(repr.options, m, ND_RS_OPTIONS);
      break;
    case 'router-advert':
      m[ND_RA_CUR_HOP_LIMIT] = repr.curHopLimit;
      m[ND_RA_FLAGS] = repr.flags;
      v.setUint16(ND_RA_ROUTER_LIFETIME, repr.routerLifetime);
      v.setUint32(ND_RA_REACHABLE, repr.reachableTime >>> 0);
      v.setUint32(ND_RA_RETRANS, repr.retransTimer >>> 0);
      writeNdOptions(repr.options, m, ND_RA_OPTIONS);
      break;
    case 'mld-query':
      v.setUint16(MLD_MAX_RESPONSE_CODE, repr.maxResponseCode);
      m.set(repr.multicastAddress, MLD_MCA);
      if (repr.v2) {
        m[MLD_V2_QUERY_FLAGS] = (repr.v2.suppress ? 0x08 : 0) | (repr.v2.qrv & 0x07);
        m[MLD_V2_QUERY_QQIC] = repr.v2.qqic;
        v.setUint16(MLD_V2_QUERY_NSRCS, repr.v2.sources.length);
        repr.v2.sources.forEach((s, k) => {
          m.set(s, MLD_V2_QUERY_SOURCES + 16 * k);
        });
      }
      break;
    case 'mld1-report':
    case 'mld1-done':
      m.set(repr.multicastAddress, MLD_MCA);
      break;
    case 'mld2-report':
      if (repr.records.length > 0xffff) throw new Error(`emitIcmpv6: ${repr.records.length} MLDv2 records do not fit`);
      v.setUint16(MLD2_REPORT_NGRECS, repr.records.length);
      writeMld2Records(repr.records, m, MLD2_REPORT_RECORDS);
      break;
    case 'unknown':
      m[ICMP6_CODE] = repr.code;
      m.set(repr.body, ICMP6_DATA);
      break;
  }
  return m;
}

/** True when `message` (the whole ICMPv6 message, checksum as received) verifies against its pseudo-header. */
export function icmpv6ChecksumOk(src: Ipv6Address, dst: Ipv6Address, message: Uint8Array): boolean {
  return verifyUpperLayerChecksum(src, dst, IPPROTO.ICMPV6, message);
}

/** The name the codec conventions use: `checksumOk(src, dst, bytes)` for ICMPv6. */
export const checksumOk = icmpv6ChecksumOk;

/**
 * The most of an invoking packet an ICMPv6 error may carry: the error must fit the minimum IPv6 MTU
 * (RFC 4443 section 2.4 (c)), so 1280 - 40 (IPv6 header) - 8 (ICMPv6 header) bytes, as icmp6_send cuts it.
 */
export const ICMPV6_ERROR_INVOKING_MAX = 1280 - 40 - ICMP6_HEADER_LENGTH;

/** The `invoking` bytes for an error about `packet` (from its IPv6 header on): a copy, cut to 1232 bytes. */
export function icmpv6ErrorInvoking(packet: Uint8Array): Uint8Array {
  return packet.slice(0, ICMPV6_ERROR_INVOKING_MAX);
}
