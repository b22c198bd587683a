import { describe, expect, it } from 'vitest';
import { formatIpv6Address, ipv6 } from '../../../src/wire/ipv6-address.js';
import { IPPROTO } from '../../../src/wire/proto.js';
import { Host, nflog, show, stateOf } from './harness.js';
import { A, ahTransport, ahTunnel, B, echo, esp, icmp6, icmp6Error, nf, sa, TH, tcp, udp } from './packets.js';

const SEC = 1_000_000;

/** Two hosts a (4321::1) and b (4321::2) on one link, with conntrack hooked in (a ctstate rule exists). */
function pair(log?: string[]): { a: Host; b: Host } {
  const a = new Host('a', { log });
  const b = new Host('b', { log });
  for (const h of [a, b])
    h.nf.append('mangle', 'PREROUTING', { matches: [{ kind: 'conntrack', state: { states: ['INVALID'] } }], target: { kind: 'none' } });
  return { a, b };
}

describe('conntrack: ICMPv6 echo', () => {
  it('an echo request is NEW with its id in the tuple; the reply and later requests of that id are ESTABLISHED', () => {
    // kernel-semantics §6.2, VERIFIED e05 (NEW/ESTAB tags), e10; later requests (*) reviewed with counters.
    const { a, b } = pair();
    expect(stateOf(a.send(nf(echo(A, B, 77, 1)), SEC))).toBe('NEW');
    expect(stateOf(b.receive(nf(echo(A, B, 77, 1)), SEC))).toBe('NEW');
    expect(stateOf(b.send(nf(echo(B, A, 77, 1, { type: 129 })), SEC))).toBe('ESTABLISHED');
    expect(stateOf(a.receive(nf(echo(B, A, 77, 1, { type: 129 })), SEC))).toBe('ESTABLISHED');
    expect(stateOf(a.send(nf(echo(A, B, 77, 2)), 2 * SEC))).toBe('ESTABLISHED');
    // Another id is another connection.
    expect(stateOf(a.send(nf(echo(A, B, 78, 1)), 2 * SEC))).toBe('NEW');
    const e = a.nf.conntrack.list(2 * SEC).find((x) => x.orig.id === 77)!;
    expect([e.protoName, e.orig.type, e.orig.code, e.reply.type, e.reply.id, e.unreplied]).toEqual(['icmpv6', 128, 0, 129, 77, false]);
  });

  it('an unsolicited echo reply is INVALID on the sender (OUTPUT) and the receiver (PREROUTING, INPUT)', () => {
    // VERIFIED e10 "unsolicited echo reply a->b": the kernel's lines, ID/SEQ/CODE removed by the harness.
    const log: string[] = [];
    const { a, b } = pair(log);
    nflog(a);
    nflog(b);
    const reply = icmp6(A, B, 129, 0, Uint8Array.of(0x12, 0x34, 0, 1, 0x61, 0x62, 0x63, 0x64));
    a.send(nf(reply), SEC);
    b.receive(nf(reply), SEC);
    expect(show(log, /TYPE=129/)).toEqual([
      'a:m:OUT:INVAL IN= OUT=eth0 SRC=4321::1 DST=4321::2 PROTO=ICMPv6 TYPE=129',
      'b:m:PRE:INVAL IN=eth0 OUT= SRC=4321::1 DST=4321::2 PROTO=ICMPv6 TYPE=129',
      'b:m:IN:INVAL IN=eth0 OUT= SRC=4321::1 DST=4321::2 PROTO=ICMPv6 TYPE=129',
    ]);
    expect(a.nf.conntrack.list(SEC)).toEqual([]);
  });

  it('neighbour discovery and MLD are UNTRACKED and leave no entry', () => {
    // kernel-semantics §6.2 (NS/NA VERIFIED e10 "a:m:OUT:UNTRA ... TYPE=135"); RS, RA, MLD from
    // nf_conntrack_proto_icmpv6.c noct_valid_new (no log covers them).
    const { a } = pair();
    const sn = ipv6('ff02::1:ff00:2');
    for (const type of [133, 134, 135, 136, 130, 131, 132, 143]) {
      expect(stateOf(a.send(nf(icmp6(A, sn, type, 0, new Uint8Array(20), { hlim: 255 })), SEC))).toBe('UNTRACKED');
    }
    expect(a.nf.conntrack.list(SEC)).toEqual([]);
  });

  it('an echo entry times out 30 s after its last packet; the next request is NEW again', () => {
    // nf_conntrack_icmpv6_timeout 30 s (kernel-semantics §6.2; e05 S2 lists "icmpv6 58 29" 0.3 s after the ping).
    const { a } = pair();
    a.send(nf(echo(A, B, 5)), 10 * SEC);
    expect(a.nf.conntrack.list(39 * SEC)[0]?.timeoutSec).toBe(1);
    expect(a.nf.conntrack.list(40 * SEC)).toEqual([]);
    expect(stateOf(a.send(nf(echo(A, B, 5)), 40 * SEC))).toBe('NEW');
  });

  it('other informational types that cannot start a connection are INVALID (redirect, node information reply)', () => {
    // icmpv6_invert_tuple: only echo and node information invert; icmpv6_new: only 128 and 139 start one.
    const { a } = pair();
    expect(stateOf(a.send(nf(icmp6(A, B, 137, 0, new Uint8Array(36))), SEC))).toBe('INVALID');
    expect(stateOf(a.send(nf(icmp6(A, B, 140, 0, new Uint8Array(12))), SEC))).toBe('INVALID');
    expect(stateOf(a.send(nf(icmp6(A, B, 139, 0, new Uint8Array(12))), SEC))).toBe('NEW');
  });
});

