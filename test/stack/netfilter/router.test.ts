import { describe, expect, it } from 'vitest';
import {
  type ConntrackListing,
  type Hook,
  Netfilter,
  type NfPacket,
  type NfVerdict,
  type SecPathEntry,
} from '../../../src/stack/netfilter/index.js';
import { formatIpv6Address, ipv6 } from '../../../src/wire/ipv6-address.js';
import { ahTunnel, echo, nf, TH, tcp } from './packets.js';

// The article's router (oracle/article/router_as_intended.sh): an AH tunnel from "remote" ends on
// the router, whose FORWARD firewall drops NEW traffic unless it came through the tunnel (SA
// output-mark 0x1). Each packet below is one the router handled, with its time, taken from the
// captures in oracle/article/golden/router_as_intended/*.txt; the stack's part (decapsulation,
// routing) is played by the test. The expected counters and conntrack lines are the router's
// `ip6tables -L -v -n -x` and `conntrack -L` in that case's console.log.

const REMOTE = ipv6('4321::2');
const ROUTER = ipv6('4321::1');
const INTERNAL = ipv6('4444::2');
const OTHER = ipv6('4323::2');
const ANY = ipv6('::');
const SA: SecPathEntry = { proto: 'ah', spi: 0x10e1, reqid: 0, mode: 'tunnel', src: ANY, dst: ROUTER };

/** Seconds after 19:46:00, as in the captures. */
const at = (s: number) => Math.round(s * 1_000_000);

function router(): Netfilter {
  const n = new Netfilter();
  n.setPolicy('filter', 'FORWARD', 'DROP');
  n.append('filter', 'FORWARD', { inIface: { name: 'eth1' }, target: { kind: 'ACCEPT' } });
  n.append('filter', 'FORWARD', {
    matches: [{ kind: 'conntrack', state: { states: ['RELATED', 'ESTABLISHED'] } }],
    target: { kind: 'ACCEPT' },
  });
  const none = { kind: 'none' } as const;
  const ipsec = { kind: 'policy', dir: 'in', pol: 'ipsec', elements: [{}] } as const;
  const mark1 = { kind: 'mark', mark: 1, mask: 1 } as const;
  n.append('mangle', 'PREROUTING', { proto: { num: 51 }, target: none });
  n.append('mangle', 'PREROUTING', { matches: [ipsec], target: none });
  n.append('mangle', 'PREROUTING', { matches: [mark1], target: none });
  n.append('mangle', 'FORWARD', { matches: [ipsec, mark1, { kind: 'conntrack', state: { states: ['NEW'] } }], target: none });
  n.append('mangle', 'FORWARD', { matches: [ipsec, mark1, { kind: 'conntrack', state: { states: ['ESTABLISHED'] } }], target: none });
  n.append('mangle', 'FORWARD', {
    matches: [
      { kind: 'policy', dir: 'in', pol: 'none', elements: [] },
      { kind: 'conntrack', state: { states: ['NEW'] } },
    ],
    target: none,
  });
  // The article's own rule, added after the xfrm state.
  n.append('filter', 'FORWARD', { matches: [{ kind: 'conntrack', state: { states: ['NEW'] } }, mark1], target: { kind: 'ACCEPT' } });
  return n;
}

function run(n: Netfilter, hooks: readonly Hook[], pkt: NfPacket, t: number): NfVerdict {
  let p = pkt;
  let v: NfVerdict | undefined;
  for (const h of hooks) {
    v = n.runHook(h, p, { nowUs: at(t) });
    if (v.kind !== 'accept') return v;
    p = v.pkt;
  }
  return v!;
}

/** Forwarded from `inDev` to `outDev`. */
const forward = (n: Netfilter, bytes: Uint8Array, inDev: string, outDev: string, t: number) =>
  run(n, ['PREROUTING', 'FORWARD', 'POSTROUTING'], nf(bytes, { inDev, outDev }), t);

