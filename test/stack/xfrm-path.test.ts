/** The xfrm engine inside the stack: where each seam sits on the paths, and what the sender, the links and the counters see. */
import { describe, expect, test } from 'vitest';
import type { Host } from '../../src/stack/host.js';
import { ping } from '../../src/stack/ping.js';
import { tcpSocket } from '../../src/stack/tcp.js';
import { parseEthernet } from '../../src/wire/ethernet.js';
import { readIpv6 } from '../../src/wire/ipv6.js';
import { makeSelector } from '../../src/xfrm/selector.js';
import { addPolicy, sa } from '../xfrm/engine-helpers.js';
import { ip, pair, settle } from './helpers.js';

const A = ip('4321::1');
const B = ip('4321::2');

/**
 * ESP transport both ways between a (4321::1) and b (4321::2). a's solicitation goes to b's
 * solicited-node group and stays plain; b's advertisement goes to 4321::1 and is encrypted like
 * any other packet between the two (ndisc_send_skb makes an xfrm lookup too).
 */
function espBothWays(a: Host, b: Host): void {
  for (const h of [a, b]) {
    h.xfrm.sad.add(sa({ src: A, dst: B, spi: 0x10e1 }), 0);
    h.xfrm.sad.add(sa({ src: B, dst: A, spi: 0x10e2 }), 0);
  }
  addPolicy(a.xfrm, { dir: 'out', src: A, dst: B, tmpls: [{ proto: 'esp' }] });
  addPolicy(a.xfrm, { dir: 'in', src: B, dst: A, tmpls: [{ proto: 'esp' }] });
  addPolicy(b.xfrm, { dir: 'out', src: B, dst: A, tmpls: [{ proto: 'esp' }] });
  addPolicy(b.xfrm, { dir: 'in', src: A, dst: B, tmpls: [{ proto: 'esp' }] });
}

function nextHeaders(records: readonly { frame: Uint8Array }[]): number[] {
  return records.map((x) => readIpv6((parseEthernet(x.frame) as { value: { payload: Uint8Array } }).value.payload).nextHeader);
}

