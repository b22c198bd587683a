/** `ip -6 route add|delete|replace|show|get` over the FIB (iproute2 6.1: ip/iproute.c iproute_modify, iproute_list_flush_or_save, iproute_get, print_route; kernel: net/ipv6/route.c ip6_route_info_create, ip6_validate_gw, ip6_route_del, inet6_rtm_getroute, rt6_fill_node; ip6_fib.c fib6_walk order). */

import { ConfigError } from '../errors.js';
import { isMulticast, selectSourceAddress } from '../stack/addrconf.js';
import { METRIC_USER, prefixMatches, REJECT_ERRNO, type Route, type RouteType, RT_TABLE_LOCAL, RT_TABLE_MAIN } from '../stack/fib.js';
import type { Host } from '../stack/host.js';
import { routeOutput } from '../stack/ip6-output.js';
import { cachedPmtu } from '../stack/pmtu.js';
import { bytesEqual } from '../wire/hex.js';
import { formatIpv6Address, type Ipv6Address } from '../wire/ipv6-address.js';
import { type CommandResult, failure, notModelled, result } from './command.js';
import { isTentative } from './ip-addr.js';
import {
  duparg2,
  EXIT_FAIL,
  EXIT_USAGE,
  familyNameVerbose,
  type IpContext,
  incompleteCommand,
  invarg,
  matches,
  nodev,
  readPrefix,
  rtnlError,
} from './ip-args.js';
import type { IpOptions } from './ip-options.js';

/** rtnl_rtntype_a2n in its order (exact words, then abbreviations), or undefined when the word is not a type. */
function routeTypeWord(w: string): string | undefined {
  if (w === 'local' || w === 'nat') return w;
  if (matches(w, 'broadcast') || w === 'brd') return 'broadcast';
  for (const t of ['anycast', 'multicast', 'prohibit', 'unreachable', 'blackhole', 'xresolve', 'unicast']) if (matches(w, t)) return t;
  if (w === 'throw') return w;
  if (/^(0x[0-9a-fA-F]+|\d+)$/.test(w) && Number(w) <= 255) return `type-${w}`;
  return undefined;
}

const MODELLED_TYPES: ReadonlySet<string> = new Set(['unicast', 'unreachable', 'blackhole', 'prohibit']);

/** rtnl_rttable_a2n for the tables the model has: undefined for any other. */
function tableId(w: string): number | undefined {
  if (w === 'main' || w === '254') return RT_TABLE_MAIN;
  if (w === 'local' || w === '255') return RT_TABLE_LOCAL;
  return undefined;
}

function tableName(t: number): string {
  return t === RT_TABLE_MAIN ? 'main' : t === RT_TABLE_LOCAL ? 'local' : String(t);
}

/** get_u32 with base 0, as `metric` reads it. */
function readU32(w: string): number | undefined {
  let n: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(w)) n = Number.parseInt(w, 16);
  else if (/^0[0-7]*$/.test(w)) n = Number.parseInt(w, 8);
  else if (/^[1-9]\d*$/.test(w)) n = Number(w);
  else return undefined;
  return n <= 0xffffffff ? n : undefined;
}

/** Route attributes iproute_modify parses that the model does not act on; `true` marks a matches() abbreviation. */
const UNMODELLED_ROUTE_KEYWORDS: readonly (readonly [string, boolean])[] = [
  ['as', false],
  ['tos', false],
  ['dsfield', true],
  ['expires', false],
  ['scope', false],
  ['mtu', false],
  ['hoplimit', false],
  ['advmss', false],
  ['reordering', true],
  ['rtt', false],
  ['rto_min', false],
  ['window', true],
  ['cwnd', true],
  ['initcwnd', true],
  ['initrwnd', true],
  ['features', true],
  ['quickack', true],
  ['congctl', true],
  ['rttvar', true],
  ['ssthresh', true],
  ['realms', true],
  ['nhid', false],
  ['protocol', true],
  ['vrf', true],
  ['pref', true],
  ['encap', false],
  ['ttl-propagate', false],
  ['fastopen_no_cookie', true],
];

