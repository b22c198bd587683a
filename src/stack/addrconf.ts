/** Address configuration: link-local addresses, global addresses with their routes, DAD, multicast membership, source address selection (kernel: net/ipv6/addrconf.c, mcast.c ipv6_dev_mc_inc; RFC 6724 as ipv6_dev_get_saddr applies it). */

import { ConfigError } from '../errors.js';
import { toHex } from '../wire/hex.js';
import type { Ipv6Address } from '../wire/ipv6-address.js';
import type { TimerId } from './clock.js';
import { METRIC_ADDRCONF, prefixMatches, RT_TABLE_LOCAL, RT_TABLE_MAIN } from './fib.js';
import type { Host } from './host.js';
import { anycastDec, anycastInc, mcDec, mcDown, mcForwardChange, mcInc, mcUp, mldDadComplete } from './mld.js';
import { sendNs, sendRs } from './ndisc.js';
import type { NetDevice } from './netdev.js';

export interface InetAddr {
  readonly addr: Ipv6Address;
  readonly prefixLen: number;
  readonly dev: string;
  /** IFA_F_TENTATIVE: DAD has not finished; not usable as a source nor local for input. */
  tentative: boolean;
  readonly nodad: boolean;
  dadTimer?: TimerId;
  dadProbesLeft: number;
  /** Whether the address holds its solicited-node group (addrconf_join_solict) and its prefix's subnet-router anycast address. */
  joined?: { solicited: boolean; anycast: boolean };
}

/** Address scopes as RFC 4291 numbers them (IPV6_ADDR_SCOPE_*). */
export const SCOPE = { NODE: 0x1, LINK: 0x2, SITE: 0x5, GLOBAL: 0xe } as const;

