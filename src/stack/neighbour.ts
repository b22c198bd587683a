/** The neighbour cache of one interface: states, timers, the queue of packets waiting for resolution (kernel: net/core/neighbour.c, net/ipv6/ndisc.c nd_tbl parameters). */

import { toHex } from '../wire/hex.js';
import { readIpv6 } from '../wire/ipv6.js';
import type { Ipv6Address } from '../wire/ipv6-address.js';
import { formatIpv6Address } from '../wire/ipv6-address.js';
import { isMulticast, solicitedNode } from './addrconf.js';
import type { TimerId } from './clock.js';
import type { Host } from './host.js';
import { icmpv6SendError } from './icmp6.js';
import { devXmit } from './ip6-output.js';
import { sendNs } from './ndisc.js';
import type { NetDevice } from './netdev.js';
import type { Skb } from './types.js';

export type NudState = 'NONE' | 'INCOMPLETE' | 'REACHABLE' | 'STALE' | 'DELAY' | 'PROBE' | 'FAILED' | 'NOARP' | 'PERMANENT';

/** nd_tbl defaults (ndisc.c): times in microseconds. */
export const ND_PARMS = {
  baseReachableUs: 30_000_000,
  retransUs: 1_000_000,
  delayProbeUs: 5_000_000,
  mcastProbes: 3,
  ucastProbes: 3,
  appProbes: 0,
  mcastReprobes: 0,
  /** unres_qlen_bytes (SK_WMEM_MAX). */
  queueLenBytes: 212_992,
  gcStaleUs: 60_000_000,
} as const;

/** What each queued skb costs against unres_qlen_bytes: its length plus skb overhead (truesize, approximated). */
const SKB_OVERHEAD = 768;

export interface Neighbour {
  readonly addr: Ipv6Address;
  state: NudState;
  lladdr?: Uint8Array;
  isRouter: boolean;
  probes: number;
  confirmedUs: number;
  updatedUs: number;
  usedUs: number;
  timer?: TimerId;
  readonly queue: Skb[];
  queueBytes: number;
}

export class NeighTable {
  readonly entries = new Map<string, Neighbour>();
  /**
   * parms->reachable_time: one random value in [base/2, 3*base/2) for the interface
   * (neigh_rand_reach_time). The kernel re-draws it every 300 s; the model keeps the first draw.
   */
  readonly reachableUs: number;

  constructor(
    readonly host: Host,
    readonly dev: NetDevice,
  ) {
    const base = ND_PARMS.baseReachableUs;
    this.reachableUs = base / 2 + host.random.fork(`reachable:${dev.name}`).below(base);
  }

  get(addr: Ipv6Address): Neighbour | undefined {
    return this.entries.get(toHex(addr));
  }

  create(addr: Ipv6Address): Neighbour {
    const n: Neighbour = {
      addr: addr.slice(),
      state: 'NONE',
      isRouter: false,
      probes: 0,
      // Long ago: a new entry is not confirmed (neigh_alloc backdates `confirmed` by twice base_reachable_time).
      confirmedUs: this.host.world.clock.nowUs - 2 * ND_PARMS.baseReachableUs,
      updatedUs: this.host.world.clock.nowUs,
      usedUs: 0,
      queue: [],
      queueBytes: 0,
    };
    this.entries.set(toHex(addr), n);
    return n;
  }

  setTimer(n: Neighbour, delayUs: number): void {
    if (n.timer !== undefined) this.host.world.clock.cancel(n.timer);
    n.timer = this.host.world.clock.schedule(delayUs, () => {
      n.timer = undefined;
      neighTimer(this, n);
    });
  }

  /** Cancels every timer and drops queued packets (the device went away). */
  flush(): void {
    for (const n of this.entries.values()) {
      if (n.timer !== undefined) this.host.world.clock.cancel(n.timer);
      for (const skb of n.queue) this.host.drop(skb, 'NEIGH_DEAD', 'neighbour flushed (device down)');
    }
    this.entries.clear();
  }
}

