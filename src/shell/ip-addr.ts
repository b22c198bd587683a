/** `ip address add|delete|show` for IPv6 addresses (iproute2 6.1: ip/ipaddress.c ipaddr_modify, ipaddr_list_flush_or_save, print_addrinfo; kernel: net/ipv6/addrconf.c inet6_addr_add, ipv6_link_dev_addr). */

import { ConfigError } from '../errors.js';
import { addAddress, addrScope, deleteAddress, type InetAddr, SCOPE } from '../stack/addrconf.js';
import type { Host } from '../stack/host.js';
import type { NetDevice } from '../stack/netdev.js';
import { formatIpv6Address } from '../wire/ipv6-address.js';
import { type CommandResult, failure, notModelled, result } from './command.js';
import {
  duparg2,
  EXIT_FAIL,
  EXIT_USAGE,
  familyNameVerbose,
  type IpContext,
  incompleteCommand,
  matches,
  readPrefix,
  rtnlTalk,
} from './ip-args.js';
import { devicesByIndex, hasBeenUp, inet6LinkHeader, linkInfoLines, parseListArgs } from './ip-link.js';
import type { IpOptions } from './ip-options.js';

/** ifa_flag_data names ipaddr_modify accepts: the read-only ones only draw a warning. */
const READONLY_FLAGS = new Set(['secondary', 'temporary', 'dadfailed', 'deprecated', 'tentative', 'permanent', 'stable-privacy']);
const SETTABLE_FLAGS = new Set(['nodad', 'optimistic', 'home', 'mngtmpaddr', 'noprefixroute', 'autojoin']);

/** `ip addr add|del ADDR/LEN dev DEV [nodad]`. */
function addrModify(args: readonly string[], ctx: IpContext, cmd: 'add' | 'del'): CommandResult {
  let family: IpOptions['family'] = ctx.opts.family;
  let local: { addr: Uint8Array; len: number } | undefined;
  let localGiven = false;
  let dev: string | undefined;
  let nodad = false;
  let warnings = '';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === 'peer' || a === 'remote' || matches(a, 'broadcast') || a === 'brd' || a === 'anycast' || a === 'scope' || a === 'label') {
      if (args[++i] === undefined) return incompleteCommand();
      return notModelled(`ip address ${a}`);
    } else if (a === 'dev') {
      const v = args[++i];
      if (v === undefined) return incompleteCommand();
      dev = v;
    } else if (matches(a, 'metric') || matches(a, 'priority') || matches(a, 'preference')) {
      if (args[++i] === undefined) return incompleteCommand();
      return notModelled('ip address metric');
    } else if (matches(a, 'valid_lft') || matches(a, 'preferred_lft')) {
      if (args[++i] === undefined) return incompleteCommand();
      return notModelled(`ip address ${matches(a, 'valid_lft') ? 'valid_lft' : 'preferred_lft'}`);
    } else if (READONLY_FLAGS.has(a)) {
      warnings += `Warning: ${a} option is not mutable from userspace\n`;
    } else if (SETTABLE_FLAGS.has(a)) {
      if (a !== 'nodad') return notModelled(`ip address ${a}`);
      if (family !== 'inet6') warnings += 'Warning: nodad option can be set only for IPv6 addresses\n';
      else nodad = true;
    } else {
      let text = a;
      if (a === 'local') {
        const v = args[++i];
        if (v === undefined) return incompleteCommand();
        text = v;
      }
      if (matches(text, 'help')) return notModelled('ip address help');
      if (localGiven) return duparg2('local', text);
      const p = readPrefix(text, family, true);
      if (p === undefined) return failure(`Error: ${familyNameVerbose(family)} prefix is expected rather than "${text}".`, EXIT_FAIL);
      if ('keyword' in p) return notModelled(`ip address ${cmd} ${p.keyword}`);
      if (p.family === 'inet') return notModelled(`ip address ${cmd} ${text} (IPv4)`);
      family = 'inet6';
      local = { addr: p.addr, len: p.len };
      localGiven = true;
    }
  }
  if (dev === undefined) return failure(`${warnings}Not enough information: "dev" argument is required.`, EXIT_FAIL);
  if (!ctx.host.devices.has(dev)) return failure(`${warnings}Cannot find device "${dev}"`, EXIT_FAIL);
  if (local === undefined) return notModelled(`ip address ${cmd} without an address`);
  const { addr, len } = local;
  const devName = dev;
  const err = rtnlTalk(() => {
    if (cmd === 'del') {
      deleteAddress(ctx.host, devName, addr, len);
      return;
    }
    const d = ctx.host.device(devName);
    // ipv6_add_addr: no ::, no multicast, ::1 only on lo; addrconf_add_dev: not with disable_ipv6.
    const unspecified = addr.every((b) => b === 0);
    const loopback = addr.every((b, i) => b === (i === 15 ? 1 : 0));
    if (d.conf.disable_ipv6) throw new ConfigError('EACCES');
    if (unspecified || addr[0] === 0xff || (loopback && d.kind !== 'loopback')) throw new ConfigError('EADDRNOTAVAIL');
    addAddress(ctx.host, devName, addr, len, { nodad });
  });
  if (err) return { ...err, stderr: warnings + err.stderr };
  return result('', warnings);
}

