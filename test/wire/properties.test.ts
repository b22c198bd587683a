/** fast-check properties over every codec in src/wire: round trips, no throws on hostile bytes, truncation, checksums. */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AhRepr, emitAh, parseAh } from '../../src/wire/ah.js';
import { buildEspPlaintext, type EspHeaderRepr, emitEspHeader, espPadBlock, parseEspHeader, parseEspTrailer } from '../../src/wire/esp.js';
import { type EthernetRepr, emitEthernet, parseEthernet } from '../../src/wire/ethernet.js';
import {
  emitFragmentHeader,
  emitOptionsHeader,
  emitRoutingHeader,
  type FragmentHeaderRepr,
  type Ipv6Option,
  type OptionsHeaderRepr,
  optionsHeaderLength,
  paddingOptions,
  parseFragmentHeader,
  parseOptionsHeader,
  parseRoutingHeader,
  type RoutingHeaderRepr,
  unfragmentablePartEnd,
  walkExtensionHeaders,
} from '../../src/wire/ext-headers.js';
import { emitIcmpv6, type Icmpv6Repr, icmpv6ChecksumOk, icmpv6Length, icmpv6Type, parseIcmpv6 } from '../../src/wire/icmpv6.js';
import { emitIpv6, IPV6_HEADER_LENGTH, type Ipv6Repr, parseIpv6, readIpv6 } from '../../src/wire/ipv6.js';
import { formatIpv6Address, type Ipv6Address, parseIpv6Address } from '../../src/wire/ipv6-address.js';
import type { Mld2Record } from '../../src/wire/mld.js';
import { emitNdOptions, type NdOption, parseNdOptions } from '../../src/wire/ndisc.js';
import { parsePacket } from '../../src/wire/packet.js';
import { readPcap, writePcap } from '../../src/wire/pcap.js';
import { ICMPV6, IPPROTO } from '../../src/wire/proto.js';
import { expectOk, type Parsed } from '../../src/wire/result.js';
import {
  decodeTcpOptions,
  emitTcp,
  encodeTcpOptions,
  parseTcp,
  type TcpOption,
  type TcpRepr,
  tcpChecksumOk,
  tcpHeaderLength,
} from '../../src/wire/tcp.js';
import { emitUdp, parseUdp, type UdpRepr, udpChecksumOk } from '../../src/wire/udp.js';

// ---------------------------------------------------------------------------------------------
// Arbitraries over the full range of every field.

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = (maxLength: number, minLength = 0) => fc.uint8Array({ minLength, maxLength });

/** Addresses built from words that are often 0 or 0xffff, so zero runs and IPv4 tails come up. */
const address: fc.Arbitrary<Ipv6Address> = fc
  .array(fc.oneof(fc.constant(0), fc.constant(0xffff), fc.constant(1), u16), { minLength: 8, maxLength: 8 })
  .map((words) => {
    const a = new Uint8Array(16);
    words.forEach((w, i) => {
      a[2 * i] = w >> 8;
      a[2 * i + 1] = w & 0xff;
    });
    return a;
  });

const ipv6Repr = (maxPayload: number): fc.Arbitrary<Ipv6Repr> =>
  fc.record({
    trafficClass: u8,
    flowLabel: fc.integer({ min: 0, max: 0xfffff }),
    payloadLength: fc.integer({ min: 0, max: maxPayload }),
    nextHeader: u8,
    hopLimit: u8,
    src: address,
    dst: address,
  });

/** Options (Pad1 included, one by one) and the PadN/Pad1 that bring the header to a multiple of 8. */
const optionsHeaderRepr: fc.Arbitrary<OptionsHeaderRepr> = fc
  .record({
    nextHeader: u8,
    options: fc.array(
      fc.oneof(
        fc.constant<Ipv6Option>({ type: 0, data: new Uint8Array(0) }),
        fc.record({ type: fc.integer({ min: 1, max: 0xff }), data: bytes(40) }),
      ),
      { maxLength: 6 },
    ),
  })
  .map(({ nextHeader, options }) => {
    const len = optionsHeaderLength({ nextHeader, options });
    return { nextHeader, options: [...options, ...paddingOptions((8 - (len % 8)) % 8)] };
  });

