/**
 * Fragments end to end through the API: local fragmentation and reassembly, a router's Packet Too
 * Big and the learned path MTU, conntrack's defrag on a router, and the path MTU through ESP.
 * Counters and sizes as Linux 6.1 gave them for the same topologies
 * (test/conformance/kernel/cases/frag_*, recorded under user-mode-linux).
 */
import { describe, expect, test } from 'vitest';
import { ping } from '../../src/stack/ping.js';
import { cachedPmtu } from '../../src/stack/pmtu.js';
import { fragQueueCount } from '../../src/stack/reassembly.js';
import { TERMINAL_KINDS } from '../../src/stack/types.js';
import { udpSocket } from '../../src/stack/udp.js';
import { World } from '../../src/stack/world.js';
import { parseEthernet } from '../../src/wire/ethernet.js';
import { parseFragmentHeader } from '../../src/wire/ext-headers.js';
import { expectOk } from '../../src/wire/result.js';
import { addr, defaultRoute, ip, link, node, pair } from './helpers.js';

/** lib.sh routed: h1 [4321::1] -- r [4321::ff | 4322::ff] -- h2 [4322::2], r forwarding. */
function routed(): World {
  const w = new World({ seed: 'frag' });
  for (const n of ['h1', 'r', 'h2']) node(w, n);
  link(w, 'h1', 'eth0', 'r', 'eth0');
  link(w, 'r', 'eth1', 'h2', 'eth0');
  addr(w, 'h1', 'eth0', '4321::1/64');
  addr(w, 'r', 'eth0', '4321::ff/64');
  addr(w, 'r', 'eth1', '4322::ff/64');
  addr(w, 'h2', 'eth0', '4322::2/64');
  w.host('r').setSysctl('all', 'forwarding', 1);
  defaultRoute(w, 'h1', '4321::ff');
  defaultRoute(w, 'h2', '4322::ff');
  return w;
}

/** The IPv6 packets of a capture: total length and, for a fragment, its data offset and length. */
function sizes(records: readonly { frame: Uint8Array }[]) {
  return records
    .map(({ frame }) => expectOk(parseEthernet(frame)).payload)
    .filter((p) => p[6] === 44 || p.length > 200)
    .map((p) => {
      if (p[6] !== 44) return `${p.length}`;
      const f = expectOk(parseFragmentHeader(p, 40));
      return `${f.fragmentOffset * 8}|${p.length - 48}${f.moreFragments ? '+' : ''}`;
    });
}

function counters(w: World, host: string, names: readonly string[]) {
  return Object.fromEntries(names.map((n) => [n, w.host(host).counter(n)]));
}

const FRAG = ['Ip6ReasmReqds', 'Ip6ReasmOKs', 'Ip6ReasmFails', 'Ip6FragOKs', 'Ip6FragCreates', 'Ip6FragFails'] as const;

function everyPacketEndsOnce(w: World): void {
  for (const id of w.trace.packets()) {
    const n = w.trace.events.filter((e) => e.pkt === id && TERMINAL_KINDS.has(e.step.kind)).length;
    expect(n, `packet #${id}\n${w.trace.renderText()}`).toBe(1);
  }
}

