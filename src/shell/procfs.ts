/** The /proc and /sys files a scenario script reads or writes: net.ipv6.conf and net.core.xfrm_* sysctls, snmp6, xfrm_stat, if_inet6, igmp6, device statistics (kernel: net/ipv6/addrconf.c addrconf_sysctl, net/xfrm/xfrm_sysctl.c, kernel/sysctl.c proc_dointvec, proc_douintvec, net/ipv6/proc.c, net/ipv6/mcast.c, net/xfrm/xfrm_proc.c, net/core/net-sysfs.c). */

import { ERRNO_TEXT, type Errno } from '../errors.js';
import { addrScope, isLoopback, SCOPE } from '../stack/addrconf.js';
import type { DevConfKey, Host } from '../stack/host.js';
import { deviceGroups } from '../stack/mld.js';
import type { DeviceStats } from '../stack/netdev.js';
import { ICMP6_IN_COUNTER, ICMP6_OUT_COUNTER, SNMP6_IP } from '../stack/snmp6.js';
import type { World } from '../stack/world.js';
import { toHex } from '../wire/hex.js';
import type { XfrmSysctlName } from '../xfrm/namespace.js';
import type { XfrmStats } from '../xfrm/stats.js';
import { type CommandResult, failure, notModelled, result } from './command.js';

/** What a command or a file sees of the simulation: the world and the namespace it runs in. */
export interface StackContext {
  readonly world: World;
  readonly host: Host;
}

/** The namespace's xfrm MIB: the one place that knows where the host keeps it. */
export function xfrmStatsOf(host: Host): XfrmStats {
  return host.xfrm.stats;
}

// ---------------------------------------------------------------------------------------------
// net.ipv6.conf.{all,default,DEV}.*

/**
 * Every file of /proc/sys/net/ipv6/conf/IF/ in Linux 6.1 as the oracle lists it
 * (test/fixtures/shell/sysctl/sysctl-proc.txt, "ls-all"), in readdir order (the sysctl tree is
 * sorted by name).
 */
export const IPV6_DEVCONF_FILES = [
  'accept_dad',
  'accept_ra',
  'accept_ra_defrtr',
  'accept_ra_from_local',
  'accept_ra_min_hop_limit',
  'accept_ra_min_lft',
  'accept_ra_mtu',
  'accept_ra_pinfo',
  'accept_ra_rt_info_max_plen',
  'accept_ra_rt_info_min_plen',
  'accept_ra_rtr_pref',
  'accept_redirects',
  'accept_source_route',
  'accept_untracked_na',
  'addr_gen_mode',
  'autoconf',
  'dad_transmits',
  'disable_ipv6',
  'disable_policy',
  'drop_unicast_in_l2_multicast',
  'drop_unsolicited_na',
  'enhanced_dad',
  'force_mld_version',
  'force_tllao',
  'forwarding',
  'hop_limit',
  'ignore_routes_with_linkdown',
  'ioam6_enabled',
  'ioam6_id',
  'ioam6_id_wide',
  'keep_addr_on_down',
  'max_addresses',
  'max_desync_factor',
  'mldv1_unsolicited_report_interval',
  'mldv2_unsolicited_report_interval',
  'mtu',
  'ndisc_evict_nocarrier',
  'ndisc_notify',
  'ndisc_tclass',
  'proxy_ndp',
  'ra_defrtr_metric',
  'regen_max_retry',
  'router_probe_interval',
  'router_solicitation_delay',
  'router_solicitation_interval',
  'router_solicitation_max_interval',
  'router_solicitations',
  'rpl_seg_enabled',
  'seg6_enabled',
  'stable_secret',
  'suppress_frag_ndisc',
  'temp_prefered_lft',
  'temp_valid_lft',
  'use_oif_addrs_only',
  'use_tempaddr',
] as const;

const KERNEL_DEVCONF: ReadonlySet<string> = new Set(IPV6_DEVCONF_FILES);

/**
 * How the kernel parses a write to each key the model has: the range proc_dointvec_minmax
 * enforces, or `lenient` for addrconf_sysctl_forward, which overwrites proc_dointvec's error with
 * the fixup's result, so an unparsable write succeeds and re-applies the current value.
 */
