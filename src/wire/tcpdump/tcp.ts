/** tcpdump's TCP line over IPv6: flags, relative sequence numbers, checksum, options (tcpdump 4.99.3 print-tcp.c). */

import { toHex } from '../hex.js';
import { IPV6_DST, IPV6_NEXT_HEADER, IPV6_SRC } from '../ipv6.js';
import { IPPROTO } from '../proto.js';
import { cksumShouldBe, nextProto6Cksum } from './ip6.js';
import { bittok2str, fnPrintChar, hex, type Nd, u32 } from './netdissect.js';

const TCP_HEADER_LENGTH = 20;
const TH_FIN = 0x01;
const TH_SYN = 0x02;
const TH_RST = 0x04;
const TH_ACK = 0x10;
const TH_URG = 0x20;

const TCP_FLAGS: readonly (readonly [number, string])[] = [
  [TH_FIN, 'F'],
  [TH_SYN, 'S'],
  [TH_RST, 'R'],
  [0x08, 'P'],
  [TH_ACK, '.'],
  [TH_URG, 'U'],
  [0x40, 'E'],
  [0x80, 'W'],
];

const TCPOPT = {
  EOL: 0,
  NOP: 1,
  MAXSEG: 2,
  WSCALE: 3,
  SACKOK: 4,
  SACK: 5,
  ECHO: 6,
  ECHOREPLY: 7,
  TIMESTAMP: 8,
  CC: 11,
  CCNEW: 12,
  CCECHO: 13,
  SIGNATURE: 19,
  SCPS: 20,
  UTO: 28,
  TCPAO: 29,
  MPTCP: 30,
  FASTOPEN: 34,
  EXPERIMENT2: 254,
} as const;

const TCP_OPTION_NAMES: ReadonlyMap<number, string> = new Map([
  [TCPOPT.EOL, 'eol'],
  [TCPOPT.NOP, 'nop'],
  [TCPOPT.MAXSEG, 'mss'],
  [TCPOPT.WSCALE, 'wscale'],
  [TCPOPT.SACKOK, 'sackOK'],
  [TCPOPT.SACK, 'sack'],
  [TCPOPT.ECHO, 'echo'],
  [TCPOPT.ECHOREPLY, 'echoreply'],
  [TCPOPT.TIMESTAMP, 'TS'],
  [TCPOPT.CC, 'cc'],
  [TCPOPT.CCNEW, 'ccnew'],
  [TCPOPT.CCECHO, ''],
  [TCPOPT.SIGNATURE, 'md5'],
  [TCPOPT.SCPS, 'scps'],
  [TCPOPT.UTO, 'uto'],
  [TCPOPT.TCPAO, 'tcp-ao'],
  [TCPOPT.MPTCP, 'mptcp'],
  [TCPOPT.FASTOPEN, 'tfo'],
  [TCPOPT.EXPERIMENT2, 'exp'],
]);

const TCP_SIGLEN = 16;
const MAX_RST_DATA_LEN = 30;

/**
 * Ports on which tcpdump hands a segment's payload to an application printer (telnet, SMTP,
 * BGP, SSH, HTTP, DNS, NFS, ...). We print no payload decode, and printPacketDetailed says so.
 */
const TCP_DECODED_PORTS: ReadonlySet<number> = new Set([
  21, 22, 23, 25, 43, 53, 80, 139, 179, 323, 445, 554, 639, 646, 1723, 2049, 6379, 6633, 6653, 8080, 8554, 10288,
]);

/** True where tcpdump 4.99.3 would decode a TCP payload on this port (so our line would differ). */
export function isTcpPortDecodedByTcpdump(port: number): boolean {
  return TCP_DECODED_PORTS.has(port);
}

/** Thrown inside the option loop for tcpdump's `bad` and `trunc` labels. */
class OptionStop {
  constructor(readonly kind: 'bad' | 'trunc') {}
}

