/**
 * /proc and /sys read and written by any program of the script, for the namespace the program runs
 * in (kernel: each namespace has its own /proc/net and /proc/sys/net; `ip netns exec` enters it).
 * The reads by grep, awk, sed, head and a redirection are those of conformance case cases/proc_files,
 * which agrees with the kernel's recording.
 */
import { describe, expect, test } from 'vitest';
import type { SimCommand } from '../../src/shell/runtime.js';
import { quoteArgs, Shell } from '../../src/shell/runtime.js';
import { World } from '../../src/stack/world.js';

function shell() {
  const world = new World({ seed: 'proc' });
  world.addHost('a');
  world.addHost('b');
  const commands = new Map<string, SimCommand>([
    ['nsexec', (args, ctx) => ctx.exec(quoteArgs(args.slice(1)), { XFRMSIM_NETNS: args[0]! })],
  ]);
  return { world, sh: new Shell({ world, commands }) };
}

describe('/proc and /sys in the script', () => {
  test('grep, awk and a redirection read the namespace of the command that runs', async () => {
    const { sh, world } = shell();
    world.hosts.get('a')!.setSysctl('all', 'forwarding', 1);
    const r = await sh.run(
      [
        'nsexec a grep -c Xfrm /proc/net/xfrm_stat',
        'nsexec a cat /proc/sys/net/ipv6/conf/all/forwarding',
        'nsexec b awk "{print \\$1}" /proc/sys/net/ipv6/conf/all/forwarding',
        'awk "{print \\$1}" < /proc/sys/net/ipv6/conf/all/forwarding',
        'nsexec a head -1 /proc/net/xfrm_stat',
      ].join('\n'),
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('28\n1\n0\n0\nXfrmInError             \t0\n');
  });

  test('ls lists the devices and files the namespace has', async () => {
    const { sh } = shell();
    const r = await sh.run('nsexec a ls /proc/sys/net/ipv6/conf; ls /proc/net; nsexec b ls /sys/class/net');
    expect(r.stdout).toBe('all\ndefault\nlo\nif_inet6\nigmp6\nsnmp6\nxfrm_stat\nlo\n');
  });

  test('echo into a sysctl file sets it in that namespace only; a value the kernel refuses changes nothing and is reported', async () => {
    const { sh, world } = shell();
    const r = await sh.run(
      [
        'nsexec a sh -c "echo 1 > /proc/sys/net/ipv6/conf/all/forwarding"',
        'echo 300 > /proc/sys/net/ipv6/conf/all/hop_limit',
        'nsexec b sh -c "echo 0 > /proc/sys/net/ipv6/conf/all/hop_limit"',
      ].join('\n'),
    );
    expect(world.hosts.get('a')!.getSysctl('all', 'forwarding')).toBe(1);
    expect(world.hosts.get('b')!.getSysctl('all', 'forwarding')).toBe(0);
    expect(world.hosts.get('init')!.getSysctl('all', 'hop_limit')).toBe(64);
    expect(world.hosts.get('b')!.getSysctl('all', 'hop_limit')).toBe(64);
    expect(r.stderr).toBe(
      [
        'xfrmsim: a redirection to /proc/sys/net/ipv6/conf/all/hop_limit (namespace init): write error: Invalid argument: refused by the kernel (bash\'s "write error" and status 1 at that command are not modelled)',
        'xfrmsim: a redirection to /proc/sys/net/ipv6/conf/all/hop_limit (namespace b): write error: Invalid argument: refused by the kernel (bash\'s "write error" and status 1 at that command are not modelled)',
        '',
      ].join('\n'),
    );
  });

  test('a file the kernel does not have under /proc is not there', async () => {
    const { sh } = shell();
    const r = await sh.run('cat /proc/net/nosuch; echo rc=$?; test -e /proc/net/snmp6 && echo has-snmp6');
    expect(r.stdout).toBe('rc=1\nhas-snmp6\n');
    expect(r.stderr).toContain('/proc/net/nosuch');
  });
});
