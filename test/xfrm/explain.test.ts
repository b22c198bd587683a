import { describe, expect, test } from 'vitest';
import { ipv6 } from '../../src/wire/ipv6-address.js';
import { describeSecPath, nearestInbound } from '../../src/xfrm/explain.js';
import { secPathEntry } from '../../src/xfrm/output.js';
import { A, B, makeNs, sa } from './engine-helpers.js';

describe('explanations of failed lookups', () => {
  test('nearestInbound() names the SA that differs in the fewest fields, and which fields', () => {
    const ns = makeNs();
    ns.sad.add(sa({ src: A, dst: ipv6('4321::3'), spi: 0x10e1, proto: 'ah' }), 0);
    ns.sad.add(sa({ src: A, dst: B, spi: 0x2000, proto: 'esp' }), 0);
    const text = nearestInbound(ns.sad.list(), { daddr: B, spi: 0x10e1, proto: 'ah', mark: 0 });
    expect(text).toBe('nearest: ah spi 0x000010e1 src 4321::1 dst 4321::3 mode transport (differs in dst)');
  });

  test('nearestInbound() says none when no SA shares a field, and lists ties', () => {
    const ns = makeNs();
    expect(nearestInbound(ns.sad.list(), { daddr: B, spi: 1, proto: 'esp', mark: 0 })).toBe('nearest: none');
    ns.sad.add(sa({ dst: B, spi: 0x11, proto: 'esp' }), 0);
    ns.sad.add(sa({ dst: B, spi: 0x12, proto: 'esp' }), 0);
    const text = nearestInbound(ns.sad.list(), { daddr: B, spi: 0x13, proto: 'esp', mark: 0 });
    expect(text.match(/differs in spi/g)).toHaveLength(2);
  });

  test('describeSecPath() lists the SAs outermost first, or says the packet came unprotected', () => {
    const peer = makeNs('peer');
    peer.sad.add(sa({ dst: B, spi: 0x10e1, proto: 'ah' }), 0);
    expect(describeSecPath([])).toBe('empty (the packet arrived unprotected)');
    expect(describeSecPath(peer.sad.list().map(secPathEntry))).toBe('ah transport spi 0x000010e1');
  });
});
