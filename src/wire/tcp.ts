/** TCP segments over IPv6 and the TCP options (RFC 9293 section 3.1, RFC 7323, RFC 2018; kernel: tcp_ipv6.c, tcp_input.c tcp_parse_options). */

import { upperLayerChecksum, verifyUpperLayerChecksum } from './checksum.js';
import type { Ipv6Address } from './ipv6-address.js';
import { IPPROTO } from './proto.js';
import { fail, ok, type Parsed, truncated } from './result.js';

//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |          Source Port          |       Destination Port        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                        Sequence Number                        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                    Acknowledgment Number                      |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |  Data |       |C|E|U|A|P|R|S|F|                               |
// | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
// |       |       |R|E|G|K|H|T|N|N|                               |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |           Checksum            |         Urgent Pointer        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                           [Options]                           |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                             data ...
export const TCP_SRC_PORT = 0;
export const TCP_DST_PORT = 2;
export const TCP_SEQ = 4;
export const TCP_ACK = 8;
export const TCP_DATA_OFFSET = 12;
export const TCP_FLAGS = 13;
export const TCP_WINDOW = 14;
export const TCP_CHECKSUM = 16;
export const TCP_URGENT = 18;
export const TCP_OPTIONS = 20;
export const TCP_HEADER_LENGTH = 20;
/** Data offset is 4 bits of 32-bit words: at most 60 bytes of header, 40 of options. */
export const TCP_MAX_OPTIONS_LENGTH = 40;

export const TCP_FLAG = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80 } as const;

export interface TcpFlags {
  readonly fin: boolean;
  readonly syn: boolean;
  readonly rst: boolean;
  readonly psh: boolean;
  readonly ack: boolean;
  readonly urg: boolean;
  readonly ece: boolean;
  readonly cwr: boolean;
}

export interface TcpRepr {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  readonly ack: number;
  readonly flags: TcpFlags;
  readonly window: number;
  readonly urgent: number;
  /** The option bytes as sent; emit pads them with zeros (EOL) to a multiple of 4. */
  readonly options: Uint8Array;
  readonly payload: Uint8Array;
}

/** What a parse adds: the header length in bytes (data offset * 4), the checksum and the 4 reserved bits as received. */
export interface TcpFields {
  readonly headerLength: number;
  readonly checksum: number;
  readonly reserved: number;
}

export const NO_TCP_FLAGS: TcpFlags = { fin: false, syn: false, rst: false, psh: false, ack: false, urg: false, ece: false, cwr: false };

/** Flags from a partial list, e.g. `tcpFlags({ syn: true, ack: true })`. */
export function tcpFlags(set: Partial<TcpFlags>): TcpFlags {
  return { ...NO_TCP_FLAGS, ...set };
}

export function tcpFlagsToByte(f: TcpFlags): number {
  return (
    (f.fin ? TCP_FLAG.FIN : 0) |
    (f.syn ? TCP_FLAG.SYN : 0) |
    (f.rst ? TCP_FLAG.RST : 0) |
    (f.psh ? TCP_FLAG.PSH : 0) |
    (f.ack ? TCP_FLAG.ACK : 0) |
    (f.urg ? TCP_FLAG.URG : 0) |
    (f.ece ? TCP_FLAG.ECE : 0) |
    (f.cwr ? TCP_FLAG.CWR : 0)
  );
}

export function tcpFlagsFromByte(b: number): TcpFlags {
  return {
    fin: (b & TCP_FLAG.FIN) !== 0,
    syn: (b & TCP_FLAG.SYN) !== 0,
    rst: (b & TCP_FLAG.RST) !== 0,
    psh: (b & TCP_FLAG.PSH) !== 0,
    ack: (b & TCP_FLAG.ACK) !== 0,
    urg: (b & TCP_FLAG.URG) !== 0,
    ece: (b & TCP_FLAG.ECE) !== 0,
    cwr: (b & TCP_FLAG.CWR) !== 0,
  };
}

function paddedOptionsLength(options: Uint8Array): number {
  return (options.length + 3) & ~3;
}

export function tcpHeaderLength(repr: TcpRepr): number {
  return TCP_HEADER_LENGTH + paddedOptionsLength(repr.options);
}

export function tcpLength(repr: TcpRepr): number {
  return tcpHeaderLength(repr) + repr.payload.length;
}

/**
 * Decodes the segment at `offset`; everything to the end is the segment (slice to the IPv6 payload
 * first). As tcp_v6_rcv: a data offset below 5 is bad, one past the bytes present is short.
 */
