/** tcpdump's Ethernet II layer: `-e` addresses and type, and the hand-off to IPv6 (tcpdump 4.99.3 print-ether.c). */

import { ETH_DST, ETH_HEADER_LENGTH, ETH_SRC, ETH_TYPE, formatMac } from '../ethernet.js';
import { ETHERTYPE_IPV6 } from '../proto.js';
import { printIp6 } from './ip6.js';
import { hex, type Nd, tok2str } from './netdissect.js';

/** ethertype_values: the names `-e` prints. */
const ETHERTYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0800, 'IPv4'],
  [0x8847, 'MPLS unicast'],
  [0x8848, 'MPLS multicast'],
  [0x86dd, 'IPv6'],
  [0x8100, '802.1Q'],
  [0x9100, '802.1Q-9100'],
  [0x88a8, '802.1Q-QinQ'],
  [0x9200, '802.1Q-9200'],
  [0x88e5, '802.1AE MACsec'],
  [0x0200, 'PUP'],
  [0x0806, 'ARP'],
  [0x8035, 'Reverse ARP'],
  [0x0600, 'NS'],
  [0x0500, 'Sprite'],
  [0x1000, 'Trail'],
  [0x6001, 'MOP DL'],
  [0x6002, 'MOP RC'],
  [0x6003, 'DN'],
  [0x6004, 'LAT'],
  [0x6007, 'SCA'],
  [0x6558, 'TEB'],
  [0x8038, 'Lanbridge'],
  [0x803c, 'DEC DNS'],
  [0x803e, 'DEC DTS'],
  [0x805b, 'VEXP'],
  [0x805c, 'VPROD'],
  [0x809b, 'Appletalk'],
  [0x80f3, 'Appletalk ARP'],
  [0x8137, 'IPX'],
  [0x880b, 'PPP'],
  [0x8808, 'MPCP'],
  [0x8809, 'Slow Protocols'],
  [0x8863, 'PPPoE D'],
  [0x8864, 'PPPoE S'],
  [0x888e, 'EAPOL'],
  [0x8899, 'Realtek protocols'],
  [0x886f, 'MS NLB heartbeat'],
  [0x8870, 'Jumbo'],
  [0x894f, 'NSH'],
  [0x9000, 'Loopback'],
  [0xfefe, 'OSI'],
  [0x00fe, 'GRE-OSI'],
  [0xabcd, 'CFM (old)'],
  [0x8902, 'CFM'],
  [0x893a, 'IEEE1905.1'],
  [0x88cc, 'LLDP'],
  [0x88ca, 'TIPC'],
  [0x0707, 'GeoNet (old)'],
  [0x8947, 'GeoNet'],
  [0x1111, 'CALM FAST'],
  [0x88a2, 'AoE'],
  [0x88f7, 'PTP'],
  [0xd28b, 'Arista Vendor Specific Protocol'],
]);

/** Named types ethertype_print still leaves to the raw dump (LAT, SCA, MOP, IEEE 1905.1). */
const NAMED_BUT_UNDECODED: ReadonlySet<number> = new Set([0x6004, 0x6007, 0x6002, 0x6001, 0x893a]);

/** Types up to this are 802.3 lengths, not EtherTypes. */
const MAX_ETHERNET_LENGTH_VAL = 1500;

/**
 * EtherTypes (and 802.3 lengths) tcpdump decodes with printers we do not model (IPv4, ARP, VLAN,
 * LLC, ...): we print what tcpdump prints for a type it does not know, and printPacketDetailed
 * says so. Everything else either is IPv6 or prints exactly as tcpdump's unknown-type line.
 */
export function isEtherTypeModelled(type: number): boolean {
  if (type === ETHERTYPE_IPV6) return true;
  if (type <= MAX_ETHERNET_LENGTH_VAL) return false;
  return !ETHERTYPE_NAMES.has(type) || NAMED_BUT_UNDECODED.has(type);
}

/**
 * ether_common_print for a frame at `p`: `length` is its length on the wire, `caplen` what was
 * captured of it. The capture's own frame starts at 0; Ethernet carried in IPv6 (next header
 * 143) starts wherever that header put it.
 */
export function printEther(nd: Nd, p: number, length: number, caplen: number): void {
  nd.protocol = 'ether';
  if (length < caplen) {
    nd.print(`[length ${length} < caplen ${caplen}]`);
    nd.printInvalid();
    return;
  }
  if (caplen < ETH_HEADER_LENGTH) {
    nd.printTrunc();
    return;
  }
  const src = formatMac(nd.copy(p + ETH_SRC, 6));
  const dst = formatMac(nd.copy(p + ETH_DST, 6));
  if (nd.eflag) nd.print(`${src} > ${dst}, `);
  const type = nd.be16(p + ETH_TYPE);
  const typeText = `ethertype ${tok2str(ETHERTYPE_NAMES, () => 'Unknown', type)} (0x${hex(type, 4)})`;
  if (nd.eflag) nd.print(`${typeText}, length ${length}: `);
  if (type === ETHERTYPE_IPV6) {
    printIp6(nd, p + ETH_HEADER_LENGTH, length - ETH_HEADER_LENGTH);
    return;
  }
  if (!isEtherTypeModelled(type)) nd.noteUnmodelled(`ethertype 0x${hex(type, 4)}`);
  // Not decoded: the addresses and type (already there with -e), then the bytes.
  if (!nd.eflag) nd.print(`${src} > ${dst}, ${typeText}, length ${length}: `);
  nd.hexAndAsciiPrint('\n\t', p + ETH_HEADER_LENGTH, caplen - ETH_HEADER_LENGTH);
}
