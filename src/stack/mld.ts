/**
 * Multicast group membership per device and the MLDv2 reports Linux sends for it (kernel:
 * net/ipv6/mcast.c __ipv6_dev_mc_inc/dec, igmp6_group_added/dropped, mld_ifc_work, mld_send_cr,
 * ipv6_mc_dad_complete, ipv6_mc_up/down; anycast.c for the subnet-router anycast's group).
 *
 * Only the kernel's own joins exist (solicited-node groups, all-nodes, the routers' groups), all
 * in EXCLUDE mode with no sources, so a report carries CHANGE_TO_EXCLUDE records for groups
 * joined and CHANGE_TO_INCLUDE records for groups left. Not modelled: sockets joining groups
 * (source filters, ALLOW/BLOCK records), queries and the answers to them, MLDv1 mode.
 */

import { emitOptionsHeader, OPT_PADN } from '../wire/ext-headers.js';
import { toHex } from '../wire/hex.js';
import { emitIcmpv6 } from '../wire/icmpv6.js';
import { IPV6_HEADER_LENGTH } from '../wire/ipv6.js';
import { formatIpv6Address, type Ipv6Address } from '../wire/ipv6-address.js';
import { MLD2, MLD2_GRECORD_MIN_LENGTH, type Mld2Record } from '../wire/mld.js';
import { IPPROTO } from '../wire/proto.js';
import type { TimerId } from './clock.js';
import type { Host } from './host.js';
import { ip6SendLocal } from './ip6-output.js';
import type { NetDevice } from './netdev.js';

/** One jiffy of the reference kernel (Debian's user-mode-linux 6.1: CONFIG_HZ=100). */
export const JIFFY_US = 10_000;
/** mldv2_unsolicited_report_interval's default, 1 s, in jiffies. */
const UNSOLICITED_REPORT_INTERVAL = 100;
/** sysctl_mld_qrv (MLD_QRV_DEFAULT): each change is reported this many times. */
const MLD_QRV = 2;
/** IPV6_TLV_ROUTERALERT and its value for MLD (RFC 2711). */
const OPT_ROUTER_ALERT = 5;
/** ff02::16, all MLDv2-capable routers: where reports go. */
export const MLD2_ALL_MCR: Ipv6Address = Uint8Array.of(0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x16);
/** The IPv6 header, the router-alert hop-by-hop header and the report's own 8 bytes. */
const REPORT_OVERHEAD = IPV6_HEADER_LENGTH + 8 + 8;

/** struct ifmcaddr6, as far as the kernel's own joins use it. */
interface McGroup {
  readonly addr: Ipv6Address;
  readonly key: string;
  users: number;
  /** MAF_NOREPORT: ff02::1 and groups of smaller than link scope are never reported. */
  readonly noReport: boolean;
  /** mca_crcount: how many more change reports carry this group's record. */
  crcount: number;
  /** MAF_LOADED: the group's link-layer address is in the device's filter (groups of link scope and wider, while joined and up). */
  loaded: boolean;
}

/** A left group still to be reported (the idev's mc_tomb). */
interface Tombstone {
  readonly addr: Ipv6Address;
  readonly key: string;
  crcount: number;
}

/** The multicast half of struct inet6_dev. */
export interface McDevice {
  /** mc_list: newest first, the order reports list their records in. */
  readonly list: McGroup[];
  /** mc_tomb: newest first. */
  readonly tomb: Tombstone[];
  ifcCount: number;
  ifcTimer?: TimerId;
  dadCount: number;
  dadTimer?: TimerId;
  /** Subnet-router anycast addresses and their users (ifacaddr6), by address hex. */
  readonly anycast: Map<string, { readonly addr: Ipv6Address; users: number }>;
  draws: number;
}

function mcDevice(host: Host, dev: string): McDevice {
  let m = host.mc.get(dev);
  if (!m) {
    m = { list: [], tomb: [], ifcCount: 0, dadCount: 0, anycast: new Map(), draws: 0 };
    host.mc.set(dev, m);
  }
  return m;
}

function mcScope(group: Ipv6Address): number {
  return group[1]! & 0x0f;
}