const MODELLED_DEVCONF: Readonly<Record<DevConfKey, { readonly min?: number; readonly max?: number; readonly lenient?: true }>> = {
  forwarding: { lenient: true },
  accept_dad: {},
  hop_limit: { min: 1, max: 255 },
  router_solicitations: { min: -1 },
  accept_ra: {},
  disable_ipv6: {},
  dad_transmits: {},
  // addrconf_sysctl_mtu: IPV6_MIN_MTU up to INT_MAX for all and default (a device's is not modelled).
  mtu: { min: 1280 },
};

function isModelledDevConf(key: string): key is DevConfKey {
  return Object.hasOwn(MODELLED_DEVCONF, key);
}

/**
 * net.core's xfrm files (xfrm_table, per namespace) and their handlers: proc_dointvec for the
 * two ints, proc_douintvec for the two u32s.
 */
const XFRM_SYSCTLS: Readonly<Record<string, { readonly name: XfrmSysctlName; readonly unsigned: boolean }>> = {
  xfrm_aevent_etime: { name: 'aeventEtime', unsigned: true },
  xfrm_aevent_rseqth: { name: 'aeventRseqth', unsigned: true },
  xfrm_larval_drop: { name: 'larvalDrop', unsigned: false },
  xfrm_acq_expires: { name: 'acqExpires', unsigned: false },
};

const CORE_DIR = 'net/core/';

/** A sysctl file under /proc/sys as the model resolves it. */
export type SysctlFile =
  | { readonly kind: 'devconf'; readonly which: string; readonly key: DevConfKey }
  | { readonly kind: 'xfrm'; readonly name: XfrmSysctlName; readonly unsigned: boolean }
  /** Exists in Linux 6.1 but the model has no value for it. */
  | { readonly kind: 'unmodelled'; readonly what: string }
  | { readonly kind: 'missing' };

/** A file the model reads and writes. */
export type ModelledSysctl = SysctlFile & { readonly kind: 'devconf' | 'xfrm' };

export function isModelledSysctl(f: SysctlFile): f is ModelledSysctl {
  return f.kind === 'devconf' || f.kind === 'xfrm';
}

/** Trees under /proc/sys whose every file the model knows (anything else is not modelled, never "missing"). */
const DEVCONF_DIR = 'net/ipv6/conf/';

/** Resolves a path relative to /proc/sys (`net/ipv6/conf/all/forwarding`). */
export function resolveSysctl(rel: string, host: Host): SysctlFile {
  // Of net/core only the xfrm files are modelled; the others are refused as not modelled.
  const coreFile = rel.startsWith(CORE_DIR) ? rel.slice(CORE_DIR.length) : '';
  if (Object.hasOwn(XFRM_SYSCTLS, coreFile)) return { kind: 'xfrm', ...XFRM_SYSCTLS[coreFile]! };
  if (!rel.startsWith(DEVCONF_DIR)) return { kind: 'unmodelled', what: rel.replaceAll('/', '.') };
  const parts = rel.slice(DEVCONF_DIR.length).split('/');
  if (parts.length !== 2) return parts.length < 2 ? { kind: 'unmodelled', what: rel.replaceAll('/', '.') } : { kind: 'missing' };
  const [which, key] = parts as [string, string];
  if (which !== 'all' && which !== 'default' && !host.devices.has(which)) return { kind: 'missing' };
  // A device's own mtu (ipv6_add_dev copies dev->mtu) and lo's accept_dad (-1) are not what the
  // model's per-device conf holds (a copy of `default`), so they are not claimed.
  const own = which !== 'all' && which !== 'default';
  if (own && (key === 'mtu' || (key === 'accept_dad' && host.devices.get(which)?.kind === 'loopback')))
    return { kind: 'unmodelled', what: `net.ipv6.conf.${which}.${key}` };
  if (isModelledDevConf(key)) return { kind: 'devconf', which, key };
  if (KERNEL_DEVCONF.has(key)) return { kind: 'unmodelled', what: `net.ipv6.conf.${which}.${key}` };
  return { kind: 'missing' };
}

