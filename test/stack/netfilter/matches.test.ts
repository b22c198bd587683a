import { describe, expect, it } from 'vitest';
import {
  type Match,
  Netfilter,
  type NfPacket,
  type PolicyElement,
  parseIcmpv6Type,
  parseProtocol,
  type Rule,
  type SecPathEntry,
} from '../../../src/stack/netfilter/index.js';
import { ipv6 } from '../../../src/wire/ipv6-address.js';
import { IPPROTO } from '../../../src/wire/proto.js';
import { A, ahTransport, B, echo, esp, icmp6, nf, sa, TH, tcp, udp } from './packets.js';

/** Whether `rule` (given a no-op target) matches `pkt` at `hook`, read from its counter. */
function matches(
  rule: Omit<Rule, 'target'>,
  pkt: NfPacket,
  hook: 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING' = 'FORWARD',
): boolean {
  const n = new Netfilter({ alwaysTrack: true });
  n.append('mangle', hook, { ...rule, target: { kind: 'none' } });
  const v = n.runHook(hook, pkt, { nowUs: 0 });
  if (v.kind === 'drop' && v.reason === 'hotdrop') return false;
  const chain = n.list('mangle').find((c) => c.name === hook)!;
  return chain.rules[0]!.packets === 1;
}

const fwd = (bytes: Uint8Array, more: Partial<NfPacket> = {}) => nf(bytes, { inDev: 'eth0', outDev: 'eth1', ...more });

describe('header part of a rule (ip6_packet_match)', () => {
  const cases: [string, Omit<Rule, 'target'>, NfPacket, boolean][] = [
    ['-s prefix matches', { src: { addr: ipv6('4321::'), prefixLen: 64 } }, fwd(echo(A, B, 1)), true],
    ['-s prefix does not match', { src: { addr: ipv6('4444::'), prefixLen: 60 } }, fwd(echo(A, B, 1)), false],
    ['! -s inverts', { src: { addr: ipv6('4444::'), prefixLen: 60, invert: true } }, fwd(echo(A, B, 1)), true],
    ['-d /128', { dst: { addr: B, prefixLen: 128 } }, fwd(echo(A, B, 1)), true],
    ['-i exact name', { inIface: { name: 'eth0' } }, fwd(echo(A, B, 1)), true],
    ['-i exact name is not a prefix', { inIface: { name: 'eth' } }, fwd(echo(A, B, 1)), false],
    ['-i with + matches the prefix', { inIface: { name: 'et+' } }, fwd(echo(A, B, 1)), true],
    ['! -o eth1', { outIface: { name: 'eth1', invert: true } }, fwd(echo(A, B, 1)), false],
    ['-p icmpv6 (58)', { proto: { num: 58 } }, fwd(echo(A, B, 1)), true],
    ['-p tcp on ICMPv6', { proto: { num: 6 } }, fwd(echo(A, B, 1)), false],
    ['! -p tcp on ICMPv6', { proto: { num: 6, invert: true } }, fwd(echo(A, B, 1)), true],
    ['-p all', { proto: { num: 0 } }, fwd(esp(A, B, 1)), true],
    ['-p esp on ESP', { proto: { num: 50 } }, fwd(esp(A, B, 1)), true],
    ['-p icmpv6 sees through AH', { proto: { num: 58 } }, fwd(ahTransport(echo(A, B, 1), 0x300)), true],
    ['-p ah never matches (AH is skipped)', { proto: { num: 51 } }, fwd(ahTransport(echo(A, B, 1), 0x300)), false],
  ];
  for (const [what, rule, pkt, want] of cases) it(what, () => expect(matches(rule, pkt)).toBe(want));

  it('a truncated extension header with -p drops the packet (hotdrop)', () => {
    // ip6_packet_match: ipv6_find_hdr < 0 with fragment offset 0 -> *hotdrop = true.
    const bytes = new Uint8Array(41);
    bytes.set(echo(A, B, 1).subarray(0, 40));
    bytes[6] = IPPROTO.DSTOPTS;
    bytes[5] = 1;
    const n = new Netfilter();
    n.append('filter', 'FORWARD', { proto: { num: 6 }, target: { kind: 'ACCEPT' } });
    expect(n.runHook('FORWARD', fwd(bytes), { nowUs: 0 })).toMatchObject({ kind: 'drop', reason: 'hotdrop', match: 'proto', rule: 1 });
  });
});

