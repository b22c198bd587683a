/** `ip link add|set|delete|show` for veth pairs and lo, and the link header `ip addr` shares (iproute2 6.1: ip/iplink.c iplink_parse, ip/link_veth.c, ip/ipaddress.c print_linkinfo, print_link_flags, print_stats64; kernel: drivers/net/veth.c, net/core/dev.c dev_get_flags). */

import { ConfigError } from '../errors.js';
import type { Host } from '../stack/host.js';
import { mcDestroy } from '../stack/mld.js';
import type { NetDevice } from '../stack/netdev.js';
import type { World } from '../stack/world.js';
import { formatMac } from '../wire/ethernet.js';
import { type CommandResult, failure, notModelled, result } from './command.js';
import {
  duparg,
  duparg2,
  EXIT_FAIL,
  EXIT_USAGE,
  type IpContext,
  incompleteCommand,
  invarg,
  matches,
  nodev,
  rtnlError,
  rtnlTalk,
} from './ip-args.js';

/**
 * The ids this namespace knows other namespaces by. The kernel allocates one (peernet2id_alloc,
 * lowest free from 0) the first time a link is reported across namespaces; the model derives the
 * same order from its veths, taken in ifindex order, which matches while nothing is deleted.
 */
export function peerNsids(world: World, host: Host): Map<string, number> {
  const ids = new Map<string, number>();
  const devs = [...host.devices.values()].sort((a, b) => a.ifindex - b.ifindex);
  for (const d of devs) {
    const peer = d.peer;
    if (!peer || peer.hostName === host.name || ids.has(peer.hostName)) continue;
    if (!world.hosts.has(peer.hostName)) continue;
    ids.set(peer.hostName, ids.size);
  }
  return ids;
}

/** Devices that have been up once: their root qdisc stays `noqueue` after they go down (dev_activate attaches it; dev_deactivate keeps it). */
const everUp = new WeakSet<NetDevice>();

/** txqueuelen of lo and veth (DEFAULT_TX_QUEUE_LEN). */
const TX_QUEUE_LEN = 1000;
/** veth's mtu range (veth_setup: min_mtu ETH_MIN_MTU, max_mtu ETH_MAX_MTU). */
const VETH_MIN_MTU = 68;
const VETH_MAX_MTU = 65535;
/** Below IPV6_MIN_MTU the kernel tears IPv6 down on the device (addrconf_notify NETDEV_CHANGEMTU): not modelled. */
const IPV6_MIN_MTU = 1280;

/** dev_get_flags(): IFF_UP, IFF_RUNNING and IFF_LOWER_UP as the kernel reports them. */
function linkFlags(dev: NetDevice): string[] {
  const flags: string[] = [];
  if (dev.adminUp && !dev.running) flags.push('NO-CARRIER');
  flags.push(...(dev.kind === 'loopback' ? ['LOOPBACK'] : ['BROADCAST', 'MULTICAST']));
  if (dev.adminUp) flags.push('UP');
  if (dev.running) flags.push('LOWER_UP');
  return flags;
}

/**
 * RFC 2863 operstate: lo has no carrier detection (UNKNOWN); a veth is UP with carrier, else
 * DOWN, or LOWERLAYERDOWN when its iflink (the peer's ifindex) differs from its own ifindex
 * (default_operstate). The transient UNKNOWN before linkwatch runs is not modelled.
 */
function operstate(host: Host, dev: NetDevice): string {
  if (!dev.adminUp) return 'DOWN';
  if (dev.kind === 'loopback') return 'UNKNOWN';
  // A new bridge has carrier but no linkwatch event yet (IF_OPER_UNKNOWN); its first carrier
  // change (a port added, up or down) makes it UP or DOWN like any device.
  if (dev.kind === 'bridge' && !host.bridges.get(dev.name)?.operKnown) return 'UNKNOWN';
  if (dev.running) return 'UP';
  return dev.peer && dev.peer.ifindex !== dev.ifindex ? 'LOWERLAYERDOWN' : 'DOWN';
}

