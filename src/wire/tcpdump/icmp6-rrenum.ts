/** tcpdump's ICMPv6 router renumbering messages, RFC 2894 (tcpdump 4.99.3 print-icmp6.c icmp6_rrenum_print). */

import { formatIpv6Address } from '../ipv6-address.js';
import type { Nd } from './netdissect.js';

const RR_HEADER_LENGTH = 16;
const PCO_MATCH_LENGTH = 24;
const PCO_USE_LENGTH = 32;

const RR_CODE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'command'],
  [1, 'result'],
  [255, 'sequence number reset'],
]);

const MATCH_CODE_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'add'],
  [2, 'change'],
  [3, 'setglobal'],
]);

function flagLetters(v: number, table: readonly (readonly [number, string])[]): string {
  return table.map(([bit, letter]) => (v & bit ? letter : '')).join('');
}

/** icmp6_rrenum_print: ` [|icmp6]` where tcpdump's own trunc label would print it, then back to icmp6_print. */
export function printRouterRenumbering(nd: Nd, bp: number): void {
  if (nd.snapend < bp) return;
  if (!nd.ttest(bp + 12, 4)) {
    nd.printTrunc();
    return;
  }
  const code = nd.u8(bp + 1);
  nd.print(`, ${RR_CODE_NAMES.get(code) ?? `code-#${code}`}`);
  nd.print(`, seq=${nd.be32(bp + 4)}`);
  if (nd.vflag) {
    const flags = nd.u8(bp + 9);
    nd.print('[');
    if (flags) {
      nd.print(
        `${flagLetters(flags, [
          [0x80, 'T'],
          [0x40, 'R'],
          [0x20, 'A'],
          [0x10, 'S'],
          [0x08, 'P'],
        ])},`,
      );
    }
    nd.print(`seg=${nd.u8(bp + 8)},`);
    nd.print(`maxdelay=${nd.be16(bp + 10)}`);
    const reserved = nd.be32(bp + 12);
    if (reserved) nd.print(`rsvd=0x${reserved.toString(16)}`);
    nd.print(']');
  }
  if (code !== 0) return;

  // A command carries one match-prefix part and its use-prefix parts.
  const match = bp + RR_HEADER_LENGTH;
  if (!nd.ttest(match + 8, 16)) {
    nd.printTrunc();
    return;
  }
  const sep = nd.vflag > 1 ? '\n\t' : ' ';
  const matchCode = nd.u8(match);
  nd.print(`${sep}match(${MATCH_CODE_NAMES.get(matchCode) ?? `#${matchCode}`}`);
  if (nd.vflag) nd.print(`,ord=${nd.u8(match + 2)},min=${nd.u8(match + 4)},max=${nd.u8(match + 5)}`);
  nd.print(`,${formatIpv6Address(nd.copy(match + 8, 16))}/${nd.u8(match + 3)})`);
  let n = nd.u8(match + 1) - 3;
  // The length counts 8-octet units: the match part is 3 of them, each use part 4.
  if (n % 4) {
    nd.printTrunc();
    return;
  }
  n /= 4;
  for (let use = match + PCO_MATCH_LENGTH; n-- > 0; use += PCO_USE_LENGTH) {
    if (!nd.ttest(use + 16, 16)) {
      nd.printTrunc();
      return;
    }
    nd.print(`${sep}use(`);
    // tcpdump reads the first byte of the 32-bit flags word: V is 0x80, P is 0x40 there.
    const useFlags = nd.u8(use + 12);
    if (useFlags) {
      nd.print(
        `${flagLetters(useFlags, [
          [0x80, 'V'],
          [0x40, 'P'],
        ])},`,
      );
    }
    if (nd.vflag) {
      nd.print(`mask=0x${nd.u8(use + 2).toString(16)},raflags=0x${nd.u8(use + 3).toString(16)},`);
      const vltime = nd.be32(use + 4);
      nd.print(vltime === 0xffffffff ? 'vltime=infty,' : `vltime=${vltime},`);
      const pltime = nd.be32(use + 8);
      nd.print(pltime === 0xffffffff ? 'pltime=infty,' : `pltime=${pltime},`);
    }
    nd.print(`${formatIpv6Address(nd.copy(use + 16, 16))}/${nd.u8(use)}/${nd.u8(use + 1)})`);
  }
}
