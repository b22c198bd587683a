/** Packets for the netfilter tests, assembled by hand with checksums filled in (RFC 8200, 4443, 768, 9293, 4302, 4303). */

import type { NfPacket, SecPathEntry } from '../../../src/stack/netfilter/index.js';
import { upperLayerChecksum } from '../../../src/wire/checksum.js';
import { concatBytes } from '../../../src/wire/hex.js';
import { buildIpv6Packet } from '../../../src/wire/ipv6.js';
import { type Ipv6Address, ipv6 } from '../../../src/wire/ipv6-address.js';
import { IPPROTO } from '../../../src/wire/proto.js';

export const A = ipv6('4321::1');
export const B = ipv6('4321::2');

export interface Ip6Opts {
  readonly hlim?: number;
  readonly flowLabel?: number;
  readonly trafficClass?: number;
}

function be16(v: number): Uint8Array {
  return Uint8Array.of((v >> 8) & 0xff, v & 0xff);
}

function be32(v: number): Uint8Array {
  return Uint8Array.of((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

export function ip6(src: Ipv6Address, dst: Ipv6Address, nextHeader: number, payload: Uint8Array, o: Ip6Opts = {}): Uint8Array {
  return buildIpv6Packet(
    { src, dst, hopLimit: o.hlim ?? 64, flowLabel: o.flowLabel ?? 0, trafficClass: o.trafficClass ?? 0 },
    nextHeader,
    payload,
  );
}

/** An ICMPv6 message with its checksum: type, code, 4 bytes of header data, then body. */
export function icmp6Msg(src: Ipv6Address, dst: Ipv6Address, type: number, code: number, rest: Uint8Array): Uint8Array {
  const msg = concatBytes(Uint8Array.of(type, code, 0, 0), rest);
  const sum = upperLayerChecksum(src, dst, IPPROTO.ICMPV6, msg);
  msg[2] = sum >> 8;
  msg[3] = sum & 0xff;
  return msg;
}

/** An echo request/reply packet; `dataLength` bytes of data (56 as ping sends: 104 bytes in all). */
export function echo(src: Ipv6Address, dst: Ipv6Address, id: number, seq = 1, o: Ip6Opts & { type?: number; dataLength?: number } = {}) {
  const rest = concatBytes(be16(id), be16(seq), new Uint8Array(o.dataLength ?? 56));
  return ip6(src, dst, IPPROTO.ICMPV6, icmp6Msg(src, dst, o.type ?? 128, 0, rest), o);
}

/** Any ICMPv6 message (neighbour solicitation, MLD...) with a given body after the 4-byte header. */
export function icmp6(src: Ipv6Address, dst: Ipv6Address, type: number, code: number, rest: Uint8Array, o: Ip6Opts = {}) {
  return ip6(src, dst, IPPROTO.ICMPV6, icmp6Msg(src, dst, type, code, rest), o);
}

/** An ICMPv6 error (type 1-4) quoting `invoking` after its 4 unused/pointer bytes. */
export function icmp6Error(src: Ipv6Address, dst: Ipv6Address, type: number, code: number, invoking: Uint8Array, o: Ip6Opts = {}) {
  return icmp6(src, dst, type, code, concatBytes(new Uint8Array(4), invoking), o);
}

export function udpSegment(src: Ipv6Address, dst: Ipv6Address, sport: number, dport: number, data: Uint8Array): Uint8Array {
  const seg = concatBytes(be16(sport), be16(dport), be16(8 + data.length), be16(0), data);
  let sum = upperLayerChecksum(src, dst, IPPROTO.UDP, seg);
  if (sum === 0) sum = 0xffff;
  seg[6] = sum >> 8;
  seg[7] = sum & 0xff;
  return seg;
}

export function udp(src: Ipv6Address, dst: Ipv6Address, sport: number, dport: number, data = Uint8Array.of(0x78), o: Ip6Opts = {}) {
  return ip6(src, dst, IPPROTO.UDP, udpSegment(src, dst, sport, dport, data), o);
}

export const TH = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20 } as const;

export interface TcpOpts extends Ip6Opts {
  readonly seq?: number;
  readonly ack?: number;
  readonly window?: number;
  readonly data?: Uint8Array;
  /** TCP options bytes (padded by the caller to a multiple of 4). */
  readonly options?: Uint8Array;
}

export function tcpSegment(src: Ipv6Address, dst: Ipv6Address, sport: number, dport: number, flags: number, o: TcpOpts = {}): Uint8Array {
  const options = o.options ?? new Uint8Array(0);
  const doff = (20 + options.length) / 4;
  const seg = concatBytes(
    be16(sport),
    be16(dport),
    be32(o.seq ?? 1000),
    be32(o.ack ?? 0),
    Uint8Array.of(doff << 4, flags),
    be16(o.window ?? 64800),
    be16(0),
    be16(0),
    options,
    o.data ?? new Uint8Array(0),
  );
  const sum = upperLayerChecksum(src, dst, IPPROTO.TCP, seg);
  seg[16] = sum >> 8;
  seg[17] = sum & 0xff;
  return seg;
}

export function tcp(src: Ipv6Address, dst: Ipv6Address, sport: number, dport: number, flags: number, o: TcpOpts = {}) {
  return ip6(src, dst, IPPROTO.TCP, tcpSegment(src, dst, sport, dport, flags, o), o);
}

/** An ESP packet: SPI, sequence number and `bodyLength` opaque bytes. */
export function esp(src: Ipv6Address, dst: Ipv6Address, spi: number, seq = 1, bodyLength = 64, o: Ip6Opts = {}) {
  return ip6(src, dst, IPPROTO.ESP, concatBytes(be32(spi), be32(seq), new Uint8Array(bodyLength)), o);
}

/** An AH header (RFC 4302) with a 12-byte ICV (hmac(sha1) truncated to 96 bits: 24 bytes in all). */
export function ahHeader(nextHeader: number, spi: number, seq: number, icvLength = 12): Uint8Array {
  return concatBytes(
    Uint8Array.of(nextHeader, (12 + icvLength) / 4 - 2),
    be16(0),
    be32(spi),
    be32(seq),
    new Uint8Array(icvLength).fill(0xab),
  );
}

/** AH in transport mode: the upper-layer message of `inner` (an IPv6 packet without extension headers) behind AH. */
export function ahTransport(inner: Uint8Array, spi: number, seq = 1): Uint8Array {
  const src = inner.slice(8, 24);
  const dst = inner.slice(24, 40);
  return ip6(src, dst, IPPROTO.AH, concatBytes(ahHeader(inner[6]!, spi, seq), inner.subarray(40)), { hlim: inner[7]! });
}

/** AH in tunnel mode: an outer header from `src` to `dst`, AH, then the whole inner packet (next header 41). */
export function ahTunnel(src: Ipv6Address, dst: Ipv6Address, inner: Uint8Array, spi: number, seq = 1): Uint8Array {
  return ip6(src, dst, IPPROTO.AH, concatBytes(ahHeader(IPPROTO.IPV6, spi, seq), inner));
}

export function sa(proto: SecPathEntry['proto'], spi: number, mode: SecPathEntry['mode'], src = A, dst = B, reqid = 0): SecPathEntry {
  return { proto, spi, reqid, mode, src, dst };
}

/** The packet as a hook receives it. */
export function nf(bytes: Uint8Array, more: Partial<Omit<NfPacket, 'bytes'>> = {}): NfPacket {
  return { bytes, mark: 0, secPath: [], ...more };
}
