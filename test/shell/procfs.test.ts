import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  formatProcSnmp6,
  IPV6_DEVCONF_FILES,
  listProcDir,
  parseProcInt,
  readProcFile,
  type StackContext,
  writeProcFile,
  xfrmStatsOf,
} from '../../src/shell/procfs.js';
import { addAddress } from '../../src/stack/addrconf.js';
import { World } from '../../src/stack/world.js';
import { XFRM_STAT_NAMES } from '../../src/xfrm/stats.js';
import { ip } from '../stack/helpers.js';

/** The stdout of one case of the oracle run test/fixtures/shell/sysctl/sysctl-proc.sh (sysctl-proc.txt). */
function oracleStdout(name: string): string {
  const text = readFileSync(new URL('../fixtures/shell/sysctl/sysctl-proc.txt', import.meta.url), 'utf8');
  const block = text.split(/^== /m).find((b) => b.startsWith(`${name}\n`))!;
  const lines = block.split('\n').slice(1);
  return lines
    .slice(
      0,
      lines.findIndex((l) => /^rc=\d+$/.test(l)),
    )
    .filter((l) => !l.startsWith('E: '))
    .map((l) => `${l}\n`)
    .join('');
}

/** sysctl-proc.sh's namespace: lo up and a veth pair eth0/eth1 inside it. */
function oracleHost(): StackContext {
  const world = new World({ seed: 'procfs' });
  const host = world.addHost('a');
  host.setLinkUp('lo', true);
  world.addVeth('a', 'eth0', 'a', 'eth1');
  return { world, host };
}

describe('/proc/net/xfrm_stat', () => {
  test('a fresh namespace reads as the kernel oracle prints it (case cat-xfrm-stat)', () => {
    expect(readProcFile('/proc/net/xfrm_stat', oracleHost())).toBe(oracleStdout('cat-xfrm-stat'));
  });

  test('it shows the namespace xfrm counters', () => {
    const ctx = oracleHost();
    xfrmStatsOf(ctx.host).inc('XfrmOutNoStates');
    xfrmStatsOf(ctx.host).inc('XfrmOutNoStates');
    expect(readProcFile('/proc/net/xfrm_stat', ctx)).toContain('XfrmOutNoStates         \t2\n');
    expect(readProcFile('/proc/net/xfrm_stat', ctx)!.split('\n')).toHaveLength(XFRM_STAT_NAMES.length + 1);
  });
});

describe('/proc/net/snmp6', () => {
  const kernel = oracleStdout('cat-snmp6').split('\n').filter(Boolean);
  const kernelNames = kernel.map((l) => l.split(/\s+/)[0]!);

  test('lines have the kernel layout and come in the kernel order (case cat-snmp6)', () => {
    const ours = formatProcSnmp6(new Map()).split('\n').filter(Boolean);
    for (const l of ours) expect(l).toMatch(/^\S+ *\t\d+$/);
    // Same column as the kernel's "%-32s\t%lu".
    expect(ours[0]).toBe(kernel[0]);
    const names = ours.map((l) => l.split(/\s+/)[0]!);
    const positions = names.map((n) => kernelNames.indexOf(n));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((x, y) => x - y)).toEqual(positions);
  });

  test('counters the model does not keep are absent rather than zero', () => {
    const text = formatProcSnmp6(new Map());
    for (const n of ['Ip6InOctets', 'Ip6OutOctets', 'Ip6InNoECTPkts', 'Icmp6OutRateLimitHost']) expect(text).not.toContain(n);
  });

  test('per-type lines follow the named ICMPv6 lines and appear only when nonzero', () => {
    const text = formatProcSnmp6(
      new Map([
        ['Icmp6OutEchos', 3],
        ['Icmp6InEchoReplies', 2],
        ['Icmp6InNeighborAdvertisements', 1],
      ]),
    );
    const lines = text.split('\n');
    const at = lines.indexOf(`${'Icmp6OutMLDv2Reports'.padEnd(32)}\t0`);
    expect(lines.slice(at + 1, at + 4)).toEqual([
      `${'Icmp6InType129'.padEnd(32)}\t2`,
      `${'Icmp6InType136'.padEnd(32)}\t1`,
      `${'Icmp6OutType128'.padEnd(32)}\t3`,
    ]);
    expect(lines[at + 4]).toMatch(/^Udp6InDatagrams/);
  });

  test('every listed counter shows the value the host holds', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('Ip6InReceives', 'Ip6OutRequests', 'Icmp6InMsgs', 'Udp6NoPorts'), fc.nat()), (d) => {
        const text = formatProcSnmp6(new Map(Object.entries(d)));
        for (const [k, v] of Object.entries(d)) expect(text).toContain(`${k.padEnd(32)}\t${v}\n`);
      }),
    );
  });
});

