/** The path MTU a host learned from Packet Too Big messages, per destination, and the MTU its own packets are cut to (kernel: net/ipv6/route.c __ip6_rt_update_pmtu, rt6_insert_exception, ip6_mtu; icmp.c icmpv6_err; net.ipv6.route.mtu_expires). */

import { toHex } from '../wire/hex.js';
import { formatIpv6Address, type Ipv6Address } from '../wire/ipv6-address.js';
import { xfrmBundleMtu } from '../xfrm/mtu.js';
import type { XfrmSecPathEntry } from '../xfrm/output.js';
import type { Host } from './host.js';
import { IPV6_MIN_MTU } from './ip6-fragment.js';
import { routeOutput } from './ip6-output.js';
import type { NetDevice } from './netdev.js';

/** net.ipv6.route.mtu_expires: a learned MTU is forgotten after 600 s. */
export const MTU_EXPIRES_US = 600_000_000;

interface PmtuException {
  readonly mtu: number;
  readonly expiresUs: number;
}

/** The route exceptions of each host (rt6_exception_bucket), by destination. */
const caches = new WeakMap<Host, Map<string, PmtuException>>();

function cacheOf(host: Host): Map<string, PmtuException> {
  let c = caches.get(host);
  if (!c) {
    c = new Map();
    caches.set(host, c);
  }
  return c;
}

/** The learned MTU towards `dst` while it has not expired. */
export function cachedPmtu(host: Host, dst: Ipv6Address): { readonly mtu: number; readonly expiresUs: number } | undefined {
  const key = toHex(dst);
  const e = cacheOf(host).get(key);
  if (!e) return undefined;
  if (host.world.clock.nowUs >= e.expiresUs) {
    cacheOf(host).delete(key);
    return undefined;
  }
  return e;
}

/** Whether any Packet Too Big was taken: without one every path MTU is the device's (the per-packet fast path). */
export function hasLearnedPmtu(host: Host): boolean {
  return (caches.get(host)?.size ?? 0) > 0;
}

/** ip6_mtu of the route a local packet takes: the device's MTU, or less when a Packet Too Big said so. */
export function pathMtu(host: Host, dst: Ipv6Address, dev: NetDevice): number {
  if (!hasLearnedPmtu(host)) return dev.mtu;
  const learned = cachedPmtu(host, dst);
  return learned ? Math.min(learned.mtu, dev.mtu) : dev.mtu;
}

/**
 * ip6_update_pmtu for a Packet Too Big about a packet we sent to `dst`: an MTU below 1280 counts
 * as 1280, and only a value below the current path MTU is kept, for 600 s. Returns what changed,
 * for the trace.
 */
export function updatePmtu(host: Host, dst: Ipv6Address, dev: NetDevice | undefined, mtu: number): string {
  const m = Math.max(mtu, IPV6_MIN_MTU);
  const current = dev ? pathMtu(host, dst, dev) : (cachedPmtu(host, dst)?.mtu ?? Number.POSITIVE_INFINITY);
  if (m >= current) return `pmtu ${formatIpv6Address(dst)} stays ${current}`;
  cacheOf(host).set(toHex(dst), { mtu: m, expiresUs: host.world.clock.nowUs + MTU_EXPIRES_US });
  return `pmtu ${formatIpv6Address(dst)} now ${m} (expires in 600 s)`;
}

/** dst_mtu of an xfrm bundle: xfrm_init_pmtu over the route to the outermost destination, with what Packet Too Big taught about it. */
export function xfrmPathMtu(host: Host, bundle: readonly XfrmSecPathEntry[]): number {
  const outer = [...bundle].reverse().find((e) => e.mode === 'tunnel')?.dst ?? bundle[0]!.dst;
  const rt = routeOutput(host, outer);
  const routeMtu = rt.ok ? pathMtu(host, outer, rt.dev) : IPV6_MIN_MTU;
  return xfrmBundleMtu(
    bundle.map((e) => e.state),
    routeMtu,
  );
}

/** The least a bundle's MTU can be (every route carries 1280 bytes): packets within it need no route lookup. */
export function xfrmPathMtuFloor(bundle: readonly XfrmSecPathEntry[]): number {
  return xfrmBundleMtu(
    bundle.map((e) => e.state),
    IPV6_MIN_MTU,
  );
}
