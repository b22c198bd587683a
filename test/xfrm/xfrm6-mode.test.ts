import { describe, expect, it } from 'vitest';
import { readIpv6 } from '../../src/wire/ipv6.js';
import { ipv6 } from '../../src/wire/ipv6-address.js';
import { expectOk } from '../../src/wire/result.js';
import { nextHeaderOffsetBefore, splitForTransport, tunnelInner, tunnelOuterHeader } from '../../src/xfrm/xfrm6-mode.js';
import { A, echo, IPPROTO, optionsHeader, packet, routingHeader0 } from './packets.js';

const OUTER = { src: ipv6('1::1'), dst: ipv6('2::2'), hopLimit: 64 };
const tosOf = (h: Uint8Array) => readIpv6(h).trafficClass;

describe('tunnelOuterHeader() (xfrm6_tunnel_encap_add)', () => {
  it('copies the inner flow label and traffic class and takes addresses and hop limit from the SA and route', () => {
    const inner = packet(IPPROTO.ICMPV6, echo(), [], { trafficClass: 0x28, flowLabel: 0x25ff9, hopLimit: 7 });
    const h = readIpv6(tunnelOuterHeader(inner, OUTER, IPPROTO.ESP, 100));
    expect(h).toMatchObject({ trafficClass: 0x28, flowLabel: 0x25ff9, hopLimit: 64, nextHeader: IPPROTO.ESP, payloadLength: 100 });
    expect([...h.src, ...h.dst]).toEqual([...OUTER.src, ...OUTER.dst]);
  });

  it('turns an inner CE into ECT(0) outside and keeps ECT(0)/ECT(1) as they are (INET_ECN_encapsulate)', () => {
    const outerTos = (tos: number) =>
      tosOf(tunnelOuterHeader(packet(IPPROTO.UDP, new Uint8Array(8), [], { trafficClass: tos }), OUTER, 50, 0));
    expect(outerTos(0xb8 | 3)).toBe(0xb8 | 2);
    expect(outerTos(0xb8 | 2)).toBe(0xb8 | 2);
    expect(outerTos(0xb8 | 1)).toBe(0xb8 | 1);
    expect(outerTos(0xb8)).toBe(0xb8);
  });

  it('clears the DSCP with dont-encap-dscp (ECN still copied) and the ECN with noecn', () => {
    const inner = packet(IPPROTO.UDP, new Uint8Array(8), [], { trafficClass: 0xb8 | 1 });
    expect(tosOf(tunnelOuterHeader(inner, { ...OUTER, dontEncapDscp: true }, 50, 0))).toBe(1);
    expect(tosOf(tunnelOuterHeader(inner, { ...OUTER, noEcn: true }, 50, 0))).toBe(0xb8);
  });
});

describe('tunnelInner() (xfrm6_remove_tunnel_encap)', () => {
  const outerWith = (tos: number) => packet(IPPROTO.ESP, new Uint8Array(0), [], { trafficClass: tos }).subarray(0, 40);
  const innerWith = (tos: number) => packet(IPPROTO.ICMPV6, echo(), [], { trafficClass: tos, flowLabel: 0xfffff });

  it('marks an ECN-capable inner packet CE when the outer one is CE, and leaves Not-ECT alone', () => {
    expect(tosOf(expectOk(tunnelInner(outerWith(3), 41, innerWith(0x28 | 2))))).toBe(0x28 | 3);
    expect(tosOf(expectOk(tunnelInner(outerWith(3), 41, innerWith(0x28))))).toBe(0x28);
    expect(tosOf(expectOk(tunnelInner(outerWith(3), 41, innerWith(0x28 | 2), { noEcn: true })))).toBe(0x28 | 2);
  });

  it('copies the outer DSCP only with decap-dscp', () => {
    expect(tosOf(expectOk(tunnelInner(outerWith(0xb8), 41, innerWith(0x28 | 1))))).toBe(0x28 | 1);
    expect(tosOf(expectOk(tunnelInner(outerWith(0xb8), 41, innerWith(0x28 | 1), { decapDscp: true })))).toBe(0xb8 | 1);
  });

  it('keeps the flow label and refuses a payload that is not IPv6 (XfrmInStateModeError)', () => {
    expect(readIpv6(expectOk(tunnelInner(outerWith(0), 41, innerWith(0)))).flowLabel).toBe(0xfffff);
    expect(tunnelInner(outerWith(0), IPPROTO.ICMPV6, echo()).ok).toBe(false);
    expect(tunnelInner(outerWith(0), 41, echo()).ok).toBe(false);
  });
});

describe('splitForTransport() and nextHeaderOffsetBefore()', () => {
  it('splits after hop-by-hop and a routing header, before destination options after routing', () => {
    const p = packet(IPPROTO.UDP, new Uint8Array(8), [
      [IPPROTO.HOPOPTS, optionsHeader([])],
      [IPPROTO.ROUTING, routingHeader0([A], 0)],
      [IPPROTO.DSTOPTS, optionsHeader([])],
    ]);
    const s = expectOk(splitForTransport(p));
    expect([s.header.length, s.nextHeaderOffset, s.protocol]).toEqual([40 + 8 + 24, 48, IPPROTO.DSTOPTS]);
  });

  it('finds the next-header byte that names an IPsec header', () => {
    const p = packet(IPPROTO.ESP, new Uint8Array(16), [[IPPROTO.HOPOPTS, optionsHeader([])]]);
    expect(expectOk(nextHeaderOffsetBefore(p, 48))).toBe(40);
    expect(expectOk(nextHeaderOffsetBefore(packet(IPPROTO.ESP, new Uint8Array(16)), 40))).toBe(6);
    expect(nextHeaderOffsetBefore(p, 44).ok).toBe(false);
  });
});
