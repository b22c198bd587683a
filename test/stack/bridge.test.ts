import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { BR_AGEING_US, brDecide } from '../../src/stack/bridge.js';
import { injectFrame } from '../../src/stack/ip6-input.js';
import { ping } from '../../src/stack/ping.js';
import { TERMINAL_KINDS } from '../../src/stack/types.js';
import { World } from '../../src/stack/world.js';
import { addr, ip, link, node, settle } from './helpers.js';

/** lib.sh's mesh: n1..nN on one bridge br0 in namespace sw, 4321::i/64 each. */
function star(n: number): World {
  const w = new World({ seed: `bridge-${n}` });
  node(w, 'sw');
  for (let i = 1; i <= n; i++) node(w, `n${i}`);
  const sw = w.host('sw');
  sw.addBridge('br0');
  sw.setLinkUp('br0', true);
  for (let i = 1; i <= n; i++) {
    link(w, `n${i}`, 'eth0', 'sw', `p${i}`);
    sw.setMaster(`p${i}`, 'br0');
    addr(w, `n${i}`, 'eth0', `4321::${i}/64`);
  }
  return settle(w);
}

describe('the bridge', () => {
  test('has carrier only while a port runs, and then forwards: hosts on different ports ping each other', () => {
    const w = star(3);
    const br = w.host('sw').device('br0');
    expect(br.running).toBe(true);
    expect(ping(w.host('n1'), ip('4321::3'), { count: 1, timeoutUs: 1_000_000 }).received).toBe(1);
    for (let i = 1; i <= 3; i++) w.host('sw').setLinkUp(`p${i}`, false);
    expect(br.running).toBe(false);
  });

  test('floods the solicitation to every other port, learns, then sends the unicast reply out of one port only', () => {
    const w = star(3);
    const caps = [1, 2, 3].map((i) => w.host(`n${i}`).device('eth0').startCapture());
    ping(w.host('n1'), ip('4321::2'), { count: 1, timeoutUs: 1_000_000 });
    const seen = caps.map((c) => c.records.filter((r) => r.direction === 'in').length);
    // n2 gets the NS and the echo request; n3 only the flooded NS; n1 the NA and the reply.
    expect(seen).toEqual([2, 2, 1]);
    // Every host's MAC: the MLD reports each sent when its addresses came have taught the bridge all three.
    expect(w.host('sw').bridges.get('br0')!.fdb.size).toBe(3);
  });

  test('forgets a learned address after the ageing time and floods again', () => {
    const w = star(3);
    const n2mac = w.host('n2').device('eth0').mac;
    const toN2 = (r: { frame: Uint8Array; direction: string }) => r.direction === 'in' && n2mac.every((b, i) => r.frame[i] === b);
    ping(w.host('n1'), ip('4321::2'), { count: 1, timeoutUs: 1_000_000 });
    const n3 = w.host('n3').device('eth0').startCapture();
    ping(w.host('n1'), ip('4321::2'), { count: 1, timeoutUs: 1_000_000 });
    expect(n3.records.filter(toN2)).toHaveLength(0);
    // Past the ageing time of the last frame from n2 (its NUD probes, some seconds after the pings).
    w.advance(BR_AGEING_US + 60_000_000);
    // n1 still knows n2's MAC (a STALE entry is used as it is); the bridge no longer knows its port.
    ping(w.host('n1'), ip('4321::2'), { count: 1, timeoutUs: 1_000_000 });
    expect(n3.records.filter(toN2).length).toBeGreaterThan(0);
  });

  test('refuses to enslave a device to something that is not a bridge, or a bridge to itself', () => {
    const w = star(2);
    const sw = w.host('sw');
    expect(() => sw.setMaster('p1', 'p2')).toThrow('Operation not supported');
    expect(() => sw.setMaster('br0', 'br0')).toThrow();
  });

  test('every flooded frame reaches every other running port exactly once, never the one it came in on', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 1, max: 6 }), (n, from) => {
        const src = Math.min(from, n);
        const w = star(n);
        const caps = Array.from({ length: n }, (_, i) =>
          w
            .host(`n${i + 1}`)
            .device('eth0')
            .startCapture(),
        );
        // A solicitation for an address nobody has: multicast, so flooded, and never answered.
        ping(w.host(`n${src}`), ip('4321::99'), { count: 1, timeoutUs: 100_000 });
        const first = caps.map((c) => c.records.filter((r) => r.direction === 'in').length);
        expect(first[src - 1]).toBe(0);
        expect(first.filter((_, i) => i !== src - 1).every((k) => k === 1)).toBe(true);
      }),
      { numRuns: 15 },
    );
  });
});

