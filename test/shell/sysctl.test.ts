import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { StackContext } from '../../src/shell/procfs.js';
import { sysctlCommand } from '../../src/shell/sysctl.js';
import { World } from '../../src/stack/world.js';

interface Case {
  readonly stdout: string;
  readonly stderr: string;
  readonly rc: number;
}

/**
 * The oracle run of test/fixtures/shell/sysctl/sysctl-proc.sh (sysctl-proc.txt): "== NAME", stdout,
 * "E: " stderr lines, "rc=N" (glued to stdout's last line when that has no newline, as `-b` prints).
 */
function loadCases(file: string): Map<string, Case> {
  const text = readFileSync(new URL(`../fixtures/shell/${file}`, import.meta.url), 'utf8');
  const cases = new Map<string, Case>();
  for (const block of text.split(/^== /m).slice(1)) {
    const lines = block.split('\n');
    const name = lines[0]!;
    const end = lines.findIndex((l, i) => i > 0 && /rc=\d+$/.test(l));
    const last = lines[end]!;
    const body = lines.slice(1, end);
    const out = body.filter((l) => !l.startsWith('E: ') && l !== 'E:');
    const err = body.filter((l) => l.startsWith('E: ') || l === 'E:').map((l) => l.slice(3));
    const glued = last.slice(0, last.lastIndexOf('rc='));
    cases.set(name, {
      stdout: out.map((l) => `${l}\n`).join('') + glued,
      stderr: err.map((l) => `${l}\n`).join(''),
      rc: Number(last.slice(last.lastIndexOf('rc=') + 3)),
    });
  }
  return cases;
}

const ORACLE = loadCases('sysctl/sysctl-proc.txt');

/** sysctl-proc.sh's namespace: lo up and a veth pair eth0/eth1 inside it, both down. */
function oracleHost(): StackContext {
  const world = new World({ seed: 'sysctl-proc' });
  const host = world.addHost('a');
  host.setLinkUp('lo', true);
  world.addVeth('a', 'eth0', 'a', 'eth1');
  return { world, host };
}

