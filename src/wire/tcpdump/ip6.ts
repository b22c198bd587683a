/** tcpdump's IPv6 line: the header, the extension-header walk, and the hand-off to the next protocol (tcpdump 4.99.3 print-ip6.c, print-ip-demux.c). */

import { onesSum, pseudoHeaderSum } from '../checksum.js';
import { IPV6_DST, IPV6_HEADER_LENGTH, IPV6_HOP_LIMIT, IPV6_NEXT_HEADER, IPV6_PAYLOAD_LEN, IPV6_SRC } from '../ipv6.js';
import { IPPROTO } from '../proto.js';
import { printEther } from './ether.js';
import { printIcmp6 } from './icmp6.js';
import { type JumboState, printDestinationOptions, printFragment, printHopByHop, printRouting } from './ip6-ext.js';
import { printAh, printEsp, printIpcomp } from './ipsec.js';
import { printMobility } from './mobility.js';
import { hex, type Nd, tok2str, u32 } from './netdissect.js';
import { printTcp } from './tcp.js';
import { printUdp } from './udp.js';

const IPPROTO_ICMP = 1;
const IPPROTO_IGMP = 2;
const IPPROTO_ND = 77;
const IPPROTO_MOBILITY_OLD = 62;
const IPPROTO_MOBILITY = 135;
const IPPROTO_DCCP = 33;
const IPPROTO_SCTP = 132;
const IPPROTO_IPCOMP = 108;
const IPPROTO_ETHERNET = 143;

/**
 * Next headers tcpdump 4.99.3 decodes with printers we do not model (IPv4, EGP, IGRP, DCCP, RSVP,
 * GRE, Mobile IP, EIGRP, OSPF, PIM, VRRP, PGM, SCTP): for these we print the line tcpdump prints
 * for a protocol it does not know, ` ip-proto-N length`, which is not what tcpdump prints, and
 * printPacketDetailed says so.
 */
export const IPPROTO_NOT_MODELLED: ReadonlySet<number> = new Set([4, 8, 9, 33, 46, 47, 55, 88, 89, 103, 112, 113, 132]);

/** ipproto_values (ipproto.c): the names -v prints after `next-header`. */
export const IPPROTO_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'Options'],
  [1, 'ICMP'],
  [2, 'IGMP'],
  [4, 'IPIP'],
  [6, 'TCP'],
  [8, 'EGP'],
  [9, 'IGRP'],
  [17, 'UDP'],
  [33, 'DCCP'],
  [41, 'IPv6'],
  [43, 'Routing'],
  [44, 'Fragment'],
  [46, 'RSVP'],
  [47, 'GRE'],
  [50, 'ESP'],
  [51, 'AH'],
  [55, 'Mobile IP'],
  [58, 'ICMPv6'],
  [62, 'Mobile IP (old)'],
  [88, 'EIGRP'],
  [89, 'OSPF'],
  [103, 'PIM'],
  [108, 'Compressed IP'],
  [112, 'VRRP'],
  [113, 'PGM'],
  [132, 'SCTP'],
  [135, 'Mobility'],
  [143, 'Ethernet'],
]);

/**
 * ip6_finddst: the destination the upper-layer checksum covers, the last address of a type 0/2
 * routing header or the first segment of a type 4 one, else the header's destination.
 */
function findDestination(nd: Nd, ip6: number): Uint8Array {
  let cp = ip6;
  let advance = IPV6_HEADER_LENGTH;
  let nh = nd.u8(ip6 + IPV6_NEXT_HEADER);
  let dst = ip6 + IPV6_DST;
  walk: while (cp < nd.snapend) {
    cp += advance;
    switch (nh) {
      case IPPROTO.HOPOPTS:
      case IPPROTO.DSTOPTS:
      case IPPROTO_MOBILITY_OLD:
      case IPPROTO_MOBILITY:
        advance = (nd.u8(cp + 1) + 1) << 3;
        nh = nd.u8(cp);
        break;
      case IPPROTO.FRAGMENT:
        advance = 8;
        nh = nd.u8(cp);
        break;
      case IPPROTO.ROUTING: {
        if (!nd.ttest(cp, 4)) break walk;
        let len = nd.u8(cp + 1);
        const type = nd.u8(cp + 2);
        if (type === 0 || type === 2) {
          if (len % 2 === 1) break walk;
          len >>= 1;
          let p = cp + 8;
          for (let i = 0; i < len; i++, p += 16) {
            if (!nd.ttest(p, 16)) break walk;
            dst = p;
          }
        } else if (type === 4) {
          if (len % 2 === 1) break walk;
          if (!nd.ttest(cp + 8, 16)) break walk;
          dst = cp + 8;
        }
        break walk;
      }
      default:
        break walk;
    }
  }
  return nd.copy(dst, 16);
}

