/** printer-zoo.pcap: the packets the kernel captures lack, built by hand so tcpdump's every path gets a recorded line. */

import { concatBytes } from '../../../src/wire/hex.js';
import { ipv6 } from '../../../src/wire/ipv6-address.js';
import { IPPROTO } from '../../../src/wire/proto.js';
import {
  A,
  ahHeader,
  B,
  be16,
  be32,
  bytes,
  espPacket,
  eth,
  filler,
  fragmentHeader,
  icmp6,
  ip6,
  MAC_A,
  optionsHeader,
  routingHeader,
  TH,
  tcp,
  udp,
} from './packet-builder.js';
import { rareFrames, rareTruncationPicks } from './zoo-rare.js';

export interface ZooRecord {
  readonly timeUs: number;
  readonly data: Uint8Array;
  readonly origLength: number;
}

const LL_A = ipv6('fe80::a');
const ALL_NODES = ipv6('ff02::1');
const ALL_ROUTERS = ipv6('ff02::2');
const MLDV2_ROUTERS = ipv6('ff02::16');
const C = ipv6('4444::2');
const MID = ipv6('4321::ff');

const { HOPOPTS, TCP, UDP, ROUTING, FRAGMENT, ESP, AH, ICMPV6, NONE, DSTOPTS, IPV6 } = IPPROTO;

/** An invoking packet as an ICMPv6 error quotes it: a UDP datagram from B to C. */
function invokingUdp(): Uint8Array {
  return ip6(UDP, udp(41760, 7777, filler(9), B, C), { src: B, dst: C });
}

function invokingTcp(): Uint8Array {
  return ip6(TCP, tcp({ sport: 36228, dport: 7777, seq: 1, flags: TH.SYN }, B, C), { src: B, dst: C });
}

function error(type: number, code: number, word: number, invoking: Uint8Array): Uint8Array {
  return eth(ip6(ICMPV6, icmp6(type, code, bytes(be32(word), invoking), A, B)));
}

/** Neighbour-discovery option: type, length in 8-octet units, body padded to fit. */
function ndOpt(type: number, body: Uint8Array): Uint8Array {
  const total = Math.ceil((body.length + 2) / 8) * 8;
  return bytes(type, total / 8, body, new Array<number>(total - 2 - body.length).fill(0));
}

const lladdrOpt = (type: number) => ndOpt(type, MAC_A);

function mldv2Query(mrc: number, group: Uint8Array, sqrv: number, qqic: number, sources: readonly Uint8Array[]): Uint8Array {
  const hbh = optionsHeader(ICMPV6, bytes(5, 2, 0, 0));
  const msg = icmp6(130, 0, bytes(be16(mrc), 0, 0, group, sqrv, qqic, be16(sources.length), ...sources), LL_A, ALL_NODES);
  return eth(ip6(HOPOPTS, bytes(hbh, msg), { src: LL_A, dst: ALL_NODES, hlim: 1 }));
}

function mldv2Record(type: number, group: Uint8Array, sources: readonly Uint8Array[]): Uint8Array {
  return bytes(type, 0, be16(sources.length), group, ...sources);
}

function mldv2Report(groups: number, records: Uint8Array): Uint8Array {
  const hbh = optionsHeader(ICMPV6, bytes(5, 2, 0, 0));
  const msg = icmp6(143, 0, bytes(0, 0, be16(groups), records), LL_A, MLDV2_ROUTERS);
  return eth(ip6(HOPOPTS, bytes(hbh, msg), { src: LL_A, dst: MLDV2_ROUTERS, hlim: 1 }));
}

function mldv1(type: number, delay: number, group: Uint8Array): Uint8Array {
  const hbh = optionsHeader(ICMPV6, bytes(5, 2, 0, 0));
  return eth(ip6(HOPOPTS, bytes(hbh, icmp6(type, 0, bytes(be16(delay), 0, 0, group), LL_A, group)), { src: LL_A, dst: group, hlim: 1 }));
}

const TCP_SYN_OPTIONS = bytes(2, 4, be16(1440), 4, 2, 8, 10, be32(1507555373), be32(0), 1, 3, 3, 7);
const TCP_TS_OPTIONS = (val: number, ecr: number) => bytes(1, 1, 8, 10, be32(val), be32(ecr));