const routingHeaderRepr: fc.Arbitrary<RoutingHeaderRepr> = fc.record({
  nextHeader: u8,
  routingType: u8,
  segmentsLeft: u8,
  data: fc.integer({ min: 0, max: 12 }).chain((n) => bytes(4 + 8 * n, 4 + 8 * n)),
});

const fragmentHeaderRepr: fc.Arbitrary<FragmentHeaderRepr> = fc.record({
  nextHeader: u8,
  fragmentOffset: fc.integer({ min: 0, max: 0x1fff }),
  moreFragments: fc.boolean(),
  identification: u32,
});

/** Any ICV length; the padding makes the header a whole number of 4-byte words, as RFC 4302 requires. */
const ahRepr: fc.Arbitrary<AhRepr> = fc
  .record({ nextHeader: u8, spi: u32, seq: u32, icv: bytes(64), extraWords: fc.integer({ min: 0, max: 3 }) })
  .chain(({ extraWords, ...f }) => {
    const padLength = ((4 - ((12 + f.icv.length) % 4)) % 4) + 4 * extraWords;
    return bytes(padLength, padLength).map((padding) => ({ ...f, padding }));
  });

const espHeaderRepr: fc.Arbitrary<EspHeaderRepr> = fc.record({ spi: u32, seq: u32 });

/** Link-layer addresses of 6 (Ethernet) or 14 bytes fill their options exactly, so nothing is added on emit. */
const ndOption: fc.Arbitrary<NdOption> = fc.oneof(
  fc.record({ kind: fc.constant('source-ll-addr' as const), address: fc.oneof(bytes(6, 6), bytes(14, 14)) }),
  fc.record({ kind: fc.constant('target-ll-addr' as const), address: fc.oneof(bytes(6, 6), bytes(14, 14)) }),
  fc.record({
    kind: fc.constant('prefix-info' as const),
    prefixLength: u8,
    flags: u8,
    validLifetime: u32,
    preferredLifetime: u32,
    prefix: address,
  }),
  fc.record({ kind: fc.constant('mtu' as const), mtu: u32 }),
  fc.record({
    kind: fc.constant('unknown' as const),
    type: u8.filter((t) => ![1, 2, 3, 5].includes(t)),
    data: fc.integer({ min: 0, max: 4 }).chain((n) => bytes(6 + 8 * n, 6 + 8 * n)),
  }),
);
const ndOptions = fc.array(ndOption, { maxLength: 4 });

const mld2Record: fc.Arbitrary<Mld2Record> = fc.record({
  type: u8,
  auxData: fc.integer({ min: 0, max: 4 }).chain((n) => bytes(4 * n, 4 * n)),
  multicastAddress: address,
  sources: fc.array(address, { maxLength: 3 }),
});

const KNOWN_ICMPV6_TYPES: readonly number[] = Object.values(ICMPV6);