/** An AH tunnel packet from remote: delivered locally, then its inner packet (mark 0x1, secpath) forwarded to eth1. */
function fromTunnel(n: Netfilter, inner: Uint8Array, seq: number, t: number): NfVerdict {
  const outer = run(n, ['PREROUTING', 'INPUT'], nf(ahTunnel(ANY, ROUTER, inner, 0x10e1, seq), { inDev: 'eth0' }), t);
  expect(outer.kind).toBe('accept');
  return run(n, ['PREROUTING', 'FORWARD', 'POSTROUTING'], nf(inner, { inDev: 'eth0', outDev: 'eth1', mark: 0x1, secPath: [SA] }), t);
}

const TS = Uint8Array.of(1, 1, 8, 10, 0x59, 0xdb, 0x2f, 0x2e, 0xf7, 0x2b, 0x6e, 0x5c);
const SYN_OPTS = Uint8Array.of(2, 4, 5, 0xa0, 4, 2, 8, 10, 0x59, 0xdb, 0x2f, 0x2d, 0, 0, 0, 0, 1, 3, 3, 7);
const C_ISN = 367127930;
const S_ISN = 4061326496;

function replay(n: Netfilter): void {
  // T1 remote -> internal: ping, then nc -z (handshake and close), all through the tunnel.
  expect(fromTunnel(n, echo(REMOTE, INTERNAL, 893, 1, { flowLabel: 0x2168f }), 1, 4.777189).kind).toBe('accept');
  expect(forward(n, echo(INTERNAL, REMOTE, 893, 1, { type: 129, flowLabel: 0x55a20 }), 'eth1', 'eth0', 4.777276).kind).toBe('accept');
  const c2s = (flags: number, seq: number, ack: number, t: number, ahSeq: number, options = TS) =>
    fromTunnel(n, tcp(REMOTE, INTERNAL, 36228, 7777, flags, { seq, ack, window: flags & TH.SYN ? 64800 : 507, options }), ahSeq, t);
  const s2c = (flags: number, seq: number, ack: number, t: number, options = TS) =>
    forward(n, tcp(INTERNAL, REMOTE, 7777, 36228, flags, { seq, ack, window: flags & TH.SYN ? 64260 : 503, options }), 'eth1', 'eth0', t);
  expect(c2s(TH.SYN, C_ISN, 0, 5.259635, 2, SYN_OPTS).kind).toBe('accept');
  expect(s2c(TH.SYN | TH.ACK, S_ISN, C_ISN + 1, 5.259717, SYN_OPTS).kind).toBe('accept');
  expect(c2s(TH.ACK, C_ISN + 1, S_ISN + 1, 5.259802, 3).kind).toBe('accept');
  expect(c2s(TH.FIN | TH.ACK, C_ISN + 1, S_ISN + 1, 5.263223, 4).kind).toBe('accept');
  expect(s2c(TH.FIN | TH.ACK, S_ISN + 1, C_ISN + 2, 5.26469).kind).toBe('accept');
  expect(c2s(TH.ACK, C_ISN + 2, S_ISN + 2, 5.264871, 5).kind).toBe('accept');

  // T2 other -> internal without IPsec: NEW, no mark: the FORWARD policy drops them.
  expect(forward(n, echo(OTHER, INTERNAL, 926, 1), 'eth2', 'eth1', 6.203713)).toMatchObject({ kind: 'drop', reason: 'policy' });
  for (const t of [7.520585, 8.554881]) {
    const syn = tcp(OTHER, INTERNAL, 41556, 7777, TH.SYN, { seq: 2373657503, window: 64800, options: SYN_OPTS });
    expect(forward(n, syn, 'eth2', 'eth1', t)).toMatchObject({ kind: 'drop', reason: 'policy' });
  }

  // T3 internal -> other: out through eth1's ACCEPT, back as ESTABLISHED.
  expect(forward(n, echo(INTERNAL, OTHER, 947, 1), 'eth1', 'eth2', 9.862911).kind).toBe('accept');
  expect(forward(n, echo(OTHER, INTERNAL, 947, 1, { type: 129 }), 'eth2', 'eth1', 9.862982).kind).toBe('accept');

  // T4 internal -> remote: the reply comes back through the tunnel.
  expect(forward(n, echo(INTERNAL, REMOTE, 960, 1), 'eth1', 'eth0', 10.319239).kind).toBe('accept');
  expect(fromTunnel(n, echo(REMOTE, INTERNAL, 960, 1, { type: 129 }), 6, 10.319334).kind).toBe('accept');
}