/** The frames, whole: the truncated copies are made from some of them at the end. */
function frames(): Uint8Array[] {
  const f: Uint8Array[] = [];

  // ICMPv6 errors, each code, with the packet that caused them.
  for (const code of [0, 1, 2, 3, 4, 5, 6, 7]) f.push(error(1, code, 0, invokingUdp()));
  f.push(error(1, 4, 0, invokingTcp()));
  f.push(error(1, 4, 0, ip6(ICMPV6, icmp6(128, 0, bytes(be16(1), be16(1)), B, C), { src: B, dst: C })));
  f.push(
    error(
      1,
      4,
      0,
      ip6(HOPOPTS, bytes(optionsHeader(FRAGMENT, bytes(5, 2, 0, 0)), fragmentHeader(UDP, 0, true, 7), udp(5000, 7777, filler(4), B, C)), {
        src: B,
        dst: C,
      }),
    ),
  );
  f.push(error(1, 4, 0, ip6(AH, bytes(ahHeader(UDP, 0x10e1, 1, filler(12)), udp(5000, 7777, filler(4), B, C)), { src: B, dst: C })));
  f.push(error(1, 4, 0, ip6(FRAGMENT, bytes(fragmentHeader(UDP, 8, false, 7), filler(8)), { src: B, dst: C })));
  f.push(error(1, 4, 0, invokingUdp().subarray(0, 41)));
  f.push(error(2, 0, 1280, invokingUdp()));
  for (const code of [0, 1, 2]) f.push(error(3, code, 0, invokingUdp()));
  for (const code of [0, 1, 2, 3, 4]) f.push(error(4, code, 40, invokingUdp()));
  f.push(error(4, 0, 6, invokingUdp().subarray(0, 30)));

  // Echo, plain and with a bad checksum; unknown and rarely seen informational types.
  f.push(eth(ip6(ICMPV6, icmp6(128, 0, bytes(be16(784), be16(1), filler(56))), { flowLabel: 0x1d86b })));
  f.push(eth(ip6(ICMPV6, icmp6(129, 0, bytes(be16(784), be16(1), filler(56)), B, A, true), { src: B, dst: A, trafficClass: 0x28 })));
  f.push(eth(ip6(ICMPV6, icmp6(250, 3, filler(20)))));
  f.push(eth(ip6(ICMPV6, icmp6(141, 0, filler(4)))));
  f.push(eth(ip6(ICMPV6, icmp6(144, 0, bytes(be16(0x1234), 0, 0)))));
  f.push(eth(ip6(ICMPV6, icmp6(145, 0, bytes(be16(0x1234), 0, 0, A, B)))));
  f.push(eth(ip6(ICMPV6, icmp6(146, 0, bytes(be16(0x4321), 0, 0)))));
  f.push(eth(ip6(ICMPV6, icmp6(147, 0, bytes(be16(0x4321), be16(0xc000), lladdrOpt(1))))));
  f.push(eth(ip6(ICMPV6, new Uint8Array(0))));

  // Neighbour discovery.
  f.push(eth(ip6(ICMPV6, icmp6(133, 0, bytes(be32(0), lladdrOpt(1)), LL_A, ALL_ROUTERS), { src: LL_A, dst: ALL_ROUTERS, hlim: 255 })));
  f.push(eth(ip6(ICMPV6, icmp6(133, 0, be32(0), LL_A, ALL_ROUTERS), { src: LL_A, dst: ALL_ROUTERS, hlim: 255 })));
  const raOptions = bytes(
    lladdrOpt(1),
    ndOpt(5, bytes(0, 0, be32(1500))),
    ndOpt(3, bytes(64, 0xc0, be32(0xffffffff), be32(604800), be32(0), ipv6('4321::'))),
    ndOpt(3, bytes(48, 0x20, be32(3600), be32(1800), be32(0), ipv6('2001:db8:1::'))),
    ndOpt(25, bytes(0, 0, be32(600), ipv6('4321::53'), ipv6('4321::54'))),
    ndOpt(24, bytes(0, 0x08, be32(900))),
    ndOpt(24, bytes(48, 0x18, be32(0xffffffff), ipv6('2001:db8:2::').subarray(0, 8))),
    ndOpt(24, bytes(64, 0x00, be32(300), ipv6('2001:db8:3:4::'))),
    ndOpt(7, bytes(0, 0, be32(600000))),
    ndOpt(8, bytes(be16(10), be16(1800))),
    ndOpt(99, filler(6)),
  );
  f.push(
    eth(
      ip6(ICMPV6, icmp6(134, 0, bytes(64, 0xca, be16(1800), be32(30000), be32(1000), raOptions), LL_A, ALL_NODES), {
        src: LL_A,
        dst: ALL_NODES,
        hlim: 255,
      }),
    ),
  );
  f.push(
    eth(ip6(ICMPV6, icmp6(134, 0, bytes(0, 0x18, be16(0), be32(0), be32(0)), LL_A, ALL_NODES), { src: LL_A, dst: ALL_NODES, hlim: 255 })),
  );
  f.push(
    eth(
      ip6(ICMPV6, icmp6(134, 0, bytes(64, 0, be16(1800), be32(0), be32(0), ndOpt(5, bytes(0, 0, be32(1280), be32(0)))), LL_A, ALL_NODES), {
        src: LL_A,
        dst: ALL_NODES,
        hlim: 255,
      }),
    ),
  );
  f.push(
    eth(
      ip6(ICMPV6, icmp6(135, 0, bytes(be32(0), B, lladdrOpt(1), ndOpt(14, filler(6))), A, ipv6('ff02::1:ff00:2')), {
        dst: ipv6('ff02::1:ff00:2'),
        hlim: 255,
      }),
    ),
  );
  f.push(
    eth(
      ip6(ICMPV6, icmp6(135, 0, bytes(be32(0), B), ipv6('::'), ipv6('ff02::1:ff00:2')), {
        src: ipv6('::'),
        dst: ipv6('ff02::1:ff00:2'),
        hlim: 255,
      }),
    ),
  );
  f.push(eth(ip6(ICMPV6, icmp6(136, 0, bytes(be32(0), B, lladdrOpt(2)), B, A), { src: B, dst: A, hlim: 255 })));
  f.push(eth(ip6(ICMPV6, icmp6(136, 0, bytes(be32(0xe0000000), B), B, A), { src: B, dst: A, hlim: 255 })));
  f.push(eth(ip6(ICMPV6, icmp6(136, 0, bytes(be32(0), B, bytes(2, 0, filler(6))), B, A), { src: B, dst: A, hlim: 255 })));
  f.push(
    eth(
      ip6(ICMPV6, icmp6(137, 0, bytes(be32(0), MID, C, lladdrOpt(2), bytes(4, 6, 0, 0, 0, 0, 0, 0, invokingUdp())), MID, A), {
        src: MID,
        dst: A,
        hlim: 255,
      }),
    ),
  );

  // MLD: v2 queries and reports, v1 query, report and done.
  f.push(mldv2Query(10000, new Uint8Array(16), 2, 125, []));
  f.push(mldv2Query(0x8a00, ipv6('ff02::1:ff00:2'), 0x0a, 0x8c, [A, B]));
  f.push(mldv2Query(1000, ipv6('ff05::fb'), 2, 125, [A, B, C]).subarray(0, 14 + 40 + 8 + 28 + 16));
  f.push(mldv1(130, 10000, new Uint8Array(16)));
  f.push(mldv1(131, 0, ipv6('ff02::fb')));
  f.push(mldv1(132, 0, ipv6('ff02::fb')));
  f.push(
    mldv2Report(
      3,
      bytes(mldv2Record(1, ipv6('ff02::fb'), [A]), mldv2Record(6, ipv6('ff05::1'), [A, B]), mldv2Record(9, ipv6('ff05::2'), [])),
    ),
  );
  f.push(mldv2Report(2, mldv2Record(4, ipv6('ff02::1:ff00:1'), [])));
  f.push(mldv2Report(1, mldv2Record(5, ipv6('ff02::1:ff00:1'), [A, B]).subarray(0, 36)));

  // UDP.
  f.push(eth(ip6(UDP, udp(41760, 7777, filler(9)))));
  f.push(eth(ip6(UDP, udp(41760, 7777, filler(9), A, B, { bad: true }))));
  f.push(eth(ip6(UDP, udp(41760, 7777, filler(9), A, B, { zero: true }))));
  f.push(eth(ip6(UDP, udp(41760, 7777, filler(9), A, B, { ulen: 40 }))));
  f.push(eth(ip6(UDP, udp(41760, 7777, filler(9), A, B, { ulen: 12 }))));
  f.push(eth(ip6(UDP, udp(41760, 7777, filler(9), A, B, { ulen: 4 }))));
  f.push(eth(ip6(UDP, udp(41760, 7777, filler(2)).subarray(0, 6))));
  f.push(eth(ip6(DSTOPTS, bytes(optionsHeader(UDP, bytes(0x1e, 2, 0, 0)), udp(1234, 5678, filler(3))))));

  // TCP: one connection (relative sequence numbers), then odd flags and options.
  const c = { sport: 36228, dport: 7777 };
  f.push(eth(ip6(TCP, tcp({ ...c, seq: 367127930, flags: TH.SYN, options: TCP_SYN_OPTIONS }, B, C), { src: B, dst: C })));
  f.push(
    eth(
      ip6(
        TCP,
        tcp(
          { sport: 7777, dport: 36228, seq: 4061326496, ack: 367127931, flags: TH.SYN | TH.ACK, win: 64260, options: TCP_SYN_OPTIONS },
          C,
          B,
        ),
        { src: C, dst: B },
      ),
    ),
  );
  f.push(
    eth(
      ip6(
        TCP,
        tcp({ ...c, seq: 367127931, ack: 4061326497, flags: TH.ACK, win: 507, options: TCP_TS_OPTIONS(1507555374, 4146869852) }, B, C),
        { src: B, dst: C },
      ),
    ),
  );
  f.push(
    eth(
      ip6(
        TCP,
        tcp(
          {
            ...c,
            seq: 367127931,
            ack: 4061326497,
            flags: TH.ACK | TH.PSH,
            win: 507,
            options: TCP_TS_OPTIONS(1507555375, 4146869852),
            payload: filler(20),
          },
          B,
          C,
        ),
        { src: B, dst: C },
      ),
    ),
  );
  f.push(
    eth(
      ip6(
        TCP,
        tcp(
          {
            sport: 7777,
            dport: 36228,
            seq: 4061326497,
            ack: 367127951,
            flags: TH.ACK,
            win: 503,
            options: bytes(1, 1, 5, 10, be32(367127961), be32(367127971)),
          },
          C,
          B,
        ),
        { src: C, dst: B },
      ),
    ),
  );
  f.push(
    eth(
      ip6(TCP, tcp({ ...c, seq: 367127951, ack: 4061326497, flags: TH.ACK | TH.URG | TH.PSH, urp: 3, payload: filler(5) }, B, C), {
        src: B,
        dst: C,
      }),
    ),
  );
  f.push(eth(ip6(TCP, tcp({ ...c, seq: 367127956, ack: 4061326497, flags: TH.ACK | TH.FIN, bad: true }, B, C), { src: B, dst: C })));
  f.push(
    eth(
      ip6(
        TCP,
        tcp(
          {
            sport: 7777,
            dport: 36228,
            seq: 4061326497,
            ack: 367127957,
            flags: TH.RST | TH.ACK,
            payload: new TextEncoder().encode('connection reset\n\u007f'),
          },
          C,
          B,
        ),
        { src: C, dst: B },
      ),
    ),
  );
  f.push(eth(ip6(TCP, tcp({ sport: 7777, dport: 41000, seq: 1, flags: TH.RST, payload: filler(40, 0x7a) }, C, B), { src: C, dst: B })));
  f.push(eth(ip6(TCP, tcp({ sport: 5000, dport: 5000, seq: 10, ack: 20, flags: TH.ACK | TH.ECE | TH.CWR }, B, A), { src: B, dst: A })));
  f.push(eth(ip6(TCP, tcp({ sport: 5001, dport: 5002, seq: 10, flags: 0 }))));
  f.push(
    eth(
      ip6(
        TCP,
        tcp({
          sport: 5003,
          dport: 5004,
          seq: 1,
          flags: TH.SYN,
          options: bytes(
            28,
            4,
            be16(0x8003),
            34,
            2,
            254,
            4,
            0xf9,
            0x89,
            34,
            10,
            filler(8),
            29,
            6,
            1,
            2,
            0xaa,
            0xbb,
            6,
            6,
            be32(77),
            99,
            4,
            1,
            2,
            0,
            0,
            0,
          ),
        }),
      ),
    ),
  );
  f.push(
    eth(
      ip6(TCP, tcp({ sport: 5005, dport: 5006, seq: 1, flags: TH.SYN, options: bytes(19, 18, filler(16), 1, 1, 20, 4, 7, 9, 4, 2, 1, 1) })),
    ),
  );
  f.push(
    eth(ip6(TCP, tcp({ sport: 5007, dport: 5008, seq: 1, flags: TH.SYN, options: bytes(2, 4, be16(1440), 5, 7, 1, 2, 3, 4, 5, 1, 1, 1) }))),
  );
  f.push(eth(ip6(TCP, tcp({ sport: 5009, dport: 5010, seq: 1, flags: TH.SYN, options: bytes(2, 9, 0, 0, 1, 1, 1, 1) }))));
  f.push(eth(ip6(TCP, tcp({ sport: 5011, dport: 5012, seq: 1, flags: TH.SYN, options: bytes(0, 2, 4, 1) }))));
  f.push(eth(ip6(TCP, tcp({ sport: 5013, dport: 5014, seq: 1, flags: TH.SYN, options: bytes(2, 3, 5, 1) }))));
  f.push(eth(ip6(TCP, tcp({ sport: 5015, dport: 5016, seq: 1, flags: TH.SYN, doff: 3 }))));
  f.push(eth(ip6(TCP, tcp({ sport: 5017, dport: 5018, seq: 1, flags: TH.SYN, doff: 15 }))));

  // Fragments, routing headers, destination options.
  f.push(eth(ip6(FRAGMENT, bytes(fragmentHeader(UDP, 0, true, 0xdeadbeef), udp(41760, 7777, filler(1400)).subarray(0, 1232)))));
  f.push(eth(ip6(FRAGMENT, bytes(fragmentHeader(UDP, 154, false, 0xdeadbeef), filler(176)))));
  f.push(eth(ip6(FRAGMENT, bytes(fragmentHeader(ICMPV6, 0, true, 5), icmp6(128, 0, bytes(be16(1), be16(2), filler(40))).subarray(0, 24)))));
  f.push(eth(ip6(ROUTING, bytes(routingHeader(ICMPV6, 0, 2, [MID, C]), icmp6(128, 0, bytes(be16(9), be16(1)), A, C)), { dst: MID })));
  f.push(eth(ip6(ROUTING, bytes(routingHeader(UDP, 2, 1, [C]), udp(1000, 2000, filler(4), A, C)), { dst: MID })));
  f.push(
    eth(
      ip6(ROUTING, bytes(routingHeader(TCP, 4, 1, [C, MID], 0x01020003), tcp({ sport: 5019, dport: 5020, seq: 1, flags: TH.SYN }, A, C)), {
        dst: MID,
      }),
    ),
  );
  f.push(eth(ip6(ROUTING, bytes(routingHeader(UDP, 0, 1, [C], 0x11), udp(1000, 2000, filler(4), A, C)), { dst: MID })));
  f.push(eth(ip6(ROUTING, bytes(routingHeader(UDP, 3, 1, [C]), udp(1000, 2000, filler(4), A, C)), { dst: MID })));
  f.push(eth(ip6(ROUTING, bytes(ICMPV6, 1, 0, 1, be32(0), filler(8)), { dst: MID })));
  f.push(
    eth(
      ip6(
        DSTOPTS,
        bytes(optionsHeader(ICMPV6, bytes(0, 1, 1, 0, 0xc2, 4, be32(70000), 0x3e, 1, 9), true), icmp6(128, 0, bytes(be16(3), be16(4)))),
      ),
    ),
  );
  f.push(eth(ip6(DSTOPTS, bytes(optionsHeader(NONE, bytes(0xc9, 20, A, 1, 0, 0x33, 0, 0, 0)), filler(8)))));
  f.push(eth(ip6(DSTOPTS, bytes(optionsHeader(NONE, bytes(0xc9, 16, A, 0, 0, 0, 0, 1, 0)), filler(0)))));
  f.push(eth(ip6(DSTOPTS, bytes(optionsHeader(ICMPV6, bytes(1, 9, 0, 0, 0, 0), true), icmp6(128, 0, be32(0))))));

  // Hop-by-hop oddities, jumbo payload, AH (transport, tunnel, behind hop-by-hop), ESP.
  f.push(eth(ip6(HOPOPTS, bytes(optionsHeader(ICMPV6, bytes(5, 3, 0, 0, 0)), icmp6(128, 0, be32(0))))));
  f.push(eth(ip6(HOPOPTS, bytes(optionsHeader(ICMPV6, bytes(5, 2, 0, 0, 1, 5), true), icmp6(128, 0, be32(0))))));
  f.push(
    eth(ip6(HOPOPTS, bytes(optionsHeader(HOPOPTS, bytes(5, 2, 0, 0)), optionsHeader(ICMPV6, bytes(5, 2, 0, 0)), icmp6(128, 0, be32(0))))),
  );
  f.push(eth(ip6(DSTOPTS, bytes(optionsHeader(HOPOPTS, bytes(1, 0)), optionsHeader(ICMPV6, bytes(5, 2, 0, 0)), icmp6(128, 0, be32(0))))));
  f.push(eth(ip6(HOPOPTS, bytes(optionsHeader(UDP, bytes(0xc2, 4, be32(70000))), udp(1, 2, filler(4))), { payloadLength: 0 })));
  f.push(eth(ip6(HOPOPTS, bytes(optionsHeader(UDP, bytes(0xc2, 4, be32(300))), udp(1, 2, filler(4))), { payloadLength: 0 })));
  f.push(eth(ip6(HOPOPTS, bytes(optionsHeader(UDP, bytes(0xc2, 4, be32(70000))), udp(1, 2, filler(4))))));
  f.push(
    eth(
      ip6(AH, bytes(ahHeader(ICMPV6, 0x10e1, 0x1b, filler(12, 0x90)), icmp6(128, 0, bytes(be16(784), be16(1), filler(8)))), {
        flowLabel: 0x1d86b,
      }),
    ),
  );
  f.push(eth(ip6(AH, bytes(ahHeader(ICMPV6, 0x10e1, 2, new Uint8Array(0), 0x55), icmp6(128, 0, bytes(be16(784), be16(2)))))));
  const inner = ip6(TCP, tcp({ sport: 36228, dport: 7777, seq: 5, ack: 9, flags: TH.ACK, options: TCP_TS_OPTIONS(1, 2) }, B, C), {
    src: B,
    dst: C,
    flowLabel: 0xd66bf,
  });
  f.push(
    eth(
      ip6(HOPOPTS, bytes(optionsHeader(AH, bytes(0x3e, 4, 0, 0, 0, 0)), ahHeader(IPV6, 0x100, 7, filler(12, 0xa0)), inner), {
        src: A,
        dst: MID,
      }),
    ),
  );
  f.push(eth(ip6(IPV6, ip6(NONE, new Uint8Array(0), { src: B, dst: C }))));
  f.push(eth(ip6(ESP, espPacket(0x10e1, 1, filler(120)))));
  f.push(eth(ip6(ESP, espPacket(0x10e1, 0xffffffff, new Uint8Array(0)))));
  f.push(eth(ip6(DSTOPTS, bytes(optionsHeader(ESP, bytes(1, 2, 0, 0)), espPacket(0x201, 3, filler(24))))));

  // Other next headers, bad versions, odd lengths, other EtherTypes.
  f.push(eth(ip6(253, filler(12))));
  f.push(eth(ip6(NONE, filler(12))));
  f.push(eth(ip6(NONE, new Uint8Array(0))));
  f.push(eth(ip6(1, filler(8))));
  f.push(eth(ip6(77, filler(8))));
  f.push(eth(bytes(0x45, filler(39))));
  f.push(eth(ip6(UDP, udp(41760, 7777, filler(9))).subarray(0, 30)));
  f.push(eth(bytes(ip6(UDP, udp(41760, 7777, filler(9))), new Array<number>(30).fill(0))));
  f.push(eth(ip6(UDP, udp(41760, 7777, filler(9)), { payloadLength: 40 })));
  f.push(eth(ip6(UDP, udp(41760, 7777, filler(9)), { payloadLength: 0 })));
  f.push(eth(ip6(UDP, udp(41760, 7777, filler(9)), { payloadLength: 5 })));
  f.push(eth(ip6(ICMPV6, icmp6(128, 0, bytes(be16(1), be16(2), filler(8))), { payloadLength: 10 })));
  f.push(eth(filler(37, 0x20), 0x88b5));
  f.push(eth(new Uint8Array(0), 0x88b6));
  f.push(bytes(MAC_A, MAC_A.subarray(0, 5)));

  f.push(...rareFrames());
  return f;
}