interface RouteRequest {
  type: string;
  typeGiven: boolean;
  family: IpOptions['family'];
  dst?: { addr: Ipv6Address; len: number } | 'default' | 'ipv4';
  via?: Ipv6Address | 'ipv4';
  dev?: string;
  metric?: number;
  table?: number;
  src?: Ipv6Address | 'ipv4';
}

function isResult(x: unknown): x is CommandResult {
  return typeof x === 'object' && x !== null && 'exitCode' in x;
}

/** iproute_modify's argument loop. */
function parseRouteModify(args: readonly string[], opts: IpOptions): RouteRequest | CommandResult {
  const req: RouteRequest = { type: 'unicast', typeGiven: false, family: opts.family };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = (): string | undefined => args[++i];
    if (a === 'src' || a === 'via') {
      const v = next();
      if (v === undefined) return incompleteCommand();
      if (a === 'via' && req.via !== undefined) return invarg('use nexthop syntax to specify multiple via\n', v);
      const p = readPrefix(v, req.family, false);
      if (p === undefined || 'keyword' in p)
        return failure(`Error: ${familyNameVerbose(req.family)} address is expected rather than "${v}".`, EXIT_FAIL);
      if (p.family === 'inet') {
        if (req.family === undefined) req.family = 'inet';
        req[a] = 'ipv4';
      } else {
        if (req.family === undefined) req.family = 'inet6';
        req[a] = p.addr;
      }
    } else if (a === 'from') {
      if (next() === undefined) return incompleteCommand();
      return notModelled('ip route from (source-specific routes)');
    } else if (matches(a, 'metric') || matches(a, 'priority') || a === 'preference') {
      const v = next();
      if (v === undefined) return incompleteCommand();
      if (req.metric !== undefined) return failure(`Error: duplicate "metric": "${v}" is the second value.`, EXIT_USAGE);
      const n = readU32(v);
      if (n === undefined) return invarg('"metric" value is invalid\n', v);
      req.metric = n;
    } else if (matches(a, 'table')) {
      const v = next();
      if (v === undefined) return incompleteCommand();
      const t = tableId(v);
      // rtnl_rttable_a2n: a number, or a name from rt_tables (Debian's: local, main, default, unspec).
      if (t === undefined && !/^(\d+|0x[0-9a-fA-F]+|default|unspec)$/.test(v)) return invarg('"table" value is invalid\n', v);
      if (t === undefined) return notModelled(`ip route table ${v}`);
      req.table = t;
    } else if (a === 'dev' || a === 'oif') {
      const v = next();
      if (v === undefined) return incompleteCommand();
      req.dev = v;
    } else if (a === 'onlink' || a === 'nexthop') {
      return notModelled(`ip route ${a}`);
    } else {
      const kw = UNMODELLED_ROUTE_KEYWORDS.find(([k, ab]) => (ab ? matches(a, k) : a === k));
      if (kw) {
        if (next() === undefined) return incompleteCommand();
        return notModelled(`ip route ${kw[0]}`);
      }
      let w = a;
      if (w === 'to') {
        const v = next();
        if (v === undefined) return incompleteCommand();
        w = v;
      }
      const t = !/^[0-9]/.test(w) ? routeTypeWord(w) : undefined;
      if (t !== undefined) {
        const v = next();
        if (v === undefined) return incompleteCommand();
        req.type = t;
        req.typeGiven = true;
        w = v;
      }
      if (matches(w, 'help')) return notModelled('ip route help', EXIT_USAGE);
      if (req.dst !== undefined) return duparg2('to', w);
      const p = readPrefix(w, req.family, true);
      if (p === undefined) return failure(`Error: ${familyNameVerbose(req.family)} prefix is expected rather than "${w}".`, EXIT_FAIL);
      if ('keyword' in p) {
        if (p.keyword !== 'default') return notModelled(`ip route ${p.keyword}`);
        req.dst = 'default';
      } else if (p.family === 'inet') {
        if (req.family === undefined) req.family = 'inet';
        req.dst = 'ipv4';
      } else {
        if (req.family === undefined) req.family = 'inet6';
        req.dst = { addr: p.addr, len: p.len };
      }
    }
  }
  // iproute_modify calls usage() without a destination: its text is not reproduced, its status is.
  if (req.dst === undefined) return notModelled('ip route usage text', EXIT_USAGE);
  return req;
}

