/**
 * Fragmentation at the source and reassembly, on bytes and through a host's queues. The sizes are
 * the kernel's: test/conformance/kernel/cases/frag_local and frag_forward_ptb (Linux 6.1 under
 * user-mode-linux) cut a 2048-byte echo at mtu 1500 into 1448 + 560 bytes of data, a 1448-byte
 * one at mtu 1280 into 1232 + 176.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { fragmentPacket } from '../../src/stack/ip6-fragment.js';
import { ipv6FragRcv } from '../../src/stack/reassembly.js';
import type { Skb } from '../../src/stack/types.js';
import { TERMINAL_KINDS } from '../../src/stack/types.js';
import { World } from '../../src/stack/world.js';
import { emitOptionsHeader, emitRoutingHeader, paddingOptions, parseFragmentHeader } from '../../src/wire/ext-headers.js';
import { emitIcmpv6 } from '../../src/wire/icmpv6.js';
import { buildIpv6Packet } from '../../src/wire/ipv6.js';
import { IPPROTO } from '../../src/wire/proto.js';
import { expectOk } from '../../src/wire/result.js';
import { ip } from './helpers.js';

const A = ip('4321::1');
const B = ip('4321::2');

/** An echo request with `size` data bytes, as ping -s size sends it. */
function echo(size: number, nextHeaders?: (upper: Uint8Array) => { nh: number; payload: Uint8Array }): Uint8Array {
  const data = new Uint8Array(size).map((_, i) => i & 0xff);
  const icmp = emitIcmpv6({ kind: 'echo-request', id: 0x1234, seq: 1, data }, A, B);
  const { nh, payload } = nextHeaders ? nextHeaders(icmp) : { nh: IPPROTO.ICMPV6, payload: icmp };
  return buildIpv6Packet({ trafficClass: 0, flowLabel: 0x12345, hopLimit: 64, src: A, dst: B }, nh, payload);
}

const payloadLength = (p: Uint8Array) => (p[4]! << 8) | p[5]!;

describe('fragmentPacket() cuts as ip6_fragment does', () => {
  test('a 2048-byte echo at mtu 1500: 1448 and 560 bytes of data behind a Fragment header (frag_local)', () => {
    const frags = expectOk(fragmentPacket(echo(2000), 1500, 0x64961ed0));
    expect(frags.map((f) => f.length)).toEqual([1496, 608]);
    expect(frags.map(payloadLength)).toEqual([1456, 568]);
    const hdrs = frags.map((f) => expectOk(parseFragmentHeader(f, 40)));
    expect(hdrs.map((h) => [h.fragmentOffset * 8, h.moreFragments, h.nextHeader, h.identification])).toEqual([
      [0, true, 58, 0x64961ed0],
      [1448, false, 58, 0x64961ed0],
    ]);
    expect(frags.every((f) => f[6] === IPPROTO.FRAGMENT)).toBe(true);
  });

  test('a 1448-byte echo at mtu 1280: 1232 and 176 (frag_forward_ptb, after the Packet Too Big)', () => {
    const frags = expectOk(fragmentPacket(echo(1400), 1280, 1));
    expect(frags.map(payloadLength)).toEqual([1240, 184]);
  });

  test('hop-by-hop and routing headers are repeated in every fragment; destination options after the routing header travel in the first', () => {
    const pkt = echo(3000, (upper) => {
      const dst = emitOptionsHeader({ nextHeader: IPPROTO.ICMPV6, options: paddingOptions(6) });
      const rt = emitRoutingHeader({ nextHeader: IPPROTO.DSTOPTS, routingType: 0, segmentsLeft: 0, data: new Uint8Array(4) });
      const hbh = emitOptionsHeader({ nextHeader: IPPROTO.ROUTING, options: paddingOptions(6) });
      const all = new Uint8Array(hbh.length + rt.length + dst.length + upper.length);
      all.set(hbh);
      all.set(rt, hbh.length);
      all.set(dst, hbh.length + rt.length);
      all.set(upper, hbh.length + rt.length + dst.length);
      return { nh: IPPROTO.HOPOPTS, payload: all };
    });
    const frags = expectOk(fragmentPacket(pkt, 1500, 7));
    for (const f of frags) {
      // IPv6 -> hop-by-hop -> routing -> Fragment (the routing header's next header patched) -> ...
      expect([f[6], f[40], f[48]]).toEqual([IPPROTO.HOPOPTS, IPPROTO.ROUTING, IPPROTO.FRAGMENT]);
      expect(f.subarray(8, 40)).toEqual(pkt.subarray(8, 40));
      expect(expectOk(parseFragmentHeader(f, 56)).nextHeader).toBe(IPPROTO.DSTOPTS);
    }
    expect(frags[0]![56 + 8]).toBe(IPPROTO.ICMPV6); // the destination options header opens the data
    // (1500 - 56 - 8) & ~7 = 1432 bytes of data per full fragment.
    expect(frags.map(payloadLength).slice(0, 2)).toEqual([16 + 8 + 1432, 16 + 8 + 1432]);
  });

  test('an MTU with no room for 8 bytes behind the headers is refused', () => {
    expect(fragmentPacket(echo(100), 55, 1).ok).toBe(false);
  });
});