/**
 * nextproto6_cksum: the Internet checksum over the pseudo-header and `len` bytes at `data`
 * (0 when the received checksum is right), as in_cksum returns it.
 */
export function nextProto6Cksum(nd: Nd, ip6: number, data: number, len: number, nextProto: number): number {
  const nh = nd.u8(ip6 + IPV6_NEXT_HEADER);
  const src = nd.copy(ip6 + IPV6_SRC, 16);
  const dst =
    nh === IPPROTO.HOPOPTS ||
    nh === IPPROTO.DSTOPTS ||
    nh === IPPROTO_MOBILITY_OLD ||
    nh === IPPROTO_MOBILITY ||
    nh === IPPROTO.FRAGMENT ||
    nh === IPPROTO.ROUTING
      ? findDestination(nd, ip6)
      : nd.copy(ip6 + IPV6_DST, 16);
  const sum = onesSum(nd.bytes.subarray(data, data + len), pseudoHeaderSum(src, dst, len, nextProto));
  return ~sum & 0xffff;
}

/** in_cksum_shouldbe: the checksum field value that would have been right. */
export function cksumShouldBe(sum: number, computed: number): number {
  let v = sum + computed;
  v = (v & 0xffff) + (v >>> 16);
  v = (v & 0xffff) + (v >>> 16);
  return v & 0xffff;
}

/** ip6_print: `IP6 [(-v fields)] src > dst: ` and whatever follows. */
export function printIp6(nd: Nd, bp: number, length: number): void {
  nd.protocol = 'ip6';
  const ip6 = bp;
  if (!nd.ttest(ip6, IPV6_HEADER_LENGTH)) {
    nd.printTrunc();
    return;
  }
  if (length < IPV6_HEADER_LENGTH) {
    nd.print(`truncated-ip6 ${length}`);
    return;
  }
  if (!nd.eflag) nd.print('IP6 ');
  const version = nd.u8(ip6) >> 4;
  if (version !== 6) {
    nd.print(`version error: ${version} != 6`);
    return;
  }

  const jumbo: JumboState = { found: false, payloadLen: nd.be16(ip6 + IPV6_PAYLOAD_LEN) };
  let len: number;
  if (jumbo.payloadLen !== 0) {
    len = jumbo.payloadLen + IPV6_HEADER_LENGTH;
    if (length < len) nd.print(`truncated-ip6 - ${len - length} bytes missing!`);
  } else {
    len = length + IPV6_HEADER_LENGTH;
  }

  let ph = 255;
  let nh = nd.u8(ip6 + IPV6_NEXT_HEADER);
  if (nd.vflag) {
    const flow = nd.be32(ip6);
    nd.print('(');
    if (flow & 0x0ff00000) nd.print(`class 0x${hex((flow & 0x0ff00000) >>> 20, 2)}, `);
    if (flow & 0x000fffff) nd.print(`flowlabel 0x${hex(flow & 0x000fffff, 5)}, `);
    const name = tok2str(IPPROTO_NAMES, () => 'unknown', nh);
    nd.print(`hlim ${nd.u8(ip6 + IPV6_HOP_LIMIT)}, next-header ${name} (${nh}) payload length: ${jumbo.payloadLen}) `);
  }

  // The snapshot ends where the IPv6 payload does (Ethernet padding is not printed).
  nd.pushSnaplen(bp, len);

  let cp = ip6;
  let advance = IPV6_HEADER_LENGTH;
  let totalAdvance = 0;
  let foundExtensionHeader = false;
  let foundHbh = false;
  let fragmented = false;
  while (cp < nd.snapend && advance > 0) {
    if (len < advance) {
      nd.printTrunc();
      return;
    }
    cp += advance;
    len -= advance;
    totalAdvance += advance;

    if (cp === ip6 + IPV6_HEADER_LENGTH && nh !== IPPROTO.TCP && nh !== IPPROTO.UDP && nh !== IPPROTO_DCCP && nh !== IPPROTO_SCTP) {
      nd.print(`${nd.ip6addr(ip6 + IPV6_SRC)} > ${nd.ip6addr(ip6 + IPV6_DST)}: `);
    }

    switch (nh) {
      case IPPROTO.HOPOPTS:
        if (foundHbh) {
          nd.print('[The Hop-by-Hop Options header was already found]');
          nd.printInvalid();
          return;
        }
        if (ph !== 255) {
          nd.print("[The Hop-by-Hop Options header don't follow the IPv6 header]");
          nd.printInvalid();
          return;
        }
        advance = printHopByHop(nd, cp, jumbo);
        if (jumbo.payloadLen === 0 && !jumbo.found) {
          nd.print('[No valid Jumbo Payload Hop-by-Hop option found]');
          nd.printInvalid();
          return;
        }
        if (advance < 0) {
          nd.popPacketInfo();
          return;
        }
        foundExtensionHeader = true;
        foundHbh = true;
        nh = nd.u8(cp);
        break;
      case IPPROTO.DSTOPTS:
        advance = printDestinationOptions(nd, cp);
        if (advance < 0) {
          nd.popPacketInfo();
          return;
        }
        foundExtensionHeader = true;
        nh = nd.u8(cp);
        break;
      case IPPROTO.FRAGMENT:
        advance = printFragment(nd, cp, ip6);
        if (advance < 0 || nd.snapend <= cp + advance) {
          nd.popPacketInfo();
          return;
        }
        foundExtensionHeader = true;
        nh = nd.u8(cp);
        fragmented = true;
        break;
      case IPPROTO_MOBILITY_OLD:
      case IPPROTO_MOBILITY:
        // Whatever a mobility header says follows it, tcpdump stops here (RFC 6275 wants none).
        printMobility(nd, cp);
        nd.popPacketInfo();
        return;
      case IPPROTO.ROUTING:
        nd.u8(cp);
        advance = printRouting(nd, cp);
        if (advance < 0) {
          nd.popPacketInfo();
          return;
        }
        foundExtensionHeader = true;
        nh = nd.u8(cp);
        break;
      default: {
        if (jumbo.found) {
          len = jumbo.payloadLen + IPV6_HEADER_LENGTH;
          if (len < totalAdvance) {
            nd.printTrunc();
            return;
          }
          if (length < len) nd.print(`truncated-ip6 - ${len - length} bytes missing!`);
          nd.changeSnaplen(bp, len);
          len -= totalAdvance;
        } else if (jumbo.payloadLen === 0) {
          // No payload at all: an extension header here would have nothing to live in.
          if (foundExtensionHeader) {
            nd.printTrunc();
            return;
          }
          len = IPV6_HEADER_LENGTH;
          nd.changeSnaplen(bp, len);
          len -= totalAdvance;
        }
        demux(nd, cp, len, fragmented, nh, ip6);
        nd.popPacketInfo();
        return;
      }
    }
    ph = nh;
    nd.protocol = 'ip6';
  }
  nd.popPacketInfo();
}

