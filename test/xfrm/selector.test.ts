import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipv6 } from '../../src/wire/ipv6-address.js';
import { IPPROTO } from '../../src/wire/proto.js';
import {
  addrMatch,
  makeSelector,
  prefixHash,
  selectorKey,
  selectorMatch,
  type XfrmFlow,
  type XfrmSelector,
} from '../../src/xfrm/selector.js';
import { ECHO, sel } from './selector-spec.js';

const udp = (dport: number, sport = 40000): XfrmFlow => ({ ...ECHO, proto: IPPROTO.UDP, sport, dport });

describe('addrMatch()', () => {
  it.each([
    ['4321::1', '5555::9', 0, true],
    ['4321::1', '4321::2', 64, true],
    ['4321::1', '4321::2', 126, true],
    ['4321::1', '4321::2', 127, false],
    ['4321::2', '4321::3', 127, true],
    ['4321::2', '4321::3', 128, false],
    ['4321::1', '4321::1', 128, true],
    ['7fff::', '::', 1, true],
    ['8000::', '::', 1, false],
    ['fff8::', 'fff0::', 12, true],
    ['fff8::', 'fff0::', 13, false],
    ['4321:0:0:1::', '4321::', 63, true],
    ['4321:0:0:1::', '4321::', 64, false],
  ])('compares %s and %s on their first %i bits (%s)', (a, b, len, expected) => {
    expect(addrMatch(ipv6(a), ipv6(b), len)).toBe(expected);
  });
});

describe('selectorMatch()', () => {
  // kernel-semantics §1.2 and the masks iproute2 sets, VERIFIED e07 T3 (ICMPv6) and T4 (ports).
  it.each<[string, XfrmSelector, XfrmFlow, boolean]>([
    ['type 128 matches an echo request', sel({ proto: IPPROTO.ICMPV6, type: 128 }), ECHO, true],
    ['type 129 does not match an echo request', sel({ proto: IPPROTO.ICMPV6, type: 129 }), ECHO, false],
    ['type 128 code 1 does not match an echo request (code 0)', sel({ proto: IPPROTO.ICMPV6, type: 128, code: 1 }), ECHO, false],
    ['code 0 alone matches an echo request', sel({ proto: IPPROTO.ICMPV6, code: 0 }), ECHO, true],
    ['code 0 alone matches a neighbour solicitation', sel({ proto: IPPROTO.ICMPV6, code: 0 }), { ...ECHO, sport: 135 }, true],
    ['code 0 alone does not match code 1', sel({ proto: IPPROTO.ICMPV6, code: 0 }), { ...ECHO, sport: 1, dport: 1 }, false],
    ['type 0 matches only type 0, not an echo request', sel({ proto: IPPROTO.ICMPV6, type: 0 }), ECHO, false],
    ['type 0 matches type 0', sel({ proto: IPPROTO.ICMPV6, type: 0 }), { ...ECHO, sport: 0 }, true],
    ['udp dport 53 matches a datagram to port 53', sel({ proto: IPPROTO.UDP, dport: 53 }), udp(53), true],
    ['udp dport 53 does not match port 54', sel({ proto: IPPROTO.UDP, dport: 53 }), udp(54), false],
    ['udp sport 4000 matches source port 4000', sel({ proto: IPPROTO.UDP, sport: 4000 }), udp(53, 4000), true],
    ['udp sport 4000 does not match source port 4001', sel({ proto: IPPROTO.UDP, sport: 4000 }), udp(53, 4001), false],
    ['`sport 0` is a wildcard', sel({ proto: IPPROTO.UDP, sport: 0, dport: 53 }), udp(53, 4001), true],
    ['proto tcp does not match udp', sel({ proto: IPPROTO.TCP }), udp(53), false],
    ['proto 0 (any) matches udp', sel({}), udp(53), true],
    ['proto 0 (any) matches ICMPv6', sel({}), ECHO, true],
  ])('%s', (_name, s, flow, expected) => {
    expect(selectorMatch(s, flow)).toBe(expected);
  });

  it('compares sport under its mask, so sport 0 with mask 0xffff matches only port 0', () => {
    // What a request that sets the mask itself gets (kernel: !((sport ^ sel->sport) & sel->sport_mask)).
    const s = makeSelector({ family: 'inet6', proto: IPPROTO.UDP, sport: 0, sportMask: 0xffff });
    expect(selectorMatch(s, udp(53, 0))).toBe(true);
    expect(selectorMatch(s, udp(53, 4001))).toBe(false);
    // A partial mask compares only the masked bits.
    const high = makeSelector({ family: 'inet6', proto: IPPROTO.UDP, dport: 0x1200, dportMask: 0xff00 });
    expect(selectorMatch(high, udp(0x12ab))).toBe(true);
    expect(selectorMatch(high, udp(0x13ab))).toBe(false);
  });

  it('matches `dev` against the flow oif, 0 matching every oif', () => {
    // kernel-semantics §1.3, VERIFIED e07 T1/T2: unbound sockets have oif 0, local input has oif lo.
    const eth0 = 2;
    const lo = 1;
    expect(selectorMatch(sel({ dev: eth0 }), ECHO)).toBe(false);
    expect(selectorMatch(sel({ dev: eth0 }), { ...ECHO, oif: eth0 })).toBe(true);
    expect(selectorMatch(sel({ dev: eth0 }), { ...ECHO, oif: lo })).toBe(false);
    expect(selectorMatch(sel({ dev: lo }), { ...ECHO, oif: lo })).toBe(true);
    expect(selectorMatch(sel({}), { ...ECHO, oif: eth0 })).toBe(true);
  });

  it('checks source and destination prefixes independently', () => {
    expect(selectorMatch(sel({ src: '4321::/64', dst: '4321::2' }), ECHO)).toBe(true);
    expect(selectorMatch(sel({ src: '4321::2', dst: '4321::2' }), ECHO)).toBe(false);
    expect(selectorMatch(sel({ src: '4321::1', dst: '4321::1' }), ECHO)).toBe(false);
    expect(selectorMatch(sel({ dst: '4321::/64' }), { ...ECHO, dst: ipv6('4321:0:0:1::2') })).toBe(false);
  });
});