describe('/proc/net/if_inet6', () => {
  test("lo's ::1 reads as in the kernel oracle (case cat-if-inet6), a nodad address carries IFA_F_NODAD", () => {
    const ctx = oracleHost();
    ctx.host.setLinkUp('eth0', true);
    ctx.host.setLinkUp('eth1', true);
    addAddress(ctx.host, 'eth1', ip('4321::1'), 64, { nodad: true });
    const lines = readProcFile('/proc/net/if_inet6', ctx)!.split('\n');
    expect(lines).toContain(oracleStdout('cat-if-inet6').split('\n')[0]);
    expect(lines).toContain('43210000000000000000000000000001 03 40 00 82     eth1');
  });
});

describe('/proc/sys/net/ipv6/conf', () => {
  test('directories list as the oracle lists them (cases ls-conf, ls-all)', () => {
    const ctx = oracleHost();
    expect(listProcDir('/proc/sys/net/ipv6/conf', ctx)).toEqual(oracleStdout('ls-conf').split('\n').filter(Boolean));
    expect(listProcDir('/proc/sys/net/ipv6/conf/all/', ctx)).toEqual(oracleStdout('ls-all').split('\n').filter(Boolean));
    expect(listProcDir('/proc/sys/net/ipv6/conf/eth9', ctx)).toBeUndefined();
    expect(IPV6_DEVCONF_FILES).toContain('forwarding');
  });

  test('echo 1 > forwarding writes the model and reads back', () => {
    const ctx = oracleHost();
    expect(writeProcFile('/proc/sys/net/ipv6/conf/all/forwarding', '1\n', ctx)).toEqual({ stdout: '', stderr: '', exitCode: 0 });
    expect(readProcFile('/proc/sys/net/ipv6/conf/all/forwarding', ctx)).toBe('1\n');
    expect(readProcFile('/proc/sys/net/ipv6/conf/eth0/forwarding', ctx)).toBe('1\n');
  });

  test('forwarding takes an unparsable write silently (case bash-echo-bad), hop_limit refuses it', () => {
    const ctx = oracleHost();
    expect(writeProcFile('/proc/sys/net/ipv6/conf/all/forwarding', 'abc\n', ctx)?.exitCode).toBe(0);
    expect(ctx.host.getSysctl('all', 'forwarding')).toBe(0);
    expect(writeProcFile('/proc/sys/net/ipv6/conf/all/hop_limit', '0\n', ctx)).toEqual({
      stdout: '',
      stderr: 'write error: Invalid argument\n',
      exitCode: 1,
    });
    expect(ctx.host.getSysctl('all', 'hop_limit')).toBe(64);
  });

  test('echo 1 > disable_ipv6 of an up device fails loudly and changes nothing', () => {
    const ctx = oracleHost();
    ctx.host.setLinkUp('eth1', true);
    const r = writeProcFile('/proc/sys/net/ipv6/conf/all/disable_ipv6', '1\n', ctx)!;
    expect([r.exitCode, /not modelled/.test(r.stderr)]).toEqual([2, true]);
    expect(ctx.host.getSysctl('all', 'disable_ipv6')).toBe(0);
  });

  test('/proc/sys/net/core/xfrm_acq_expires reads and writes the namespace value; xfrm_larval_drop 0 is refused', () => {
    const ctx = oracleHost();
    expect(readProcFile('/proc/sys/net/core/xfrm_acq_expires', ctx)).toBe('30\n');
    expect(writeProcFile('/proc/sys/net/core/xfrm_acq_expires', '12\n', ctx)?.exitCode).toBe(0);
    expect(ctx.host.xfrm.sysctl.acqExpires).toBe(12);
    expect(readProcFile('/proc/sys/net/core/xfrm_aevent_etime', ctx)).toBe('10\n');
    const r = writeProcFile('/proc/sys/net/core/xfrm_larval_drop', '0\n', ctx)!;
    expect([r.exitCode, /not modelled/.test(r.stderr)]).toEqual([2, true]);
    expect(readProcFile('/proc/sys/net/core/xfrm_larval_drop', ctx)).toBe('1\n');
    expect(readProcFile('/proc/sys/net/core/somaxconn', ctx)).toBeUndefined();
  });

  test('a file the kernel lacks is missing; one the model lacks is not claimed', () => {
    const ctx = oracleHost();
    expect(writeProcFile('/proc/sys/net/ipv6/conf/all/foo', '1\n', ctx)).toEqual({
      stdout: '',
      stderr: '/proc/sys/net/ipv6/conf/all/foo: No such file or directory\n',
      exitCode: 1,
    });
    expect(writeProcFile('/proc/sys/net/ipv6/conf/all/autoconf', '1\n', ctx)).toBeUndefined();
    expect(readProcFile('/proc/sys/net/ipv6/conf/all/autoconf', ctx)).toBeUndefined();
    expect(readProcFile('/proc/sys/net/ipv4/ip_forward', ctx)).toBeUndefined();
    expect(readProcFile('/etc/hosts', ctx)).toBeUndefined();
  });
});