const ALL_NODES_KEY = 'ff020000000000000000000000000001';

const ALL_ROUTERS_GROUPS: readonly Ipv6Address[] = [
  Uint8Array.of(0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2),
  Uint8Array.of(0xff, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2),
  Uint8Array.of(0xff, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2),
];

/**
 * ipv6_add_dev, when a device is created: interface-local and link-local all-nodes, and all-routers
 * on a forwarding device that can multicast (not lo). The device is down: nothing is reported.
 */
export function mcDeviceInit(host: Host, dev: NetDevice): void {
  mcInc(host, dev, Uint8Array.of(0xff, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1));
  mcInc(host, dev, Uint8Array.of(0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1));
  if (dev.conf.forwarding && dev.kind !== 'loopback') mcInc(host, dev, ALL_ROUTERS_GROUPS[0]!);
}

/**
 * dev_forward_change: a device that starts forwarding joins ff02::2, ff01::2 and ff05::2 (lo
 * cannot multicast) and, for each usable address, its prefix's subnet-router anycast address; one
 * that stops leaves them.
 */
export function mcForwardChange(host: Host, dev: NetDevice, forwarding: boolean, anycast: (join: boolean) => void): void {
  if (dev.kind !== 'loopback') for (const g of ALL_ROUTERS_GROUPS) (forwarding ? mcInc : mcDec)(host, dev, g);
  anycast(forwarding);
}

export function isMember(host: Host, dev: string, group: Ipv6Address): boolean {
  const key = toHex(group);
  return host.mc.get(dev)?.list.some((g) => g.key === key) ?? false;
}

/** The groups joined on `dev`, newest first, with their user counts and flags (/proc/net/igmp6's order). */
export function deviceGroups(
  host: Host,
  dev: string,
): readonly { readonly addr: Ipv6Address; readonly users: number; readonly noReport: boolean; readonly loaded: boolean }[] {
  return host.mc.get(dev)?.list ?? [];
}

/** ipv6_dev_mc_inc: a new group goes to the head of the list and is reported if it may be. */
export function mcInc(host: Host, dev: NetDevice, group: Ipv6Address): void {
  const m = mcDevice(host, dev.name);
  const key = toHex(group);
  const g = m.list.find((x) => x.key === key);
  if (g) {
    g.users++;
    return;
  }
  const fresh: McGroup = {
    addr: group.slice(),
    key,
    users: 1,
    noReport: key === ALL_NODES_KEY || mcScope(group) < 2,
    crcount: 0,
    loaded: false,
  };
  m.list.unshift(fresh);
  delDelrec(m, fresh);
  groupAdded(host, dev, m, fresh);
}

/** ipv6_dev_mc_dec: the last user's leave removes the group and reports it. */
export function mcDec(host: Host, dev: NetDevice, group: Ipv6Address): void {
  const m = host.mc.get(dev.name);
  const key = toHex(group);
  const i = m?.list.findIndex((x) => x.key === key) ?? -1;
  if (!m || i < 0) return;
  const g = m.list[i]!;
  if (--g.users > 0) return;
  m.list.splice(i, 1);
  groupDropped(host, dev, m, g);
}

/** igmp6_group_added: on an up device a reportable group is reported qrv times (mld_ifc_event). */
function groupAdded(host: Host, dev: NetDevice, m: McDevice, g: McGroup): void {
  if (mcScope(g.addr) < 2) return;
  g.loaded = true;
  if (!dev.adminUp || g.noReport) return;
  g.crcount = MLD_QRV;
  ifcEvent(host, dev, m);
}

/** igmp6_group_dropped -> igmp6_leave_group: the group's leave is reported from the tomb. */
function groupDropped(host: Host, dev: NetDevice, m: McDevice, g: McGroup): void {
  if (mcScope(g.addr) < 2) return;
  g.loaded = false;
  if (g.noReport) return;
  m.tomb.unshift({ addr: g.addr, key: g.key, crcount: MLD_QRV });
  ifcEvent(host, dev, m);
}