/** The text reading a sysctl file gives: the integer and a newline (proc_dointvec). */
export function readSysctl(f: ModelledSysctl, host: Host): string {
  if (f.kind === 'xfrm') return `${host.xfrm.sysctl[f.name]}\n`;
  return `${host.getSysctl(f.which, f.key)}\n`;
}

/**
 * proc_get_long as proc_dointvec calls it: optional blanks, an optional '-', then a number in C's
 * base 0 (0x hex, 0 octal), ended by a blank or the end; what follows the first number is ignored
 * (the retried write lands at a non-zero offset, which sysctl_writes_strict drops).
 */
export function parseProcInt(text: string): number | undefined {
  let s = text.replace(/^[ \t\n\v\f\r]+/, '');
  if (s.length === 0) return undefined;
  let neg = false;
  if (s[0] === '-' && s.length > 1) {
    neg = true;
    s = s.slice(1);
  }
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(s);
  if (!m) return undefined;
  const digits = m[1]!;
  // TMPBUFLEN is 22: a number that fills the buffer could run on past it, so the kernel refuses it.
  if (digits.length + (neg ? 1 : 0) >= 21) return undefined;
  const next = s[digits.length];
  if (next !== undefined && next !== ' ' && next !== '\t' && next !== '\n') return undefined;
  const radix = /^0[xX]/.test(digits) ? 16 : digits.length > 1 && digits[0] === '0' ? 8 : 10;
  const v = BigInt(radix === 16 ? digits : radix === 8 ? `0o${digits.slice(1)}` : digits);
  // do_proc_dointvec_conv: the magnitude must fit an int.
  if (neg ? v > 2n ** 31n : v > 2n ** 31n - 1n) return undefined;
  return Number(neg ? -v : v);
}

/**
 * proc_douintvec's parse: proc_get_long's syntax, then a '-' or a value above UINT_MAX is EINVAL
 * (do_proc_douintvec_conv).
 */
export function parseProcUint(text: string): number | undefined {
  const s = text.replace(/^[ \t\n\v\f\r]+/, '');
  if (s.startsWith('-')) return undefined;
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(s);
  if (!m) return undefined;
  const digits = m[1]!;
  if (digits.length >= 21) return undefined;
  const next = s[digits.length];
  if (next !== undefined && next !== ' ' && next !== '\t' && next !== '\n') return undefined;
  const v = BigInt(/^0[xX]/.test(digits) ? digits : digits.length > 1 && digits[0] === '0' ? `0o${digits.slice(1)}` : digits);
  return v > 0xffffffffn ? undefined : Number(v);
}

/**
 * What of a write the model cannot follow, if anything: turning IPv6 off or on for a device that
 * is up or has addresses (addrconf_disable_change takes the device down or up for IPv6, deleting
 * or configuring its addresses; the model only keeps the flag).
 */
export function unmodelledWrite(f: ModelledSysctl, text: string, host: Host): string | undefined {
  // Without larval_drop a packet waits on its policy for an SA (xdst_queue_output), which the model does not do.
  if (f.kind === 'xfrm') return f.name === 'larvalDrop' && parseProcInt(text) === 0 ? 'sysctl net.core.xfrm_larval_drop=0' : undefined;
  if (f.key !== 'disable_ipv6' || f.which === 'default') return undefined;
  const v = parseProcInt(text);
  if (v === undefined) return undefined;
  const devices = f.which === 'all' ? [...host.devices.values()] : [host.device(f.which)];
  const changes = devices.some((d) => !d.conf.disable_ipv6 !== !v && (d.adminUp || host.addrs.some((a) => a.dev === d.name)));
  return changes ? `sysctl net.ipv6.conf.${f.which}.disable_ipv6 on a device that is up or has addresses` : undefined;
}