describe('conntrack: ICMPv6 errors', () => {
  it('a port unreachable about a tracked UDP flow is RELATED on both hosts, logged with the quoted packet', () => {
    // VERIFIED e10 "UDP to closed port (ICMPv6 port unreachable back)".
    const log: string[] = [];
    const { a, b } = pair(log);
    nflog(a);
    nflog(b);
    const u = udp(A, B, 57444, 7777);
    a.send(nf(u), SEC);
    b.receive(nf(u), SEC);
    const err = icmp6Error(B, A, 1, 4, u);
    b.send(nf(err), SEC);
    a.receive(nf(err), SEC);
    expect(show(log, /PROTO=(UDP|ICMPv6)/)).toEqual([
      'a:m:OUT:NEW IN= OUT=eth0 SRC=4321::1 DST=4321::2 PROTO=UDP SPT=57444 DPT=7777',
      'b:m:PRE:NEW IN=eth0 OUT= SRC=4321::1 DST=4321::2 PROTO=UDP SPT=57444 DPT=7777',
      'b:m:IN:NEW IN=eth0 OUT= SRC=4321::1 DST=4321::2 PROTO=UDP SPT=57444 DPT=7777',
      'b:m:OUT:RELAT IN= OUT=eth0 SRC=4321::2 DST=4321::1 PROTO=ICMPv6 TYPE=1 [SRC=4321::1 DST=4321::2 PROTO=UDP SPT=57444 DPT=7777 ]',
      'a:m:PRE:RELAT IN=eth0 OUT= SRC=4321::2 DST=4321::1 PROTO=ICMPv6 TYPE=1 [SRC=4321::1 DST=4321::2 PROTO=UDP SPT=57444 DPT=7777 ]',
      'a:m:IN:RELAT IN=eth0 OUT= SRC=4321::2 DST=4321::1 PROTO=ICMPv6 TYPE=1 [SRC=4321::1 DST=4321::2 PROTO=UDP SPT=57444 DPT=7777 ]',
    ]);
  });

  it('an error about a flow conntrack does not know is INVALID', () => {
    // nf_conntrack_inet_error: no entry for the inverted quoted tuple -> -NF_ACCEPT (INVALID).
    const { a } = pair();
    expect(stateOf(a.receive(nf(icmp6Error(B, A, 1, 4, udp(A, B, 1000, 2000))), SEC))).toBe('INVALID');
  });

  it('an error about a tracked flow but sent to another address than the flow source is INVALID', () => {
    // nf_conntrack_inet_error: the outer destination must be the connection's destination in the reply direction.
    const { a } = pair();
    const r = ipv6('4444::1');
    a.forward(nf(echo(A, ipv6('4444::2'), 9), { inDev: 'eth0', outDev: 'eth1' }), SEC);
    const quoted = echo(A, ipv6('4444::2'), 9);
    expect(stateOf(a.forward(nf(icmp6Error(r, A, 3, 0, quoted), { inDev: 'eth1', outDev: 'eth0' }), SEC))).toBe('RELATED');
    expect(stateOf(a.forward(nf(icmp6Error(r, B, 3, 0, quoted), { inDev: 'eth1', outDev: 'eth0' }), SEC))).toBe('INVALID');
  });
});