export function parseTcp(bytes: Uint8Array, offset = 0): Parsed<TcpRepr & TcpFields> {
  const have = bytes.length - offset;
  if (have < TCP_HEADER_LENGTH) return truncated('tcp', TCP_HEADER_LENGTH, Math.max(0, have));
  const v = new DataView(bytes.buffer, bytes.byteOffset + offset, TCP_HEADER_LENGTH);
  const doff = v.getUint8(TCP_DATA_OFFSET) >> 4;
  const headerLength = doff * 4;
  if (headerLength < TCP_HEADER_LENGTH) return fail('malformed', 'tcp.dataOffset', `data offset ${doff} is less than 5 words`);
  if (headerLength > have) return truncated('tcp.options', headerLength, have);
  return ok({
    srcPort: v.getUint16(TCP_SRC_PORT),
    dstPort: v.getUint16(TCP_DST_PORT),
    seq: v.getUint32(TCP_SEQ),
    ack: v.getUint32(TCP_ACK),
    flags: tcpFlagsFromByte(v.getUint8(TCP_FLAGS)),
    window: v.getUint16(TCP_WINDOW),
    urgent: v.getUint16(TCP_URGENT),
    options: bytes.slice(offset + TCP_OPTIONS, offset + headerLength),
    payload: bytes.slice(offset + headerLength),
    headerLength,
    checksum: v.getUint16(TCP_CHECKSUM),
    reserved: v.getUint8(TCP_DATA_OFFSET) & 0x0f,
  });
}

/** Encodes with the checksum over the pseudo-header of `src` and `dst`. */
export function emitTcp(repr: TcpRepr, src: Ipv6Address, dst: Ipv6Address): Uint8Array {
  const out = emitTcpUnchecked(repr);
  const sum = upperLayerChecksum(src, dst, IPPROTO.TCP, out);
  out[TCP_CHECKSUM] = sum >> 8;
  out[TCP_CHECKSUM + 1] = sum & 0xff;
  return out;
}

/** Encodes with a zero checksum field. */
export function emitTcpUnchecked(repr: TcpRepr): Uint8Array {
  const optLen = paddedOptionsLength(repr.options);
  if (optLen > TCP_MAX_OPTIONS_LENGTH) throw new Error(`emitTcp: ${repr.options.length} option bytes exceed 40`);
  const headerLength = TCP_HEADER_LENGTH + optLen;
  const out = new Uint8Array(headerLength + repr.payload.length);
  const v = new DataView(out.buffer);
  v.setUint16(TCP_SRC_PORT, repr.srcPort);
  v.setUint16(TCP_DST_PORT, repr.dstPort);
  v.setUint32(TCP_SEQ, repr.seq >>> 0);
  v.setUint32(TCP_ACK, repr.ack >>> 0);
  v.setUint8(TCP_DATA_OFFSET, (headerLength / 4) << 4);
  v.setUint8(TCP_FLAGS, tcpFlagsToByte(repr.flags));
  v.setUint16(TCP_WINDOW, repr.window);
  v.setUint16(TCP_URGENT, repr.urgent);
  out.set(repr.options, TCP_OPTIONS);
  out.set(repr.payload, headerLength);
  return out;
}

/** True when the whole segment (checksum as received) verifies against its pseudo-header. */
export function tcpChecksumOk(src: Ipv6Address, dst: Ipv6Address, segment: Uint8Array): boolean {
  return verifyUpperLayerChecksum(src, dst, IPPROTO.TCP, segment);
}

// Options (RFC 9293 section 3.2): kind(1), then for all but EOL and NOP a length(1) counting the
// kind and length bytes, then data.
export const TCPOPT = { EOL: 0, NOP: 1, MSS: 2, WINDOW: 3, SACK_PERM: 4, SACK: 5, TIMESTAMP: 8 } as const;
export const TCPOLEN = { MSS: 4, WINDOW: 3, SACK_PERM: 2, SACK_BASE: 2, SACK_PERBLOCK: 8, TIMESTAMP: 10 } as const;

export type TcpOption =
  | { readonly kind: 'eol' }
  | { readonly kind: 'nop' }
  | { readonly kind: 'mss'; readonly value: number }
  | { readonly kind: 'wscale'; readonly shift: number }
  | { readonly kind: 'sack-permitted' }
  | { readonly kind: 'sack'; readonly blocks: readonly { readonly left: number; readonly right: number }[] }
  | { readonly kind: 'timestamps'; readonly tsval: number; readonly tsecr: number }
  /** Any other kind, or a known kind with a length the kernel ignores. */
  | { readonly kind: 'unknown'; readonly type: number; readonly data: Uint8Array };

