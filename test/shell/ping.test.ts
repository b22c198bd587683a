import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { formatLoss, formatStatistics, formatTriptime, pingCommand } from '../../src/shell/ping.js';
import type { StackContext } from '../../src/shell/procfs.js';
import { addAddress } from '../../src/stack/addrconf.js';
import type { Rule } from '../../src/stack/netfilter/rule.js';
import { World } from '../../src/stack/world.js';
import { makeSelector } from '../../src/xfrm/selector.js';
import { ip, pair } from '../stack/helpers.js';
import { addPolicy } from '../xfrm/engine-helpers.js';

interface Case {
  readonly stdout: string;
  readonly stderr: string;
  readonly rc: number;
}

/** The oracle run test/fixtures/shell/ping/ping-cli.sh gave (ping-cli.txt): "== NAME", stdout, "E: " stderr lines, "rc=N". */
function loadCases(file: string): Map<string, Case> {
  const text = readFileSync(new URL(`../fixtures/shell/${file}`, import.meta.url), 'utf8');
  const cases = new Map<string, Case>();
  for (const block of text.split(/^== /m).slice(1)) {
    const lines = block.split('\n');
    const name = lines[0]!;
    const body = lines.slice(
      1,
      lines.findIndex((l) => /^rc=\d+$/.test(l)),
    );
    const rc = Number(lines.find((l) => /^rc=\d+$/.test(l))!.slice(3));
    const out = body.filter((l) => !l.startsWith('E: ') && l !== 'E:');
    const err = body.filter((l) => l.startsWith('E: ') || l === 'E:').map((l) => l.slice(3));
    cases.set(name, { stdout: out.map((l) => `${l}\n`).join(''), stderr: err.map((l) => `${l}\n`).join(''), rc });
  }
  return cases;
}

const ORACLE = loadCases('ping/ping-cli.txt');

/** Real round trips and elapsed times are wall-clock figures; the shapes around them must match. */
function withoutTimes(s: string): string {
  return s
    .replace(/time=\d+(\.\d+)? ms/g, 'time=<t> ms')
    .replace(/time \d+ms/g, 'time <t>ms')
    .replace(/rtt min\/avg\/max\/mdev = [0-9./]+ ms/g, 'rtt min/avg/max/mdev = <rtt> ms');
}

/** ping-cli.sh's setup: namespaces a and b, lo up, DAD off, one veth, 4321::1 and ::2 nodad, sleep 1. */
function oracleWorld(): { world: World; a: StackContext } {
  const world = new World({ seed: 'ping-cli' });
  for (const n of ['a', 'b']) {
    const h = world.addHost(n);
    h.setLinkUp('lo', true);
    h.setSysctl('all', 'accept_dad', 0);
    h.setSysctl('default', 'accept_dad', 0);
  }
  world.addVeth('a', 'eth0', 'b', 'eth0');
  world.host('a').setLinkUp('eth0', true);
  world.host('b').setLinkUp('eth0', true);
  addAddress(world.host('a'), 'eth0', ip('4321::1'), 64, { nodad: true });
  addAddress(world.host('b'), 'eth0', ip('4321::2'), 64, { nodad: true });
  world.advance(1_000_000);
  return { world, a: { world, host: world.host('a') } };
}

/** The oracle script's cases with their argv (after `ping`), in its order. */
const REPLAYED: readonly (readonly [string, readonly string[]])[] = [
  ['one-reply', ['-c', '1', '4321::2']],
  ['three-loopback', ['-c', '3', '-i', '0.2', '::1']],
  ['quiet', ['-q', '-c', '2', '-i', '0.2', '::1']],
  ['small-size', ['-c', '1', '-s', '8', '::1']],
  ['size-zero', ['-c', '1', '-s', '0', '::1']],
  ['bad-pattern', ['-c', '1', '-p', 'zz', '::1']],
  ['no-dest', []],
  ['no-dest-c', ['-c', '1']],
  ['bad-count', ['-c', 'x', '::1']],
  ['zero-count', ['-c', '0', '::1']],
  ['big-count', ['-c', '99999999999999999999', '::1']],
  ['bad-interval', ['-c', '1', '-i', 'abc', '::1']],
  ['garbage-interval', ['-c', '1', '-i', '1x', '::1']],
  ['bad-linger', ['-c', '1', '-W', '-1', '::1']],
  ['bad-ttl', ['-c', '1', '-t', '256', '::1']],
  ['bad-deadline', ['-w', 'x', '::1']],
  ['bad-M', ['-c', '1', '-M', 'maybe', '::1']],
  ['bad-option', ['-z', '::1']],
  ['missing-arg', ['-c']],
  ['two-dests', ['-c', '1', '::1', '::2']],
  ['unknown-name', ['-c', '1', 'nosuchhost']],
  ['unknown-iface', ['-c', '1', '-I', 'eth9', '4321::2']],
  ['iface', ['-c', '1', '-I', 'eth0', '4321::2']],
  ['bad-source', ['-c', '1', '-I', '4321::zz', '4321::2']],
  ['foreign-source', ['-c', '1', '-I', '4321::99', '4321::2']],
  ['source', ['-c', '1', '-I', '4321::1', '4321::2']],
  ['no-route', ['-c', '1', '5555::1']],
  ['nd-fail', ['-c', '2', '-i', '0.5', '-W', '1', '4321::3']],
  ['deadline-nd-fail', ['-w', '2', '4321::3']],
  ['deadline-ok', ['-w', '1', '-i', '0.3', '4321::2']],
  ['deadline-count', ['-c', '2', '-w', '3', '-i', '0.2', '4321::2']],
  ['no-reply-linger', ['-c', '1', '-W', '1', '4321::3']],
  ['dash4', ['-4', '-c', '1', '::1']],
  ['both46', ['-4', '-6', '-c', '1', '::1']],
  ['help', ['-h']],
];

