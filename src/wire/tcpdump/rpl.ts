/** tcpdump's RPL control messages carried in ICMPv6 type 155, RFC 6550 (tcpdump 4.99.3 print-icmp6.c rpl_print). */

import { hex, type Nd } from './netdissect.js';

const RPL_CODE = { DIS: 0x00, DIO: 0x01, DAO: 0x02, DAO_ACK: 0x03 } as const;
const DIO_LENGTH = 24;
const DAO_MIN_LENGTH = 4;
const DAO_LENGTH = 20;
const DAGID_LENGTH = 16;

const MOP_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'nonstoring'],
  [1, 'storing'],
  [2, 'nonstoring-multicast'],
  [3, 'storing-multicast'],
]);

const SUBOPT_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'pad1'],
  [1, 'padN'],
  [2, 'metrics'],
  [3, 'routinginfo'],
  [4, 'config'],
  [5, 'rpltarget'],
  [6, 'transitinfo'],
  [8, 'destprefix'],
  [9, 'rpltargetdesc'],
]);

/** rpl_printopts (only with -vv); option bodies are dumped only with -vvv, which we do not offer. */
function printOptions(nd: Nd, opts: number, length: number): void {
  while (length !== 0) {
    const type = nd.u8(opts);
    let optlen: number;
    if (type === 0) {
      optlen = 1;
      nd.print(' opt:pad1');
    } else {
      if (length < 2) {
        nd.printTrunc();
        return;
      }
      optlen = nd.u8(opts + 1) + 2;
      nd.print(` opt:${SUBOPT_NAMES.get(type) ?? `subopt:${type}`} len:${optlen} `);
      if (!nd.ttest(opts, optlen) || length < optlen) {
        nd.printTrunc();
        return;
      }
    }
    opts += optlen;
    length -= optlen;
  }
}

function printDio(nd: Nd, bp: number, length: number): void {
  if (length < DIO_LENGTH) {
    nd.print(` [length ${length} < ${DIO_LENGTH}]`);
    nd.printInvalid();
    return;
  }
  const mopprf = nd.u8(bp + 4);
  const dagid = nd.ip6addr(bp + 8);
  const mop = (mopprf & 0x38) >> 3;
  nd.print(
    ` [dagid:${dagid},seq:${nd.u8(bp + 5)},instance:${nd.u8(bp)},rank:${nd.be16(bp + 2)},` +
      `${mopprf & 0x80 ? 'grounded,' : ''}mop:${MOP_NAMES.get(mop) ?? `mop${mop}`},prf:${mopprf & 0x07}]`,
  );
  if (nd.vflag > 1) printOptions(nd, bp + DIO_LENGTH, length - DIO_LENGTH);
}

function printDao(nd: Nd, bp: number, length: number): void {
  // tcpdump wants the whole structure, DODAGID included, before it looks at the flags.
  if (!nd.ttest(bp, DAO_LENGTH)) {
    nd.printTrunc();
    return;
  }
  if (length < DAO_MIN_LENGTH) {
    nd.print(' [|length too short]');
    return;
  }
  const start = bp;
  bp += DAO_MIN_LENGTH;
  length -= DAO_MIN_LENGTH;
  const flags = nd.u8(start + 1);
  let dagid = '<elided>';
  if (flags & 0x40) {
    if (length < DAGID_LENGTH) {
      nd.print(' [|length too short]');
      return;
    }
    dagid = nd.ip6addr(start + 4);
    bp += DAGID_LENGTH;
    length -= DAGID_LENGTH;
  }
  nd.print(
    ` [dagid:${dagid},seq:${nd.u8(start + 3)},instance:${nd.u8(start)}` +
      `${flags & 0x80 ? ',acK' : ''}${flags & 0x40 ? ',Dagid' : ''},${hex(flags, 2)}]`,
  );
  if (nd.vflag > 1) printOptions(nd, bp, length);
}

function printDaoAck(nd: Nd, bp: number, length: number): void {
  if (!nd.ttest(bp, DAO_MIN_LENGTH)) {
    nd.printTrunc();
    return;
  }
  if (length < DAO_MIN_LENGTH) {
    nd.print(' [|dao-length too short]');
    return;
  }
  const start = bp;
  bp += DAO_MIN_LENGTH;
  length -= DAO_MIN_LENGTH;
  let dagid = '<elided>';
  if (nd.u8(start + 1) & 0x80) {
    if (!nd.ttest(start + 4, DAGID_LENGTH)) {
      nd.printTrunc();
      return;
    }
    if (length < DAGID_LENGTH) {
      nd.print(' [|dao-length too short]');
      return;
    }
    dagid = nd.ip6addr(start + 4);
    bp += DAGID_LENGTH;
    length -= DAGID_LENGTH;
  }
  nd.print(` [dagid:${dagid},seq:${nd.u8(start + 2)},instance:${nd.u8(start)},status:${nd.u8(start + 3)}]`);
  if (nd.vflag > 1) printOptions(nd, bp, length);
}

/** rpl_print: `bp` is the message body after the 4-byte ICMPv6 header, `length` its length (a C u_int). */
export function printRpl(nd: Nd, code: number, bp: number, length: number): void {
  if (code & 0x80) {
    nd.print(', (SEC) [worktodo]');
    return;
  }
  nd.print(', (CLR)');
  switch (code & 0x7f) {
    case RPL_CODE.DIS:
      nd.print('DODAG Information Solicitation');
      break;
    case RPL_CODE.DIO:
      nd.print('DODAG Information Object');
      if (nd.vflag) printDio(nd, bp, length);
      break;
    case RPL_CODE.DAO:
      nd.print('Destination Advertisement Object');
      if (nd.vflag) printDao(nd, bp, length);
      break;
    case RPL_CODE.DAO_ACK:
      nd.print('Destination Advertisement Object Ack');
      if (nd.vflag) printDaoAck(nd, bp, length);
      break;
    default:
      nd.print(`RPL message, unknown code ${code}`);
      break;
  }
}
