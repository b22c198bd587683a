import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/wire/hex.js';
import {
  checksumOk,
  emitIcmpv6,
  emitIcmpv6Unchecked,
  ICMP6_CKSUM,
  ICMPV6_CODE,
  ICMPV6_ERROR_INVOKING_MAX,
  type Icmpv6Repr,
  icmpv6ChecksumOk,
  icmpv6ErrorInvoking,
  icmpv6Length,
  icmpv6Type,
  ND_RA_FLAG_MANAGED,
  ND_RA_FLAG_PRF_MASK,
  parseIcmpv6,
} from '../../src/wire/icmpv6.js';
import { type Ipv6Address, ipv6 } from '../../src/wire/ipv6-address.js';
import { MLD2 } from '../../src/wire/mld.js';
import { ND_OPT_PI_FLAG_AUTO, ND_OPT_PI_FLAG_ONLINK } from '../../src/wire/ndisc.js';
import { expectOk } from '../../src/wire/result.js';
import { packet } from './kernel-captures.js';

/** The ICMPv6 message of a captured packet at `offset`, with the addresses of its IPv6 header. */
function captured(name: string, n: number, offset = 40): { msg: Uint8Array; src: Ipv6Address; dst: Ipv6Address } {
  const pkt = packet(name, n);
  return { msg: pkt.subarray(offset), src: pkt.slice(8, 24), dst: pkt.slice(24, 40) };
}

/** Parses, checks the checksum verdict, and checks that emitting the repr gives the captured bytes again. */
function roundTrip(msg: Uint8Array, src: Ipv6Address, dst: Ipv6Address): Icmpv6Repr {
  const r = expectOk(parseIcmpv6(msg, 0, src, dst));
  expect(r.checksumOk).toBe(true);
  expect(toHex(emitIcmpv6(r, src, dst))).toBe(toHex(msg));
  expect(icmpv6Length(r)).toBe(msg.length);
  return r;
}

// Scapy 2.5.0 messages, each confirmed "[icmp6 sum ok]" by tcpdump 4.99.3 -vv (the tcpdump line is quoted).
// The invoking packet of the three errors: IPv6(src='4321::1', dst='4444::2', hlim=1)/ICMPv6EchoRequest(id=7, seq=9, data=b'abcd').
const INVOKING = fromHex('60000000000c3a014321000000000000000000000000000144440000000000000000000000000002' + '8000337a0007000961626364');
const ERR_SRC = ipv6('4321::9');
const ERR_DST = ipv6('4321::1');
// "ICMP6, packet too big, mtu 1280"
const PTB = fromHex('0200d87500000500' + toHex(INVOKING));
// "ICMP6, time exceeded in-transit for 4444::2"
const TE = fromHex('0300dc7500000000' + toHex(INVOKING));
// "ICMP6, parameter problem, next header - octet 40"
const PP = fromHex('0401db4c00000028' + toHex(INVOKING));
// fe80::1 > ff02::1 "router advertisement, length 64 / hop limit 64, Flags [managed], pref high, router lifetime 1800s,
// reachable time 30000ms, retrans timer 1000ms" with source link-address, mtu 1500 and prefix 2001:db8:1::/64 options.
const RA = fromHex(
  '8600b2374088070800007530000003e8' +
    '0101020000000001' +
    '05010000000005dc' +
    '030440c000015180000038400000000020010db8000100000000000000000000',
);
// fe80::1 > ff02::1 "multicast listener querymax resp delay: 10000 addr: ::"
const MLDQ1 = fromHex('820059172710000000000000000000000000000000000000');
// fe80::1 > ff02::1 "multicast listener query v2 [max resp delay=10000] [gaddr ff02::1:ff00:2 sflag robustness=2 qqi=125 { 4321::1 4321::5 }]"
const MLDQ2 = fromHex(
  '8200ca2427100000ff0200000000000000000001ff0000020a7d0002' + '43210000000000000000000000000001' + '43210000000000000000000000000005',
);
// fe80::1 > 4321::1 "redirect, length 40, 4444::2 to fe80::2" (a type this codec keeps as bytes)
const REDIRECT = fromHex('8900f22f00000000fe80000000000000000000000000000244440000000000000000000000000002');
const LL1 = ipv6('fe80::1');
const ALL_NODES = ipv6('ff02::1');