describe('fragmentation through the stack', () => {
  test('ping -s 2000 on one link: both ends fragment to 1448 + 560 and reassemble (frag_local)', () => {
    const w = pair();
    const cap = w.host('a').device('eth0').startCapture();
    const r = ping(w.host('a'), ip('4321::2'), { count: 1, size: 2000, timeoutUs: 1_000_000 });
    expect(r.received).toBe(1);
    expect(sizes(cap.records)).toEqual(['0|1448+', '1448|560', '0|1448+', '1448|560']);
    // Both hosts: one datagram cut in two, one reassembled from two.
    for (const h of ['a', 'b'])
      expect(counters(w, h, FRAG)).toEqual({
        Ip6ReasmReqds: 2,
        Ip6ReasmOKs: 1,
        Ip6ReasmFails: 0,
        Ip6FragOKs: 1,
        Ip6FragCreates: 2,
        Ip6FragFails: 0,
      });
    // Fragments count in Ip6InDelivers only once reassembled.
    expect(w.host('b').counter('Ip6InDelivers')).toBe(1 + 1); // the NA, the echo request
    everyPacketEndsOnce(w);
  });

  test('a router answers Packet Too Big; the sender learns mtu 1280 and fragments the next echo (frag_forward_ptb)', () => {
    const w = routed();
    w.host('r').device('eth1').mtu = 1280;
    w.host('h2').device('eth0').mtu = 1280;
    const first = ping(w.host('h1'), ip('4322::2'), { count: 1, size: 1400, timeoutUs: 1_000_000 });
    expect(first.received).toBe(0);
    expect(first.lines).toContain('From 4321::ff icmp_seq=1 Packet too big: mtu=1280');
    expect(cachedPmtu(w.host('h1'), ip('4322::2'))?.mtu).toBe(1280);
    const cap = w.host('h2').device('eth0').startCapture();
    const second = ping(w.host('h1'), ip('4322::2'), { count: 1, size: 1400, timeoutUs: 1_000_000 });
    expect(second.received).toBe(1);
    expect(sizes(cap.records)).toEqual(['0|1232+', '1232|176', '0|1232+', '1232|176']);
    expect(counters(w, 'r', ['Ip6InTooBigErrors', 'Ip6FragFails', 'Icmp6OutPktTooBigs'])).toEqual({
      Ip6InTooBigErrors: 1,
      Ip6FragFails: 1,
      Icmp6OutPktTooBigs: 1,
    });
    expect(w.host('h1').counter('Icmp6InPktTooBigs')).toBe(1);
    everyPacketEndsOnce(w);
  });

  test('a UDP datagram of 3000 bytes leaves in fragments with its checksum complete and is read whole', () => {
    const w = pair();
    const rx = udpSocket(w.host('b'));
    rx.bind(undefined, 5000);
    const cap = w.host('a').device('eth0').startCapture();
    const data = new Uint8Array(3000).map((_, i) => (i * 7) & 0xff);
    expect(udpSocket(w.host('a')).sendto(data, ip('4321::2'), 5000).ok).toBe(true);
    w.advance(100_000);
    expect(sizes(cap.records)).toEqual(['0|1448+', '1448|1448+', '2896|112']);
    // The partial checksum of an offloaded datagram is completed before it is cut (ip6_fragment's skb_checksum_help):
    // the receiver's copy verifies.
    const got = rx.recv();
    expect(got.ok && got.datagram.data).toEqual(data);
    expect(w.host('b').counter('Udp6InCsumErrors')).toBe(0);
    everyPacketEndsOnce(w);
  });

  test('with IPV6_PMTUDISC_DO the learned MTU refuses the next echo locally (test/kernel-cases/ping-pmtudisc-do)', () => {
    const w = routed();
    w.host('r').device('eth1').mtu = 1280;
    w.host('h2').device('eth0').mtu = 1280;
    const r = ping(w.host('h1'), ip('4322::2'), { count: 2, size: 1400, dontFrag: true, timeoutUs: 1_000_000 });
    expect(r.lines.slice(1, 3)).toEqual([
      'From 4321::ff icmp_seq=1 Packet too big: mtu=1280',
      'ping: local error: message too long, mtu: 1280',
    ]);
    expect(w.host('h1').counter('Icmp6OutEchos')).toBe(1);
  });

  test('the learned path MTU expires after 600 s', () => {
    const w = routed();
    w.host('r').device('eth1').mtu = 1280;
    ping(w.host('h1'), ip('4322::2'), { count: 1, size: 1400, timeoutUs: 1_000_000 });
    expect(cachedPmtu(w.host('h1'), ip('4322::2'))).toBeDefined();
    w.advance(600_000_000);
    expect(cachedPmtu(w.host('h1'), ip('4322::2'))).toBeUndefined();
  });

  test('conntrack on the router reassembles, its FORWARD rule sees one packet, and it cuts the packet again to 1448 (frag_conntrack)', () => {
    const w = routed();
    const r = w.host('r');
    r.netfilter.append('filter', 'FORWARD', {
      matches: [{ kind: 'conntrack', state: { states: ['NEW', 'ESTABLISHED'] } }],
      target: { kind: 'ACCEPT' },
    });
    expect(r.netfilter.conntrackEnabled).toBe(true);
    const cap = w.host('h2').device('eth0').startCapture();
    const res = ping(w.host('h1'), ip('4322::2'), { count: 1, size: 3000, timeoutUs: 1_000_000 });
    expect(res.received).toBe(1);
    expect(sizes(cap.records)).toEqual(['0|1448+', '1448|1448+', '2896|112', '0|1448+', '1448|1448+', '2896|112']);
    // conntrack's defrag counts nothing in snmp6; the refragmentation does.
    expect(counters(w, 'r', FRAG)).toEqual({
      Ip6ReasmReqds: 0,
      Ip6ReasmOKs: 0,
      Ip6ReasmFails: 0,
      Ip6FragOKs: 2,
      Ip6FragCreates: 6,
      Ip6FragFails: 0,
    });
    expect(fragQueueCount(r)).toBe(0);
    everyPacketEndsOnce(w);
  });
});