export function neighTable(host: Host, dev: NetDevice): NeighTable {
  let t = host.neigh.get(dev.name);
  if (!t) {
    t = new NeighTable(host, dev);
    host.neigh.set(dev.name, t);
  }
  return t;
}

/**
 * neigh_output for one packet: send at once when the link-layer address is known, else queue it
 * and start resolution (__neigh_event_send). A STALE entry in use goes to DELAY.
 */
export function neighOutput(host: Host, dev: NetDevice, nexthop: Ipv6Address, skb: Skb): void {
  if (dev.kind === 'loopback') {
    devXmit(host, dev, skb, new Uint8Array(6));
    return;
  }
  const dst = readIpv6(skb.bytes).dst;
  if (isMulticast(dst)) {
    devXmit(host, dev, skb, Uint8Array.of(0x33, 0x33, dst[12]!, dst[13]!, dst[14]!, dst[15]!));
    return;
  }
  const table = neighTable(host, dev);
  const now = host.world.clock.nowUs;
  const n = table.get(nexthop) ?? table.create(nexthop);
  n.usedUs = now;
  switch (n.state) {
    case 'REACHABLE':
    case 'DELAY':
    case 'PROBE':
    case 'PERMANENT':
      devXmit(host, dev, skb, n.lladdr!);
      return;
    case 'STALE':
      n.state = 'DELAY';
      n.updatedUs = now;
      host.trace(skb.id, { kind: 'nd', detail: `neigh ${formatIpv6Address(n.addr)} STALE -> DELAY` });
      table.setTimer(n, ND_PARMS.delayProbeUs);
      devXmit(host, dev, skb, n.lladdr!);
      return;
    case 'NONE':
    case 'FAILED':
      n.state = 'INCOMPLETE';
      n.probes = ND_PARMS.ucastProbes;
      n.updatedUs = now;
      enqueue(host, n, skb);
      host.trace(skb.id, { kind: 'nd', detail: `neigh ${formatIpv6Address(n.addr)} -> INCOMPLETE, solicit` });
      table.setTimer(n, Math.max(ND_PARMS.retransUs, 10_000));
      probe(table, n);
      return;
    case 'INCOMPLETE':
      enqueue(host, n, skb);
      return;
    case 'NOARP':
      devXmit(host, dev, skb, new Uint8Array(6));
      return;
  }
}

function enqueue(host: Host, n: Neighbour, skb: Skb): void {
  const size = skb.bytes.length + SKB_OVERHEAD;
  while (n.queue.length > 0 && n.queueBytes + size > ND_PARMS.queueLenBytes) {
    const old = n.queue.shift()!;
    n.queueBytes -= old.bytes.length + SKB_OVERHEAD;
    host.drop(old, 'NEIGH_QUEUEFULL', 'neighbour queue full (unres_qlen_bytes)');
  }
  n.queue.push(skb);
  n.queueBytes += size;
  host.trace(skb.id, { kind: 'queued', detail: `waiting for neigh ${formatIpv6Address(n.addr)}` });
}

/** neigh_max_probes. */
function maxProbes(n: Neighbour): number {
  return ND_PARMS.ucastProbes + ND_PARMS.appProbes + (n.state === 'PROBE' ? ND_PARMS.mcastReprobes : ND_PARMS.mcastProbes);
}

/**
 * neigh_probe -> ndisc_solicit: the source is the newest queued packet's source when that is our
 * address (else the link-local, chosen in sendNs); unicast to the cached address while probes are
 * below ucast_solicit, else to the solicited-node group.
 */