describe('conntrack: UDP', () => {
  it('the first packet is NEW, the reply and everything after ESTABLISHED', () => {
    // kernel-semantics §6.2; VERIFIED e10 "UDP request/response" (later packets ESTAB both ways).
    const { a, b } = pair();
    expect(stateOf(a.send(nf(udp(A, B, 57012, 5353)), SEC))).toBe('NEW');
    expect(stateOf(b.receive(nf(udp(A, B, 57012, 5353)), SEC))).toBe('NEW');
    expect(stateOf(b.send(nf(udp(B, A, 5353, 57012)), SEC))).toBe('ESTABLISHED');
    expect(stateOf(a.receive(nf(udp(B, A, 5353, 57012)), SEC))).toBe('ESTABLISHED');
    expect(stateOf(a.send(nf(udp(A, B, 57012, 5353)), SEC + 1000))).toBe('ESTABLISHED');
  });

  it('keeps 30 s until two-way traffic lasts more than 2 s, then 120 s and ASSURED', () => {
    // kernel-semantics §6.2 "timeout 30 s; 120 s once two-way traffic lasts > 2 s" (nf_conntrack_proto_udp.c stream_ts).
    const { a } = pair();
    a.send(nf(udp(A, B, 1, 2)), 0);
    a.receive(nf(udp(B, A, 2, 1)), 100_000);
    a.send(nf(udp(A, B, 1, 2)), 1 * SEC);
    let e = a.nf.conntrack.list(1 * SEC)[0]!;
    expect([e.timeoutSec, e.assured, e.unreplied]).toEqual([30, false, false]);
    a.send(nf(udp(A, B, 1, 2)), 2 * SEC + 1);
    e = a.nf.conntrack.list(2 * SEC + 1)[0]!;
    expect([e.timeoutSec, e.assured]).toEqual([120, true]);
  });

  it('a datagram shorter than its length field says is INVALID', () => {
    // udp_error: "truncated/malformed packet".
    const { a } = pair();
    const bytes = udp(A, B, 1, 2, new Uint8Array(4));
    bytes[44] = 0;
    bytes[45] = 200;
    expect(stateOf(a.send(nf(bytes), SEC))).toBe('INVALID');
  });

  it('a bad checksum is INVALID in PREROUTING but not when the device vouches for it, nor on output', () => {
    // udp_error: checksum verified only in PREROUTING (nf_conntrack_checksum=1), skipped for CHECKSUM_UNNECESSARY.
    const { a } = pair();
    const bytes = udp(B, A, 1, 2);
    bytes[46] = bytes[46]! ^ 0xff;
    expect(stateOf(a.receive(nf(bytes), SEC))).toBe('INVALID');
    expect(stateOf(a.receive(nf(bytes, { checksumUnnecessary: true }), SEC))).toBe('NEW');
    const out = udp(A, B, 3, 4);
    out[46] = out[46]! ^ 0xff;
    expect(stateOf(a.send(nf(out), SEC))).toBe('NEW');
  });
});