describe('pingCommand() against the kernel oracle (ping-cli.sh run under uml-run)', () => {
  // One world for the whole run, as the script runs its cases one after another (0.2 s apart).
  const { world, a } = oracleWorld();
  for (const [name, argv] of REPLAYED) {
    test(`case ${name}: ping ${argv.join(' ')}`, () => {
      const want = ORACLE.get(name)!;
      const got = pingCommand(argv, a, 'ping');
      world.advance(200_000);
      expect({ stdout: withoutTimes(got.stdout), stderr: got.stderr, rc: got.exitCode }).toEqual({
        stdout: withoutTimes(want.stdout),
        stderr: want.stderr,
        rc: want.rc,
      });
    });
  }

  // The script's `ip6tables -A INPUT|OUTPUT -p icmpv6 --icmpv6-type echo-request -j DROP|REJECT` cases.
  const echoRequest = { proto: { num: 58 }, matches: [{ kind: 'icmp6' as const, type: 128, codeMin: 0, codeMax: 255 }] };
  const ipv6tables: readonly (readonly [string, string, 'INPUT' | 'OUTPUT', 'DROP' | 'REJECT'])[] = [
    ['dropped', 'b', 'INPUT', 'DROP'],
    ['out-dropped', 'a', 'OUTPUT', 'DROP'],
    ['out-rejected', 'a', 'OUTPUT', 'REJECT'],
  ];
  for (const [name, host, chain, verdict] of ipv6tables) {
    test(`case ${name}: ${verdict} of the echo request in ${host}'s ${chain}`, () => {
      const { world: w, a: ctx } = oracleWorld();
      const rule: Rule = {
        ...echoRequest,
        target: verdict === 'DROP' ? { kind: 'DROP' } : { kind: 'REJECT', with: 'icmp6-port-unreachable' },
      };
      w.host(host).netfilter.append('filter', chain, rule);
      const want = ORACLE.get(name)!;
      const got = pingCommand(['-c', '2', '-i', '0.2', '-W', '1', '4321::2'], ctx, 'ping');
      expect([withoutTimes(got.stdout), got.stderr, got.exitCode]).toEqual([withoutTimes(want.stdout), want.stderr, want.rc]);
    });
  }

  test('ping6 is ping with IPv6 preset (case ping6)', () => {
    const { a: ctx } = oracleWorld();
    const want = ORACLE.get('ping6')!;
    const got = pingCommand(['-c', '1', '::1'], ctx, 'ping6');
    expect([withoutTimes(got.stdout), got.stderr, got.exitCode]).toEqual([withoutTimes(want.stdout), want.stderr, want.rc]);
  });
});

