/** Small packet builders for the ah6/esp6 tests. */
import { emitOptionsHeader, emitRoutingHeader, type Ipv6Option, paddingOptions } from '../../src/wire/ext-headers.js';
import { concatBytes } from '../../src/wire/hex.js';
import { buildIpv6Packet } from '../../src/wire/ipv6.js';
import { ipv6 } from '../../src/wire/ipv6-address.js';
import { IPPROTO } from '../../src/wire/proto.js';

export const A = ipv6('4321::1');
export const B = ipv6('4321::2');

/** An ICMPv6 echo request with `data` (checksum left 0: AH/ESP do not look at it). */
export function echo(data: Uint8Array = new Uint8Array(8).fill(0x41), id = 0x0303, seq = 1): Uint8Array {
  return concatBytes(new Uint8Array([128, 0, 0, 0, id >> 8, id & 0xff, seq >> 8, seq & 0xff]), data);
}

export interface PacketFields {
  trafficClass?: number;
  flowLabel?: number;
  hopLimit?: number;
  src?: Uint8Array;
  dst?: Uint8Array;
}

/** IPv6 header + `chain` (each [type, header bytes]) + upper-layer `payload` of protocol `upper`. */
export function packet(upper: number, payload: Uint8Array, chain: [number, Uint8Array][] = [], f: PacketFields = {}): Uint8Array {
  const headers = chain.map(([, bytes], i) => {
    const b = bytes.slice();
    b[0] = i + 1 < chain.length ? chain[i + 1]![0] : upper;
    return b;
  });
  const first = chain.length > 0 ? chain[0]![0] : upper;
  return buildIpv6Packet(
    {
      trafficClass: f.trafficClass ?? 0x28,
      flowLabel: f.flowLabel ?? 0x25ff9,
      hopLimit: f.hopLimit ?? 64,
      src: f.src ?? A,
      dst: f.dst ?? B,
    },
    first,
    concatBytes(...headers, payload),
  );
}

/** A hop-by-hop or destination options header holding `options`, padded to 8 bytes. */
export function optionsHeader(options: Ipv6Option[]): Uint8Array {
  let n = 2;
  for (const o of options) n += o.type === 0 ? 1 : 2 + o.data.length;
  const pad = (8 - (n % 8)) % 8;
  return emitOptionsHeader({ nextHeader: 0, options: [...options, ...paddingOptions(pad)] });
}

/** A type 0 routing header with these addresses and segments left. */
export function routingHeader0(addresses: Uint8Array[], segmentsLeft: number): Uint8Array {
  return emitRoutingHeader({ nextHeader: 0, routingType: 0, segmentsLeft, data: concatBytes(new Uint8Array(4), ...addresses) });
}

export { IPPROTO };