describe('conntrack: TCP', () => {
  const SYN_OPTS = Uint8Array.of(2, 4, 5, 0xa0, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7);

  it('a handshake, data and close: NEW, then ESTABLISHED, ending in TIME_WAIT [ASSURED] for 120 s', () => {
    // kernel-semantics §6.2 (SYN NEW; SYN-ACK and after ESTABLISHED, VERIFIED e10 "TCP handshake + close");
    // article router_as_intended: "tcp 6 111 TIME_WAIT ... [ASSURED]" 9 s after the last ACK.
    const { a, b } = pair();
    const c = 36228;
    const s = 7777;
    const step = (from: Host, to: Host, src: Uint8Array, dst: Uint8Array, sp: number, dp: number, flags: number, o: object, t: number) => {
      const pkt = tcp(src, dst, sp, dp, flags, o);
      const out = stateOf(from.send(nf(pkt), t));
      const inn = stateOf(to.receive(nf(pkt), t));
      return [out, inn];
    };
    expect(step(a, b, A, B, c, s, TH.SYN, { seq: 100, options: SYN_OPTS }, SEC)).toEqual(['NEW', 'NEW']);
    expect(step(b, a, B, A, s, c, TH.SYN | TH.ACK, { seq: 500, ack: 101, options: SYN_OPTS }, SEC)).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(step(a, b, A, B, c, s, TH.ACK, { seq: 101, ack: 501 }, SEC)).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(step(a, b, A, B, c, s, TH.ACK | TH.PSH, { seq: 101, ack: 501, data: Uint8Array.of(0x68, 0x69) }, SEC)).toEqual([
      'ESTABLISHED',
      'ESTABLISHED',
    ]);
    let e = a.nf.conntrack.list(SEC)[0]!;
    // Unacknowledged data caps the ESTABLISHED timeout at 300 s (nf_conntrack_tcp_timeout_unacknowledged).
    expect([e.tcpState, e.timeoutSec, e.assured]).toEqual(['ESTABLISHED', 300, true]);
    expect(step(b, a, B, A, s, c, TH.ACK, { seq: 501, ack: 103 }, SEC)).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    e = a.nf.conntrack.list(SEC)[0]!;
    expect([e.tcpState, e.timeoutSec]).toEqual(['ESTABLISHED', 432000]);
    expect(step(b, a, B, A, s, c, TH.FIN | TH.ACK, { seq: 501, ack: 103 }, SEC)).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(step(a, b, A, B, c, s, TH.ACK, { seq: 103, ack: 502 }, SEC)).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(step(a, b, A, B, c, s, TH.FIN | TH.ACK, { seq: 103, ack: 502 }, SEC)).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(step(b, a, B, A, s, c, TH.ACK, { seq: 502, ack: 104 }, SEC)).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    e = a.nf.conntrack.list(10 * SEC)[0]!;
    expect([e.tcpState, e.timeoutSec, e.assured, e.unreplied]).toEqual(['TIME_WAIT', 111, true, false]);
    expect([formatIpv6Address(e.orig.src), e.orig.sport, e.orig.dport, e.reply.sport, e.reply.dport]).toEqual(['4321::1', c, s, s, c]);
  });

  it('a SYN to a closed port is NEW and the RST answering it ESTABLISHED; the entry goes away', () => {
    // VERIFIED e10 "TCP SYN to closed port (RST back)", the lines with ports removed as the script does.
    const log: string[] = [];
    const { a, b } = pair(log);
    nflog(a);
    nflog(b);
    const syn = tcp(A, B, 40000, 8081, TH.SYN, { seq: 1000, options: SYN_OPTS });
    a.send(nf(syn), SEC);
    b.receive(nf(syn), SEC);
    const rst = tcp(B, A, 8081, 40000, TH.RST | TH.ACK, { seq: 0, ack: 1001, window: 0 });
    b.send(nf(rst), SEC);
    a.receive(nf(rst), SEC);
    expect(show(log, /PROTO=TCP/).map((l) => l.replace(/ SPT=[0-9]+ DPT=[0-9]+/, ''))).toEqual([
      'a:m:OUT:NEW IN= OUT=eth0 SRC=4321::1 DST=4321::2 PROTO=TCP SYN',
      'b:m:PRE:NEW IN=eth0 OUT= SRC=4321::1 DST=4321::2 PROTO=TCP SYN',
      'b:m:IN:NEW IN=eth0 OUT= SRC=4321::1 DST=4321::2 PROTO=TCP SYN',
      'b:m:OUT:ESTAB IN= OUT=eth0 SRC=4321::2 DST=4321::1 PROTO=TCP ACK RST',
      'a:m:PRE:ESTAB IN=eth0 OUT= SRC=4321::2 DST=4321::1 PROTO=TCP ACK RST',
      'a:m:IN:ESTAB IN=eth0 OUT= SRC=4321::2 DST=4321::1 PROTO=TCP ACK RST',
    ]);
    // "If only reply is a RST ... delete the conntrack immediately" (nf_conntrack_tcp_packet).
    expect(a.nf.conntrack.list(SEC)).toEqual([]);
  });

  it('segments without a connection: a bare ACK is picked up as NEW, SYN-ACK, RST and FIN are INVALID', () => {
    // kernel-semantics §6.2; VERIFIED e10 "crafted TCP segments" for RST, FIN and the answers to SYN-ACK and FIN;
    // the ACK and SYN-ACK rows (*) were reproduced with counters during review.
    const { a, b } = pair();
    const seg = (sport: number, flags: number) => tcp(A, B, sport, 9999, flags, { seq: 1000, ack: 2000, window: 1000 });
    expect(stateOf(a.send(nf(seg(40001, TH.ACK)), SEC))).toBe('NEW');
    expect(stateOf(b.receive(nf(seg(40001, TH.ACK)), SEC))).toBe('NEW');
    // b's answer to the stray ACK: RST with seq = the ACK's ack, no ACK flag.
    const rst1 = tcp(B, A, 9999, 40001, TH.RST, { seq: 2000, window: 0 });
    expect(stateOf(b.send(nf(rst1), SEC))).toBe('ESTABLISHED');
    expect(stateOf(a.receive(nf(rst1), SEC))).toBe('ESTABLISHED');

    expect(stateOf(a.send(nf(seg(40002, TH.SYN | TH.ACK)), SEC))).toBe('INVALID');
    const rst2 = tcp(B, A, 9999, 40002, TH.RST, { seq: 2000, window: 0 });
    expect(stateOf(b.send(nf(rst2), SEC))).toBe('INVALID');
    expect(stateOf(a.receive(nf(rst2), SEC))).toBe('INVALID');

    expect(stateOf(a.send(nf(seg(40003, TH.RST)), SEC))).toBe('INVALID');

    expect(stateOf(a.send(nf(tcp(A, B, 40004, 9999, TH.FIN, { seq: 1000, window: 1000 })), SEC))).toBe('INVALID');
    const rst4 = tcp(B, A, 9999, 40004, TH.RST | TH.ACK, { seq: 0, ack: 1001, window: 0 });
    expect(stateOf(a.receive(nf(rst4), SEC))).toBe('INVALID');
  });

  it('a picked-up connection keeps the unacknowledged timeout (300 s) until a reply comes', () => {
    // nf_conntrack_tcp_packet: "ESTABLISHED without SEEN_REPLY ... Avoid large ESTABLISHED timeout".
    const { a } = pair();
    a.send(nf(tcp(A, B, 40001, 22, TH.ACK, { seq: 1000, ack: 2000 })), 0);
    const e = a.nf.conntrack.list(0)[0]!;
    expect([e.tcpState, e.timeoutSec, e.unreplied]).toEqual(['ESTABLISHED', 300, true]);
  });

  it('a SYN reusing the ports of a closed connection replaces its entry with a NEW one', () => {
    // nf_conntrack_tcp_packet: SYN in TIME_WAIT after a FIN close -> kill and look up again (-NF_REPEAT).
    const { a } = pair();
    const out = (flags: number, o: object) => a.send(nf(tcp(A, B, 5000, 80, flags, o)), SEC);
    const inn = (flags: number, o: object) => a.receive(nf(tcp(B, A, 80, 5000, flags, o)), SEC);
    out(TH.SYN, { seq: 1 });
    inn(TH.SYN | TH.ACK, { seq: 9, ack: 2 });
    out(TH.ACK, { seq: 2, ack: 10 });
    out(TH.FIN | TH.ACK, { seq: 2, ack: 10 });
    inn(TH.FIN | TH.ACK, { seq: 10, ack: 3 });
    out(TH.ACK, { seq: 3, ack: 11 });
    const old = a.nf.conntrack.list(SEC)[0]!;
    expect(old.tcpState).toBe('TIME_WAIT');
    expect(stateOf(out(TH.SYN, { seq: 5000 }))).toBe('NEW');
    const now = a.nf.conntrack.list(SEC);
    expect(now.map((e) => e.tcpState)).toEqual(['SYN_SENT']);
    expect(now[0]!.id).not.toBe(old.id);
  });

  it('a segment with a flag combination no stack sends, or a header cut short, is INVALID', () => {
    // tcp_error: tcp_valid_flags[], "truncated packet".
    const { a } = pair();
    expect(stateOf(a.send(nf(tcp(A, B, 1, 2, TH.SYN | TH.FIN)), SEC))).toBe('INVALID');
    const cut = tcp(A, B, 1, 2, TH.SYN).slice(0, 50);
    cut[5] = 10;
    expect(stateOf(a.send(nf(cut), SEC))).toBe('INVALID');
  });
});

