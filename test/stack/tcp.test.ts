import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { Host } from '../../src/stack/host.js';
import { tcpSocket } from '../../src/stack/tcp.js';
import { udpSocket } from '../../src/stack/udp.js';
import { parseEthernet } from '../../src/wire/ethernet.js';
import { formatIpv6Address } from '../../src/wire/ipv6-address.js';
import { parsePacket } from '../../src/wire/packet.js';
import { expectOk } from '../../src/wire/result.js';
import { decodeTcpOptions, parseTcp } from '../../src/wire/tcp.js';
import { addPolicy } from '../xfrm/engine-helpers.js';
import { ip, pair, routerWorld, settle } from './helpers.js';

const text = new TextEncoder();

/** The TCP segments of a capture, with their times and the fields tcpdump prints. */
function segments(records: readonly { timeUs: number; frame: Uint8Array }[]) {
  const out = [];
  for (const r of records) {
    const p = expectOk(parsePacket(expectOk(parseEthernet(r.frame)).payload));
    if (p.ipv6.nextHeader !== 6) continue;
    const t = expectOk(parseTcp(r.frame, 54));
    const f = t.flags;
    const flags = `${f.syn ? 'S' : ''}${f.fin ? 'F' : ''}${f.rst ? 'R' : ''}${f.psh ? 'P' : ''}${f.ack ? '.' : ''}`;
    out.push({
      timeUs: r.timeUs,
      src: `${formatIpv6Address(p.ipv6.src)}.${t.srcPort}`,
      dst: `${formatIpv6Address(p.ipv6.dst)}.${t.dstPort}`,
      flags,
      t,
      win: t.window,
      opts: expectOk(decodeTcpOptions(t.options)).map((o) => o.kind),
      len: t.payload.length,
    });
  }
  return out;
}

function established(w: ReturnType<typeof pair>, port = 7777) {
  const a = w.host('a');
  const b = w.host('b');
  const lst = tcpSocket(b);
  lst.bind(undefined, port);
  lst.listen();
  const cli = tcpSocket(a);
  expect(cli.connect(ip('4321::2'), port)).toEqual({ ok: true });
  w.clock.runUntil(w.clock.nowUs + 100_000);
  const srv = lst.accept();
  return { a, b, lst, cli, srv };
}

