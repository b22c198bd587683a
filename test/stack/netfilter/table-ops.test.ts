import { describe, expect, it } from 'vitest';
import { Netfilter, type Rule, XtablesError } from '../../../src/stack/netfilter/index.js';
import { ipv6 } from '../../../src/wire/ipv6-address.js';
import { IPPROTO } from '../../../src/wire/proto.js';
import { A, B, echo, nf } from './packets.js';

const ACCEPT: Rule = { target: { kind: 'ACCEPT' } };
const DROP: Rule = { target: { kind: 'DROP' } };
const icmp = (target: Rule['target']): Rule => ({ proto: { num: IPPROTO.ICMPV6 }, target });
const LOG: Rule = { target: { kind: 'LOG', prefix: 'x ', level: 4, logflags: 0 } };
const jump = (chain: string): Rule => ({ target: { kind: 'jump', chain } });

/** The line ip6tables prints for the error `fn` throws. */
function refusal(fn: () => void): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof XtablesError) return e.toolMessage();
    throw e;
  }
  throw new Error('no error');
}

function names(nf: Netfilter, chain: string, table: 'filter' | 'mangle' | 'raw' = 'filter'): string[] {
  return nf
    .list(table)
    .find((c) => c.name === chain)!
    .rules.map((r) => (r.rule.target.kind === 'LOG' ? r.rule.target.prefix : r.rule.target.kind));
}

describe('Netfilter rule operations', () => {
  it('append, insert at a position, replace and delete by number or by rule work like -A, -I, -R, -D', () => {
    const n = new Netfilter();
    n.append('filter', 'INPUT', { target: { kind: 'LOG', prefix: '1', level: 4, logflags: 0 } });
    n.append('filter', 'INPUT', { target: { kind: 'LOG', prefix: '2', level: 4, logflags: 0 } });
    n.insert('filter', 'INPUT', 1, { target: { kind: 'LOG', prefix: '0', level: 4, logflags: 0 } });
    n.insert('filter', 'INPUT', 4, { target: { kind: 'LOG', prefix: '3', level: 4, logflags: 0 } });
    expect(names(n, 'INPUT')).toEqual(['0', '1', '2', '3']);
    n.replace('filter', 'INPUT', 2, { target: { kind: 'LOG', prefix: 'one', level: 4, logflags: 0 } });
    n.deleteAt('filter', 'INPUT', 1);
    n.deleteRule('filter', 'INPUT', { target: { kind: 'LOG', prefix: '2', level: 4, logflags: 0 } });
    expect(names(n, 'INPUT')).toEqual(['one', '3']);
  });

  it('deletes the first equal rule, comparing addresses after masking as ip6tables sends them', () => {
    // ip6tables masks -s/-d before the kernel sees them; libiptc is_same compares entries.
    const n = new Netfilter();
    n.append('filter', 'INPUT', { src: { addr: ipv6('4321::1'), prefixLen: 64 }, target: { kind: 'DROP' } });
    n.append('filter', 'INPUT', { src: { addr: ipv6('4321::'), prefixLen: 64 }, target: { kind: 'DROP' } });
    n.deleteRule('filter', 'INPUT', { src: { addr: ipv6('4321::5'), prefixLen: 64, invert: false }, target: { kind: 'DROP' } });
    expect(n.list('filter')[0]!.rules).toHaveLength(1);
    expect(n.list('filter')[0]!.rules[0]!.rule.src?.addr).toEqual(ipv6('4321::'));
  });

  it('lists built-in chains in hook order, then user chains sorted, with their references', () => {
    const n = new Netfilter();
    n.newChain('filter', 'zeta');
    n.newChain('filter', 'Alpha');
    n.newChain('filter', 'beta');
    n.append('filter', 'INPUT', jump('beta'));
    n.append('filter', 'FORWARD', { target: { kind: 'goto', chain: 'beta' } });
    expect(n.list('filter').map((c) => [c.name, c.builtin, c.references])).toEqual([
      ['INPUT', true, 0],
      ['FORWARD', true, 0],
      ['OUTPUT', true, 0],
      ['Alpha', false, 0],
      ['beta', false, 2],
      ['zeta', false, 0],
    ]);
    expect(n.list('mangle').map((c) => c.name)).toEqual(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);
    expect(n.list('raw').map((c) => c.name)).toEqual(['PREROUTING', 'OUTPUT']);
  });

  it('renames a chain and the jumps to it', () => {
    const n = new Netfilter();
    n.newChain('filter', 'old');
    n.append('filter', 'INPUT', jump('old'));
    n.renameChain('filter', 'old', 'new');
    expect(n.list('filter')[0]!.rules[0]!.rule.target).toEqual({ kind: 'jump', chain: 'new' });
    expect(n.list('filter').find((c) => c.name === 'new')?.references).toBe(1);
  });

  it('flushes one chain or all chains of the table, built-in ones included', () => {
    const n = new Netfilter();
    n.newChain('filter', 'x');
    n.append('filter', 'x', DROP);
    n.append('filter', 'INPUT', ACCEPT);
    n.flush('filter', 'x');
    expect(n.list('filter').map((c) => c.rules.length)).toEqual([1, 0, 0, 0]);
    n.append('filter', 'x', DROP);
    n.flush('filter');
    expect(n.list('filter').map((c) => c.rules.length)).toEqual([0, 0, 0, 0]);
  });

  it('-X without a name deletes every empty unreferenced user chain', () => {
    const n = new Netfilter();
    n.newChain('filter', 'a');
    n.newChain('filter', 'b');
    n.deleteChain('filter');
    expect(n.list('filter').map((c) => c.name)).toEqual(['INPUT', 'FORWARD', 'OUTPUT']);
  });
});