const icmpv6Repr: fc.Arbitrary<Icmpv6Repr> = fc.oneof(
  fc.record({ kind: fc.constantFrom('echo-request' as const, 'echo-reply' as const), id: u16, seq: u16, data: bytes(100) }),
  fc.record({ kind: fc.constantFrom('dest-unreach' as const, 'time-exceeded' as const), code: u8, invoking: bytes(100) }),
  fc.record({ kind: fc.constant('packet-too-big' as const), mtu: u32, invoking: bytes(100) }),
  fc.record({ kind: fc.constant('param-problem' as const), code: u8, pointer: u32, invoking: bytes(100) }),
  fc.record({ kind: fc.constant('neighbour-solicit' as const), target: address, options: ndOptions }),
  fc.record({
    kind: fc.constant('neighbour-advert' as const),
    router: fc.boolean(),
    solicited: fc.boolean(),
    override: fc.boolean(),
    target: address,
    options: ndOptions,
  }),
  fc.record({ kind: fc.constant('router-solicit' as const), options: ndOptions }),
  fc.record({
    kind: fc.constant('router-advert' as const),
    curHopLimit: u8,
    flags: u8,
    routerLifetime: u16,
    reachableTime: u32,
    retransTimer: u32,
    options: ndOptions,
  }),
  fc.record({ kind: fc.constant('mld-query' as const), maxResponseCode: u16, multicastAddress: address }),
  fc.record({
    kind: fc.constant('mld-query' as const),
    maxResponseCode: u16,
    multicastAddress: address,
    v2: fc.record({ suppress: fc.boolean(), qrv: fc.integer({ min: 0, max: 7 }), qqic: u8, sources: fc.array(address, { maxLength: 4 }) }),
  }),
  fc.record({ kind: fc.constant('mld2-report' as const), records: fc.array(mld2Record, { maxLength: 4 }) }),
  fc.record({ kind: fc.constantFrom('mld1-report' as const, 'mld1-done' as const), multicastAddress: address }),
  fc.record({
    kind: fc.constant('unknown' as const),
    type: u8.filter((t) => !KNOWN_ICMPV6_TYPES.includes(t)),
    code: u8,
    body: bytes(100),
  }),
);

/** The bytes each kind needs before its variable part: less than this is a truncated message. */
function icmpv6FixedLength(repr: Icmpv6Repr): number {
  switch (repr.kind) {
    case 'neighbour-solicit':
    case 'neighbour-advert':
    case 'mld-query':
    case 'mld1-report':
    case 'mld1-done':
      return 24;
    case 'router-advert':
      return 16;
    case 'unknown':
      return 4;
    default:
      return 8;
  }
}

const udpRepr: fc.Arbitrary<UdpRepr> = fc.record({ srcPort: u16, dstPort: u16, payload: bytes(200) });

const tcpRepr: fc.Arbitrary<TcpRepr> = fc.record({
  srcPort: u16,
  dstPort: u16,
  seq: u32,
  ack: u32,
  flags: fc.record({
    fin: fc.boolean(),
    syn: fc.boolean(),
    rst: fc.boolean(),
    psh: fc.boolean(),
    ack: fc.boolean(),
    urg: fc.boolean(),
    ece: fc.boolean(),
    cwr: fc.boolean(),
  }),
  window: u16,
  urgent: u16,
  options: fc.integer({ min: 0, max: 10 }).chain((words) => bytes(4 * words, 4 * words)),
  payload: bytes(200),
});