describe('conntrack: IPsec packets', () => {
  it('ESP is one generic entry per address pair without the SPI: NEW until the other direction is seen, 600 s', () => {
    // kernel-semantics §6.2 (VERIFIED e05 S1/S1b tags, S2 listing "unknown 50 599").
    const { a } = pair();
    expect(stateOf(a.send(nf(esp(A, B, 0x100)), SEC))).toBe('NEW');
    expect(stateOf(a.send(nf(esp(A, B, 0x200)), SEC))).toBe('NEW');
    expect(stateOf(a.receive(nf(esp(B, A, 0x101)), SEC))).toBe('ESTABLISHED');
    expect(stateOf(a.send(nf(esp(A, B, 0x100, 2)), SEC))).toBe('ESTABLISHED');
    const l = a.nf.conntrack.list(SEC + 500_000);
    expect(l.map((e) => [e.protoName, e.protonum, e.timeoutSec, e.orig.sport])).toEqual([['unknown', 50, 599, undefined]]);
  });

  it('AH in tunnel mode is a generic proto-41 entry of the outer addresses, apart from the inner flow', () => {
    // kernel-semantics §6.2; article router_as_intended "unknown 41 596 src=:: dst=4321::1 [UNREPLIED] src=4321::1 dst=::".
    const { a } = pair();
    const inner = echo(B, ipv6('4444::2'), 893);
    const outer = ahTunnel(ipv6('::'), A, inner, 0x10e1);
    expect(stateOf(a.receive(nf(outer), SEC))).toBe('NEW');
    const l = a.nf.conntrack.list(5 * SEC);
    expect(l).toHaveLength(1);
    const e = l[0]!;
    expect([e.protoName, e.protonum, e.timeoutSec, e.unreplied]).toEqual(['unknown', IPPROTO.IPV6, 596, true]);
    expect([
      formatIpv6Address(e.orig.src),
      formatIpv6Address(e.orig.dst),
      formatIpv6Address(e.reply.src),
      formatIpv6Address(e.reply.dst),
    ]).toEqual(['::', '4321::1', '4321::1', '::']);
  });

  it('AH in transport mode is tracked as the protocol after it', () => {
    // kernel-semantics §6.2 (VERIFIED e05 S3): AH skipped by ipv6_skip_exthdr.
    const { a } = pair();
    expect(stateOf(a.receive(nf(ahTransport(echo(B, A, 3), 0x300)), SEC))).toBe('NEW');
    expect(a.nf.conntrack.list(SEC).map((e) => e.protoName)).toEqual(['icmpv6']);
  });

  it('the decapsulated packet gets its own lookup: the stack drops the reference, the mark and secpath stay', () => {
    // kernel-semantics §3.4, §6.2: "an echo request is NEW again on the receiver".
    const { b } = pair();
    const e = b.receive(nf(esp(A, B, 0x100)), SEC);
    expect(e.pkt.ct?.kind).toBe('tracked');
    const inner = b.receive({ ...e.pkt, bytes: echo(A, B, 1), ct: undefined, secPath: [sa('esp', 0x100, 'tunnel')] }, SEC);
    expect(stateOf(inner)).toBe('NEW');
    expect(
      b.nf.conntrack
        .list(SEC)
        .map((x) => x.protoName)
        .sort(),
    ).toEqual(['icmpv6', 'unknown']);
  });
});