describe('Netfilter refusals: the errno and the line ip6tables-legacy 1.8.9 prints', () => {
  // Texts: libiptc.c TC_STRERROR (its own lines where the failing function has one, else strerror),
  // ip6tables-standalone.c ("ip6tables: %s." and the dmesg hint for EINVAL).
  const setup = (): Netfilter => {
    const n = new Netfilter();
    n.newChain('filter', 'used');
    n.newChain('filter', 'full');
    n.append('filter', 'full', ACCEPT);
    n.append('filter', 'INPUT', jump('used'));
    return n;
  };
  const cases: [string, (n: Netfilter) => void, string, string][] = [
    ['-I beyond the end + 1', (n) => n.insert('filter', 'OUTPUT', 2, ACCEPT), 'E2BIG', 'ip6tables: Index of insertion too big.'],
    ['-R beyond the end', (n) => n.replace('filter', 'OUTPUT', 1, ACCEPT), 'E2BIG', 'ip6tables: Index of replacement too big.'],
    ['-D by number beyond the end', (n) => n.deleteAt('filter', 'INPUT', 2), 'E2BIG', 'ip6tables: Index of deletion too big.'],
    ['-Z of a rule beyond the end', (n) => n.zero('filter', 'INPUT', 2), 'E2BIG', 'ip6tables: Index of counter too big.'],
    [
      '-D of a missing rule with a standard target',
      (n) => n.deleteRule('filter', 'INPUT', DROP),
      'ENOENT',
      'ip6tables: Bad rule (does a matching rule exist in that chain?).',
    ],
    [
      '-D of a missing rule with an extension target',
      (n) => n.deleteRule('filter', 'INPUT', LOG),
      'ENOENT',
      'ip6tables: No chain/target/match by that name.',
    ],
    [
      '-D of a missing rule jumping to a chain',
      (n) => n.deleteRule('filter', 'OUTPUT', jump('used')),
      'ENOENT',
      'ip6tables: No chain/target/match by that name.',
    ],
    [
      '-D in a missing chain',
      (n) => n.deleteRule('filter', 'nope', DROP),
      'ENOENT',
      'ip6tables: Bad rule (does a matching rule exist in that chain?).',
    ],
    ['-A to a missing chain', (n) => n.append('filter', 'nope', ACCEPT), 'ENOENT', 'ip6tables: No chain/target/match by that name.'],
    ['-j to a missing chain', (n) => n.append('filter', 'INPUT', jump('nope')), 'ENOENT', 'ip6tables: No chain/target/match by that name.'],
    [
      '-j to a built-in chain',
      (n) => n.append('filter', 'INPUT', jump('OUTPUT')),
      'EINVAL',
      "ip6tables: Invalid argument. Run `dmesg' for more information.",
    ],
    ['-N of an existing chain', (n) => n.newChain('filter', 'used'), 'EEXIST', 'ip6tables: Chain already exists.'],
    ['-N of a standard target name', (n) => n.newChain('filter', 'RETURN'), 'EEXIST', 'ip6tables: Chain already exists.'],
    ['-X of a referenced chain', (n) => n.deleteChain('filter', 'used'), 'EMLINK', 'ip6tables: Too many links.'],
    ['-X of a chain with rules', (n) => n.deleteChain('filter', 'full'), 'ENOTEMPTY', 'ip6tables: Directory not empty.'],
    [
      '-X of a built-in chain',
      (n) => n.deleteChain('filter', 'INPUT'),
      'EINVAL',
      "ip6tables: Invalid argument. Run `dmesg' for more information.",
    ],
    ['-X of a missing chain', (n) => n.deleteChain('filter', 'nope'), 'ENOENT', 'ip6tables: No chain/target/match by that name.'],
    ['-E to an existing name', (n) => n.renameChain('filter', 'full', 'used'), 'EEXIST', 'ip6tables: File exists.'],
    ['-E of a built-in chain', (n) => n.renameChain('filter', 'INPUT', 'in'), 'ENOENT', 'ip6tables: No chain/target/match by that name.'],
    ['-P on a user chain', (n) => n.setPolicy('filter', 'used', 'DROP'), 'ENOENT', 'ip6tables: Bad built-in chain name.'],
    [
      '-P with another verdict',
      (n) => n.setPolicy('filter', 'INPUT', 'RETURN'),
      'EINVAL',
      "ip6tables: Bad policy name. Run `dmesg' for more information.",
    ],
    ['-F of a missing chain', (n) => n.flush('filter', 'nope'), 'ENOENT', 'ip6tables: No chain/target/match by that name.'],
    [
      'a jump that closes a loop reachable from a hook',
      (n) => n.append('filter', 'used', jump('used')),
      'ELOOP',
      'ip6tables: Too many levels of symbolic links.',
    ],
  ];
  for (const [what, op, errno, line] of cases) {
    it(`${what}: ${line}`, () => {
      const n = setup();
      const before = JSON.stringify(n.list('filter'));
      let caught: unknown;
      try {
        op(n);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(XtablesError);
      expect((caught as XtablesError).errno).toBe(errno);
      expect((caught as XtablesError).toolMessage()).toBe(line);
      expect(JSON.stringify(n.list('filter'))).toBe(before);
    });
  }

  it('-X without a name fails as a whole when one chain cannot go, and deletes none', () => {
    // delete_chain6 tries every user chain in libiptc's order (full, spare, used) and ANDs the
    // results; errno is the last failure's (used: referenced), and no commit happens.
    const n = setup();
    n.newChain('filter', 'spare');
    expect(refusal(() => n.deleteChain('filter'))).toBe('ip6tables: Too many links.');
    expect(n.list('filter').map((c) => c.name)).toContain('spare');
  });

  it('accepts a loop no hook reaches; refuses it once a built-in chain jumps in', () => {
    // mark_source_chains() only walks from the hook entry points.
    const n = new Netfilter();
    n.newChain('filter', 'p');
    n.newChain('filter', 'q');
    n.append('filter', 'p', jump('q'));
    n.append('filter', 'q', { target: { kind: 'goto', chain: 'p' } });
    expect(refusal(() => n.append('filter', 'INPUT', jump('p')))).toBe('ip6tables: Too many levels of symbolic links.');
    expect(n.list('filter')[0]!.rules).toHaveLength(0);
  });

  it('-C answers like -D and changes nothing', () => {
    const n = setup();
    expect(() => n.checkRule('filter', 'INPUT', jump('used'))).not.toThrow();
    expect(refusal(() => n.checkRule('filter', 'INPUT', DROP))).toBe('ip6tables: Bad rule (does a matching rule exist in that chain?).');
    expect(n.list('filter')[0]!.rules).toHaveLength(1);
  });
});

describe('Netfilter counters across changes', () => {
  const ping = () => nf(echo(B, A, 1), { inDev: 'eth0' });

  it('rules keep their counters when others are inserted or deleted; new rules start at zero or at -c', () => {
    const n = new Netfilter();
    n.append('filter', 'INPUT', icmp({ kind: 'none' }));
    n.runHook('INPUT', ping(), { nowUs: 0 });
    n.insert('filter', 'INPUT', 1, { target: { kind: 'none' } }, { packets: 5, bytes: 500 });
    n.runHook('INPUT', ping(), { nowUs: 0 });
    expect(n.list('filter')[0]!.rules.map((r) => [r.packets, r.bytes])).toEqual([
      [6, 604],
      [2, 208],
    ]);
  });

  it('-Z zeroes rule and policy counters; -Z chain rulenum one rule', () => {
    const n = new Netfilter();
    n.append('filter', 'INPUT', { target: { kind: 'none' } });
    n.append('filter', 'INPUT', { target: { kind: 'none' } });
    n.runHook('INPUT', ping(), { nowUs: 0 });
    n.zero('filter', 'INPUT', 2);
    expect(n.list('filter')[0]!.rules.map((r) => r.packets)).toEqual([1, 0]);
    // As every commit of ip6tables-legacy, it leaves the policy counters at zero (cases/n_policy_counters).
    expect(n.list('filter')[0]!.packets).toBe(0);
    n.runHook('INPUT', ping(), { nowUs: 0 });
    expect(n.list('filter')[0]!.packets).toBe(1);
    n.zero('filter');
    expect(n.list('filter')[0]!.packets).toBe(0);
    expect(n.list('filter')[0]!.rules.map((r) => r.packets)).toEqual([0, 0]);
  });

  it('-P restarts the policy counters (at zero, or at -c)', () => {
    // libiptc TC_SET_POLICY without counters: COUNTER_MAP_NOMAP, committed as zero.
    const n = new Netfilter();
    n.runHook('INPUT', ping(), { nowUs: 0 });
    n.list('filter');
    n.runHook('INPUT', ping(), { nowUs: 0 });
    expect(n.list('filter')[0]!.packets).toBe(1);
    n.setPolicy('filter', 'INPUT', 'ACCEPT');
    expect(n.list('filter')[0]!.packets).toBe(0);
    n.setPolicy('filter', 'INPUT', 'DROP', { packets: 7, bytes: 70 });
    expect([n.list('filter')[0]!.policy, n.list('filter')[0]!.packets, n.list('filter')[0]!.bytes]).toEqual(['DROP', 7, 70]);
  });

  it('a table counts packets only from its first use by ip6tables on', () => {
    // The legacy tables are instantiated per namespace on first access (table_init), not before.
    const n = new Netfilter();
    n.runHook('INPUT', ping(), { nowUs: 0 });
    expect(n.isInstantiated('filter')).toBe(false);
    expect(n.list('filter')[0]!.packets).toBe(0);
    n.runHook('INPUT', ping(), { nowUs: 0 });
    expect(n.list('filter')[0]!.packets).toBe(1);
    expect(n.isInstantiated('mangle')).toBe(false);
  });

  it('byte counters count the whole IPv6 packet, header included', () => {
    const n = new Netfilter();
    n.append('filter', 'OUTPUT', { target: { kind: 'none' } });
    n.runHook('OUTPUT', nf(echo(A, B, 1), { outDev: 'eth0' }), { nowUs: 0 });
    expect(n.list('filter')[2]!.rules[0]!.bytes).toBe(104);
  });
});