/** Whether the device has been up since it was created (lo keeps its IPv4 address from then on). */
export function hasBeenUp(dev: NetDevice): boolean {
  return dev.adminUp || everUp.has(dev);
}

function qdisc(dev: NetDevice): string {
  if (dev.adminUp) everUp.add(dev);
  return everUp.has(dev) ? 'noqueue' : 'noop';
}

/**
 * print_name_and_link: `NAME@PEER` for a veth whose peer is in the same namespace (with M-DOWN
 * while that peer is down), `NAME@ifN` when the peer is elsewhere (IFLA_LINK_NETNSID is set).
 */
function nameAndLink(host: Host, dev: NetDevice): { name: string; mDown: boolean } {
  const peer = dev.peer;
  if (!peer) return { name: dev.name, mDown: false };
  if (peer.hostName !== host.name) return { name: `${dev.name}@if${peer.ifindex}`, mDown: false };
  return { name: `${dev.name}@${peer.name}`, mDown: !peer.adminUp };
}

function flagsText(flags: readonly string[], mDown: boolean): string {
  return `<${flags.join(',')}${mDown ? ',M-DOWN' : ''}>`;
}

export interface LinkPrintOptions {
  /** `ip link` prints `mode DEFAULT`; `ip addr` does not (do_link). */
  readonly doLink: boolean;
  /** Print the `link/ether` line (no family filter, or -d). */
  readonly linkLine: boolean;
}

/** print_linkinfo for RTM_NEWLINK of the unspecified family: the header line and the `link/` line, as separate lines. */
export function linkInfoLines(world: World, host: Host, dev: NetDevice, o: LinkPrintOptions): string[] {
  const { name, mDown } = nameAndLink(host, dev);
  const mode = o.doLink ? 'mode DEFAULT ' : '';
  const master = dev.master !== undefined ? `master ${dev.master} ` : '';
  const head = `${dev.ifindex}: ${name}: ${flagsText(linkFlags(dev), mDown)} mtu ${dev.mtu} qdisc ${qdisc(dev)} ${master}state ${operstate(host, dev)} ${mode}group default qlen ${TX_QUEUE_LEN}`;
  // IFLA_LINK_NETNSID is printed after the link/ line, or on the header when there is none.
  let netns = '';
  const peer = dev.peer;
  if (peer && peer.hostName !== host.name) {
    // iproute2 names the peer's namespace when it finds it under /run/netns, else gives the nsid.
    netns = peer.hostName === 'init' ? ` link-netnsid ${peerNsids(world, host).get('init') ?? 0}` : ` link-netns ${peer.hostName}`;
  }
  if (!o.linkLine) return [head + netns];
  const ll =
    dev.kind === 'loopback'
      ? '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00'
      : `    link/ether ${formatMac(dev.mac)} brd ff:ff:ff:ff:ff:ff`;
  return [head, ll + netns];
}

/** `ip -br link`: print_linkinfo's brief form, `NAME@PEER  STATE  MAC <FLAGS>` in fixed columns. */
export function briefLinkLine(host: Host, dev: NetDevice): string {
  const { name, mDown } = nameAndLink(host, dev);
  const mac = dev.kind === 'loopback' ? '00:00:00:00:00:00' : formatMac(dev.mac);
  return `${name.padEnd(16)} ${operstate(host, dev).padEnd(14)} ${mac} ${flagsText(linkFlags(dev), mDown)} `;
}

/**
 * The header the IPv6 family's own link dump gives (inet6_fill_ifinfo): no qdisc, group nor
 * link line; IFLA_LINK only when the peer's ifindex differs from the device's own, and then
 * iproute2 resolves that index in the current namespace.
 */
export function inet6LinkHeader(host: Host, dev: NetDevice): string {
  let name = dev.name;
  let mDown = false;
  const peer = dev.peer;
  if (peer && peer.ifindex !== dev.ifindex) {
    const local = host.deviceByIndex(peer.ifindex);
    name = `${dev.name}@${local ? local.name : `if${peer.ifindex}`}`;
    mDown = !local?.adminUp;
  }
  return `${dev.ifindex}: ${name}: ${flagsText(linkFlags(dev), mDown)} mtu ${dev.mtu} state ${operstate(host, dev)} qlen ${TX_QUEUE_LEN}`;
}

