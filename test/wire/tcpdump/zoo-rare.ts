/** printer-zoo.pcap, second part: messages rarely seen but decoded by tcpdump (router renumbering, node information, RPL, DNSSL, mobility, IPComp, Ethernet in IPv6). */

import { ipv6 } from '../../../src/wire/ipv6-address.js';
import { IPPROTO } from '../../../src/wire/proto.js';
import { A, ahHeader, B, be16, be32, bytes, eth, filler, fragmentHeader, icmp6, ip6, MAC_A, MAC_B, udp } from './packet-builder.js';

const { UDP, AH, ICMPV6, NONE, FRAGMENT } = IPPROTO;
const IPPROTO_MOBILITY_OLD = 62;
const IPPROTO_IPCOMP = 108;
const IPPROTO_MOBILITY = 135;
const IPPROTO_ETHERNET = 143;

const LL_A = ipv6('fe80::a');
const ALL_NODES = ipv6('ff02::1');
const ALL_RPL_NODES = ipv6('ff02::1a');
const NONCE = filler(8, 0xe0);

/** An RFC 1035 name, uncompressed, with its closing root label. */
function dnsName(name: string): Uint8Array {
  const parts = name.split('.').filter((l) => l.length > 0);
  return bytes(...parts.map((l) => bytes(l.length, new TextEncoder().encode(l))), 0);
}

/** Neighbour-discovery option: type, length in 8-octet units, body padded with zeros to fit. */
function ndOpt(type: number, body: Uint8Array): Uint8Array {
  const total = Math.ceil((body.length + 2) / 8) * 8;
  return bytes(type, total / 8, body, new Array<number>(total - 2 - body.length).fill(0));
}

function icmpFrame(type: number, code: number, body: Uint8Array, src = A, dst = B): Uint8Array {
  return eth(ip6(ICMPV6, icmp6(type, code, body, src, dst), { src, dst, hlim: 255 }));
}

/** A router advertisement with no flags, carrying `options` after the fixed part. */
function ra(options: Uint8Array): Uint8Array {
  return icmpFrame(134, 0, bytes(64, 0, be16(1800), be32(0), be32(0), options), LL_A, ALL_NODES);
}

/** RFC 2894 message: sequence number, segment, flags, max delay, reserved, then the parts. */
function rrenum(code: number, seq: number, flags: number, reserved: number, parts: Uint8Array): Uint8Array {
  return icmpFrame(138, code, bytes(be32(seq), 3, flags, be16(250), be32(reserved), parts), A, ipv6('ff05::2'));
}

function pcoMatch(code: number, uses: number, prefix: string, matchLen: number): Uint8Array {
  return bytes(code, 3 + 4 * uses, 1, matchLen, 48, 64, be16(0), ipv6(prefix));
}

function pcoUse(prefix: string, vltime: number, pltime: number, flags: number): Uint8Array {
  return bytes(64, 48, 0xc0, 0x80, be32(vltime), be32(pltime), flags, 0, 0, 0, ipv6(prefix));
}

/** RFC 4620 query or reply: qtype, flags, nonce, then the data. */
function nodeInfo(type: number, code: number, qtype: number, flags: number, data: Uint8Array): Uint8Array {
  return icmpFrame(type, code, bytes(be16(qtype), be16(flags), NONCE, data));
}

function rpl(code: number, body: Uint8Array): Uint8Array {
  return icmpFrame(155, code, body, LL_A, ALL_RPL_NODES);
}

/** A mobility header of `type` whose body (after the checksum) is `body`, sized in 8-octet units. */
function mobilityHeader(type: number, body: Uint8Array): Uint8Array {
  const total = body.length + 6;
  if (total % 8 !== 0) throw new Error(`mobility header of ${total} bytes is not a multiple of 8`);
  return bytes(NONE, total / 8 - 1, type, 0, be16(0), body);
}