describe('protocol matches', () => {
  const t = (flags: number, sport = 1234, dport = 80) => fwd(tcp(A, B, sport, dport, flags));
  const P = (num: number) => ({ num });
  const cases: [string, Omit<Rule, 'target'>, NfPacket, boolean][] = [
    ['--dport single', { proto: P(6), matches: [{ kind: 'tcp', dport: { min: 80, max: 80 } }] }, t(TH.SYN), true],
    ['--sport range', { proto: P(6), matches: [{ kind: 'tcp', sport: { min: 1024, max: 65535 } }] }, t(TH.SYN), true],
    ['! --dport', { proto: P(6), matches: [{ kind: 'tcp', dport: { min: 80, max: 80, invert: true } }] }, t(TH.SYN), false],
    ['--syn on SYN', { proto: P(6), matches: [{ kind: 'tcp', flags: { mask: 0x17, comp: 0x02 } }] }, t(TH.SYN), true],
    ['--syn on SYN-ACK', { proto: P(6), matches: [{ kind: 'tcp', flags: { mask: 0x17, comp: 0x02 } }] }, t(TH.SYN | TH.ACK), false],
    ['udp --dport', { proto: P(17), matches: [{ kind: 'udp', dport: { min: 5353, max: 5353 } }] }, fwd(udp(A, B, 1, 5353)), true],
    [
      'multiport --dports with a range',
      {
        proto: P(6),
        matches: [
          {
            kind: 'multiport',
            flags: 'destination',
            ports: [
              { min: 22, max: 22 },
              { min: 79, max: 81 },
            ],
          },
        ],
      },
      t(TH.SYN),
      true,
    ],
    [
      'multiport --sports misses',
      { proto: P(6), matches: [{ kind: 'multiport', flags: 'source', ports: [{ min: 80, max: 80 }] }] },
      t(TH.SYN),
      false,
    ],
    [
      'multiport --ports either way',
      { proto: P(6), matches: [{ kind: 'multiport', flags: 'either', ports: [{ min: 80, max: 80 }] }] },
      t(TH.SYN),
      true,
    ],
    [
      '! multiport',
      { proto: P(6), matches: [{ kind: 'multiport', flags: 'either', ports: [{ min: 80, max: 80 }], invert: true }] },
      t(TH.SYN),
      false,
    ],
    [
      '--icmpv6-type echo-request',
      { proto: P(58), matches: [{ kind: 'icmp6', type: 128, codeMin: 0, codeMax: 255 }] },
      fwd(echo(A, B, 1)),
      true,
    ],
    [
      '--icmpv6-type 1/4 on 1/3',
      { proto: P(58), matches: [{ kind: 'icmp6', type: 1, codeMin: 4, codeMax: 4 }] },
      fwd(icmp6(A, B, 1, 3, new Uint8Array(44))),
      false,
    ],
    [
      '! --icmpv6-type echo-reply',
      { proto: P(58), matches: [{ kind: 'icmp6', type: 129, codeMin: 0, codeMax: 255, invert: true }] },
      fwd(echo(A, B, 1)),
      true,
    ],
    ['--espspi in range', { proto: P(50), matches: [{ kind: 'esp', spis: { min: 0x100, max: 0x1ff } }] }, fwd(esp(A, B, 0x101)), true],
    [
      '! --espspi',
      { proto: P(50), matches: [{ kind: 'esp', spis: { min: 0x101, max: 0x101, invert: true } }] },
      fwd(esp(A, B, 0x101)),
      false,
    ],
    ['-m ah --ahspi', { matches: [{ kind: 'ah', spis: { min: 0x300, max: 0x300 } }] }, fwd(ahTransport(echo(A, B, 1), 0x300)), true],
    [
      '-m ah --ahlen 24',
      { matches: [{ kind: 'ah', spis: { min: 0, max: 0xffffffff }, hdrlen: { len: 24 } }] },
      fwd(ahTransport(echo(A, B, 1), 1)),
      true,
    ],
    ['-m ah on a packet without AH', { matches: [{ kind: 'ah', spis: { min: 0, max: 0xffffffff } }] }, fwd(echo(A, B, 1)), false],
    ['--hl-eq 64', { matches: [{ kind: 'hl', mode: 'eq', value: 64 }] }, fwd(echo(A, B, 1)), true],
    ['--hl-lt 2', { matches: [{ kind: 'hl', mode: 'lt', value: 2 }] }, fwd(echo(A, B, 1, 1, { hlim: 1 })), true],
    ['--hl-gt 64', { matches: [{ kind: 'hl', mode: 'gt', value: 64 }] }, fwd(echo(A, B, 1)), false],
    ['! --hl-eq 64', { matches: [{ kind: 'hl', mode: 'ne', value: 64 }] }, fwd(echo(A, B, 1)), false],
    ['--length 104 (payload length + 40)', { matches: [{ kind: 'length', min: 104, max: 104 }] }, fwd(echo(A, B, 1)), true],
    ['! --length 0:100', { matches: [{ kind: 'length', min: 0, max: 100, invert: true }] }, fwd(echo(A, B, 1)), true],
    ['-m comment', { matches: [{ kind: 'comment', comment: 'hello' }] }, fwd(echo(A, B, 1)), true],
    ['-m mark --mark 0x1/0x1', { matches: [{ kind: 'mark', mark: 1, mask: 1 }] }, fwd(echo(A, B, 1), { mark: 0x1201 }), true],
    ['-m mark --mark 0x1200', { matches: [{ kind: 'mark', mark: 0x1200, mask: 0xffffffff }] }, fwd(echo(A, B, 1), { mark: 0x1255 }), false],
    ['! -m mark', { matches: [{ kind: 'mark', mark: 0x9, mask: 0xffffffff, invert: true }] }, fwd(echo(A, B, 1)), true],
  ];
  for (const [what, rule, pkt, want] of cases) it(what, () => expect(matches(rule, pkt)).toBe(want));

  it('a port match on a header cut short drops the packet (hotdrop)', () => {
    const cut = tcp(A, B, 1, 2, TH.SYN).slice(0, 50);
    cut[5] = 10;
    const n = new Netfilter();
    n.append('filter', 'FORWARD', { proto: { num: 6 }, matches: [{ kind: 'tcp', dport: { min: 2, max: 2 } }], target: { kind: 'ACCEPT' } });
    expect(n.runHook('FORWARD', fwd(cut), { nowUs: 0 })).toMatchObject({ kind: 'drop', reason: 'hotdrop', match: 'tcp' });
  });
});