/** Writes `text` to a sysctl file as the kernel handler would; the errno of a refused write. */
export function writeSysctl(f: ModelledSysctl, text: string, host: Host): Errno | undefined {
  if (f.kind === 'xfrm') {
    const v = f.unsigned ? parseProcUint(text) : parseProcInt(text);
    if (v === undefined) return 'EINVAL';
    host.xfrm.setSysctl(f.name, v);
    return undefined;
  }
  const rule = MODELLED_DEVCONF[f.key];
  const parsed = parseProcInt(text);
  if (parsed === undefined) {
    if (!rule.lenient) return 'EINVAL';
    // addrconf_fixup_forwarding with the unchanged value: writing `all` still rewrites default and every device.
    host.setSysctl(f.which, f.key, host.getSysctl(f.which, f.key));
    return undefined;
  }
  if ((rule.min !== undefined && parsed < rule.min) || (rule.max !== undefined && parsed > rule.max)) return 'EINVAL';
  host.setSysctl(f.which, f.key, parsed);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// /proc/net/snmp6

/**
 * /proc/net/snmp6's names in Linux 6.1 (oracle "cat-snmp6") that the model either raises or that
 * stay zero because what raises them is not modelled (UDP-Lite, MLD
 * queries, redirects, router advertisements sent, socket memory pressure). Counters the kernel
 * raises in ordinary traffic but the model does not keep (octets, Ip6InNoECTPkts,
 * Icmp6OutRateLimitHost) are left out, so a script grepping them finds nothing rather than a wrong 0.
 */
const SNMP6_LAYOUT: readonly (readonly [section: 'ip' | 'icmp' | 'udp' | 'udplite', names: readonly string[]])[] = [
  ['ip', [...SNMP6_IP, 'Ip6InBcastOctets', 'Ip6OutBcastOctets', 'Ip6InECT1Pkts', 'Ip6InECT0Pkts', 'Ip6InCEPkts']],
  [
    'icmp',
    [
      'Icmp6InMsgs',
      'Icmp6InErrors',
      'Icmp6OutMsgs',
      'Icmp6OutErrors',
      'Icmp6InCsumErrors',
      'Icmp6InDestUnreachs',
      'Icmp6InPktTooBigs',
      'Icmp6InTimeExcds',
      'Icmp6InParmProblems',
      'Icmp6InEchos',
      'Icmp6InEchoReplies',
      'Icmp6InGroupMembQueries',
      'Icmp6InGroupMembResponses',
      'Icmp6InGroupMembReductions',
      'Icmp6InRouterSolicits',
      'Icmp6InRouterAdvertisements',
      'Icmp6InNeighborSolicits',
      'Icmp6InNeighborAdvertisements',
      'Icmp6InRedirects',
      'Icmp6InMLDv2Reports',
      'Icmp6OutDestUnreachs',
      'Icmp6OutPktTooBigs',
      'Icmp6OutTimeExcds',
      'Icmp6OutParmProblems',
      'Icmp6OutEchos',
      'Icmp6OutEchoReplies',
      'Icmp6OutGroupMembQueries',
      'Icmp6OutGroupMembResponses',
      'Icmp6OutGroupMembReductions',
      'Icmp6OutRouterSolicits',
      'Icmp6OutRouterAdvertisements',
      'Icmp6OutNeighborSolicits',
      'Icmp6OutNeighborAdvertisements',
      'Icmp6OutRedirects',
      'Icmp6OutMLDv2Reports',
    ],
  ],
  [
    'udp',
    [
      'Udp6InDatagrams',
      'Udp6NoPorts',
      'Udp6InErrors',
      'Udp6OutDatagrams',
      'Udp6RcvbufErrors',
      'Udp6SndbufErrors',
      'Udp6InCsumErrors',
      'Udp6IgnoredMulti',
      'Udp6MemErrors',
    ],
  ],
  [
    'udplite',
    [
      'UdpLite6InDatagrams',
      'UdpLite6NoPorts',
      'UdpLite6InErrors',
      'UdpLite6OutDatagrams',
      'UdpLite6RcvbufErrors',
      'UdpLite6SndbufErrors',
      'UdpLite6InCsumErrors',
      'UdpLite6MemErrors',
    ],
  ],
];

/** seq_printf("%-32s\t%lu\n") as snmp6_seq_show_item and snmp6_seq_show_icmpv6msg print each line. */
function snmp6Line(name: string, value: number): string {
  return `${name.padEnd(32)}\t${value}\n`;
}

/** `cat /proc/net/snmp6` for the counters the model keeps (see SNMP6_LAYOUT for what is left out). */
export function formatProcSnmp6(counters: ReadonlyMap<string, number>): string {
  let out = '';
  for (const [section, names] of SNMP6_LAYOUT) {
    for (const n of names) out += snmp6Line(n, counters.get(n) ?? 0);
    if (section !== 'icmp') continue;
    // The by-number lines (nonzero only): every In type, then every Out type, in type order.
    for (const [dir, table] of [
      ['In', ICMP6_IN_COUNTER],
      ['Out', ICMP6_OUT_COUNTER],
    ] as const) {
      const types = Object.keys(table)
        .map(Number)
        .sort((a, b) => a - b);
      for (const t of types) {
        const v = counters.get(table[t]!) ?? 0;
        if (v) out += snmp6Line(`Icmp6${dir}Type${t}`, v);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// /proc/net/if_inet6

const IFA_F_NODAD = 0x02;
const IFA_F_TENTATIVE = 0x40;
const IFA_F_PERMANENT = 0x80;

/** ipv6_addr_scope as if_inet6 prints it (IFA_HOST, IFA_LINK, IFA_SITE, global 0). */
function ifaScope(addr: Uint8Array): number {
  const s = addrScope(addr);
  if (s === SCOPE.NODE) return 0x10;
  if (s === SCOPE.LINK) return 0x20;
  if (s === SCOPE.SITE) return 0x40;
  return 0;
}

/**
 * `cat /proc/net/if_inet6`: "%pi6 %02x %02x %02x %02x %8s" per address. The kernel walks its
 * address hash, whose key is random per namespace, so its order is arbitrary; ours is the order
 * the addresses were added.
 */
export function formatIfInet6(host: Host): string {
  let out = '';
  for (const a of host.addrs) {
    const dev = host.devices.get(a.dev);
    if (!dev) continue;
    // Every address added without lifetimes is permanent; lo's ::1 is added without IFA_F_NODAD.
    const flags = IFA_F_PERMANENT | (a.tentative ? IFA_F_TENTATIVE : 0) | (a.nodad && !isLoopback(a.addr) ? IFA_F_NODAD : 0);
    const hex2 = (n: number) => n.toString(16).padStart(2, '0');
    out += `${toHex(a.addr)} ${hex2(dev.ifindex)} ${hex2(a.prefixLen)} ${hex2(ifaScope(a.addr))} ${hex2(flags)} ${a.dev.padStart(8)}\n`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// /proc/net/igmp6

const MAF_LOADED = 0x04;
const MAF_NOREPORT = 0x08;

/**
 * `cat /proc/net/igmp6` (igmp6_mc_seq_show: "%-4d %-15s %pi6 %5d %08X %ld"): every device in
 * ifindex order, its groups newest first, with their users and flags. The timer column is the
 * pending MLDv1/query response, which the model never has: 0.
 */
export function formatIgmp6(host: Host): string {
  let out = '';
  const devs = [...host.devices.values()].sort((x, y) => x.ifindex - y.ifindex);
  for (const dev of devs) {
    for (const g of deviceGroups(host, dev.name)) {
      const flags = (g.loaded ? MAF_LOADED : 0) | (g.noReport ? MAF_NOREPORT : 0);
      out += `${String(dev.ifindex).padEnd(4)} ${dev.name.padEnd(15)} ${toHex(g.addr)} ${String(g.users).padStart(5)} ${flags.toString(16).toUpperCase().padStart(8, '0')} 0\n`;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// /sys/class/net/DEV/statistics

/** Every file of /sys/class/net/DEV/statistics in Linux 6.1 (oracle "ls-stats"). */
export const NET_STATISTICS_FILES = [
  'collisions',
  'multicast',
  'rx_bytes',
  'rx_compressed',
  'rx_crc_errors',
  'rx_dropped',
  'rx_errors',
  'rx_fifo_errors',
  'rx_frame_errors',
  'rx_length_errors',
  'rx_missed_errors',
  'rx_nohandler',
  'rx_over_errors',
  'rx_packets',
  'tx_aborted_errors',
  'tx_bytes',
  'tx_carrier_errors',
  'tx_compressed',
  'tx_dropped',
  'tx_errors',
  'tx_fifo_errors',
  'tx_heartbeat_errors',
  'tx_packets',
  'tx_window_errors',
] as const;

/**
 * The counters veth and loopback fill in (veth_get_stats64, loopback_get_stats64); the others
 * are hardware error counters these devices never raise, so they read 0 on Linux as here.
 */
function deviceStat(stats: DeviceStats, file: string): number {
  return Object.hasOwn(stats, file) ? stats[file as keyof DeviceStats] : 0;
}

// ---------------------------------------------------------------------------------------------
// The file system view

const PROC_SYS = '/proc/sys/';

/** Collapses repeated and trailing slashes, as path resolution does. */
function normalise(path: string): string {
  const p = path.replace(/\/+/g, '/');
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

/** The text of a modelled /proc or /sys file, or undefined when the model has no such file. */
export function readProcFile(path: string, ctx: StackContext): string | undefined {
  const p = normalise(path);
  const { host } = ctx;
  if (p === '/proc/net/xfrm_stat') return xfrmStatsOf(host).format();
  if (p === '/proc/net/snmp6') return formatProcSnmp6(host.counters);
  if (p === '/proc/net/if_inet6') return formatIfInet6(host);
  if (p === '/proc/net/igmp6') return formatIgmp6(host);
  if (p.startsWith(PROC_SYS)) {
    const f = resolveSysctl(p.slice(PROC_SYS.length), host);
    return isModelledSysctl(f) ? readSysctl(f, host) : undefined;
  }
  const m = /^\/sys\/class\/net\/([^/]+)\/statistics\/([^/]+)$/.exec(p);
  if (m) {
    const dev = host.devices.get(m[1]!);
    if (!dev || !(NET_STATISTICS_FILES as readonly string[]).includes(m[2]!)) return undefined;
    return `${deviceStat(dev.stats, m[2]!)}\n`;
  }
  return undefined;
}

/**
 * `echo TEXT > PATH` for a sysctl file: the kernel's verdict. A refused write gives the shell's
 * "write error: <strerror>" (the runtime prefixes its own "bash: echo: "); a file the kernel does
 * not have gives "<path>: No such file or directory". Undefined: not a path the model writes.
 */
export function writeProcFile(path: string, text: string, ctx: StackContext): CommandResult | undefined {
  const p = normalise(path);
  if (!p.startsWith(PROC_SYS)) return undefined;
  const f = resolveSysctl(p.slice(PROC_SYS.length), ctx.host);
  if (f.kind === 'unmodelled') return undefined;
  if (f.kind === 'missing') return failure(`${path}: ${ERRNO_TEXT.ENOENT}`, 1);
  const unmodelled = unmodelledWrite(f, text, ctx.host);
  if (unmodelled) return notModelled(unmodelled);
  const errno = writeSysctl(f, text, ctx.host);
  return errno ? failure(`write error: ${ERRNO_TEXT[errno]}`, 1) : result('');
}

/** The entries of a modelled /proc or /sys directory, in readdir order; undefined when not modelled. */
export function listProcDir(path: string, ctx: StackContext): string[] | undefined {
  const p = normalise(path);
  const { host } = ctx;
  const devices = () => [...host.devices.keys()].sort(byteOrder);
  if (p === '/proc/sys/net/ipv6/conf') return ['all', 'default', ...devices()].sort(byteOrder);
  const conf = /^\/proc\/sys\/net\/ipv6\/conf\/([^/]+)$/.exec(p);
  if (conf) {
    const which = conf[1]!;
    return which === 'all' || which === 'default' || host.devices.has(which) ? [...IPV6_DEVCONF_FILES] : undefined;
  }
  if (p === '/sys/class/net') return devices();
  const stats = /^\/sys\/class\/net\/([^/]+)\/statistics$/.exec(p);
  if (stats) return host.devices.has(stats[1]!) ? [...NET_STATISTICS_FILES] : undefined;
  return undefined;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
