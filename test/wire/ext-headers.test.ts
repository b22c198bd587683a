import { describe, expect, it } from 'vitest';
import {
  emitFragmentHeader,
  emitOptionsHeader,
  emitRoutingHeader,
  extensionHeaderLength,
  FRAG_HEADER_LENGTH,
  optionsHeaderLength,
  paddingOptions,
  parseFragmentHeader,
  parseOptionsHeader,
  parseRoutingHeader,
  unfragmentablePartEnd,
  walkExtensionHeaders,
} from '../../src/wire/ext-headers.js';
import { fromHex, toHex } from '../../src/wire/hex.js';
import { buildIpv6Packet } from '../../src/wire/ipv6.js';
import { ipv6 } from '../../src/wire/ipv6-address.js';
import { expectOk } from '../../src/wire/result.js';
import { packet } from './kernel-captures.js';

// Scapy 2.5.0 (an independent encoder), confirmed by tcpdump 4.99.3 -vv as
// "DSTOPT (pad1)(pad1)(padn) RT6 (len=4, type=0 [Deprecated], segleft=2, rsv=0x0, [0]4321::3, [1]4321::4)
//  frag (0x12345678:0|18) DSTOPT (padn) 1234 > 7777: UDP, length 2":
// IPv6(src='4321::1', dst='4321::2', hlim=64)/IPv6ExtHdrDestOpt(options=[Pad1(), Pad1(), PadN(optdata=b'\0\0')])
//   /IPv6ExtHdrRouting(addresses=['4321::3','4321::4'], segleft=2)/IPv6ExtHdrFragment(offset=0, m=1, id=0x12345678)
//   /IPv6ExtHdrDestOpt(options=[PadN(optdata=b'\0'*4)])/UDP(sport=1234, dport=7777)/b'hi'
const SCAPY_CHAIN = fromHex(
  '60000000004a3c404321000000000000000000000000000143210000000000000000000000000002' +
    '2b00000001020000' +
    '2c04000200000000' +
    '43210000000000000000000000000003' +
    '43210000000000000000000000000004' +
    '3c00000112345678' +
    '1100010400000000' +
    '04d21e61000aedf66869',
);
const DSTOPT_PADS = SCAPY_CHAIN.subarray(40, 48);
const ROUTING = SCAPY_CHAIN.subarray(48, 88);
const FRAGMENT = SCAPY_CHAIN.subarray(88, 96);
// Scapy: IPv6ExtHdrFragment(nh=17, offset=185, m=0, id=0xdeadbeef).
const FRAGMENT_LAST = fromHex('110005c8deadbeef');

// Kernel capture vectors__ah-hbh.pcap frame 1: a UDP socket with IPV6_HOPOPTS option 0x3e, through AH.
// tcpdump -vv: "HBH (opt_type 0x3e: len=4) AH(length=4(24-bytes),spi=0x00000100,...): 41760 > 7777: [udp sum ok] UDP, length 9"
const HBH_PACKET = () => packet('vectors__ah-hbh.pcap', 1);
// Kernel capture vectors__ah-sha1.pcap frame 3: MLDv2 report; tcpdump -vv: "HBH (rtalert: 0x0000) (padn)".
const MLD_PACKET = () => packet('vectors__ah-sha1.pcap', 3);