describe('-p names and numbers (libxtables xtables_parse_protocol)', () => {
  const cases: [string, number | undefined][] = [
    ['tcp', 6],
    ['UDP', 17],
    ['icmpv6', 58],
    ['ipv6-icmp', 58],
    ['esp', 50],
    ['ah', 51],
    ['all', 0],
    ['58', 58],
    ['0x32', 50],
    ['256', undefined],
    ['gre', undefined],
  ];
  for (const [text, want] of cases) it(`reads "${text}"`, () => expect(parseProtocol(text)).toBe(want));
});

describe('--icmpv6-type names and numbers (libxt_icmp.h)', () => {
  const cases: [string, ReturnType<typeof parseIcmpv6Type>][] = [
    ['echo-request', { ok: true, type: 128, codeMin: 0, codeMax: 255 }],
    ['ping', { ok: true, type: 128, codeMin: 0, codeMax: 255 }],
    ['Neighbour-Solicitation', { ok: true, type: 135, codeMin: 0, codeMax: 255 }],
    ['neighbor-advertisement', { ok: true, type: 136, codeMin: 0, codeMax: 255 }],
    ['port-unreachable', { ok: true, type: 1, codeMin: 4, codeMax: 4 }],
    ['echo-rep', { ok: true, type: 129, codeMin: 0, codeMax: 255 }],
    ['1/4', { ok: true, type: 1, codeMin: 4, codeMax: 4 }],
    ['0x80', { ok: true, type: 128, codeMin: 0, codeMax: 255 }],
    ['echo', { ok: false, message: "Ambiguous ICMPv6 type `echo': `echo-request' or `echo-reply'?" }],
    ['bogus', { ok: false, message: "Unknown ICMPv6 type `bogus'" }],
    ['1:3', { ok: false, message: 'ICMPv6 type range not supported' }],
  ];
  for (const [text, want] of cases) it(`reads "${text}"`, () => expect(parseIcmpv6Type(text)).toEqual(want));
});