/** mld_del_delrec: a group joined again is no longer reported as left. */
function delDelrec(m: McDevice, g: McGroup): void {
  const i = m.tomb.findIndex((t) => t.key === g.key);
  if (i < 0) return;
  m.tomb.splice(i, 1);
  g.crcount = MLD_QRV;
}

function ifcEvent(host: Host, dev: NetDevice, m: McDevice): void {
  m.ifcCount = MLD_QRV;
  startWork(host, dev, m, 'ifc', 1);
}

/**
 * mld_ifc_start_work / mld_dad_start_work: mod_delayed_work re-arms a pending report, to a random
 * number of jiffies below `delay`, plus two.
 */
function startWork(host: Host, dev: NetDevice, m: McDevice, which: 'ifc' | 'dad', delay: number): void {
  const tv = delay > 1 ? host.random.fork(`mld:${dev.name}:${m.draws++}`).below(delay) : 0;
  const timer = which === 'ifc' ? m.ifcTimer : m.dadTimer;
  if (timer !== undefined) host.world.clock.cancel(timer);
  const id = host.world.clock.schedule((tv + 2) * JIFFY_US, () => (which === 'ifc' ? ifcWork(host, dev, m) : dadWork(host, dev, m)));
  if (which === 'ifc') m.ifcTimer = id;
  else m.dadTimer = id;
}

/** mld_ifc_work: a change report, then the next one while mc_ifc_count lasts. */
function ifcWork(host: Host, dev: NetDevice, m: McDevice): void {
  m.ifcTimer = undefined;
  sendChangeReport(host, dev, m);
  if (m.ifcCount > 0 && --m.ifcCount > 0) startWork(host, dev, m, 'ifc', UNSOLICITED_REPORT_INTERVAL);
}

/** mld_send_cr: TO_IN for groups left (from the tomb), TO_EX for groups joined, while their counts last. */
function sendChangeReport(host: Host, dev: NetDevice, m: McDevice): void {
  const records: Mld2Record[] = [];
  for (const t of [...m.tomb]) {
    if (t.crcount > 0) {
      records.push(record(MLD2.CHANGE_TO_INCLUDE, t.addr));
      t.crcount--;
    }
    if (t.crcount === 0) m.tomb.splice(m.tomb.indexOf(t), 1);
  }
  for (const g of m.list) {
    if (g.crcount === 0) continue;
    if (!g.noReport) records.push(record(MLD2.CHANGE_TO_EXCLUDE, g.addr));
    g.crcount--;
  }
  sendReports(host, dev, records);
}

/**
 * ipv6_mc_dad_complete: when the device's link-local address becomes usable, every reportable
 * group is reported at once (mld_send_initial_cr) and once more after a random delay, now from
 * that address rather than ::.
 */
export function mldDadComplete(host: Host, dev: NetDevice): void {
  const m = mcDevice(host, dev.name);
  m.dadCount = MLD_QRV;
  sendInitialReport(host, dev, m);
  if (--m.dadCount > 0) startWork(host, dev, m, 'dad', UNSOLICITED_REPORT_INTERVAL);
}

function dadWork(host: Host, dev: NetDevice, m: McDevice): void {
  m.dadTimer = undefined;
  sendInitialReport(host, dev, m);
  if (m.dadCount > 0 && --m.dadCount > 0) startWork(host, dev, m, 'dad', UNSOLICITED_REPORT_INTERVAL);
}

function sendInitialReport(host: Host, dev: NetDevice, m: McDevice): void {
  sendReports(
    host,
    dev,
    m.list.filter((g) => !g.noReport).map((g) => record(MLD2.CHANGE_TO_EXCLUDE, g.addr)),
  );
}

/**
 * ipv6_mc_up (through ipv6_find_idev, which every address added to an up device and every device
 * becoming ready passes): all groups are reported again as if just joined.
 */
export function mcUp(host: Host, dev: NetDevice): void {
  const m = mcDevice(host, dev.name);
  for (const g of m.list) {
    delDelrec(m, g);
    groupAdded(host, dev, m, g);
  }
}

