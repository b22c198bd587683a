/** The kernel log line of LOG and TRACE for IPv6 packets (kernel: net/netfilter/nf_log_syslog.c nf_log_ip6_packet, dump_ipv6_packet, dump_mac_header). */

import { IPPROTO } from '../../wire/proto.js';
import { LOG_IPOPT, LOG_MACDECODE, LOG_TCPOPT, LOG_TCPSEQ, LOG_UID } from './rule.js';

/** NF_LOG_DEFAULT_MASK: the flags of TRACE lines (TCP sequence and options, IP options, UID). */
export const NF_LOG_DEFAULT_MASK = LOG_TCPSEQ | LOG_TCPOPT | LOG_IPOPT | LOG_UID;

export interface LogPacket {
  readonly bytes: Uint8Array;
  readonly inDev?: string;
  readonly outDev?: string;
  readonly macHeader?: Uint8Array;
  readonly mark: number;
  readonly socket?: { readonly uid: number; readonly gid: number };
}

/** %pI6: eight groups of four lowercase hex digits, never shortened. */
function pI6(b: Uint8Array, o: number): string {
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) groups.push(((b[o + 2 * i]! << 8) | b[o + 2 * i + 1]!).toString(16).padStart(4, '0'));
  return groups.join(':');
}

function hex2(v: number): string {
  return v.toString(16).padStart(2, '0');
}

function be16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

function be32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** ipv6_ext_hdr() as nf_log_syslog uses it (nf_ip6_ext_hdr). */
function isExt(h: number): boolean {
  return (
    h === IPPROTO.HOPOPTS ||
    h === IPPROTO.ROUTING ||
    h === IPPROTO.FRAGMENT ||
    h === IPPROTO.ESP ||
    h === IPPROTO.AH ||
    h === IPPROTO.NONE ||
    h === IPPROTO.DSTOPTS
  );
}

/**
 * The whole line, without the syslog level: `PREFIX IN=.. OUT=.. MAC=.. SRC=.. DST=.. LEN=..` and
 * so on, each field followed by one space, as the kernel writes it. An ESP packet's line stops
 * after FLOWLBL (no PROTO, no MARK), because the dump returns at the ESP header.
 */
export function formatLogLine(pkt: LogPacket, prefix: string, logflags: number): string {
  let m = `${prefix}IN=${pkt.inDev ?? ''} OUT=${pkt.outDev ?? ''} `;
  if (pkt.inDev !== undefined) m += macHeader(pkt.macHeader, logflags);
  return m + dumpIpv6(pkt, 0, true, logflags);
}

function macHeader(mac: Uint8Array | undefined, logflags: number): string {
  if (logflags & LOG_MACDECODE && mac && mac.length >= 14) {
    const addr = (o: number) => [...mac.subarray(o, o + 6)].map(hex2).join(':');
    return `MACSRC=${addr(6)} MACDST=${addr(0)} MACPROTO=${be16(mac, 12).toString(16).padStart(4, '0')} `;
  }
  if (!mac || mac.length === 0) return 'MAC= ';
  return `MAC=${[...mac].map(hex2).join(':')} `;
}

