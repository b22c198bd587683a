/** ip6tables, ip6tables-save and ip6tables-restore: goldens of the article runs, error forms, round trips and refusals. */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ip6tables, ip6tablesRestore, ip6tablesSave } from '../../src/shell/ip6tables.js';
import { ctime } from '../../src/shell/ip6tables-save.js';
import { Netfilter } from '../../src/stack/netfilter/index.js';

const NOW = Date.UTC(2026, 10, 7, 9, 5, 3) * 1000;

function fresh() {
  return { netfilter: new Netfilter(), nowUs: NOW };
}

function run(ctx: ReturnType<typeof fresh>, line: string) {
  return ip6tables(
    line.split(' ').filter((w) => w !== ''),
    ctx,
  );
}

/** The ruleset of every table, as -S prints it. */
function rules(ctx: ReturnType<typeof fresh>): string {
  return ['raw', 'mangle', 'filter'].map((t) => ip6tables(['-t', t, '-S', '-v'], ctx).stdout).join('');
}

describe('ip6tables -L -v -n -x', () => {
  test('prints the router_as_written listings of the article run byte for byte (golden router_as_written/console.log)', () => {
    // The rules of scenarios router_as_written.sh; the counters the kernel had then are set with -c.
    // Every commit zeroes the policy counters, so they are set last, each table's in one commit
    // (as ip6tables-restore --counters would).
    const ctx = fresh();
    for (const line of [
      '-P FORWARD DROP',
      '-A FORWARD -i eth1 -j ACCEPT -c 2 208',
      '-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT -c 2 208',
      '-A FORWARD -m conntrack --ctstate NEW -m mark --mark 0x1/0x1 -j ACCEPT',
      '-t mangle -A PREROUTING -p ah',
      '-t mangle -A PREROUTING -m policy --dir in --pol ipsec',
      '-t mangle -A PREROUTING -m mark --mark 0x1/0x1',
      '-t mangle -A FORWARD -m policy --dir in --pol ipsec -m mark --mark 0x1/0x1 -m conntrack --ctstate NEW',
      '-t mangle -A FORWARD -m policy --dir in --pol ipsec -m mark --mark 0x1/0x1 -m conntrack --ctstate ESTABLISHED',
      '-t mangle -A FORWARD -m policy --dir in --pol none -m conntrack --ctstate NEW -c 8 736',
    ]) {
      expect(run(ctx, line).exitCode).toBe(0);
    }
    const policies = {
      filter: [
        ['FORWARD', 'DROP', 6, 528],
        ['INPUT', 'ACCEPT', 6, 416],
        ['OUTPUT', 'ACCEPT', 6, 424],
      ],
      mangle: [
        ['PREROUTING', 'ACCEPT', 16, 1360],
        ['INPUT', 'ACCEPT', 6, 416],
        ['FORWARD', 'ACCEPT', 10, 944],
        ['OUTPUT', 'ACCEPT', 6, 424],
        ['POSTROUTING', 'ACCEPT', 10, 840],
      ],
    } as const;
    for (const [table, list] of Object.entries(policies)) {
      ctx.netfilter.edit(table as keyof typeof policies, (t) => {
        for (const [chain, policy, packets, bytes] of list) t.setPolicy(chain, policy, { packets, bytes });
      });
    }
    const golden = readFileSync(new URL('../fixtures/shell/ip6tables/router_as_written-listing.txt', import.meta.url), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('    '))
      .map((l) => l.slice(4))
      .join('\n');
    const [filter, mangle] = golden.split(/\n--- ip6tables -t mangle -L -v -n -x \[router\] ---\n|\n(?=Chain PREROUTING)/);
    expect(`${run(ctx, '-L -v -n -x').stdout}`).toBe(`${filter}\n`);
    expect(`${run(ctx, '-t mangle -L -v -n -x').stdout}`).toBe(`${mangle}\n`);
  });

  test('counts over 99999 shrink to K, M, G without -x (oracle-listing.out, big counters)', () => {
    const ctx = fresh();
    run(ctx, '-t raw -A OUTPUT -c 123456 98765432');
    run(ctx, '-t raw -A OUTPUT -c 99999 100000');
    run(ctx, '-t raw -A OUTPUT -c 12345678901 1234567890123');
    expect(run(ctx, '-t raw -L OUTPUT -v').stdout).toBe(
      [
        'Chain OUTPUT (policy ACCEPT 0 packets, 0 bytes)',
        ' pkts bytes target     prot opt in     out     source               destination         ',
        ' 123K   99M            all  --  any    any     anywhere             anywhere            ',
        '99999  100K            all  --  any    any     anywhere             anywhere            ',
        '  12G 1235G            all  --  any    any     anywhere             anywhere            ',
        '',
      ].join('\n'),
    );
  });
});

