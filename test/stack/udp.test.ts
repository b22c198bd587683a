import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { injectFrame } from '../../src/stack/ip6-input.js';
import { TERMINAL_KINDS } from '../../src/stack/types.js';
import { udpSocket } from '../../src/stack/udp.js';
import { emitEthernet, parseEthernet } from '../../src/wire/ethernet.js';
import { buildIpv6Packet } from '../../src/wire/ipv6.js';
import { formatIpv6Address } from '../../src/wire/ipv6-address.js';
import { parsePacket } from '../../src/wire/packet.js';
import { ETHERTYPE_IPV6 } from '../../src/wire/proto.js';
import { expectOk } from '../../src/wire/result.js';
import { emitUdp } from '../../src/wire/udp.js';
import { addPolicy } from '../xfrm/engine-helpers.js';
import { ip, pair } from './helpers.js';

const text = new TextEncoder();

function decoded(records: readonly { frame: Uint8Array }[]) {
  return records.map(({ frame }) => {
    const p = expectOk(parsePacket(expectOk(parseEthernet(frame)).payload));
    return { p, src: formatIpv6Address(p.ipv6.src), dst: formatIpv6Address(p.ipv6.dst), nh: p.ipv6.nextHeader, hlim: p.ipv6.hopLimit };
  });
}