describe('hop-by-hop and destination options', () => {
  it('parseOptionsHeader() reads the kernel hop-by-hop header with option 0x3e (deconstruct)', () => {
    const r = expectOk(parseOptionsHeader(HBH_PACKET(), 40));
    expect(r.nextHeader).toBe(51);
    expect(r.length).toBe(8);
    expect(r.options.map((o) => [o.type, toHex(o.data)])).toEqual([[0x3e, 'deadbeef']]);
  });

  it('parseOptionsHeader() keeps the router alert and the PadN of an MLD report as options', () => {
    const r = expectOk(parseOptionsHeader(MLD_PACKET(), 40));
    expect(r.nextHeader).toBe(58);
    expect(r.options.map((o) => [o.type, toHex(o.data)])).toEqual([
      [5, '0000'],
      [1, ''],
    ]);
  });

  it('emitOptionsHeader() rebuilds both kernel headers byte for byte (construct)', () => {
    for (const pkt of [HBH_PACKET(), MLD_PACKET()]) {
      const r = expectOk(parseOptionsHeader(pkt, 40));
      expect(toHex(emitOptionsHeader(r))).toBe(toHex(pkt.subarray(40, 48)));
    }
  });

  it('parseOptionsHeader() keeps Pad1 options one by one, so emit(parse(x)) is exact', () => {
    const r = expectOk(parseOptionsHeader(DSTOPT_PADS, 0, 'destination options'));
    expect(r.options.map((o) => [o.type, o.data.length])).toEqual([
      [0, 0],
      [0, 0],
      [1, 2],
    ]);
    expect(toHex(emitOptionsHeader(r))).toBe(toHex(DSTOPT_PADS));
  });

  it('optionsHeaderLength() counts Pad1 as one byte and others as two plus data (length)', () => {
    expect(optionsHeaderLength(expectOk(parseOptionsHeader(DSTOPT_PADS)))).toBe(8);
    expect(optionsHeaderLength({ nextHeader: 0, options: [{ type: 0, data: new Uint8Array(0) }] })).toBe(3);
    expect(optionsHeaderLength({ nextHeader: 0, options: [{ type: 7, data: new Uint8Array(5) }] })).toBe(9);
  });

  it('parseOptionsHeader() reports truncation for every prefix of the header (check-length)', () => {
    const hbh = HBH_PACKET().subarray(40, 48);
    for (let n = 0; n < hbh.length; n++) {
      const r = parseOptionsHeader(hbh.subarray(0, n));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ kind: 'truncated', what: 'hop-by-hop' });
    }
  });

  it('parseOptionsHeader() names the header it was asked to decode in its errors', () => {
    const r = parseOptionsHeader(new Uint8Array(1), 0, 'destination options');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.what).toBe('destination options');
  });

  it('parseOptionsHeader() refuses an option whose data runs past the header', () => {
    const r = parseOptionsHeader(fromHex('3a00010500000000'));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ kind: 'malformed', what: 'hop-by-hop.option' });
  });

  it('parseOptionsHeader() refuses a last option with no room for its length byte', () => {
    const r = parseOptionsHeader(fromHex('3a00000000000001'));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.detail).toContain('no length byte');
  });

  it('emitOptionsHeader() refuses options that do not fill a multiple of 8 bytes', () => {
    expect(() => emitOptionsHeader({ nextHeader: 59, options: [] })).toThrow(/multiple of 8/);
  });

  it('paddingOptions() fills 1 byte with Pad1 and more with one PadN', () => {
    expect(paddingOptions(0)).toEqual([]);
    expect(paddingOptions(1)).toEqual([{ type: 0, data: new Uint8Array(0) }]);
    expect(paddingOptions(2)).toEqual([{ type: 1, data: new Uint8Array(0) }]);
    expect(paddingOptions(7)).toEqual([{ type: 1, data: new Uint8Array(5) }]);
    const hdr = emitOptionsHeader({ nextHeader: 59, options: [{ type: 0x3e, data: new Uint8Array(1) }, ...paddingOptions(3)] });
    expect(toHex(hdr)).toBe('3b003e0100010100');
  });
});

describe('routing header', () => {
  it('parseRoutingHeader() reads type, segments left and the address data (deconstruct)', () => {
    const r = expectOk(parseRoutingHeader(ROUTING));
    expect(r).toMatchObject({ nextHeader: 44, routingType: 0, segmentsLeft: 2, length: 40 });
    expect(toHex(r.data)).toBe('00000000' + toHex(ipv6('4321::3')) + toHex(ipv6('4321::4')));
  });

  it('emitRoutingHeader() writes the Scapy bytes (construct)', () => {
    const data = fromHex('00000000' + toHex(ipv6('4321::3')) + toHex(ipv6('4321::4')));
    expect(toHex(emitRoutingHeader({ nextHeader: 44, routingType: 0, segmentsLeft: 2, data }))).toBe(toHex(ROUTING));
  });

  it('parseRoutingHeader() reports truncation for every prefix (check-length)', () => {
    for (let n = 0; n < ROUTING.length; n++) {
      const r = parseRoutingHeader(ROUTING.subarray(0, n));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ kind: 'truncated', what: 'routing' });
    }
  });

  it('emitRoutingHeader() refuses data that leaves the header off a multiple of 8', () => {
    expect(() => emitRoutingHeader({ nextHeader: 59, routingType: 0, segmentsLeft: 0, data: new Uint8Array(3) })).toThrow(/multiple of 8/);
  });
});