/** print_stats64 without -h: columns at least as wide as their headers, widened to the widest number. */
function statsLines(dev: NetDevice, level: number): string[] | undefined {
  const s = dev.stats;
  // carrier_changes is always reported; the model counts none, which is exact only for lo.
  if (level > 1 && dev.kind !== 'loopback') return undefined;
  const cols = [10, 7, 6, 7, 7, 7, 10, 9];
  const widen = (vals: readonly number[]) => {
    vals.forEach((v, i) => {
      cols[i] = Math.max(cols[i]!, String(v).length);
    });
  };
  widen([s.rx_bytes, s.rx_packets, 0, s.rx_dropped, 0, 0, 0, 0]);
  if (level > 1) widen([0, 0, 0, 0, 0, 0, 0, 0]);
  widen([s.tx_bytes, s.tx_packets, 0, s.tx_dropped, 0, 0, 0, 0]);
  const c = (i: number) => cols[i]!;
  const num = (w: number, v: number) => `${String(v).padStart(w)} `;
  const pad = (w: number, t: string) => t.padStart(w);
  const lines = [
    `    RX: ${pad(c(0) - 4, 'bytes')} ${pad(c(1), 'packets')} ${pad(c(2), 'errors')} ${pad(c(3), 'dropped')} ${pad(c(4), 'missed')} ${pad(c(5), 'mcast')} ${pad(c(6), '')}`,
    `    ${num(c(0), s.rx_bytes)}${num(c(1), s.rx_packets)}${num(c(2), 0)}${num(c(3), s.rx_dropped)}${num(c(4), 0)}${num(c(5), 0)}`,
  ];
  if (level > 1) {
    lines.push(
      `    RX errors:${pad(c(0) - 10, '')} ${pad(c(1), 'length')} ${pad(c(2), 'crc')} ${pad(c(3), 'frame')} ${pad(c(4), 'fifo')} ${pad(c(5), 'overrun')}`,
      `${' '.repeat(c(0) + 5)}${num(c(1), 0)}${num(c(2), 0)}${num(c(3), 0)}${num(c(4), 0)}${num(c(5), 0)}`,
    );
  }
  lines.push(
    `    TX: ${pad(c(0) - 4, 'bytes')} ${pad(c(1), 'packets')} ${pad(c(2), 'errors')} ${pad(c(3), 'dropped')} ${pad(c(4), 'carrier')} ${pad(c(5), 'collsns')} ${pad(c(6), '')}`,
    `    ${num(c(0), s.tx_bytes)}${num(c(1), s.tx_packets)}${num(c(2), 0)}${num(c(3), s.tx_dropped)}${num(c(4), 0)}${num(c(5), 0)}`,
  );
  if (level > 1) {
    lines.push(
      `    TX errors:${pad(c(0) - 10, '')} ${pad(c(1), 'aborted')} ${pad(c(2), 'fifo')} ${pad(c(3), 'window')} ${pad(c(4), 'heartbt')} ${pad(c(5), 'transns')}`,
      `${' '.repeat(c(0) + 5)}${num(c(1), 0)}${num(c(2), 0)}${num(c(3), 0)}${num(c(4), 0)}${num(c(5), 0)}`,
    );
  }
  return lines;
}

/** The devices of a namespace in ifindex order, as a link dump returns them. */
export function devicesByIndex(host: Host): NetDevice[] {
  return [...host.devices.values()].sort((a, b) => a.ifindex - b.ifindex);
}