describe('pingCommand() times on the virtual clock', () => {
  test('one reply over a veth: zero virtual round trip, and the full statistics', () => {
    const w = pair();
    const r = pingCommand(['-c', '1', '4321::2'], { world: w, host: w.host('a') }, 'ping');
    expect(r).toEqual({
      stdout:
        'PING 4321::2(4321::2) 56 data bytes\n' +
        '64 bytes from 4321::2: icmp_seq=1 ttl=64 time=0.000 ms\n' +
        '\n--- 4321::2 ping statistics ---\n' +
        '1 packets transmitted, 1 received, 0% packet loss, time 0ms\n' +
        'rtt min/avg/max/mdev = 0.000/0.000/0.000/0.000 ms\n',
      stderr: '',
      exitCode: 0,
    });
  });

  test('three pings 0.2 s apart report time 400ms and leave the clock at the last reply', () => {
    const w = pair();
    const t0 = w.clock.nowUs;
    const r = pingCommand(['-c', '3', '-i', '0.2', '::1'], { world: w, host: w.host('a') }, 'ping');
    expect(r.stdout).toContain('3 packets transmitted, 3 received, 0% packet loss, time 400ms\n');
    expect(w.clock.nowUs - t0).toBe(400_000);
  });

  test('an unanswered ping -c 1 -W 1 ends after the linger time and exits 1', () => {
    const w = pair();
    const t0 = w.clock.nowUs;
    const r = pingCommand(['-c', '1', '-W', '1', '4321::3'], { world: w, host: w.host('a') }, 'ping');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('1 packets transmitted, 0 received, 100% packet loss, time 0ms\n\n');
    expect(w.clock.nowUs - t0).toBe(1_000_000);
  });

  test('-w keeps sending until the deadline and counts every echo', () => {
    const w = pair();
    const r = pingCommand(['-w', '1', '-i', '0.3', '4321::2'], { world: w, host: w.host('a') }, 'ping');
    // Sends at 0, 0.3, 0.6, 0.9 s: as the oracle's deadline-ok case.
    expect(r.stdout).toContain('4 packets transmitted, 4 received, 0% packet loss, time 900ms\n');
    expect(r.exitCode).toBe(0);
  });

  test('a ping without -c or -w is refused rather than run forever', () => {
    const w = pair();
    const r = pingCommand(['4321::2'], { world: w, host: w.host('a') }, 'ping');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/not modelled/);
  });

  test('options the model cannot honour fail loudly and leave the counters alone', () => {
    const w = pair();
    const ctx = { world: w, host: w.host('a') };
    for (const argv of [
      ['-c', '1', '-p', 'ff', '::1'],
      ['-f', '::1'],
      ['-c', '1', '127.0.0.1'],
      ['-c', '1', 'localhost'],
      ['-c', '2', '-i', '0', '::1'],
    ]) {
      const before = new Map(w.host('a').counters);
      const r = pingCommand(argv, ctx, 'ping');
      expect(r.exitCode, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toMatch(/^xfrmsim: .*not modelled\n$/);
      expect(w.host('a').counters).toEqual(before);
    }
  });

  test('-s past the link MTU: the echo is fragmented and answered (test/conformance/cases/frag_local)', () => {
    const w = pair();
    const r = pingCommand(['-c', '1', '-s', '2000', '4321::2'], { world: w, host: w.host('a') }, 'ping');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('2008 bytes from 4321::2: icmp_seq=1 ttl=64');
    expect(w.host('a').counter('Ip6FragCreates')).toBe(2);
    expect(w.host('b').counter('Ip6ReasmOKs')).toBe(1);
  });

  test('-M do past the path MTU: nothing sent, "local error: message too long" per echo, counted as errors (test/kernel-cases/ping-pmtudisc-do)', () => {
    const w = pair();
    const r = pingCommand(
      ['-c', '2', '-i', '0.3', '-W', '1', '-M', 'do', '-s', '2000', '4321::2'],
      { world: w, host: w.host('a') },
      'ping',
    );
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe('ping: local error: message too long, mtu: 1500\n'.repeat(2));
    expect(r.stdout).toContain('2 packets transmitted, 0 received, +2 errors, 100% packet loss');
    // __ip6_append_data refuses before anything is counted.
    expect([w.host('a').counter('Icmp6OutEchos'), w.host('a').counter('Ip6FragCreates')]).toEqual([0, 0]);
    // Within the MTU -M do changes nothing.
    expect(pingCommand(['-c', '1', '-M', 'do', '-s', '1452', '4321::2'], { world: w, host: w.host('a') }, 'ping').exitCode).toBe(0);
  });

  test('-M do near the path MTU with xfrm policies is not modelled (the room next to the SAs is not computed)', () => {
    const w = pair();
    w.host('a').xfrm.spd.add({
      selector: makeSelector({ family: 'inet6', src: ip('4321::1'), dst: ip('4321::2'), prefixlenS: 128, prefixlenD: 128 }),
      dir: 'out',
      tmpls: [{ proto: 'esp', mode: 'transport', reqid: 0, spi: 0, level: 'required' }],
    });
    const before = new Map(w.host('a').counters);
    const r = pingCommand(['-c', '1', '-M', 'do', '-s', '1400', '4321::2'], { world: w, host: w.host('a') }, 'ping');
    expect([r.exitCode, r.stderr]).toEqual([2, 'xfrmsim: ping -M do near the path MTU with xfrm policies: not modelled\n']);
    expect(w.host('a').counters).toEqual(before);
  });

  test('a connect failure prints nothing on stdout and exits 2', () => {
    const w = pair();
    const r = pingCommand(['-c', '1', '5555::1'], { world: w, host: w.host('a') }, 'ping');
    expect(r).toEqual({ stdout: '', stderr: 'ping: connect: Network is unreachable\n', exitCode: 2 });
  });
});