describe('TCP between two hosts', () => {
  // Kernel capture golden/router_as_intended/router_eth0.txt (Linux 6.1, MTU 1500):
  //   Flags [S],  win 64800, options [mss 1440,sackOK,TS val V ecr 0,nop,wscale 7]
  //   Flags [S.], ack ISN+1, win 64260, options [mss 1440,sackOK,TS val W ecr V,nop,wscale 7]
  //   Flags [.],  seq 1, ack 1, win 507, options [nop,nop,TS val V' ecr W]
  //   Flags [F.], win 507; Flags [F.] ack 2, win 503; Flags [.] seq 2, ack 2
  test('the handshake, data and close carry the kernel capture fields', () => {
    const w = pair();
    const capA = w.host('a').device('eth0').startCapture();
    const { a, b, cli, srv } = established(w);
    expect(cli.state).toBe('ESTABLISHED');
    expect(srv?.state).toBe('ESTABLISHED');
    expect(cli.localPort % 2).toBe(0);
    expect(srv!.send(text.encode('hello world')).ok).toBe(true);
    w.clock.runUntil(w.clock.nowUs + 100_000);
    const got = cli.recv();
    expect(got.ok && new TextDecoder().decode(got.data)).toBe('hello world');
    cli.close();
    w.clock.runUntil(w.clock.nowUs + 100_000);
    expect(srv!.recv()).toEqual({ ok: true, data: new Uint8Array(0) });
    expect(srv!.state).toBe('CLOSE_WAIT');
    srv!.close();
    w.clock.runUntil(w.clock.nowUs + 100_000);
    expect(cli.state).toBe('TIME_WAIT');
    expect(b.tcpSockets.has(srv!)).toBe(false);

    const s = segments(capA.records);
    expect(s.map((x) => [x.flags, x.win, x.opts.join(','), x.len])).toEqual([
      ['S', 64800, 'mss,sack-permitted,timestamps,nop,wscale', 0],
      ['S.', 64260, 'mss,sack-permitted,timestamps,nop,wscale', 0],
      ['.', 507, 'nop,nop,timestamps', 0],
      ['P.', 503, 'nop,nop,timestamps', 11],
      ['.', 507, 'nop,nop,timestamps', 0],
      ['F.', 507, 'nop,nop,timestamps', 0],
      ['.', 503, 'nop,nop,timestamps', 0],
      ['F.', 503, 'nop,nop,timestamps', 0],
      ['.', 507, 'nop,nop,timestamps', 0],
    ]);
    const syn = expectOk(decodeTcpOptions(s[0]!.t.options));
    expect(syn[0]).toEqual({ kind: 'mss', value: 1440 });
    expect(syn[4]).toEqual({ kind: 'wscale', shift: 7 });
    const synTs = syn[2]!;
    const ack = s[1]!.t;
    expect(ack.ack).toBe((s[0]!.t.seq + 1) % 2 ** 32);
    const saTs = expectOk(decodeTcpOptions(ack.options))[2]!;
    expect(synTs.kind === 'timestamps' && saTs.kind === 'timestamps' && saTs.tsecr).toBe(synTs.kind === 'timestamps' && synTs.tsval);
    // The final ACK acknowledges the server's FIN (seq 2, ack 2 relative).
    expect((s[8]!.t.ack - ack.seq + 2 ** 32) % 2 ** 32).toBe(13);
    expect([a.counter('TcpActiveOpens'), b.counter('TcpPassiveOpens'), a.counter('TcpOutRsts')]).toEqual([1, 1, 0]);
    // TIME_WAIT lasts 60 s.
    w.clock.runUntil(w.clock.nowUs + 60_000_000);
    expect(cli.state).toBe('CLOSE');
  });

  // Kernel capture cases/n_tcp_port_policy T1 (port 81, Linux 6.1): after the client's 9 bytes the
  // server's ACK and FIN say win 502, the client keeps saying 507.
  test('the server offers 502 once it has taken a few bytes of its 64260-byte window; the client stays at 507', () => {
    const w = pair();
    const capA = w.host('a').device('eth0').startCapture();
    const { cli, srv } = established(w);
    expect(cli.send(text.encode('ping-tcp\n')).ok).toBe(true);
    w.clock.runUntil(w.clock.nowUs + 100_000);
    cli.close();
    w.clock.runUntil(w.clock.nowUs + 100_000);
    srv!.close();
    w.clock.runUntil(w.clock.nowUs + 100_000);
    const s = segments(capA.records).filter((x) => !x.flags.includes('S'));
    expect(s.map((x) => [x.src.startsWith('4321::1') ? 'cli' : 'srv', x.flags, x.win])).toEqual([
      ['cli', '.', 507],
      ['cli', 'P.', 507],
      ['srv', '.', 502],
      ['cli', 'F.', 507],
      ['srv', '.', 502],
      ['srv', 'F.', 502],
      ['cli', '.', 507],
    ]);
  });

  test('a SYN to a closed port gets RST,ACK and connect() sees ECONNREFUSED', () => {
    const w = pair();
    const a = w.host('a');
    const b = w.host('b');
    const cap = a.device('eth0').startCapture();
    const cli = tcpSocket(a);
    cli.connect(ip('4321::2'), 81);
    w.clock.runUntil(100_000);
    const s = segments(cap.records);
    // tcp_v6_send_reset for a SYN without ACK: seq 0, ack ISN+1, RST|ACK, window 0, no options.
    expect(s.map((x) => [x.flags, x.win, x.opts.length])).toEqual([
      ['S', 64800, 5],
      ['R.', 0, 0],
    ]);
    expect([s[1]!.t.seq, s[1]!.t.ack]).toEqual([0, (s[0]!.t.seq + 1) % 2 ** 32]);
    expect(cli.state).toBe('CLOSE');
    expect(cli.sockErr).toBe('ECONNREFUSED');
    expect([b.counter('TcpOutRsts'), b.counter('NO_SOCKET'), a.counter('TcpAttemptFails')]).toEqual([1, 1, 1]);
  });

  test("REJECT --reject-with tcp-reset answers a SYN with netfilter's RST,ACK: flow label 0, not counted by TCP (kernel: nf_send_reset6)", () => {
    const w = pair();
    const a = w.host('a');
    const b = w.host('b');
    // A listener is there, but the rule rejects before the socket sees the SYN.
    const lst = tcpSocket(b);
    lst.bind(undefined, 80);
    lst.listen();
    b.netfilter.append('filter', 'INPUT', { proto: { num: 6 }, target: { kind: 'REJECT', with: 'tcp-reset' } });
    const cap = a.device('eth0').startCapture();
    const cli = tcpSocket(a);
    cli.connect(ip('4321::2'), 80);
    w.clock.runUntil(100_000);
    const s = segments(cap.records);
    expect(s.map((x) => [x.src.split('.')[0], x.flags, x.win, x.opts.length])).toEqual([
      ['4321::1', 'S', 64800, 5],
      ['4321::2', 'R.', 0, 0],
    ]);
    expect([s[1]!.t.seq, s[1]!.t.ack]).toEqual([0, (s[0]!.t.seq + 1) % 2 ** 32]);
    const rst = expectOk(parsePacket(expectOk(parseEthernet(cap.records[cap.records.length - 1]!.frame)).payload));
    // Recorded on Linux 6.1 (cases/n_reject_tunnel R3): the rejecting host's reset has no flow label.
    expect(rst.ipv6.flowLabel).toBe(0);
    expect(cli.sockErr).toBe('ECONNREFUSED');
    expect([b.counter('TcpOutRsts'), b.counter('TcpOutSegs'), lst.accept()]).toEqual([0, 0, undefined]);
  });

  test('an unanswered SYN is sent again after 1, 2, 4, 8, 16, 32 s, then ETIMEDOUT at 127 s', () => {
    const w = pair();
    const a = w.host('a');
    // A peer that drops every SYN silently (ip6tables -A INPUT -p tcp -j DROP).
    w.host('b').netfilter.append('filter', 'INPUT', { proto: { num: 6 }, target: { kind: 'DROP' } });
    const cap = a.device('eth0').startCapture();
    const cli = tcpSocket(a);
    cli.connect(ip('4321::2'), 80);
    w.clock.runUntil(200_000_000);
    const times = segments(cap.records)
      .filter((x) => x.flags === 'S')
      .map((x) => Math.round(x.timeUs / 1e6));
    expect(times).toEqual([0, 1, 3, 7, 15, 31, 63]);
    expect(cli.sockErr).toBe('ETIMEDOUT');
    expect(a.counter('TcpRetransSegs')).toBe(6);
  });

  test('conntrack sees the SYN as NEW and the rest of the connection as ESTABLISHED', () => {
    const w = pair();
    const b = w.host('b');
    b.netfilter.append('filter', 'INPUT', {
      matches: [{ kind: 'conntrack', state: { states: ['INVALID'] } }],
      target: { kind: 'DROP' },
    });
    const { cli } = established(w);
    cli.send(text.encode('x'));
    w.clock.runUntil(w.clock.nowUs + 100_000);
    const isTcp = (pkt: number) => w.trace.ofPacket(pkt).some((e) => e.step.kind === 'created' && e.step.summary.includes(': TCP '));
    const states = w.trace.events
      .filter((e) => e.host === 'b' && e.step.kind === 'hook' && e.step.hook === 'PREROUTING' && isTcp(e.pkt))
      .flatMap((e) => (e.step.kind === 'hook' ? e.step.steps : []))
      .filter((st) => st.kind === 'conntrack')
      .map((st) => (st.kind === 'conntrack' ? st.state : ''));
    expect(states).toEqual(['NEW', 'ESTABLISHED', 'ESTABLISHED']);
  });

  // ip6tables -A INPUT -p tcp -j REJECT: the SYN gets an ICMPv6 port unreachable, and tcp_v6_err
  // ends a connect in SYN_SENT with icmpv6_err_convert's ECONNREFUSED.
  test('an ICMPv6 port unreachable for the SYN makes connect() fail with ECONNREFUSED', () => {
    const w = pair();
    const a = w.host('a');
    w.host('b').netfilter.append('filter', 'INPUT', { proto: { num: 6 }, target: { kind: 'REJECT', with: 'icmp6-port-unreachable' } });
    const cli = tcpSocket(a);
    cli.connect(ip('4321::2'), 80);
    w.clock.runUntil(100_000);
    expect([cli.state, cli.sockErr, a.counter('TcpAttemptFails'), a.counter('TcpRetransSegs')]).toEqual(['CLOSE', 'ECONNREFUSED', 1, 0]);
  });

  test('an administratively prohibited error makes connect() fail with EACCES', () => {
    const w = pair();
    const a = w.host('a');
    w.host('b').netfilter.append('filter', 'INPUT', { proto: { num: 6 }, target: { kind: 'REJECT', with: 'icmp6-adm-prohibited' } });
    const cli = tcpSocket(a);
    cli.connect(ip('4321::2'), 80);
    w.clock.runUntil(100_000);
    expect([cli.state, cli.sockErr]).toEqual(['CLOSE', 'EACCES']);
  });

  test('a listener whose SYN-ACKs are lost sends them again after 1, 2, 4, 8, 16 s, then drops the request', () => {
    const w = pair();
    const a = w.host('a');
    const b = w.host('b');
    const lst = tcpSocket(b);
    lst.bind(undefined, 80);
    lst.listen();
    // ip6tables -A INPUT -p tcp --tcp-flags SYN,ACK SYN,ACK -j DROP on the client, as a filter on
    // everything TCP from b: a drops every SYN-ACK, so its own SYN retransmits also reach b.
    a.netfilter.append('filter', 'INPUT', { proto: { num: 6 }, target: { kind: 'DROP' } });
    const cap = b.device('eth0').startCapture();
    const cli = tcpSocket(a);
    cli.connect(ip('4321::2'), 80);
    w.clock.runUntil(40_000_000);
    const synacks = segments(cap.records).filter((x) => x.flags === 'S.' && x.src.startsWith('4321::2'));
    // Timer retransmits at 1, 3, 7, 15, 31 s, plus one answer to each of the client's SYN
    // retransmits at 1, 3, 7, 15, 31 s (tcp_check_req); each carries the same ISN.
    expect(new Set(synacks.map((x) => x.t.seq)).size).toBe(1);
    expect(synacks.length).toBeGreaterThanOrEqual(6);
    // The request lives until the timer after the fifth retransmit, 63 s after the first SYN-ACK.
    w.clock.runUntil(62_000_000);
    expect([...b.tcpSockets].filter((s) => s.state === 'SYN_RECV')).toHaveLength(1);
    cli.close();
    w.clock.runUntil(70_000_000);
    expect([...b.tcpSockets].filter((s) => s.state === 'SYN_RECV')).toHaveLength(0);
    expect(lst.accept()).toBeUndefined();
  });

  test('bind() to a port in use is EADDRINUSE', () => {
    const w = pair();
    const a: Host = w.host('a');
    tcpSocket(a).bind(undefined, 22);
    expect(() => tcpSocket(a).bind(ip('4321::1'), 22)).toThrow('Address already in use');
  });
});