const KNOWN_TCP_OPTIONS = [0, 1, 2, 3, 4, 5, 8];
const tcpOption: fc.Arbitrary<TcpOption> = fc.oneof(
  fc.constant<TcpOption>({ kind: 'nop' }),
  fc.record({ kind: fc.constant('mss' as const), value: u16 }),
  fc.record({ kind: fc.constant('wscale' as const), shift: u8 }),
  fc.constant<TcpOption>({ kind: 'sack-permitted' }),
  fc.record({ kind: fc.constant('sack' as const), blocks: fc.array(fc.record({ left: u32, right: u32 }), { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('timestamps' as const), tsval: u32, tsecr: u32 }),
  fc.record({ kind: fc.constant('unknown' as const), type: u8.filter((t) => !KNOWN_TCP_OPTIONS.includes(t)), data: bytes(12) }),
);

/** A pair of addresses for the pseudo-header. */
const endpoints = fc.record({ src: address, dst: address });

function expectTruncated<T>(r: Parsed<T>, context: unknown): void {
  expect([context, r.ok ? 'ok' : r.error.kind]).toEqual([context, 'truncated']);
}

/**
 * RFC 5952 section 4.2: "::" stands for the longest run of two or more zero groups, the first of equal
 * runs; so every zero run still written out is shorter than the compressed one, or as long but after it.
 */
function zeroRunsLeft(text: string): boolean {
  const [head = '', tail] = text.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const before = groups(head);
  const after = tail === undefined ? [] : groups(tail);
  const compressed = tail === undefined ? 0 : 8 - before.length - after.length;
  const longestRun = (gs: string[]) => {
    let best = 0;
    let run = 0;
    for (const g of gs) {
      run = g === '0' ? run + 1 : 0;
      best = Math.max(best, run);
    }
    return best;
  };
  if (tail === undefined) return longestRun(before) < 2;
  return compressed >= 2 && longestRun(before) < compressed && longestRun(after) <= compressed;
}

function flipBit(b: Uint8Array, bit: number): Uint8Array {
  const out = b.slice();
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

// ---------------------------------------------------------------------------------------------

describe('parse(emit(r)) equals r', () => {
  it('for the IPv6 header, over every field value', () => {
    fc.assert(
      fc.property(ipv6Repr(0xffff), (r) => {
        expect(readIpv6(emitIpv6(r))).toEqual(r);
      }),
    );
    fc.assert(
      fc.property(ipv6Repr(300), (r) => {
        const pkt = new Uint8Array(IPV6_HEADER_LENGTH + r.payloadLength);
        pkt.set(emitIpv6(r));
        expect(expectOk(parseIpv6(pkt))).toEqual(r);
      }),
    );
  });

  it('for hop-by-hop and destination options headers, Pad1 and PadN kept one by one', () => {
    fc.assert(
      fc.property(optionsHeaderRepr, (r) => {
        const out = emitOptionsHeader(r);
        expect(expectOk(parseOptionsHeader(out))).toEqual({ ...r, length: out.length });
      }),
    );
  });

  it('for routing headers', () => {
    fc.assert(
      fc.property(routingHeaderRepr, (r) => {
        expect(expectOk(parseRoutingHeader(emitRoutingHeader(r)))).toEqual({ ...r, length: 4 + r.data.length });
      }),
    );
  });

  it('for fragment headers', () => {
    fc.assert(
      fc.property(fragmentHeaderRepr, (r) => {
        expect(expectOk(parseFragmentHeader(emitFragmentHeader(r)))).toEqual(r);
      }),
    );
  });

  it('for AH, given the ICV length of the SA', () => {
    fc.assert(
      fc.property(ahRepr, (r) => {
        const out = emitAh(r);
        expect(expectOk(parseAh(out, 0, r.icv.length))).toEqual({ ...r, length: out.length });
      }),
    );
  });

  it('for the ESP header', () => {
    fc.assert(
      fc.property(espHeaderRepr, (r) => {
        expect(expectOk(parseEspHeader(emitEspHeader(r)))).toEqual(r);
      }),
    );
  });

  it('for every kind of ICMPv6 message, with the checksum it was sent with verified', () => {
    fc.assert(
      fc.property(icmpv6Repr, endpoints, (r, { src, dst }) => {
        const out = emitIcmpv6(r, src, dst);
        expect(out.length).toBe(icmpv6Length(r));
        const parsed = expectOk(parseIcmpv6(out, 0, src, dst));
        expect(parsed).toEqual({
          ...r,
          type: icmpv6Type(r),
          code: 'code' in r ? r.code : 0,
          checksum: (out[2]! << 8) | out[3]!,
          checksumOk: true,
        });
      }),
    );
  });

  it('for ND option lists', () => {
    fc.assert(
      fc.property(ndOptions, (opts) => {
        expect(expectOk(parseNdOptions(emitNdOptions(opts)))).toEqual(opts);
      }),
    );
  });

  it('for UDP, with the length and checksum fields read as sent', () => {
    fc.assert(
      fc.property(udpRepr, endpoints, (r, { src, dst }) => {
        const out = emitUdp(r, src, dst);
        expect(expectOk(parseUdp(out))).toEqual({ ...r, length: out.length, checksum: (out[6]! << 8) | out[7]! });
      }),
    );
  });

  it('for TCP, options kept as bytes', () => {
    fc.assert(
      fc.property(tcpRepr, endpoints, (r, { src, dst }) => {
        const out = emitTcp(r, src, dst);
        expect(expectOk(parseTcp(out))).toEqual({
          ...r,
          headerLength: tcpHeaderLength(r),
          checksum: (out[16]! << 8) | out[17]!,
          reserved: 0,
        });
      }),
    );
  });

  it('for TCP option lists, an end-of-list option only last', () => {
    fc.assert(
      fc.property(fc.array(tcpOption, { maxLength: 6 }), fc.boolean(), (opts, eol) => {
        const list: TcpOption[] = eol ? [...opts, { kind: 'eol' }] : opts;
        expect(expectOk(decodeTcpOptions(encodeTcpOptions(list)))).toEqual(list);
      }),
    );
  });

  it('for Ethernet frames', () => {
    const mac = bytes(6, 6);
    fc.assert(
      fc.property(fc.record({ dst: mac, src: mac, etherType: u16, payload: bytes(100) }), (r: EthernetRepr) => {
        expect(expectOk(parseEthernet(emitEthernet(r)))).toEqual(r);
      }),
    );
  });

  it('for pcap files of any records', () => {
    const record = fc.record({ timeUs: fc.integer({ min: 0, max: 0xffffffff * 1e6 + 999_999 }), data: bytes(200) });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 8 }), (records) => {
        const f = expectOk(readPcap(writePcap(records)));
        expect(f.records).toEqual(records.map((r) => ({ ...r, origLength: r.data.length })));
      }),
    );
  });

  it('for IPv6 address text: parse(format(a)) is a, and format is canonical (RFC 5952)', () => {
    fc.assert(
      fc.property(address, (a) => {
        const text = formatIpv6Address(a);
        expect(expectOk(parseIpv6Address(text))).toEqual(a);
        expect(text).toBe(text.toLowerCase());
        expect(text.split('::').length).toBeLessThanOrEqual(2);
        expect(text).not.toMatch(/(^|:)0[0-9a-f]/);
        if (!text.includes('.')) expect(zeroRunsLeft(text)).toBe(true);
      }),
    );
  });
});

