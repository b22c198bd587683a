import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HOOKS, type Match, Netfilter, type Rule, type Target, XtablesError } from '../../../src/stack/netfilter/index.js';
import { ipv6 } from '../../../src/wire/ipv6-address.js';
import { A, ahTransport, ahTunnel, B, echo, esp, icmp6, icmp6Error, nf, sa, TH, tcp, udp } from './packets.js';

const TABLES = ['raw', 'mangle', 'filter'] as const;
const CHAINS = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING', 'u1', 'u2', 'u3'] as const;

const arbTarget: fc.Arbitrary<Target> = fc.oneof(
  fc.constantFrom<Target>(
    { kind: 'none' },
    { kind: 'ACCEPT' },
    { kind: 'DROP' },
    { kind: 'RETURN' },
    { kind: 'TRACE' },
    { kind: 'REJECT', with: 'icmp6-adm-prohibited' },
    { kind: 'REJECT', with: 'tcp-reset' },
    { kind: 'MARK', mark: 1, mask: 1 },
    { kind: 'LOG', prefix: 'p ', level: 4, logflags: 0 },
    { kind: 'LOG', prefix: 'q ', level: 9, logflags: 0 },
  ),
  fc.record({ kind: fc.constantFrom('jump' as const, 'goto' as const), chain: fc.constantFrom(...CHAINS) }),
);

const arbMatch: fc.Arbitrary<Match> = fc.constantFrom<Match>(
  { kind: 'tcp', dport: { min: 22, max: 22 } },
  { kind: 'conntrack', state: { states: ['NEW'] } },
  { kind: 'policy', dir: 'in', pol: 'ipsec', elements: [{}] },
  { kind: 'policy', dir: 'out', pol: 'none', elements: [] },
  { kind: 'mark', mark: 1, mask: 1 },
);

const arbRule: fc.Arbitrary<Rule> = fc.record(
  {
    proto: fc.constantFrom({ num: 6 }, { num: 58 }, { num: 6, invert: true }),
    matches: fc.array(arbMatch, { maxLength: 2 }),
    target: arbTarget,
  },
  { requiredKeys: ['target'] },
);

type Op = (n: Netfilter) => void;
const arbOp: fc.Arbitrary<Op> = fc.oneof(
  fc.tuple(fc.constantFrom(...TABLES), fc.constantFrom(...CHAINS), arbRule).map(
    ([t, c, r]): Op =>
      (n) =>
        n.append(t, c, r),
  ),
  fc.tuple(fc.constantFrom(...TABLES), fc.constantFrom(...CHAINS), fc.integer({ min: 0, max: 4 }), arbRule).map(
    ([t, c, i, r]): Op =>
      (n) =>
        n.insert(t, c, i, r),
  ),
  fc.tuple(fc.constantFrom(...TABLES), fc.constantFrom(...CHAINS), fc.integer({ min: 0, max: 4 }), arbRule).map(
    ([t, c, i, r]): Op =>
      (n) =>
        n.replace(t, c, i, r),
  ),
  fc.tuple(fc.constantFrom(...TABLES), fc.constantFrom(...CHAINS), fc.integer({ min: 0, max: 4 })).map(
    ([t, c, i]): Op =>
      (n) =>
        n.deleteAt(t, c, i),
  ),
  fc.tuple(fc.constantFrom(...TABLES), fc.constantFrom(...CHAINS), arbRule).map(
    ([t, c, r]): Op =>
      (n) =>
        n.deleteRule(t, c, r),
  ),
  fc.tuple(fc.constantFrom(...TABLES), fc.option(fc.constantFrom(...CHAINS), { nil: undefined })).map(
    ([t, c]): Op =>
      (n) =>
        n.flush(t, c),
  ),
  fc.tuple(fc.constantFrom(...TABLES), fc.option(fc.constantFrom(...CHAINS), { nil: undefined })).map(
    ([t, c]): Op =>
      (n) =>
        n.zero(t, c),
  ),
  fc.tuple(fc.constantFrom(...TABLES), fc.constantFrom(...CHAINS, 'ACCEPT')).map(
    ([t, c]): Op =>
      (n) =>
        n.newChain(t, c),
  ),
  fc.tuple(fc.constantFrom(...TABLES), fc.option(fc.constantFrom(...CHAINS), { nil: undefined })).map(
    ([t, c]): Op =>
      (n) =>
        n.deleteChain(t, c),
  ),
  fc.tuple(fc.constantFrom(...TABLES), fc.constantFrom(...CHAINS), fc.constantFrom(...CHAINS)).map(
    ([t, a, b]): Op =>
      (n) =>
        n.renameChain(t, a, b),
  ),
  fc.tuple(fc.constantFrom(...TABLES), fc.constantFrom(...CHAINS), fc.constantFrom('ACCEPT', 'DROP', 'RETURN')).map(
    ([t, c, p]): Op =>
      (n) =>
        n.setPolicy(t, c, p),
  ),
);