describe('ip6tables errors', () => {
  test('a parameter problem prints the version prefix and the Try line, exit 2 (oracle-listing.out)', () => {
    const r = run(fresh(), '-A INPUT -p foo');
    expect(r).toEqual({
      stdout: '',
      stderr:
        "ip6tables v1.8.9 (legacy): unknown protocol \"foo\" specified\nTry `ip6tables -h' or 'ip6tables --help' for more information.\n",
      exitCode: 2,
    });
  });

  test('a libiptc refusal prints its own sentence, exit 1 (oracle-listing.out)', () => {
    expect(run(fresh(), '-D INPUT -p tcp -j ACCEPT')).toEqual({
      stdout: '',
      stderr: 'ip6tables: Bad rule (does a matching rule exist in that chain?).\n',
      exitCode: 1,
    });
  });

  test('an unknown table exits 3 with the upgrade hint (oracle-listing.out)', () => {
    const r = run(fresh(), '-t nosuch -L');
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toBe(
      "ip6tables v1.8.9 (legacy): can't initialize ip6tables table `nosuch': Table does not exist (do you need to insmod?)\nPerhaps ip6tables or your kernel needs to be upgraded.\n",
    );
  });

  test('-j MARK without an operation names the options of MARK revision 2 (kernel recording cases/n_bad_ip6tables)', () => {
    const r = run(fresh(), '-t mangle -A INPUT -j MARK');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(
      "ip6tables v1.8.9 (legacy): MARK: One of the --set-xmark, --{and,or,xor,set}-mark options is required\nTry `ip6tables -h' or 'ip6tables --help' for more information.\n",
    );
  });

  test('matches and targets xfrmsim does not model are refused loudly', () => {
    for (const line of [
      '-A INPUT -m multiport --dports 1,2',
      '-t mangle -A INPUT -j DSCP --set-dscp 1',
      '-A INPUT -p tcp --syn',
      '-t nat -L',
    ]) {
      const r = run(fresh(), line);
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(/^xfrmsim: .*: not modelled\n$/);
    }
  });
});

describe('ip6tables-save', () => {
  test('ctime() prints the virtual clock as ctime(3) in UTC, the day padded with a space', () => {
    expect(ctime(NOW)).toBe('Sat Nov  7 09:05:03 2026');
  });

  test('headers carry the virtual clock and -c puts counters before each rule', () => {
    const ctx = fresh();
    run(ctx, '-A INPUT -j ACCEPT -c 3 300');
    expect(ip6tablesSave(['-c'], ctx).stdout).toBe(
      [
        '# Generated by ip6tables-save v1.8.9 on Sat Nov  7 09:05:03 2026',
        '*filter',
        ':INPUT ACCEPT [0:0]',
        ':FORWARD ACCEPT [0:0]',
        ':OUTPUT ACCEPT [0:0]',
        '[3:300] -A INPUT -j ACCEPT',
        'COMMIT',
        '# Completed on Sat Nov  7 09:05:03 2026',
        '',
      ].join('\n'),
    );
  });
});

/** Rule fragments ip6tables accepts in any combination in the filter INPUT/FORWARD chains. */
const fragments = {
  addr: fc.constantFrom('', '-s 2001:db8::/32', '! -s 2001:db8::1', '-d 4321::2/64', '! -d ::1'),
  iface: fc.constantFrom('', '-i eth0', '! -i eth+', '-i lo'),
  proto: fc.constantFrom(
    '',
    '-p tcp --dport 22',
    '-p udp ! --sport 1000:2000',
    '-p ipv6-icmp --icmpv6-type echo-request',
    '-p icmpv6 ! --icmpv6-type 1/3',
    '-p 132',
    '! -p tcp',
  ),
  match: fc.constantFrom(
    '',
    '-m conntrack --ctstate NEW,ESTABLISHED',
    '-m state ! --state INVALID',
    '-m mark --mark 0x1/0x1',
    '-m comment --comment "a b"',
    '-m policy --dir in --pol ipsec --strict --proto esp --mode tunnel --tunnel-src 2001:db8::1',
    '-m policy --dir in --pol none',
  ),
  target: fc.constantFrom(
    '',
    '-j ACCEPT',
    '-j DROP',
    '-j RETURN',
    '-j USER',
    '-g USER',
    '-j LOG --log-prefix "x: " --log-level 7 --log-uid',
    '-j REJECT --reject-with adm-prohibited',
  ),
};