describe('parsers never throw on hostile bytes', () => {
  const junk = bytes(300);
  const offset = fc.integer({ min: 0, max: 320 });

  it('every header parser returns a result for any bytes at any offset', () => {
    fc.assert(
      fc.property(junk, offset, (b, off) => {
        parseIpv6(b, off);
        parseOptionsHeader(b, off);
        parseRoutingHeader(b, off);
        parseFragmentHeader(b, off);
        parseAh(b, off);
        parseAh(b, off, 12);
        parseEspHeader(b, off);
        parseIcmpv6(b, off);
        parseUdp(b, off);
        parseTcp(b, off);
        parseNdOptions(b, off);
      }),
    );
  });

  it('whole-message readers return a result for any bytes', () => {
    fc.assert(
      fc.property(junk, endpoints, (b, { src, dst }) => {
        walkExtensionHeaders(b);
        walkExtensionHeaders(b, { throughAh: true });
        unfragmentablePartEnd(b);
        parseEspTrailer(b);
        parseIcmpv6(b, 0, src, dst);
        icmpv6ChecksumOk(src, dst, b);
        udpChecksumOk(src, dst, b);
        tcpChecksumOk(src, dst, b);
        decodeTcpOptions(b);
        parseEthernet(b);
        readPcap(b);
        parsePacket(b);
        parsePacket(b, { throughAh: true });
      }),
    );
  });

  it('parseIcmpv6() returns a result for every known type with any body', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KNOWN_ICMPV6_TYPES), u8, bytes(120), (type, code, body) => {
        parseIcmpv6(Uint8Array.of(type, code, 0, 0, ...body));
      }),
    );
  });

  it('parsePacket() and walkExtensionHeaders() return a result for an IPv6 header with a chosen next header and any payload', () => {
    const nh = fc.constantFrom(0, 6, 17, 43, 44, 50, 51, 58, 59, 60);
    fc.assert(
      fc.property(nh, bytes(200), (nextHeader, payload) => {
        const pkt = new Uint8Array(40 + payload.length);
        pkt.set(
          emitIpv6({
            trafficClass: 0,
            flowLabel: 0,
            payloadLength: payload.length,
            nextHeader,
            hopLimit: 64,
            src: new Uint8Array(16),
            dst: new Uint8Array(16),
          }),
        );
        pkt.set(payload, 40);
        parsePacket(pkt);
        parsePacket(pkt, { throughAh: true });
        walkExtensionHeaders(pkt, { throughAh: true });
        unfragmentablePartEnd(pkt);
      }),
    );
  });

  it('parseIpv6Address() returns a result for any text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 50 }), (s) => {
        parseIpv6Address(s);
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.constantFrom('0', '1', 'f', 'F', ':', '.', '9', '255', 'ffff', 'g'), { maxLength: 20 }), (parts) => {
        parseIpv6Address(parts.join(''));
      }),
    );
  });
});