function snapshot(n: Netfilter): string {
  return JSON.stringify([TABLES.map((t) => n.list(t)), n.conntrackEnabled]);
}

/** Packets of every kind the trackers and matches know, valid ones. */
const SAMPLES: readonly Uint8Array[] = [
  echo(A, B, 1),
  echo(B, A, 1, 1, { type: 129 }),
  udp(A, B, 1000, 53),
  tcp(A, B, 1000, 22, TH.SYN),
  tcp(B, A, 22, 1000, TH.SYN | TH.ACK),
  tcp(A, B, 1000, 22, TH.ACK | TH.PSH, { data: new Uint8Array(10) }),
  esp(A, B, 0x100),
  ahTransport(echo(A, B, 2), 0x300),
  ahTunnel(ipv6('::'), A, echo(B, ipv6('4444::2'), 3), 0x10e1),
  icmp6(A, ipv6('ff02::1:ff00:2'), 135, 0, new Uint8Array(20), { hlim: 255 }),
  icmp6Error(B, A, 1, 4, udp(A, B, 1000, 53)),
];

/** A rule set using every match and target, valid in its table. */
function everything(): Netfilter {
  const n = new Netfilter();
  const P = (num: number) => ({ num });
  n.append('raw', 'PREROUTING', { proto: P(58), target: { kind: 'TRACE' } });
  for (const c of ['PREROUTING', 'FORWARD'] as const) {
    n.append('mangle', c, {
      matches: [{ kind: 'ah', spis: { min: 0, max: 0xffffffff }, hdrlen: { len: 24 }, hdrres: true }],
      target: { kind: 'LOG', prefix: 'ah ', level: 4, logflags: 0x2f },
    });
    n.append('mangle', c, {
      matches: [{ kind: 'policy', dir: 'in', pol: 'ipsec', strict: true, elements: [{ proto: P(50) }, { mode: { mode: 'tunnel' } }] }],
      target: { kind: 'MARK', mark: 2, mask: 2 },
    });
  }
  n.append('mangle', 'POSTROUTING', {
    matches: [{ kind: 'policy', dir: 'out', pol: 'ipsec', elements: [{ spi: { spi: 1 } }] }],
    target: { kind: 'none' },
  });
  n.newChain('filter', 'chk');
  n.append('filter', 'chk', {
    proto: P(6),
    matches: [{ kind: 'tcp', sport: { min: 1, max: 2000 }, flags: { mask: 0x17, comp: 0x02 } }],
    target: { kind: 'REJECT', with: 'tcp-reset' },
  });
  n.append('filter', 'chk', { proto: P(17), matches: [{ kind: 'udp', dport: { min: 53, max: 53 } }], target: { kind: 'RETURN' } });
  n.append('filter', 'chk', {
    proto: P(6),
    matches: [
      {
        kind: 'multiport',
        flags: 'either',
        ports: [
          { min: 22, max: 22 },
          { min: 80, max: 90 },
        ],
      },
    ],
    target: { kind: 'LOG', prefix: 'mp ', level: 4, logflags: 0x2f },
  });
  n.append('filter', 'chk', {
    proto: P(58),
    matches: [{ kind: 'icmp6', type: 1, codeMin: 0, codeMax: 255 }],
    target: { kind: 'CONNMARK', mode: 'save', ctmark: 0, ctmask: 0xff, nfmask: 0xff },
  });
  n.append('filter', 'chk', { proto: P(50), matches: [{ kind: 'esp', spis: { min: 0, max: 0x200 } }], target: { kind: 'none' } });
  n.append('filter', 'chk', {
    matches: [
      {
        kind: 'conntrack',
        state: { states: ['ESTABLISHED', 'INVALID', 'UNTRACKED'] },
        dir: 'REPLY',
        proto: P(6),
        origSrcPort: { min: 1, max: 5 },
        status: { statuses: ['ASSURED'] },
        expire: { min: 0, max: 10 },
      },
    ],
    target: { kind: 'none' },
  });
  n.append('filter', 'chk', {
    matches: [
      { kind: 'state', states: ['NEW'] },
      { kind: 'connmark', mark: 1, mask: 1, invert: true },
    ],
    target: { kind: 'none' },
  });
  n.append('filter', 'chk', {
    matches: [
      { kind: 'hl', mode: 'lt', value: 2 },
      { kind: 'length', min: 0, max: 60 },
      { kind: 'comment', comment: 'c' },
      { kind: 'mark', mark: 2, mask: 2 },
    ],
    target: { kind: 'DROP' },
  });
  for (const c of ['INPUT', 'FORWARD', 'OUTPUT'] as const) {
    n.append('filter', c, {
      src: { addr: ipv6('4321::'), prefixLen: 64, invert: true },
      inIface: { name: 'eth+' },
      target: { kind: 'jump', chain: 'chk' },
    });
    n.append('filter', c, { proto: P(0), target: { kind: 'goto', chain: 'chk' } });
  }
  return n;
}