describe('the xfrm in check on the TCP and UDP paths (kernel-semantics 3.5)', () => {
  // `ip xfrm policy add dir in proto tcp|udp action block`: refuses TCP and UDP, lets neighbour discovery through.
  const refuse = (h: Host) => {
    for (const proto of [6, 17]) addPolicy(h.xfrm, { dir: 'in', plen: 0, proto, action: 'block' });
  };

  test('a SYN to a closed port that fails the check gets no RST', () => {
    const w = pair();
    const a = w.host('a');
    const b = w.host('b');
    refuse(b);
    const cap = a.device('eth0').startCapture();
    tcpSocket(a).connect(ip('4321::2'), 81);
    w.clock.runUntil(100_000);
    expect(segments(cap.records).map((x) => x.flags)).toEqual(['S']);
    expect([b.counter('XfrmInPolBlock'), b.counter('TcpOutRsts'), b.counter('TcpInSegs')]).toEqual([1, 0, 1]);
  });

  // Recorded on Linux 6.1 (cases/n_udp_port_policy W2): __udp6_lib_rcv's discard counts Udp6InErrors.
  test('a datagram to a closed port that fails the check gets no port unreachable and counts Udp6InErrors', () => {
    const w = pair();
    const a = w.host('a');
    const b = w.host('b');
    refuse(b);
    udpSocket(a).sendto(new Uint8Array(4), ip('4321::2'), 9);
    w.clock.runUntilIdle(5_000_000);
    expect([b.counter('XfrmInPolBlock'), b.counter('Udp6NoPorts'), b.counter('Icmp6OutDestUnreachs'), b.counter('Udp6InErrors')]).toEqual([
      1, 0, 0, 1,
    ]);
  });

  test('a datagram for a bound socket that fails the check also counts Udp6InErrors', () => {
    const w = pair();
    const a = w.host('a');
    const b = w.host('b');
    refuse(b);
    const s = udpSocket(b);
    s.bind(undefined, 9);
    udpSocket(a).sendto(new Uint8Array(4), ip('4321::2'), 9);
    w.clock.runUntilIdle(5_000_000);
    expect(s.rxQueue).toHaveLength(0);
    expect([b.counter('XfrmInPolBlock'), b.counter('Udp6InErrors'), b.counter('Udp6InDatagrams')]).toEqual([1, 1, 0]);
  });
});