/** The script's cases with their argv (after `sysctl`), in its order; the state carries from one to the next. */
const REPLAYED: readonly (readonly [string, readonly string[]])[] = [
  ['read', ['net.ipv6.conf.all.forwarding']],
  ['read-slash', ['net/ipv6/conf/all/forwarding']],
  ['read-n', ['-n', 'net.ipv6.conf.default.hop_limit']],
  ['read-two', ['net.ipv6.conf.all.accept_dad', 'net.ipv6.conf.default.accept_dad']],
  ['read-unknown', ['net.ipv6.conf.all.foo']],
  ['read-unknown-two', ['net.ipv6.conf.all.foo', 'net.ipv6.conf.all.bar']],
  ['read-unknown-e', ['-e', 'net.ipv6.conf.all.foo']],
  ['read-nodev', ['net.ipv6.conf.eth9.forwarding']],
  ['write', ['-w', 'net.ipv6.conf.all.forwarding=1']],
  ['read-after', ['net.ipv6.conf.eth0.forwarding', 'net.ipv6.conf.default.forwarding']],
  ['write-q', ['-q', '-w', 'net.ipv6.conf.all.forwarding=0']],
  ['write-n', ['-n', '-w', 'net.ipv6.conf.default.hop_limit=32']],
  ['write-no-w', ['net.ipv6.conf.default.hop_limit=33']],
  ['write-slash', ['-w', 'net/ipv6/conf/default/hop_limit=34']],
  ['write-spaces', ['-w', 'net.ipv6.conf.default.hop_limit = 35']],
  ['write-hex', ['-w', 'net.ipv6.conf.default.hop_limit=0x10']],
  ['read-hex', ['net.ipv6.conf.default.hop_limit']],
  ['write-octal', ['-w', 'net.ipv6.conf.default.hop_limit=010']],
  ['read-octal', ['net.ipv6.conf.default.hop_limit']],
  ['write-zero-hop', ['-w', 'net.ipv6.conf.default.hop_limit=0']],
  ['write-256-hop', ['-w', 'net.ipv6.conf.default.hop_limit=256']],
  ['write-abc', ['-w', 'net.ipv6.conf.all.forwarding=abc']],
  ['write-empty', ['-w', 'net.ipv6.conf.all.forwarding=']],
  ['write-frac', ['-w', 'net.ipv6.conf.all.forwarding=1.5']],
  ['write-two-values', ['-w', 'net.ipv6.conf.all.accept_ra=2 3']],
  ['read-two-values', ['net.ipv6.conf.all.accept_ra']],
  ['write-big', ['-w', 'net.ipv6.conf.all.accept_ra=4294967296']],
  ['write-neg', ['-w', 'net.ipv6.conf.all.accept_ra=-5']],
  ['read-neg', ['net.ipv6.conf.all.accept_ra']],
  ['write-forward-2', ['-w', 'net.ipv6.conf.all.forwarding=2']],
  ['read-forward-2', ['net.ipv6.conf.all.forwarding', 'net.ipv6.conf.eth0.forwarding']],
  ['write-disable-2', ['-w', 'net.ipv6.conf.eth0.disable_ipv6=2']],
  ['read-disable-2', ['net.ipv6.conf.eth0.disable_ipv6']],
  ['write-disable-neg', ['-w', 'net.ipv6.conf.eth0.disable_ipv6=-1']],
  ['read-disable-neg', ['net.ipv6.conf.eth0.disable_ipv6']],
  ['write-dad-neg', ['-w', 'net.ipv6.conf.eth0.dad_transmits=-1']],
  ['write-accept-dad-7', ['-w', 'net.ipv6.conf.eth0.accept_dad=7']],
  ['write-mtu-all-high', ['-w', 'net.ipv6.conf.all.mtu=70000']],
  ['write-rs', ['-w', 'net.ipv6.conf.eth0.router_solicitations=-2']],
  ['write-mcfwd', ['-w', 'net.ipv6.conf.all.mc_forwarding=1']],
  ['write-unknown', ['-w', 'net.ipv6.conf.all.foo=1']],
  ['write-unknown-e', ['-e', '-w', 'net.ipv6.conf.all.foo=1']],
  ['write-nodev', ['-w', 'net.ipv6.conf.eth9.forwarding=1']],
  ['write-no-eq', ['-w', 'net.ipv6.conf.all.forwarding']],
  ['write-multi', ['-w', 'net.ipv6.conf.all.accept_dad=1', 'net.ipv6.conf.default.accept_dad=0']],
  ['write-multi-fail', ['-w', 'net.ipv6.conf.all.foo=1', 'net.ipv6.conf.all.hop_limit=0']],
  ['no-args', []],
  ['w-no-args', ['-w']],
  ['bad-opt', ['-z']],
  ['N-q', ['-N', '-q', 'net.ipv6.conf.all.forwarding']],
  ['N', ['-N', 'net.ipv6.conf.all.forwarding']],
  ['b', ['-b', 'net.ipv6.conf.all.forwarding']],
  ['repeated-dot', ['net.ipv6..conf.all.forwarding']],
  ['core-xfrm', ['net.core.xfrm_acq_expires', 'net.core.xfrm_aevent_etime', 'net.core.xfrm_aevent_rseqth', 'net.core.xfrm_larval_drop']],
];

describe('sysctlCommand() against the kernel oracle (sysctl-proc.sh run under uml-run)', () => {
  const ctx = oracleHost();
  for (const [name, argv] of REPLAYED) {
    test(`case ${name}: sysctl ${argv.join(' ')}`, () => {
      const want = ORACLE.get(name)!;
      const got = sysctlCommand(argv, ctx);
      expect(got).toEqual({ stdout: want.stdout, stderr: want.stderr, exitCode: want.rc });
    });
  }
});

describe('sysctlCommand() refuses what the model does not hold', () => {
  // Each exists on Linux 6.1 (oracle cases read-dev, write-mtu-ok, dir, xfrm6, core-xfrm).
  const refused: readonly (readonly string[])[] = [
    ['net.ipv6.conf.lo.mtu'],
    ['net.ipv6.conf.eth0.mtu'],
    ['-w', 'net.ipv6.conf.eth0.mtu=1400'],
    ['net.ipv6.conf.lo.accept_dad'],
    ['net.ipv6.conf'],
    ['net.ipv6.xfrm6_gc_thresh'],
    ['net.core.somaxconn'],
    ['-w', 'net.core.xfrm_larval_drop=0'],
    ['net.ipv6.conf.all.autoconf'],
    ['-a'],
    ['-p'],
  ];
  for (const argv of refused) {
    test(`sysctl ${argv.join(' ')} is not modelled`, () => {
      const ctx = oracleHost();
      const r = sysctlCommand(argv, ctx);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(/^xfrmsim: sysctl .*: not modelled\n$/);
    });
  }

  test('turning IPv6 off on a device that is up is refused, as the model would keep its addresses', () => {
    const ctx = oracleHost();
    ctx.host.setLinkUp('eth0', true);
    const r = sysctlCommand(['-w', 'net.ipv6.conf.eth0.disable_ipv6=1'], ctx);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/not modelled/);
    expect(ctx.host.getSysctl('eth0', 'disable_ipv6')).toBe(0);
    // Writing the value it already has changes nothing and is fine.
    expect(sysctlCommand(['-w', 'net.ipv6.conf.all.disable_ipv6=0'], ctx).exitCode).toBe(0);
  });

  test('a refused key in a list leaves the earlier writes undone', () => {
    const ctx = oracleHost();
    const r = sysctlCommand(['-w', 'net.ipv6.conf.all.forwarding=1', 'net.ipv6.conf.all.autoconf=0'], ctx);
    expect(r.exitCode).toBe(2);
    expect(ctx.host.getSysctl('all', 'forwarding')).toBe(0);
  });
});

