/** tcpdump's IPv6 extension-header lines: HBH and DSTOPT options, frag, RT6 (tcpdump 4.99.3 print-ip6opts.c, print-frag6.c, print-rt6.c). */

import { IPV6_PAYLOAD_LEN } from '../ipv6.js';
import { hex, type Nd } from './netdissect.js';

const IP6OPT_PAD1 = 0x00;
const IP6OPT_PADN = 0x01;
const IP6OPT_JUMBO = 0xc2;
const IP6OPT_ROUTER_ALERT = 0x05;
const IP6OPT_HOME_ADDRESS = 0xc9;
const IP6OPT_MINLEN = 2;
const IP6OPT_RTALERT_LEN = 4;
const IP6OPT_JUMBO_LEN = 6;
const IP6OPT_HOMEADDR_MINLEN = 18;

/** The Jumbo Payload bookkeeping ip6_print threads through the hop-by-hop header. */
export interface JumboState {
  found: boolean;
  payloadLen: number;
}

/** ip6_sopt_print: the sub-options of a home-address option; false where tcpdump gives up. */
function printSubOptions(nd: Nd, bp: number, len: number): boolean {
  let optlen = 0;
  for (let i = 0; i < len; i += optlen) {
    if (nd.u8(bp + i) === IP6OPT_PAD1) optlen = 1;
    else if (i + 1 < len) optlen = nd.u8(bp + i + 1) + 2;
    else return false;
    if (i + optlen > len) return false;
    const type = nd.u8(bp + i);
    if (type === IP6OPT_PAD1) {
      nd.print(', pad1');
    } else if (type === IP6OPT_PADN) {
      if (len - i < IP6OPT_MINLEN) {
        nd.print(', padn: trunc');
        return false;
      }
      nd.print(', padn');
    } else {
      if (len - i < IP6OPT_MINLEN) {
        nd.print(`, sopt_type ${type}: trunc)`);
        return false;
      }
      nd.print(`, sopt_type 0x${hex(type, 2)}: len=${nd.u8(bp + i + 1)}`);
    }
  }
  return true;
}

/** An option of fixed length `full`: "(NAME: trunc)" when cut, "(NAME: invalid len N)" when its length byte disagrees. */
function fixedLengthOption(nd: Nd, at: number, left: number, name: string, full: number): boolean {
  if (left < full) {
    nd.print(`(${name}: trunc)`);
    return false;
  }
  if (nd.u8(at + 1) !== full - 2) {
    nd.print(`(${name}: invalid len ${nd.u8(at + 1)})`);
    return false;
  }
  return true;
}

/**
 * ip6_opt_process: the options of a hop-by-hop or destination-options header; `jumbo` is absent
 * for destination options (a Jumbo Payload there is reported, never honoured). False where
 * tcpdump jumps to its trunc label.
 */
function printOptions(nd: Nd, bp: number, len: number, jumbo: JumboState | undefined): boolean {
  if (len === 0) return true;
  let optlen = 0;
  let foundJumbo = false;
  for (let i = 0; i < len; i += optlen) {
    if (nd.u8(bp + i) === IP6OPT_PAD1) optlen = 1;
    else if (i + 1 < len) optlen = nd.u8(bp + i + 1) + 2;
    else return false;
    if (i + optlen > len) return false;
    const type = nd.u8(bp + i);
    switch (type) {
      case IP6OPT_PAD1:
        if (nd.vflag) nd.print('(pad1)');
        break;
      case IP6OPT_PADN:
        if (len - i < IP6OPT_MINLEN) {
          nd.print('(padn: trunc)');
          return false;
        }
        if (nd.vflag) nd.print('(padn)');
        break;
      case IP6OPT_ROUTER_ALERT:
        if (!fixedLengthOption(nd, bp + i, len - i, 'rtalert', IP6OPT_RTALERT_LEN)) return false;
        if (nd.vflag) nd.print(`(rtalert: 0x${hex(nd.be16(bp + i + 2), 4)}) `);
        break;
      case IP6OPT_JUMBO: {
        if (!fixedLengthOption(nd, bp + i, len - i, 'jumbo', IP6OPT_JUMBO_LEN)) return false;
        const jumbolen = nd.be32(bp + i + 2);
        if (foundJumbo) {
          if (nd.vflag) nd.print(`(jumbo: ${jumbolen} - already seen) `);
        } else {
          foundJumbo = true;
          if (jumbo === undefined) {
            if (nd.vflag) nd.print(`(jumbo: ${jumbolen} - not a hop-by-hop option) `);
          } else if (jumbo.payloadLen !== 0) {
            if (nd.vflag) nd.print(`(jumbo: ${jumbolen} - payload len != 0) `);
          } else if (jumbolen < 65536) {
            if (nd.vflag) nd.print(`(jumbo: ${jumbolen} - < 65536) `);
          } else {
            jumbo.found = true;
            jumbo.payloadLen = jumbolen;
            if (nd.vflag) nd.print(`(jumbo: ${jumbolen}) `);
          }
        }
        break;
      }
      case IP6OPT_HOME_ADDRESS:
        if (len - i < IP6OPT_HOMEADDR_MINLEN) {
          nd.print('(homeaddr: trunc)');
          return false;
        }
        if (nd.u8(bp + i + 1) < IP6OPT_HOMEADDR_MINLEN - 2) {
          nd.print(`(homeaddr: invalid len ${nd.u8(bp + i + 1)})`);
          return false;
        }
        if (nd.vflag) {
          nd.print(`(homeaddr: ${nd.ip6addr(bp + i + 2)}`);
          if (nd.u8(bp + i + 1) > IP6OPT_HOMEADDR_MINLEN - 2) {
            if (!printSubOptions(nd, bp + i + IP6OPT_HOMEADDR_MINLEN, optlen - IP6OPT_HOMEADDR_MINLEN)) return false;
          }
          nd.print(')');
        }
        break;
      default:
        if (len - i < IP6OPT_MINLEN) {
          nd.print(`(type ${type}: trunc)`);
          return false;
        }
        if (nd.vflag) nd.print(`(opt_type 0x${hex(type, 2)}: len=${nd.u8(bp + i + 1)})`);
        break;
    }
  }
  if (nd.vflag) nd.print(' ');
  return true;
}