describe('TCP property', () => {
  test('bytes sent either way arrive intact and in order, cut into segments of at most the MSS', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 4000 }), { minLength: 1, maxLength: 4 }), (chunks) => {
        const w = pair('tcp-prop');
        const cap = w.host('a').device('eth0').startCapture();
        const { cli, srv } = established(w);
        for (const c of chunks) expect(cli.send(c).ok).toBe(true);
        w.clock.runUntil(w.clock.nowUs + 100_000);
        const got = srv!.recv();
        const want = chunks.flatMap((c) => [...c]);
        expect(got.ok && [...got.data]).toEqual(want);
        expect(segments(cap.records).every((x) => x.len <= 1440 - 12)).toBe(true);
      }),
      { numRuns: 25, examples: [[[new Uint8Array(4000).fill(7)]]] },
    );
  });

  // Linux hands the veth one GSO packet for these three segments (recorded: cases/n_tcp_pmtu's
  // first run, `length 4000` on both links); GSO is not built, so the model sends the segments the
  // device would cut it into.
  test('4000 bytes go out as 1428, 1428 and 1144 (MSS 1440 less 12 bytes of timestamps)', () => {
    const w = pair();
    const { cli, srv } = established(w);
    const cap = w.host('a').device('eth0').startCapture();
    cli.send(new Uint8Array(4000));
    w.clock.runUntil(w.clock.nowUs + 100_000);
    expect(segments(cap.records).map((x) => [x.flags, x.len])).toEqual([
      ['.', 1428],
      ['.', 1428],
      ['P.', 1144],
      ['.', 0],
      ['.', 0],
      ['.', 0],
    ]);
    expect(srv!.recv().ok).toBe(true);
  });

  test('shutdownWrite sends a FIN but keeps reading: the peer can still answer, and its FIN ends the connection', () => {
    const w = pair();
    const { cli, srv } = established(w);
    expect(cli.shutdownWrite()).toEqual({ ok: true });
    w.clock.runUntil(w.clock.nowUs + 100_000);
    expect(cli.state).toBe('FIN_WAIT2');
    expect(srv!.state).toBe('CLOSE_WAIT');
    expect(srv!.send(new TextEncoder().encode('late'))).toEqual({ ok: true });
    w.clock.runUntil(w.clock.nowUs + 100_000);
    const got = cli.recv();
    expect(got.ok && new TextDecoder().decode(got.data)).toBe('late');
    srv!.close();
    w.clock.runUntil(w.clock.nowUs + 100_000);
    expect(cli.recv()).toEqual({ ok: true, data: new Uint8Array(0) });
    expect(cli.state).toBe('TIME_WAIT');
    expect(tcpSocket(w.host('a')).shutdownWrite()).toEqual({ ok: false, errno: 'ENOTCONN' });
  });
});