describe('every too-short prefix of a valid encoding reports truncation', () => {
  const prefixes = (b: Uint8Array, below = b.length) => Array.from({ length: below }, (_, n) => b.subarray(0, n));

  it('IPv6 header and payload', () => {
    fc.assert(
      fc.property(ipv6Repr(40), (r) => {
        const pkt = new Uint8Array(IPV6_HEADER_LENGTH + r.payloadLength);
        pkt.set(emitIpv6(r));
        for (const p of prefixes(pkt)) expectTruncated(parseIpv6(p), p.length);
      }),
    );
  });

  it('extension headers and AH', () => {
    fc.assert(
      fc.property(optionsHeaderRepr, routingHeaderRepr, fragmentHeaderRepr, ahRepr, (o, rt, fr, ah) => {
        for (const p of prefixes(emitOptionsHeader(o))) expectTruncated(parseOptionsHeader(p), ['options', p.length]);
        for (const p of prefixes(emitRoutingHeader(rt))) expectTruncated(parseRoutingHeader(p), ['routing', p.length]);
        for (const p of prefixes(emitFragmentHeader(fr))) expectTruncated(parseFragmentHeader(p), ['fragment', p.length]);
        for (const p of prefixes(emitAh(ah))) expectTruncated(parseAh(p, 0, ah.icv.length), ['ah', p.length]);
      }),
    );
  });

  it('ESP header', () => {
    fc.assert(
      fc.property(espHeaderRepr, (r) => {
        for (const p of prefixes(emitEspHeader(r))) expectTruncated(parseEspHeader(p), p.length);
      }),
    );
  });

  it('UDP: the header, and any cut the length field tells about', () => {
    fc.assert(
      fc.property(udpRepr, endpoints, (r, { src, dst }) => {
        for (const p of prefixes(emitUdp(r, src, dst))) expectTruncated(parseUdp(p), p.length);
      }),
    );
  });

  it('TCP: any cut inside the header and its options', () => {
    fc.assert(
      fc.property(tcpRepr, endpoints, (r, { src, dst }) => {
        const out = emitTcp(r, src, dst);
        for (const p of prefixes(out, tcpHeaderLength(r))) expectTruncated(parseTcp(p), p.length);
      }),
    );
  });

  it('ICMPv6: any cut before the variable part, and any cut inside an MLDv2 record or an ND option', () => {
    fc.assert(
      fc.property(icmpv6Repr, endpoints, (r, { src, dst }) => {
        const out = emitIcmpv6(r, src, dst);
        const fixed = icmpv6FixedLength(r);
        for (const p of prefixes(out)) {
          const parsed = parseIcmpv6(p);
          if (p.length < fixed) expectTruncated(parsed, [r.kind, p.length]);
          else if (r.kind === 'mld2-report') expectTruncated(parsed, [r.kind, p.length]);
          else if (!parsed.ok) expect([r.kind, p.length, parsed.error.kind]).toEqual([r.kind, p.length, 'truncated']);
        }
      }),
    );
  });

  it('Ethernet', () => {
    fc.assert(
      fc.property(bytes(14, 14), (h) => {
        for (const p of prefixes(h)) expectTruncated(parseEthernet(p), p.length);
      }),
    );
  });
});