describe('conntrack: confirmation and registration', () => {
  it('an entry whose first packet is dropped before confirmation never enters the table', () => {
    // nf_conntrack_confirm runs last in POSTROUTING/INPUT; article router_as_intended lists no entry for
    // the pings and SYNs of "other" that FORWARD dropped.
    const { a } = pair();
    a.nf.append('filter', 'INPUT', { proto: { num: IPPROTO.ICMPV6 }, target: { kind: 'DROP' } });
    expect(a.receive(nf(echo(B, A, 4)), SEC).kind).toBe('drop');
    expect(a.nf.conntrack.list(SEC)).toEqual([]);
    expect(stateOf(a.receive(nf(udp(B, A, 1, 2)), SEC))).toBe('NEW');
    expect(a.nf.conntrack.list(SEC).map((e) => e.protoName)).toEqual(['udp']);
  });

  it('tracks nothing while no rule needs conntrack, as the kernel registers it on demand', () => {
    // nf_ct_netns_get() is called by xt_conntrack/xt_state/xt_connmark/xt_CONNMARK checkentry only.
    const h = new Host('h');
    h.nf.append('filter', 'INPUT', { target: { kind: 'ACCEPT' } });
    h.receive(nf(echo(B, A, 4)), SEC);
    expect(h.nf.conntrackEnabled).toBe(false);
    expect(h.nf.conntrack.list(SEC)).toEqual([]);
    h.nf.append('filter', 'INPUT', { matches: [{ kind: 'state', states: ['NEW'] }], target: { kind: 'none' } });
    h.receive(nf(echo(B, A, 4)), SEC);
    expect(h.nf.conntrack.list(SEC)).toHaveLength(1);
  });

  it('a packet already carrying a reference (looped back) keeps it', () => {
    // nf_conntrack_in: "Previously seen (loopback or untracked)? Ignore."
    const { a } = pair();
    const out = a.send(nf(echo(A, A, 1), { outDev: 'lo' }), SEC);
    const back = a.receive({ ...out.pkt, inDev: 'lo' }, SEC);
    expect(back.pkt.ct).toBe(out.pkt.ct);
    expect(stateOf(back)).toBe('NEW');
  });

  it('conntrack -F empties the table; a later reply is then INVALID', () => {
    const { a } = pair();
    a.send(nf(echo(A, B, 1)), SEC);
    a.nf.conntrack.flush();
    expect(a.nf.conntrack.list(SEC)).toEqual([]);
    expect(stateOf(a.receive(nf(echo(B, A, 1, 1, { type: 129 })), SEC))).toBe('INVALID');
  });

  it('a non-first fragment has no tuple and is INVALID', () => {
    // get_l4proto(): fragment offset != 0 -> no conntrack (nf_defrag_ipv6 would reassemble first; not modelled).
    const { a } = pair();
    const frag = Uint8Array.of(IPPROTO.UDP, 0, 0, 8 << 3, 0, 0, 0, 1);
    const bytes = new Uint8Array(40 + 16);
    bytes.set(echo(A, B, 1).subarray(0, 40));
    bytes[6] = IPPROTO.FRAGMENT;
    bytes[5] = 16;
    bytes.set(frag, 40);
    expect(stateOf(a.send(nf(bytes), SEC))).toBe('INVALID');
  });
});
