/** tcpdump's DNS name printing, as ND options and node-information replies use it (tcpdump 4.99.3 print-domain.c fqdn_print, print-icmp6.c dnsname_print). */

import { fnPrintChar, hex, type Nd } from './netdissect.js';

const TYPE_MASK = 0xc0;
const TYPE_LABEL = 0x00;
const TYPE_EDNS0 = 0x40;
const TYPE_RESERVED = 0x80;
const TYPE_INDIR = 0xc0;
const EDNS0_ELT_BITLABEL = 0x01;
/** RFC 1035's limit on a name's length, past which tcpdump stops printing labels. */
const MAXCDNAME = 255;

/** labellen: the length of the label at `cp` (an RFC 2673 bit label's in bytes), or -1 after a complaint. */
function labelLength(nd: Nd, cp: number): number {
  if (!nd.ttest(cp, 1)) return -1;
  const i = nd.u8(cp);
  switch (i & TYPE_MASK) {
    case TYPE_EDNS0: {
      const elt = i & ~TYPE_MASK;
      if (elt !== EDNS0_ELT_BITLABEL) {
        nd.print(`<ELT ${elt}>`);
        return -1;
      }
      if (!nd.ttest(cp + 1, 1)) return -1;
      const bitlen = nd.u8(cp + 1) || 256;
      return Math.floor((bitlen + 7) / 8) + 1;
    }
    case TYPE_INDIR:
    case TYPE_LABEL:
      return i;
    default:
      nd.print('<BAD LABEL TYPE>');
      return -1;
  }
}

/** blabel_print: an RFC 2673 bit label as `\[xHEX/bits]`. */
function printBitLabel(nd: Nd, cp: number): void {
  const bitlen = nd.u8(cp) || 256;
  const lim = cp + 1 + Math.floor((bitlen + 3) / 4);
  nd.print('\\[x');
  let bitp = cp + 1;
  let b = bitlen;
  for (; bitp < lim && b > 7; b -= 8, bitp++) nd.print(hex(nd.u8(bitp), 2));
  if (b > 4) nd.print(hex(nd.u8(bitp) & (0xff << (8 - b)) & 0xff, 2));
  else if (b > 0) nd.print(hex((nd.u8(bitp) >> 4) & 0x0f & (0x0f << (4 - b)), 1));
  nd.print(`/${bitlen}]`);
}

/** nd_printn: up to `n` characters, stopping at the snapshot end; false when it had to stop early. */
function printChars(nd: Nd, p: number, n: number): boolean {
  for (; n > 0 && p < nd.snapend; n--, p++) nd.print(fnPrintChar(nd.u8(p)));
  return n === 0;
}

/**
 * fqdn_print: the name at `cp`, following compression pointers only backwards (offsets count
 * from `bp`). Returns where the name ends in the packet, or -1 where tcpdump returns NULL.
 */
export function printFqdn(nd: Nd, cp: number, bp: number): number {
  let l = labelLength(nd, cp);
  if (l === -1) return -1;
  if (!nd.ttest(cp, 1)) return -1;
  let maxOffset = cp - bp;
  let i = nd.u8(cp);
  cp++;
  let compress = false;
  let rp = -1;
  if ((i & TYPE_MASK) !== TYPE_INDIR) rp = cp + l;
  if (i === 0) {
    nd.print('.');
    return rp;
  }
  let nameChars = 0;
  while (i && cp < nd.snapend) {
    switch (i & TYPE_MASK) {
      case TYPE_INDIR: {
        if (!compress) {
          rp = cp + 1;
          compress = true;
        }
        if (!nd.ttest(cp, 1)) return -1;
        const offset = ((i << 8) | nd.u8(cp)) & 0x3fff;
        // Pointers must move backwards, which rules out loops (BIND's rule, which tcpdump follows).
        if (offset >= maxOffset) {
          nd.print('<BAD PTR>');
          return -1;
        }
        maxOffset = offset;
        cp = bp + offset;
        if (!nd.ttest(cp, 1)) return -1;
        i = nd.u8(cp);
        l = labelLength(nd, cp);
        if (l === -1) return -1;
        cp++;
        continue;
      }
      case TYPE_EDNS0: {
        const elt = i & ~TYPE_MASK;
        if (elt !== EDNS0_ELT_BITLABEL) {
          nd.print(`<ELT ${elt}>`);
          return -1;
        }
        printBitLabel(nd, cp);
        break;
      }
      case TYPE_RESERVED:
        nd.print('<BAD LABEL TYPE>');
        return -1;
      default:
        if (nameChars + l <= MAXCDNAME) {
          if (!printChars(nd, cp, l)) return -1;
        } else if (nameChars < MAXCDNAME) {
          if (!printChars(nd, cp, MAXCDNAME - nameChars)) return -1;
        }
        nameChars += l;
        break;
    }
    cp += l;
    if (nameChars <= MAXCDNAME) nd.print('.');
    nameChars++;
    if (!nd.ttest(cp, 1)) return -1;
    i = nd.u8(cp);
    l = labelLength(nd, cp);
    if (l === -1) return -1;
    cp++;
    if (!compress) rp += l + 1;
  }
  if (nameChars > MAXCDNAME) nd.print('<DOMAIN NAME TOO LONG>');
  return rp;
}

/** dnsname_print (print-icmp6.c): a name of uncompressed labels between `cp` and `ep`, in quotes. */
export function printDnsName(nd: Nd, cp: number, ep: number): void {
  nd.print(', "');
  while (cp < ep) {
    let i = nd.u8(cp);
    cp++;
    if (i) {
      if (i > ep - cp) {
        nd.print('???');
        break;
      }
      while (i-- && cp < ep) {
        nd.print(fnPrintChar(nd.u8(cp)));
        cp++;
      }
      if (cp + 1 < ep && nd.u8(cp)) nd.print('.');
    } else {
      if (cp === ep) nd.print('.');
      else if (cp + 1 === ep && nd.u8(cp) === 0) {
        // A name cut short: tcpdump prints nothing more.
      } else nd.print('???');
      break;
    }
  }
  nd.print('"');
}