export const LOOPBACK: Ipv6Address = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
export const ALL_NODES: Ipv6Address = Uint8Array.of(0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
export const ALL_ROUTERS: Ipv6Address = Uint8Array.of(0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2);
const MULTICAST_PREFIX: Ipv6Address = Uint8Array.of(0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
const LINK_LOCAL_PREFIX: Ipv6Address = Uint8Array.of(0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

/** Retransmission timer for DAD and ND (RETRANS_TIMER, 1 s). */
export const RETRANS_TIME_US = 1_000_000;
/** The upper bound of DAD's random start delay (rtr_solicit_delay, 1 s). */
export const RTR_SOLICIT_DELAY_US = 1_000_000;

export function isMulticast(a: Ipv6Address): boolean {
  return a[0] === 0xff;
}

export function isUnspecified(a: Ipv6Address): boolean {
  return a.every((b) => b === 0);
}

export function isLoopback(a: Ipv6Address): boolean {
  return a.every((b, i) => b === (i === 15 ? 1 : 0));
}

export function addrScope(a: Ipv6Address): number {
  if (isMulticast(a)) return a[1]! & 0x0f;
  if (isLoopback(a)) return SCOPE.NODE;
  if (a[0] === 0xfe && (a[1]! & 0xc0) === 0x80) return SCOPE.LINK;
  if (a[0] === 0xfe && (a[1]! & 0xc0) === 0xc0) return SCOPE.SITE;
  return SCOPE.GLOBAL;
}

/** fe80::/64 with the modified EUI-64 interface identifier (addrconf_ifid_eui48: U/L bit flipped, ff:fe inserted). */
export function linkLocalFromMac(mac: Uint8Array): Ipv6Address {
  const a = new Uint8Array(16);
  a[0] = 0xfe;
  a[1] = 0x80;
  a[8] = mac[0]! ^ 0x02;
  a[9] = mac[1]!;
  a[10] = mac[2]!;
  a[11] = 0xff;
  a[12] = 0xfe;
  a[13] = mac[3]!;
  a[14] = mac[4]!;
  a[15] = mac[5]!;
  return a;
}

/** ff02::1:ffXX:XXXX (addrconf_addr_solicit_mult). */
export function solicitedNode(addr: Ipv6Address): Ipv6Address {
  const a = new Uint8Array(16);
  a[0] = 0xff;
  a[1] = 0x02;
  a[11] = 0x01;
  a[12] = 0xff;
  a[13] = addr[13]!;
  a[14] = addr[14]!;
  a[15] = addr[15]!;
  return a;
}

function addRoute(host: Host, r: Parameters<Host['fib']['replace']>[0]): void {
  host.fib.replace(r);
}

/** The address's routes: the local route (local table) and the prefix route (main table, metric 256, proto kernel). */
function addrRoutes(host: Host, a: InetAddr, withLocal: boolean): void {
  if (withLocal)
    addRoute(host, { type: 'local', dst: a.addr, prefixLen: 128, table: RT_TABLE_LOCAL, metric: 0, dev: a.dev, protocol: 'kernel' });
  addRoute(host, {
    type: 'unicast',
    dst: a.addr,
    prefixLen: a.prefixLen,
    table: RT_TABLE_MAIN,
    metric: METRIC_ADDRCONF,
    dev: a.dev,
    protocol: 'kernel',
  });
}

/**
 * `ip addr add ADDR/LEN dev DEV [nodad]`. On a running device the prefix route appears at once and
 * the local route when DAD is over (or at once without DAD).
 */
export function addAddress(host: Host, devName: string, addr: Ipv6Address, prefixLen: number, opts: { nodad?: boolean } = {}): InetAddr {
  const dev = host.device(devName);
  if (prefixLen < 0 || prefixLen > 128) throw new ConfigError('EINVAL');
  if (host.hasAddress(addr, { dev: devName, includeTentative: true })) throw new ConfigError('EEXIST');
  const a: InetAddr = { addr: addr.slice(), prefixLen, dev: devName, tentative: false, nodad: !!opts.nodad, dadProbesLeft: 0 };
  // addrconf_add_dev -> ipv6_find_idev: on an up device every group is reported again (ipv6_mc_up).
  if (dev.adminUp && !dev.conf.disable_ipv6) mcUp(host, dev);
  host.addrs.push(a);
  if (dev.running && !dev.conf.disable_ipv6) addrUp(host, dev, a);
  return a;
}

/** `ip addr del`: the address, its local route, and its prefix route when no other address keeps it. */
export function deleteAddress(host: Host, devName: string, addr: Ipv6Address, prefixLen: number): void {
  const a = host.hasAddress(addr, { dev: devName, includeTentative: true });
  if (!a || a.prefixLen !== prefixLen) throw new ConfigError('EADDRNOTAVAIL');
  removeAddr(host, a);
}

function removeAddr(host: Host, a: InetAddr): void {
  const i = host.addrs.indexOf(a);
  if (i >= 0) host.addrs.splice(i, 1);
  if (a.dadTimer !== undefined) host.world.clock.cancel(a.dadTimer);
  tryDelete(host, { dst: a.addr, prefixLen: 128, table: RT_TABLE_LOCAL, dev: a.dev, type: 'local' });
  const sameDev = host.addrs.some((o) => o.dev === a.dev && o.prefixLen === a.prefixLen && prefixMatches(o.addr, o.prefixLen, a.addr));
  if (!sameDev) tryDelete(host, { dst: a.addr, prefixLen: a.prefixLen, table: RT_TABLE_MAIN, dev: a.dev, metric: METRIC_ADDRCONF });
  // __ipv6_ifa_notify(RTM_DELADDR): the anycast address (on a forwarding device), then the solicited-node group.
  const dev = host.devices.get(a.dev);
  if (dev && a.joined) {
    if (a.joined.anycast) anycastDec(host, dev, subnetAnycast(a), solicitedNode(subnetAnycast(a)));
    if (a.joined.solicited) mcDec(host, dev, solicitedNode(a.addr));
  }
  a.joined = undefined;
}

/** The subnet-router anycast address of an address's prefix (addrconf_join_anycast); :: is none. */
function subnetAnycast(a: InetAddr): Ipv6Address {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const bits = Math.max(0, Math.min(8, a.prefixLen - 8 * i));
    out[i] = a.addr[i]! & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

/** addrconf_join_anycast / addrconf_leave_anycast for one usable address. */
function anycastMembership(host: Host, dev: NetDevice, a: InetAddr, join: boolean): void {
  const any = subnetAnycast(a);
  // On lo the anycast address exists without a solicited-node group (addrconf_join_solict skips IFF_LOOPBACK).
  if (dev.kind === 'loopback' || isUnspecified(any) || !a.joined || a.joined.anycast === join) return;
  a.joined.anycast = join;
  (join ? anycastInc : anycastDec)(host, dev, any, solicitedNode(any));
}

/** dev_forward_change: the routers' groups, and each usable address's subnet-router anycast address. */
export function addrconfForwardChange(host: Host, dev: NetDevice): void {
  const on = dev.conf.forwarding > 0;
  mcForwardChange(host, dev, on, (join) => {
    for (const a of host.addrs) if (a.dev === dev.name && !a.tentative) anycastMembership(host, dev, a, join);
  });
}

function tryDelete(host: Host, m: Parameters<Host['fib']['delete']>[0]): void {
  try {
    host.fib.delete(m);
  } catch {
    // Already gone with its device: nothing to do.
  }
}

function dadEnabled(host: Host, dev: NetDevice, a: InetAddr): boolean {
  // addrconf_dad_begin: DAD runs unless nodad, loopback, or both all.accept_dad and IF.accept_dad are 0.
  if (a.nodad || dev.kind === 'loopback' || dev.conf.dad_transmits <= 0) return false;
  return host.conf.all.accept_dad > 0 || dev.conf.accept_dad > 0;
}

function addrUp(host: Host, dev: NetDevice, a: InetAddr): void {
  // addrconf_dad_begin -> addrconf_join_solict (not on lo). A device whose carrier comes back
  // brings its addresses up again: they still hold their groups.
  const fresh = !a.joined;
  if (fresh) {
    a.joined = { solicited: dev.kind !== 'loopback', anycast: false };
    if (a.joined.solicited) mcInc(host, dev, solicitedNode(a.addr));
  }
  if (!dadEnabled(host, dev, a)) {
    a.tentative = false;
    addrRoutes(host, a, true);
    dadCompleted(host, dev, a, fresh);
    return;
  }
  a.tentative = true;
  a.dadProbesLeft = dev.conf.dad_transmits;
  addrRoutes(host, a, false);
  // addrconf_dad_kick: the first probe after a random delay below rtr_solicit_delay.
  const delay = host.random.fork(`dad:${dev.name}:${toHex(a.addr)}`).below(RTR_SOLICIT_DELAY_US);
  a.dadTimer = host.world.clock.schedule(delay, () => dadTimer(host, dev, a));
}

/** addrconf_dad_work: one NS from :: per dad_transmits, then one retrans time of silence, then the address is ours. */
function dadTimer(host: Host, dev: NetDevice, a: InetAddr): void {
  if (!host.addrs.includes(a) || !a.tentative) return;
  if (a.dadProbesLeft === 0) {
    a.tentative = false;
    a.dadTimer = undefined;
    addRoute(host, { type: 'local', dst: a.addr, prefixLen: 128, table: RT_TABLE_LOCAL, metric: 0, dev: a.dev, protocol: 'kernel' });
    dadCompleted(host, dev, a, true);
    return;
  }
  a.dadProbesLeft--;
  // addrconf_dad_work: enhanced_dad (default 1) puts a random non-zero 6-byte nonce in each probe.
  const random = host.random.fork(`dad-nonce:${dev.name}:${toHex(a.addr)}:${a.dadProbesLeft}`);
  let nonce = random.bytes(6);
  while (nonce.every((b) => b === 0)) nonce = random.bytes(6);
  sendNs(host, dev, a.addr, solicitedNode(a.addr), new Uint8Array(16), undefined, nonce);
  a.dadTimer = host.world.clock.schedule(RETRANS_TIME_US, () => dadTimer(host, dev, a));
}

/** rtr_solicit_interval (4 s) and rtr_solicit_max_interval (3600 s). */
export const RTR_SOLICIT_INTERVAL_US = 4_000_000;
export const RTR_SOLICIT_MAX_INTERVAL_US = 3_600_000_000;

/** ipv6_accept_ra: a forwarding interface accepts RAs only with accept_ra = 2. */
export function acceptRa(dev: NetDevice): boolean {
  return dev.conf.forwarding ? dev.conf.accept_ra === 2 : dev.conf.accept_ra > 0;
}

/**
 * addrconf_dad_completed: when a link-local address becomes usable and the interface accepts RAs
 * and router_solicitations is not 0, an RS goes to ff02::2 at once, then again after
 * rtr_solicit_interval with RFC 3315 section 14 backoff (doubling, +-10 %, capped at the max
 * interval) while router_solicitations allows (-1: forever). No RA ever stops them here: RAs are
 * not processed by the model.
 */
function dadCompleted(host: Host, dev: NetDevice, a: InetAddr, fresh: boolean): void {
  // __ipv6_ifa_notify(RTM_NEWADDR): a forwarding device answers its prefix's subnet-router anycast address.
  if (dev.conf.forwarding) anycastMembership(host, dev, a, true);
  if (dev.kind === 'loopback' || addrScope(a.addr) !== SCOPE.LINK) return;
  // ipv6_mc_dad_complete, for the device's only usable link-local address (ipv6_lonely_lladdr).
  const lonely = !host.addrs.some((o) => o !== a && o.dev === a.dev && !o.tentative && addrScope(o.addr) === SCOPE.LINK);
  if (fresh && lonely) mldDadComplete(host, dev);
  if (!acceptRa(dev) || dev.conf.router_solicitations === 0) return;
  const random = host.random.fork(`rs:${dev.name}`);
  const jitter = (rt: number) => rt + Math.round(((random.below(2001) - 1000) / 10000) * rt);
  let sent = 0;
  let interval = jitter(RTR_SOLICIT_INTERVAL_US);
  const send = () => {
    if (!host.addrs.includes(a) || !dev.running || dev.conf.router_solicitations === 0) return;
    sendRs(host, dev, a.addr);
    sent++;
    if (dev.conf.router_solicitations >= 0 && sent >= dev.conf.router_solicitations) return;
    host.world.clock.schedule(interval, send);
    interval = Math.min(RTR_SOLICIT_MAX_INTERVAL_US, jitter(2 * interval));
  };
  send();
}

/** DAD failed (another node answered or probed for the same address): the kernel marks it dadfailed; we remove it. */
export function dadFailed(host: Host, a: InetAddr): void {
  host.count('dad_failed');
  removeAddr(host, a);
}

/**
 * NETDEV_UP with carrier (addrconf_notify -> addrconf_dev_config / init_loopback): ::1 on lo; on
 * other devices the all-nodes group, the fe80::/64 route, the link-local address, the ff00::/8
 * route of the local table, and the routes of addresses configured while the device was down.
 */
export function addrconfDeviceUp(host: Host, dev: NetDevice): void {
  if (dev.conf.disable_ipv6) return;
  if (dev.kind === 'loopback') {
    if (!host.hasAddress(LOOPBACK, { dev: dev.name, includeTentative: true })) {
      host.addrs.push({ addr: LOOPBACK.slice(), prefixLen: 128, dev: dev.name, tentative: false, nodad: true, dadProbesLeft: 0 });
    }
    for (const a of host.addrs) if (a.dev === dev.name) addrUp(host, dev, a);
    return;
  }
  // addrconf_dev_config -> addrconf_add_dev -> ipv6_find_idev: the groups are reported again.
  mcUp(host, dev);
  addRoute(host, {
    type: 'multicast',
    dst: MULTICAST_PREFIX,
    prefixLen: 8,
    table: RT_TABLE_LOCAL,
    metric: METRIC_ADDRCONF,
    dev: dev.name,
    protocol: 'kernel',
  });
  addRoute(host, {
    type: 'unicast',
    dst: LINK_LOCAL_PREFIX,
    prefixLen: 64,
    table: RT_TABLE_MAIN,
    metric: METRIC_ADDRCONF,
    dev: dev.name,
    protocol: 'kernel',
  });
  const ll = linkLocalFromMac(dev.mac);
  const existing = host.addrs.filter((a) => a.dev === dev.name);
  if (!existing.some((a) => addrScope(a.addr) === SCOPE.LINK && a.addr.every((b, i) => b === ll[i]))) {
    host.addrs.push({ addr: ll, prefixLen: 64, dev: dev.name, tentative: false, nodad: false, dadProbesLeft: 0 });
  }
  for (const a of host.addrs) if (a.dev === dev.name) addrUp(host, dev, a);
}

/**
 * NETDEV_DOWN (admin down): with keep_addr_on_down 0 every address of the device goes, with its
 * routes and neighbours. Carrier loss alone (`carrierOnly`) keeps addresses and only flushes neighbours.
 */
export function addrconfDeviceDown(host: Host, dev: NetDevice, carrierOnly = false): void {
  host.neigh.get(dev.name)?.flush();
  if (carrierOnly) return;
  for (const a of host.addrs.filter((x) => x.dev === dev.name)) removeAddr(host, a);
  if (dev.kind !== 'loopback') host.fib.deleteDevice(dev.name);
  mcDown(host, dev);
}

function commonPrefixLen(a: Ipv6Address, b: Ipv6Address): number {
  let n = 0;
  for (let i = 0; i < 16; i++) {
    const x = a[i]! ^ b[i]!;
    if (x === 0) {
      n += 8;
      continue;
    }
    return n + Math.clz32(x) - 24;
  }
  return n;
}

/**
 * ipv6_dev_get_saddr: among usable addresses, rule 1 (the destination itself), rule 2 (the
 * smallest scope not below the destination's), rule 5 (on the outgoing interface), rule 8 (the
 * longest common prefix, counted no further than the address's own prefix length). Link-scoped
 * destinations only look at the outgoing device. Candidates are scored device by device (ifindex
 * order) in each device's list order, newest first, and only a strictly better score replaces the
 * best so far: of two addresses in the same /64, the one added last wins.
 */
export function selectSourceAddress(host: Host, dst: Ipv6Address, outDev?: string): Ipv6Address | undefined {
  const dstScope = addrScope(dst);
  let cands = host.addrs.map((a, i) => ({ a, i })).filter((x) => !x.a.tentative);
  if (dstScope <= SCOPE.LINK && outDev !== undefined && outDev !== 'lo') cands = cands.filter((x) => x.a.dev === outDev);
  else if (!isLoopback(dst)) cands = cands.filter((x) => !isLoopback(x.a.addr));
  const ifindex = (dev: string) => host.devices.get(dev)?.ifindex ?? Number.MAX_SAFE_INTEGER;
  cands.sort((x, y) => ifindex(x.a.dev) - ifindex(y.a.dev) || addrScope(y.a.addr) - addrScope(x.a.addr) || y.i - x.i);
  let best: InetAddr | undefined;
  let bestKey: number[] = [];
  for (const { a } of cands) {
    const scope = addrScope(a.addr);
    const same = a.addr.every((b, i) => b === dst[i]) ? 1 : 0;
    // Rule 2: if scope < dst scope, worse; else smaller scope better.
    const scopeKey = scope < dstScope ? -100 + scope : -scope;
    const key = [same, scopeKey, a.dev === outDev ? 1 : 0, Math.min(commonPrefixLen(a.addr, dst), a.prefixLen)];
    if (!best || compareKeys(key, bestKey) > 0) {
      best = a;
      bestKey = key;
    }
  }
  return best?.addr.slice();
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
