import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/wire/hex.js';
import { emitIcmpv6, type Icmpv6Repr, parseIcmpv6 } from '../../src/wire/icmpv6.js';
import { ipv6 } from '../../src/wire/ipv6-address.js';
import { MLD2 } from '../../src/wire/mld.js';
import { buildPacket, finalDestination, type ParsedUpperLayer, paddedOptions, parsePacket } from '../../src/wire/packet.js';
import { expectOk } from '../../src/wire/result.js';
import { emitTcp, TCP_CHECKSUM } from '../../src/wire/tcp.js';
import { frames, KERNEL_SYN, packet } from './kernel-captures.js';

// Scapy 2.5.0: IPv6(src='4321::1', dst='4321::2', hlim=64)/IPv6ExtHdrRouting(addresses=['4321::3','4321::4'], segleft=2)
//   /UDP(sport=1234, dport=7777)/b'hi'. tcpdump 4.99.3 -vv agrees: "RT6 (... segleft=2 ...) 1234 > 7777: [udp sum ok]",
// so the checksum covers the final destination 4321::4 (RFC 8200 section 8.1).
const ROUTED = fromHex(
  '6000000000322b404321000000000000000000000000000143210000000000000000000000000002' +
    '1104000200000000' +
    '4321000000000000000000000000000343210000000000000000000000000004' +
    '04d21e61000aedf66869',
);
// The same with segleft=0 from Scapy: the header's destination is then the final one (checksum edf8).
const ROUTED_ARRIVED = fromHex(
  '6000000000322b404321000000000000000000000000000143210000000000000000000000000002' +
    '1104000000000000' +
    '4321000000000000000000000000000343210000000000000000000000000004' +
    '04d21e61000aedf86869',
);
const ROUTING_DATA = fromHex('00000000' + '43210000000000000000000000000003' + '43210000000000000000000000000004');
const HI = new TextEncoder().encode('hi');
const A = ipv6('4321::1');
const B = ipv6('4321::2');