/**
 * ip6_validate_gw: the gateway must not be ours, a link-local one needs the device, any other
 * must be reachable through a connected route (on the given device, if one was given).
 */
function validateGateway(host: Host, gw: Ipv6Address, dev: string | undefined): { dev: string } | ConfigError {
  if (host.addrs.some((a) => bytesEqual(a.addr, gw) && (dev === undefined || a.dev === dev))) {
    return new ConfigError('EINVAL', 'Gateway can not be a local address');
  }
  if (gw[0] === 0xff || gw.every((b) => b === 0)) return new ConfigError('EINVAL', 'Invalid gateway address');
  if (gw[0] === 0xfe && (gw[1]! & 0xc0) === 0x80) {
    if (dev === undefined) return new ConfigError('EINVAL', 'Egress device not specified');
    return { dev };
  }
  const r = host.fib.lookup(gw, (rt) => rt.table === RT_TABLE_MAIN && (dev === undefined || rt.dev === dev));
  if (r?.type !== 'unicast' || r.via !== undefined || r.dev === undefined) return new ConfigError('EHOSTUNREACH');
  return { dev: r.dev };
}

/** `ip route add|replace|delete`. */
function routeModify(args: readonly string[], ctx: IpContext, cmd: 'add' | 'replace' | 'del'): CommandResult {
  const req = parseRouteModify(args, ctx.opts);
  if (isResult(req)) return req;
  const { host } = ctx;
  if (req.dev !== undefined && !host.devices.has(req.dev)) return nodev(req.dev);
  if (req.family !== 'inet6' || req.dst === 'ipv4' || req.via === 'ipv4' || req.src === 'ipv4')
    return notModelled(`ip route ${cmd} (IPv4)`);
  if (!MODELLED_TYPES.has(req.type)) return notModelled(`ip route ${cmd} ${req.type}`);
  const type = req.type as RouteType;
  const reqDst = req.dst;
  if (reqDst === undefined) return notModelled('ip route usage text', EXIT_USAGE);
  const dst = reqDst === 'default' ? { addr: new Uint8Array(16), len: 0 } : reqDst;
  const table = req.table ?? RT_TABLE_MAIN;
  if (cmd === 'del') {
    const via = req.via;
    const match = host.fib.list(table).find(
      (r) =>
        r.prefixLen === dst.len &&
        prefixMatches(r.dst, r.prefixLen, dst.addr) &&
        // ip6_route_del: metric 0 (or none) matches any.
        (!req.metric || r.metric === req.metric) &&
        (req.dev === undefined || r.dev === req.dev) &&
        (via === undefined || (r.via !== undefined && bytesEqual(r.via, via))),
    );
    if (!match) return rtnlError(new ConfigError('ESRCH'));
    host.fib.delete({
      dst: match.dst,
      prefixLen: match.prefixLen,
      table,
      metric: match.metric,
      type: match.type,
      ...(match.dev ? { dev: match.dev } : {}),
    });
    return result('');
  }
  const metric = req.metric || METRIC_USER;
  let dev = req.dev;
  if (type !== 'unicast') {
    // Reject routes are attached to lo whatever device is named (fib6_nh_init).
    dev = undefined;
  } else {
    // fib6_nh_init: the gateway is validated first, then the device must exist and be up.
    if (req.via) {
      const v = validateGateway(host, req.via, dev);
      if (v instanceof ConfigError) return rtnlError(v);
      dev = v.dev;
    }
    if (dev === undefined) return rtnlError(new ConfigError('ENODEV'));
    if (!host.device(dev).adminUp) return rtnlError(new ConfigError('EINVAL', 'Nexthop device is not up'));
  }
  // ipv6_chk_addr: the preferred source must be one of ours and past DAD.
  const src = req.src;
  if (src && !host.addrs.some((a) => bytesEqual(a.addr, src as Ipv6Address) && !isTentative(host, host.device(a.dev), a))) {
    return rtnlError(new ConfigError('EINVAL', 'Invalid source address'));
  }
  const route: Route = {
    type,
    dst: dst.addr,
    prefixLen: dst.len,
    table,
    metric,
    protocol: 'boot',
    ...(dev !== undefined ? { dev } : {}),
    ...(type === 'unicast' && req.via ? { via: req.via as Ipv6Address } : {}),
    ...(req.src ? { prefsrc: req.src as Ipv6Address } : {}),
  };
  try {
    if (cmd === 'add') host.fib.add(route);
    else host.fib.replace(route);
  } catch (e) {
    if (e instanceof ConfigError) return rtnlError(e);
    throw e;
  }
  return result('');
}