describe('the xfrm engine on the stack paths', () => {
  test('an ESP transport ping: transformed after the plain POSTROUTING pass, decapsulated after INPUT, answered the same way', () => {
    const w = settle(pair());
    const a = w.host('a');
    const b = w.host('b');
    espBothWays(a, b);
    const cap = a.device('eth0').startCapture();
    const r = ping(a, B, { count: 1, timeoutUs: 1_000_000 });
    expect(r.received).toBe(1);
    expect(nextHeaders(cap.records)).toEqual([58, 50, 50, 50]);
    const first = w.trace.packets()[0]!;
    const steps = w.trace
      .ofPacket(first)
      .map((e) =>
        e.step.kind === 'hook' ? `${e.host} ${e.step.hook}${e.step.note ? ` ${e.step.note}` : ''}` : `${e.host} ${e.step.kind}`,
      );
    expect(steps.slice(0, 9)).toEqual([
      'a created',
      'a route',
      'a xfrm',
      'a OUTPUT',
      'a POSTROUTING',
      'a xfrm',
      'a OUTPUT second pass',
      'a POSTROUTING second pass',
      'a queued',
    ]);
    const bSteps = w.trace
      .ofPacket(first)
      .filter((e) => e.host === 'b' && (e.step.kind === 'hook' || e.step.kind === 'xfrm'))
      .map((e) => (e.step.kind === 'hook' ? e.step.hook : e.step.kind === 'xfrm' ? `xfrm ${e.step.seam}` : ''));
    expect(bSteps).toEqual(['PREROUTING', 'INPUT', 'xfrm decap', 'PREROUTING', 'INPUT', 'xfrm in']);
    // Per-SA counts: the request's 64 ICMPv6 bytes on 0x10e1; on 0x10e2 the reply's 64 and the NA's 32.
    const count = (h: Host, spi: number) => {
      const x = h.xfrm.sad.list().find((s) => s.spi === spi)!;
      return [x.curlft.packets, x.curlft.bytes];
    };
    expect([count(a, 0x10e1), count(b, 0x10e1), count(b, 0x10e2), count(a, 0x10e2)]).toEqual([
      [1, 64],
      [1, 64],
      [2, 96],
      [2, 96],
    ]);
    expect(Object.values(a.xfrm.stats.snapshot()).every((v) => v === 0)).toBe(true);
  });

  test('an in policy over ::/0 also covers the neighbour solicitations: each one fails the template check', () => {
    // probe_nd_failure_loopback: XfrmInTmplMismatch=3 on b for a's three NS.
    const w = settle(pair());
    const b = w.host('b');
    addPolicy(b.xfrm, { dir: 'in', plen: 0, tmpls: [{ proto: 'esp' }] });
    const r = ping(w.host('a'), B, { count: 1, timeoutUs: 4_000_000 });
    expect(r.received).toBe(0);
    expect(b.counter('XfrmInTmplMismatch')).toBe(3);
  });

  test('action block gives the sender EPERM, counts XfrmOutPolBlock and sends nothing', () => {
    const w = settle(pair());
    const a = w.host('a');
    addPolicy(a.xfrm, { dir: 'out', src: A, dst: B, action: 'block' });
    const cap = a.device('eth0').startCapture();
    const r = ping(a, B, { count: 1, timeoutUs: 1_000_000 });
    expect(r.lines).toContain('ping: sendmsg: Operation not permitted');
    expect(a.counter('XfrmOutPolBlock')).toBe(1);
    expect(cap.records).toHaveLength(0);
  });

  test('a template without SA: the sender sees success, the packet passes OUTPUT and is discarded with XfrmOutNoStates', () => {
    const w = settle(pair());
    const a = w.host('a');
    addPolicy(a.xfrm, { dir: 'out', src: A, dst: B, tmpls: [{ proto: 'esp' }] });
    const cap = a.device('eth0').startCapture();
    const r = ping(a, B, { count: 1, timeoutUs: 1_000_000 });
    expect(r.lines.some((l) => l.startsWith('ping:'))).toBe(false);
    expect([r.transmitted, r.received]).toEqual([1, 0]);
    expect(a.counter('XfrmOutNoStates')).toBe(1);
    expect(cap.records).toHaveLength(0);
    const steps = w.trace.ofPacket(w.trace.packets()[0]!).map((e) => (e.step.kind === 'hook' ? e.step.hook : e.step.kind));
    expect(steps.slice(-3)).toEqual(['xfrm', 'OUTPUT', 'dropped']);
  });

  test('ESP for which the receiver has no SA: XfrmInNoStates, counted once, nothing delivered', () => {
    const w = settle(pair());
    const a = w.host('a');
    a.xfrm.sad.add(sa({ src: A, dst: B, spi: 0x10e1 }), 0);
    addPolicy(a.xfrm, { dir: 'out', src: A, dst: B, tmpls: [{ proto: 'esp' }] });
    const r = ping(a, B, { count: 1, timeoutUs: 1_000_000 });
    expect(r.received).toBe(0);
    expect(w.host('b').counter('XfrmInNoStates')).toBe(1);
    expect(w.host('b').xfrm.stats.format()).toMatch(/^XfrmInNoStates {10}\t1$/m);
  });

  test('a mark set by mangle OUTPUT re-routes the packet and repeats the xfrm lookup with the new mark', () => {
    const w = settle(pair());
    const a = w.host('a');
    const b = w.host('b');
    espBothWays(a, b);
    // Replace a's out policy by one for mark 1 only: unmarked packets would go out plain.
    a.xfrm.spd.flush();
    a.xfrm.spd.add({
      selector: makeSelector({ family: 'inet6', src: A, dst: B, prefixlenS: 128, prefixlenD: 128 }),
      dir: 'out',
      mark: { v: 1, m: 0xffffffff },
      tmpls: [{ proto: 'esp', mode: 'transport', reqid: 0, spi: 0, level: 'required' }],
    });
    addPolicy(a.xfrm, { dir: 'in', src: B, dst: A, tmpls: [{ proto: 'esp' }] });
    a.netfilter.append('mangle', 'OUTPUT', {
      proto: { num: 58 },
      matches: [{ kind: 'icmp6', type: 128, codeMin: 0, codeMax: 255 }],
      target: { kind: 'MARK', mark: 1, mask: 0xffffffff },
    });
    const cap = a.device('eth0').startCapture();
    const r = ping(a, B, { count: 1, timeoutUs: 1_000_000 });
    expect(r.received).toBe(1);
    expect(w.trace.renderText()).toContain('re-route (mark 0x1)');
    expect(nextHeaders(cap.records)).toEqual([58, 50, 50, 50]);
  });

  test('flows carry oif 0 for an unbound socket and the device for ping -I (kernel-semantics 1.3)', () => {
    const w = settle(pair());
    const a = w.host('a');
    const eth0 = a.device('eth0').ifindex;
    a.xfrm.spd.add({
      selector: makeSelector({ family: 'inet6', src: A, dst: B, prefixlenS: 128, prefixlenD: 128, ifindex: eth0 }),
      dir: 'out',
      action: 'block',
    });
    const unbound = ping(a, B, { count: 1, timeoutUs: 1_000_000 });
    const bound = ping(a, B, { count: 1, timeoutUs: 1_000_000, oif: 'eth0' });
    expect([unbound.received, bound.received]).toEqual([1, 0]);
    expect(bound.lines).toContain('ping: sendmsg: Operation not permitted');
  });

  test("a refused echo reply counts once for ping's raw socket and once for icmpv6_rcv (conformance case x_allow_exceptions A4)", () => {
    // Linux 6.1: raw6_local_deliver hands ping's raw socket (its filter passes echo replies) a copy
    // first, and rawv6_rcv runs the in check on it; then icmpv6_rcv runs it again. The kernel run
    // of x_allow_exceptions shows XfrmInPolBlock=4 after two refused replies.
    const w = settle(pair());
    const a = w.host('a');
    // An in block for ICMPv6 of one type from B.
    const blockIn = (type: number) =>
      a.xfrm.spd.add({
        selector: makeSelector({
          family: 'inet6',
          src: B,
          dst: A,
          prefixlenS: 128,
          prefixlenD: 128,
          proto: 58,
          sport: type,
          sportMask: 0xffff,
        }),
        dir: 'in',
        action: 'block',
      });
    blockIn(129);
    expect(ping(a, B, { count: 1, timeoutUs: 1_000_000 }).received).toBe(0);
    expect(a.counter('XfrmInPolBlock')).toBe(2);
    // An echo request refused while no ping runs on a (the filter would not pass it anyway): once.
    blockIn(128);
    expect(ping(w.host('b'), A, { count: 1, timeoutUs: 1_000_000 }).received).toBe(0);
    expect(a.counter('XfrmInPolBlock')).toBe(3);
  });

  test('the in check sees lo as the flow device (kernel-semantics 1.3)', () => {
    const w = settle(pair());
    const b = w.host('b');
    const block = (ifindex: number) =>
      b.xfrm.spd.add({
        selector: makeSelector({ family: 'inet6', src: A, dst: B, prefixlenS: 128, prefixlenD: 128, ifindex }),
        dir: 'in',
        action: 'block',
      });
    block(b.device('eth0').ifindex);
    expect(ping(w.host('a'), B, { count: 1, timeoutUs: 1_000_000 }).received).toBe(1);
    block(b.device('lo').ifindex);
    expect(ping(w.host('a'), B, { count: 1, timeoutUs: 1_000_000 }).received).toBe(0);
    expect(b.counter('XfrmInPolBlock')).toBe(1);
  });
});