/**
 * Decodes option bytes as tcp_parse_options walks them: stops after EOL, and treats a known kind
 * with the wrong length as unknown (the kernel ignores it). Where the kernel silently stops (a
 * length below 2, or an option that runs past the end) this says why, so a caller can tell a
 * clean list from a damaged one; tcpdump prints the latter as "[bad opt]".
 */
export function decodeTcpOptions(options: Uint8Array): Parsed<TcpOption[]> {
  const out: TcpOption[] = [];
  let i = 0;
  while (i < options.length) {
    const type = options[i]!;
    if (type === TCPOPT.EOL) {
      out.push({ kind: 'eol' });
      break;
    }
    if (type === TCPOPT.NOP) {
      out.push({ kind: 'nop' });
      i += 1;
      continue;
    }
    const have = options.length - i;
    if (have < 2) return fail('truncated', 'tcp.option', `kind ${type} at byte ${i} has no length byte`);
    const len = options[i + 1]!;
    if (len < 2) return fail('malformed', 'tcp.option', `kind ${type} at byte ${i} has length ${len}, less than 2`);
    if (len > have) return fail('truncated', 'tcp.option', `kind ${type} at byte ${i} has length ${len}, ${have} bytes are left`);
    out.push(decodeOption(type, options.subarray(i, i + len)));
    i += len;
  }
  return ok(out);
}

function decodeOption(type: number, o: Uint8Array): TcpOption {
  const v = new DataView(o.buffer, o.byteOffset, o.byteLength);
  const len = o.length;
  if (type === TCPOPT.MSS && len === TCPOLEN.MSS) return { kind: 'mss', value: v.getUint16(2) };
  if (type === TCPOPT.WINDOW && len === TCPOLEN.WINDOW) return { kind: 'wscale', shift: o[2]! };
  if (type === TCPOPT.SACK_PERM && len === TCPOLEN.SACK_PERM) return { kind: 'sack-permitted' };
  if (type === TCPOPT.TIMESTAMP && len === TCPOLEN.TIMESTAMP) return { kind: 'timestamps', tsval: v.getUint32(2), tsecr: v.getUint32(6) };
  if (type === TCPOPT.SACK && len > TCPOLEN.SACK_BASE && (len - TCPOLEN.SACK_BASE) % TCPOLEN.SACK_PERBLOCK === 0) {
    const blocks: { left: number; right: number }[] = [];
    for (let k = TCPOLEN.SACK_BASE; k < len; k += TCPOLEN.SACK_PERBLOCK) blocks.push({ left: v.getUint32(k), right: v.getUint32(k + 4) });
    return { kind: 'sack', blocks };
  }
  return { kind: 'unknown', type, data: o.slice(2) };
}

/** Encodes options in order, unpadded (emitTcp pads to 4). */
export function encodeTcpOptions(opts: readonly TcpOption[]): Uint8Array {
  const parts: number[] = [];
  const u16 = (n: number) => parts.push((n >> 8) & 0xff, n & 0xff);
  const u32 = (n: number) => parts.push((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  for (const o of opts) {
    switch (o.kind) {
      case 'eol':
        parts.push(TCPOPT.EOL);
        break;
      case 'nop':
        parts.push(TCPOPT.NOP);
        break;
      case 'mss':
        parts.push(TCPOPT.MSS, TCPOLEN.MSS);
        u16(o.value);
        break;
      case 'wscale':
        parts.push(TCPOPT.WINDOW, TCPOLEN.WINDOW, o.shift);
        break;
      case 'sack-permitted':
        parts.push(TCPOPT.SACK_PERM, TCPOLEN.SACK_PERM);
        break;
      case 'sack':
        parts.push(TCPOPT.SACK, TCPOLEN.SACK_BASE + TCPOLEN.SACK_PERBLOCK * o.blocks.length);
        for (const b of o.blocks) {
          u32(b.left);
          u32(b.right);
        }
        break;
      case 'timestamps':
        parts.push(TCPOPT.TIMESTAMP, TCPOLEN.TIMESTAMP);
        u32(o.tsval);
        u32(o.tsecr);
        break;
      case 'unknown':
        parts.push(o.type, 2 + o.data.length, ...o.data);
        break;
    }
  }
  return Uint8Array.from(parts);
}