describe('checksums', () => {
  it('every emitted ICMPv6 message verifies, and flipping any one bit breaks it', () => {
    fc.assert(
      fc.property(icmpv6Repr, endpoints, fc.nat(), (r, { src, dst }, k) => {
        const out = emitIcmpv6(r, src, dst);
        expect(icmpv6ChecksumOk(src, dst, out)).toBe(true);
        expect(icmpv6ChecksumOk(src, dst, flipBit(out, k % (8 * out.length)))).toBe(false);
      }),
    );
  });

  it('every emitted UDP datagram verifies, never carries checksum 0, and flipping any one bit breaks it', () => {
    fc.assert(
      fc.property(udpRepr, endpoints, fc.nat(), (r, { src, dst }, k) => {
        const out = emitUdp(r, src, dst);
        expect(udpChecksumOk(src, dst, out)).toBe(true);
        expect((out[6]! << 8) | out[7]!).not.toBe(0);
        expect(udpChecksumOk(src, dst, flipBit(out, k % (8 * out.length)))).toBe(false);
      }),
    );
  });

  it('every emitted TCP segment verifies, and flipping any one bit breaks it', () => {
    fc.assert(
      fc.property(tcpRepr, endpoints, fc.nat(), (r, { src, dst }, k) => {
        const out = emitTcp(r, src, dst);
        expect(tcpChecksumOk(src, dst, out)).toBe(true);
        expect(tcpChecksumOk(src, dst, flipBit(out, k % (8 * out.length)))).toBe(false);
      }),
    );
  });

  it('a checksum is bound to its pseudo-header: another source address fails', () => {
    fc.assert(
      fc.property(udpRepr, endpoints, fc.integer({ min: 0, max: 127 }), (r, { src, dst }, bit) => {
        const out = emitUdp(r, src, dst);
        expect(udpChecksumOk(flipBit(src, bit), dst, out)).toBe(false);
      }),
    );
  });
});

describe('ESP plaintext', () => {
  it('build then parse gives back the payload, with pad bytes 1..n and a length that is a multiple of ALIGN(block, 4)', () => {
    fc.assert(
      fc.property(bytes(1500), fc.constantFrom(1, 4, 8, 16), u8, (payload, block, nextHeader) => {
        const pt = buildEspPlaintext(payload, nextHeader, block);
        const align = espPadBlock(block);
        expect(align).toBe(Math.ceil(block / 4) * 4);
        expect(pt.length % align).toBe(0);
        const t = expectOk(parseEspTrailer(pt));
        expect(t.payload).toEqual(payload);
        expect(t.nextHeader).toBe(nextHeader);
        expect(t.padOk).toBe(true);
        // The least padding that reaches the alignment: fewer than `align` bytes.
        expect(t.padLength).toBeLessThan(align);
        expect(Array.from(t.padding)).toEqual(Array.from({ length: t.padLength }, (_, i) => i + 1));
        expect(pt.length).toBe(payload.length + t.padLength + 2);
      }),
      { numRuns: 300 },
    );
  });
});