describe('fragment header', () => {
  it('parseFragmentHeader() reads offset, M flag and identification (deconstruct)', () => {
    expect(expectOk(parseFragmentHeader(FRAGMENT))).toEqual({
      nextHeader: 60,
      fragmentOffset: 0,
      moreFragments: true,
      identification: 0x12345678,
    });
    expect(expectOk(parseFragmentHeader(FRAGMENT_LAST))).toEqual({
      nextHeader: 17,
      fragmentOffset: 185,
      moreFragments: false,
      identification: 0xdeadbeef,
    });
  });

  it('emitFragmentHeader() writes the Scapy bytes (construct, length)', () => {
    const out = emitFragmentHeader({ nextHeader: 17, fragmentOffset: 185, moreFragments: false, identification: 0xdeadbeef });
    expect(toHex(out)).toBe(toHex(FRAGMENT_LAST));
    expect(out.length).toBe(FRAG_HEADER_LENGTH);
  });

  it('parseFragmentHeader() reports truncation for every prefix (check-length)', () => {
    for (let n = 0; n < 8; n++) {
      const r = parseFragmentHeader(FRAGMENT.subarray(0, n));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ kind: 'truncated', what: 'fragment', detail: `needs 8 bytes, has ${n}` });
    }
  });
});

describe('extensionHeaderLength()', () => {
  it('counts 8-byte units for options and routing, 4-byte words for AH, and 8 for a fragment', () => {
    expect(extensionHeaderLength(0, fromHex('0002'), 0)).toBe(24);
    expect(extensionHeaderLength(43, ROUTING, 0)).toBe(40);
    expect(extensionHeaderLength(51, fromHex('3a04'), 0)).toBe(24);
    expect(extensionHeaderLength(44, fromHex('11ff'), 0)).toBe(8);
  });
});