describe('selectorKey()', () => {
  it('is equal for equal selectors built separately', () => {
    expect(selectorKey(sel({ src: '4321::1', dst: '4321::/64', proto: 17, dport: 53 }))).toBe(
      selectorKey(sel({ src: '4321::1', dst: '4321::/64', proto: 17, dport: 53 })),
    );
  });

  it('compares the raw address, so 4321::1/64 and 4321::/64 are different selectors', () => {
    // kernel: selector_cmp compares the whole struct; the address bits behind the prefix included.
    expect(selectorKey(sel({ dst: '4321::1/64' }))).not.toBe(selectorKey(sel({ dst: '4321::/64' })));
  });

  it('tells selectors apart by prefix length, ports, masks, proto, dev and family', () => {
    const base = sel({ dst: '4321::/64' });
    const variants: XfrmSelector[] = [
      { ...base, prefixlenD: 65 },
      { ...base, prefixlenS: 1 },
      { ...base, proto: 58 },
      { ...base, sport: 1 },
      { ...base, sportMask: 1 },
      { ...base, dport: 1 },
      { ...base, dportMask: 1 },
      { ...base, ifindex: 2 },
      { ...base, family: 'inet' },
    ];
    const keys = new Set([base, ...variants].map(selectorKey));
    expect(keys.size).toBe(variants.length + 1);
  });
});

describe('prefixHash()', () => {
  it('is equal for two addresses whose first n bits are equal', () => {
    const addr = fc.uint8Array({ minLength: 16, maxLength: 16 });
    fc.assert(
      fc.property(addr, addr, fc.integer({ min: 0, max: 128 }), fc.integer({ min: 0, max: 127 }), (a, b, n, copy) => {
        // Share a random number of leading bits so that equal prefixes are common too.
        const c = b.slice();
        c.set(a.subarray(0, copy >> 3));
        if (addrMatch(a, c, n)) expect(prefixHash(a, n)).toBe(prefixHash(c, n));
      }),
    );
  });

  it('ignores the bits after the prefix, and tells prefixes of different lengths apart', () => {
    const a = Uint8Array.from({ length: 16 }, (_, i) => 0x20 + i);
    const b = a.slice();
    b[15] = 0xff;
    expect(prefixHash(a, 64)).toBe(prefixHash(b, 64));
    expect(prefixHash(a, 120)).toBe(prefixHash(b, 120));
    expect(prefixHash(a, 128)).not.toBe(prefixHash(b, 128));
    expect(prefixHash(a, 48)).not.toBe(prefixHash(a, 64));
  });

  it('spreads 100 000 distinct /128 and /64 prefixes over small integers with few collisions', () => {
    for (const bits of [128, 64]) {
      const seen = new Set<number>();
      const a = new Uint8Array(16);
      for (let i = 0; i < 100_000; i++) {
        // Distinct in the last 32 bits of the prefix.
        const at = bits / 8 - 4;
        new DataView(a.buffer).setUint32(at, i * 2654435761);
        const h = prefixHash(a, bits);
        expect(Number.isInteger(h) && h >= 0 && h < 2 ** 30).toBe(true);
        seen.add(h);
      }
      // A random 30-bit function gives about n^2 / 2^31 = 5 collisions here.
      expect(seen.size).toBeGreaterThan(100_000 - 50);
    }
  });
});
