import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compareFibOrder } from '../../src/shell/ip-route.js';
import type { Route } from '../../src/stack/fib.js';
import { World } from '../../src/stack/world.js';
import { consoleText, ip, maskMacs, oracleCases, snapshotWorld } from './ip-replay.js';

/** a and b on one veth, up, 4321::1/64 and 4321::2/64 without DAD. */
function pairWorld(): World {
  const w = new World({ seed: 'ip-route' });
  ip(w, 'netns add a');
  ip(w, 'netns add b');
  ip(w, '-n a link add eth0 address 02:00:00:00:00:0a type veth peer name eth0 netns b address 02:00:00:00:00:0b');
  ip(w, '-n a link set lo up');
  ip(w, '-n a link set eth0 up');
  ip(w, '-n b link set eth0 up');
  ip(w, '-n a addr add 4321::1/64 dev eth0 nodad');
  ip(w, '-n b addr add 4321::2/64 dev eth0 nodad');
  w.advance(3_000_000);
  return w;
}

describe('ip route against the oracle', () => {
  test.each(oracleCases('route').map((s) => [`${s.capture}: ${s.key}`, s] as const))('%s prints what Linux printed', (_key, s) => {
    expect(maskMacs(consoleText(s.model))).toBe(maskMacs(s.output));
    expect(s.model.exitCode).toBe(s.rc);
  });
});

describe('ip route add', () => {
  test('kernel refusals print as iproute2 prints them (golden: errors.console.log)', () => {
    const w = pairWorld();
    const cases: [string, string][] = [
      ['-6 route add 5555::/64', 'RTNETLINK answers: No such device\n'],
      ['-6 route add 5555::/64 via fe80::1', 'Error: Egress device not specified.\n'],
      ['-6 route add 5555::/64 via 4321::1', 'Error: Gateway can not be a local address.\n'],
      ['-6 route add 5555::/64 via 4321::5 dev lo', 'RTNETLINK answers: No route to host\n'],
      ['-6 route add 5555::/64 src 4321::99 dev eth0', 'Error: Invalid source address.\n'],
    ];
    for (const [line, stderr] of cases) expect(ip(w, `-n a ${line}`), line).toEqual({ stdout: '', stderr, exitCode: 2 });
  });

  test('a reject route is attached to lo whatever device is named, and metric 0 means 1024', () => {
    const w = pairWorld();
    expect(ip(w, '-n a -6 route add unreachable 6666::/64 dev eth0').exitCode).toBe(0);
    expect(ip(w, '-n a -6 route add 7777::/64 dev eth0 metric 0').exitCode).toBe(0);
    const out = ip(w, '-n a -6 route show').stdout;
    expect(out).toContain('unreachable 6666::/64 dev lo metric 1024 pref medium\n');
    expect(out).toContain('7777::/64 dev eth0 metric 1024 pref medium\n');
  });

  test('a route on a device without carrier is listed linkdown, and `dev` filters drop the device (golden: errors "route show dev v1")', () => {
    const w = pairWorld();
    ip(w, '-n b link set eth0 down');
    ip(w, '-n a -6 route add 7777::/64 dev eth0');
    expect(ip(w, '-n a -6 route show dev eth0').stdout).toContain('7777::/64 metric 1024 linkdown pref medium\n');
  });

  test('IPv4, source-specific and other-table routes fail loudly', () => {
    const w = pairWorld();
    for (const line of [
      'route add 10.0.0.0/8 dev eth0',
      'route add default dev eth0',
      '-6 route add 5555::/64 from 4321::/64 dev eth0',
      '-6 route add 5555::/64 dev eth0 table 100',
      '-6 route add local 5555::1 dev eth0',
    ]) {
      const r = ip(w, `-n a ${line}`);
      expect(r.stderr, line).toMatch(/not modelled/);
    }
  });

  test('a table name rt_tables does not know is an invalid argument (kernel recording cases/n_bad_route)', () => {
    expect(ip(pairWorld(), '-n a -6 route add 4323::/64 via 4321::2 table nosuch')).toEqual({
      stdout: '',
      stderr: 'Error: argument "nosuch" is wrong: "table" value is invalid\n\n',
      exitCode: 255,
    });
  });

  test('without a destination the usage status is kept', () => {
    expect(ip(pairWorld(), '-n a -6 route add dev eth0').exitCode).toBe(255);
  });
});

