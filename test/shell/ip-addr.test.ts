import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { World } from '../../src/stack/world.js';
import { consoleText, ip, maskMacs, oracleCases, snapshotWorld } from './ip-replay.js';

/** a and b on one veth with known MACs; all.accept_dad stays as a new namespace has it (DAD on). */
function pairWorld(): World {
  const w = new World({ seed: 'ip-addr' });
  ip(w, 'netns add a');
  ip(w, 'netns add b');
  ip(w, '-n a link add eth0 address 02:00:00:00:00:0a type veth peer name eth0 netns b address 02:00:00:00:00:0b');
  return w;
}

describe('ip address against the oracle', () => {
  test.each(oracleCases('address').map((s) => [`${s.capture}: ${s.key}`, s] as const))('%s prints what Linux printed', (_key, s) => {
    expect(maskMacs(consoleText(s.model))).toBe(maskMacs(s.output));
    expect(s.model.exitCode).toBe(s.rc);
  });
});

describe('ip address add', () => {
  test('an address on a device that is not up is tentative, unless nodad (golden: errors "ip -n a -6 addr show dev eth0")', () => {
    const w = pairWorld();
    ip(w, '-n a addr add 4321::1/64 dev eth0');
    ip(w, '-n a addr add 4321::2/64 dev eth0 nodad');
    expect(ip(w, '-n a -6 addr show dev eth0').stdout).toBe(
      [
        '2: eth0@if2: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN group default qlen 1000 link-netns b',
        '    inet6 4321::2/64 scope global nodad ',
        '       valid_lft forever preferred_lft forever',
        '    inet6 4321::1/64 scope global tentative ',
        '       valid_lft forever preferred_lft forever',
        '',
      ].join('\n'),
    );
  });

  test('read-only flags only draw a warning and the address is added', () => {
    const w = pairWorld();
    const r = ip(w, '-n a addr add 4321::7/64 dev eth0 tentative');
    expect(r).toEqual({ stdout: '', stderr: 'Warning: tentative option is not mutable from userspace\n', exitCode: 0 });
    expect(w.host('a').addrs.some((a) => a.dev === 'eth0' && a.addr[15] === 7)).toBe(true);
  });

  test('IPv4 and the flags the model has no behaviour for fail loudly', () => {
    const w = pairWorld();
    for (const line of [
      '-n a addr add 10.0.0.1/24 dev eth0',
      '-n a addr add 4321::1/64 dev eth0 noprefixroute',
      '-n a addr add 4321::1/64 dev eth0 valid_lft 10',
    ]) {
      const r = ip(w, line);
      expect(r.stderr, line).toMatch(/not modelled/);
      expect(r.exitCode, line).toBe(2);
    }
  });

  test('with a family option the address must be of that family', () => {
    const w = pairWorld();
    expect(ip(w, '-n a -4 addr add 4321::1/64 dev eth0')).toEqual({
      stdout: '',
      stderr: 'Error: inet prefix is expected rather than "4321::1/64".\n',
      exitCode: 1,
    });
  });
});

describe('ip address show', () => {
  test('lists global addresses before link-local ones and the newest first within a scope', () => {
    const w = pairWorld();
    ip(w, '-n a addr add 4321::1/64 dev eth0 nodad');
    ip(w, '-n a link set eth0 up');
    ip(w, '-n b link set eth0 up');
    ip(w, '-n a addr add 4321::2/64 dev eth0 nodad');
    w.advance(3_000_000);
    const lines = ip(w, '-n a -o -6 addr show dev eth0').stdout.split('\n');
    expect(lines.map((l) => l.split(' ').filter(Boolean)[3])).toEqual(['4321::2/64', '4321::1/64', 'fe80::ff:fe00:a/64', undefined]);
  });

  test('an unknown device is reported as the tool does', () => {
    const w = pairWorld();
    expect(ip(w, '-n a addr show dev nosuch')).toEqual({ stdout: '', stderr: 'Device "nosuch" does not exist.\n', exitCode: 1 });
  });
});

describe('rejected ip address commands', () => {
  test('leave every namespace as it was', () => {
    const commands = [
      'addr add 4321::1/64 dev eth0',
      'addr add ff02::5/64 dev eth0',
      'addr add ::/64 dev eth0',
      'addr add ::1/128 dev eth0',
      'addr add 4321::1/129 dev eth0',
      'addr add 4321::1/64',
      'addr add 4321::1/64 dev nosuch',
      'addr add 4321::1/64 dev eth0 frob',
      'addr add 10.0.0.1/24 dev eth0',
      'addr del 4321::1 dev eth0',
      'addr del 4321::9/64 dev eth0',
      'addr change 4321::1/64 dev eth0',
      'addr flush dev eth0',
    ];
    fc.assert(
      fc.property(fc.constantFrom(...commands), fc.boolean(), (line, up) => {
        const w = pairWorld();
        if (up) ip(w, '-n a link set eth0 up');
        ip(w, '-n a addr add 4321::1/64 dev eth0 nodad');
        const before = snapshotWorld(w);
        const r = ip(w, `-n a ${line}`);
        expect(r.exitCode, line).not.toBe(0);
        expect(snapshotWorld(w)).toBe(before);
      }),
    );
  });
});