describe('-m conntrack, -m state, -m connmark', () => {
  /** Runs `rules` in mangle FORWARD on a forwarded echo request, then its reply (each confirmed in POSTROUTING); each rule's packet count. */
  function counts(rules: Match[][]): number[][] {
    const n = new Netfilter();
    for (const m of rules) n.append('mangle', 'FORWARD', { matches: m, target: { kind: 'none' } });
    for (const p of [fwd(echo(A, B, 9)), nf(echo(B, A, 9, 1, { type: 129 }), { inDev: 'eth1', outDev: 'eth0' })]) {
      const pre = n.runHook('PREROUTING', p, { nowUs: 0 });
      n.runHook('POSTROUTING', n.runHook('FORWARD', pre.pkt, { nowUs: 0 }).pkt, { nowUs: 0 });
    }
    return n.list('mangle')[2]!.rules.map((r) => [r.packets]);
  }

  it('--ctstate NEW, ESTABLISHED and --ctdir ORIGINAL/REPLY tell the request from the reply', () => {
    // xt_conntrack conntrack_mt: state bit of ctinfo; direction of the tuple that matched.
    expect(
      counts([
        [{ kind: 'conntrack', state: { states: ['NEW'] } }],
        [{ kind: 'conntrack', state: { states: ['RELATED', 'ESTABLISHED'] } }],
        [{ kind: 'conntrack', dir: 'ORIGINAL' }],
        [{ kind: 'conntrack', dir: 'REPLY' }],
        [{ kind: 'conntrack', state: { states: ['NEW'], invert: true } }],
        [{ kind: 'state', states: ['ESTABLISHED'] }],
      ]),
    ).toEqual([[1], [1], [1], [1], [1], [1]]);
  });

  it('--ctproto, --ctorigsrc, --ctrepldst and --ctstatus read the connection, not the packet', () => {
    expect(
      counts([
        [{ kind: 'conntrack', proto: { num: 58 } }],
        [{ kind: 'conntrack', origSrc: { addr: A, prefixLen: 128 } }],
        [{ kind: 'conntrack', replDst: { addr: A, prefixLen: 128 } }],
        [{ kind: 'conntrack', status: { statuses: ['SEEN_REPLY'] } }],
        [{ kind: 'conntrack', status: { statuses: ['CONFIRMED'] } }],
        [{ kind: 'conntrack', origDstPort: { min: 128 << 8, max: (128 << 8) | 0xff } }],
      ]),
    ).toEqual([[2], [2], [2], [1], [1], [2]]);
  });

  it('without a connection only --ctstate can match: INVALID and UNTRACKED packets', () => {
    // conntrack_mt: "if (ct == NULL) return info->match_flags & XT_CONNTRACK_STATE".
    const invalid = fwd(echo(A, B, 1, 1, { type: 129 }));
    expect(matches({ matches: [{ kind: 'conntrack', state: { states: ['INVALID'] } }] }, invalid, 'PREROUTING')).toBe(true);
    expect(matches({ matches: [{ kind: 'conntrack', dir: 'ORIGINAL' }] }, invalid, 'PREROUTING')).toBe(false);
    expect(matches({ matches: [{ kind: 'conntrack', proto: { num: 58, invert: true } }] }, invalid, 'PREROUTING')).toBe(false);
    const ns = fwd(icmp6(A, ipv6('ff02::1:ff00:2'), 135, 0, new Uint8Array(20), { hlim: 255 }));
    expect(matches({ matches: [{ kind: 'state', states: ['UNTRACKED'] }] }, ns, 'PREROUTING')).toBe(true);
    expect(matches({ matches: [{ kind: 'connmark', mark: 0, mask: 0, invert: true }] }, ns, 'PREROUTING')).toBe(false);
  });
});