/** An Ethernet frame with an IPv6 ethertype and a few payload bytes: enough for the bridge, which reads only the MACs. */
function frame(dst: Uint8Array, src: Uint8Array): Uint8Array {
  const f = new Uint8Array(60);
  f.set(dst, 0);
  f.set(src, 6);
  f[12] = 0x86;
  f[13] = 0xdd;
  return f;
}

const mac = (last: number) => Uint8Array.of(0x02, 0, 0, 0, 0, last);

describe('the bridge forwarding decisions (br_handle_frame_finish)', () => {
  test('a frame to an address learned on the port it came in by goes nowhere (no hairpin)', () => {
    const w = star(3);
    const sw = w.host('sw');
    const p1 = sw.device('p1');
    const sent = p1.stats.tx_packets;
    injectFrame(sw, p1, frame(mac(0xaa), mac(0xbb)));
    const id = injectFrame(sw, p1, frame(mac(0xbb), mac(0xaa)));
    const last = w.trace.ofPacket(id).at(-1)!.step;
    expect(last).toMatchObject({ kind: 'dropped', counter: 'NOT_SPECIFIED' });
    expect(last.kind === 'dropped' && last.reason).toMatch(/learned on p1, where the frame came in/);
    expect(p1.stats.tx_packets - sent).toBe(0);
  });

  test('a known unicast address goes out of its port only; an unknown one is flooded', () => {
    const w = star(3);
    const sw = w.host('sw');
    const br = sw.device('br0');
    injectFrame(sw, sw.device('p2'), frame(mac(0xff), mac(0x22)));
    expect(brDecide(sw, br, sw.device('p1'), mac(0x22), w.clock.nowUs)).toMatchObject({
      kind: 'forward',
      flood: false,
      ports: [sw.device('p2')],
    });
    const unknown = brDecide(sw, br, sw.device('p1'), mac(0x33), w.clock.nowUs);
    expect(unknown.kind === 'forward' && unknown.ports.map((p) => p.name)).toEqual(['p2', 'p3']);
  });

  test('an entry is good until exactly the ageing time has passed since the frame that refreshed it', () => {
    const w = star(2);
    const sw = w.host('sw');
    const br = sw.device('br0');
    injectFrame(sw, sw.device('p2'), frame(mac(0xff), mac(0x22)));
    const t0 = w.clock.nowUs;
    expect(brDecide(sw, br, sw.device('p1'), mac(0x22), t0 + BR_AGEING_US - 1)).toMatchObject({ flood: false });
    expect(brDecide(sw, br, sw.device('p1'), mac(0x22), t0 + BR_AGEING_US)).toMatchObject({ flood: true });
  });

  test("captures on the ports see a bridged frame 'in' where it entered and 'out' where it left", () => {
    const w = star(3);
    const sw = w.host('sw');
    const caps = [1, 2, 3].map((i) => sw.device(`p${i}`).startCapture());
    const f = frame(Uint8Array.of(0x33, 0x33, 0, 0, 0, 1), mac(0x11));
    injectFrame(sw, sw.device('p1'), f);
    w.run();
    expect(caps.map((c) => c.records.map((r) => r.direction))).toEqual([['in'], ['out'], ['out']]);
    expect(caps[1]!.records[0]!.frame).toEqual(f);
  });

  test('a port that is down gets no copy, and the bridge loses carrier with its last running port', () => {
    const w = star(3);
    const sw = w.host('sw');
    w.host('n3').setLinkUp('eth0', false);
    const d = brDecide(sw, sw.device('br0'), sw.device('p1'), Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff), w.clock.nowUs);
    expect(d.kind === 'forward' && d.ports.map((p) => p.name)).toEqual(['p2']);
    w.host('n1').setLinkUp('eth0', false);
    w.host('n2').setLinkUp('eth0', false);
    expect(sw.device('br0').running).toBe(false);
    w.host('n2').setLinkUp('eth0', true);
    expect(sw.device('br0').running).toBe(true);
  });

  test("the bridge's MAC is the lowest port MAC unless it was given, and all zeros without ports", () => {
    const w = star(3);
    const sw = w.host('sw');
    const lowest = [1, 2, 3].map((i) => sw.device(`p${i}`).macText).sort()[0];
    expect(sw.device('br0').macText).toBe(lowest);
    for (let i = 1; i <= 3; i++) sw.setMaster(`p${i}`, undefined);
    expect(sw.device('br0').macText).toBe('00:00:00:00:00:00');
    const fixed = sw.addBridge('br1', mac(0x44));
    sw.setMaster('p1', 'br1');
    expect(fixed.macText).toBe('02:00:00:00:00:44');
  });

  test("a frame to the bridge's own MAC goes up the bridge device and out of no port", () => {
    const w = star(3);
    const sw = w.host('sw');
    const br = sw.device('br0');
    const sent = [2, 3].map((i) => sw.device(`p${i}`).stats.tx_packets);
    const id = injectFrame(sw, sw.device('p1'), frame(br.mac, mac(0x11)));
    w.run();
    expect(w.trace.ofPacket(id).some((e) => e.step.kind === 'rx' && e.step.dev === 'br0')).toBe(true);
    expect([2, 3].map((i, k) => sw.device(`p${i}`).stats.tx_packets - sent[k]!)).toEqual([0, 0]);
  });

  test('the bridge keeps the link-local address made from the MAC it had when it came up, through a carrier loss', () => {
    const w = new World({ seed: 'bridge-ll' });
    node(w, 'sw');
    node(w, 'n1');
    const sw = w.host('sw');
    sw.addBridge('br0');
    sw.setLinkUp('br0', true);
    const lls = () => sw.addrs.filter((a) => a.dev === 'br0').map((a) => a.addr.join(','));
    const before = lls();
    expect(before).toHaveLength(1);
    w.addVeth('n1', 'eth0', 'sw', 'p1');
    sw.setMaster('p1', 'br0');
    expect(sw.device('br0').running).toBe(false);
    sw.setLinkUp('p1', true);
    w.host('n1').setLinkUp('eth0', true);
    expect(sw.device('br0').running).toBe(true);
    expect(lls()).toEqual(before);
  });

  test('a multicast frame also goes up the bridge itself, and every copy ends exactly once in the trace', () => {
    const w = star(3);
    const sw = w.host('sw');
    const before = w.trace.packets().length;
    ping(w.host('n1'), ip('4321::2'), { count: 1, timeoutUs: 1_000_000 });
    const ids = w.trace.packets().slice(before);
    for (const id of ids)
      expect(
        w.trace.ofPacket(id).filter((e) => TERMINAL_KINDS.has(e.step.kind)),
        `#${id}`,
      ).toHaveLength(1);
    // The NS to ff02::1:ff00:2 reached br0's own stack, which is not in that group.
    expect(w.trace.events.some((e) => e.host === 'sw' && e.step.kind === 'rx' && e.step.dev === 'br0')).toBe(true);
    expect(sw.counter('Ip6InMcastPkts')).toBeGreaterThan(0);
  });
});
