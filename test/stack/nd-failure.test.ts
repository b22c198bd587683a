import { describe, expect, test } from 'vitest';
import { ping } from '../../src/stack/ping.js';
import { parseEthernet } from '../../src/wire/ethernet.js';
import { formatIpv6Address } from '../../src/wire/ipv6-address.js';
import { parsePacket } from '../../src/wire/packet.js';
import { expectOk } from '../../src/wire/result.js';
import { ip, pair, settle } from './helpers.js';

describe('neighbour discovery failure', () => {
  // golden/probe_nd_failure_loopback/nd_fail_ab.txt: three NS from 4321::1 to ff02::1:ff00:2 (mcast_solicit 3),
  // about 1 s apart (retrans_time; the UML kernel shows 1.039 s and 1.040 s), then at the fourth tick
  // nd_fail_lo.txt shows the ICMPv6 error 4321::1 > 4321::1 on lo (ip6_link_failure answers the local sender too).
  test('three multicast NS one retrans time apart, then Address unreachable to the local sender over lo', () => {
    const w = settle(pair());
    const a = w.host('a');
    const capEth = a.device('eth0').startCapture();
    const capLo = a.device('lo').startCapture();
    const r = ping(a, ip('4321::3'), { count: 1, timeoutUs: 6_000_000 });
    const ns = capEth.records.map((x) => ({ t: x.timeUs, p: expectOk(parsePacket(expectOk(parseEthernet(x.frame)).payload)) }));
    expect(ns.map(({ p }) => [formatIpv6Address(p.ipv6.src), formatIpv6Address(p.ipv6.dst), p.ipv6.hopLimit])).toEqual([
      ['4321::1', 'ff02::1:ff00:3', 255],
      ['4321::1', 'ff02::1:ff00:3', 255],
      ['4321::1', 'ff02::1:ff00:3', 255],
    ]);
    const gaps = ns.slice(1).map((x, i) => x.t - ns[i]!.t);
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(1_000_000);
    for (const g of gaps) expect(g).toBeLessThanOrEqual(1_050_000);
    const lo = capLo.records.map((x) => expectOk(parsePacket(expectOk(parseEthernet(x.frame)).payload)));
    expect(lo).toHaveLength(1);
    expect([formatIpv6Address(lo[0]!.ipv6.src), formatIpv6Address(lo[0]!.ipv6.dst), lo[0]!.ipv6.hopLimit]).toEqual([
      '4321::1',
      '4321::1',
      64,
    ]);
    const u = lo[0]!.upper;
    expect('repr' in u && u.protocol === 'icmpv6' && u.repr.kind === 'dest-unreach' && u.repr.code).toBe(3);
    expect(capLo.records[0]!.timeUs - ns[2]!.t).toBeGreaterThanOrEqual(1_000_000);
    expect(capLo.records[0]!.timeUs - ns[2]!.t).toBeLessThanOrEqual(1_050_000);
    expect(r.lines).toContain('From 4321::1 icmp_seq=1 Destination unreachable: Address unreachable');
    expect(r.received).toBe(0);
    expect(r.exitCode).toBe(1);
  });

  test('packets waiting for the neighbour all go out when the NA arrives', () => {
    const w = settle(pair());
    const a = w.host('a');
    const cap = a.device('eth0').startCapture();
    const r = ping(a, ip('4321::2'), { count: 3, intervalUs: 0, timeoutUs: 1_000_000 });
    expect(r.received).toBe(3);
    const kinds = cap.records.map((x) => {
      const u = expectOk(parsePacket(expectOk(parseEthernet(x.frame)).payload)).upper;
      return 'repr' in u && u.protocol === 'icmpv6' ? u.repr.kind : '?';
    });
    expect(kinds.filter((k) => k === 'neighbour-solicit')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'echo-request')).toHaveLength(3);
  });

  test('every packet of a failed resolution ends in exactly one terminal event', () => {
    const w = settle(pair());
    ping(w.host('a'), ip('4321::3'), { count: 2, timeoutUs: 6_000_000 });
    w.run();
    for (const id of w.trace.packets()) expect(w.trace.terminals(id)).toHaveLength(1);
  });
});

describe('neighbour states', () => {
  test('a solicited NA makes the entry REACHABLE; unused, it is STALE once reachable_time (15..45 s) is over', () => {
    const w = settle(pair());
    const a = w.host('a');
    ping(a, ip('4321::2'), { count: 1, timeoutUs: 1_000_000 });
    const n = a.neigh.get('eth0')!.get(ip('4321::2'))!;
    expect(n.state).toBe('REACHABLE');
    w.advance(50_000_000);
    expect(n.state).toBe('STALE');
  });

  test('the NS sender is learnt STALE, goes DELAY when used, and is probed by unicast after 5 s, then REACHABLE', () => {
    const w = settle(pair());
    const b = w.host('b');
    ping(w.host('a'), ip('4321::2'), { count: 1, timeoutUs: 1_000_000 });
    const n = b.neigh.get('eth0')!.get(ip('4321::1'))!;
    expect(n.state).toBe('DELAY');
    const cap = b.device('eth0').startCapture();
    w.advance(5_500_000);
    expect(n.state).toBe('REACHABLE');
    const ns = cap.records
      .map((r) => expectOk(parsePacket(expectOk(parseEthernet(r.frame)).payload)))
      .find((p) => 'repr' in p.upper && p.upper.protocol === 'icmpv6' && p.upper.repr.kind === 'neighbour-solicit');
    expect(ns && formatIpv6Address(ns.ipv6.dst)).toBe('4321::1');
    expect(ns && formatIpv6Address(ns.ipv6.src).startsWith('fe80::')).toBe(true);
  });
});
