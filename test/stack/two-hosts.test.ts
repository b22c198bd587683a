import { describe, expect, test } from 'vitest';
import { addAddress, linkLocalFromMac } from '../../src/stack/addrconf.js';
import { ping } from '../../src/stack/ping.js';
import { World } from '../../src/stack/world.js';
import { parseEthernet } from '../../src/wire/ethernet.js';
import { formatIpv6Address } from '../../src/wire/ipv6-address.js';
import { parsePacket } from '../../src/wire/packet.js';
import { expectOk } from '../../src/wire/result.js';
import { addr, ip, link, node, pair, settle } from './helpers.js';

/** The fields we compare with a kernel capture (not times, MACs or flow-label values). */
function frames(records: readonly { frame: Uint8Array }[]) {
  return records.map(({ frame }) => {
    const eth = expectOk(parseEthernet(frame));
    const p = expectOk(parsePacket(eth.payload));
    const u = p.upper;
    const icmp = 'repr' in u && u.protocol === 'icmpv6' ? u.repr : undefined;
    return {
      src: formatIpv6Address(p.ipv6.src),
      dst: formatIpv6Address(p.ipv6.dst),
      hlim: p.ipv6.hopLimit,
      hasFlowLabel: p.ipv6.flowLabel !== 0,
      kind: icmp?.kind,
      checksumOk: 'checksumOk' in u ? u.checksumOk : undefined,
      icmp,
      ethDst: eth.dst,
      ethSrc: eth.src,
    };
  });
}

describe('two hosts on a veth ping each other', () => {
  // Kernel capture golden/ah1_as_intended/link_ab.txt (the plain part of it, MLD reports left out):
  //   4321::1 > ff02::1:ff00:2 hlim 255 neighbor solicitation who has 4321::2, source link-address option
  //   4321::2 > 4321::1 hlim 255 neighbor advertisement tgt is 4321::2, Flags [solicited, override], destination link-address option
  //   4321::1 > 4321::2 (flowlabel ...) hlim 64 echo request;  4321::2 > 4321::1 (flowlabel ...) hlim 64 echo reply
  test('the link carries NS, NA, echo request, echo reply with the kernel capture fields', () => {
    const w = settle(pair());
    const a = w.host('a');
    const b = w.host('b');
    const capA = a.device('eth0').startCapture();
    const capB = b.device('eth0').startCapture();
    const r = ping(a, ip('4321::2'), { count: 1, timeoutUs: 1_000_000 });
    expect(r.received).toBe(1);
    expect(r.lines[0]).toBe('PING 4321::2(4321::2) 56 data bytes');
    expect(r.lines[1]).toMatch(/^64 bytes from 4321::2: icmp_seq=1 ttl=64 time=/);
    const f = frames(capA.records);
    expect(f.map((x) => [x.kind, x.src, x.dst, x.hlim, x.hasFlowLabel])).toEqual([
      ['neighbour-solicit', '4321::1', 'ff02::1:ff00:2', 255, false],
      ['neighbour-advert', '4321::2', '4321::1', 255, false],
      ['echo-request', '4321::1', '4321::2', 64, true],
      ['echo-reply', '4321::2', '4321::1', 64, true],
    ]);
    expect(f.every((x) => x.checksumOk)).toBe(true);
    const ns = f[0]!.icmp!;
    expect(ns.kind === 'neighbour-solicit' && ns.options).toEqual([{ kind: 'source-ll-addr', address: a.device('eth0').mac }]);
    // NS goes to the solicited-node group's MAC 33:33:ff:00:00:02 (RFC 2464).
    expect([...f[0]!.ethDst]).toEqual([0x33, 0x33, 0xff, 0, 0, 2]);
    const na = f[1]!.icmp!;
    expect(na.kind === 'neighbour-advert' && [na.router, na.solicited, na.override]).toEqual([false, true, true]);
    expect(na.kind === 'neighbour-advert' && na.options).toEqual([{ kind: 'target-ll-addr', address: b.device('eth0').mac }]);
    // ping's 56 data bytes: ICMPv6 payload length 64 in the capture.
    const req = f[2]!.icmp!;
    expect(req.kind === 'echo-request' && req.data.length).toBe(56);
    expect(req.kind === 'echo-request' && [...req.data.subarray(16, 20)]).toEqual([16, 17, 18, 19]);
    // The peer sees the same frames in the same order.
    expect(frames(capB.records).map((x) => x.kind)).toEqual(f.map((x) => x.kind));
  });

  test('snmp6 counters on both ends count the echo and the ND exchange', () => {
    const w = settle(pair());
    const a = w.host('a');
    const b = w.host('b');
    // What the MLD reports of the setup raised: b has no group they are sent to, so it only counts them received.
    const mld = { aOut: a.counter('Ip6OutRequests'), bIn: b.counter('Ip6InReceives') };
    expect(mld.aOut).toBe(a.counter('Icmp6OutMLDv2Reports'));
    expect(b.counter('Ip6InDelivers')).toBe(0);
    ping(a, ip('4321::2'), { count: 1, timeoutUs: 1_000_000 });
    expect(a.counter('Icmp6OutEchos')).toBe(1);
    expect(a.counter('Icmp6InEchoReplies')).toBe(1);
    expect(a.counter('Icmp6OutNeighborSolicits')).toBe(1);
    expect(a.counter('Icmp6InNeighborAdvertisements')).toBe(1);
    expect(b.counter('Icmp6InEchos')).toBe(1);
    expect(b.counter('Icmp6OutEchoReplies')).toBe(1);
    expect(b.counter('Icmp6InNeighborSolicits')).toBe(1);
    expect(b.counter('Ip6InReceives') - mld.bIn).toBe(2);
    expect(b.counter('Ip6InDelivers')).toBe(2);
    expect(a.counter('Ip6OutRequests') - mld.aOut).toBe(2);
  });

  test('a second ping finds the neighbour cached and sends no NS', () => {
    const w = pair();
    const a = w.host('a');
    ping(a, ip('4321::2'), { count: 1, timeoutUs: 1_000_000 });
    const cap = a.device('eth0').startCapture();
    ping(a, ip('4321::2'), { count: 1, timeoutUs: 1_000_000 });
    expect(frames(cap.records).map((x) => x.kind)).toEqual(['echo-request', 'echo-reply']);
  });

  test('ping counts 1 s apart carry sequence numbers 1, 2, 3', () => {
    const w = pair();
    const r = ping(w.host('a'), ip('4321::2'), { count: 3, timeoutUs: 1_000_000 });
    expect(r.received).toBe(3);
    expect(r.events.map((e) => e.seq)).toEqual([1, 2, 3]);
  });
});

