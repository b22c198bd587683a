import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { Fib, maskPrefix, prefixMatches, type Route, RT_TABLE_LOCAL, RT_TABLE_MAIN } from '../../src/stack/fib.js';
import { formatIpv6Address, ipv6 } from '../../src/wire/ipv6-address.js';

const route = (dst: string, prefixLen: number, more: Partial<Route> = {}): Route => ({
  type: 'unicast',
  dst: ipv6(dst),
  prefixLen,
  table: RT_TABLE_MAIN,
  metric: 1024,
  dev: 'eth0',
  protocol: 'boot',
  ...more,
});

describe('prefixMatches()', () => {
  it('compares whole bytes and the leading bits of a partial byte', () => {
    expect(prefixMatches(ipv6('4321::'), 64, ipv6('4321::2'))).toBe(true);
    expect(prefixMatches(ipv6('4444::'), 60, ipv6('4444:0:0:f::1'))).toBe(true);
    expect(prefixMatches(ipv6('4444::'), 60, ipv6('4444:0:0:10::1'))).toBe(false);
    expect(prefixMatches(ipv6('::'), 0, ipv6('ffff::1'))).toBe(true);
    expect(prefixMatches(ipv6('4321::1'), 128, ipv6('4321::2'))).toBe(false);
  });

  it('maskPrefix() clears the host bits', () => {
    expect(formatIpv6Address(maskPrefix(ipv6('4444:0:0:1f::1'), 60))).toBe('4444:0:0:10::');
  });
});

describe('Fib', () => {
  it('lookup() takes the longest matching prefix', () => {
    const fib = new Fib();
    fib.add(route('::', 0, { via: ipv6('4321::1') }));
    fib.add(route('4444::', 60, { dev: 'eth1' }));
    expect(fib.lookup(ipv6('4444::2'))?.dev).toBe('eth1');
    expect(fib.lookup(ipv6('5555::2'))?.via).toEqual(ipv6('4321::1'));
  });

  it('lookup() prefers the lower metric among equal prefixes', () => {
    const fib = new Fib();
    fib.add(route('4321::', 64, { dev: 'eth0', metric: 1024 }));
    fib.add(route('4321::', 64, { dev: 'eth1', metric: 256 }));
    expect(fib.lookup(ipv6('4321::9'))?.dev).toBe('eth1');
  });

  it('lookup() consults the local table before the main table, whatever the prefix length', () => {
    // kernel default rules: 0 lookup local, 32766 lookup main.
    const fib = new Fib();
    fib.add(route('4321::1', 128, { type: 'local', table: RT_TABLE_LOCAL, metric: 0, protocol: 'kernel' }));
    fib.add(route('4321::1', 128, { dev: 'eth1' }));
    expect(fib.lookup(ipv6('4321::1'))?.type).toBe('local');
  });

  it('lookup() finds nothing without a covering route (the kernel null entry: ENETUNREACH)', () => {
    const fib = new Fib();
    fib.add(route('4321::', 64));
    expect(fib.lookup(ipv6('6666::1'))).toBeUndefined();
  });

  it('lookup() skips routes the caller marks unusable', () => {
    const fib = new Fib();
    fib.add(route('4321::', 64, { dev: 'eth0' }));
    fib.add(route('4321::', 64, { dev: 'eth1', metric: 2048 }));
    expect(fib.lookup(ipv6('4321::2'), (r) => r.dev !== 'eth0')?.dev).toBe('eth1');
  });

  it('add() refuses the same table, prefix and metric with EEXIST and changes nothing', () => {
    const fib = new Fib();
    fib.add(route('4321::', 64));
    const err = (() => {
      try {
        fib.add(route('4321::5', 64, { dev: 'eth1' }));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).errno).toBe('EEXIST');
    expect(fib.list()).toHaveLength(1);
    expect(fib.list()[0]?.dev).toBe('eth0');
  });

  it('delete() removes a matching route and answers ESRCH when none matches', () => {
    const fib = new Fib();
    fib.add(route('4321::', 64));
    expect(() => fib.delete({ dst: ipv6('4322::'), prefixLen: 64 })).toThrow(ConfigError);
    fib.delete({ dst: ipv6('4321::'), prefixLen: 64 });
    expect(fib.list()).toHaveLength(0);
  });

  it('replace() swaps a route in place and adds a missing one', () => {
    const fib = new Fib();
    fib.add(route('4321::', 64, { dev: 'eth0' }));
    fib.replace(route('4321::', 64, { dev: 'eth1' }));
    fib.replace(route('4322::', 64, { dev: 'eth2' }));
    expect(fib.list().map((r) => r.dev)).toEqual(['eth1', 'eth2']);
  });

  it('deleteDevice() removes the routes of one interface only', () => {
    const fib = new Fib();
    fib.add(route('4321::', 64, { dev: 'eth0' }));
    fib.add(route('4322::', 64, { dev: 'eth1' }));
    fib.deleteDevice('eth0');
    expect(fib.list().map((r) => r.dev)).toEqual(['eth1']);
  });
});