/** addrconf's per-device list order: higher scope first (global before link-local), newest first within a scope. */
function addressesOf(host: Host, dev: string): InetAddr[] {
  const list = host.addrs.map((a, i) => ({ a, i })).filter((x) => x.a.dev === dev);
  list.sort((x, y) => addrScope(y.a.addr) - addrScope(x.a.addr) || y.i - x.i);
  return list.map((x) => x.a);
}

function scopeName(a: InetAddr): string {
  switch (addrScope(a.addr)) {
    case SCOPE.NODE:
      return 'host';
    case SCOPE.LINK:
      return 'link';
    case SCOPE.SITE:
      return 'site';
    default:
      return 'global';
  }
}

/**
 * IFA_F_TENTATIVE as the kernel reports it: DAD running, or waiting for a device that is not
 * ready (addrconf_dad_begin keeps a permanent address tentative until IF_READY) unless DAD is off
 * for it (nodad, or accept_dad 0 in both all and the device).
 */
export function isTentative(host: Host, dev: NetDevice, a: InetAddr): boolean {
  if (a.tentative) return true;
  if (dev.running || dev.kind === 'loopback' || a.nodad) return false;
  return host.conf.all.accept_dad > 0 || dev.conf.accept_dad > 0;
}

/** print_addrinfo: the family line and the lifetime line (joined by `\` under -o, each prefixed by `N: DEV`). */
function addrLines(host: Host, dev: NetDevice, family: IpOptions['family'], oneline: boolean): string[] {
  const out: string[] = [];
  const prefix = oneline ? `${dev.ifindex}: ${dev.name}` : '';
  const lft = '       valid_lft forever preferred_lft forever';
  // The IPv4 stack gives lo 127.0.0.1/8 when it first comes up and keeps it (inetdev_event NETDEV_UP).
  if (family !== 'inet6' && dev.kind === 'loopback' && hasBeenUp(dev)) {
    const l = `${prefix}    inet 127.0.0.1/8 scope host lo`;
    out.push(oneline ? `${l}\\${lft}` : `${l}\n${lft}`);
  }
  if (family === 'inet') return out;
  for (const a of addressesOf(host, dev.name)) {
    let flags = '';
    // The model marks lo's ::1 nodad internally; the kernel adds it without IFA_F_NODAD (init_loopback).
    if (a.nodad && dev.kind !== 'loopback') flags += 'nodad ';
    if (isTentative(host, dev, a)) flags += 'tentative ';
    const l = `${prefix}    inet6 ${formatIpv6Address(a.addr)}/${a.prefixLen} scope ${scopeName(a)} ${flags}`;
    out.push(oneline ? `${l}\\${lft}` : `${l}\n${lft}`);
  }
  return out;
}

/** `ip [-6] [-o] addr show [dev DEV] [up]`. */
function addrShow(args: readonly string[], ctx: IpContext): CommandResult {
  if (ctx.opts.details) return notModelled('ip -details address');
  if (ctx.opts.stats > 0) return notModelled('ip -stats address');
  const f = parseListArgs(args, 'ip address show');
  if ('exitCode' in f) return f;
  const { host, opts } = ctx;
  let devs = devicesByIndex(host);
  if (f.dev !== undefined) {
    const d = host.devices.get(f.dev);
    if (!d) return failure(`Device "${f.dev}" does not exist.`, EXIT_FAIL);
    devs = [d];
  }
  if (f.up) devs = devs.filter((d) => d.adminUp);
  let out = '';
  for (const d of devs) {
    const addrs = addrLines(host, d, opts.family, opts.oneline);
    // ipaddr_filter: with a family filter, only devices with an address of that family are listed.
    if (opts.family !== undefined && addrs.length === 0) continue;
    if (!opts.oneline) {
      if (opts.family === 'inet6' && f.dev === undefined) out += `${inet6LinkHeader(host, d)}\n`;
      else out += `${linkInfoLines(ctx.world, host, d, { doLink: false, linkLine: opts.family === undefined }).join('\n')}\n`;
    }
    for (const l of addrs) out += `${l}\n`;
  }
  return result(out);
}

/** do_ipaddr. */
export function ipAddr(args: readonly string[], ctx: IpContext): CommandResult {
  const [cmd, ...rest] = args;
  if (cmd === undefined) return addrShow([], ctx);
  if (matches(cmd, 'add')) return addrModify(rest, ctx, 'add');
  if (matches(cmd, 'change') || cmd === 'chg') return notModelled('ip address change');
  if (matches(cmd, 'replace')) return notModelled('ip address replace');
  if (matches(cmd, 'delete')) return addrModify(rest, ctx, 'del');
  if (matches(cmd, 'list') || matches(cmd, 'show') || matches(cmd, 'lst')) return addrShow(rest, ctx);
  if (matches(cmd, 'flush') || matches(cmd, 'save') || matches(cmd, 'showdump') || matches(cmd, 'restore') || matches(cmd, 'help')) {
    return notModelled(`ip address ${cmd}`);
  }
  return failure(`Command "${cmd}" is unknown, try "ip address help".`, EXIT_USAGE);
}