describe('ip route get', () => {
  test("a prefix length other than 128 draws the tool's warning", () => {
    const r = ip(pairWorld(), '-n a -6 route get 4321::2/64');
    expect(r.stderr).toBe('Warning: /64 as prefix is invalid, only /128 (or none) is supported.\n');
    expect(r.stdout).toBe('4321::2 from :: dev eth0 proto kernel src 4321::1 metric 256 pref medium\n');
  });

  test('of several addresses in the same /64 the newest is the source, whatever bits follow the prefix (oracle: route get after adding 4321::1, ::11 and, on another host, ::11, ::1, ::5)', () => {
    const w = pairWorld();
    ip(w, '-n a addr add 4321::11/64 dev eth0 nodad');
    expect(ip(w, '-n a -6 route get 4321::2').stdout).toBe('4321::2 from :: dev eth0 proto kernel src 4321::11 metric 256 pref medium\n');
    ip(w, '-n a addr add 4321::5/64 dev eth0 nodad');
    expect(ip(w, '-n a -6 route get 4321::2').stdout).toBe('4321::2 from :: dev eth0 proto kernel src 4321::5 metric 256 pref medium\n');
    ip(w, '-n a addr del 4321::5/64 dev eth0');
    expect(ip(w, '-n a -6 route get 4321::3').stdout).toBe('4321::3 from :: dev eth0 proto kernel src 4321::11 metric 256 pref medium\n');
  });

  test("no route is ENETUNREACH, and no destination is the tool's own error", () => {
    const w = new World();
    ip(w, 'netns add a');
    expect(ip(w, '-n a -6 route get 4321::2')).toEqual({ stdout: '', stderr: 'RTNETLINK answers: Network is unreachable\n', exitCode: 2 });
    expect(ip(w, '-n a -6 route get')).toEqual({ stdout: '', stderr: 'need at least a destination address\n', exitCode: 1 });
  });
});

describe('compareFibOrder()', () => {
  const route = (bytes: number[], prefixLen: number, metric = 1024): Route => {
    const dst = new Uint8Array(16);
    dst.set(bytes);
    return { type: 'unicast', dst, prefixLen, table: 254, metric, protocol: 'boot', dev: 'eth0' };
  };

  test('puts a more specific prefix before the prefix that covers it, and default last (golden: listings "ip -n a -6 route show")', () => {
    const sorted = [
      route([], 0),
      route([0xfe, 0x80], 64),
      route([0x43, 0x21], 64),
      route([0x43, 0x21, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 128),
    ].sort(compareFibOrder);
    expect(sorted.map((r) => `${r.dst[0]}/${r.prefixLen}`)).toEqual(['67/128', '67/64', '254/64', '0/0']);
  });

  test('is a total order: antisymmetric and transitive on random prefixes', () => {
    const arb = fc
      .tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 128 }), fc.integer({ min: 0, max: 3 }))
      .map(([b, len, m]) => {
        const r = route([...b], len, m);
        // Stored prefixes have their host bits clear.
        for (let i = 0; i < 16; i++) r.dst[i] = r.dst[i]! & ((0xff << (8 - Math.max(0, Math.min(8, len - 8 * i)))) & 0xff);
        return r;
      });
    fc.assert(
      fc.property(arb, arb, arb, (a, b, c) => {
        expect(Math.sign(compareFibOrder(a, b))).toBe(-Math.sign(compareFibOrder(b, a)) || 0);
        if (compareFibOrder(a, b) < 0 && compareFibOrder(b, c) < 0) expect(compareFibOrder(a, c)).toBeLessThan(0);
      }),
    );
  });
});

describe('rejected ip route commands', () => {
  test('leave every namespace as it was', () => {
    const commands = [
      '-6 route add 4321::/64 dev eth0 metric 256',
      '-6 route add 5555::/64',
      '-6 route add 5555::/64 via 1::2',
      '-6 route add 5555::/64 via fe80::1',
      '-6 route add 5555::/64 via 4321::1',
      '-6 route add 5555::/64 via 4321::2 dev nosuch',
      '-6 route add 5555::/64 via 4321::2 metric x',
      '-6 route add 5555::/64 via 4321::2 frob',
      '-6 route add garbage',
      '-6 route add 5555::/64 src 4321::9 dev eth0',
      '-6 route del 5555::/64',
      '-6 route del 4321::/64 via 4321::9',
      'route add 10.0.0.0/8 dev eth0',
      '-6 route add 5555::/64 dev eth0 table 100',
      '-6 route add 5555::/64 dev eth0 mtu 1400',
    ];
    fc.assert(
      fc.property(fc.constantFrom(...commands), (line) => {
        const w = pairWorld();
        const before = snapshotWorld(w);
        const r = ip(w, `-n a ${line}`);
        expect(r.exitCode, line).not.toBe(0);
        expect(snapshotWorld(w)).toBe(before);
      }),
    );
  });
});