describe('TCP and the path MTU', () => {
  test('TCP through an ESP SA cuts its segments to the bundle MTU (tcp_sync_mss): nothing is fragmented, everything arrives', () => {
    // The kernel's sizes are checked by cases/n_tcp_pmtu (1350 bytes a segment in tunnel mode, 1390 in transport mode).
    const w = settle(pair());
    const a = w.host('a');
    const b = w.host('b');
    espBothWays(a, b);
    const lst = tcpSocket(b);
    lst.bind(undefined, 7777);
    lst.listen();
    const cli = tcpSocket(a);
    cli.connect(B, 7777);
    w.clock.runUntil(w.clock.nowUs + 100_000);
    const srv = lst.accept()!;
    const cap = a.device('eth0').startCapture();
    expect(cli.send(new Uint8Array(3000).fill(5)).ok).toBe(true);
    w.clock.runUntil(w.clock.nowUs + 100_000);
    expect(nextHeaders(cap.records)).not.toContain(44);
    expect(a.counter('Ip6FragCreates')).toBe(0);
    expect(a.counter('Ip6FragFails')).toBe(0);
    // Every ESP packet fits the link; the SYN still advertised the link's MSS.
    expect(cap.records.every((r) => r.frame.length - 14 <= 1500)).toBe(true);
    const got = srv.recv();
    expect(got.ok && got.data.length).toBe(3000);
  });
});
