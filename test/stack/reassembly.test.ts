/**
 * The reassembly queue's rules, one kernel observation each: test/kernel-cases/frag-queue-rules.sh
 * sends the same hand-made fragments from a to b under Linux 6.1 (frag-queue-rules.out holds b's
 * counter changes and what came back). Here the same bytes arrive on b's eth0.
 */
import { describe, expect, test } from 'vitest';
import { injectFrame } from '../../src/stack/ip6-input.js';
import { fragQueueCount } from '../../src/stack/reassembly.js';
import { TERMINAL_KINDS } from '../../src/stack/types.js';
import type { World } from '../../src/stack/world.js';
import { emitEthernet, parseEthernet } from '../../src/wire/ethernet.js';
import { emitIcmpv6, parseIcmpv6 } from '../../src/wire/icmpv6.js';
import { buildIpv6Packet, readIpv6 } from '../../src/wire/ipv6.js';
import { ETHERTYPE_IPV6, IPPROTO } from '../../src/wire/proto.js';
import { expectOk } from '../../src/wire/result.js';
import { ip, pair } from './helpers.js';

const A = ip('4321::1');
const B = ip('4321::2');

/** frag-queue-rules.py echo(): id 0x1234, 64 data bytes, 72 bytes in all. */
function echo(seq: number): Uint8Array {
  const data = new Uint8Array(64).map((_, i) => i);
  return emitIcmpv6({ kind: 'echo-request', id: 0x1234, seq, data }, A, B);
}

/** frag-queue-rules.py frag(): an IPv6 header (hop limit 64, no flow label), [prefix,] a Fragment header, the data. */
function frag(data: Uint8Array, offset: number, more: boolean, ident: number, nh = 58, prefix?: Uint8Array): Uint8Array {
  const fh = new Uint8Array(8);
  fh[0] = nh;
  fh[2] = offset >> 8;
  fh[3] = (offset & 0xf8) | (more ? 1 : 0);
  new DataView(fh.buffer).setUint32(4, ident);
  const pre = prefix ?? new Uint8Array(0);
  const payload = new Uint8Array(pre.length + 8 + data.length);
  payload.set(pre);
  payload.set(fh, pre.length);
  payload.set(data, pre.length + 8);
  return buildIpv6Packet(
    { trafficClass: 0, flowLabel: 0, hopLimit: 64, src: A, dst: B },
    prefix ? IPPROTO.DSTOPTS : IPPROTO.FRAGMENT,
    payload,
  );
}

const COUNTERS = [
  'Ip6ReasmReqds',
  'Ip6ReasmOKs',
  'Ip6ReasmFails',
  'Ip6ReasmTimeout',
  'Ip6InHdrErrors',
  'Ip6InUnknownProtos',
  'Icmp6OutEchoReplies',
  'Icmp6OutParmProblems',
  'Icmp6OutTimeExcds',
] as const;

/** Sends the fragments to b as a's frames, lets the world run, and gives b's counter changes and what b sent. */
function run(w: World, packets: readonly Uint8Array[]) {
  const a = w.host('a');
  const b = w.host('b');
  const before = Object.fromEntries(COUNTERS.map((c) => [c, b.counter(c)]));
  const cap = b.device('eth0').startCapture();
  const ids = packets.map((p) =>
    injectFrame(
      b,
      b.device('eth0'),
      emitEthernet({ dst: b.device('eth0').mac, src: a.device('eth0').mac, etherType: ETHERTYPE_IPV6, payload: p }),
    ),
  );
  w.advance(500_000);
  const changed: Record<string, number> = {};
  for (const c of COUNTERS) if (b.counter(c) !== before[c]) changed[c] = b.counter(c) - before[c]!;
  const sent = cap.records
    .filter((r) => r.direction === 'out')
    .map((r) => expectOk(parseEthernet(r.frame)).payload)
    .filter((p) => p[6] === IPPROTO.ICMPV6)
    .map((p) => {
      const m = expectOk(parseIcmpv6(p.subarray(40), 0, readIpv6(p).src, readIpv6(p).dst));
      return m.kind === 'param-problem' ? `param-problem code ${m.code} pointer ${m.pointer}` : m.kind;
    })
    .filter((k) => k !== 'neighbour-solicit' && k !== 'neighbour-advert');
  return { changed, sent, ids };
}

/** What a run changed and sent, for exact comparison. */
const outcome = (r: ReturnType<typeof run>) => ({ changed: r.changed, sent: r.sent });

/** Two hosts on a link; ND messages are left out of what is compared (the kernel case pinged first to resolve them). */
function warm(): World {
  return pair('reasm-rules');
}

