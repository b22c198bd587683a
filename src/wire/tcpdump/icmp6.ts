/** tcpdump's ICMPv6 lines: errors, echo, neighbour discovery with its options, MLD, and the hand-off to node information, router renumbering and RPL (tcpdump 4.99.3 print-icmp6.c). */

import { IPV6_DST, IPV6_NEXT_HEADER, IPV6_SRC } from '../ipv6.js';
import { formatIpv6Address } from '../ipv6-address.js';
import { IPPROTO } from '../proto.js';
import { printFqdn } from './domain.js';
import { printNodeInfo } from './icmp6-node-info.js';
import { printRouterRenumbering } from './icmp6-rrenum.js';
import { cksumShouldBe, nextProto6Cksum } from './ip6.js';
import { bittok2str, hex, type Nd, tok2str, u32 } from './netdissect.js';
import { printRpl } from './rpl.js';

const ICMP6_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'destination unreachable'],
  [2, 'packet too big'],
  [3, 'time exceeded in-transit'],
  [4, 'parameter problem'],
  [128, 'echo request'],
  [129, 'echo reply'],
  [130, 'multicast listener query'],
  [131, 'multicast listener report'],
  [132, 'multicast listener done'],
  [133, 'router solicitation'],
  [134, 'router advertisement'],
  [135, 'neighbor solicitation'],
  [136, 'neighbor advertisement'],
  [137, 'redirect'],
  [138, 'router renumbering'],
  [141, 'inverse neighbor solicitation'],
  [142, 'inverse neighbor advertisement'],
  [143, 'multicast listener report v2'],
  [144, 'ha discovery request'],
  [145, 'ha discovery reply'],
  [146, 'mobile router solicitation'],
  [147, 'mobile router advertisement'],
  [139, 'who-are-you request'],
  [140, 'who-are-you reply'],
  [201, 'mtrace message'],
  [200, 'mtrace response'],
  [155, 'RPL'],
]);

const DST_UNREACH_CODE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'unreachable route'],
  // The leading space is tcpdump's (a double space after the comma).
  [1, ' unreachable prohibited'],
  [2, 'beyond scope'],
  [3, 'unreachable address'],
  [4, 'unreachable port'],
]);

const PI_FLAGS: readonly (readonly [number, string])[] = [
  [0x80, 'onlink'],
  [0x40, 'auto'],
  [0x20, 'router'],
];

const RA_FLAGS: readonly (readonly [number, string])[] = [
  [0x80, 'managed'],
  [0x40, 'other stateful'],
  [0x20, 'home agent'],
  [0x02, 'ipv6 only'],
];

const NA_FLAGS: readonly (readonly [number, string])[] = [
  [0x80000000, 'router'],
  [0x40000000, 'solicited'],
  [0x20000000, 'override'],
];

const ND_OPT = {
  SOURCE_LINKADDR: 1,
  TARGET_LINKADDR: 2,
  PREFIX_INFORMATION: 3,
  REDIRECTED_HEADER: 4,
  MTU: 5,
  ADVINTERVAL: 7,
  HOMEAGENT_INFO: 8,
  ROUTE_INFO: 24,
  RDNSS: 25,
  DNSSL: 31,
} as const;

const ND_OPT_NAMES: ReadonlyMap<number, string> = new Map([
  [ND_OPT.SOURCE_LINKADDR, 'source link-address'],
  [ND_OPT.TARGET_LINKADDR, 'destination link-address'],
  [ND_OPT.PREFIX_INFORMATION, 'prefix info'],
  [ND_OPT.REDIRECTED_HEADER, 'redirected header'],
  [ND_OPT.MTU, 'mtu'],
  [ND_OPT.RDNSS, 'rdnss'],
  [ND_OPT.DNSSL, 'dnssl'],
  [ND_OPT.ADVINTERVAL, 'advertisement interval'],
  [ND_OPT.HOMEAGENT_INFO, 'homeagent information'],
  [ND_OPT.ROUTE_INFO, 'route info'],
]);

const MLDV2_RECORD_TYPES: ReadonlyMap<number, string> = new Map([
  [1, 'is_in'],
  [2, 'is_ex'],
  [3, 'to_in'],
  [4, 'to_ex'],
  [5, 'allow'],
  [6, 'block'],
]);

const MLD_MINLEN = 24;
const MLDV2_MINLEN = 28;
const ICMP6_HEADER_LENGTH = 8;