describe('walkExtensionHeaders() on random chains', () => {
  type Hdr = { type: number; body: (next: number) => Uint8Array };
  const options = (type: number): fc.Arbitrary<Hdr> =>
    optionsHeaderRepr.map((r) => ({ type, body: (next: number) => emitOptionsHeader({ ...r, nextHeader: next }) }));
  const routing: fc.Arbitrary<Hdr> = routingHeaderRepr.map((r) => ({
    type: 43,
    body: (next: number) => emitRoutingHeader({ ...r, nextHeader: next }),
  }));
  const firstFragment: fc.Arbitrary<Hdr> = fragmentHeaderRepr.map((r) => ({
    type: 44,
    body: (next: number) => emitFragmentHeader({ ...r, fragmentOffset: 0, nextHeader: next }),
  }));
  const ah: fc.Arbitrary<Hdr> = ahRepr.map((r) => ({ type: 51, body: (next: number) => emitAh({ ...r, nextHeader: next }) }));
  const upper = fc.constantFrom(IPPROTO.TCP, IPPROTO.UDP, IPPROTO.ICMPV6, IPPROTO.NONE, IPPROTO.ESP, IPPROTO.IPV6);

  function build(hdrs: readonly Hdr[], upperProtocol: number): { pkt: Uint8Array; offsets: number[] } {
    const parts = hdrs.map((h, i) => h.body(hdrs[i + 1]?.type ?? upperProtocol));
    const offsets: number[] = [];
    let off = IPV6_HEADER_LENGTH;
    for (const p of parts) {
      offsets.push(off);
      off += p.length;
    }
    const pkt = new Uint8Array(off + 8);
    pkt.set(
      emitIpv6({
        trafficClass: 0,
        flowLabel: 0,
        payloadLength: off + 8 - IPV6_HEADER_LENGTH,
        nextHeader: hdrs[0]?.type ?? upperProtocol,
        hopLimit: 64,
        src: new Uint8Array(16),
        dst: new Uint8Array(16),
      }),
    );
    parts.forEach((p, i) => {
      pkt.set(p, offsets[i]);
    });
    return { pkt, offsets };
  }

  it('finds each header at its offset, and the upper protocol after the last', () => {
    const chain = fc.tuple(
      fc.option(options(IPPROTO.HOPOPTS), { nil: undefined }),
      fc.array(fc.oneof(options(IPPROTO.DSTOPTS), routing, firstFragment, ah), { maxLength: 6 }),
    );
    fc.assert(
      fc.property(chain, upper, ([hbh, rest], upperProtocol) => {
        const hdrs = hbh ? [hbh, ...rest] : rest;
        const { pkt, offsets } = build(hdrs, upperProtocol);
        const through = expectOk(walkExtensionHeaders(pkt, { throughAh: true }));
        expect(through.headers.map((h) => [h.type, h.offset])).toEqual(hdrs.map((h, i) => [h.type, offsets[i]]));
        expect(through.upperProtocol).toBe(upperProtocol);
        expect(through.upperOffset).toBe(pkt.length - 8);
        expect(through.nextHeaderOffset).toBe(hdrs.length === 0 ? 6 : offsets.at(-1));
        expect(through.fragmented).toBe(false);
        // Without throughAh the walk stops at the first AH.
        const firstAh = hdrs.findIndex((h) => h.type === IPPROTO.AH);
        const stop = expectOk(walkExtensionHeaders(pkt));
        if (firstAh === -1) expect(stop).toEqual(through);
        else expect([stop.upperProtocol, stop.upperOffset, stop.headers.length]).toEqual([IPPROTO.AH, offsets[firstAh], firstAh]);
      }),
    );
  });

  it('stops at a non-first fragment and reports the protocol it names', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(options(IPPROTO.DSTOPTS), routing), { maxLength: 3 }),
        fragmentHeaderRepr,
        upper,
        (before, fr, upperProtocol) => {
          const later: Hdr = {
            type: 44,
            body: (next) => emitFragmentHeader({ ...fr, fragmentOffset: Math.max(1, fr.fragmentOffset), nextHeader: next }),
          };
          const hdrs = [...before, later];
          const { pkt, offsets } = build(hdrs, upperProtocol);
          const r = expectOk(walkExtensionHeaders(pkt));
          expect(r.fragmented).toBe(true);
          expect(r.upperProtocol).toBe(upperProtocol);
          expect(r.headers.map((h) => h.offset)).toEqual(offsets);
        },
      ),
    );
  });

  it('refuses a hop-by-hop header anywhere but first', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(options(IPPROTO.DSTOPTS), routing), { minLength: 1, maxLength: 3 }),
        options(IPPROTO.HOPOPTS),
        (before, hbh) => {
          const { pkt } = build([...before, hbh], IPPROTO.NONE);
          const r = walkExtensionHeaders(pkt);
          expect(r.ok).toBe(false);
          if (!r.ok) expect(r.error).toMatchObject({ kind: 'malformed', what: 'hop-by-hop' });
        },
      ),
    );
  });
});