describe('reassembly queue rules as Linux 6.1 applies them (frag-queue-rules)', () => {
  test('in order and in reverse: reassembled, answered', () => {
    const w = warm();
    const m = echo(1);
    expect(outcome(run(w, [frag(m.subarray(0, 32), 0, true, 0x101), frag(m.subarray(32), 32, false, 0x101)]))).toEqual({
      changed: { Ip6ReasmReqds: 2, Ip6ReasmOKs: 1, Icmp6OutEchoReplies: 1 },
      sent: ['echo-reply'],
    });
    const m2 = echo(2);
    expect(outcome(run(w, [frag(m2.subarray(32), 32, false, 0x102), frag(m2.subarray(0, 32), 0, true, 0x102)]))).toEqual({
      changed: { Ip6ReasmReqds: 2, Ip6ReasmOKs: 1, Icmp6OutEchoReplies: 1 },
      sent: ['echo-reply'],
    });
  });

  test('overlapping fragments: the whole queue is discarded (RFC 5722), one Ip6ReasmFails, no answer', () => {
    const w = warm();
    const m = echo(3);
    const r = run(w, [frag(m.subarray(0, 48), 0, true, 0x103), frag(m.subarray(40), 40, false, 0x103)]);
    expect(outcome(r)).toEqual({ changed: { Ip6ReasmReqds: 2, Ip6ReasmFails: 1 }, sent: [] });
    expect(fragQueueCount(w.host('b'))).toBe(0);
    for (const id of r.ids) expect(w.trace.events.filter((e) => e.pkt === id && TERMINAL_KINDS.has(e.step.kind))).toHaveLength(1);
  });

  test('an exact duplicate is dropped and the queue kept; so is a fragment lying inside a run of contiguous ones', () => {
    const w = warm();
    const m = echo(4);
    expect(
      outcome(
        run(w, [frag(m.subarray(0, 32), 0, true, 0x104), frag(m.subarray(0, 32), 0, true, 0x104), frag(m.subarray(32), 32, false, 0x104)]),
      ),
    ).toEqual({ changed: { Ip6ReasmReqds: 3, Ip6ReasmOKs: 1, Icmp6OutEchoReplies: 1 }, sent: ['echo-reply'] });
    const m5 = echo(5);
    // 0-16 and 16-32 form one run; 8-24 straddles the two fragments but lies inside the run: a duplicate for the kernel.
    expect(
      outcome(
        run(w, [
          frag(m5.subarray(0, 16), 0, true, 0x105),
          frag(m5.subarray(16, 32), 16, true, 0x105),
          frag(m5.subarray(8, 24), 8, true, 0x105),
          frag(m5.subarray(32), 32, false, 0x105),
        ]),
      ),
    ).toEqual({ changed: { Ip6ReasmReqds: 4, Ip6ReasmOKs: 1, Icmp6OutEchoReplies: 1 }, sent: ['echo-reply'] });
  });

  test('a fragment that is not the last and not a multiple of 8 long: parameter problem code 0 at the payload length', () => {
    const w = warm();
    expect(outcome(run(w, [frag(echo(6).subarray(0, 30), 0, true, 0x106)]))).toEqual({
      changed: { Ip6ReasmReqds: 1, Ip6InHdrErrors: 1, Icmp6OutParmProblems: 1 },
      sent: ['param-problem code 0 pointer 4'],
    });
    // The queue was made before the fragment was refused: empty, it times out later, without an ICMPv6 error
    // (the kernel case's "after 70 s" counts three timeouts: this one, "lastonly" and "firstonly").
    const b = w.host('b');
    w.advance(61_000_000);
    expect([b.counter('Ip6ReasmTimeout'), b.counter('Ip6ReasmFails'), b.counter('Icmp6OutTimeExcds')]).toEqual([1, 1, 0]);
  });

  test('an atomic fragment (offset 0, no M flag) is taken whole', () => {
    const w = warm();
    expect(outcome(run(w, [frag(echo(7), 0, false, 0x107)]))).toEqual({
      changed: { Ip6ReasmReqds: 1, Ip6ReasmOKs: 1, Icmp6OutEchoReplies: 1 },
      sent: ['echo-reply'],
    });
  });

  test('data beyond the last fragment discards the queue', () => {
    const w = warm();
    const m = echo(8);
    expect(outcome(run(w, [frag(m.subarray(32), 32, false, 0x108), frag(new Uint8Array(8), 72, true, 0x108)]))).toEqual({
      changed: { Ip6ReasmReqds: 2, Ip6ReasmFails: 1 },
      sent: [],
    });
  });

  test('a first fragment without the upper-layer header: parameter problem code 3 (incomplete header chain), Ip6InHdrErrors', () => {
    const w = warm();
    const dopt = Uint8Array.from([58, 0, 1, 4, 0, 0, 0, 0]);
    expect(outcome(run(w, [frag(dopt, 0, true, 0x10b, IPPROTO.DSTOPTS)]))).toEqual({
      changed: { Ip6ReasmReqds: 1, Ip6InHdrErrors: 1, Icmp6OutParmProblems: 1 },
      sent: ['param-problem code 3 pointer 0'],
    });
  });

  test('after 60 s a queue times out: Ip6ReasmFails and Ip6ReasmTimeout, and time exceeded only when the first fragment had come', () => {
    const w = warm();
    run(w, [frag(echo(10).subarray(32), 32, false, 0x109)]);
    const first = run(w, [frag(echo(11).subarray(0, 32), 0, true, 0x10a)]);
    const b = w.host('b');
    const cap = b.device('eth0').startCapture();
    const before = { f: b.counter('Ip6ReasmFails'), t: b.counter('Ip6ReasmTimeout'), x: b.counter('Icmp6OutTimeExcds') };
    // The queues were made 0.5 s apart, 60 s before each one's end.
    w.advance(58_000_000);
    expect(fragQueueCount(b)).toBe(2);
    w.advance(3_000_000);
    expect(fragQueueCount(b)).toBe(0);
    expect([
      b.counter('Ip6ReasmFails') - before.f,
      b.counter('Ip6ReasmTimeout') - before.t,
      b.counter('Icmp6OutTimeExcds') - before.x,
    ]).toEqual([2, 2, 1]);
    const te = cap.records
      .filter((r) => r.direction === 'out')
      .map((r) => expectOk(parseEthernet(r.frame)).payload)
      .find((p) => p[6] === IPPROTO.ICMPV6 && p[40] === 3);
    // The kernel's: "time exceeded in-transit (reassembly)", payload length 88 = 8 + the 80-byte first fragment.
    expect(te && [te[41], (te[4]! << 8) | te[5]!]).toEqual([1, 88]);
    expect(w.trace.terminals(first.ids[0]!).map((e) => e.step.kind === 'dropped' && e.step.counter)).toEqual(['Ip6ReasmTimeout']);
  });
});