/** Thrown for icmp6_print's local `trunc` label (prints ` [|icmp6]` and stops). */
class Icmp6Trunc {}

/** icmp6_print. */
export function printIcmp6(nd: Nd, bp: number, length: number, ip6: number, fragmented: boolean): void {
  nd.protocol = 'icmp6';
  const oip = bp + ICMP6_HEADER_LENGTH;
  if (length === 0) {
    nd.print('ICMP6, length 0');
    nd.printInvalid();
    return;
  }
  if (nd.vflag && !fragmented && nd.ttest(bp, length)) {
    const icmpSum = nd.be16(bp + 2);
    const sum = nextProto6Cksum(nd, ip6, bp, length, IPPROTO.ICMPV6);
    if (sum !== 0) nd.print(`[bad icmp6 cksum 0x${hex(icmpSum, 4)} -> 0x${hex(cksumShouldBe(icmpSum, sum), 4)}!] `);
    else nd.print('[icmp6 sum ok] ');
  }
  const type = nd.u8(bp);
  nd.print(`ICMP6, ${tok2str(ICMP6_TYPE_NAMES, (v) => `unknown icmp6 type (${v})`, type)}`);
  if (nd.vflag && (type === 133 || type === 134 || type === 136 || type === 135 || type === 137 || type === 145 || type === 147)) {
    nd.print(`, length ${length}`);
  }
  const code = nd.u8(bp + 1);
  try {
    switch (type) {
      case 1: {
        nd.print(`, ${tok2str(DST_UNREACH_CODE_NAMES, (v) => `unknown unreach code (${v})`, code)}`);
        switch (code) {
          case 0:
          case 1:
          case 3:
            nd.print(` ${nd.ip6addr(oip + IPV6_DST)}`);
            break;
          case 2:
            nd.print(` ${nd.ip6addr(oip + IPV6_DST)}, source address ${nd.ip6addr(oip + IPV6_SRC)}`);
            break;
          case 4: {
            const upper = getUpperLayer(nd, oip);
            if (upper.ouh === undefined) throw new Icmp6Trunc();
            const dport = nd.be16(upper.ouh + 2);
            if (upper.prot === IPPROTO.TCP) nd.print(`, ${nd.ip6addr(oip + IPV6_DST)} tcp port ${dport}`);
            else if (upper.prot === IPPROTO.UDP) nd.print(`, ${nd.ip6addr(oip + IPV6_DST)} udp port ${dport}`);
            else nd.print(`, ${nd.ip6addr(oip + IPV6_DST)} protocol ${upper.prot} port ${dport} unreachable`);
            break;
          }
          default:
            if (nd.vflag <= 1) {
              nd.printUnknownData(bp, '\n\t', length);
              return;
            }
            break;
        }
        break;
      }
      case 2:
        nd.print(`, mtu ${nd.be32(bp + 4)}`);
        break;
      case 3:
        if (code === 0) nd.print(` for ${nd.ip6addr(oip + IPV6_DST)}`);
        else if (code === 1) nd.print(' (reassembly)');
        else nd.print(`, unknown code (${code})`);
        break;
      case 4: {
        if (!nd.ttest(oip + IPV6_DST, 16)) throw new Icmp6Trunc();
        const what = ['erroneous', 'next header', 'option', 'incomplete header chain'][code];
        if (what !== undefined) nd.print(`, ${what} - octet ${nd.be32(bp + 4)}`);
        else nd.print(`, code-#${code}`);
        break;
      }
      case 128:
      case 129:
        nd.print(`, id ${nd.be16(bp + 4)}, seq ${nd.be16(bp + 6)}`);
        break;
      case 130:
        if (length === MLD_MINLEN) {
          printMld(nd, bp);
        } else if (length >= MLDV2_MINLEN) {
          nd.print(' v2');
          printMldv2Query(nd, bp, length);
        } else {
          nd.print(` unknown-version (len ${length}) `);
        }
        break;
      case 131:
      case 132:
        printMld(nd, bp);
        break;
      case 133:
        if (nd.vflag && !printNdOptions(nd, bp + 8, length - 8)) throw new Icmp6Trunc();
        break;
      case 134:
        if (nd.vflag) {
          const flagsByte = nd.u8(bp + 5);
          const curHopLimit = nd.u8(bp + 4);
          const lifetime = nd.be16(bp + 6);
          const reachable = nd.be32(bp + 8);
          const retrans = nd.be32(bp + 12);
          nd.print(
            `\n\thop limit ${curHopLimit}, Flags [${bittok2str(RA_FLAGS, 'none', flagsByte)}]` +
              `, pref ${routerPreference(flagsByte)}, router lifetime ${lifetime}s, reachable time ${reachable}ms, retrans timer ${retrans}ms`,
          );
          if (!printNdOptions(nd, bp + 16, length - 16)) throw new Icmp6Trunc();
        }
        break;
      case 135:
        nd.print(`, who has ${nd.ip6addr(bp + 8)}`);
        if (nd.vflag && !printNdOptions(nd, bp + 24, length - 24)) throw new Icmp6Trunc();
        break;
      case 136:
        nd.print(`, tgt is ${nd.ip6addr(bp + 8)}`);
        if (nd.vflag) {
          nd.print(`, Flags [${bittok2str(NA_FLAGS, 'none', nd.be32(bp + 4))}]`);
          if (!printNdOptions(nd, bp + 24, length - 24)) throw new Icmp6Trunc();
        }
        break;
      case 137:
        // The destination (offset 24) first, then the better next hop (the target, offset 8).
        nd.print(`, ${nd.ip6addr(bp + 24)}`);
        nd.print(` to ${nd.ip6addr(bp + 8)}`);
        if (nd.vflag && !printNdOptions(nd, bp + 40, length - 40)) throw new Icmp6Trunc();
        break;
      case 138:
        printRouterRenumbering(nd, bp);
        break;
      case 139:
      case 140:
        printNodeInfo(nd, length, bp);
        break;
      case 141:
      case 142:
        break;
      case 143:
        printMldv2Report(nd, bp, length);
        break;
      case 146:
      case 144:
        nd.print(`, id 0x${hex(nd.be16(bp + 4), 4)}`);
        break;
      case 145:
        if (nd.vflag) {
          nd.print(`, id 0x${hex(nd.be16(bp + 4), 4)}`);
          const end = bp + length;
          for (let p = bp + 8; p < end; p += 16) nd.print(`, ${nd.ip6addr(p)}`);
        }
        break;
      case 147:
        if (nd.vflag) {
          nd.print(`, id 0x${hex(nd.be16(bp + 4), 4)}`);
          const flags = nd.be16(bp + 6);
          if (flags & 0xc000) nd.print(' ');
          if (flags & 0x8000) nd.print('M');
          if (flags & 0x4000) nd.print('O');
          if (!printNdOptions(nd, bp + 8, length - 8)) throw new Icmp6Trunc();
        }
        break;
      case 155:
        // The body after the ICMPv6 header's first four bytes; the length wraps as a C u_int.
        printRpl(nd, code, bp + 4, u32(length - 4));
        break;
      default:
        nd.print(`, length ${length}`);
        if (nd.vflag <= 1) nd.printUnknownData(bp, '\n\t', length);
        return;
    }
    if (!nd.vflag) nd.print(`, length ${length}`);
  } catch (e) {
    if (!(e instanceof Icmp6Trunc)) throw e;
    nd.printTrunc();
  }
}