/** `ip link show [dev] DEV [up]` (ipaddr_list_link with the AF_PACKET family). */
function linkShow(args: readonly string[], ctx: IpContext): CommandResult {
  if (ctx.opts.details) return notModelled('ip -details link');
  // ipaddr_list_link sets the family to AF_PACKET: -4/-6 change nothing here.
  const f = parseListArgs(args, 'ip link show');
  if ('exitCode' in f) return f;
  const devName = f.dev;
  const up = f.up;
  let devs = devicesByIndex(ctx.host);
  if (devName !== undefined) {
    const d = ctx.host.devices.get(devName);
    if (!d) return failure(`Device "${devName}" does not exist.`, EXIT_FAIL);
    devs = [d];
  }
  if (up) devs = devs.filter((d) => d.adminUp);
  // print_linkinfo's brief form ignores -s and -o.
  if (ctx.opts.brief) {
    return result(devs.map((d) => `${briefLinkLine(ctx.host, d)}\n`).join(''));
  }
  const sl = ctx.opts.oneline ? '\\' : '\n';
  let out = '';
  for (const d of devs) {
    const lines = linkInfoLines(ctx.world, ctx.host, d, { doLink: true, linkLine: true });
    if (ctx.opts.stats > 0) {
      const st = statsLines(d, ctx.opts.stats);
      if (!st) return notModelled(`ip -s -s link (carrier changes of ${d.name})`);
      lines.push(...st);
    }
    out += `${lines.join(sl)}\n`;
  }
  return result(out);
}

/** The arguments of `ip addr show` / `ip link show` the model filters by: a device and `up`. */
export function parseListArgs(args: readonly string[], what: string): { dev?: string; up: boolean } | CommandResult {
  let dev: string | undefined;
  let up = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === 'up') up = true;
    else if (['to', 'scope', 'label', 'group', 'master', 'vrf', 'type'].includes(a)) {
      if (args[++i] === undefined) return incompleteCommand();
      return notModelled(`${what} ${a}`);
    } else if (a === 'nomaster' || LIST_FLAG_FILTERS.has(a.startsWith('-') ? a.slice(1) : a)) return notModelled(`${what} ${a}`);
    else {
      let name = a;
      if (a === 'dev') {
        const v = args[++i];
        if (v === undefined) return incompleteCommand();
        name = v;
      } else if (matches(a, 'help')) return notModelled(`${what} help`);
      if (dev !== undefined) return duparg2('dev', name);
      dev = name;
    }
  }
  return dev === undefined ? { up } : { dev, up };
}

/** get_filter's flag names. */
const LIST_FLAG_FILTERS = new Set([
  'permanent',
  'dynamic',
  'secondary',
  'primary',
  'temporary',
  'tentative',
  'deprecated',
  'dadfailed',
  'nodad',
  'optimistic',
  'home',
  'mngtmpaddr',
  'noprefixroute',
  'autojoin',
  'stable-privacy',
]);

/** What one iplink_parse pass over a device's arguments asked for. */
interface LinkRequest {
  dev?: string;
  name?: string;
  up?: boolean;
  mtu?: number;
  netns?: string;
  mac?: Uint8Array;
  type?: string;
  /** `master BR` (a name) or `nomaster` (null). */
  master?: string | null;
  /** Arguments after `type KIND`. */
  rest: readonly string[];
}

function parseMac(text: string): Uint8Array | undefined {
  const parts = text.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) return undefined;
  return Uint8Array.from(parts.map((p) => Number.parseInt(p, 16)));
}

/** lib/utils.c get_u8 / get_u32: strtoul with base 0 (0x hex, leading-0 octal), the whole word, at most `max`. */
function parseUnsigned(text: string, max: number): number | undefined {
  let n: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) n = Number.parseInt(text.slice(2), 16);
  else if (/^0[0-7]*$/.test(text)) n = Number.parseInt(text, 8);
  else if (/^[1-9]\d*$/.test(text)) n = Number(text);
  else return undefined;
  return n <= max ? n : undefined;
}

/** dev_valid_name as iproute2's check_ifname applies it before asking the kernel. */
function validIfname(name: string): boolean {
  return name !== '' && name.length < 16 && name !== '.' && name !== '..' && !/[/:\s]/.test(name);
}

