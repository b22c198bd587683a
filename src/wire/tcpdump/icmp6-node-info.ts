/** tcpdump's ICMPv6 node information queries and replies, RFC 4620 (tcpdump 4.99.3 print-icmp6.c icmp6_nodeinfo_print). */

import { printDnsName } from './domain.js';
import { fnPrintChar, type Nd } from './netdissect.js';

const ICMP6_NI_QUERY = 139;
const ICMP6_NI_REPLY = 140;
const ICMP6_HEADER_LENGTH = 8;
/** The ICMPv6 header and the 8-byte nonce. */
const NI_HEADER_LENGTH = 16;

const NI_QTYPE = { NOOP: 0, SUPTYPES: 1, FQDN: 2, NODEADDR: 3 } as const;
const NI_SUBJ = { IPV6: 0, FQDN: 1, IPV4: 2 } as const;
const NI_REPLY_CODE = { SUCCESS: 0, REFUSED: 1, UNKNOWN: 2 } as const;

/** The node-address flags as tcpdump lists them, `[aGSLCA]` (and `T` in replies). */
function nodeAddressFlags(flags: number, withTruncate: boolean): string {
  const bit = (mask: number, letter: string) => (flags & mask ? letter : '');
  return (
    bit(0x40, 'a') +
    bit(0x20, 'G') +
    bit(0x10, 'S') +
    bit(0x08, 'L') +
    bit(0x04, 'C') +
    bit(0x02, 'A') +
    (withTruncate ? bit(0x01, 'T') : '')
  );
}

/** A pascal-string name (icmp-name-lookup-03), or an RFC 4620 DNS name, between `cp` and `ep`. */
function printName(nd: Nd, cp: number, ep: number): void {
  if (nd.u8(cp) === ep - cp - 1) {
    if (nd.vflag) nd.print(', 03 draft');
    cp++;
    nd.print(', "');
    for (; cp < ep; cp++) nd.print(fnPrintChar(nd.u8(cp)));
    nd.print('"');
  } else {
    printDnsName(nd, cp, ep);
  }
}

/** icmp6_nodeinfo_print: `bp` is the ICMPv6 header, `icmp6len` its length on the wire. */
export function printNodeInfo(nd: Nd, icmp6len: number, bp: number): void {
  const ep = nd.snapend;
  if (ep < bp) return;
  // What was captured of the message, not what it claims: tcpdump judges lengths by this.
  const siz = ep - bp;
  const type = nd.u8(bp);
  if (type === ICMP6_NI_QUERY) {
    if (siz === ICMP6_HEADER_LENGTH + 4) {
      nd.print(' who-are-you request');
      return;
    }
    nd.print(' node information query');
    if (!nd.ttest(bp, NI_HEADER_LENGTH)) {
      nd.printTrunc();
      return;
    }
    nd.print(' (');
    const qtype = nd.be16(bp + 4);
    switch (qtype) {
      case NI_QTYPE.NOOP:
        nd.print('noop');
        break;
      case NI_QTYPE.SUPTYPES: {
        nd.print('supported qtypes');
        const flags = nd.be16(bp + 6);
        if (flags) nd.print(` [${flags & 0x01 ? 'C' : ''}]`);
        break;
      }
      case NI_QTYPE.FQDN:
        nd.print('DNS name');
        break;
      case NI_QTYPE.NODEADDR: {
        nd.print('node addresses');
        const flags = nd.be16(bp + 6);
        if (flags) nd.print(` [${nodeAddressFlags(flags, false)}]`);
        break;
      }
      default:
        nd.print('unknown');
        break;
    }
    if (qtype === NI_QTYPE.NOOP || qtype === NI_QTYPE.SUPTYPES) {
      if (siz !== NI_HEADER_LENGTH && nd.vflag) nd.print(', invalid len');
      nd.print(')');
      return;
    }
    if (siz === NI_HEADER_LENGTH) {
      nd.print(', 03 draft)');
      return;
    }
    const cp = bp + NI_HEADER_LENGTH;
    switch (nd.u8(bp + 1)) {
      case NI_SUBJ.IPV6:
        if (!nd.ttest(bp, NI_HEADER_LENGTH + 16)) break;
        if (siz !== NI_HEADER_LENGTH + 16) {
          if (nd.vflag) nd.print(', invalid subject len');
          break;
        }
        nd.print(`, subject=${nd.ip6addr(cp)}`);
        break;
      case NI_SUBJ.FQDN:
        nd.print(', subject=DNS name');
        printName(nd, cp, ep);
        break;
      case NI_SUBJ.IPV4:
        if (!nd.ttest(bp, NI_HEADER_LENGTH + 4)) break;
        if (siz !== NI_HEADER_LENGTH + 4) {
          if (nd.vflag) nd.print(', invalid subject len');
          break;
        }
        nd.print(`, subject=${nd.u8(cp)}.${nd.u8(cp + 1)}.${nd.u8(cp + 2)}.${nd.u8(cp + 3)}`);
        break;
      default:
        nd.print(', unknown subject');
        break;
    }
    nd.print(')');
    return;
  }

  if (type !== ICMP6_NI_REPLY) return;
  if (icmp6len > siz || !nd.ttest(bp, NI_HEADER_LENGTH)) {
    nd.printTrunc();
    return;
  }
  let needComma = false;
  nd.print(' node information reply (');
  const code = nd.u8(bp + 1);
  switch (code) {
    case NI_REPLY_CODE.SUCCESS:
      if (nd.vflag) {
        nd.print('success');
        needComma = true;
      }
      break;
    case NI_REPLY_CODE.REFUSED:
    case NI_REPLY_CODE.UNKNOWN:
      nd.print(code === NI_REPLY_CODE.REFUSED ? 'refused' : 'unknown');
      needComma = true;
      if (siz !== NI_HEADER_LENGTH && nd.vflag) nd.print(', invalid length');
      break;
  }
  if (code !== NI_REPLY_CODE.SUCCESS) {
    nd.print(')');
    return;
  }
  if (needComma) nd.print(', ');
  switch (nd.be16(bp + 4)) {
    case NI_QTYPE.NOOP:
      nd.print('noop');
      if (siz !== NI_HEADER_LENGTH && nd.vflag) nd.print(', invalid length');
      break;
    case NI_QTYPE.SUPTYPES: {
      nd.print('supported qtypes');
      const flags = nd.be16(bp + 6);
      if (flags) nd.print(` [${flags & 0x01 ? 'C' : ''}]`);
      break;
    }
    case NI_QTYPE.FQDN:
      nd.print('DNS name');
      // Past the 4-byte TTL.
      printName(nd, bp + NI_HEADER_LENGTH + 4, ep);
      if (nd.be16(bp + 6) & 0x01) nd.print(` [TTL=${nd.be32(bp + NI_HEADER_LENGTH)}]`);
      break;
    case NI_QTYPE.NODEADDR: {
      nd.print('node addresses');
      for (let i = NI_HEADER_LENGTH; i < siz && i + 20 <= siz; i += 20) {
        nd.print(` ${nd.ip6addr(bp + i + 4)}(${nd.be32(bp + i)})`);
      }
      const flags = nd.be16(bp + 6);
      if (flags) nd.print(` [${nodeAddressFlags(flags, true)}]`);
      break;
    }
    default:
      nd.print('unknown');
      break;
  }
  nd.print(')');
}