/** get_upperlayer: the UDP/TCP header quoted in an error, found by walking the quoted header chain. */
function getUpperLayer(nd: Nd, ip6: number): { ouh: number | undefined; prot: number } {
  const prot = 0;
  if (!nd.ttest(ip6 + IPV6_NEXT_HEADER, 1)) return { ouh: undefined, prot };
  let nh = nd.u8(ip6 + IPV6_NEXT_HEADER);
  let hlen = 40;
  let bp = ip6;
  while (bp < nd.snapend) {
    bp += hlen;
    switch (nh) {
      case IPPROTO.UDP:
      case IPPROTO.TCP:
        if (nd.ttest(bp + 2, 2)) return { ouh: bp, prot: nh };
        return { ouh: undefined, prot };
      case IPPROTO.HOPOPTS:
      case IPPROTO.DSTOPTS:
      case IPPROTO.ROUTING:
        if (!nd.ttest(bp + 1, 1)) return { ouh: undefined, prot };
        nh = nd.u8(bp);
        hlen = (nd.u8(bp + 1) + 1) << 3;
        break;
      case IPPROTO.FRAGMENT:
        if (!nd.ttest(bp + 2, 2)) return { ouh: undefined, prot };
        if ((nd.be16(bp + 2) & 0xfff8) !== 0) return { ouh: undefined, prot };
        nh = nd.u8(bp);
        hlen = 8;
        break;
      case IPPROTO.AH:
        if (!nd.ttest(bp + 1, 1)) return { ouh: undefined, prot };
        nh = nd.u8(bp);
        hlen = (nd.u8(bp + 1) + 2) << 2;
        break;
      default:
        return { ouh: undefined, prot: nh };
    }
  }
  return { ouh: undefined, prot };
}