describe('sysctlCommand() and the xfrm sysctls of net.core (xfrm_sysctl.c, per namespace)', () => {
  // Oracle (Linux 6.1, uml-run): `sysctl -w net.core.xfrm_aevent_rseqth=-1` is EINVAL (proc_douintvec),
  // `sysctl -w net.core.xfrm_acq_expires=-5` is taken (proc_dointvec).
  test('writes reach the namespace they run in and no other', () => {
    const ctx = oracleHost();
    const other = ctx.world.addHost('b');
    const r = sysctlCommand(['-w', 'net.core.xfrm_acq_expires=7'], ctx);
    expect(r).toEqual({ stdout: 'net.core.xfrm_acq_expires = 7\n', stderr: '', exitCode: 0 });
    expect(ctx.host.xfrm.sysctl.acqExpires).toBe(7);
    expect(other.xfrm.sysctl.acqExpires).toBe(30);
  });

  test('the unsigned aevent values refuse a negative number, acq_expires takes one', () => {
    const ctx = oracleHost();
    expect(sysctlCommand(['-w', 'net.core.xfrm_aevent_rseqth=-1'], ctx)).toEqual({
      stdout: '',
      stderr: 'sysctl: setting key "net.core.xfrm_aevent_rseqth": Invalid argument\n',
      exitCode: 1,
    });
    expect(sysctlCommand(['-w', 'net.core.xfrm_acq_expires=-5'], ctx).exitCode).toBe(0);
    expect(sysctlCommand(['net.core.xfrm_acq_expires'], ctx).stdout).toBe('net.core.xfrm_acq_expires = -5\n');
  });

  test('larval_drop 0 (packets queued on the policy) is refused as not modelled and leaves 1', () => {
    const ctx = oracleHost();
    const r = sysctlCommand(['-w', 'net.core.xfrm_larval_drop=0'], ctx);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/not modelled/);
    expect(ctx.host.xfrm.sysctl.larvalDrop).toBe(1);
  });
});

describe('sysctlCommand() writes the model', () => {
  test('writing all.forwarding reaches default and every device, as the kernel does', () => {
    const ctx = oracleHost();
    expect(sysctlCommand(['-qw', 'net.ipv6.conf.all.forwarding=1'], ctx)).toEqual({ stdout: '', stderr: '', exitCode: 0 });
    expect([ctx.host.getSysctl('default', 'forwarding'), ctx.host.getSysctl('eth1', 'forwarding')]).toEqual([1, 1]);
  });

  test('options may follow the names (GNU getopt permutes)', () => {
    const ctx = oracleHost();
    expect(sysctlCommand(['net.ipv6.conf.default.hop_limit', '-n'], ctx).stdout).toBe('64\n');
  });

  test('a write that is read back gives the value written, for every value hop_limit accepts', () => {
    fc.assert(
      fc.property(fc.integer({ min: -300, max: 300 }), (v) => {
        const ctx = oracleHost();
        const w = sysctlCommand(['-w', `net.ipv6.conf.default.hop_limit=${v}`], ctx);
        const r = sysctlCommand(['-n', 'net.ipv6.conf.default.hop_limit'], ctx);
        if (v >= 1 && v <= 255) {
          expect(w.exitCode).toBe(0);
          expect(r.stdout).toBe(`${v}\n`);
        } else {
          expect(w).toEqual({
            stdout: '',
            stderr: 'sysctl: setting key "net.ipv6.conf.default.hop_limit": Invalid argument\n',
            exitCode: 1,
          });
          expect(r.stdout).toBe('64\n');
        }
      }),
    );
  });
});