describe('buildPacket()', () => {
  it('checksums UDP over the final destination of a routing header (Scapy, tcpdump)', () => {
    const out = buildPacket(
      { trafficClass: 0, flowLabel: 0, hopLimit: 64, src: A, dst: B },
      [{ type: 'routing', routingType: 0, segmentsLeft: 2, data: ROUTING_DATA }],
      { protocol: 'udp', repr: { srcPort: 1234, dstPort: 7777, payload: HI } },
    );
    expect(toHex(out)).toBe(toHex(ROUTED));
  });

  it('checksums over the header destination once no segment is left (Scapy)', () => {
    const out = buildPacket(
      { trafficClass: 0, flowLabel: 0, hopLimit: 64, src: A, dst: B },
      [{ type: 'routing', routingType: 0, segmentsLeft: 0, data: ROUTING_DATA }],
      { protocol: 'udp', repr: { srcPort: 1234, dstPort: 7777, payload: HI } },
    );
    expect(toHex(out)).toBe(toHex(ROUTED_ARRIVED));
  });

  it('rebuilds the kernel MLDv2 report, padding the router alert option with PadN as Linux does', () => {
    // mesh_as_intended_nd link_n1 frame 1: "(hlim 1, next-header Options (0) payload length: 56) fe80::f87a:f6ff:fe8a:d24b > ff02::16:
    // HBH (rtalert: 0x0000) (padn) [icmp6 sum ok] ICMP6, multicast listener report v2, 2 group record(s)".
    const pkt = packet('mesh_as_intended_nd__link_n1.pcap', 1);
    const records = [ipv6('ff02::1:ff00:3'), ipv6('ff02::1:ff8a:d24b')].map((g) => ({
      type: MLD2.CHANGE_TO_EXCLUDE,
      auxData: new Uint8Array(0),
      multicastAddress: g,
      sources: [],
    }));
    const out = buildPacket(
      { trafficClass: 0, flowLabel: 0, hopLimit: 1, src: ipv6('fe80::f87a:f6ff:fe8a:d24b'), dst: ipv6('ff02::16') },
      [{ type: 'hop-by-hop', options: [{ type: 5, data: fromHex('0000') }] }],
      { protocol: 'icmpv6', repr: { kind: 'mld2-report', records } },
    );
    expect(toHex(out)).toBe(toHex(pkt));
  });

  it('rebuilds the kernel hop-by-hop, AH, UDP packet from a raw AH header', () => {
    // vectors__ah-hbh.pcap frame 1: "(flowlabel 0xe42f6, hlim 64, next-header Options (0) payload length: 49) 4321::1 > 4321::2:
    // HBH (opt_type 0x3e: len=4) AH(...): 41760 > 7777: [udp sum ok] UDP, length 9".
    const pkt = packet('vectors__ah-hbh.pcap', 1);
    const out = buildPacket(
      { trafficClass: 0, flowLabel: 0xe42f6, hopLimit: 64, src: A, dst: B },
      [
        { type: 'hop-by-hop', options: [{ type: 0x3e, data: fromHex('deadbeef') }] },
        { type: 'raw', protocol: 51, bytes: pkt.slice(48, 72) },
      ],
      { protocol: 'udp', repr: { srcPort: 41760, dstPort: 7777, payload: new TextEncoder().encode('hello-hbh') } },
    );
    expect(toHex(out)).toBe(toHex(pkt));
  });

  it('rebuilds the kernel TCP SYN', () => {
    // router_as_intended router_eth0 frame 9: "(flowlabel 0xd66bf, hlim 64, next-header TCP (6) payload length: 40)
    // 4321::2.36228 > 4444::2.7777: Flags [S], cksum 0x4240 (correct), seq 367127930, win 64800, options [...]".
    const pkt = packet('router_as_intended__router_eth0.pcap', 9);
    const out = buildPacket({ trafficClass: 0, flowLabel: 0xd66bf, hopLimit: 64, src: ipv6('4321::2'), dst: ipv6('4444::2') }, [], {
      protocol: 'tcp',
      repr: KERNEL_SYN,
    });
    expect(toHex(out)).toBe(toHex(pkt));
  });

  it('carries opaque upper-layer bytes such as ESP unchanged', () => {
    const pkt = packet('vectors__esp-cbc-noauth.pcap', 2);
    const out = buildPacket({ trafficClass: 0x28, flowLabel: 0x25ff9, hopLimit: 64, src: A, dst: B }, [], {
      protocol: 50,
      bytes: pkt.subarray(40),
    });
    expect(toHex(out)).toBe(toHex(pkt));
  });

  it('chains fragment and destination options headers with the right next-header bytes', () => {
    const out = buildPacket(
      { trafficClass: 0, flowLabel: 0, hopLimit: 64, src: A, dst: B },
      [
        { type: 'fragment', fragmentOffset: 0, moreFragments: false, identification: 7 },
        { type: 'destination', options: [] },
      ],
      { protocol: 59, bytes: new Uint8Array(0) },
    );
    expect(toHex(out.subarray(4, 8))).toBe('00102c40');
    expect(toHex(out.subarray(40))).toBe('3c00000000000007' + '3b00010400000000');
  });

  it('refuses a payload that would need a jumbogram', () => {
    expect(() =>
      buildPacket({ trafficClass: 0, flowLabel: 0, hopLimit: 64, src: A, dst: B }, [], { protocol: 59, bytes: new Uint8Array(65536) }),
    ).toThrow(/jumbogram/);
  });
});

describe('finalDestination() and paddedOptions()', () => {
  it('takes the last address of a type 0 or 2 header and segment 0 of a segment routing header', () => {
    expect(finalDestination(B, { routingType: 0, segmentsLeft: 2, data: ROUTING_DATA })).toEqual(ipv6('4321::4'));
    expect(finalDestination(B, { routingType: 2, segmentsLeft: 1, data: fromHex('00000000' + toHex(ipv6('4321::9'))) })).toEqual(
      ipv6('4321::9'),
    );
    // RFC 8754 section 2: Last Entry, Flags, Tag, then Segment List[0] (the final segment) first.
    const srh = fromHex('01000000' + toHex(ipv6('2001:db8::f')) + toHex(ipv6('2001:db8::1')));
    expect(finalDestination(B, { routingType: 4, segmentsLeft: 1, data: srh })).toEqual(ipv6('2001:db8::f'));
    expect(finalDestination(B, { routingType: 0, segmentsLeft: 0, data: ROUTING_DATA })).toEqual(B);
    expect(finalDestination(B, { routingType: 0, segmentsLeft: 1, data: new Uint8Array(4) })).toEqual(B);
    expect(finalDestination(B)).toEqual(B);
  });

  it('pads options with Pad1 or PadN to a multiple of 8 and leaves a full header alone', () => {
    expect(paddedOptions([{ type: 5, data: fromHex('0000') }])).toEqual([
      { type: 5, data: fromHex('0000') },
      { type: 1, data: new Uint8Array(0) },
    ]);
    expect(paddedOptions([{ type: 0x3e, data: fromHex('000000') }])).toEqual([
      { type: 0x3e, data: fromHex('000000') },
      { type: 0, data: new Uint8Array(0) },
    ]);
    expect(paddedOptions([{ type: 0x3e, data: fromHex('deadbeef') }])).toHaveLength(1);
  });
});