/** hbhopt_process: prints `HBH ` and the options; the header's length, or -1 when it stopped. */
export function printHopByHop(nd: Nd, bp: number, jumbo: JumboState): number {
  nd.protocol = 'hbhopt';
  const hbhlen = (nd.u8(bp + 1) + 1) << 3;
  if (nd.ttest(bp, hbhlen)) {
    nd.print('HBH ');
    if (printOptions(nd, bp + 2, hbhlen - 2, jumbo)) return hbhlen;
  }
  nd.printTrunc();
  return -1;
}

/** dstopt_process: prints `DSTOPT ` and, with -v, the options. */
export function printDestinationOptions(nd: Nd, bp: number): number {
  nd.protocol = 'dstopt';
  const len = (nd.u8(bp + 1) + 1) << 3;
  if (nd.ttest(bp, len)) {
    nd.print('DSTOPT ');
    if (!nd.vflag || printOptions(nd, bp + 2, len - 2, undefined)) return len;
  }
  nd.printTrunc();
  return -1;
}

const IP6F_OFF_MASK = 0xfff8;
const FRAG_HEADER_LENGTH = 8;

/** frag6_print: `frag (offset|fragment length)`; -1 for a non-first fragment (its payload is not decoded). */
export function printFragment(nd: Nd, bp: number, ip6: number): number {
  nd.protocol = 'frag6';
  // The length is that of the fragment's data: the IPv6 payload after this header.
  const fraglen = 40 + nd.be16(ip6 + IPV6_PAYLOAD_LEN) - (bp - ip6) - FRAG_HEADER_LENGTH;
  if (nd.vflag) {
    const ident = nd.be32(bp + 4);
    const off = nd.be16(bp + 2) & IP6F_OFF_MASK;
    nd.print(`frag (0x${hex(ident, 8)}:${off}|${sizeT(fraglen)})`);
  } else {
    const off = nd.be16(bp + 2) & IP6F_OFF_MASK;
    nd.print(`frag (${off}|${sizeT(fraglen)})`);
  }
  if ((nd.be16(bp + 2) & IP6F_OFF_MASK) !== 0) return -1;
  nd.print(' ');
  return FRAG_HEADER_LENGTH;
}

/** A size_t printed with %zu: negative differences wrap to 64 bits. */
function sizeT(v: number): string {
  return v >= 0 ? String(v) : (2n ** 64n + BigInt(v)).toString();
}

const IPV6_RTHDR_TYPE_0 = 0;
const IPV6_RTHDR_TYPE_2 = 2;
const IPV6_RTHDR_TYPE_4 = 4;

/** The address list of a type 0, 2 or 4 routing header, then the header's length in bytes. */
function printSegments(nd: Nd, bp: number, count: number): number {
  let p = bp + 8;
  for (let i = 0; i < count; i++, p += 16) nd.print(`, [${i}]${nd.ip6addr(p)}`);
  nd.print(') ');
  return (nd.u8(bp + 1) + 1) << 3;
}
/** rt6_print: `RT6 (len=.., type=.., segleft=.., [0]addr) `; -1 for an invalid or unknown type. */
export function printRouting(nd: Nd, bp: number): number {
  nd.protocol = 'rt6';
  nd.printProtocolCaps();
  const len = nd.u8(bp + 1);
  nd.print(` (len=${len}`);
  const type = nd.u8(bp + 2);
  nd.print(`, type=${type}`);
  if (type === IPV6_RTHDR_TYPE_0) nd.print(' [Deprecated]');
  nd.print(`, segleft=${nd.u8(bp + 3)}`);
  switch (type) {
    case IPV6_RTHDR_TYPE_0:
    case IPV6_RTHDR_TYPE_2: {
      const reserved = nd.be32(bp + 4);
      if (reserved || nd.vflag) nd.print(`, rsv=0x${reserved.toString(16)}`);
      if (len % 2 === 1) {
        nd.print(` (invalid length ${len})`);
        break;
      }
      return printSegments(nd, bp, len >> 1);
    }
    case IPV6_RTHDR_TYPE_4: {
      nd.print(`, last-entry=${nd.u8(bp + 4)}`);
      const flags = nd.u8(bp + 5);
      if (flags || nd.vflag) nd.print(`, flags=0x${flags.toString(16)}`);
      nd.print(`, tag=${nd.be16(bp + 6).toString(16)}`);
      if (len % 2 === 1) {
        nd.print(` (invalid length ${len})`);
        break;
      }
      return printSegments(nd, bp, len >> 1);
    }
    default:
      nd.print(' (unknown type)');
      break;
  }
  nd.printInvalid();
  return -1;
}