describe('UDP sockets between two hosts', () => {
  test('sendto() reaches a bound socket intact and the reply comes back to the ephemeral port', () => {
    const w = pair();
    const a = w.host('a');
    const b = w.host('b');
    const srv = udpSocket(b);
    srv.bind(undefined, 7777);
    const cli = udpSocket(a);
    const r = cli.sendto(text.encode('hello'), ip('4321::2'), 7777);
    expect(r.ok).toBe(true);
    w.clock.runUntilIdle(5_000_000);
    const got = srv.recv();
    expect(got.ok).toBe(true);
    if (!got.ok) return;
    expect(new TextDecoder().decode(got.datagram.data)).toBe('hello');
    expect(formatIpv6Address(got.datagram.from)).toBe('4321::1');
    // udp_lib_get_port: ephemeral ports come from ip_local_port_range 32768-60999.
    expect(cli.localPort).toBeGreaterThanOrEqual(32768);
    expect(cli.localPort).toBeLessThanOrEqual(60999);
    expect(got.datagram.fromPort).toBe(cli.localPort);
    srv.sendto(text.encode('back'), got.datagram.from, got.datagram.fromPort);
    w.clock.runUntilIdle(5_000_000);
    const back = cli.recv();
    expect(back.ok && new TextDecoder().decode(back.datagram.data)).toBe('back');
    expect([
      a.counter('Udp6OutDatagrams'),
      a.counter('Udp6InDatagrams'),
      b.counter('Udp6InDatagrams'),
      b.counter('Udp6OutDatagrams'),
    ]).toEqual([1, 1, 1, 1]);
    expect(cli.recv()).toEqual({ ok: false, errno: 'EAGAIN' });
  });

  test('the same seed gives the same ephemeral port', () => {
    const port = () => {
      const w = pair('seed-x');
      const s = udpSocket(w.host('a'));
      s.sendto(new Uint8Array(1), ip('4321::2'), 9);
      return s.localPort;
    };
    expect(port()).toBe(port());
  });

  test('bind() to a port in use is EADDRINUSE, to an address not ours EADDRNOTAVAIL', () => {
    const w = pair();
    const a = w.host('a');
    udpSocket(a).bind(undefined, 5000);
    const e1 = (() => {
      try {
        udpSocket(a).bind(ip('4321::1'), 5000);
      } catch (e) {
        return (e as ConfigError).errno;
      }
      return undefined;
    })();
    expect(e1).toBe('EADDRINUSE');
    expect(() => udpSocket(a).bind(ip('4321::9'), 5001)).toThrow(ConfigError);
    udpSocket(a).bind(ip('4321::1'), 5001);
  });

  test('delivery prefers a connected socket, then a bound address, then the wildcard', () => {
    const w = pair();
    const a = w.host('a');
    const b = w.host('b');
    const wild = udpSocket(b);
    wild.bind(undefined, 53);
    const bound = udpSocket(b);
    // A separate port space check would refuse this; the kernel allows it only with SO_REUSEADDR,
    // so the preference is shown on two ports.
    bound.bind(ip('4321::2'), 54);
    const cli = udpSocket(a);
    cli.bind(undefined, 40000);
    cli.sendto(new Uint8Array([1]), ip('4321::2'), 53);
    cli.sendto(new Uint8Array([2]), ip('4321::2'), 54);
    w.clock.runUntilIdle(5_000_000);
    expect(wild.rxQueue.map((d) => d.data[0])).toEqual([1]);
    expect(bound.rxQueue.map((d) => d.data[0])).toEqual([2]);
    // A connected socket only hears its peer.
    const conn = udpSocket(a);
    conn.bind(undefined, 41000);
    expect(conn.connect(ip('4321::2'), 9999).ok).toBe(true);
    const other = udpSocket(b);
    other.bind(undefined, 1234);
    other.sendto(new Uint8Array([3]), ip('4321::1'), 41000);
    w.clock.runUntilIdle(5_000_000);
    expect(conn.rxQueue).toHaveLength(0);
    expect(a.counter('Udp6NoPorts')).toBe(1);
  });

  // Kernel (udpv6_rcv -> icmpv6_send): a datagram to a port nobody has is answered
  //   4321::2 > 4321::1: ICMP6, destination unreachable, unreachable port, 4321::1.P > 4321::2.7: udp
  // with hlim 64, the whole datagram quoted, Udp6NoPorts 1 and Icmp6OutDestUnreachs 1.
  test('a datagram to a closed port gets a port unreachable with the kernel fields', () => {
    const w = pair();
    const a = w.host('a');
    const b = w.host('b');
    const cap = a.device('eth0').startCapture();
    const s = udpSocket(a);
    s.sendto(text.encode('x'), ip('4321::2'), 7);
    w.clock.runUntilIdle(5_000_000);
    const f = decoded(cap.records);
    const err = f.find((x) => 'repr' in x.p.upper && x.p.upper.protocol === 'icmpv6' && x.p.upper.repr.kind === 'dest-unreach');
    expect(err).toBeDefined();
    expect([err!.src, err!.dst, err!.hlim]).toEqual(['4321::2', '4321::1', 64]);
    const u = err!.p.upper;
    expect('repr' in u && u.protocol === 'icmpv6' && u.repr.kind === 'dest-unreach' && u.repr.code).toBe(4);
    expect(b.counter('Udp6NoPorts')).toBe(1);
    expect(b.counter('Icmp6OutDestUnreachs')).toBe(1);
    // Not connected: the error does not reach the socket (no IPV6_RECVERR, icmpv6_err_convert's
    // ECONNREFUSED is kept only for connected sockets).
    expect(s.recv()).toEqual({ ok: false, errno: 'EAGAIN' });
  });

  test('a connected socket sees ECONNREFUSED from the port unreachable on its next call', () => {
    const w = pair();
    const s = udpSocket(w.host('a'));
    expect(s.connect(ip('4321::2'), 7)).toEqual({ ok: true });
    expect(s.send(text.encode('x')).ok).toBe(true);
    w.clock.runUntilIdle(5_000_000);
    expect(s.recv()).toEqual({ ok: false, errno: 'ECONNREFUSED' });
    expect(s.recv()).toEqual({ ok: false, errno: 'EAGAIN' });
  });

  test('connect() answers from the route lookup: ENETUNREACH with no route, the reject route errno', () => {
    const w = pair();
    const a = w.host('a');
    const s = udpSocket(a);
    expect(s.connect(ip('2001:db8::1'), 53)).toEqual({ ok: false, errno: 'ENETUNREACH' });
    a.fib.add({ table: 254, type: 'prohibit', dst: ip('2001:db8::'), prefixLen: 32, metric: 1024, protocol: 'boot' });
    // ip6_route_output on a prohibit route: EACCES (ip6_pkt_prohibit_out).
    expect(s.connect(ip('2001:db8::1'), 53)).toEqual({ ok: false, errno: 'EACCES' });
    expect(s.send(new Uint8Array(1))).toEqual({ ok: false, errno: 'EDESTADDRREQ' });
  });

  test('a datagram with a bad checksum counts Udp6InCsumErrors and Udp6InErrors and is not delivered', () => {
    const w = pair();
    const a = w.host('a');
    const b = w.host('b');
    const srv = udpSocket(b);
    srv.bind(undefined, 7777);
    // A datagram from a's address whose last payload byte was flipped after the checksum was made.
    const udp = emitUdp({ srcPort: 1000, dstPort: 7777, payload: text.encode('abc') }, ip('4321::1'), ip('4321::2'));
    udp[udp.length - 1]! ^= 1;
    const pkt = buildIpv6Packet({ trafficClass: 0, flowLabel: 0, hopLimit: 64, src: ip('4321::1'), dst: ip('4321::2') }, 17, udp);
    const dev = b.device('eth0');
    injectFrame(b, dev, emitEthernet({ dst: dev.mac, src: a.device('eth0').mac, etherType: ETHERTYPE_IPV6, payload: pkt }));
    w.clock.runUntilIdle(5_000_000);
    // udpv6_recvmsg verifies the checksum while copying: nothing is counted until the read.
    expect(srv.rxQueue).toHaveLength(1);
    expect(b.counter('Udp6InCsumErrors')).toBe(0);
    expect(srv.recv()).toEqual({ ok: false, errno: 'EAGAIN' });
    expect([b.counter('Udp6InCsumErrors'), b.counter('Udp6InErrors'), b.counter('Udp6InDatagrams')]).toEqual([1, 1, 0]);
  });
});