describe('TCP and a Packet Too Big (tcp_v6_mtu_reduced, tcp_simple_retransmit, the out-of-order queue)', () => {
  test('a router with a 1280-byte link: the MSS shrinks, the big segments go again cut to it, the receiver SACKs what waits past the hole', () => {
    const w = settle(routerWorld(true));
    w.host('router').device('eth1').mtu = 1280;
    const remote = w.host('remote');
    const internal = w.host('internal');
    const lst = tcpSocket(internal);
    lst.bind(undefined, 7000);
    lst.listen();
    const cli = tcpSocket(remote);
    cli.connect(ip('4444::2'), 7000);
    w.clock.runUntil(w.clock.nowUs + 100_000);
    const srv = lst.accept()!;
    const capR = remote.device('eth0').startCapture();
    const capI = internal.device('eth0').startCapture();
    const data = Uint8Array.from({ length: 4000 }, (_, i) => i % 251);
    expect(cli.send(data).ok).toBe(true);
    w.clock.runUntil(w.clock.nowUs + 100_000);
    const got = srv.recv();
    expect(got.ok && [...got.data]).toEqual([...data]);
    expect(remote.counter('Icmp6InPktTooBigs')).toBe(2);
    const sent = segments(capR.records).filter((x) => x.src.startsWith('4321::2') && x.len > 0);
    // 1428, 1428 and 1144 first; the two that did not fit again as 1208 + 220 each (1280 less 60 and 12 of timestamps).
    expect(sent.map((x) => x.len)).toEqual([1428, 1428, 1144, 1208, 220, 1208, 220]);
    expect(remote.counter('TcpRetransSegs')).toBe(4);
    // The receiver got the last segment first: its ACKs name it in a SACK block until the hole is filled.
    const acks = segments(capI.records).filter((x) => x.src.startsWith('4444::2') && x.len === 0 && x.flags === '.');
    expect(acks.slice(0, 4).every((x) => x.opts.includes('sack'))).toBe(true);
    expect(acks[4]?.opts.includes('sack')).toBe(false);
  });
});
