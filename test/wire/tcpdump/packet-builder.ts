/** Hand assembly of IPv6 frames for the printer's tests: each header as bytes, checksums filled in (RFC 8200, 4443, 768, 9293, 4302, 4303). */

import { upperLayerChecksum } from '../../../src/wire/checksum.js';
import { concatBytes } from '../../../src/wire/hex.js';
import { buildIpv6Packet } from '../../../src/wire/ipv6.js';
import { ipv6 } from '../../../src/wire/ipv6-address.js';
import { IPPROTO } from '../../../src/wire/proto.js';

export const MAC_A = Uint8Array.of(0x02, 0x00, 0x00, 0x00, 0x00, 0x0a);
export const MAC_B = Uint8Array.of(0x02, 0x00, 0x00, 0x00, 0x00, 0x0b);
export const A = ipv6('4321::1');
export const B = ipv6('4321::2');

export function bytes(...parts: (number | Uint8Array | readonly number[])[]): Uint8Array {
  return concatBytes(...parts.map((p) => (typeof p === 'number' ? Uint8Array.of(p) : Uint8Array.from(p))));
}

export function be16(v: number): Uint8Array {
  return Uint8Array.of(v >> 8, v & 0xff);
}

export function be32(v: number): Uint8Array {
  return Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

export function eth(payload: Uint8Array, type = 0x86dd, src = MAC_A, dst = MAC_B): Uint8Array {
  return concatBytes(dst, src, be16(type), payload);
}

export interface Ip6Fields {
  src?: Uint8Array;
  dst?: Uint8Array;
  hlim?: number;
  trafficClass?: number;
  flowLabel?: number;
  /** Overrides the payload length written in the header. */
  payloadLength?: number;
}

/** An IPv6 packet whose first next header is `nh`; `payload` is the rest of the chain. */
export function ip6(nh: number, payload: Uint8Array, f: Ip6Fields = {}): Uint8Array {
  const pkt = buildIpv6Packet(
    { src: f.src ?? A, dst: f.dst ?? B, hopLimit: f.hlim ?? 64, trafficClass: f.trafficClass ?? 0, flowLabel: f.flowLabel ?? 0 },
    nh,
    payload,
  );
  if (f.payloadLength !== undefined) {
    pkt[4] = f.payloadLength >> 8;
    pkt[5] = f.payloadLength & 0xff;
  }
  return pkt;
}

/** Pads an options area (after the 2-byte header) to a multiple of 8 with Pad1/PadN. */
function padOptions(opts: Uint8Array): Uint8Array {
  const n = (8 - ((opts.length + 2) % 8)) % 8;
  if (n === 0) return opts;
  if (n === 1) return bytes(opts, 0);
  return bytes(opts, 1, n - 2, new Array<number>(n - 2).fill(0));
}

/** A hop-by-hop or destination-options header carrying `opts` (padded), raw when `raw`. */
export function optionsHeader(nh: number, opts: Uint8Array, raw = false): Uint8Array {
  const body = raw ? opts : padOptions(opts);
  return bytes(nh, (body.length + 2) / 8 - 1, body);
}

export function routingHeader(nh: number, type: number, segleft: number, addrs: readonly Uint8Array[], reserved = 0): Uint8Array {
  return bytes(nh, addrs.length * 2, type, segleft, be32(reserved), ...addrs);
}

export function fragmentHeader(nh: number, offset: number, more: boolean, id: number): Uint8Array {
  return bytes(nh, 0, be16((offset << 3) | (more ? 1 : 0)), be32(id));
}

export function ahHeader(nh: number, spi: number, seq: number, icv: Uint8Array, reserved = 0): Uint8Array {
  return bytes(nh, (12 + icv.length) / 4 - 2, be16(reserved), be32(spi), be32(seq), icv);
}

export function espPacket(spi: number, seq: number, rest: Uint8Array): Uint8Array {
  return bytes(be32(spi), be32(seq), rest);
}

function withChecksum(msg: Uint8Array, at: number, src: Uint8Array, dst: Uint8Array, proto: number, bad: boolean): Uint8Array {
  let sum = upperLayerChecksum(src, dst, proto, msg);
  if (proto === IPPROTO.UDP && sum === 0) sum = 0xffff;
  if (bad) sum ^= 0x5a5a;
  msg[at] = sum >> 8;
  msg[at + 1] = sum & 0xff;
  return msg;
}

/** An ICMPv6 message; `dst` is the address the pseudo-header uses (the final destination). */
export function icmp6(type: number, code: number, body: Uint8Array, src = A, dst = B, bad = false): Uint8Array {
  return withChecksum(bytes(type, code, 0, 0, body), 2, src, dst, IPPROTO.ICMPV6, bad);
}

export function udp(
  sport: number,
  dport: number,
  payload: Uint8Array,
  src = A,
  dst = B,
  o: { bad?: boolean; zero?: boolean; ulen?: number } = {},
): Uint8Array {
  const msg = bytes(be16(sport), be16(dport), be16(o.ulen ?? 8 + payload.length), 0, 0, payload);
  if (o.zero) return msg;
  return withChecksum(msg, 6, src, dst, IPPROTO.UDP, o.bad ?? false);
}

export interface TcpFields {
  sport: number;
  dport: number;
  seq: number;
  ack?: number;
  flags: number;
  win?: number;
  urp?: number;
  options?: Uint8Array;
  payload?: Uint8Array;
  /** Overrides the data offset (in 32-bit words). */
  doff?: number;
  bad?: boolean;
}

export const TH = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16, URG: 32, ECE: 64, CWR: 128 } as const;

export function tcp(t: TcpFields, src = A, dst = B): Uint8Array {
  const opts = t.options ?? new Uint8Array(0);
  const doff = t.doff ?? (20 + opts.length) / 4;
  const msg = bytes(
    be16(t.sport),
    be16(t.dport),
    be32(t.seq),
    be32(t.ack ?? 0),
    doff << 4,
    t.flags,
    be16(t.win ?? 64800),
    0,
    0,
    be16(t.urp ?? 0),
    opts,
    t.payload ?? new Uint8Array(0),
  );
  return withChecksum(msg, 16, src, dst, IPPROTO.TCP, t.bad ?? false);
}

/** Bytes counting up from `start`, for payloads whose content does not matter. */
export function filler(n: number, start = 0x41): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff);
}