function probe(table: NeighTable, n: Neighbour): void {
  const { host, dev } = table;
  const last = n.queue[n.queue.length - 1];
  let saddr: Ipv6Address | undefined;
  if (last) {
    const src = readIpv6(last.bytes).src;
    const a = host.hasAddress(src);
    if (a && (a.dev === dev.name || (src[0] !== 0xfe && src[0] !== 0xff))) saddr = src;
  }
  const probesBefore = n.probes;
  n.probes++;
  if (probesBefore < ND_PARMS.ucastProbes && n.lladdr) sendNs(host, dev, n.addr, n.addr, saddr, n.lladdr);
  else sendNs(host, dev, n.addr, solicitedNode(n.addr), saddr);
}

/** neigh_timer_handler. */
function neighTimer(table: NeighTable, n: Neighbour): void {
  const { host } = table;
  const now = host.world.clock.nowUs;
  switch (n.state) {
    case 'REACHABLE':
      if (now < n.confirmedUs + table.reachableUs) {
        table.setTimer(n, n.confirmedUs + table.reachableUs - now);
        return;
      }
      if (now - n.usedUs <= ND_PARMS.delayProbeUs) {
        n.state = 'DELAY';
        table.setTimer(n, ND_PARMS.delayProbeUs);
      } else {
        n.state = 'STALE';
      }
      n.updatedUs = now;
      return;
    case 'DELAY':
      if (now <= n.confirmedUs + ND_PARMS.delayProbeUs) {
        n.state = 'REACHABLE';
        n.updatedUs = now;
        table.setTimer(n, n.confirmedUs + table.reachableUs - now);
        return;
      }
      n.state = 'PROBE';
      n.updatedUs = now;
      n.probes = 0;
      table.setTimer(n, ND_PARMS.retransUs);
      probe(table, n);
      return;
    case 'INCOMPLETE':
    case 'PROBE':
      if (n.probes >= maxProbes(n)) {
        invalidate(table, n);
        return;
      }
      table.setTimer(n, ND_PARMS.retransUs);
      probe(table, n);
      return;
    default:
      return;
  }
}

/**
 * neigh_invalidate: FAILED; each queued packet is reported (ndisc_error_report -> ip6_link_failure
 * -> ICMPv6 address unreachable to its source, even when that source is this host) and freed.
 */
function invalidate(table: NeighTable, n: Neighbour): void {
  const { host } = table;
  n.state = 'FAILED';
  n.updatedUs = host.world.clock.nowUs;
  host.count('res_failed');
  const queued = n.queue.splice(0);
  n.queueBytes = 0;
  for (const skb of queued) {
    host.trace(skb.id, { kind: 'nd', detail: `neigh ${formatIpv6Address(n.addr)} FAILED after ${n.probes} probes` });
    icmpv6SendError(host, skb, 1, 3, 0);
    host.drop(skb, 'NEIGH_FAILED', 'neighbour resolution failed');
  }
}

/**
 * neigh_update from a received NA (or NS source option): `solicited` confirms reachability,
 * `override` lets a different link-layer address replace the cached one.
 */
export function neighUpdateFromNa(
  host: Host,
  dev: NetDevice,
  target: Ipv6Address,
  lladdr: Uint8Array | undefined,
  flags: { solicited: boolean; override: boolean; router: boolean },
): void {
  const table = neighTable(host, dev);
  const n = table.get(target);
  if (!n || n.state === 'NONE' || n.state === 'FAILED') return;
  const now = host.world.clock.nowUs;
  if (n.state === 'INCOMPLETE') {
    if (!lladdr) return;
    n.lladdr = lladdr.slice();
    n.isRouter = flags.router;
    setState(table, n, flags.solicited ? 'REACHABLE' : 'STALE', now);
    flushQueue(host, dev, n);
    return;
  }
  const differs = !!lladdr && !!n.lladdr && toHex(lladdr) !== toHex(n.lladdr);
  n.isRouter = flags.router;
  if (differs && !flags.override) {
    // A solicited NA naming another address without O: keep ours, but it is no longer confirmed.
    if (n.state === 'REACHABLE') setState(table, n, 'STALE', now);
    return;
  }
  if (differs) n.lladdr = lladdr!.slice();
  if (flags.solicited) setState(table, n, 'REACHABLE', now);
  else if (differs) setState(table, n, 'STALE', now);
}