/** tcp_print for IPv6. */
export function printTcp(nd: Nd, bp: number, length: number, ip6: number, fragmented: boolean): void {
  nd.protocol = 'tcp';
  if (!nd.ttest(bp + 2, 2)) {
    nd.print(`${nd.ip6addr(ip6 + IPV6_SRC)} > ${nd.ip6addr(ip6 + IPV6_DST)}:`);
    nd.printTrunc();
    return;
  }
  const sport = nd.be16(bp);
  const dport = nd.be16(bp + 2);
  if (nd.u8(ip6 + IPV6_NEXT_HEADER) === IPPROTO.TCP) {
    nd.print(`${nd.ip6addr(ip6 + IPV6_SRC)}.${sport} > ${nd.ip6addr(ip6 + IPV6_DST)}.${dport}: `);
  } else {
    nd.print(`${sport} > ${dport}: `);
  }
  if (!nd.ttest(bp, TCP_HEADER_LENGTH)) {
    nd.printTrunc();
    return;
  }
  let hlen = (nd.u8(bp + 12) >> 4) * 4;
  if (hlen < TCP_HEADER_LENGTH) {
    nd.print(` tcp ${u32(length - hlen)} [bad hdr length ${hlen} - too short, < ${TCP_HEADER_LENGTH}]`);
    return;
  }
  let seq = nd.be32(bp + 4);
  let ack = nd.be32(bp + 8);
  const win = nd.be16(bp + 14);
  const urp = nd.be16(bp + 18);
  const flags = nd.u8(bp + 13);
  nd.print(`Flags [${bittok2str(TCP_FLAGS, 'none', flags, '')}]`);

  let rev = false;
  let thseq = 0;
  let thack = 0;
  if (flags & TH_ACK) {
    // One entry for both directions, keyed in an arbitrary but fixed order.
    const src = nd.copy(ip6 + IPV6_SRC, 16);
    const dst = nd.copy(ip6 + IPV6_DST, 16);
    if (sport > dport) rev = true;
    else if (sport === dport && compareBytes(src, dst) > 0) rev = true;
    const key = rev ? `${toHex(dst)}${toHex(src)}${dport}.${sport}` : `${toHex(src)}${toHex(dst)}${sport}.${dport}`;
    const table = nd.state.tcpSeqHash;
    let th = table.get(key);
    if (th === undefined || flags & TH_SYN) {
      th = rev ? { ack: seq, seq: u32(ack - 1) } : { seq, ack: u32(ack - 1) };
      table.set(key, th);
    } else if (rev) {
      seq = u32(seq - th.ack);
      ack = u32(ack - th.seq);
    } else {
      seq = u32(seq - th.seq);
      ack = u32(ack - th.ack);
    }
    thseq = th.seq;
    thack = th.ack;
  }

  if (hlen > length) {
    nd.print(` [bad hdr length ${hlen} - too long, > ${length}]`);
    return;
  }

  if (nd.vflag && !fragmented && nd.ttest(bp, length)) {
    const sum = nextProto6Cksum(nd, ip6, bp, length, IPPROTO.TCP);
    const tcpSum = nd.be16(bp + 16);
    nd.print(`, cksum 0x${hex(tcpSum, 4)}`);
    if (sum !== 0) nd.print(` (incorrect -> 0x${hex(cksumShouldBe(tcpSum, sum), 4)})`);
    else nd.print(' (correct)');
  }

  length -= hlen;
  if (nd.vflag > 1 || length > 0 || flags & (TH_SYN | TH_FIN | TH_RST)) {
    nd.print(`, seq ${seq}`);
    if (length > 0) nd.print(`:${u32(seq + length)}`);
  }
  if (flags & TH_ACK) nd.print(`, ack ${ack}`);
  nd.print(`, win ${win}`);
  if (flags & TH_URG) nd.print(`, urg ${urp}`);

  if (hlen > TCP_HEADER_LENGTH) {
    hlen -= TCP_HEADER_LENGTH;
    let cp = bp + TCP_HEADER_LENGTH;
    let ch = '';
    nd.print(', options [');
    try {
      const lencheck = (l: number) => {
        if (l > hlen) throw new OptionStop('bad');
        if (!nd.ttest(cp, l)) throw new OptionStop('trunc');
      };
      while (hlen > 0) {
        nd.print(ch);
        const opt = nd.u8(cp);
        cp++;
        let len: number;
        if (opt === TCPOPT.EOL || opt === TCPOPT.NOP) {
          len = 1;
        } else {
          len = nd.u8(cp);
          cp++;
          if (len < 2 || len > hlen) throw new OptionStop('bad');
          --hlen;
        }
        --hlen;
        let datalen = 0;
        nd.print(TCP_OPTION_NAMES.get(opt) ?? `unknown-${opt}`);
        switch (opt) {
          case TCPOPT.MAXSEG:
            datalen = 2;
            lencheck(datalen);
            nd.print(` ${nd.be16(cp)}`);
            break;
          case TCPOPT.WSCALE:
            datalen = 1;
            lencheck(datalen);
            nd.print(` ${nd.u8(cp)}`);
            break;
          case TCPOPT.SACK:
            datalen = len - 2;
            if (datalen % 8 !== 0) {
              nd.print(' invalid sack');
            } else {
              nd.print(` ${datalen / 8} `);
              for (let i = 0; i < datalen; i += 8) {
                lencheck(i + 4);
                let s = nd.be32(cp + i);
                lencheck(i + 8);
                let e = nd.be32(cp + i + 4);
                if (rev) {
                  s = u32(s - thseq);
                  e = u32(e - thseq);
                } else {
                  s = u32(s - thack);
                  e = u32(e - thack);
                }
                nd.print(`{${s}:${e}}`);
              }
            }
            break;
          case TCPOPT.CC:
          case TCPOPT.CCNEW:
          case TCPOPT.CCECHO:
          case TCPOPT.ECHO:
          case TCPOPT.ECHOREPLY:
            datalen = 4;
            lencheck(datalen);
            nd.print(` ${nd.be32(cp)}`);
            break;
          case TCPOPT.TIMESTAMP:
            datalen = 8;
            lencheck(datalen);
            nd.print(` val ${nd.be32(cp)} ecr ${nd.be32(cp + 4)}`);
            break;
          case TCPOPT.SIGNATURE: {
            datalen = TCP_SIGLEN;
            lencheck(datalen);
            nd.print(' ');
            // tcpdump built with OpenSSL tries to verify; without -M it can only say why not.
            const data = bp + (nd.u8(bp + 12) >> 4) * 4;
            if (data + length > nd.snapend) nd.print('snaplen too short, ');
            else nd.print('shared secret not supplied with -M, ');
            nd.print("can't check - ");
            for (let i = 0; i < TCP_SIGLEN; i++) nd.print(hex(nd.u8(cp + i), 2));
            break;
          }
          case TCPOPT.SCPS:
            datalen = 2;
            lencheck(datalen);
            nd.print(` cap ${hex(nd.u8(cp), 2)} id ${nd.u8(cp + 1)}`);
            break;
          case TCPOPT.TCPAO:
            datalen = len - 2;
            if (datalen < 2) {
              nd.printInvalid();
            } else {
              lencheck(1);
              nd.print(` keyid ${nd.u8(cp)}`);
              lencheck(2);
              nd.print(` rnextkeyid ${nd.u8(cp + 1)}`);
              if (datalen > 2) {
                nd.print(' mac 0x');
                for (let i = 2; i < datalen; i++) {
                  lencheck(i + 1);
                  nd.print(hex(nd.u8(cp + i), 2));
                }
              }
            }
            break;
          case TCPOPT.EOL:
          case TCPOPT.NOP:
          case TCPOPT.SACKOK:
            break;
          case TCPOPT.UTO: {
            datalen = 2;
            lencheck(datalen);
            let utoval = nd.be16(cp);
            nd.print(` 0x${utoval.toString(16)}`);
            if (utoval & 0x0001) utoval = (utoval >> 1) * 60;
            else utoval >>= 1;
            nd.print(` ${utoval}`);
            break;
          }
          case TCPOPT.FASTOPEN:
            datalen = len - 2;
            lencheck(datalen);
            nd.print(' ');
            printFastOpen(nd, cp, datalen, false);
            break;
          case TCPOPT.EXPERIMENT2: {
            datalen = len - 2;
            lencheck(datalen);
            if (datalen < 2) throw new OptionStop('bad');
            const magic = nd.be16(cp);
            nd.print('-');
            if (magic === 0xf989) printFastOpen(nd, cp + 2, datalen - 2, true);
            else nd.print(hex(magic, 4));
            break;
          }
          default:
            if (opt === TCPOPT.MPTCP) nd.noteUnmodelled('tcp option mptcp');
            datalen = len - 2;
            if (datalen) nd.print(' 0x');
            for (let i = 0; i < datalen; ++i) {
              lencheck(i + 1);
              nd.print(hex(nd.u8(cp + i), 2));
            }
            break;
        }
        cp += datalen;
        hlen -= datalen;
        ++datalen;
        if (opt !== TCPOPT.EOL && opt !== TCPOPT.NOP) ++datalen;
        if (datalen !== len) nd.print(`[len ${len}]`);
        ch = ',';
        if (opt === TCPOPT.EOL) break;
      }
      nd.print(']');
    } catch (e) {
      if (!(e instanceof OptionStop)) throw e;
      if (e.kind === 'bad') {
        nd.print('[bad opt]');
        if (ch !== '') nd.print(']');
      } else {
        nd.printTrunc();
        if (ch !== '') nd.print('>');
      }
      return;
    }
  }

  nd.print(`, length ${length}`);
  if (length === 0) return;

  const headerLen = (nd.u8(bp + 12) >> 4) * 4;
  if (!nd.ttest(bp, headerLen)) {
    nd.print(` [remaining caplen(${nd.available(bp)}) < header length(${headerLen})]`);
    nd.printTrunc();
    return;
  }
  if (flags & TH_RST && nd.vflag) printRstData(nd, bp + headerLen, length);
  else if (sport === HTTP_PORT || dport === HTTP_PORT) printHttp(nd, bp + headerLen, length);
  else if (isTcpPortDecodedByTcpdump(sport) || isTcpPortDecodedByTcpdump(dport)) nd.noteUnmodelled(`tcp port ${sport} > ${dport}`);
}