/** The order fib6_walk visits routes: a post-order walk of the prefix trie (more specific first, then by address bits), then metric. */
export function compareFibOrder(a: Route, b: Route): number {
  const common = Math.min(a.prefixLen, b.prefixLen);
  for (let bit = 0; bit < common; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    const x = a.dst[byte]! & mask;
    const y = b.dst[byte]! & mask;
    if (x !== y) return x ? 1 : -1;
  }
  if (a.prefixLen !== b.prefixLen) return b.prefixLen - a.prefixLen;
  return a.metric - b.metric;
}

/**
 * The model's addrconf also gives lo's ::1 a main-table prefix route, which the kernel does not
 * have (init_loopback adds the address without one); it is left out of listings.
 */
function isLoopbackPrefixRoute(r: Route): boolean {
  return (
    r.table === RT_TABLE_MAIN &&
    r.dev === 'lo' &&
    r.protocol === 'kernel' &&
    r.prefixLen === 128 &&
    r.dst.every((b, i) => b === (i === 15 ? 1 : 0))
  );
}

/** RTNH_F_LINKDOWN: set on a route's nexthop when its device loses carrier (fib6_ifdown on NETDEV_CHANGE), not on local routes. */
function linkDown(host: Host, r: Route): boolean {
  if (r.dev === undefined || r.type === 'local' || r.type === 'anycast') return false;
  const d = host.devices.get(r.dev);
  return !!d && d.kind !== 'loopback' && d.adminUp && !d.running;
}

function dstText(dst: Ipv6Address, len: number): string {
  if (len === 0) return 'default';
  return len === 128 ? formatIpv6Address(dst) : `${formatIpv6Address(dst)}/${len}`;
}

/** print_route for an IPv6 route of the dump: the table only without a table filter, the device only without a device filter. */
function routeLine(host: Host, r: Route, tableShown: boolean, devShown: boolean): string {
  let s = r.type !== 'unicast' ? `${r.type} ` : '';
  s += `${dstText(r.dst, r.prefixLen)} `;
  if (r.via) s += `via ${formatIpv6Address(r.via)} `;
  if (devShown) s += `dev ${r.dev ?? 'lo'} `;
  if (tableShown && r.table !== RT_TABLE_MAIN) s += `table ${tableName(r.table)} `;
  if (r.protocol !== 'boot') s += `proto ${r.protocol} `;
  if (r.prefsrc) s += `src ${formatIpv6Address(r.prefsrc)} `;
  s += `metric ${r.metric} `;
  if (linkDown(host, r)) s += 'linkdown ';
  return `${s}pref medium`;
}