describe('properties', () => {
  it('a refused operation changes nothing', () => {
    fc.assert(
      fc.property(fc.array(arbOp, { maxLength: 25 }), (ops) => {
        const n = new Netfilter();
        for (const op of ops) {
          const before = snapshot(n);
          try {
            op(n);
          } catch (e) {
            if (!(e instanceof XtablesError)) throw e;
            expect(snapshot(n)).toBe(before);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('without jumps, the rule and policy counters of a built-in chain add up to the packets that went through it', () => {
    const terminal = fc.constantFrom<Target>({ kind: 'ACCEPT' }, { kind: 'DROP' }, { kind: 'REJECT', with: 'icmp6-port-unreachable' });
    const rule = fc.record(
      {
        proto: fc.constantFrom({ num: 6 }, { num: 17 }, { num: 58 }, { num: 50 }, { num: 0 }),
        src: fc.constantFrom({ addr: A, prefixLen: 128 }, { addr: B, prefixLen: 128, invert: true }),
        matches: fc.constantFrom<Match[]>([], [{ kind: 'length', min: 0, max: 80 }], [{ kind: 'hl', mode: 'gt', value: 10 }]),
        target: terminal,
      },
      { requiredKeys: ['target'] },
    );
    fc.assert(
      fc.property(fc.array(rule, { maxLength: 6 }), fc.array(fc.constantFrom(...SAMPLES), { maxLength: 20 }), (rules, pkts) => {
        const n = new Netfilter();
        n.list('filter');
        for (const r of rules) n.append('filter', 'FORWARD', r);
        for (const p of pkts) n.runHook('FORWARD', nf(p, { inDev: 'eth0', outDev: 'eth1' }), { nowUs: 0 });
        const c = n.list('filter')[1]!;
        expect(c.rules.reduce((s, r) => s + r.packets, 0) + c.packets).toBe(pkts.length);
        expect(c.rules.reduce((s, r) => s + r.bytes, 0) + c.bytes).toBe(pkts.reduce((s, p) => s + p.length, 0));
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on arbitrary bytes, whatever the hook, and answers with a known verdict', () => {
    // Bytes that are no IPv6 packet: 'malformed' (ip6_rcv_core drops them before the hooks). Damaged
    // headers inside a valid IPv6 header: the kernel's answers (hotdrop, INVALID, INCOMPLETE in LOG).
    const damaged = fc.tuple(fc.constantFrom(...SAMPLES), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([p, cut, at, v]) => {
      const b = Uint8Array.from(p);
      b[40 + (at % Math.max(1, b.length - 40))] = v;
      const len = 40 + (cut % (b.length - 39));
      const out = b.slice(0, len);
      out[4] = (len - 40) >> 8;
      out[5] = (len - 40) & 0xff;
      return out;
    });
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 120 }), damaged);
    fc.assert(
      fc.property(fc.array(fc.tuple(bytes, fc.constantFrom(...HOOKS), fc.boolean()), { minLength: 1, maxLength: 12 }), (pkts) => {
        const n = everything();
        const log: string[] = [];
        let t = 0;
        for (const [b, hook, withSp] of pkts) {
          t += 1000;
          const v = n.runHook(
            hook,
            nf(b, {
              inDev: 'eth0',
              outDev: 'eth1',
              secPath: withSp ? [sa('esp', 1, 'tunnel'), sa('ah', 2, 'transport')] : [],
              bundle: withSp ? [sa('esp', 1, 'transport')] : undefined,
            }),
            {
              nowUs: t,
              log: (l) => log.push(l),
            },
          );
          expect(['accept', 'drop', 'reject']).toContain(v.kind);
        }
        n.conntrack.list(t);
      }),
      { numRuns: 500 },
    );
  });
});