describe('ICMPv6 echo', () => {
  it('parseIcmpv6() reads a kernel echo request carried in AH (deconstruct)', () => {
    // vectors__ah-sha1.pcap frame 1: "ICMP6, echo request, id 771, seq 1, length 64", ping -p 41424344.
    const { msg, src, dst } = captured('vectors__ah-sha1.pcap', 1, 64);
    const r = roundTrip(msg, src, dst);
    expect(r).toMatchObject({ kind: 'echo-request', id: 771, seq: 1 });
    if (r.kind !== 'echo-request') throw new Error('kind');
    expect(r.data.length).toBe(56);
    expect(toHex(r.data.subarray(16))).toBe('41424344'.repeat(10));
  });

  it('parseIcmpv6() reads a kernel echo reply and emitIcmpv6() computes the kernel checksum (construct)', () => {
    // router_as_intended router_eth0 frame 7: "4444::2 > 4321::2: [icmp6 sum ok] ICMP6, echo reply, id 893, seq 1".
    const { msg, src, dst } = captured('router_as_intended__router_eth0.pcap', 7);
    const r = roundTrip(msg, src, dst);
    expect(r).toMatchObject({ kind: 'echo-reply', id: 893, seq: 1 });
  });

  it('parseIcmpv6() reports truncation for an echo shorter than 8 bytes (check-length)', () => {
    const { msg } = captured('router_as_intended__router_eth0.pcap', 7);
    for (let n = 0; n < 8; n++) {
      const r = parseIcmpv6(msg.subarray(0, n));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ kind: 'truncated', what: n < 4 ? 'icmpv6' : 'icmpv6.echo' });
    }
  });
});

describe('ICMPv6 errors', () => {
  it('parseIcmpv6() reads the kernel port unreachable sent back through AH, with its invoking packet', () => {
    // vectors__ah-hbh.pcap frame 2: "[icmp6 sum ok] ICMP6, destination unreachable, unreachable port, 4321::2 udp port 7777".
    const { msg, src, dst } = captured('vectors__ah-hbh.pcap', 2, 64);
    const r = roundTrip(msg, src, dst);
    expect(r).toMatchObject({ kind: 'dest-unreach', code: ICMPV6_CODE.PORT_UNREACH });
    if (r.kind !== 'dest-unreach') throw new Error('kind');
    // The invoking packet is the one a sent (frame 1) as b received it, AH removed: HBH then UDP.
    expect(toHex(r.invoking.subarray(40, 48))).toBe('11003e04deadbeef');
    expect(new TextDecoder().decode(r.invoking.subarray(56))).toBe('hello-hbh');
  });

  it('parseIcmpv6() reads packet too big, time exceeded and parameter problem (deconstruct)', () => {
    expect(expectOk(parseIcmpv6(PTB, 0, ERR_SRC, ERR_DST))).toMatchObject({ kind: 'packet-too-big', mtu: 1280, invoking: INVOKING });
    expect(expectOk(parseIcmpv6(TE, 0, ERR_SRC, ERR_DST))).toMatchObject({ kind: 'time-exceeded', code: 0, invoking: INVOKING });
    expect(expectOk(parseIcmpv6(PP, 0, ERR_SRC, ERR_DST))).toMatchObject({
      kind: 'param-problem',
      code: ICMPV6_CODE.UNK_NEXTHDR,
      pointer: 40,
      invoking: INVOKING,
      checksumOk: true,
    });
  });

  it('emitIcmpv6() writes the three errors as Scapy does (construct)', () => {
    expect(toHex(emitIcmpv6({ kind: 'packet-too-big', mtu: 1280, invoking: INVOKING }, ERR_SRC, ERR_DST))).toBe(toHex(PTB));
    expect(toHex(emitIcmpv6({ kind: 'time-exceeded', code: 0, invoking: INVOKING }, ERR_SRC, ERR_DST))).toBe(toHex(TE));
    expect(toHex(emitIcmpv6({ kind: 'param-problem', code: 1, pointer: 40, invoking: INVOKING }, ERR_SRC, ERR_DST))).toBe(toHex(PP));
  });

  it('parseIcmpv6() reports truncation for an error shorter than 8 bytes (check-length)', () => {
    for (let n = 4; n < 8; n++) {
      const r = parseIcmpv6(PTB.subarray(0, n));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ kind: 'truncated', what: 'icmpv6.error' });
    }
  });
});