describe('walkExtensionHeaders()', () => {
  it('walks destination options, routing, fragment and destination options to UDP', () => {
    const chain = expectOk(walkExtensionHeaders(SCAPY_CHAIN));
    expect(chain.headers).toEqual([
      { type: 60, offset: 40, length: 8 },
      { type: 43, offset: 48, length: 40 },
      { type: 44, offset: 88, length: 8 },
      { type: 60, offset: 96, length: 8 },
    ]);
    expect(chain).toMatchObject({ upperProtocol: 17, upperOffset: 104, nextHeaderOffset: 96, fragmented: false });
  });

  it('stops at AH by default and walks through it when asked', () => {
    const pkt = HBH_PACKET();
    const stop = expectOk(walkExtensionHeaders(pkt));
    expect(stop).toMatchObject({ upperProtocol: 51, upperOffset: 48, nextHeaderOffset: 40 });
    const through = expectOk(walkExtensionHeaders(pkt, { throughAh: true }));
    expect(through.headers).toEqual([
      { type: 0, offset: 40, length: 8 },
      { type: 51, offset: 48, length: 24 },
    ]);
    expect(through).toMatchObject({ upperProtocol: 17, upperOffset: 72, nextHeaderOffset: 48 });
  });

  it('finds ICMPv6 after AH in a kernel ping with no other extension header', () => {
    const pkt = packet('vectors__ah-sha1.pcap', 1);
    expect(expectOk(walkExtensionHeaders(pkt))).toMatchObject({ headers: [], upperProtocol: 51, upperOffset: 40, nextHeaderOffset: 6 });
    expect(expectOk(walkExtensionHeaders(pkt, { throughAh: true }))).toMatchObject({ upperProtocol: 58, upperOffset: 64 });
  });

  it('stops at ESP: its payload is opaque', () => {
    const pkt = packet('vectors__esp-cbc-noauth.pcap', 2);
    expect(expectOk(walkExtensionHeaders(pkt, { throughAh: true }))).toMatchObject({ headers: [], upperProtocol: 50, upperOffset: 40 });
  });

  it('stops at a non-first fragment and says the upper header is hidden', () => {
    const later = SCAPY_CHAIN.slice();
    later[90] = 0x00;
    later[91] = 0x09; // offset 1 (8 bytes), M set
    const chain = expectOk(walkExtensionHeaders(later));
    expect(chain).toMatchObject({ upperProtocol: 60, upperOffset: 96, nextHeaderOffset: 88, fragmented: true });
    expect(chain.headers.map((h) => h.type)).toEqual([60, 43, 44]);
  });

  it('refuses a hop-by-hop header that is not first', () => {
    const pkt = buildIpv6Packet(
      { trafficClass: 0, flowLabel: 0, hopLimit: 64, src: ipv6('::1'), dst: ipv6('::1') },
      60,
      fromHex('0000010400000000' + '3b00010400000000'),
    );
    const r = walkExtensionHeaders(pkt);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ kind: 'malformed', what: 'hop-by-hop' });
  });

  it('reports truncation when an extension header is cut, naming the header', () => {
    for (const [cut, what] of [
      [44, 'destination options'],
      [60, 'routing'],
      [92, 'fragment'],
    ] as const) {
      const r = walkExtensionHeaders(SCAPY_CHAIN.subarray(0, cut));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ kind: 'truncated', what });
    }
    const ah = walkExtensionHeaders(HBH_PACKET().subarray(0, 60), { throughAh: true });
    expect(ah.ok).toBe(false);
    if (!ah.ok) expect(ah.error).toMatchObject({ kind: 'truncated', what: 'ah' });
  });

  it('reports truncation for fewer than 40 bytes', () => {
    const r = walkExtensionHeaders(new Uint8Array(39));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.kind).toBe('truncated');
  });
});

describe('unfragmentablePartEnd()', () => {
  it('ends after the routing header, keeping destination options in front of it (ip6_find_1stfragopt)', () => {
    expect(expectOk(unfragmentablePartEnd(SCAPY_CHAIN))).toEqual({ offset: 88, nextHeaderOffset: 48 });
  });

  it('ends after hop-by-hop for the kernel packet that got AH after its hop-by-hop header', () => {
    // The kernel placed AH at byte 48 of this packet, right after the hop-by-hop header.
    expect(expectOk(unfragmentablePartEnd(HBH_PACKET()))).toEqual({ offset: 48, nextHeaderOffset: 40 });
  });

  it('keeps a destination options header with no routing header before it in the unfragmentable part', () => {
    const pkt = buildIpv6Packet(
      { trafficClass: 0, flowLabel: 0, hopLimit: 64, src: ipv6('::1'), dst: ipv6('::1') },
      0,
      fromHex('3c00010400000000' + '1100010400000000' + '0000000000080000'),
    );
    expect(expectOk(unfragmentablePartEnd(pkt))).toEqual({ offset: 56, nextHeaderOffset: 48 });
  });

  it('ends after a routing header and before the destination options that follow it', () => {
    const pkt = buildIpv6Packet(
      { trafficClass: 0, flowLabel: 0, hopLimit: 64, src: ipv6('::1'), dst: ipv6('::1') },
      43,
      fromHex('3c00000000000000' + '1100010400000000' + '0000000000080000'),
    );
    expect(expectOk(unfragmentablePartEnd(pkt))).toEqual({ offset: 48, nextHeaderOffset: 40 });
  });

  it('is the end of the IPv6 header when no extension header follows', () => {
    expect(expectOk(unfragmentablePartEnd(packet('vectors__ah-sha1.pcap', 1)))).toEqual({ offset: 40, nextHeaderOffset: 6 });
  });

  it('reports truncation for a cut header or fewer than 40 bytes', () => {
    expect(unfragmentablePartEnd(SCAPY_CHAIN.subarray(0, 44)).ok).toBe(false);
    expect(unfragmentablePartEnd(new Uint8Array(10)).ok).toBe(false);
  });
});
