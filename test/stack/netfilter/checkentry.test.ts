import { describe, expect, it } from 'vitest';
import { Netfilter, type Rule, type TableName, XtablesError } from '../../../src/stack/netfilter/index.js';

// What the kernel refuses when ip6tables replaces a table: x_tables.c xt_check_match/xt_check_target
// (table, hooks, protocol) and each module's checkentry. ip6tables then prints
// "ip6tables: Invalid argument. Run `dmesg' for more information." and the kernel log has the reason.

function refused(fn: () => void): XtablesError {
  try {
    fn();
  } catch (e) {
    if (e instanceof XtablesError) return e;
    throw e;
  }
  throw new Error('accepted');
}

const cases: [string, TableName, string, Rule, string | undefined][] = [
  [
    'REJECT outside filter',
    'mangle',
    'INPUT',
    { target: { kind: 'REJECT', with: 'icmp6-port-unreachable' } },
    'x_tables: ip6_tables: REJECT target: only valid in filter table, not mangle',
  ],
  [
    'TRACE outside raw',
    'filter',
    'INPUT',
    { target: { kind: 'TRACE' } },
    'x_tables: ip6_tables: TRACE target: only valid in raw table, not filter',
  ],
  [
    '--dport without -p tcp',
    'filter',
    'INPUT',
    { matches: [{ kind: 'tcp', dport: { min: 22, max: 22 } }], target: { kind: 'ACCEPT' } },
    'x_tables: ip6_tables: tcp match: only valid for protocol 6',
  ],
  [
    '--dport with ! -p tcp',
    'filter',
    'INPUT',
    { proto: { num: 6, invert: true }, matches: [{ kind: 'tcp', dport: { min: 22, max: 22 } }], target: { kind: 'ACCEPT' } },
    'x_tables: ip6_tables: tcp match: only valid for protocol 6',
  ],
  [
    '-m esp without -p esp',
    'filter',
    'INPUT',
    { matches: [{ kind: 'esp', spis: { min: 1, max: 1 } }], target: { kind: 'ACCEPT' } },
    'x_tables: ip6_tables: esp match: only valid for protocol 50',
  ],
  [
    '--icmpv6-type with -p udp',
    'filter',
    'INPUT',
    { proto: { num: 17 }, matches: [{ kind: 'icmp6', type: 128, codeMin: 0, codeMax: 255 }], target: { kind: 'ACCEPT' } },
    'x_tables: ip6_tables: icmp6 match: only valid for protocol 58',
  ],
  [
    'multiport with -p icmpv6',
    'filter',
    'INPUT',
    { proto: { num: 58 }, matches: [{ kind: 'multiport', flags: 'either', ports: [{ min: 1, max: 1 }] }], target: { kind: 'ACCEPT' } },
    undefined,
  ],
  [
    '--dir out in INPUT',
    'mangle',
    'INPUT',
    { matches: [{ kind: 'policy', dir: 'out', pol: 'ipsec', elements: [{}] }], target: { kind: 'none' } },
    'xt_policy: output policy not valid in PREROUTING and INPUT',
  ],
  [
    '--dir in in POSTROUTING',
    'mangle',
    'POSTROUTING',
    { matches: [{ kind: 'policy', dir: 'in', pol: 'none', elements: [] }], target: { kind: 'none' } },
    'xt_policy: input policy not valid in POSTROUTING and OUTPUT',
  ],
  [
    'tcp-reset without -p tcp',
    'filter',
    'INPUT',
    { target: { kind: 'REJECT', with: 'tcp-reset' } },
    'ip6t_REJECT: TCP_RESET illegal for non-tcp',
  ],
  ['LOG level 8', 'filter', 'INPUT', { target: { kind: 'LOG', prefix: '', level: 8, logflags: 0 } }, undefined],
  [
    'a LOG prefix of 30 characters',
    'filter',
    'INPUT',
    { target: { kind: 'LOG', prefix: 'x'.repeat(30), level: 4, logflags: 0 } },
    undefined,
  ],
  [
    'five policy elements',
    'mangle',
    'FORWARD',
    { matches: [{ kind: 'policy', dir: 'in', pol: 'ipsec', strict: true, elements: [{}, {}, {}, {}, {}] }], target: { kind: 'none' } },
    'xt_policy: too many policy elements',
  ],
];

describe('kernel checks when a table is replaced', () => {
  for (const [what, table, chain, rule, dmesg] of cases) {
    it(`refuses ${what} with EINVAL`, () => {
      const n = new Netfilter();
      const e = refused(() => n.append(table, chain, rule));
      expect(e.errno).toBe('EINVAL');
      expect(e.toolMessage()).toBe("ip6tables: Invalid argument. Run `dmesg' for more information.");
      expect(e.dmesg).toBe(dmesg);
      expect(n.list(table).every((c) => c.rules.length === 0)).toBe(true);
    });
  }

  it('checks a user chain against the hooks that reach it, when the jump that reaches it is added', () => {
    // mark_source_chains() gives each rule the hooks it is reachable from (comefrom).
    const n = new Netfilter();
    n.newChain('mangle', 'pin');
    n.append('mangle', 'pin', { matches: [{ kind: 'policy', dir: 'in', pol: 'ipsec', elements: [{}] }], target: { kind: 'none' } });
    n.append('mangle', 'FORWARD', { target: { kind: 'jump', chain: 'pin' } });
    const e = refused(() => n.append('mangle', 'OUTPUT', { target: { kind: 'jump', chain: 'pin' } }));
    expect(e.dmesg).toBe('xt_policy: input policy not valid in POSTROUTING and OUTPUT');
    expect(n.list('mangle')[3]!.rules).toHaveLength(0);
  });

  it('accepts the same rules where they belong', () => {
    const n = new Netfilter();
    n.append('filter', 'INPUT', { proto: { num: 6 }, target: { kind: 'REJECT', with: 'tcp-reset' } });
    n.append('raw', 'PREROUTING', { target: { kind: 'TRACE' } });
    n.append('mangle', 'FORWARD', { matches: [{ kind: 'policy', dir: 'out', pol: 'ipsec', elements: [{}] }], target: { kind: 'none' } });
    n.append('filter', 'INPUT', {
      proto: { num: 17 },
      matches: [{ kind: 'multiport', flags: 'either', ports: [{ min: 1, max: 1 }] }],
      target: { kind: 'ACCEPT' },
    });
    expect(n.list('filter')[0]!.rules).toHaveLength(2);
  });
});
