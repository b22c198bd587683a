import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { World } from '../../src/stack/world.js';
import { consoleText, ip, maskMacs, oracleCases, snapshotWorld } from './ip-replay.js';

describe('ip netns against the oracle', () => {
  test.each(oracleCases('netns').map((s) => [`${s.capture}: ${s.key}`, s] as const))('%s prints what Linux printed', (_key, s) => {
    expect(maskMacs(consoleText(s.model))).toBe(maskMacs(s.output));
    expect(s.model.exitCode).toBe(s.rc);
  });
});

describe('ip netns', () => {
  test('lists the newest namespace first, with the id this namespace has for it (golden: errors "ip netns list")', () => {
    const w = new World();
    ip(w, 'netns add a');
    ip(w, 'netns add b');
    ip(w, 'netns add c');
    ip(w, 'link add w0 type veth peer name w1 netns c');
    expect(ip(w, 'netns list').stdout).toBe('c (id: 0)\nb\na\n');
    expect(ip(w, 'netns').stdout).toBe('c (id: 0)\nb\na\n');
  });

  test('a peer in the initial namespace is shown by nsid (golden: errors "ip -n c link show")', () => {
    const w = new World();
    ip(w, 'netns add c');
    ip(w, 'link add w0 address 02:00:00:00:00:01 type veth peer name w1 netns c address 02:00:00:00:00:02');
    expect(ip(w, '-n c link show w1').stdout).toBe(
      '2: w1@if2: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n' +
        '    link/ether 02:00:00:00:00:02 brd ff:ff:ff:ff:ff:ff link-netnsid 0\n',
    );
  });

  test("delete takes the namespace's veths and their peers elsewhere", () => {
    const w = new World();
    ip(w, 'netns add a');
    ip(w, 'netns add b');
    ip(w, '-n a link add eth0 type veth peer name eth0 netns b');
    ip(w, '-n a link add v1 type veth peer name v2');
    expect(ip(w, 'netns delete a')).toEqual({ stdout: '', stderr: '', exitCode: 0 });
    expect(w.hosts.has('a')).toBe(false);
    expect([...w.host('b').devices.keys()]).toEqual(['lo']);
  });

  test('names with a slash, `.` or `..` are refused before anything happens', () => {
    const w = new World();
    for (const name of ['bad/name', '.', '..']) {
      expect(ip(w, `netns add ${name}`)).toEqual({ stdout: '', stderr: `Invalid netns name "${name}"\n`, exitCode: 255 });
    }
    expect([...w.hosts.keys()]).toEqual(['init']);
  });

  test('add and delete without a name, and exec, are refused', () => {
    const w = new World();
    expect(ip(w, 'netns add')).toEqual({ stdout: '', stderr: 'No netns name specified\n', exitCode: 1 });
    expect(ip(w, 'netns del')).toEqual({ stdout: '', stderr: 'No netns name specified\n', exitCode: 1 });
    expect(ip(w, 'netns exec a true').stderr).toMatch(/ip netns exec: not modelled/);
    expect(ip(w, 'netns frob')).toEqual({ stdout: '', stderr: 'Command "frob" is unknown, try "ip netns help".\n', exitCode: 255 });
  });
});

describe('rejected ip netns commands', () => {
  test('leave the world as it was', () => {
    const commands = [
      'netns add a',
      'netns add bad/name',
      'netns add init',
      'netns del nosuch',
      'netns del init',
      'netns add',
      'netns frob',
      'netns set a 5',
      'netns exec a true',
    ];
    fc.assert(
      fc.property(fc.constantFrom(...commands), (line) => {
        const w = new World();
        ip(w, 'netns add a');
        ip(w, 'netns add b');
        ip(w, '-n a link add eth0 type veth peer name eth0 netns b');
        const before = snapshotWorld(w);
        const r = ip(w, line);
        expect(r.exitCode, line).not.toBe(0);
        expect(snapshotWorld(w)).toBe(before);
      }),
    );
  });
});
