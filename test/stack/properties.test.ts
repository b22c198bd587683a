import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { injectFrame } from '../../src/stack/ip6-input.js';
import { ping } from '../../src/stack/ping.js';
import { World } from '../../src/stack/world.js';
import { emitEthernet, parseEthernet } from '../../src/wire/ethernet.js';
import { toHex } from '../../src/wire/hex.js';
import { parseIpv6 } from '../../src/wire/ipv6.js';
import { addr, ip, link, node, routerWorld } from './helpers.js';

const ADDRS = ['4321::2', '4321::1', '4444::1', '4444::2', '4323::1', '4323::2', '4444::9', '5555::1'];
const HOSTS = ['remote', 'internal', 'other', 'router'];

function world(seed: string, forwarding: boolean): World {
  return routerWorld(forwarding, seed);
}

const action = fc.record({
  from: fc.constantFrom(...HOSTS),
  to: fc.constantFrom(...ADDRS),
  hopLimit: fc.integer({ min: 1, max: 4 }),
  count: fc.integer({ min: 1, max: 2 }),
  waitUs: fc.integer({ min: 0, max: 8_000_000 }),
});

type Action = { from: string; to: string; hopLimit: number; count: number; waitUs: number };

function runScenario(seed: string, forwarding: boolean, actions: readonly Action[]) {
  const w = world(seed, forwarding);
  const caps = [...w.hosts.values()].flatMap((h) => [...h.devices.values()].map((d) => d.startCapture()));
  for (const a of actions) {
    ping(w.host(a.from), ip(a.to), { count: a.count, hopLimit: a.hopLimit, timeoutUs: 1_000_000, id: 77 });
    w.advance(a.waitUs);
  }
  w.run();
  return { w, caps };
}