describe('-m policy (xt_policy)', () => {
  const espT = sa('esp', 0x100, 'transport', A, B, 5);
  const espTun = sa('esp', 0x200, 'tunnel', ipv6('1::1'), ipv6('2::1'), 7);
  const ahTun = sa('ah', 0x300, 'tunnel', ipv6('3::1'), ipv6('4::1'), 0);
  const pol = (dir: 'in' | 'out', p: 'ipsec' | 'none', elements: PolicyElement[] = [{}], strict = false): Omit<Rule, 'target'> => ({
    matches: [{ kind: 'policy', dir, pol: p, strict, elements }],
  });
  const withSp = (secPath: SecPathEntry[]) => fwd(echo(A, B, 1), { secPath });
  const withBundle = (bundle: SecPathEntry[]) => fwd(echo(A, B, 1), { bundle });
  const cases: [string, Omit<Rule, 'target'>, NfPacket, boolean][] = [
    ['--dir in --pol ipsec with a secpath', pol('in', 'ipsec'), withSp([espT]), true],
    ['--dir in --pol ipsec without one', pol('in', 'ipsec'), withSp([]), false],
    ['--dir in --pol none without a secpath', pol('in', 'none', []), withSp([]), true],
    ['--dir in --pol none with one', pol('in', 'none', []), withSp([espT]), false],
    ['--dir out --pol ipsec with a bundle', pol('out', 'ipsec'), withBundle([espT]), true],
    ['--dir out --pol none without a bundle', pol('out', 'none', []), withBundle([]), true],
    ['--reqid and --proto', pol('in', 'ipsec', [{ reqid: { reqid: 5 }, proto: { num: 50 } }]), withSp([espT]), true],
    ['--spi mismatch', pol('in', 'ipsec', [{ spi: { spi: 0x101 } }]), withSp([espT]), false],
    ['! --spi', pol('in', 'ipsec', [{ spi: { spi: 0x101, invert: true } }]), withSp([espT]), true],
    // Recorded on Linux 6.1 x86 (cases/n_policy_match_in, _out): --spi is compared with the SA's
    // SPI in network byte order, so the SPI's own value does not match, its byte swap does.
    ['--spi with the SA SPI itself', pol('in', 'ipsec', [{ spi: { spi: 0x100 } }]), withSp([espT]), false],
    ['--spi with the byte-swapped SA SPI', pol('in', 'ipsec', [{ spi: { spi: 0x00010000 } }]), withSp([espT]), true],
    ['--dir out --spi with the byte-swapped SPI', pol('out', 'ipsec', [{ spi: { spi: 0x00020000 } }]), withBundle([espTun]), true],
    [
      '--mode tunnel --tunnel-src',
      pol('in', 'ipsec', [{ mode: { mode: 'tunnel' }, tunnelSrc: { addr: ipv6('1::'), prefixLen: 64 } }]),
      withSp([espTun]),
      true,
    ],
    ['--tunnel-dst mismatch', pol('in', 'ipsec', [{ tunnelDst: { addr: ipv6('9::'), prefixLen: 64 } }]), withSp([espTun]), false],
    ['without --strict any SA may match the element', pol('in', 'ipsec', [{ proto: { num: 50 } }]), withSp([ahTun, espT]), true],
    // VERIFIED test/kernel-cases/policy-strict-two-sas.sh (.out): with ESP inside AH on Debian's
    // 6.1, `--strict --proto esp --next --proto ah` matched both echoes and the reverse order none.
    [
      '--strict: element 1 is the innermost SA of the secpath (listed outermost first)',
      pol('in', 'ipsec', [{ proto: { num: 50 } }, { proto: { num: 51 } }], true),
      withSp([ahTun, espT]),
      true,
    ],
    [
      '--strict in the wrong order',
      pol('in', 'ipsec', [{ proto: { num: 51 } }, { proto: { num: 50 } }], true),
      withSp([ahTun, espT]),
      false,
    ],
    ['--strict with a different count', pol('in', 'ipsec', [{ proto: { num: 50 } }], true), withSp([ahTun, espT]), false],
    [
      '--strict out: element 1 is the first template of the bundle',
      pol('out', 'ipsec', [{ proto: { num: 50 } }, { proto: { num: 51 } }], true),
      withBundle([espT, ahTun]),
      true,
    ],
    ['--strict out with too few elements', pol('out', 'ipsec', [{ proto: { num: 50 } }], true), withBundle([espT, ahTun]), false],
  ];
  for (const [what, rule, pkt, want] of cases) it(what, () => expect(matches(rule, pkt)).toBe(want));
});