describe('neighbour discovery messages', () => {
  it('parseIcmpv6() reads a kernel neighbour solicitation (deconstruct, construct)', () => {
    // mesh_as_intended_nd link_n1 frame 7: "4321::1 > ff02::1:ff00:2: [icmp6 sum ok] ICMP6, neighbor solicitation, length 32, who has 4321::2".
    const { msg, src, dst } = captured('mesh_as_intended_nd__link_n1.pcap', 7);
    const r = roundTrip(msg, src, dst);
    expect(r).toEqual({
      kind: 'neighbour-solicit',
      target: ipv6('4321::2'),
      options: [{ kind: 'source-ll-addr', address: fromHex('b6ac01deef93') }],
      type: 135,
      code: 0,
      checksum: 0x4b39,
      checksumOk: true,
    });
  });

  it('parseIcmpv6() reads the router, solicited and override flags of a kernel advertisement', () => {
    // router_as_intended router_eth0 frame 2: "neighbor advertisement, length 32, tgt is 4321::1, Flags [router, solicited, override]".
    const { msg, src, dst } = captured('router_as_intended__router_eth0.pcap', 2);
    const r = roundTrip(msg, src, dst);
    expect(r).toMatchObject({ kind: 'neighbour-advert', router: true, solicited: true, override: true, target: ipv6('4321::1') });
  });

  it('parseIcmpv6() reads a kernel advertisement with only the solicited flag and no option', () => {
    // mesh_as_intended_nd link_n1 frame 20: "neighbor advertisement, length 24, tgt is 4321::1, Flags [solicited]".
    const { msg, src, dst } = captured('mesh_as_intended_nd__link_n1.pcap', 20);
    const r = roundTrip(msg, src, dst);
    expect(r).toMatchObject({ kind: 'neighbour-advert', router: false, solicited: true, override: false, options: [] });
  });

  it('parseIcmpv6() reads a kernel router solicitation', () => {
    // vectors__esp-cbc-noauth.pcap frame 1: "fe80::6466:49ff:fe35:5f27 > ff02::2: router solicitation, length 16",
    // "source link-address option (1), length 8 (1): 66:66:49:35:5f:27".
    const { msg, src, dst } = captured('vectors__esp-cbc-noauth.pcap', 1);
    const r = roundTrip(msg, src, dst);
    expect(r).toMatchObject({ kind: 'router-solicit', options: [{ kind: 'source-ll-addr', address: fromHex('666649355f27') }] });
  });

  it('parseIcmpv6() reads a router advertisement with its options, and emitIcmpv6() writes it back', () => {
    const r = roundTrip(RA, LL1, ALL_NODES);
    expect(r).toMatchObject({ kind: 'router-advert', curHopLimit: 64, routerLifetime: 1800, reachableTime: 30000, retransTimer: 1000 });
    if (r.kind !== 'router-advert') throw new Error('kind');
    expect(r.flags & ND_RA_FLAG_MANAGED).toBe(ND_RA_FLAG_MANAGED);
    expect((r.flags & ND_RA_FLAG_PRF_MASK) >> 3).toBe(1); // "pref high"
    expect(r.options).toEqual([
      { kind: 'source-ll-addr', address: fromHex('020000000001') },
      { kind: 'mtu', mtu: 1500 },
      {
        kind: 'prefix-info',
        prefixLength: 64,
        flags: ND_OPT_PI_FLAG_ONLINK | ND_OPT_PI_FLAG_AUTO,
        validLifetime: 86400,
        preferredLifetime: 14400,
        prefix: ipv6('2001:db8:1::'),
      },
    ]);
  });

  it('parseIcmpv6() reports truncation for ND messages cut before or inside their options (check-length)', () => {
    const { msg } = captured('mesh_as_intended_nd__link_n1.pcap', 7);
    for (let n = 4; n < msg.length; n++) {
      if (n === 24) continue; // an NS without options is complete
      const r = parseIcmpv6(msg.subarray(0, n));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.kind).toBe('truncated');
    }
    for (const [m, min] of [
      [RA, 16],
      [fromHex('8500000000000000'), 8],
      [fromHex('8800000000000000' + '00'.repeat(16)), 24],
    ] as const) {
      for (let n = 4; n < min; n++) expect(parseIcmpv6(m.subarray(0, n)).ok).toBe(false);
    }
  });

  it('parseIcmpv6() refuses an ND option of length 0 and names the message', () => {
    const bad = fromHex('8500000000000000' + '0100000000000000');
    const r = parseIcmpv6(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ kind: 'malformed', what: 'icmpv6.router-solicit.nd.option' });
  });
});

