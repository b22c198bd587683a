/** tcpdump's Mobile IPv6 mobility header, RFC 6275 (tcpdump 4.99.3 print-mobility.c). */

import { bittok2str, hex, type Nd, tok2str } from './netdissect.js';

const IP6M_MINLEN = 8;

const IP6M_TYPE = {
  BINDING_REQUEST: 0,
  HOME_TEST_INIT: 1,
  CAREOF_TEST_INIT: 2,
  HOME_TEST: 3,
  CAREOF_TEST: 4,
  BINDING_UPDATE: 5,
  BINDING_ACK: 6,
  BINDING_ERROR: 7,
} as const;

const IP6M_NAMES: ReadonlyMap<number, string> = new Map([
  [IP6M_TYPE.BINDING_REQUEST, 'BRR'],
  [IP6M_TYPE.HOME_TEST_INIT, 'HoTI'],
  [IP6M_TYPE.CAREOF_TEST_INIT, 'CoTI'],
  [IP6M_TYPE.HOME_TEST, 'HoT'],
  [IP6M_TYPE.CAREOF_TEST, 'CoT'],
  [IP6M_TYPE.BINDING_UPDATE, 'BU'],
  [IP6M_TYPE.BINDING_ACK, 'BA'],
  [IP6M_TYPE.BINDING_ERROR, 'BE'],
]);

/** ip6m_hdrlen: the least header length each known type needs. */
const IP6M_HDRLEN = [
  IP6M_MINLEN,
  IP6M_MINLEN + 8,
  IP6M_MINLEN + 8,
  IP6M_MINLEN + 16,
  IP6M_MINLEN + 16,
  IP6M_MINLEN + 4,
  IP6M_MINLEN + 4,
  24,
];

const BINDING_UPDATE_BITS: readonly (readonly [number, string])[] = [
  [0x08, 'A'],
  [0x04, 'H'],
  [0x02, 'L'],
  [0x01, 'K'],
];

/** mobility_opt_print: false where tcpdump jumps to `trunc`. */
function printOptions(nd: Nd, bp: number, len: number): boolean {
  let optlen = 0;
  for (let i = 0; i < len; i += optlen) {
    if (nd.u8(bp + i) === 0) optlen = 1;
    else if (i + 1 < len) optlen = nd.u8(bp + i + 1) + 2;
    else return false;
    if (i + optlen > len) return false;
    // tcpdump checks the byte after the option, so an option ending the capture counts as cut.
    if (!nd.ttest(bp + i + optlen, 1)) return false;
    const type = nd.u8(bp + i);
    const left = len - i;
    switch (type) {
      case 0:
        nd.print('(pad1)');
        break;
      case 1:
        if (left < 2) {
          nd.print('(padn: trunc)');
          return false;
        }
        nd.print('(padn)');
        break;
      case 2:
        if (left < 4) {
          nd.print('(refresh: trunc)');
          return false;
        }
        // In units of 4 seconds.
        nd.print(`(refresh: ${nd.be16(bp + i + 2) << 2})`);
        break;
      case 3:
        if (left < 18) {
          nd.print('(altcoa: trunc)');
          return false;
        }
        nd.print(`(alt-CoA: ${nd.ip6addr(bp + i + 2)})`);
        break;
      case 4:
        if (left < 6) {
          nd.print('(ni: trunc)');
          return false;
        }
        nd.print(`(ni: ho=0x${hex(nd.be16(bp + i + 2), 4)} co=0x${hex(nd.be16(bp + i + 4), 4)})`);
        break;
      case 5:
        if (left < 12) {
          nd.print('(auth: trunc)');
          return false;
        }
        nd.print('(auth)');
        break;
      default:
        if (left < 2) {
          nd.print(`(sopt_type ${type}: trunc)`);
          return false;
        }
        nd.print(`(type-0x${hex(type, 2)}: len=${nd.u8(bp + i + 1)})`);
        break;
    }
  }
  return true;
}

/** mobility_print: `mobility: BU seq#=..`; returns the header's length, or -1 after ` [|mobility]`. */
export function printMobility(nd: Nd, bp: number): number {
  nd.protocol = 'mobility';
  if (!nd.ttest(bp + 1, 1)) {
    nd.printTrunc();
    return -1;
  }
  const mhlen = (nd.u8(bp + 1) + 1) << 3;
  const type = nd.u8(bp + 2);
  const least = IP6M_HDRLEN[type];
  if (least !== undefined && mhlen < least) {
    nd.print(`(header length ${mhlen} is too small for type ${type})`);
    nd.printTrunc();
    return -1;
  }
  nd.print(`mobility: ${tok2str(IP6M_NAMES, (v) => `type-#${v}`, type)}`);
  let hlen = IP6M_MINLEN;
  switch (type) {
    case IP6M_TYPE.BINDING_REQUEST:
      break;
    case IP6M_TYPE.HOME_TEST_INIT:
    case IP6M_TYPE.CAREOF_TEST_INIT:
      if (nd.vflag) {
        const which = type === IP6M_TYPE.HOME_TEST_INIT ? 'Home' : 'Care-of';
        nd.print(` ${which} Init Cookie=${hex(nd.be32(bp + hlen), 8)}:${hex(nd.be32(bp + hlen + 4), 8)}`);
      }
      hlen += 8;
      break;
    case IP6M_TYPE.HOME_TEST:
    case IP6M_TYPE.CAREOF_TEST: {
      const which = type === IP6M_TYPE.HOME_TEST ? 'Home' : 'Care-of';
      nd.print(` nonce id=0x${nd.be16(bp + 6).toString(16)}`);
      if (nd.vflag) nd.print(` ${which} Init Cookie=${hex(nd.be32(bp + hlen), 8)}:${hex(nd.be32(bp + hlen + 4), 8)}`);
      hlen += 8;
      if (nd.vflag) nd.print(` ${which} Keygen Token=${hex(nd.be32(bp + hlen), 8)}:${hex(nd.be32(bp + hlen + 4), 8)}`);
      hlen += 8;
      break;
    }
    case IP6M_TYPE.BINDING_UPDATE: {
      nd.print(` seq#=${nd.be16(bp + 6)}`);
      if (!nd.ttest(bp + hlen, 2)) {
        nd.printTrunc();
        return -1;
      }
      const bits = (nd.u8(bp + hlen) & 0xf0) >> 4;
      if (bits) nd.print(` ${bittok2str(BINDING_UPDATE_BITS, '', bits, '')}`);
      hlen += 2;
      nd.print(` lifetime=${nd.be16(bp + hlen) << 2}`);
      hlen += 2;
      break;
    }
    case IP6M_TYPE.BINDING_ACK:
      nd.print(` status=${nd.u8(bp + 6)}`);
      if (nd.u8(bp + 7) & 0x80) nd.print(' K');
      nd.print(` seq#=${nd.be16(bp + hlen)}`);
      hlen += 2;
      nd.print(` lifetime=${nd.be16(bp + hlen) << 2}`);
      hlen += 2;
      break;
    case IP6M_TYPE.BINDING_ERROR:
      nd.print(` status=${nd.u8(bp + 6)}`);
      nd.print(` homeaddr ${nd.ip6addr(bp + hlen)}`);
      hlen += 16;
      break;
    default:
      nd.print(` len=${nd.u8(bp + 1)}`);
      return mhlen;
  }
  if (nd.vflag && !printOptions(nd, bp + hlen, mhlen - hlen)) {
    nd.printTrunc();
    return -1;
  }
  return mhlen;
}