/** A fresh host `b` to reassemble on, and how to hand it one fragment. */
function receiver() {
  const w = new World({ seed: 'reasm' });
  const b = w.addHost('b');
  w.addHost('a');
  w.addVeth('a', 'eth0', 'b', 'eth0');
  const dev = b.device('eth0');
  const give = (bytes: Uint8Array) => {
    const skb: Skb = { id: w.trace.newPacketId(), bytes, mark: 0, secPath: [], inDev: 'eth0' };
    w.trace.record(0, skb.id, 'b', { kind: 'created', summary: 'fragment' });
    return { skb, r: ipv6FragRcv(b, dev, skb, 40, 6) };
  };
  return { w, b, give };
}

describe('properties', () => {
  test('fragment then reassemble gives the original packet, for any size, any MTU >= 1280 and any arrival order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9000 }),
        fc.integer({ min: 1280, max: 9000 }),
        fc.integer({ min: 1, max: 0xffffffff }),
        fc.func(fc.integer()),
        (size, mtu, ident, rank) => {
          const pkt = echo(size);
          const frags = expectOk(fragmentPacket(pkt, mtu, ident));
          if (pkt.length <= mtu) return; // ip6_finish_output would not have cut it
          expect(frags.length).toBeGreaterThan(1);
          for (const f of frags) expect(f.length).toBeLessThanOrEqual(mtu);
          for (const f of frags.slice(0, -1)) expect((f.length - 48) % 8).toBe(0);
          const order = frags.map((f, i) => ({ f, k: rank(i) })).sort((x, y) => x.k - y.k);
          const { w, b, give } = receiver();
          const results = order.map(({ f }) => give(f));
          const done = results.filter((x) => x.r.kind === 'reassembled');
          expect(done).toHaveLength(1);
          const whole = done[0]!.r;
          expect(whole.kind === 'reassembled' && whole.skb.bytes).toEqual(pkt);
          expect(b.counter('Ip6ReasmReqds')).toBe(frags.length);
          expect(b.counter('Ip6ReasmOKs')).toBe(1);
          // Every fragment ends exactly once: absorbed into the reassembled packet.
          for (const { skb } of results) {
            const ends = w.trace.terminals(skb.id);
            expect(ends.map((e) => e.step.kind)).toEqual(['consumed']);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  test('every fragment ends in exactly one terminal event, whatever mix of overlaps, duplicates and gaps arrives', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ off: fc.integer({ min: 0, max: 20 }), len: fc.integer({ min: 1, max: 6 }), more: fc.boolean() }), {
          minLength: 1,
          maxLength: 12,
        }),
        (pieces) => {
          const pkt = echo(200);
          const { w, give } = receiver();
          const ids = pieces.map(({ off, len, more }) => {
            const start = off * 8;
            const data = pkt.subarray(40).subarray(start, start + len * 8);
            const f = expectOk(fragmentPacket(pkt, 1280, 99))[0]!; // a template with the right headers
            const bytes = new Uint8Array(48 + data.length);
            bytes.set(f.subarray(0, 48));
            bytes[4] = (8 + data.length) >> 8;
            bytes[5] = (8 + data.length) & 0xff;
            bytes[42] = (start >> 8) & 0xff;
            bytes[43] = (start & 0xf8) | (more ? 1 : 0);
            bytes.set(data, 48);
            const { skb, r } = give(bytes);
            // An atomic fragment (offset 0, no M flag) is not queued: the packet itself goes on.
            return { id: skb.id, goesOn: r.kind === 'reassembled' && r.skb.id === skb.id };
          });
          w.advance(61_000_000);
          for (const { id, goesOn } of ids) {
            const ends = w.trace.events.filter((e) => e.pkt === id && TERMINAL_KINDS.has(e.step.kind));
            expect(ends).toHaveLength(goesOn ? 0 : 1);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