describe('parsePacket()', () => {
  it('decodes a kernel neighbour solicitation and verifies its checksum, ignoring Ethernet padding', () => {
    const pkt = new Uint8Array([...packet('mesh_as_intended_nd__link_n1.pcap', 7), 0, 0, 0, 0]);
    const p = expectOk(parsePacket(pkt));
    expect(p.ipv6.hopLimit).toBe(255);
    expect(p.upper).toMatchObject({ protocol: 'icmpv6', checksumOk: true, repr: { kind: 'neighbour-solicit', target: ipv6('4321::2') } });
  });

  it('verifies UDP against the final destination of a routing header', () => {
    const p = expectOk(parsePacket(ROUTED));
    expect(p.chain.headers.map((h) => h.type)).toEqual([43]);
    expect(p.upper).toMatchObject({ protocol: 'udp', checksumOk: true, repr: { srcPort: 1234, dstPort: 7777, payload: HI } });
    expect(expectOk(parsePacket(ROUTED_ARRIVED)).upper).toMatchObject({ protocol: 'udp', checksumOk: true });
  });

  it('reports the offloaded kernel SYN-ACK checksum as bad without refusing the packet', () => {
    const p = expectOk(parsePacket(packet('router_as_intended__router_eth0.pcap', 10)));
    expect(p.upper).toMatchObject({ protocol: 'tcp', checksumOk: false, repr: { seq: 4061326496 } });
  });

  it('stops at AH unless asked to walk through it', () => {
    const pkt = packet('vectors__ah-sha1.pcap', 1);
    const stop = expectOk(parsePacket(pkt));
    expect(stop.upper).toMatchObject({ protocol: 51 });
    expect('bytes' in stop.upper && stop.upper.bytes.length).toBe(88);
    expect(expectOk(parsePacket(pkt, { throughAh: true })).upper).toMatchObject({
      protocol: 'icmpv6',
      checksumOk: true,
      repr: { kind: 'echo-request', id: 771 },
    });
  });

  it('keeps ESP and a non-first fragment as bytes', () => {
    expect(expectOk(parsePacket(packet('vectors__esp-cbc-noauth.pcap', 2))).upper).toMatchObject({ protocol: 50 });
    const frag = buildPacket(
      { trafficClass: 0, flowLabel: 0, hopLimit: 64, src: A, dst: B },
      [{ type: 'fragment', fragmentOffset: 3, moreFragments: false, identification: 1 }],
      { protocol: 17, bytes: fromHex('0102030405060708') },
    );
    const p = expectOk(parsePacket(frag));
    expect(p.chain.fragmented).toBe(true);
    expect(p.upper).toEqual({ protocol: 17, bytes: fromHex('0102030405060708') });
  });

  it('passes on the errors of the IPv6 header, the chain and the upper layer', () => {
    const ns = packet('mesh_as_intended_nd__link_n1.pcap', 7);
    const cases: [Uint8Array, string][] = [
      [ns.subarray(0, 30), 'ipv6'],
      [ROUTED.subarray(0, 60), 'ipv6.payloadLength'],
    ];
    for (const [bytes, what] of cases) {
      const r = parsePacket(bytes);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.what).toBe(what);
    }
    const cutRouting = ROUTED.slice(0, 48);
    cutRouting[5] = 8;
    const rr = parsePacket(cutRouting);
    expect(rr.ok).toBe(false);
    if (!rr.ok) expect(rr.error.what).toBe('routing');
    const badOpt = ns.slice();
    badOpt[65] = 0; // the source link-layer option's length
    const ri = parsePacket(badOpt);
    expect(ri.ok).toBe(false);
    if (!ri.ok) expect(ri.error.kind).toBe('malformed');
    const badUdp = ROUTED.slice();
    badUdp[84] = 0;
    badUdp[85] = 4; // UDP length 4
    expect(parsePacket(badUdp).ok).toBe(false);
    const badTcp = packet('router_as_intended__router_eth0.pcap', 9).slice();
    badTcp[52] = 0x10; // data offset 1
    expect(parsePacket(badTcp).ok).toBe(false);
  });
});