const HTTP_PORT = 80;
/** The request names tcpdump's HTTP printer knows (print-http.c httpcmds), in upper case. */
const HTTP_CMDS: ReadonlySet<string> = new Set(
  (
    'GET PUT COPY HEAD LOCK MOVE POLL POST BCOPY BMOVE MKCOL TRACE LABEL MERGE DELETE SEARCH UNLOCK REPORT UPDATE NOTIFY ' +
    'BDELETE CONNECT OPTIONS CHECKIN PROPFIND CHECKOUT CCM_POST SUBSCRIBE PROPPATCH BPROPFIND BPROPPATCH UNCHECKOUT ' +
    'MKACTIVITY MKWORKSPACE UNSUBSCRIBE RPC_CONNECT VERSION-CONTROL BASELINE-CONTROL'
  ).split(' '),
);

/**
 * http_print (txtproto_print): ": HTTP", then, when the payload starts like a request (a known
 * method) or a response (a three-digit status as second word), its text lines, which are not
 * modelled. Payload that is neither (a continuation, or nc's line to port 80) prints the name
 * alone (recorded: cases/n_tcp_port_policy).
 */
function printHttp(nd: Nd, cp: number, length: number): void {
  nd.print(': HTTP');
  if (!nd.ttest(cp, length)) return;
  const text = Array.from({ length }, (_, i) => nd.u8(cp + i));
  // A word: printable characters up to a space, CR or LF; anything unprintable first means none.
  const word = (from: number): { word: string; next: number } | undefined => {
    let i = from;
    while (i < text.length && text[i] === 0x20) i++;
    const start = i;
    while (i < text.length && text[i]! > 0x20 && text[i]! < 0x7f) i++;
    if (i === start || (i < text.length && text[i] !== 0x20 && text[i] !== 0x0d && text[i] !== 0x0a)) return undefined;
    return { word: String.fromCharCode(...text.slice(start, i)), next: i };
  };
  const first = word(0);
  if (!first) return;
  const second = text[first.next] === 0x20 ? word(first.next) : undefined;
  if (HTTP_CMDS.has(first.word.toUpperCase()) || (second && /^\d{3}$/.test(second.word)))
    nd.noteUnmodelled('tcp port 80: HTTP request or response text');
}

/** print_tcp_fastopen_option. */
function printFastOpen(nd: Nd, cp: number, datalen: number, exp: boolean): void {
  if (exp) nd.print('tfo');
  if (datalen === 0) {
    nd.print(' cookiereq');
  } else if (datalen % 2 !== 0 || datalen < 4 || datalen > 16) {
    nd.printInvalid();
  } else {
    nd.print(' cookie ');
    for (let i = 0; i < datalen; ++i) nd.print(hex(nd.u8(cp + i), 2));
  }
}

/** print_tcp_rst_data: RFC 1122 lets a RST carry text explaining the reset. */
function printRstData(nd: Nd, sp: number, length: number): void {
  nd.print(nd.ttest(sp, length) ? ' [RST' : ' [!RST');
  if (length > MAX_RST_DATA_LEN) {
    length = MAX_RST_DATA_LEN;
    nd.print('+');
  }
  nd.print(' ');
  while (length && sp < nd.snapend) {
    nd.print(fnPrintChar(nd.u8(sp)));
    sp++;
    length--;
  }
  nd.print(']');
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