/** get_rtpref: the two preference bits of an RA or a route-information option. */
function routerPreference(v: number): string {
  return ['medium', 'high', 'rsv', 'low'][(v & 0x18) >> 3]!;
}

/** get_lifetime. */
function lifetime(v: number): string {
  return v === 0xffffffff ? 'infinity' : `${v}s`;
}

/**
 * icmp6_opt_print: one continuation line per option, and with -vv a hex dump of each. `resid`
 * is a C int (a negative remainder stops the walk). False where tcpdump jumps to `trunc`.
 */
function printNdOptions(nd: Nd, bp: number, resid: number): boolean {
  let cp = bp;
  const ep = nd.snapend;
  while (cp < ep) {
    nd.u8(cp + 1);
    if (resid <= 0) return true;
    const optType = nd.u8(cp);
    const optLen = nd.u8(cp + 1);
    if (optLen === 0) return false;
    if (cp + (optLen << 3) > ep) return false;
    nd.print(`\n\t  ${tok2str(ND_OPT_NAMES, () => 'unknown', optType)} option (${optType}), length ${optLen << 3} (${optLen}): `);
    switch (optType) {
      case ND_OPT.SOURCE_LINKADDR:
      case ND_OPT.TARGET_LINKADDR:
        printLinkAddress(nd, cp + 2, (optLen << 3) - 2);
        break;
      case ND_OPT.PREFIX_INFORMATION: {
        const prefix = nd.ip6addr(cp + 16);
        const prefixLen = nd.u8(cp + 2);
        const flags = bittok2str(PI_FLAGS, 'none', nd.u8(cp + 3));
        const valid = lifetime(nd.be32(cp + 4));
        nd.print(`${prefix}/${prefixLen}${optLen !== 4 ? 'badlen' : ''}, Flags [${flags}], valid time ${valid}`);
        nd.print(`, pref. time ${lifetime(nd.be32(cp + 8))}`);
        break;
      }
      case ND_OPT.REDIRECTED_HEADER:
        // tcpdump dumps from the first option, whichever this one is.
        nd.printUnknownData(bp, '\n\t    ', optLen << 3);
        break;
      case ND_OPT.MTU:
        nd.print(` ${nd.be32(cp + 4)}${optLen !== 1 ? 'bad option length' : ''}`);
        break;
      case ND_OPT.RDNSS: {
        const n = (optLen - 1) >> 1;
        nd.print(` lifetime ${nd.be32(cp + 4)}s,`);
        for (let i = 0; i < n; i++) nd.print(` addr: ${nd.ip6addr(cp + 8 + 16 * i)}`);
        break;
      }
      case ND_OPT.DNSSL: {
        nd.print(` lifetime ${nd.be32(cp + 4)}s, domain(s):`);
        // RFC 8106 names; compression pointers, should any appear, count from the first option.
        let domp = cp + 8;
        while (domp < cp + (optLen << 3) && nd.u8(domp) !== 0) {
          nd.print(' ');
          domp = printFqdn(nd, domp, bp);
          if (domp === -1) return false;
        }
        break;
      }
      case ND_OPT.ADVINTERVAL:
        nd.print(` ${nd.be32(cp + 4)}ms`);
        break;
      case ND_OPT.HOMEAGENT_INFO:
        nd.print(` preference ${nd.be16(cp + 4)}, lifetime ${nd.be16(cp + 6)}`);
        break;
      case ND_OPT.ROUTE_INFO: {
        if (!nd.ttest(cp + 4, 4)) return false;
        const prefix = new Uint8Array(16);
        if (optLen === 2) prefix.set(nd.copy(cp + 8, 8));
        else if (optLen === 3) prefix.set(nd.copy(cp + 8, 16));
        else if (optLen !== 1) return false;
        nd.print(` ${formatIpv6Address(prefix)}/${nd.u8(cp + 2)}`);
        nd.print(`, pref=${routerPreference(nd.u8(cp + 3))}`);
        nd.print(`, lifetime=${lifetime(nd.be32(cp + 4))}`);
        break;
      }
      default:
        if (nd.vflag <= 1) {
          nd.printUnknownData(cp + 2, '\n\t  ', (optLen << 3) - 2);
          return true;
        }
        break;
    }
    if (nd.vflag > 1) nd.printUnknownData(cp + 2, '\n\t    ', (optLen << 3) - 2);
    cp += optLen << 3;
    resid -= optLen << 3;
  }
  return true;
}