describe('stack invariants over random ping scenarios', () => {
  test('every packet ends in exactly one terminal event', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(action, { minLength: 1, maxLength: 4 }), (fwd, actions) => {
        const { w } = runScenario('conservation', fwd, actions);
        for (const id of w.trace.packets()) expect(w.trace.terminals(id)).toHaveLength(1);
      }),
      { numRuns: 40 },
    );
  });

  test('the same seed gives the same trace and the same bytes on every link', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(action, { minLength: 1, maxLength: 3 }), (fwd, actions) => {
        const one = runScenario('determinism', fwd, actions);
        const two = runScenario('determinism', fwd, actions);
        expect(JSON.stringify(two.w.trace.events)).toBe(JSON.stringify(one.w.trace.events));
        expect(two.caps.map((c) => toHex(c.pcap()))).toEqual(one.caps.map((c) => toHex(c.pcap())));
      }),
      { numRuns: 20 },
    );
  });

  test('nothing is delivered to a host that is not the destination, and hop limits never go below one on a link', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(action, { minLength: 1, maxLength: 4 }), (fwd, actions) => {
        const { w, caps } = runScenario('delivery', fwd, actions);
        const dstOf = new Map<number, string>();
        for (const e of w.trace.events) {
          if (e.step.kind === 'created') {
            const m = /> ([0-9a-f:]+):/.exec(e.step.summary);
            if (m) dstOf.set(e.pkt, m[1]!);
          }
        }
        for (const e of w.trace.events) {
          if (e.step.kind !== 'delivered') continue;
          const dst = dstOf.get(e.pkt)!;
          expect(w.host(e.host).hasAddress(ip(dst)), `#${e.pkt} ${dst} delivered at ${e.host}`).toBeDefined();
        }
        for (const c of caps) {
          for (const r of c.records) {
            const h = parseIpv6(parseEthernet(r.frame).ok ? r.frame.subarray(14) : r.frame);
            if (h.ok) expect(h.value.hopLimit).toBeGreaterThanOrEqual(1);
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  test('with forwarding off nothing crosses the router', () => {
    fc.assert(
      fc.property(fc.array(action, { minLength: 1, maxLength: 4 }), (actions) => {
        const { w } = runScenario('no-forwarding', false, actions);
        expect(w.host('router').counter('Ip6OutForwDatagrams')).toBe(0);
        for (const e of w.trace.events) {
          if (e.step.kind === 'wire' && e.host === 'router') {
            const created = w.trace.ofPacket(e.pkt)[0]!;
            expect(created.host).toBe('router');
          }
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe('malformed frames injected on a link', () => {
  const macOf = (w: World) => w.host('b').device('eth0').mac;
  const mk = () => {
    const w = new World({ seed: 'malformed' });
    node(w, 'a');
    node(w, 'b');
    link(w, 'a', 'eth0', 'b', 'eth0');
    addr(w, 'b', 'eth0', '4321::2/64');
    return w;
  };
  const ipv6Header = (over: { version?: number; payloadLength?: number; src?: Uint8Array; dst?: Uint8Array; body?: Uint8Array }) => {
    const body = over.body ?? new Uint8Array(8);
    const b = new Uint8Array(40 + body.length);
    b[0] = (over.version ?? 6) << 4;
    const plen = over.payloadLength ?? body.length;
    b[4] = plen >> 8;
    b[5] = plen & 0xff;
    b[6] = 59;
    b[7] = 64;
    b.set(over.src ?? ip('4321::1'), 8);
    b.set(over.dst ?? ip('4321::2'), 24);
    b.set(body, 40);
    return b;
  };

  const malformed = fc.oneof(
    fc.record({ kind: fc.constant('runt' as const), bytes: fc.uint8Array({ maxLength: 13 }) }),
    fc.record({
      kind: fc.constant('ethertype' as const),
      type: fc.integer({ min: 0, max: 0xffff }).filter((t) => t !== 0x86dd),
      bytes: fc.uint8Array({ maxLength: 80 }),
    }),
    fc.record({ kind: fc.constant('short-ipv6' as const), bytes: fc.uint8Array({ maxLength: 39 }) }),
    fc.record({ kind: fc.constant('version' as const), version: fc.integer({ min: 0, max: 15 }).filter((v) => v !== 6) }),
    fc.record({ kind: fc.constant('payload-length' as const), extra: fc.integer({ min: 1, max: 1000 }) }),
    fc.record({ kind: fc.constant('multicast-source' as const), low: fc.integer({ min: 0, max: 255 }) }),
  );

  test('never throw, and each ends in one drop with a named counter', () => {
    fc.assert(
      fc.property(malformed, (m) => {
        const w = mk();
        const b = w.host('b');
        const eth = (type: number, payload: Uint8Array) =>
          emitEthernet({ dst: macOf(w), src: w.host('a').device('eth0').mac, etherType: type, payload });
        let frame: Uint8Array;
        switch (m.kind) {
          case 'runt':
            frame = m.bytes;
            break;
          case 'ethertype':
            frame = eth(m.type, m.bytes);
            break;
          case 'short-ipv6':
            frame = eth(0x86dd, m.bytes);
            break;
          case 'version':
            frame = eth(0x86dd, ipv6Header({ version: m.version }));
            break;
          case 'payload-length':
            frame = eth(0x86dd, ipv6Header({ payloadLength: 8 + m.extra }));
            break;
          case 'multicast-source': {
            const src = ip('ff02::1');
            src[15] = m.low;
            frame = eth(0x86dd, ipv6Header({ src }));
            break;
          }
        }
        const id = injectFrame(b, b.device('eth0'), frame);
        w.run();
        const t = w.trace.terminals(id);
        expect(t).toHaveLength(1);
        expect(t[0]!.step.kind).toBe('dropped');
        expect(t[0]!.step.kind === 'dropped' && t[0]!.step.counter).toBeTruthy();
      }),
      { numRuns: 200 },
    );
  });

  test('random bytes behind an IPv6 ethertype never throw and end in one terminal event', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), fc.boolean(), (bytes, fixVersion) => {
        const w = mk();
        const b = w.host('b');
        const payload = bytes.slice();
        if (fixVersion && payload.length > 0) payload[0] = 0x60 | (payload[0]! & 0x0f);
        const frame = emitEthernet({ dst: macOf(w), src: w.host('a').device('eth0').mac, etherType: 0x86dd, payload });
        const id = injectFrame(b, b.device('eth0'), frame);
        w.run();
        expect(w.trace.terminals(id)).toHaveLength(1);
        for (const p of w.trace.packets()) expect(w.trace.terminals(p)).toHaveLength(1);
      }),
      { numRuns: 300 },
    );
  });
});