/** Frames cut short as a snapshot length would cut them: caplen below the length on the wire. */
function truncatedCopies(): { data: Uint8Array; origLength: number }[] {
  const picks = [
    eth(
      ip6(
        HOPOPTS,
        bytes(
          optionsHeader(AH, bytes(0x3e, 4, 0, 0, 0, 0)),
          ahHeader(IPV6, 0x100, 7, filler(12, 0xa0)),
          ip6(TCP, tcp({ sport: 36228, dport: 7777, seq: 5, flags: TH.SYN, options: TCP_SYN_OPTIONS }, B, C), { src: B, dst: C }),
        ),
        { dst: MID },
      ),
    ),
    eth(
      ip6(
        ICMPV6,
        icmp6(
          134,
          0,
          bytes(
            64,
            0xc0,
            be16(1800),
            be32(0),
            be32(0),
            lladdrOpt(1),
            ndOpt(5, bytes(0, 0, be32(1500))),
            ndOpt(3, bytes(64, 0xc0, be32(1), be32(2), be32(0), ipv6('4321::'))),
          ),
          LL_A,
          ALL_NODES,
        ),
        { src: LL_A, dst: ALL_NODES, hlim: 255 },
      ),
    ),
    eth(
      ip6(
        ROUTING,
        bytes(
          routingHeader(DSTOPTS, 0, 1, [C]),
          optionsHeader(FRAGMENT, bytes(1, 0)),
          fragmentHeader(UDP, 0, true, 1),
          udp(1000, 2000, filler(6), A, C),
        ),
        { dst: MID },
      ),
    ),
    error(1, 4, 0, invokingUdp()),
    eth(ip6(ESP, espPacket(0x10e1, 1, filler(16)))),
    mldv2Report(2, bytes(mldv2Record(4, ipv6('ff02::1:ff00:1'), [A]), mldv2Record(3, ipv6('ff02::2'), []))),
    ...rareTruncationPicks(),
  ];
  const out: { data: Uint8Array; origLength: number }[] = [];
  for (const frame of picks) {
    for (let cut = 0; cut < frame.length; cut += cut < 60 ? 3 : 5) out.push({ data: frame.slice(0, cut), origLength: frame.length });
  }
  return out;
}

