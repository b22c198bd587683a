import { describe, expect, it } from 'vitest';
import { emitFragmentHeader } from '../../src/wire/ext-headers.js';
import { IPPROTO } from '../../src/wire/proto.js';
import { decodeSession6 } from '../../src/xfrm/flow.js';
import { A, B } from './engine-helpers.js';
import { echo, optionsHeader, packet, routingHeader0 } from './packets.js';

const udp = (sport: number, dport: number) => new Uint8Array([sport >> 8, sport & 0xff, dport >> 8, dport & 0xff, 0, 8, 0, 0]);
const frag = (offset: number) => emitFragmentHeader({ nextHeader: 0, fragmentOffset: offset, moreFragments: true, identification: 7 });
const ctx = { oif: 1, mark: 0x42 };

describe('decodeSession6() (kernel: decode_session6)', () => {
  const cases: { name: string; pkt: Uint8Array; proto: number; sport: number; dport: number }[] = [
    // kernel-semantics §1.2: ICMPv6 type and code stand in for the ports
    { name: 'ICMPv6 echo request: type 128, code 0', pkt: packet(IPPROTO.ICMPV6, echo()), proto: 58, sport: 128, dport: 0 },
    { name: 'UDP ports', pkt: packet(IPPROTO.UDP, udp(1025, 53)), proto: 17, sport: 1025, dport: 53 },
    {
      name: 'UDP behind hop-by-hop, routing and destination options',
      pkt: packet(IPPROTO.UDP, udp(7, 9), [
        [IPPROTO.HOPOPTS, optionsHeader([])],
        [IPPROTO.ROUTING, routingHeader0([B], 0)],
        [IPPROTO.DSTOPTS, optionsHeader([])],
      ]),
      proto: 17,
      sport: 7,
      dport: 9,
    },
    // selector.ts: ports are 0 behind any Fragment header (onlyproto)
    {
      name: 'first fragment: protocol only',
      pkt: packet(IPPROTO.UDP, udp(7, 9), [[IPPROTO.FRAGMENT, frag(0)]]),
      proto: 17,
      sport: 0,
      dport: 0,
    },
    {
      name: 'later fragment: protocol only',
      pkt: packet(IPPROTO.UDP, udp(7, 9), [[IPPROTO.FRAGMENT, frag(100)]]),
      proto: 17,
      sport: 0,
      dport: 0,
    },
    // AH and ESP are protocols for the flow, not headers to skip
    { name: 'ESP', pkt: packet(IPPROTO.ESP, new Uint8Array(16)), proto: 50, sport: 0, dport: 0 },
    { name: 'AH', pkt: packet(IPPROTO.AH, new Uint8Array(24)), proto: 51, sport: 0, dport: 0 },
    { name: 'UDP cut short: protocol without ports', pkt: packet(IPPROTO.UDP, new Uint8Array(3)), proto: 17, sport: 0, dport: 0 },
  ];
  for (const c of cases) {
    it(`${c.name}`, () => {
      const r = decodeSession6(c.pkt, ctx);
      if (!r.ok) throw new Error(r.error.detail);
      expect([r.value.proto, r.value.sport, r.value.dport]).toEqual([c.proto, c.sport, c.dport]);
      expect([r.value.src, r.value.dst, r.value.oif, r.value.mark, r.value.family]).toEqual([A, B, 1, 0x42, 'inet6']);
    });
  }

  it('refuses less than an IPv6 header', () => {
    expect(decodeSession6(new Uint8Array(39), ctx).ok).toBe(false);
  });
});