/** print_lladdr: colon-separated bytes, as many as the option holds. */
function printLinkAddress(nd: Nd, p: number, l: number): void {
  for (let q = p; q < p + l; q++) {
    if (q > p) nd.print(':');
    nd.print(hex(nd.u8(q), 2));
  }
}

/** mld6_print (MLDv1); the missing separator before `max resp delay` is tcpdump's. */
function printMld(nd: Nd, bp: number): void {
  if (bp + 24 > nd.snapend) return;
  nd.print(`max resp delay: ${nd.be16(bp + 4)} `);
  nd.print(`addr: ${nd.ip6addr(bp + 8)}`);
}

/** mldv2_report_print. */
function printMldv2Report(nd: Nd, bp: number, len: number): void {
  if (len < 8) {
    nd.print(` [invalid len ${len}]`);
    return;
  }
  const ngroups = nd.be16(bp + 6);
  nd.print(`, ${ngroups} group record(s)`);
  if (!nd.vflag) return;
  let group = 8;
  for (let i = 0; i < ngroups; i++) {
    if (len < group + 20) {
      nd.print(' [invalid number of groups]');
      return;
    }
    nd.print(` [gaddr ${nd.ip6addr(bp + group + 4)}`);
    nd.print(` ${tok2str(MLDV2_RECORD_TYPES, (v) => ` [v2-report-#${v}]`, nd.u8(bp + group))}`);
    const nsrcs = nd.be16(bp + group + 2);
    if (len < group + 20 + nsrcs * 16) {
      nd.print(` [invalid number of sources ${nsrcs}]`);
      return;
    }
    if (nd.vflag === 1) {
      nd.print(`, ${nsrcs} source(s)`);
    } else {
      nd.print(' {');
      for (let j = 0; j < nsrcs; j++) nd.print(` ${nd.ip6addr(bp + group + 20 + j * 16)}`);
      nd.print(' }');
    }
    group += 20 + nsrcs * 16;
    nd.print(']');
  }
}

/** mldv2_query_print; the maximum response code and QQIC use RFC 3810's floating-point form. */
function printMldv2Query(nd: Nd, bp: number, len: number): void {
  if (len < 28) {
    nd.print(` [invalid len ${len}]`);
    return;
  }
  const mrc = nd.be16(bp + 4);
  const mrt = mrc < 32768 ? mrc : ((mrc & 0x0fff) | 0x1000) << (((mrc & 0x7000) >> 12) + 3);
  if (nd.vflag) nd.print(` [max resp delay=${mrt}]`);
  nd.print(` [gaddr ${nd.ip6addr(bp + 8)}`);
  if (nd.vflag) {
    if (nd.u8(bp + 24) & 0x08) nd.print(' sflag');
    if (nd.u8(bp + 24) & 0x07) nd.print(` robustness=${nd.u8(bp + 24) & 0x07}`);
    const qqic = nd.u8(bp + 25);
    const qqi = qqic < 128 ? qqic : ((qqic & 0x0f) | 0x10) << (((qqic & 0x70) >> 4) + 3);
    nd.print(` qqi=${qqi}`);
  }
  const nsrcs = nd.be16(bp + 26);
  if (nsrcs > 0) {
    if (len < 28 + nsrcs * 16) {
      nd.print(' [invalid number of sources]');
    } else if (nd.vflag > 1) {
      nd.print(' {');
      for (let i = 0; i < nsrcs; i++) nd.print(` ${nd.ip6addr(bp + 28 + i * 16)}`);
      nd.print(' }');
    } else {
      nd.print(`, ${nsrcs} source(s)`);
    }
  }
  nd.print(']');
}