describe('counters of the oracle experiments', () => {
  it('e14: AH-protected ICMPv6 is seen by -p icmpv6 and -m ah, never by -p ah / -p 51', () => {
    // VERIFIED e14: b's mangle PREROUTING after one ping over AH transport (128-byte AH packet, 104-byte decapsulation).
    const n = new Netfilter();
    const P = (num: number) => ({ num });
    const anyAh: Match = { kind: 'ah', spis: { min: 0, max: 0xffffffff } };
    n.append('mangle', 'PREROUTING', {
      proto: P(58),
      matches: [{ kind: 'icmp6', type: 128, codeMin: 0, codeMax: 255 }],
      target: { kind: 'none' },
    });
    n.append('mangle', 'PREROUTING', { proto: P(51), target: { kind: 'none' } });
    n.append('mangle', 'PREROUTING', { proto: P(51), target: { kind: 'none' } });
    n.append('mangle', 'PREROUTING', { matches: [anyAh], target: { kind: 'none' } });
    n.append('mangle', 'PREROUTING', { proto: P(58), matches: [anyAh], target: { kind: 'none' } });
    n.append('mangle', 'PREROUTING', { matches: [{ kind: 'policy', dir: 'in', pol: 'ipsec', elements: [{}] }], target: { kind: 'none' } });
    n.append('mangle', 'PREROUTING', {
      proto: P(58),
      matches: [{ kind: 'policy', dir: 'in', pol: 'none', elements: [] }],
      target: { kind: 'none' },
    });
    const request = echo(A, B, 1);
    const ah = ahTransport(request, 0x300);
    expect(ah.length).toBe(128);
    n.runHook('PREROUTING', nf(ah, { inDev: 'eth0' }), { nowUs: 0 });
    n.runHook('PREROUTING', nf(request, { inDev: 'eth0', secPath: [sa('ah', 0x300, 'transport')] }), { nowUs: 0 });
    const chain = n.list('mangle')[0]!;
    expect([chain.packets, chain.bytes]).toEqual([2, 232]);
    expect(chain.rules.map((r) => [r.packets, r.bytes])).toEqual([
      [2, 232],
      [0, 0],
      [0, 0],
      [1, 128],
      [1, 128],
      [1, 104],
      [1, 128],
    ]);
  });

  it('e10: marks set on the plain packet and on the ESP packet are matched where the kernel saw them', () => {
    // VERIFIED e10 "marks across transform": a's mangle OUTPUT and POSTROUTING, b's PREROUTING and INPUT.
    // The stack's part: the ESP packet carries the plain packet's mark with the SA's output-mark
    // 0x55/0xff applied (0x1255); b's decapsulated packet keeps the mark set on the ESP packet.
    const P = (num: number) => ({ num });
    const mark = (m: number): Match => ({ kind: 'mark', mark: m, mask: 0xffffffff });
    const req: Match = { kind: 'icmp6', type: 128, codeMin: 0, codeMax: 255 };
    const a = new Netfilter();
    a.append('mangle', 'OUTPUT', { proto: P(58), matches: [req], target: { kind: 'MARK', mark: 0x1200, mask: 0xffffffff } });
    for (const c of ['OUTPUT', 'POSTROUTING']) {
      a.append('mangle', c, { proto: P(58), matches: [req, mark(0x1200)], target: { kind: 'none' } });
      a.append('mangle', c, { proto: P(50), matches: [mark(0x1255)], target: { kind: 'none' } });
      a.append('mangle', c, { proto: P(50), matches: [mark(0x55)], target: { kind: 'none' } });
    }
    const plain = a.runHook('OUTPUT', nf(echo(A, B, 1), { outDev: 'eth0' }), { nowUs: 0 });
    a.runHook('POSTROUTING', plain.pkt, { nowUs: 0 });
    const espPkt = nf(esp(A, B, 0x100, 1, 108), { outDev: 'eth0', mark: ((plain.pkt.mark & ~0xff) | 0x55) >>> 0 });
    expect(espPkt.bytes.length).toBe(156);
    a.runHook('POSTROUTING', a.runHook('OUTPUT', espPkt, { nowUs: 0 }).pkt, { nowUs: 0 });
    const am = a.list('mangle');
    const rows = (c: number) => am[c]!.rules.slice(-3).map((r) => [r.packets, r.bytes]);
    expect(rows(3)).toEqual([
      [1, 104],
      [1, 156],
      [0, 0],
    ]);
    expect(rows(4)).toEqual(rows(3));

    const b = new Netfilter();
    b.append('mangle', 'PREROUTING', { proto: P(50), target: { kind: 'MARK', mark: 0x9, mask: 0xffffffff } });
    for (const c of ['PREROUTING', 'INPUT']) {
      b.append('mangle', c, { proto: P(50), matches: [mark(0x9)], target: { kind: 'none' } });
      b.append('mangle', c, { proto: P(58), matches: [req, mark(0x9)], target: { kind: 'none' } });
    }
    const e = b.runHook('PREROUTING', nf(esp(A, B, 0x100, 1, 108), { inDev: 'eth0' }), { nowUs: 0 });
    b.runHook('INPUT', e.pkt, { nowUs: 0 });
    const inner = b.runHook(
      'PREROUTING',
      nf(echo(A, B, 1), { inDev: 'eth0', mark: e.pkt.mark, secPath: [sa('esp', 0x100, 'transport')] }),
      { nowUs: 0 },
    );
    b.runHook('INPUT', inner.pkt, { nowUs: 0 });
    const bm = b.list('mangle');
    expect(bm[0]!.rules.slice(-2).map((r) => [r.packets, r.bytes])).toEqual([
      [1, 156],
      [1, 104],
    ]);
    expect(bm[1]!.rules.map((r) => [r.packets, r.bytes])).toEqual([
      [1, 156],
      [1, 104],
    ]);
  });
});