function dumpIpv6(pkt: LogPacket, ip6off: number, recurse: boolean, logflags: number): string {
  const b = pkt.bytes;
  const len = b.length;
  if (ip6off + 40 > len) return 'TRUNCATED';
  const w = be32(b, ip6off);
  let m = `SRC=${pI6(b, ip6off + 8)} DST=${pI6(b, ip6off + 24)} `;
  m += `LEN=${be16(b, ip6off + 4) + 40} TC=${(w & 0x0ff00000) >>> 20} HOPLIMIT=${b[ip6off + 7]} FLOWLBL=${w & 0xfffff} `;

  let fragment = false;
  let ptr = ip6off + 40;
  let current = b[ip6off + 6]!;
  const ipopt = (logflags & LOG_IPOPT) !== 0;
  while (current !== IPPROTO.NONE && isExt(current)) {
    if (ptr + 2 > len) return `${m}TRUNCATED`;
    if (ipopt) m += 'OPT ( ';
    let hdrlen: number;
    switch (current) {
      case IPPROTO.FRAGMENT: {
        m += 'FRAG:';
        if (ptr + 8 > len) return `${m}TRUNCATED `;
        const fo = be16(b, ptr + 2);
        m += `${fo & 0xfff8} `;
        if (fo & 1) m += 'INCOMPLETE ';
        m += `ID:${be32(b, ptr + 4)
          .toString(16)
          .padStart(8, '0')} `;
        if (fo & 0xfff8) fragment = true;
        hdrlen = 8;
        break;
      }
      case IPPROTO.DSTOPTS:
      case IPPROTO.ROUTING:
      case IPPROTO.HOPOPTS:
        if (fragment) return ipopt ? `${m})` : m;
        hdrlen = (b[ptr + 1]! + 1) << 3;
        break;
      case IPPROTO.AH:
        if (ipopt) {
          m += 'AH ';
          if (fragment) return `${m})`;
          if (ptr + 12 > len) return `${m}INCOMPLETE [${len - ptr} bytes] )`;
          m += `SPI=0x${be32(b, ptr + 4).toString(16)} `;
        }
        hdrlen = (b[ptr + 1]! + 2) << 2;
        break;
      case IPPROTO.ESP:
        if (ipopt) {
          m += 'ESP ';
          if (fragment) return `${m})`;
          if (ptr + 8 > len) return `${m}INCOMPLETE [${len - ptr} bytes] )`;
          m += `SPI=0x${be32(b, ptr).toString(16)} )`;
        }
        return m;
      default:
        return `${m}Unknown Ext Hdr ${current}`;
    }
    if (ipopt) m += ') ';
    current = b[ptr]!;
    ptr += hdrlen;
  }

  switch (current) {
    case IPPROTO.TCP: {
      m += 'PROTO=TCP ';
      if (fragment) break;
      if (ptr + 20 > len) return `${m}INCOMPLETE [${len - ptr} bytes] `;
      m += `SPT=${be16(b, ptr)} DPT=${be16(b, ptr + 2)} `;
      if (logflags & LOG_TCPSEQ) m += `SEQ=${be32(b, ptr + 4)} ACK=${be32(b, ptr + 8)} `;
      m += `WINDOW=${be16(b, ptr + 14)} `;
      // Four reserved bits in 6.1 (the AE bit had no name yet): (flag word & 0x0F000000) >> 22.
      m += `RES=0x${hex2((b[ptr + 12]! & 0x0f) << 2)} `;
      const f = b[ptr + 13]!;
      const names: readonly [number, string][] = [
        [0x80, 'CWR'],
        [0x40, 'ECE'],
        [0x20, 'URG'],
        [0x10, 'ACK'],
        [0x08, 'PSH'],
        [0x04, 'RST'],
        [0x02, 'SYN'],
        [0x01, 'FIN'],
      ];
      for (const [bit, name] of names) if (f & bit) m += `${name} `;
      m += `URGP=${be16(b, ptr + 18)} `;
      const doff = (b[ptr + 12]! >> 4) * 4;
      if (logflags & LOG_TCPOPT && doff > 20) {
        if (ptr + doff > len) return `${m}OPT (TRUNCATED)`;
        m += 'OPT (';
        for (let i = ptr + 20; i < ptr + doff; i++) m += hex2(b[i]!).toUpperCase();
        m += ') ';
      }
      break;
    }
    case IPPROTO.UDP:
    case 136: {
      m += current === IPPROTO.UDP ? 'PROTO=UDP ' : 'PROTO=UDPLITE ';
      if (fragment) break;
      if (ptr + 8 > len) return `${m}INCOMPLETE [${len - ptr} bytes] `;
      m += `SPT=${be16(b, ptr)} DPT=${be16(b, ptr + 2)} LEN=${be16(b, ptr + 4)} `;
      break;
    }
    case IPPROTO.ICMPV6: {
      m += 'PROTO=ICMPv6 ';
      if (fragment) break;
      if (ptr + 8 > len) return `${m}INCOMPLETE [${len - ptr} bytes] `;
      const type = b[ptr]!;
      m += `TYPE=${type} CODE=${b[ptr + 1]} `;
      switch (type) {
        case 128:
        case 129:
          m += `ID=${be16(b, ptr + 4)} SEQ=${be16(b, ptr + 6)} `;
          break;
        case 130:
        case 131:
        case 132:
          break;
        case 4:
        case 1:
        case 2:
        case 3:
          if (type === 4)
            m += `POINTER=${be32(b, ptr + 4)
              .toString(16)
              .padStart(8, '0')} `;
          if (recurse) m += `[${dumpIpv6(pkt, ptr + 8, false, logflags)}] `;
          if (type === 2) m += `MTU=${be32(b, ptr + 4)} `;
          break;
      }
      break;
    }
    default:
      m += `PROTO=${current} `;
  }
  if (logflags & LOG_UID && recurse && pkt.socket) m += `UID=${pkt.socket.uid} GID=${pkt.socket.gid} `;
  if (recurse && pkt.mark) m += `MARK=0x${(pkt.mark >>> 0).toString(16)} `;
  return m;
}