/** Keywords iplink_parse knows but the model does not act on, with whether each is a matches() abbreviation. */
const OTHER_KEYWORDS: readonly (readonly [string, boolean])[] = [
  ['index', false],
  ['link', true],
  ['broadcast', true],
  ['brd', false],
  ['txqueuelen', true],
  ['qlen', false],
  ['txqlen', true],
  ['xdpgeneric', false],
  ['xdpdrv', false],
  ['xdpoffload', false],
  ['xdp', false],
  ['multicast', false],
  ['allmulticast', false],
  ['promisc', false],
  ['trailers', false],
  ['arp', false],
  ['carrier', false],
  ['vf', false],
  ['master', true],
  ['vrf', false],
  ['nomaster', true],
  ['dynamic', true],
];
const LATER_KEYWORDS: readonly (readonly [string, boolean])[] = [
  ['alias', true],
  ['group', false],
  ['mode', false],
  ['state', false],
  ['numtxqueues', true],
  ['numrxqueues', true],
  ['addrgenmode', true],
  ['link-netns', true],
  ['link-netnsid', true],
  ['protodown', false],
  ['protodown_reason', false],
  ['gso_max_size', false],
  ['gso_max_segs', false],
  ['gro_max_size', false],
  ['parentdev', false],
];

const hit = (arg: string, [kw, abbrev]: readonly [string, boolean]) => (abbrev ? matches(arg, kw) : arg === kw);

const ON_OFF_KEYWORDS: ReadonlySet<string> = new Set(['multicast', 'allmulticast', 'promisc', 'trailers', 'arp', 'dynamic']);

/** An iplink_parse keyword the model does not act on: its missing value is still the tool's error. */
function unmodelledKeyword(arg: string, value: string | undefined): CommandResult {
  const kw = (OTHER_KEYWORDS.find((k) => hit(arg, k)) ?? LATER_KEYWORDS.find((k) => hit(arg, k)))![0];
  if (kw !== 'nomaster' && value === undefined) return incompleteCommand();
  // lib/utils.c on_off(): these take only on|off, so `ip link set d up` fails on the value.
  if (ON_OFF_KEYWORDS.has(kw) && value !== 'on' && value !== 'off') {
    return failure(`Error: argument of "${kw}" must be "on" or "off", not "${value}"`, EXIT_FAIL);
  }
  return notModelled(`ip link ${kw}`);
}

/** iplink_parse: keywords tried in its order, so `d` abbreviates `dynamic` before it can name a device. */
function iplinkParse(args: readonly string[]): LinkRequest | CommandResult {
  const req: LinkRequest = { rest: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = (): string | undefined => args[++i];
    if (a === 'up' || a === 'down') req.up = a === 'up';
    else if (a === 'name') {
      const v = next();
      if (v === undefined) return incompleteCommand();
      if (req.name !== undefined) return duparg('name', v);
      if (!validIfname(v)) return invarg('"name" not a valid ifname', v);
      req.name = v;
    } else if (matches(a, 'address')) {
      const v = next();
      if (v === undefined) return incompleteCommand();
      const mac = parseMac(v);
      if (!mac) return notModelled(`ip link address ${v}`);
      req.mac = mac;
    } else if (a === 'mtu') {
      const v = next();
      if (v === undefined) return incompleteCommand();
      if (req.mtu !== undefined) return duparg('mtu', v);
      if (!/^(0|[1-9]\d*|0x[0-9a-fA-F]+|0[0-7]+)$/.test(v) || Number(v) > 0x7fffffff) return invarg('Invalid "mtu" value\n', v);
      req.mtu = Number(v.startsWith('0') && !v.startsWith('0x') && v.length > 1 ? Number.parseInt(v, 8) : v);
    } else if (a === 'netns') {
      const v = next();
      if (v === undefined) return incompleteCommand();
      if (req.netns !== undefined) return duparg('netns', v);
      req.netns = v;
    } else if (matches(a, 'master')) {
      const v = next();
      if (v === undefined) return incompleteCommand();
      req.master = v;
    } else if (matches(a, 'nomaster')) {
      req.master = null;
    } else if (OTHER_KEYWORDS.some((k) => hit(a, k))) {
      // Keywords before `type` in iplink_parse: `t` abbreviates txqueuelen, not type.
      return unmodelledKeyword(a, args[i + 1]);
    } else if (matches(a, 'type')) {
      const v = next();
      if (v === undefined) return incompleteCommand();
      req.type = v;
      req.rest = args.slice(i + 1);
      break;
    } else {
      if (LATER_KEYWORDS.some((k) => hit(a, k))) return unmodelledKeyword(a, args[i + 1]);
      if (matches(a, 'help')) return notModelled('ip link help');
      let dev = a;
      if (a === 'dev') {
        const v = next();
        if (v === undefined) return incompleteCommand();
        dev = v;
      }
      if (req.dev !== undefined) return duparg2('dev', dev);
      if (dev.length > 127 || dev === '' || /[/:\s]/.test(dev)) return invarg('"dev" not a valid ifname', dev);
      req.dev = dev;
    }
  }
  return req;
}