describe('checksums across every kernel capture', () => {
  interface Tally {
    icmp6SumOk: number;
    icmp6SumBad: number;
    udpSumOk: number;
    udpSumBad: number;
    tcp: string[];
  }
  const summary = JSON.parse(readFileSync(fileURLToPath(new URL('./kernel-checksums.json', import.meta.url)), 'utf8')) as {
    files: Record<string, Tally>;
  };

  /** Counts as tcpdump does: through AH, into an IPv6-in-IPv6 inner packet, not into ESP or ICMPv6 error bodies. */
  function tally(pkt: Uint8Array, t: Tally): void {
    const r = parsePacket(pkt, { throughAh: true });
    if (!r.ok) return;
    const u: ParsedUpperLayer = r.value.upper;
    if (u.protocol === 'icmpv6') {
      if (u.checksumOk) t.icmp6SumOk++;
      else t.icmp6SumBad++;
    } else if (u.protocol === 'udp') {
      if (u.checksumOk) t.udpSumOk++;
      else t.udpSumBad++;
    } else if (u.protocol === 'tcp') {
      const sent = u.repr.checksum;
      const out = emitTcp(u.repr, r.value.ipv6.src, r.value.ipv6.dst);
      const computed = (out[TCP_CHECKSUM]! << 8) | out[TCP_CHECKSUM + 1]!;
      const hex = (n: number) => `0x${n.toString(16).padStart(4, '0')}`;
      t.tcp.push(u.checksumOk ? `${hex(sent)} (correct)` : `${hex(sent)} (incorrect -> ${hex(computed)})`);
      expect(u.checksumOk).toBe(sent === computed);
    } else if (u.protocol === 41) {
      tally(u.bytes, t);
    }
  }

  const names = Object.keys(summary.files);
  it('covers the kernel captures present in test/fixtures/pcap', () => {
    const present = readdirSync(fileURLToPath(new URL('../fixtures/pcap/', import.meta.url)));
    expect(names.length).toBeGreaterThan(70);
    for (const n of names) expect(present).toContain(n);
  });

  it.each(names)('%s: our ICMPv6, UDP and TCP checksum verdicts are tcpdump’s', (name) => {
    const t: Tally = { icmp6SumOk: 0, icmp6SumBad: 0, udpSumOk: 0, udpSumBad: 0, tcp: [] };
    for (const f of frames(name)) if (f[12] === 0x86 && f[13] === 0xdd) tally(f.subarray(14), t);
    expect(t).toEqual(summary.files[name]);
  });
});

describe('ICMPv6 kinds in every kernel capture', () => {
  it('every ICMPv6 message in the kernel captures re-emits to its own bytes', () => {
    let n = 0;
    const dir = fileURLToPath(new URL('../fixtures/pcap/', import.meta.url));
    for (const name of readdirSync(dir).filter((f) => f.endsWith('.pcap') && f !== 'printer-zoo.pcap')) {
      for (const f of frames(name)) {
        const p = parsePacket(f.subarray(14), { throughAh: true });
        if (!p.ok || p.value.upper.protocol !== 'icmpv6') continue;
        // A first fragment holds only part of the message its checksum covers.
        if (p.value.chain.headers.some((h) => h.type === 44)) continue;
        const { src, dst } = p.value.ipv6;
        const msg = f.subarray(14 + p.value.chain.upperOffset, 14 + 40 + p.value.ipv6.payloadLength);
        const repr: Icmpv6Repr = expectOk(parseIcmpv6(msg));
        expect(repr.kind).not.toBe('unknown');
        expect(toHex(emitIcmpv6(repr, src, dst))).toBe(toHex(msg));
        n++;
      }
    }
    expect(n).toBeGreaterThan(300);
  });
});