/** neigh_event_ns: an NS with a source link-layer option creates or refreshes the sender as STALE. */
export function neighEventNs(host: Host, dev: NetDevice, src: Ipv6Address, lladdr: Uint8Array): void {
  const table = neighTable(host, dev);
  const now = host.world.clock.nowUs;
  const n = table.get(src) ?? table.create(src);
  const same = !!n.lladdr && toHex(n.lladdr) === toHex(lladdr);
  if (n.state === 'INCOMPLETE' || n.state === 'NONE' || n.state === 'FAILED') {
    n.lladdr = lladdr.slice();
    setState(table, n, 'STALE', now);
    flushQueue(host, dev, n);
    return;
  }
  if (!same) {
    n.lladdr = lladdr.slice();
    setState(table, n, 'STALE', now);
  }
}

/**
 * `ip neigh add|replace|change` (neigh_add, neigh_update with NEIGH_UPDATE_F_ADMIN): the entry
 * takes the given state and link-layer address at once, and what waited for it is sent.
 * `mode` says what may already exist: add refuses an existing entry, change a missing one.
 */
export function neighAdminUpdate(
  host: Host,
  dev: NetDevice,
  addr: Ipv6Address,
  lladdr: Uint8Array | undefined,
  state: 'PERMANENT' | 'REACHABLE' | 'STALE' | 'NOARP' | 'DELAY' | 'PROBE' | 'FAILED' | 'INCOMPLETE' | 'NONE',
  mode: 'add' | 'replace' | 'change',
): 'EEXIST' | 'ENOENT' | undefined {
  const table = neighTable(host, dev);
  const old = table.get(addr);
  if (old && mode === 'add') return 'EEXIST';
  if (!old && mode === 'change') return 'ENOENT';
  const n = old ?? table.create(addr);
  if (lladdr) n.lladdr = lladdr.slice();
  setState(table, n, state, host.world.clock.nowUs);
  if (n.lladdr && (state === 'PERMANENT' || state === 'REACHABLE' || state === 'STALE' || state === 'NOARP')) flushQueue(host, dev, n);
  return undefined;
}

/** `ip neigh del ADDR dev DEV`: the entry goes (packets queued on it are dropped). */
export function neighAdminDelete(host: Host, dev: NetDevice, addr: Ipv6Address): 'ENOENT' | undefined {
  const table = neighTable(host, dev);
  const n = table.get(addr);
  if (!n || n.state === 'NONE') return 'ENOENT';
  if (n.timer !== undefined) host.world.clock.cancel(n.timer);
  for (const skb of n.queue.splice(0)) host.drop(skb, 'NEIGH_DEAD', 'neighbour deleted');
  table.entries.delete(toHex(addr));
  return undefined;
}

function setState(table: NeighTable, n: Neighbour, state: NudState, now: number): void {
  n.state = state;
  n.updatedUs = now;
  if (state === 'REACHABLE') {
    n.confirmedUs = now;
    table.setTimer(n, table.reachableUs);
  } else if (n.timer !== undefined) {
    table.host.world.clock.cancel(n.timer);
    n.timer = undefined;
  }
}

/** Sends what waited for resolution; through neigh_resolve_output, so a STALE entry starts DELAY. */
function flushQueue(host: Host, dev: NetDevice, n: Neighbour): void {
  const q = n.queue.splice(0);
  n.queueBytes = 0;
  if (q.length > 0 && n.state === 'STALE') {
    n.state = 'DELAY';
    neighTable(host, dev).setTimer(n, ND_PARMS.delayProbeUs);
  }
  for (const skb of q) devXmit(host, dev, skb, n.lladdr!);
}