function isResult(x: unknown): x is CommandResult {
  return typeof x === 'object' && x !== null && 'exitCode' in x;
}

/** The namespace a `netns NAME` argument names (netns_get_fd), or the tool's refusal. */
function targetHost(ctx: IpContext, netns: string | undefined): Host | CommandResult {
  if (netns === undefined) return ctx.host;
  const h = ctx.world.hosts.get(netns);
  // A pid or an nsid would also be accepted by the tool; the model has no processes.
  if (!h || netns === 'init') {
    if (/^\d+$/.test(netns)) return notModelled('ip link netns PID');
    return invarg('Invalid "netns" value\n', netns);
  }
  return h;
}

function mtuError(dev: NetDevice, mtu: number): ConfigError | undefined {
  const min = dev.kind === 'loopback' ? 0 : VETH_MIN_MTU;
  const max = dev.kind === 'loopback' ? 0x7fffffff : VETH_MAX_MTU;
  if (mtu < min) return new ConfigError('EINVAL', 'mtu less than device minimum');
  if (mtu > max) return new ConfigError('EINVAL', 'mtu greater than device maximum');
  return undefined;
}

/** `ip link add NAME [netns NS] [address MAC] [mtu N] type veth peer name PEER [netns NS] [address MAC] [mtu N]`. */
function linkAdd(args: readonly string[], ctx: IpContext): CommandResult {
  const req = iplinkParse(args);
  if (isResult(req)) return req;
  if (req.name !== undefined && req.dev !== undefined && req.name !== req.dev) {
    return failure('both "name" and "dev" cannot be used when creating devices.', EXIT_USAGE);
  }
  const name = req.name ?? req.dev;
  if (req.type === undefined) return failure('Not enough information: "type" argument is required', EXIT_FAIL);
  if (req.type === 'bridge') return bridgeAdd(name, req, ctx);
  if (req.type !== 'veth') return notModelled(`ip link add type ${req.type}`);
  if (req.rest.length === 0) return notModelled('ip link add type veth without peer');
  if (req.rest[0] !== 'peer') return notModelled('ip link help veth');
  const peerReq = iplinkParse(req.rest.slice(1));
  if (isResult(peerReq)) return peerReq;
  if (peerReq.type !== undefined) return duparg('type', peerReq.type);
  const peerName = peerReq.name ?? peerReq.dev;
  if (name === undefined || peerName === undefined) return notModelled('ip link add veth without explicit names');
  if (peerReq.name !== undefined && peerReq.dev !== undefined && peerReq.name !== peerReq.dev) {
    return failure('both "name" and "dev" cannot be used when creating devices.', EXIT_USAGE);
  }
  if (req.up !== undefined || peerReq.up !== undefined) return notModelled('ip link add ... up');
  if (req.master !== undefined || peerReq.master !== undefined) return notModelled('ip link add ... master|nomaster');
  const ha = targetHost(ctx, req.netns);
  if (isResult(ha)) return ha;
  const hb = targetHost(ctx, peerReq.netns);
  if (isResult(hb)) return hb;
  if (!validIfname(name) || !validIfname(peerName)) return notModelled('ip link add with a name the kernel would refuse');
  // veth_newlink registers the peer first: a same-namespace peer gets the lower ifindex.
  if (hb.devices.has(peerName) || ha.devices.has(name) || (ha === hb && name === peerName)) return rtnlError(new ConfigError('EEXIST'));
  const probe = { kind: 'veth' } as NetDevice;
  for (const m of [req.mtu, peerReq.mtu]) {
    if (m === undefined) continue;
    const e = mtuError(probe, m);
    if (e) return rtnlError(e);
    if (m < IPV6_MIN_MTU) return notModelled('ip link mtu below 1280 (IPv6 disabled on the device)');
  }
  const b = hb.addDevice(peerName, 'veth', peerReq.mac);
  const a = ha.addDevice(name, 'veth', req.mac);
  a.peer = b;
  b.peer = a;
  if (req.mtu !== undefined) a.mtu = req.mtu;
  if (peerReq.mtu !== undefined) b.mtu = peerReq.mtu;
  return result('');
}