/** `ip [-6] route show [table main|local|all] [dev DEV]`. */
function routeShow(args: readonly string[], ctx: IpContext): CommandResult {
  if (ctx.opts.details || ctx.opts.stats > 0) return notModelled('ip -details/-stats route');
  let table: number | 'all' = RT_TABLE_MAIN;
  let dev: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = (): string | undefined => args[++i];
    if (matches(a, 'table')) {
      const v = next();
      if (v === undefined) return incompleteCommand();
      if (v === 'all') table = 'all';
      else {
        const t = tableId(v);
        if (t === undefined) return notModelled(`ip route show table ${v}`);
        table = t;
      }
    } else if (a === 'dev' || a === 'oif') {
      const v = next();
      if (v === undefined) return incompleteCommand();
      if (!ctx.host.devices.has(v)) return failure(`Cannot find device "${v}"`, EXIT_FAIL);
      dev = v;
    } else return notModelled(`ip route show ${a}`);
  }
  const family = ctx.opts.family;
  // With a table filter and no family, iproute2 lists IPv4 only: its main table is empty in a model without IPv4.
  if (family !== 'inet6') {
    if (table === RT_TABLE_MAIN) return result('');
    return notModelled('ip route show of IPv4 tables');
  }
  const tables = table === 'all' ? [RT_TABLE_MAIN, RT_TABLE_LOCAL] : [table];
  let out = '';
  for (const t of tables) {
    const routes = ctx.host.fib
      .list(t)
      .filter((r) => (dev === undefined || (r.dev ?? 'lo') === dev) && !isLoopbackPrefixRoute(r))
      .map((r, i) => ({ r, i }))
      .sort((x, y) => compareFibOrder(x.r, y.r) || x.i - y.i);
    for (const { r } of routes) out += `${routeLine(ctx.host, r, table === 'all', dev === undefined)}\n`;
  }
  return result(out);
}