/** The zoo's records: whole frames, then truncated copies, 1 ms apart from 2023-11-14 22:13:20 UTC. */
export function buildZoo(): ZooRecord[] {
  const whole = frames();
  const records = [...whole.map((data) => ({ data, origLength: data.length })), ...truncatedCopies()];
  return records.map((r, i) => ({ timeUs: 1_700_000_000_000_000 + i * 1000 + (i % 7), data: r.data, origLength: r.origLength }));
}

/** A classic pcap (microseconds, Ethernet) with each record's own caplen and wire length. */
export function zooPcap(records: readonly ZooRecord[]): Uint8Array {
  const header = new Uint8Array(24);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, 0xa1b2c3d4, true);
  hv.setUint16(4, 2, true);
  hv.setUint16(6, 4, true);
  hv.setUint32(16, 262144, true);
  hv.setUint32(20, 1, true);
  const parts: Uint8Array[] = [header];
  for (const r of records) {
    const rh = new Uint8Array(16);
    const v = new DataView(rh.buffer);
    v.setUint32(0, Math.floor(r.timeUs / 1e6), true);
    v.setUint32(4, r.timeUs % 1e6, true);
    v.setUint32(8, r.data.length, true);
    v.setUint32(12, r.origLength, true);
    parts.push(rh, r.data);
  }
  return concatBytes(...parts);
}