describe('MLD', () => {
  it('parseIcmpv6() reads a kernel MLDv2 report with two change-to-exclude records', () => {
    // mesh_as_intended_nd link_n1 frame 1, after the hop-by-hop header: "[icmp6 sum ok] ICMP6, multicast listener report v2,
    // 2 group record(s) [gaddr ff02::1:ff00:3 to_ex { }] [gaddr ff02::1:ff8a:d24b to_ex { }]".
    const { msg, src, dst } = captured('mesh_as_intended_nd__link_n1.pcap', 1, 48);
    const r = roundTrip(msg, src, dst);
    expect(r).toEqual({
      kind: 'mld2-report',
      records: [
        { type: MLD2.CHANGE_TO_EXCLUDE, auxData: new Uint8Array(0), multicastAddress: ipv6('ff02::1:ff00:3'), sources: [] },
        { type: MLD2.CHANGE_TO_EXCLUDE, auxData: new Uint8Array(0), multicastAddress: ipv6('ff02::1:ff8a:d24b'), sources: [] },
      ],
      type: 143,
      code: 0,
      checksum: 0xdbc4,
      checksumOk: true,
    });
  });

  it('parseIcmpv6() reads MLDv1 and MLDv2 queries and emitIcmpv6() writes them back', () => {
    expect(roundTrip(MLDQ1, LL1, ALL_NODES)).toMatchObject({ kind: 'mld-query', maxResponseCode: 10000, multicastAddress: ipv6('::') });
    expect(roundTrip(MLDQ1, LL1, ALL_NODES)).not.toHaveProperty('v2');
    expect(roundTrip(MLDQ2, LL1, ALL_NODES)).toMatchObject({
      kind: 'mld-query',
      maxResponseCode: 10000,
      multicastAddress: ipv6('ff02::1:ff00:2'),
      v2: { suppress: true, qrv: 2, qqic: 125, sources: [ipv6('4321::1'), ipv6('4321::5')] },
    });
  });

  it('parseIcmpv6() reads MLDv1 report and done, and emitIcmpv6() writes them with the checksum tcpdump accepts', () => {
    // Hand-built (RFC 2710 section 3) and read by tcpdump 4.99.3 -vv as
    // "fe80::1 > ff02::1:ff00:2: [icmp6 sum ok] ICMP6, multicast listener reportmax resp delay: 0 addr: ff02::1:ff00:2" and
    // "fe80::1 > ff02::2: [icmp6 sum ok] ICMP6, multicast listener donemax resp delay: 0 addr: ff02::1:ff00:2".
    const report = fromHex('8300821d00000000ff0200000000000000000001ff000002');
    const done = fromHex('8400801f00000000ff0200000000000000000001ff000002');
    const group = ipv6('ff02::1:ff00:2');
    expect(roundTrip(report, ipv6('fe80::1'), group)).toEqual({
      kind: 'mld1-report',
      multicastAddress: group,
      type: 131,
      code: 0,
      checksum: 0x821d,
      checksumOk: true,
    });
    expect(roundTrip(done, ipv6('fe80::1'), ipv6('ff02::2'))).toMatchObject({ kind: 'mld1-done', multicastAddress: group });
    expect(toHex(emitIcmpv6({ kind: 'mld1-done', multicastAddress: group }, ipv6('fe80::1'), ipv6('ff02::2')))).toBe(toHex(done));
    for (let n = 4; n < 24; n++) {
      const r = parseIcmpv6(report.subarray(0, n));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toEqual({ kind: 'truncated', what: 'icmpv6.mld1-report', detail: `needs 24 bytes, has ${n}` });
    }
  });

  it('parseIcmpv6() reports truncation for a cut MLDv2 report or query (check-length)', () => {
    const { msg } = captured('mesh_as_intended_nd__link_n1.pcap', 1, 48);
    for (let n = 4; n < msg.length; n++) {
      const r = parseIcmpv6(msg.subarray(0, n));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.kind).toBe('truncated');
    }
    for (let n = 4; n < MLDQ2.length; n++) {
      if (n === 24) continue; // exactly an MLDv1 query
      const r = parseIcmpv6(MLDQ2.subarray(0, n));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.kind).toBe('truncated');
    }
  });
});