/** `ip -6 route get ADDR [from ADDR] [oif DEV]`: the lookup an output packet gets, printed as rt6_fill_node reports it. */
function routeGet(args: readonly string[], ctx: IpContext): CommandResult {
  let family = ctx.opts.family;
  let dst: Ipv6Address | undefined;
  let from: Ipv6Address | undefined;
  let oif: string | undefined;
  let ipv4 = false;
  let warnings = '';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = (): string | undefined => args[++i];
    if (matches(a, 'from')) {
      const v = next();
      if (v === undefined) return incompleteCommand();
      if (matches(v, 'help')) return notModelled('ip route help', EXIT_USAGE);
      const p = readPrefix(v, family, true);
      if (p === undefined) return failure(`Error: ${familyNameVerbose(family)} prefix is expected rather than "${v}".`, EXIT_FAIL);
      if ('keyword' in p) return notModelled(`ip route get from ${v}`);
      if (p.family === 'inet') {
        ipv4 = true;
        family ??= 'inet';
        continue;
      }
      family ??= 'inet6';
      from = p.addr;
    } else if (matches(a, 'oif') || a === 'dev') {
      const v = next();
      if (v === undefined) return incompleteCommand();
      oif = v;
    } else if (
      ['iif', 'mark', 'vrf', 'uid', 'sport', 'dport', 'ipproto'].some((k) => matches(a, k)) ||
      a === 'tos' ||
      matches(a, 'dsfield') ||
      a === 'as'
    ) {
      if (next() === undefined) return incompleteCommand();
      return notModelled(`ip route get ${a}`);
    } else if (matches(a, 'notify') || matches(a, 'connected') || matches(a, 'fibmatch')) {
      return notModelled(`ip route get ${a}`);
    } else {
      let w = a;
      if (w === 'to') {
        const v = next();
        if (v === undefined) return incompleteCommand();
        w = v;
      }
      if (matches(w, 'help')) return notModelled('ip route help', EXIT_USAGE);
      const p = readPrefix(w, family, true);
      if (p === undefined) return failure(`Error: ${familyNameVerbose(family)} prefix is expected rather than "${w}".`, EXIT_FAIL);
      if ('keyword' in p) return notModelled(`ip route get ${w}`);
      if (p.family === 'inet') {
        ipv4 = true;
        family ??= 'inet';
        continue;
      }
      family ??= 'inet6';
      if (p.len !== 128) warnings += `Warning: /${p.len} as prefix is invalid, only /128 (or none) is supported.\n`;
      dst = p.addr;
    }
  }
  if (dst === undefined && !ipv4) return failure(`${warnings}need at least a destination address`, EXIT_FAIL);
  if (oif !== undefined && !ctx.host.devices.has(oif)) return failure(`${warnings}Cannot find device "${oif}"`, EXIT_FAIL);
  if (ipv4 || family !== 'inet6' || dst === undefined) return notModelled('ip route get (IPv4)');
  const out = routeOutput(ctx.host, dst, oif);
  if (!out.ok) {
    const err = out.errno === 'ENODEV' ? new ConfigError('ENODEV') : new ConfigError(out.errno);
    return { ...rtnlError(err), stderr: warnings + rtnlError(err).stderr };
  }
  // A multicast destination with an oif skips the FIB in routeOutput; the kernel still reports the local table's ff00::/8 route of that device.
  const r =
    out.route ??
    (isMulticast(dst)
      ? ctx.host.fib
          .list(RT_TABLE_LOCAL)
          .find((x) => x.type === 'multicast' && x.dev === out.dev.name && prefixMatches(x.dst, x.prefixLen, dst))
      : undefined);
  if (!r) return notModelled('ip route get without a FIB route');
  if (REJECT_ERRNO[r.type]) return rtnlError(new ConfigError(REJECT_ERRNO[r.type]!));
  const src = r.prefsrc ?? selectSourceAddress(ctx.host, dst, r.dev ?? out.dev.name);
  let s = r.type !== 'unicast' ? `${r.type} ` : '';
  s += `${formatIpv6Address(dst)} from ${from ? formatIpv6Address(from) : '::'} `;
  if (r.via) s += `via ${formatIpv6Address(r.via)} `;
  s += `dev ${out.dev.name} `;
  if (r.table !== RT_TABLE_MAIN) s += `table ${tableName(r.table)} `;
  if (r.protocol !== 'boot') s += `proto ${r.protocol} `;
  if (src) s += `src ${formatIpv6Address(src)} `;
  // The reply describes the dst entry, which carries no RTNH_F_LINKDOWN (errors.console.log).
  s += `metric ${r.metric} `;
  // A route exception (rt6_fill_node): what Packet Too Big taught, and the seconds it has left.
  const learned = r.type === 'unicast' ? cachedPmtu(ctx.host, dst) : undefined;
  if (learned) s += `expires ${Math.floor((learned.expiresUs - ctx.host.world.clock.nowUs) / 1_000_000)}sec mtu ${learned.mtu} `;
  return result(`${s}pref medium\n`, warnings);
}

/** do_iproute. */
export function ipRoute(args: readonly string[], ctx: IpContext): CommandResult {
  const [cmd, ...rest] = args;
  if (cmd === undefined) return routeShow([], ctx);
  if (matches(cmd, 'add')) return routeModify(rest, ctx, 'add');
  if (matches(cmd, 'change') || cmd === 'chg' || matches(cmd, 'append') || matches(cmd, 'prepend') || matches(cmd, 'test'))
    return notModelled(`ip route ${cmd}`);
  if (matches(cmd, 'replace')) return routeModify(rest, ctx, 'replace');
  if (matches(cmd, 'delete')) return routeModify(rest, ctx, 'del');
  if (matches(cmd, 'list') || matches(cmd, 'show') || matches(cmd, 'lst')) return routeShow(rest, ctx);
  if (matches(cmd, 'get')) return routeGet(rest, ctx);
  if (matches(cmd, 'flush') || matches(cmd, 'save') || matches(cmd, 'restore') || matches(cmd, 'showdump') || matches(cmd, 'help')) {
    return notModelled(`ip route ${cmd}`);
  }
  return failure(`Command "${cmd}" is unknown, try "ip route help".`, EXIT_USAGE);
}