/** conntrack -L's line format (conntrack-tools 1.4.7), as a test-side printer of our listing. */
function conntrackLine(e: ConntrackListing): string {
  const tuple = (t: ConntrackListing['orig']) => {
    let s = `src=${formatIpv6Address(t.src)} dst=${formatIpv6Address(t.dst)}`;
    if (t.type !== undefined) s += ` type=${t.type} code=${t.code} id=${t.id}`;
    if (t.sport !== undefined) s += ` sport=${t.sport} dport=${t.dport}`;
    return s;
  };
  return [
    `${e.protoName.padEnd(8)} ${e.protonum} ${e.timeoutSec}`,
    e.tcpState,
    tuple(e.orig),
    e.unreplied ? '[UNREPLIED]' : undefined,
    tuple(e.reply),
    e.assured ? '[ASSURED]' : undefined,
    `mark=${e.mark} use=1`,
  ]
    .filter((x) => x !== undefined)
    .join(' ');
}

describe('the article router (router_as_intended)', () => {
  it('counts the FORWARD firewall rules and policy as the real router did', () => {
    const n = router();
    replay(n);
    const fwdChain = n.list('filter')[1]!;
    expect([fwdChain.policy, fwdChain.packets, fwdChain.bytes]).toEqual(['DROP', 3, 264]);
    expect(fwdChain.rules.map((r) => [r.packets, r.bytes])).toEqual([
      [5, 464],
      [5, 424],
      [2, 184],
    ]);
  });

  it('counts the mangle instrumentation as the real router did', () => {
    const n = router();
    replay(n);
    const m = n.list('mangle');
    expect(m[0]!.rules.map((r) => [r.packets, r.bytes])).toEqual([
      [0, 0],
      [6, 504],
      [6, 504],
    ]);
    expect([m[2]!.packets, m[2]!.bytes]).toEqual([15, 1336]);
    expect(m[2]!.rules.map((r) => [r.packets, r.bytes])).toEqual([
      [2, 184],
      [4, 320],
      [5, 472],
    ]);
  });

  it('lists the same conntrack entries: no entry for the dropped flows, the tunnel as unknown 41', () => {
    const n = router();
    replay(n);
    const lines = n.conntrack.list(at(14)).map(conntrackLine).sort();
    expect(lines).toEqual(
      [
        'icmpv6   58 25 src=4444::2 dst=4323::2 type=128 code=0 id=947 src=4323::2 dst=4444::2 type=129 code=0 id=947 mark=0 use=1',
        'tcp      6 111 TIME_WAIT src=4321::2 dst=4444::2 sport=36228 dport=7777 src=4444::2 dst=4321::2 sport=7777 dport=36228 [ASSURED] mark=0 use=1',
        'icmpv6   58 20 src=4321::2 dst=4444::2 type=128 code=0 id=893 src=4444::2 dst=4321::2 type=129 code=0 id=893 mark=0 use=1',
        'icmpv6   58 26 src=4444::2 dst=4321::2 type=128 code=0 id=960 src=4321::2 dst=4444::2 type=129 code=0 id=960 mark=0 use=1',
        'unknown  41 596 src=:: dst=4321::1 [UNREPLIED] src=4321::1 dst=:: mark=0 use=1',
      ].sort(),
    );
  });
});