/**
 * `ip link add NAME [address MAC] type bridge [mcast_snooping 0|1] [stp_state 0]` (iplink_bridge.c
 * bridge_parse_opt: get_u8 / get_u32 for the values). STP is not modelled; snooping changes nothing
 * the model shows (see Bridge.mcastSnooping); every other bridge option is refused.
 */
function bridgeAdd(name: string | undefined, req: LinkRequest, ctx: IpContext): CommandResult {
  if (name === undefined) return notModelled('ip link add type bridge without a name');
  let snooping = true;
  for (let i = 0; i < req.rest.length; i++) {
    const a = req.rest[i]!;
    if (a !== 'mcast_snooping' && a !== 'stp_state') return notModelled(`ip link add type bridge ${a}`);
    const v = req.rest[++i];
    if (v === undefined) return incompleteCommand();
    const n = parseUnsigned(v, a === 'mcast_snooping' ? 0xff : 0xffffffff);
    if (n === undefined) return invarg(`invalid ${a}`, v);
    if (a === 'mcast_snooping') snooping = n !== 0;
    else if (n !== 0) return notModelled('ip link add type bridge stp_state 1 (STP)');
  }
  if (req.up !== undefined || req.mtu !== undefined || req.master !== undefined)
    return notModelled('ip link add type bridge with link options');
  const h = targetHost(ctx, req.netns);
  if (isResult(h)) return h;
  if (!validIfname(name)) return notModelled('ip link add with a name the kernel would refuse');
  if (h.devices.has(name)) return rtnlError(new ConfigError('EEXIST'));
  const br = h.addBridge(name, req.mac);
  h.bridges.get(br.name)!.mcastSnooping = snooping;
  return result('');
}

/** `ip link set DEV [up|down] [mtu N]`: the mtu first, then the flags, as do_setlink applies them. */
function linkSet(args: readonly string[], ctx: IpContext): CommandResult {
  const req = iplinkParse(args);
  if (isResult(req)) return req;
  // iplink_parse resolves `master BR` while it reads the arguments, before the device is looked up.
  if (typeof req.master === 'string' && !ctx.host.devices.has(req.master)) return invarg('Device does not exist\n', req.master);
  const devName = req.dev ?? req.name;
  if (devName === undefined) return failure('Not enough information: "dev" argument is required.', EXIT_USAGE);
  const dev = ctx.host.devices.get(devName);
  if (!dev) return nodev(devName);
  if (req.name !== undefined && req.dev !== undefined && req.name !== req.dev) return notModelled('ip link set name');
  if (req.type !== undefined) return notModelled('ip link set type');
  if (req.netns !== undefined) return notModelled('ip link set netns');
  if (req.mac !== undefined) return notModelled('ip link set address');
  if (req.mtu !== undefined) {
    const e = mtuError(dev, req.mtu);
    if (e) return rtnlError(e);
    if (req.mtu < IPV6_MIN_MTU) return notModelled('ip link mtu below 1280 (IPv6 disabled on the device)');
  }
  if (req.master !== undefined) {
    const master = req.master ?? undefined;
    const err = rtnlTalk(() => ctx.host.setMaster(dev.name, master));
    if (err) return err;
  }
  if (req.mtu !== undefined) dev.mtu = req.mtu;
  if (req.up !== undefined) {
    const up = req.up;
    if (dev.adminUp) everUp.add(dev);
    const err = rtnlTalk(() => ctx.host.setLinkUp(dev.name, up));
    if (err) return err;
    if (up) everUp.add(dev);
  }
  return result('');
}