const ruleLine = fc
  .record({ chain: fc.constantFrom('INPUT', 'FORWARD'), ...fragments })
  .map((r) => [`-A ${r.chain}`, r.addr, r.iface, r.proto, r.match, r.target].filter((s) => s !== '').join(' '));

/** Splits like a shell for the fragments above (only double quotes occur). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

describe('properties', () => {
  test('save, restore into a fresh namespace, save again gives the same text', () => {
    fc.assert(
      fc.property(fc.array(ruleLine, { maxLength: 8 }), (lines) => {
        const a = fresh();
        ip6tables(['-N', 'USER'], a);
        ip6tables(['-t', 'mangle', '-A', 'OUTPUT', '-j', 'MARK', '--set-mark', '0x5/0xf'], a);
        for (const l of lines) expect(ip6tables(words(l), a).exitCode).toBe(0);
        const saved = ip6tablesSave(['-c'], a).stdout;
        const b = fresh();
        const r = ip6tablesRestore(['-c'], saved, b);
        expect(r).toEqual({ stdout: '', stderr: '', exitCode: 0 });
        expect(ip6tablesSave(['-c'], b).stdout).toBe(saved);
        expect(rules(b)).toBe(rules(a));
      }),
      { numRuns: 60 },
    );
  });

  test('-S text read back by ip6tables gives the same rules', () => {
    fc.assert(
      fc.property(fc.array(ruleLine, { maxLength: 6 }), (lines) => {
        const a = fresh();
        ip6tables(['-N', 'USER'], a);
        for (const l of lines) ip6tables(words(l), a);
        const b = fresh();
        for (const l of ip6tables(['-S'], a).stdout.trimEnd().split('\n')) {
          const w = words(l);
          if (w[0] === '-P') continue;
          expect(ip6tables(w, b).exitCode).toBe(0);
        }
        expect(ip6tables(['-S'], b).stdout).toBe(ip6tables(['-S'], a).stdout);
      }),
      { numRuns: 60 },
    );
  });

  test('a rejected command leaves every table exactly as it was', () => {
    const anyCommand = fc.oneof(
      ruleLine,
      fc.constantFrom(
        '-D INPUT 9',
        '-X USER',
        '-X INPUT',
        '-P FORWARD FOO',
        '-A NOSUCH -j ACCEPT',
        '-A INPUT -j NOSUCH',
        '-I INPUT 50 -j DROP',
        '-A INPUT -o eth0',
        '-t raw -A PREROUTING -j REJECT',
        '-A INPUT -m policy --dir out --pol ipsec',
        '-E USER INPUT',
        '-N USER',
        '-A INPUT -p tcp --dport 99999',
      ),
    );
    fc.assert(
      fc.property(fc.array(ruleLine, { maxLength: 4 }), fc.array(anyCommand, { maxLength: 6 }), (setup, cmds) => {
        const ctx = fresh();
        ip6tables(['-N', 'USER'], ctx);
        for (const l of setup) ip6tables(words(l), ctx);
        for (const c of cmds) {
          const before = rules(ctx);
          const r = ip6tables(words(c), ctx);
          if (r.exitCode !== 0) expect(rules(ctx)).toBe(before);
        }
      }),
      { numRuns: 80 },
    );
  });

  test('a failing ip6tables-restore leaves the table it was building as it was', () => {
    const ctx = fresh();
    ip6tables(['-A', 'INPUT', '-j', 'ACCEPT'], ctx);
    const before = rules(ctx);
    const r = ip6tablesRestore([], '*filter\n:USER - [0:0]\n-A INPUT -j USER\n-A USER -j NOPE\nCOMMIT\n', ctx);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(
      "ip6tables-restore v1.8.9 (legacy): Couldn't load target `NOPE':No such file or directory\n\nError occurred at line: 4\nTry `ip6tables-restore -h' or 'ip6tables-restore --help' for more information.\n",
    );
    expect(rules(ctx)).toBe(before);
  });
});