describe('parseProcInt() as proc_dointvec reads a write', () => {
  test('known answers from the oracle (write-hex, write-octal, write-two-values, write-big, write-frac)', () => {
    expect(parseProcInt('0x10\n')).toBe(16);
    expect(parseProcInt('010\n')).toBe(8);
    expect(parseProcInt('2 3\n')).toBe(2);
    expect(parseProcInt('-5\n')).toBe(-5);
    expect(parseProcInt('4294967296\n')).toBeUndefined();
    expect(parseProcInt('1.5\n')).toBeUndefined();
    expect(parseProcInt('\n')).toBeUndefined();
    expect(parseProcInt('abc\n')).toBeUndefined();
  });

  test('every int round-trips in decimal and in hex', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (n) => {
        expect(parseProcInt(`${n}\n`)).toBe(n);
        if (n >= 0) expect(parseProcInt(`0x${n.toString(16)}\n`)).toBe(n);
      }),
    );
  });

  test('a refused write leaves the value as it was', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 8 }), (text) => {
        const ctx = oracleHost();
        const r = writeProcFile('/proc/sys/net/ipv6/conf/default/hop_limit', text, ctx)!;
        if (r.exitCode !== 0) expect(ctx.host.getSysctl('default', 'hop_limit')).toBe(64);
        else expect(ctx.host.getSysctl('default', 'hop_limit')).toBe(parseProcInt(text));
      }),
    );
  });
});

describe('/sys/class/net', () => {
  test('devices and statistics files list as the oracle lists them (cases ls-class-net, ls-stats)', () => {
    const ctx = oracleHost();
    expect(listProcDir('/sys/class/net', ctx)).toEqual(oracleStdout('ls-class-net').split('\n').filter(Boolean));
    expect(listProcDir('/sys/class/net/lo/statistics', ctx)).toEqual(oracleStdout('ls-stats').split('\n').filter(Boolean));
  });

  test("a statistics file reads the device's counter, a hardware error counter reads 0", () => {
    const ctx = oracleHost();
    ctx.host.device('eth0').stats.tx_packets = 7;
    expect(readProcFile('/sys/class/net/eth0/statistics/tx_packets', ctx)).toBe('7\n');
    expect(readProcFile('/sys/class/net/eth0/statistics/rx_crc_errors', ctx)).toBe('0\n');
    expect(readProcFile('/sys/class/net/eth9/statistics/tx_packets', ctx)).toBeUndefined();
    expect(readProcFile('/sys/class/net/eth0/statistics/bogus', ctx)).toBeUndefined();
  });
});

describe('/proc/net/igmp6', () => {
  test('every device by ifindex, its groups newest first, users, flags (LOADED 4, NOREPORT 8), as the kernel printed them', () => {
    // Recorded under uml-run after `ip netns add a; ip -n a link set lo up` and a veth eth0 that came up:
    // lo's two all-nodes groups (ff02::1 loaded, ff01::1 below link scope never is), eth0's
    // link-local solicited-node group (its last six digits follow the random MAC) and the same two.
    const kernel = [
      '1    lo              ff020000000000000000000000000001     1 0000000C 0',
      '1    lo              ff010000000000000000000000000001     1 00000008 0',
      '2    eth0            ff0200000000000000000001ff80186f     1 00000004 0',
      '2    eth0            ff020000000000000000000000000001     1 0000000C 0',
      '2    eth0            ff010000000000000000000000000001     1 00000008 0',
    ];
    const world = new World({ seed: 'igmp6' });
    const host = world.addHost('a');
    world.addHost('b');
    host.setLinkUp('lo', true);
    world.addVeth('a', 'eth0', 'b', 'eth0');
    world.host('b').setLinkUp('eth0', true);
    host.setLinkUp('eth0', true);
    const lines = readProcFile('/proc/net/igmp6', { world, host })!.trimEnd().split('\n');
    const mask = (l: string) => l.replace(/01ff[0-9a-f]{6}/, '01ffXXXXXX');
    expect(lines.map(mask)).toEqual(kernel.map(mask));
    // Two addresses sharing a solicited-node group count two users of it.
    addAddress(host, 'eth0', ip('4321::1'), 64, { nodad: true });
    addAddress(host, 'eth0', ip('4322::1'), 64, { nodad: true });
    expect(readProcFile('/proc/net/igmp6', { world, host })).toContain(
      '2    eth0            ff0200000000000000000001ff000001     2 00000004 0\n',
    );
  });
});