describe('world, hosts and devices', () => {
  test('ifindex counts per namespace from lo = 1', () => {
    const w = new World({ seed: 's' });
    node(w, 'a');
    node(w, 'b');
    const [x, y] = w.addVeth('a', 'eth0', 'b', 'eth0');
    const [z] = w.addVeth('a', 'eth1', 'b', 'eth1');
    expect([w.host('a').device('lo').ifindex, x.ifindex, z.ifindex]).toEqual([1, 2, 3]);
    expect(y.ifindex).toBe(2);
  });

  test('veth MACs are unicast and locally administered, and lo has mtu 65536', () => {
    const w = new World({ seed: 's' });
    node(w, 'a');
    node(w, 'b');
    const [x, y] = w.addVeth('a', 'eth0', 'b', 'eth0');
    for (const d of [x, y]) {
      expect(d.mac[0]! & 1).toBe(0);
      expect(d.mac[0]! & 2).toBe(2);
      expect(d.mtu).toBe(1500);
    }
    expect(w.host('a').device('lo').mtu).toBe(65536);
  });

  test('a veth has carrier only when both ends are up', () => {
    const w = new World({ seed: 's' });
    node(w, 'a');
    node(w, 'b');
    const [x, y] = w.addVeth('a', 'eth0', 'b', 'eth0');
    w.host('a').setLinkUp('eth0', true);
    expect(x.carrier).toBe(false);
    w.host('b').setLinkUp('eth0', true);
    expect([x.carrier, y.carrier]).toEqual([true, true]);
    w.host('b').setLinkUp('eth0', false);
    expect(x.carrier).toBe(false);
  });

  test('the same seed gives the same MACs', () => {
    const mk = () => {
      const w = new World({ seed: 'same' });
      node(w, 'a');
      node(w, 'b');
      return w.addVeth('a', 'eth0', 'b', 'eth0').map((d) => [...d.mac]);
    };
    expect(mk()).toEqual(mk());
  });

  test('the link-local address is fe80::/64 with the modified EUI-64 of the MAC, with a metric 256 route', () => {
    const w = pair();
    const a = w.host('a');
    const mac = a.device('eth0').mac;
    const ll = linkLocalFromMac(mac);
    expect(a.hasAddress(ll, { dev: 'eth0' })).toBeDefined();
    // fe80::2c1d:27ff:fe49:d87f belongs to MAC 2e:1d:27:49:d8:7f in the ah1 capture.
    expect(formatIpv6Address(linkLocalFromMac(Uint8Array.of(0x2e, 0x1d, 0x27, 0x49, 0xd8, 0x7f)))).toBe('fe80::2c1d:27ff:fe49:d87f');
    const r = a.fib.list().find((x) => x.prefixLen === 64 && formatIpv6Address(x.dst) === 'fe80::');
    expect(r).toMatchObject({ metric: 256, protocol: 'kernel', dev: 'eth0' });
    expect(a.fib.list().find((x) => formatIpv6Address(x.dst) === '4321::')).toMatchObject({
      prefixLen: 64,
      metric: 256,
      protocol: 'kernel',
    });
    expect(a.fib.list(255).find((x) => formatIpv6Address(x.dst) === '4321::1')).toMatchObject({ type: 'local', prefixLen: 128 });
  });

  test('sysctl defaults are the 6.1 ones, and writing all.forwarding rewrites default and every interface', () => {
    const w = new World({ seed: 's' });
    const h = w.addHost('h');
    expect(h.getSysctl('default', 'accept_dad')).toBe(1);
    expect(h.getSysctl('all', 'accept_dad')).toBe(0);
    expect(h.getSysctl('all', 'router_solicitations')).toBe(-1);
    expect(h.getSysctl('all', 'hop_limit')).toBe(64);
    h.setSysctl('default', 'hop_limit', 10);
    h.addDevice('dummy0', 'veth');
    expect(h.getSysctl('dummy0', 'hop_limit')).toBe(10);
    h.setSysctl('all', 'forwarding', 1);
    expect([h.getSysctl('default', 'forwarding'), h.getSysctl('dummy0', 'forwarding'), h.getSysctl('lo', 'forwarding')]).toEqual([1, 1, 1]);
  });

  test('an address added without nodad is tentative, probes with an NS from ::, and is usable after DAD', () => {
    const w = new World({ seed: 's' });
    const a = w.addHost('a');
    const b = w.addHost('b');
    a.setLinkUp('lo', true);
    b.setLinkUp('lo', true);
    w.addVeth('a', 'eth0', 'b', 'eth0');
    a.setLinkUp('eth0', true);
    b.setLinkUp('eth0', true);
    const cap = a.device('eth0').startCapture();
    addAddress(a, 'eth0', ip('4321::1'), 64);
    expect(a.hasAddress(ip('4321::1'))).toBeUndefined();
    expect(a.hasAddress(ip('4321::1'), { includeTentative: true })?.tentative).toBe(true);
    w.advance(3_000_000);
    expect(a.hasAddress(ip('4321::1'))).toBeDefined();
    const fromUnspecified = frames(cap.records).filter((x) => x.kind === 'neighbour-solicit' && x.src === '::');
    // Both link-local addresses are probed too (the hosts kept default.accept_dad = 1).
    expect(fromUnspecified).toHaveLength(3);
    const dad = fromUnspecified.filter((x) => x.dst === 'ff02::1:ff00:1');
    // dad_transmits 1: one NS from :: to the solicited-node group, with no source link-layer option.
    expect(dad.map((x) => [x.dst, x.hlim])).toEqual([['ff02::1:ff00:1', 255]]);
    // No source link-layer option (the source is ::), but the enhanced-DAD nonce (RFC 7527, enhanced_dad = 1).
    const opts = dad[0]!.icmp!.kind === 'neighbour-solicit' ? dad[0]!.icmp!.options : [];
    expect(opts.map((o) => (o.kind === 'unknown' ? [o.type, o.data.length] : [o.kind]))).toEqual([[14, 6]]);
  });

  test('ping to an address with no route fails at connect with Network is unreachable', () => {
    const w = pair();
    const r = ping(w.host('a'), ip('5555::1'));
    expect(r.lines).toEqual(['ping: connect: Network is unreachable']);
    expect(r.exitCode).toBe(2);
  });

  test('ping to a prohibit route fails at connect with Permission denied', () => {
    const w = pair();
    const a = w.host('a');
    a.fib.add({ type: 'prohibit', dst: ip('5555::'), prefixLen: 16, table: 254, metric: 1024, protocol: 'boot' });
    expect(ping(a, ip('5555::1')).lines).toEqual(['ping: connect: Permission denied']);
  });

  test('ping to its own address goes over lo', () => {
    const w = pair();
    const a = w.host('a');
    const cap = a.device('lo').startCapture();
    const r = ping(a, ip('4321::1'), { count: 1, timeoutUs: 1_000_000 });
    expect(r.received).toBe(1);
    expect(frames(cap.records).map((x) => [x.kind, x.src, x.dst])).toEqual([
      ['echo-request', '4321::1', '4321::1'],
      ['echo-reply', '4321::1', '4321::1'],
    ]);
  });

  test('addr helper matches lib.sh: nodad addresses are usable at once', () => {
    const w = new World({ seed: 's' });
    node(w, 'x');
    node(w, 'y');
    link(w, 'x', 'eth0', 'y', 'eth0');
    addr(w, 'x', 'eth0', '4321::1/64');
    expect(w.host('x').hasAddress(ip('4321::1'))).toBeDefined();
  });
});