describe('other ICMPv6 messages', () => {
  it('parseIcmpv6() keeps a type it does not decode as bytes, and emitIcmpv6() writes them back', () => {
    const r = roundTrip(REDIRECT, LL1, ipv6('4321::1'));
    expect(r).toMatchObject({ kind: 'unknown', type: 137, code: 0 });
    if (r.kind !== 'unknown') throw new Error('kind');
    expect(toHex(r.body)).toBe(toHex(REDIRECT.subarray(4)));
  });

  it('parseIcmpv6() accepts a 4-byte message of an unknown type and refuses anything shorter', () => {
    expect(expectOk(parseIcmpv6(fromHex('c8050000')))).toMatchObject({ kind: 'unknown', type: 200, code: 5, body: new Uint8Array(0) });
    const r = parseIcmpv6(fromHex('c805ff'));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ kind: 'truncated', what: 'icmpv6', detail: 'needs 4 bytes, has 3' });
  });

  it('icmpv6Type() gives the number of each kind', () => {
    expect(icmpv6Type({ kind: 'echo-request', id: 0, seq: 0, data: new Uint8Array(0) })).toBe(128);
    expect(icmpv6Type({ kind: 'neighbour-advert', router: false, solicited: false, override: false, target: LL1, options: [] })).toBe(136);
    expect(icmpv6Type({ kind: 'mld2-report', records: [] })).toBe(143);
    expect(icmpv6Type({ kind: 'mld1-report', multicastAddress: LL1 })).toBe(131);
    expect(icmpv6Type({ kind: 'mld1-done', multicastAddress: LL1 })).toBe(132);
    expect(icmpv6Type({ kind: 'unknown', type: 137, code: 0, body: new Uint8Array(0) })).toBe(137);
  });
});

describe('icmpv6ErrorInvoking()', () => {
  it('keeps a packet of up to 1232 bytes whole, so the error fits the 1280-byte minimum MTU (RFC 4443 section 2.4 (c))', () => {
    expect(ICMPV6_ERROR_INVOKING_MAX).toBe(1280 - 40 - 8);
    expect(toHex(icmpv6ErrorInvoking(INVOKING))).toBe(toHex(INVOKING));
    const exact = new Uint8Array(1232).fill(3);
    expect(icmpv6ErrorInvoking(exact)).toEqual(exact);
  });

  it('cuts a longer packet to its first 1232 bytes, and the error built from it is 1280 bytes with the IPv6 header', () => {
    const big = Uint8Array.from({ length: 1500 }, (_, i) => i & 0xff);
    const invoking = icmpv6ErrorInvoking(big);
    expect(invoking).toEqual(big.subarray(0, 1232));
    const err = emitIcmpv6({ kind: 'dest-unreach', code: ICMPV6_CODE.PORT_UNREACH, invoking }, ipv6('4321::2'), ipv6('4321::1'));
    expect(40 + err.length).toBe(1280);
  });

  it('returns a copy, so the error does not change with the packet it quotes', () => {
    const pkt = INVOKING.slice();
    const invoking = icmpv6ErrorInvoking(pkt);
    pkt.fill(0);
    expect(toHex(invoking)).toBe(toHex(INVOKING));
  });
});

describe('ICMPv6 checksum', () => {
  it('parseIcmpv6() leaves checksumOk out without addresses and reports a bad checksum without failing', () => {
    const { msg, src, dst } = captured('mesh_as_intended_nd__link_n1.pcap', 7);
    expect(expectOk(parseIcmpv6(msg))).not.toHaveProperty('checksumOk');
    const bad = msg.slice();
    bad[ICMP6_CKSUM]! ^= 0x01;
    expect(expectOk(parseIcmpv6(bad, 0, src, dst)).checksumOk).toBe(false);
    expect(icmpv6ChecksumOk(src, dst, bad)).toBe(false);
    expect(checksumOk(src, dst, msg)).toBe(true);
  });

  it('the checksum covers the pseudo-header: another destination fails it', () => {
    const { msg, src } = captured('mesh_as_intended_nd__link_n1.pcap', 7);
    expect(icmpv6ChecksumOk(src, ipv6('ff02::1:ff00:3'), msg)).toBe(false);
  });

  it('emitIcmpv6Unchecked() leaves the checksum field zero', () => {
    const out = emitIcmpv6Unchecked({ kind: 'echo-request', id: 1, seq: 2, data: fromHex('aa') });
    expect(toHex(out)).toBe('80000000' + '00010002' + 'aa');
  });

  it('parseIcmpv6() reads a message at an offset inside a packet', () => {
    const pkt = packet('mesh_as_intended_nd__link_n1.pcap', 7);
    expect(expectOk(parseIcmpv6(pkt, 40, pkt.slice(8, 24), pkt.slice(24, 40)))).toMatchObject({
      kind: 'neighbour-solicit',
      checksumOk: true,
    });
  });
});