const BU_OPTIONS = bytes(
  0,
  bytes(2, 2, be16(150)),
  bytes(3, 16, ipv6('4444::9')),
  bytes(4, 4, be16(0x1234), be16(0xabcd)),
  bytes(5, 10, filler(10)),
  bytes(9, 1, 0xff),
);

const bindingUpdate = (options: Uint8Array) => mobilityHeader(5, bytes(be16(42), 0xf0, 0, be16(100), options));

/** The whole frames. */
export function rareFrames(): Uint8Array[] {
  const f: Uint8Array[] = [];

  // Router renumbering: a command with its match and use parts, then the other codes.
  const uses = bytes(pcoUse('4321:1::', 0xffffffff, 0xffffffff, 0xc0), pcoUse('4321:2::', 86400, 3600, 0));
  f.push(rrenum(0, 1, 0xf8, 0, bytes(pcoMatch(1, 2, '4321::', 32), uses)));
  f.push(rrenum(0, 2, 0, 7, bytes(pcoMatch(9, 0, '4321::', 16))));
  f.push(rrenum(0, 3, 0x40, 0, bytes(pcoMatch(2, 1, '4321::', 16), pcoUse('::', 1, 1, 0x40))));
  f.push(
    rrenum(
      0,
      4,
      0,
      0,
      bytes(pcoMatch(3, 1, '4321::', 16)).map((v, i) => (i === 1 ? 5 : v)),
    ),
  );
  f.push(rrenum(0, 5, 0, 0, new Uint8Array(0)));
  f.push(rrenum(1, 6, 0, 0, bytes(be16(2), 1, 64, be32(7), ipv6('4321:1::'))));
  f.push(rrenum(255, 7, 0, 0, new Uint8Array(0)));
  f.push(rrenum(8, 8, 0, 0, new Uint8Array(0)));

  // Node information: queries for each qtype and subject, then replies.
  f.push(icmpFrame(139, 0, bytes(be32(0), be32(0))));
  f.push(nodeInfo(139, 0, 0, 0, new Uint8Array(0)));
  f.push(nodeInfo(139, 0, 1, 1, B));
  f.push(nodeInfo(139, 0, 2, 0, B));
  f.push(nodeInfo(139, 0, 2, 0, new Uint8Array(0)));
  f.push(nodeInfo(139, 0, 3, 0x7e, B));
  f.push(nodeInfo(139, 0, 3, 0, bytes(B, 0, 0)));
  f.push(nodeInfo(139, 1, 2, 0, dnsName('host.example.')));
  f.push(nodeInfo(139, 1, 2, 0, bytes(12, new TextEncoder().encode('host.example'))));
  f.push(nodeInfo(139, 1, 2, 0, bytes(dnsName('a.b'), 0)));
  f.push(nodeInfo(139, 1, 2, 0, bytes(5, 0x61, 0x62, 0x01, 0x7f, 0xe9, 0x40)));
  f.push(nodeInfo(139, 1, 2, 0, bytes(9, 0x61, 0x62)));
  f.push(nodeInfo(139, 2, 3, 0, bytes(192, 0, 2, 1)));
  f.push(nodeInfo(139, 2, 3, 0, bytes(192, 0, 2)));
  f.push(nodeInfo(139, 7, 4, 0, B));
  f.push(nodeInfo(140, 0, 0, 0, new Uint8Array(0)));
  f.push(nodeInfo(140, 0, 0, 0, filler(4)));
  f.push(nodeInfo(140, 1, 2, 0, new Uint8Array(0)));
  f.push(nodeInfo(140, 2, 2, 0, filler(4)));
  f.push(nodeInfo(140, 5, 2, 0, new Uint8Array(0)));
  f.push(nodeInfo(140, 0, 1, 1, filler(8)));
  f.push(nodeInfo(140, 0, 2, 1, bytes(be32(3600), dnsName('host.example.'))));
  f.push(nodeInfo(140, 0, 2, 0, bytes(be32(0), 4, new TextEncoder().encode('host'))));
  f.push(nodeInfo(140, 0, 3, 0x3f, bytes(be32(30), A, be32(0xffffffff), B, 0, 0)));
  f.push(nodeInfo(140, 0, 9, 0, new Uint8Array(0)));

  // RPL: solicitation, DIO with options, DAO with and without a DODAGID, DAO-ACK, secured, unknown.
  const dagid = ipv6('fd00::1');
  f.push(rpl(0x00, bytes(0, 0)));
  f.push(rpl(0x01, bytes(1, 2, be16(256), 0x80 | (1 << 3) | 3, 7, 0, 0, dagid, 0, 1, 2, 0, 0, 4, 3, 1, 2, 3, 77, 1, 0)));
  f.push(rpl(0x01, bytes(1, 2, be16(256), 5 << 3, 7, 0, 0, dagid, 4, 1)));
  f.push(rpl(0x01, bytes(1, 2, be16(256), 0, 7, 0, 0, dagid.subarray(0, 12))));
  f.push(rpl(0x02, bytes(1, 0xc0, 0, 9, dagid, 5, 4, 0, 128, 1, 2)));
  f.push(rpl(0x02, bytes(1, 0x00, 0, 9, filler(16), 6, 2, 0, 0)));
  f.push(rpl(0x02, bytes(1, 0x40, 0, 9, filler(16)).subarray(0, 16)));
  f.push(rpl(0x03, bytes(1, 0x80, 9, 0, dagid, 1, 0)));
  f.push(rpl(0x03, bytes(1, 0x00, 9, 0)));
  f.push(rpl(0x03, bytes(1, 0x80, 9, 0, filler(4))));
  f.push(rpl(0x81, filler(24)));
  f.push(rpl(0x07, filler(4)));

  // DNSSL in router advertisements: plain names, a backward pointer, bit labels, bad labels.
  const lladdr = ndOpt(1, MAC_A);
  f.push(ra(bytes(lladdr, ndOpt(31, bytes(0, 0, be32(600), dnsName('example.com'), 4, 0x63, 0x6f, 0x72, 0x70, 0xc0, 16)))));
  f.push(ra(ndOpt(31, bytes(0, 0, be32(0xffffffff), dnsName('a.example'), 2, 0x6c, 0x61, 0xc0, 0xff))));
  f.push(ra(ndOpt(31, bytes(0, 0, be32(60), 0x41, 12, 0xab, 0xc0, 3, 0x63, 0x6f, 0x6d, 0))));
  f.push(ra(ndOpt(31, bytes(0, 0, be32(60), 0x41, 0, filler(32), 0))));
  f.push(ra(ndOpt(31, bytes(0, 0, be32(60), 0x42, 1, 0))));
  f.push(ra(ndOpt(31, bytes(0, 0, be32(60), 0x81, 1, 0))));
  f.push(ra(ndOpt(31, bytes(0, 0, be32(60), 3, 0x66, 0x6f, 0x6f, 0x80, 0))));
  f.push(ra(ndOpt(31, bytes(0, 0, be32(60), dnsName(Array.from({ length: 5 }, (_, i) => String(i).repeat(63)).join('.'))))));
  f.push(ra(ndOpt(31, bytes(0, 0, be32(60)))));

  // Mobility headers of each type, under both protocol numbers, after a fragment, and malformed.
  const mobility = (mh: Uint8Array, nh = IPPROTO_MOBILITY, extra: Uint8Array = new Uint8Array(0)) => eth(ip6(nh, bytes(mh, extra)));
  f.push(mobility(mobilityHeader(0, be16(0))));
  f.push(mobility(mobilityHeader(1, bytes(be16(0), filler(8)))));
  f.push(mobility(mobilityHeader(2, bytes(be16(0), filler(8)))));
  f.push(mobility(mobilityHeader(3, bytes(be16(0x1f), filler(16)))));
  f.push(mobility(mobilityHeader(4, bytes(be16(0x2e), filler(16)))));
  f.push(mobility(bindingUpdate(BU_OPTIONS)));
  f.push(mobility(bindingUpdate(BU_OPTIONS), IPPROTO_MOBILITY, filler(8)));
  f.push(mobility(bindingUpdate(bytes(1, 2, 0, 0)), IPPROTO_MOBILITY_OLD, filler(8)));
  f.push(mobility(mobilityHeader(5, bytes(be16(7), 0x00, 0, be16(4), 1, 0, 2, 0)), IPPROTO_MOBILITY, filler(8)));
  f.push(mobility(mobilityHeader(6, bytes(0, 0x80, be16(43), be16(100), 1, 2, 0, 0)), IPPROTO_MOBILITY, filler(8)));
  f.push(mobility(mobilityHeader(7, bytes(1, 0, B))));
  f.push(mobility(mobilityHeader(7, bytes(1, 0, B, 0, 0, 0, 0, 0, 0, 0, 0)), IPPROTO_MOBILITY, filler(8)));
  f.push(mobility(mobilityHeader(9, be16(0))));
  f.push(mobility(bytes(NONE, 0, 5, 0, be16(0), be16(1))));
  f.push(mobility(bytes(NONE, 0, 1, 0, be16(0), be16(1))));
  f.push(eth(ip6(FRAGMENT, bytes(fragmentHeader(IPPROTO_MOBILITY, 0, false, 9), mobilityHeader(0, be16(0))))));
  f.push(eth(ip6(AH, bytes(ahHeader(IPPROTO_MOBILITY, 0x10e1, 3, filler(12)), mobilityHeader(0, be16(0))))));

  // IPComp, bare and under AH.
  f.push(eth(ip6(IPPROTO_IPCOMP, bytes(UDP, 0, be16(0x1234), filler(24)))));
  f.push(eth(ip6(AH, bytes(ahHeader(IPPROTO_IPCOMP, 0x10e1, 4, filler(12)), IPPROTO.TCP, 0, be16(3), filler(16)))));
  f.push(eth(ip6(IPPROTO_IPCOMP, bytes(UDP, 0))));

  // Ethernet inside IPv6: an IPv6 packet in it, an unknown EtherType, a frame too short.
  f.push(eth(ip6(IPPROTO_ETHERNET, eth(ip6(UDP, udp(1000, 2000, filler(4), B, A), { src: B, dst: A }), 0x86dd, MAC_B, MAC_A))));
  f.push(eth(ip6(IPPROTO_ETHERNET, eth(filler(18), 0x88b5))));
  f.push(eth(ip6(IPPROTO_ETHERNET, filler(10))));
  return f;
}

/** Frames the zoo also keeps cut at many points, as a snapshot length would cut them. */
export function rareTruncationPicks(): Uint8Array[] {
  return [
    rrenum(0, 1, 0xf8, 0, bytes(pcoMatch(1, 1, '4321::', 32), pcoUse('4321:1::', 0xffffffff, 0xffffffff, 0xc0))),
    nodeInfo(140, 0, 3, 0x3f, bytes(be32(30), A, be32(0xffffffff), B)),
    nodeInfo(139, 1, 2, 0, dnsName('host.example.')),
    rpl(0x02, bytes(1, 0xc0, 0, 9, ipv6('fd00::1'), 5, 4, 0, 128, 1, 2)),
    ra(ndOpt(31, bytes(0, 0, be32(600), dnsName('example.com'), dnsName('corp.example')))),
    eth(ip6(IPPROTO_MOBILITY, bytes(bindingUpdate(BU_OPTIONS), filler(8)))),
    eth(ip6(IPPROTO_ETHERNET, eth(ip6(UDP, udp(1000, 2000, filler(4), B, A), { src: B, dst: A }), 0x86dd, MAC_B, MAC_A))),
  ];
}