describe('router solicitations', () => {
  function fresh(rs: number | undefined) {
    const w = new World({ seed: 'rs' });
    const a = w.addHost('a');
    const b = w.addHost('b');
    for (const h of [a, b]) {
      h.setLinkUp('lo', true);
      h.setSysctl('default', 'accept_dad', 0);
      if (rs !== undefined) h.setSysctl('default', 'router_solicitations', rs);
    }
    w.addVeth('a', 'eth0', 'b', 'eth0');
    const cap = b.device('eth0').startCapture();
    a.setLinkUp('eth0', true);
    b.setLinkUp('eth0', true);
    w.advance(20_000_000);
    return frames(cap.records).filter((x) => x.kind === 'router-solicit' && x.src.startsWith('fe80::'));
  }

  test('none are sent when router_solicitations is 0 (lib.sh node)', () => {
    expect(fresh(0)).toEqual([]);
  });

  test('with router_solicitations 1 each end sends one RS from its link-local address to ff02::2 with hop limit 255', () => {
    const rs = fresh(1);
    expect(rs.map((x) => [x.dst, x.hlim])).toEqual([
      ['ff02::2', 255],
      ['ff02::2', 255],
    ]);
  });

  test('with the default -1 they repeat with a growing interval', () => {
    expect(fresh(undefined).length).toBeGreaterThan(2);
  });
});

describe('ping identifiers', () => {
  test('unprivileged ICMP sockets get identifiers 1, 2, ... from the kernel', () => {
    const w = pair();
    const one = ping(w.host('a'), ip('4321::2'), { count: 1, timeoutUs: 1_000_000, socket: 'dgram' });
    const two = ping(w.host('b'), ip('4321::1'), { count: 1, timeoutUs: 1_000_000, socket: 'dgram' });
    expect([one.id, two.id]).toEqual([1, 2]);
    expect([one.received, two.received]).toEqual([1, 1]);
  });

  test('the initial namespace has lo up and ::1, a new one has lo down', () => {
    const w = new World({ seed: 's' });
    const init = w.host('init');
    expect(init.device('lo').adminUp).toBe(true);
    expect(init.hasAddress(ip('::1'))).toBeDefined();
    const n = w.addHost('n');
    expect(n.device('lo').adminUp).toBe(false);
    n.setLinkUp('lo', true);
    expect(n.hasAddress(ip('::1'))).toBeDefined();
  });
});
