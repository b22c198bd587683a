/** IPv6 routing tables: the local and main tables, longest-prefix match, metrics, reject routes (kernel: ip6_fib.c, route.c). */

import { ConfigError, type Errno } from '../errors.js';
import { bytesEqual } from '../wire/hex.js';
import type { Ipv6Address } from '../wire/ipv6-address.js';

/** Route types as iproute2 names them (rtnetlink RTN_*). */
export type RouteType = 'unicast' | 'local' | 'anycast' | 'multicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw';

export const RT_TABLE_MAIN = 254;
export const RT_TABLE_LOCAL = 255;
/** Metric `ip -6 route add` gives when none is named (IP6_RT_PRIO_USER). */
export const METRIC_USER = 1024;
/** Metric of the prefix routes the kernel adds for addresses (IP6_RT_PRIO_ADDRCONF). */
export const METRIC_ADDRCONF = 256;

export interface Route {
  readonly type: RouteType;
  readonly dst: Ipv6Address;
  readonly prefixLen: number;
  readonly table: number;
  readonly metric: number;
  /** Interface name; absent for reject routes, which live on lo. */
  readonly dev?: string;
  readonly via?: Ipv6Address;
  /** `proto` as iproute2 prints it: kernel, boot, static ... */
  readonly protocol: string;
  /** Preferred source (`src`), if given. */
  readonly prefsrc?: Ipv6Address;
}

/**
 * The error a lookup hitting a reject route gives to the sender (kernel route.c fib6_prop; the
 * null entry of an empty lookup is ENETUNREACH).
 */
export const REJECT_ERRNO: Partial<Record<RouteType, Errno>> = {
  blackhole: 'EINVAL',
  unreachable: 'EHOSTUNREACH',
  prohibit: 'EACCES',
  throw: 'EAGAIN',
};

export function prefixMatches(prefix: Ipv6Address, prefixLen: number, addr: Ipv6Address): boolean {
  const whole = prefixLen >> 3;
  for (let i = 0; i < whole; i++) if (prefix[i] !== addr[i]) return false;
  const rest = prefixLen & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (prefix[whole]! & mask) === (addr[whole]! & mask);
}

/** The prefix with host bits cleared, as the kernel stores a route's destination. */
export function maskPrefix(addr: Ipv6Address, prefixLen: number): Ipv6Address {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const bits = Math.max(0, Math.min(8, prefixLen - 8 * i));
    out[i] = addr[i]! & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

function sameKey(a: Route, b: Route): boolean {
  return a.table === b.table && a.prefixLen === b.prefixLen && a.metric === b.metric && bytesEqual(a.dst, b.dst);
}

/** One network namespace's routes (all tables); `lookup` consults local then main, as the default rules do. */
export class Fib {
  private routes: Route[] = [];

  /** `ip route add`: the same table, prefix and metric twice is EEXIST (the kernel does not append without NLM_F_APPEND). */
  add(route: Route): void {
    if (route.prefixLen < 0 || route.prefixLen > 128) throw new ConfigError('EINVAL');
    const r = { ...route, dst: maskPrefix(route.dst, route.prefixLen) };
    if (this.routes.some((x) => sameKey(x, r))) throw new ConfigError('EEXIST');
    this.routes.push(r);
  }

  /** `ip route replace`: replaces the route with the same key, or adds it. */
  replace(route: Route): void {
    const r = { ...route, dst: maskPrefix(route.dst, route.prefixLen) };
    const i = this.routes.findIndex((x) => sameKey(x, r));
    if (i >= 0) this.routes[i] = r;
    else this.add(r);
  }

  /**
   * `ip route del`: the first route matching every field given (unset metric/dev/type match any);
   * none is ESRCH ("No such process"), as the kernel answers.
   */
  delete(match: { dst: Ipv6Address; prefixLen: number; table?: number; metric?: number; dev?: string; type?: RouteType }): Route {
    const dst = maskPrefix(match.dst, match.prefixLen);
    const table = match.table ?? RT_TABLE_MAIN;
    const i = this.routes.findIndex(
      (r) =>
        r.table === table &&
        r.prefixLen === match.prefixLen &&
        bytesEqual(r.dst, dst) &&
        (match.metric === undefined || r.metric === match.metric) &&
        (match.dev === undefined || r.dev === match.dev) &&
        (match.type === undefined || r.type === match.type),
    );
    if (i < 0) throw new ConfigError('ESRCH');
    const [removed] = this.routes.splice(i, 1);
    return removed!;
  }

  /** Removes every route through `dev` (the kernel does this when an interface goes away). */
  deleteDevice(dev: string): void {
    this.routes = this.routes.filter((r) => r.dev !== dev);
  }

  /**
   * The route for `dst`: the longest matching prefix of the local table, else of the main table;
   * among equal prefixes the lowest metric, then the earliest added. `usable` lets the caller skip
   * routes whose device is down (the kernel's rt6_check_dev / linkdown handling).
   */
  lookup(dst: Ipv6Address, usable: (r: Route) => boolean = () => true): Route | undefined {
    for (const table of [RT_TABLE_LOCAL, RT_TABLE_MAIN]) {
      let best: Route | undefined;
      for (const r of this.routes) {
        if (r.table !== table || !prefixMatches(r.dst, r.prefixLen, dst) || !usable(r)) continue;
        if (!best || r.prefixLen > best.prefixLen || (r.prefixLen === best.prefixLen && r.metric < best.metric)) best = r;
      }
      if (best) return best;
    }
    return undefined;
  }

  /** Routes of one table in insertion order (the listing order of `ip -6 route show` is the command layer's concern). */
  list(table = RT_TABLE_MAIN): Route[] {
    return this.routes.filter((r) => r.table === table);
  }
}