/**
 * Unregisters a veth and its peer (veth_dellink takes both), each as going down first, then
 * gone with its addresses, routes, neighbours and group memberships.
 */
export function deleteLink(world: World, host: Host, dev: NetDevice): void {
  const ends: [Host, NetDevice][] = [[host, dev]];
  if (dev.peer) {
    const ph = world.hosts.get(dev.peer.hostName);
    if (ph) ends.push([ph, dev.peer]);
  }
  for (const [h, d] of ends) h.setLinkUp(d.name, false);
  // br_dev_delete releases every port; a port that goes is released from its bridge (br_del_if).
  for (const [h, d] of ends) {
    if (d.master !== undefined) h.setMaster(d.name, undefined);
    if (d.kind === 'bridge') {
      for (const p of [...h.devices.values()]) if (p.master === d.name) h.setMaster(p.name, undefined);
      h.bridges.delete(d.name);
    }
  }
  for (const [h, d] of ends) {
    for (const a of h.addrs.filter((x) => x.dev === d.name)) {
      if (a.dadTimer !== undefined) world.clock.cancel(a.dadTimer);
      h.addrs.splice(h.addrs.indexOf(a), 1);
    }
    h.fib.deleteDevice(d.name);
    h.neigh.get(d.name)?.flush();
    h.neigh.delete(d.name);
    mcDestroy(h, d.name);
    h.devices.delete(d.name);
    for (const c of d.captures) c.stop();
  }
  dev.peer = undefined;
  for (const [, d] of ends) d.peer = undefined;
}

/** `ip link delete [dev] DEV [type veth|bridge]`. */
function linkDelete(args: readonly string[], ctx: IpContext): CommandResult {
  const req = iplinkParse(args);
  if (isResult(req)) return req;
  const devName = req.dev ?? req.name;
  if (devName === undefined) return failure('Not enough information: "dev" argument is required.', EXIT_USAGE);
  const dev = ctx.host.devices.get(devName);
  if (!dev) return nodev(devName);
  if (req.up !== undefined || req.mtu !== undefined || req.netns !== undefined || req.mac !== undefined) {
    return notModelled('ip link delete with attributes');
  }
  // rtnl_dellink: lo has no rtnl_link_ops, so it cannot be deleted.
  if (dev.kind === 'loopback') return rtnlError(new ConfigError('EOPNOTSUPP'));
  deleteLink(ctx.world, ctx.host, dev);
  return result('');
}

/** do_iplink: the command word as iproute2 abbreviates it. */
export function ipLink(args: readonly string[], ctx: IpContext): CommandResult {
  const [cmd, ...rest] = args;
  if (cmd === undefined) return linkShow([], ctx);
  if (matches(cmd, 'add')) return linkAdd(rest, ctx);
  if (matches(cmd, 'set') || matches(cmd, 'change')) return linkSet(rest, ctx);
  if (matches(cmd, 'replace')) return notModelled('ip link replace');
  if (matches(cmd, 'delete')) return linkDelete(rest, ctx);
  if (matches(cmd, 'show') || matches(cmd, 'lst') || matches(cmd, 'list')) return linkShow(rest, ctx);
  if (matches(cmd, 'xstats') || matches(cmd, 'afstats') || matches(cmd, 'property') || matches(cmd, 'help')) {
    return notModelled(`ip link ${cmd}`);
  }
  return failure(`Command "${cmd}" is unknown, try "ip link help".`, EXIT_USAGE);
}
