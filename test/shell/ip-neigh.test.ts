import { describe, expect, test } from 'vitest';
import { neighTable } from '../../src/stack/neighbour.js';
import { World } from '../../src/stack/world.js';
import { ipv6 } from '../../src/wire/ipv6-address.js';
import { consoleText, ip, maskMacs, oracleCases } from './ip-replay.js';

function pairWorld(): World {
  const w = new World({ seed: 'ip-neigh' });
  ip(w, 'netns add a');
  ip(w, 'netns add b');
  ip(w, '-n a link add eth0 address 02:00:00:00:00:0a type veth peer name eth0 netns b address 02:00:00:00:00:0b');
  ip(w, '-n a link set eth0 up');
  ip(w, '-n b link set eth0 up');
  return w;
}

describe('ip neigh against the oracle', () => {
  test.each(oracleCases('neighbor').map((s) => [`${s.capture}: ${s.key}`, s] as const))('%s prints what Linux printed', (_key, s) => {
    expect(maskMacs(consoleText(s.model))).toBe(maskMacs(s.output));
    expect(s.model.exitCode).toBe(s.rc);
  });
});

describe('ip neigh show', () => {
  test('prints the link-layer address only in NUD_VALID states, and the router flag before the state', () => {
    const w = pairWorld();
    const a = w.host('a');
    const t = neighTable(a, a.device('eth0'));
    const r = t.create(ipv6('4321::2'));
    r.state = 'STALE';
    r.lladdr = Uint8Array.of(2, 0, 0, 0, 0, 0x0b);
    r.isRouter = true;
    t.create(ipv6('4321::3')).state = 'INCOMPLETE';
    const f = t.create(ipv6('4321::4'));
    f.state = 'FAILED';
    f.lladdr = Uint8Array.of(2, 0, 0, 0, 0, 0x0c);
    t.create(ipv6('4321::5'));
    expect(ip(w, '-n a -6 neigh show').stdout).toBe(
      ['4321::2 dev eth0 lladdr 02:00:00:00:00:0b router STALE ', '4321::3 dev eth0 INCOMPLETE ', '4321::4 dev eth0 FAILED ', ''].join(
        '\n',
      ),
    );
  });

  test("-4 lists nothing, and an unknown device is the tool's error", () => {
    const w = pairWorld();
    expect(ip(w, '-n a -4 neigh').stdout).toBe('');
    expect(ip(w, '-n a neigh show dev nosuch')).toEqual({ stdout: '', stderr: 'Cannot find device "nosuch"\n', exitCode: 1 });
  });

  test('flushing, get and the other filters are not modelled', () => {
    const w = pairWorld();
    for (const line of [
      'neigh get 4321::2 dev eth0',
      'neigh flush dev eth0',
      'neigh show nud reachable',
      'neigh add 4321::2 dev eth0 router',
    ]) {
      expect(ip(w, `-n a ${line}`).stderr, line).toMatch(/not modelled/);
    }
  });
});

describe('ip neigh add, replace, del and show ADDR (fixtures/shell/ip/neigh-modify.*, Linux 6.1)', () => {
  test('replace makes a PERMANENT entry, add refuses an existing one, del removes it once, a missing dev is refused', () => {
    const w = pairWorld();
    const lines = [
      ip(w, '-n a neigh replace 4321::9 lladdr 02:00:00:00:00:09 dev eth0 nud permanent'),
      ip(w, '-n a neigh add 4321::9 lladdr 02:00:00:00:00:09 dev eth0'),
      ip(w, '-n a neigh show 4321::9'),
      ip(w, '-n a neigh del 4321::9 dev eth0'),
      ip(w, '-n a neigh del 4321::9 dev eth0'),
      ip(w, '-n a neigh add 4321::7'),
    ].map((r) => `${r.stdout}${r.stderr}rc=${r.exitCode}`);
    expect(lines).toEqual([
      'rc=0',
      'RTNETLINK answers: File exists\nrc=2',
      '4321::9 dev eth0 lladdr 02:00:00:00:00:09 PERMANENT \nrc=0',
      'rc=0',
      'RTNETLINK answers: No such file or directory\nrc=2',
      'Device and destination are required arguments.\nrc=255',
    ]);
  });

  test('show ADDR lists only the entries inside the prefix', () => {
    const w = pairWorld();
    ip(w, '-n a neigh add 4321::2 lladdr 02:00:00:00:00:0b dev eth0 nud reachable');
    ip(w, '-n a neigh add 4322::2 lladdr 02:00:00:00:00:0b dev eth0 nud stale');
    expect(ip(w, '-n a neigh show 4321::2').stdout).toBe('4321::2 dev eth0 lladdr 02:00:00:00:00:0b REACHABLE \n');
    expect(ip(w, '-n a neigh show 4321::3').stdout).toBe('');
    expect(ip(w, '-n a neigh show to 4322::/16').stdout).toBe('4322::2 dev eth0 lladdr 02:00:00:00:00:0b STALE \n');
  });
});