describe('pingCommand() and xfrm (kernel-semantics.md §2.1)', () => {
  const A = ip('4321::1');
  const B = ip('4321::2');

  test('a block policy that covers the UDP probe fails the connect: exit 2, one XfrmOutPolBlock (golden probe_block B1)', () => {
    const w = pair();
    const a = w.host('a');
    addPolicy(a.xfrm, { dir: 'out', src: A, dst: B, action: 'block' });
    const r = pingCommand(['-c', '1', '-W', '1', '4321::2'], { world: w, host: a }, 'ping');
    expect(r).toEqual({ stdout: '', stderr: 'ping: connect: Operation not permitted\n', exitCode: 2 });
    expect(a.counter('XfrmOutPolBlock')).toBe(1);
  });

  test('a block policy for ICMPv6 only makes the echo vanish silently: exit 1, nothing on stderr', () => {
    const w = pair();
    const a = w.host('a');
    addPolicy(a.xfrm, { dir: 'out', src: A, dst: B, proto: 58, action: 'block' });
    const r = pingCommand(['-c', '1', '-W', '1', '4321::2'], { world: w, host: a }, 'ping');
    expect([r.stderr, r.exitCode]).toEqual(['', 1]);
    expect(r.stdout).toContain('1 packets transmitted, 0 received, 100% packet loss');
  });

  test('a template without SA: the probes and the echo each count XfrmOutNoStates, 5 for ping -c 1 (VERIFIED e07 T12)', () => {
    const w = pair();
    const a = w.host('a');
    addPolicy(a.xfrm, { dir: 'out', src: A, dst: B, tmpls: [{ proto: 'esp' }] });
    const r = pingCommand(['-c', '1', '-W', '1', '4321::2'], { world: w, host: a }, 'ping');
    expect([r.stderr, r.exitCode]).toEqual(['', 1]);
    expect(a.counter('XfrmOutNoStates')).toBe(5);
    // `-I ADDRESS` skips the probes: one lookup per echo (article probe_sel_mismatch M5).
    pingCommand(['-c', '2', '-i', '0.2', '-W', '1', '-I', '4321::1', '4321::2'], { world: w, host: a }, 'ping');
    expect(a.counter('XfrmOutNoStates')).toBe(7);
  });
});

describe('ping number formats (iputils ping_common.c)', () => {
  test('formatTriptime() follows gather_statistics thresholds', () => {
    // The oracle's figures (ping-cli.txt) and each branch of the thresholds.
    expect(formatTriptime(112)).toBe('0.112');
    expect(formatTriptime(1234)).toBe('1.23');
    expect(formatTriptime(12345)).toBe('12.3');
    expect(formatTriptime(123456)).toBe('123');
  });

  test('formatLoss() prints %g of a float', () => {
    expect(formatLoss(0)).toBe('0');
    expect(formatLoss(100)).toBe('100');
    expect(formatLoss(50)).toBe('50');
    expect(formatLoss(100 / 3)).toBe('33.3333');
    expect(formatLoss(200 / 3)).toBe('66.6667');
  });

  test('formatStatistics() reproduces the oracle rtt line from its own round trips', () => {
    // three-loopback: 0.059, 0.144, 0.151 ms -> rtt min/avg/max/mdev = 0.059/0.118/0.151/0.041 ms.
    const s = formatStatistics({
      hostname: '::1',
      ntransmitted: 3,
      nreceived: 3,
      nrepeats: 0,
      nerrors: 0,
      elapsedUs: 415_000,
      trips: [59, 144, 151],
      timing: true,
      pipesize: 1,
    });
    expect(s).toBe(
      '\n--- ::1 ping statistics ---\n3 packets transmitted, 3 received, 0% packet loss, time 415ms\nrtt min/avg/max/mdev = 0.059/0.118/0.151/0.041 ms\n',
    );
  });

  test('the loss figure of formatStatistics() is 100 * lost / sent, between 0 and 100', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.nat(), (sent, k) => {
        const received = k % (sent + 1);
        const s = formatStatistics({
          hostname: 'x',
          ntransmitted: sent,
          nreceived: received,
          nrepeats: 0,
          nerrors: 0,
          elapsedUs: 0,
          trips: [],
          timing: false,
          pipesize: 1,
        });
        const loss = Number(/, ([0-9.e+-]+)% packet loss/.exec(s)![1]);
        expect(loss).toBeGreaterThanOrEqual(0);
        expect(loss).toBeLessThanOrEqual(100);
        expect(Math.abs(loss - (100 * (sent - received)) / sent)).toBeLessThan(0.001 * Math.max(1, loss));
      }),
    );
  });
});
