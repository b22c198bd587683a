import { describe, expect, test } from 'vitest';
import { ping } from '../../src/stack/ping.js';
import { parseEthernet } from '../../src/wire/ethernet.js';
import { formatIpv6Address } from '../../src/wire/ipv6-address.js';
import { parsePacket } from '../../src/wire/packet.js';
import { expectOk } from '../../src/wire/result.js';
import { ip, routerWorld, settle } from './helpers.js';

function fields(records: readonly { frame: Uint8Array }[]) {
  return records.map(({ frame }) => {
    const p = expectOk(parsePacket(expectOk(parseEthernet(frame)).payload));
    const r = 'repr' in p.upper && p.upper.protocol === 'icmpv6' ? p.upper.repr : undefined;
    return { kind: r?.kind, src: formatIpv6Address(p.ipv6.src), dst: formatIpv6Address(p.ipv6.dst), hlim: p.ipv6.hopLimit, r };
  });
}

describe('a router between links', () => {
  test('forwards with forwarding on, answers ND as a router, and decrements the hop limit', () => {
    const w = settle(routerWorld(true));
    const capOther = w.host('other').device('eth0').startCapture();
    const capInternal = w.host('internal').device('eth0').startCapture();
    const r = ping(w.host('other'), ip('4444::2'), { count: 1, timeoutUs: 1_000_000 });
    expect(r.received).toBe(1);
    // golden/router_as_intended/link_other_router.txt: the router's NA says Flags [router, solicited, override].
    const f = fields(capOther.records);
    expect(f[0]).toMatchObject({ kind: 'neighbour-solicit', src: '4323::2', dst: 'ff02::1:ff00:1', hlim: 255 });
    expect(f[1]).toMatchObject({ kind: 'neighbour-advert', src: '4323::1', dst: '4323::2', hlim: 255 });
    const na = f[1]!.r!;
    expect(na.kind === 'neighbour-advert' && [na.router, na.solicited, na.override]).toEqual([true, true, true]);
    // The request leaves 'other' at hop limit 64 and reaches 'internal' at 63; the reply comes back at 63.
    expect(f.filter((x) => x.kind === 'echo-request').map((x) => x.hlim)).toEqual([64]);
    expect(f.filter((x) => x.kind === 'echo-reply').map((x) => x.hlim)).toEqual([63]);
    expect(
      fields(capInternal.records)
        .filter((x) => x.kind === 'echo-request')
        .map((x) => x.hlim),
    ).toEqual([63]);
    expect(w.host('router').counter('Ip6OutForwDatagrams')).toBe(2);
  });

  test('the router probes a STALE neighbour with a unicast NS from its link-local address 5 s after using it', () => {
    // link_other_router.txt: fe80::6451:edff:fe4c:55a3 > 4323::2 neighbor solicitation, answered by an NA with
    // Flags [solicited] only and no link-layer option (a unicast NS gets no override and no option).
    const w = settle(routerWorld(true));
    const start = w.clock.nowUs;
    const cap = w.host('other').device('eth0').startCapture();
    ping(w.host('other'), ip('4444::2'), { count: 1, timeoutUs: 1_000_000 });
    w.advance(10_000_000);
    const f = fields(cap.records);
    const probe = f.find((x) => x.kind === 'neighbour-solicit' && x.dst === '4323::2');
    expect(probe?.src.startsWith('fe80::')).toBe(true);
    const na = f.find((x) => x.kind === 'neighbour-advert' && x.dst === probe?.src);
    expect(na?.r?.kind === 'neighbour-advert' && [na.r.router, na.r.solicited, na.r.override, na.r.options.length]).toEqual([
      false,
      true,
      false,
      0,
    ]);
    const t = cap.records[f.indexOf(probe!)]!.timeUs;
    expect(t - start).toBe(5_000_000);
  });

  test('does not forward with forwarding off: Ip6InAddrErrors, no reply, the NA has no router flag', () => {
    const w = settle(routerWorld(false));
    const cap = w.host('other').device('eth0').startCapture();
    const r = ping(w.host('other'), ip('4444::2'), { count: 1, timeoutUs: 1_000_000 });
    expect(r.received).toBe(0);
    expect(r.exitCode).toBe(1);
    expect(w.host('router').counter('Ip6InAddrErrors')).toBe(1);
    expect(w.host('router').counter('Ip6OutForwDatagrams')).toBe(0);
    expect(w.host('internal').counter('Ip6InReceives')).toBe(w.host('internal').counter('Ip6InMcastPkts'));
    const na = fields(cap.records).find((x) => x.kind === 'neighbour-advert')!.r!;
    expect(na.kind === 'neighbour-advert' && na.router).toBe(false);
  });

  test('a packet arriving with hop limit 1 gets Time Exceeded from the router', () => {
    const w = settle(routerWorld(true));
    const r = ping(w.host('other'), ip('4444::2'), { count: 1, hopLimit: 1, timeoutUs: 1_000_000 });
    expect(r.lines).toContain('From 4323::1 icmp_seq=1 Time exceeded: Hop limit');
    expect(w.host('router').counter('Icmp6OutTimeExcds')).toBe(1);
    expect(w.host('router').counter('Ip6InHdrErrors')).toBe(1);
    expect(w.host('internal').counter('Ip6InReceives')).toBe(w.host('internal').counter('Ip6InMcastPkts'));
  });

  test('a destination the router has no route for gets Destination unreachable: No route', () => {
    const w = settle(routerWorld(true));
    const r = ping(w.host('other'), ip('5555::1'), { count: 1, timeoutUs: 1_000_000 });
    expect(r.lines).toContain('From 4323::1 icmp_seq=1 Destination unreachable: No route');
    expect(w.host('router').counter('Ip6InNoRoutes')).toBe(1);
  });

  test('a forwarded packet larger than the next link mtu gets Packet Too Big', () => {
    const w = settle(routerWorld(true));
    w.host('router').device('eth1').mtu = 1280;
    const r = ping(w.host('other'), ip('4444::2'), { count: 1, size: 1300, timeoutUs: 1_000_000 });
    expect(r.lines).toContain('From 4323::1 icmp_seq=1 Packet too big: mtu=1280');
    expect(w.host('router').counter('Ip6InTooBigErrors')).toBe(1);
  });

  test('FORWARD policy DROP blocks new inbound, and RELATED,ESTABLISHED lets replies through', () => {
    // router_as_intended.sh baseline: -P FORWARD DROP; -A FORWARD -i eth1 -j ACCEPT;
    // -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT. T2 (other -> internal) fails, T3 (internal -> other) passes.
    const w = settle(routerWorld(true));
    const nf = w.host('router').netfilter;
    nf.setPolicy('filter', 'FORWARD', 'DROP');
    nf.append('filter', 'FORWARD', { inIface: { name: 'eth1' }, target: { kind: 'ACCEPT' } });
    nf.append('filter', 'FORWARD', {
      matches: [{ kind: 'conntrack', state: { states: ['RELATED', 'ESTABLISHED'] } }],
      target: { kind: 'ACCEPT' },
    });
    const t2 = ping(w.host('other'), ip('4444::2'), { count: 1, timeoutUs: 1_000_000 });
    expect(t2.received).toBe(0);
    expect(w.host('internal').counter('Icmp6InEchos')).toBe(0);
    const t3 = ping(w.host('internal'), ip('4323::2'), { count: 1, timeoutUs: 1_000_000 });
    expect(t3.received).toBe(1);
    const forward = nf.list('filter').find((c) => c.name === 'FORWARD')!;
    // The dropped T2 request is counted by the policy; rule 1 (-i eth1) takes T3's request, rule 2 its reply.
    expect(forward.packets).toBe(1);
    expect(forward.rules.map((r) => r.packets)).toEqual([1, 1]);
  });

  test('Time Exceeded to one host is rate limited per peer: 6 at once, then one per 250 ms for a /64 route', () => {
    // icmpv6_xrlim_allow: icmpv6_time 1 s shifted right by (128 - 64) >> 5 = 2 for the /64 route back to 4323::2,
    // a burst of XRLIM_BURST_FACTOR (6) such times saved, a new peer starting full. Pings 100 ms apart from t = 0:
    // tokens 1.5 s -> errors at 0.0 .. 0.8 s (9), then at 1.0, 1.3, 1.5 and 1.8 s: 13 of 20.
    const w = settle(routerWorld(true));
    // Resolve the router first so that every request leaves at its send time.
    ping(w.host('other'), ip('4323::1'), { count: 1, timeoutUs: 1_000_000 });
    const r = ping(w.host('other'), ip('4444::2'), { count: 20, intervalUs: 100_000, hopLimit: 1, timeoutUs: 1_000_000 });
    const errs = r.events.filter((e) => e.kind === 'error').map((e) => e.seq);
    expect(errs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 14, 16, 19]);
  });
});
