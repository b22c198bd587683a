/** tcpdump's UDP line over IPv6, without the application decoders (tcpdump 4.99.3 print-udp.c). */

import { IPV6_DST, IPV6_NEXT_HEADER, IPV6_SRC } from '../ipv6.js';
import { IPPROTO } from '../proto.js';
import { cksumShouldBe, nextProto6Cksum } from './ip6.js';
import { hex, type Nd } from './netdissect.js';

const UDP_HEADER_LENGTH = 8;

/**
 * Ports on which tcpdump hands the payload to an application printer (DNS, DHCPv6, NTP, ISAKMP,
 * RIPng, VXLAN, ...) instead of printing `UDP, length N`. We do not model those printers; a
 * datagram on one of these ports prints as plain UDP here, and printPacketDetailed says so.
 */
const UDP_DECODED_PORTS: ReadonlySet<number> = new Set([
  53, 67, 68, 69, 88, 123, 137, 138, 161, 162, 319, 320, 496, 500, 514, 520, 521, 525, 546, 547, 646, 654, 698, 701, 750, 921, 1589, 1645,
  1646, 1700, 1701, 1812, 1813, 1985, 2049, 2103, 2104, 3456, 3503, 3784, 3785, 3799, 4342, 4500, 4567, 4784, 4789, 4790, 5060, 5353, 5359,
  6081, 6343, 6635, 6696, 6697, 6784, 7500, 8231, 8472, 8500, 12222, 12223, 17754, 30490, 49152,
]);

/** True where tcpdump 4.99.3 would decode a UDP payload on this port (so our plain line would differ). */
export function isUdpPortDecodedByTcpdump(port: number): boolean {
  return (
    UDP_DECODED_PORTS.has(port) ||
    (port >= 7000 && port <= 7009) || // RX (AFS)
    (port >= 200 && port < 328) || // AppleTalk DDP-in-UDP, when the payload starts with 2
    (port >= 768 && port < 896) ||
    (port >= 16512 && port < 16640)
  );
}

/** udpipaddr_print: `src.port > dst.port: ` when UDP follows the fixed header, else `port > port: `. */
function printAddresses(nd: Nd, ip6: number, sport: number, dport: number): void {
  if (nd.u8(ip6 + IPV6_NEXT_HEADER) === IPPROTO.UDP) {
    if (sport === -1) nd.print(`${nd.ip6addr(ip6 + IPV6_SRC)} > ${nd.ip6addr(ip6 + IPV6_DST)}: `);
    else nd.print(`${nd.ip6addr(ip6 + IPV6_SRC)}.${sport} > ${nd.ip6addr(ip6 + IPV6_DST)}.${dport}: `);
  } else if (sport !== -1) {
    nd.print(`${sport} > ${dport}: `);
  }
}

/** udp_print for IPv6. */
export function printUdp(nd: Nd, bp: number, length: number, ip6: number, fragmented: boolean): void {
  nd.protocol = 'udp';
  if (!nd.ttest(bp + 2, 2)) {
    printAddresses(nd, ip6, -1, -1);
    nd.printTrunc();
    return;
  }
  const sport = nd.be16(bp);
  const dport = nd.be16(bp + 2);
  if (length < UDP_HEADER_LENGTH) {
    printAddresses(nd, ip6, sport, dport);
    nd.print(`truncated-udp ${length}`);
    return;
  }
  if (!nd.ttest(bp + 4, 2)) {
    printAddresses(nd, ip6, sport, dport);
    nd.printTrunc();
    return;
  }
  let ulen = nd.be16(bp + 4);
  // RFC 2675 jumbograms carry length 0 and take the IPv6 length.
  if (ulen === 0 && length > 65535) ulen = length;
  if (ulen < UDP_HEADER_LENGTH) {
    printAddresses(nd, ip6, sport, dport);
    nd.print(`truncated-udplength ${ulen}`);
    return;
  }
  ulen -= UDP_HEADER_LENGTH;
  length -= UDP_HEADER_LENGTH;
  if (ulen < length) length = ulen;
  const cp = bp + UDP_HEADER_LENGTH;
  if (cp > nd.snapend) {
    printAddresses(nd, ip6, sport, dport);
    nd.printTrunc();
    return;
  }
  printAddresses(nd, ip6, sport, dport);

  if (nd.vflag && !fragmented && nd.ttest(cp, length)) {
    // For IPv6 the checksum is mandatory, so tcpdump checks it already at -v.
    const sum = nextProto6Cksum(nd, ip6, bp, length + UDP_HEADER_LENGTH, IPPROTO.UDP);
    const udpSum = nd.be16(bp + 6);
    if (sum !== 0) nd.print(`[bad udp cksum 0x${hex(udpSum, 4)} -> 0x${hex(cksumShouldBe(udpSum, sum), 4)}!] `);
    else nd.print('[udp sum ok] ');
  }

  if (isUdpPortDecodedByTcpdump(sport) || isUdpPortDecodedByTcpdump(dport)) nd.noteUnmodelled(`udp port ${sport} > ${dport}`);
  if (ulen > length && !fragmented) nd.print(`UDP, bad length ${ulen} > ${length}`);
  else nd.print(`UDP, length ${ulen}`);
}