/** ipv6_mc_down: every group's leave is put in the tomb, and the pending reports are cancelled. */
export function mcDown(host: Host, dev: NetDevice): void {
  const m = host.mc.get(dev.name);
  if (!m) return;
  for (const g of m.list) groupDropped(host, dev, m, g);
  m.ifcCount = 0;
  if (m.ifcTimer !== undefined) host.world.clock.cancel(m.ifcTimer);
  if (m.dadTimer !== undefined) host.world.clock.cancel(m.dadTimer);
  m.ifcTimer = undefined;
  m.dadTimer = undefined;
}

/** The device is gone (ipv6_mc_destroy_dev): its groups and pending reports with it, nothing sent. */
export function mcDestroy(host: Host, dev: string): void {
  const m = host.mc.get(dev);
  if (!m) return;
  if (m.ifcTimer !== undefined) host.world.clock.cancel(m.ifcTimer);
  if (m.dadTimer !== undefined) host.world.clock.cancel(m.dadTimer);
  host.mc.delete(dev);
}

/**
 * __ipv6_dev_ac_inc / __ipv6_dev_ac_dec for the subnet-router anycast address of an address's
 * prefix (addrconf_join_anycast): a new anycast address joins its solicited-node group.
 */
export function anycastInc(host: Host, dev: NetDevice, addr: Ipv6Address, solicited: Ipv6Address): void {
  const m = mcDevice(host, dev.name);
  const key = toHex(addr);
  const a = m.anycast.get(key);
  if (a) {
    a.users++;
    return;
  }
  m.anycast.set(key, { addr: addr.slice(), users: 1 });
  mcInc(host, dev, solicited);
}

export function anycastDec(host: Host, dev: NetDevice, addr: Ipv6Address, solicited: Ipv6Address): void {
  const m = host.mc.get(dev.name);
  const key = toHex(addr);
  const a = m?.anycast.get(key);
  if (!m || !a) return;
  if (--a.users > 0) return;
  m.anycast.delete(key);
  mcDec(host, dev, solicited);
}

function record(type: number, addr: Ipv6Address): Mld2Record {
  return { type, auxData: new Uint8Array(0), multicastAddress: addr, sources: [] };
}

/** add_grhead / mld_newpack: records fill a report up to the device MTU, the rest go in the next. */
function sendReports(host: Host, dev: NetDevice, records: readonly Mld2Record[]): void {
  if (records.length === 0 || dev.mtu < 1280) return;
  const perPacket = Math.floor((dev.mtu - REPORT_OVERHEAD) / MLD2_GRECORD_MIN_LENGTH);
  for (let i = 0; i < records.length; i += perPacket) sendReport(host, dev, records.slice(i, i + perPacket));
}

/**
 * mld_sendpack: from the device's link-local address, or :: while it has none that is not
 * tentative; hop limit 1 and a router alert; through icmp6_dst_alloc (xfrm_lookup) and OUTPUT.
 */
function sendReport(host: Host, dev: NetDevice, records: readonly Mld2Record[]): void {
  const ll = host.addrs.find((a) => a.dev === dev.name && !a.tentative && a.addr[0] === 0xfe && (a.addr[1]! & 0xc0) === 0x80);
  const src = ll?.addr ?? new Uint8Array(16);
  const hopByHop = emitOptionsHeader({
    nextHeader: IPPROTO.ICMPV6,
    options: [
      { type: OPT_ROUTER_ALERT, data: new Uint8Array(2) },
      { type: OPT_PADN, data: new Uint8Array(0) },
    ],
  });
  const groups = records.map((r) => `${formatIpv6Address(r.multicastAddress)} ${r.type === MLD2.CHANGE_TO_EXCLUDE ? 'to_ex' : 'to_in'}`);
  ip6SendLocal(host, {
    kernelInternal: true,
    mld: true,
    dst: MLD2_ALL_MCR,
    src,
    oif: dev.name,
    nexthop: MLD2_ALL_MCR,
    nextHeader: IPPROTO.ICMPV6,
    hopByHop,
    hopLimit: 1,
    flowLabel: 0,
    icmpType: 143,
    build: (s, d) => emitIcmpv6({ kind: 'mld2-report', records }, s, d),
    summary: `ICMP6 multicast listener report v2 [${groups.join('] [')}]`,
  });
}