/** ip_demux_print for IPv6: AH chains to what it protects; the rest go to their own printers. */
function demux(nd: Nd, bp: number, length: number, fragmented: boolean, nh: number, ip6: number): void {
  for (;;) {
    switch (nh) {
      case IPPROTO.AH: {
        if (!nd.ttest(bp, 1)) {
          nd.protocol = 'ah';
          nd.printTrunc();
          return;
        }
        nh = nd.u8(bp);
        const advance = printAh(nd, bp);
        if (advance <= 0) return;
        bp += advance;
        length = u32(length - advance);
        continue;
      }
      case IPPROTO.ESP:
        printEsp(nd, bp, length);
        return;
      case IPPROTO_IPCOMP:
        printIpcomp(nd, bp);
        return;
      case IPPROTO.TCP:
        printTcp(nd, bp, length, ip6, fragmented);
        return;
      case IPPROTO.UDP:
        printUdp(nd, bp, length, ip6, fragmented);
        return;
      case IPPROTO.ICMPV6:
        printIcmp6(nd, bp, length, ip6, fragmented);
        return;
      case IPPROTO_ICMP:
      case IPPROTO_IGMP:
        nd.print(`[${tok2str(IPPROTO_NAMES, () => 'unknown', nh)} requires IPv4]`);
        nd.printInvalid();
        return;
      case IPPROTO.IPV6:
        printIp6(nd, bp, length);
        return;
      case IPPROTO_ND:
        nd.print(` nd ${length}`);
        return;
      case IPPROTO_ETHERNET:
        printEther(nd, bp, length, u32(nd.available(bp)));
        return;
      case IPPROTO.NONE:
        nd.print('no next header');
        return;
      default:
        if (IPPROTO_NOT_MODELLED.has(nh)) nd.noteUnmodelled(`next header ${nh}`);
        nd.print(` ip-proto-${nh} ${length}`);
        return;
    }
  }
}
