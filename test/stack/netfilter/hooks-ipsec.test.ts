import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { NfPacket, SecPathEntry } from '../../../src/stack/netfilter/index.js';
import { formatIpv6Address } from '../../../src/wire/ipv6-address.js';
import { Host, nflog, nftrace } from './harness.js';
import { A, ahTransport, B, echo, esp, nf, sa } from './packets.js';

const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);

const SEC = 1_000_000;

/**
 * The stack's part of one ping through transport (or tunnel: same addresses, same hooks) ESP
 * between a and b, as kernel-semantics §0 draws it: the plain packet passes OUTPUT and
 * POSTROUTING with the route's bundle, the ESP packet passes them again; the receiver sees the
 * ESP packet in PREROUTING and INPUT, then the decapsulated packet (secpath, no conntrack
 * reference) in PREROUTING and INPUT again.
 */
function espPing(a: Host, b: Host, id: number, t0: number, mode: SecPathEntry['mode'] = 'transport'): void {
  const out = (h: Host, plain: NfPacket, spi: number, src: Uint8Array, dst: Uint8Array, t: number) => {
    const bundle = [sa('esp', spi, mode, src, dst)];
    const v = h.send({ ...plain, bundle }, t);
    expect(v.kind).toBe('accept');
    const e = h.send(nf(esp(src, dst, spi, 1, 88), { mark: v.pkt.mark }), t);
    expect(e.kind).toBe('accept');
  };
  const inbound = (h: Host, plain: Uint8Array, spi: number, src: Uint8Array, dst: Uint8Array, t: number) => {
    const e = h.receive(nf(esp(src, dst, spi, 1, 88)), t);
    expect(e.kind).toBe('accept');
    const v = h.receive(nf(plain, { mark: e.pkt.mark, secPath: [sa('esp', spi, mode, src, dst)] }), t);
    expect(v.kind).toBe('accept');
  };
  const request = echo(A, B, id);
  const reply = echo(B, A, id, 1, { type: 129 });
  out(a, nf(request), 0x100, A, B, t0);
  inbound(b, request, 0x100, A, B, t0 + 100);
  out(b, nf(reply), 0x101, B, A, t0 + 200);
  inbound(a, reply, 0x101, B, A, t0 + 300);
}

describe('hook order and conntrack states with IPsec (oracle e05)', () => {
  it('an ESP transport ping logs the same chains, states and xt_policy matches as e05 S1', () => {
    // VERIFIED e05 S1: LOG in every chain, ctstate and policy tags in mangle.
    const a = new Host('a');
    const b = new Host('b');
    nflog(a);
    nflog(b);
    espPing(a, b, 986, 1 * SEC);
    expect(nftrace([...a.log.slice(0, 14), ...b.log, ...a.log.slice(14)])).toEqual(fixture('e05-s1-transport-esp-ping.log'));
  });

  it('a second ping (new echo id) is NEW again while its ESP packets are ESTABLISHED (e05 S1b)', () => {
    // VERIFIED e05 S1b: the generic proto-50 entry saw both directions; the echo has a new id.
    const a = new Host('a');
    const b = new Host('b');
    nflog(a);
    nflog(b);
    espPing(a, b, 986, 1 * SEC);
    a.log.length = 0;
    b.log.length = 0;
    espPing(a, b, 987, 2 * SEC);
    expect(nftrace([...a.log.slice(0, 14), ...b.log, ...a.log.slice(14)])).toEqual(fixture('e05-s1b-second-ping.log'));
  });

  it('after one tunnel-mode ping each side lists an icmpv6 entry and one generic proto-50 entry (e05 S2)', () => {
    // VERIFIED e05 S2 "conntrack table a": icmpv6 58 29 ... id=986 ...; unknown 50 599 src=4321::1 dst=4321::2 src=4321::2 dst=4321::1
    const a = new Host('a');
    const b = new Host('b');
    nflog(a);
    nflog(b);
    espPing(a, b, 986, 1 * SEC, 'tunnel');
    const listed = a.nf.conntrack.list(1 * SEC + 300_000).map((e) => ({
      proto: e.protoName,
      num: e.protonum,
      timeout: e.timeoutSec,
      src: formatIpv6Address(e.orig.src),
      dst: formatIpv6Address(e.orig.dst),
      type: e.orig.type,
      id: e.orig.id,
      replyType: e.reply.type,
      unreplied: e.unreplied,
      mark: e.mark,
    }));
    expect(listed).toEqual(
      expect.arrayContaining([
        {
          proto: 'icmpv6',
          num: 58,
          timeout: 29,
          src: '4321::1',
          dst: '4321::2',
          type: 128,
          id: 986,
          replyType: 129,
          unreplied: false,
          mark: 0,
        },
        {
          proto: 'unknown',
          num: 50,
          timeout: 599,
          src: '4321::1',
          dst: '4321::2',
          type: undefined,
          id: undefined,
          replyType: undefined,
          unreplied: false,
          mark: 0,
        },
      ]),
    );
    expect(listed).toHaveLength(2);
    expect(b.nf.conntrack.list(1 * SEC + 300_000)).toHaveLength(2);
  });

  it('an AH transport packet is tracked and matched as the ICMPv6 inside it, sharing the entry with its decapsulation (e05 S3)', () => {
    // VERIFIED e05 S3: both the AH packet and the decapsulated one are ICMPv6 TYPE=128 and NEW;
    // the reply is ESTABLISHED; one icmpv6 entry on b.
    const b = new Host('b');
    nflog(b);
    const request = echo(A, B, 1007);
    const ah = ahTransport(request, 0x300);
    expect(b.receive(nf(ah), SEC).kind).toBe('accept');
    expect(b.receive(nf(request, { secPath: [sa('ah', 0x300, 'transport')] }), SEC).kind).toBe('accept');
    expect(b.send(nf(echo(B, A, 1007, 1, { type: 129 })), SEC).kind).toBe('accept');
    expect(nftrace(b.log)).toEqual(fixture('e05-s3-ah-transport.log'));
    const entries = b.nf.conntrack.list(SEC + 300_000);
    expect(entries.map((e) => [e.protoName, e.timeoutSec, e.orig.id])).toEqual([['icmpv6', 29, 1007]]);
  });
});