describe('UDP property', () => {
  test('every datagram is delivered intact or ends in exactly one terminal drop', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ port: fc.constantFrom(7777, 7778, 9), data: fc.uint8Array({ maxLength: 300 }) }), {
          minLength: 1,
          maxLength: 8,
        }),
        (msgs) => {
          const w = pair('prop');
          const a = w.host('a');
          const b = w.host('b');
          const srv = udpSocket(b);
          srv.bind(undefined, 7777);
          const cli = udpSocket(a);
          const ids: number[] = [];
          for (const m of msgs) {
            const r = cli.sendto(m.data, ip('4321::2'), m.port);
            if (r.ok) ids.push(r.pkt);
          }
          w.clock.runUntilIdle(20_000_000);
          const delivered: number[][] = [];
          for (let r = srv.recv(); r.ok; r = srv.recv()) delivered.push([...r.datagram.data]);
          expect(delivered).toEqual(msgs.filter((m) => m.port === 7777).map((m) => [...m.data]));
          for (const id of ids) {
            const terms = w.trace.ofPacket(id).filter((e) => TERMINAL_KINDS.has(e.step.kind) && e.host === 'b');
            expect(terms).toHaveLength(1);
          }
          expect(b.counter('Udp6NoPorts')).toBe(msgs.filter((m) => m.port !== 7777).length);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('connect() and the xfrm lookup', () => {
  // Recorded on Linux 6.1 (cases/n_setdefault_out B3, n_udp_port_policy W3): nc -u exits 1 at once.
  test('a block policy or setdefault out block fails connect() with EPERM; XfrmOutPolBlock counts the policy', () => {
    const w = pair();
    const a = w.host('a');
    addPolicy(a.xfrm, { dir: 'out', src: ip('::'), dst: ip('4321::2'), plen: 0, proto: 17, action: 'block' });
    expect(udpSocket(a).connect(ip('4321::2'), 5000)).toEqual({ ok: false, errno: 'EPERM' });
    expect(a.xfrm.stats.get('XfrmOutPolBlock')).toBe(1);
    const b = w.host('b');
    b.xfrm.spd.setDefault({ out: 'block' });
    expect(udpSocket(b).connect(ip('4321::1'), 5000)).toEqual({ ok: false, errno: 'EPERM' });
    expect(udpSocket(b).connect(ip('::1'), 5000)).toEqual({ ok: true });
  });

  // Recorded on Linux 6.1 (cases/n_udp_nostate; an strace of nc there: connect, write, close).
  test('under a template without SA: connect() looks up twice (its release finds the blackhole obsolete), each send once, close once more; a socket whose route is no blackhole looks up once', () => {
    const w = pair();
    const a = w.host('a');
    addPolicy(a.xfrm, { dir: 'out', src: ip('4321::1'), dst: ip('4321::2'), proto: 17, tmpls: [{ proto: 'esp' }] });
    const nostates = () => a.xfrm.stats.get('XfrmOutNoStates');
    const s = udpSocket(a);
    expect(s.connect(ip('4321::2'), 5000)).toEqual({ ok: true });
    expect(nostates()).toBe(2);
    const sent = s.send(new Uint8Array([1, 2, 3]));
    expect(sent.ok && sent.blackholed).toBe(true);
    expect(nostates()).toBe(3);
    s.close();
    expect(nostates()).toBe(4);
    const plain = udpSocket(a);
    expect(plain.connect(ip('4321::1'), 5000)).toEqual({ ok: true });
    plain.close();
    expect(nostates()).toBe(4);
  });
});
