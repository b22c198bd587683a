/** `ip [-6] neigh show [dev DEV]`: the neighbour caches as rtnetlink dumps them (iproute2 6.1: ip/ipneigh.c do_show_or_flush, print_neigh; kernel: net/core/neighbour.c neigh_fill_info). */

import { ConfigError } from '../errors.js';
import { type Neighbour, type NudState, neighAdminDelete, neighAdminUpdate } from '../stack/neighbour.js';
import { formatMac } from '../wire/ethernet.js';
import { formatIpv6Address } from '../wire/ipv6-address.js';
import { type CommandResult, failure, notModelled, result } from './command.js';
import {
  duparg,
  duparg2,
  EXIT_USAGE,
  type IpContext,
  incompleteCommand,
  invarg,
  matches,
  nodev,
  readPrefix,
  rtnlError,
} from './ip-args.js';
import { devicesByIndex } from './ip-link.js';

/** NUD_VALID: the states in which neigh_fill_info reports the link-layer address. */
const NUD_VALID: ReadonlySet<NudState> = new Set(['PERMANENT', 'NOARP', 'REACHABLE', 'PROBE', 'STALE', 'DELAY']);

/** print_neigh, without -s. The default filter (0xFF & ~NUD_NOARP) hides NONE and NOARP entries. */
function neighLine(n: Neighbour, dev: string | undefined): string | undefined {
  if (n.state === 'NONE' || n.state === 'NOARP') return undefined;
  let s = `${formatIpv6Address(n.addr)} `;
  if (dev !== undefined) s += `dev ${dev} `;
  if (NUD_VALID.has(n.state) && n.lladdr) s += `lladdr ${formatMac(n.lladdr)} `;
  if (n.isRouter) s += 'router ';
  return `${s}${n.state} `;
}

function neighShow(args: readonly string[], ctx: IpContext): CommandResult {
  if (ctx.opts.stats > 0) return notModelled('ip -stats neigh');
  let devName: string | undefined;
  let to: { addr: Uint8Array; len: number } | undefined;
  for (let i = 0; i < args.length; i++) {
    let a = args[i]!;
    if (a === 'to') {
      const v = args[++i];
      if (v === undefined) return incompleteCommand();
      a = v;
    }
    if (a.includes(':') && to === undefined) {
      // `[to] PREFIX`: entries inside the prefix (get_prefix; a bare address is a /128).
      const p = readPrefix(a, 'inet6', true);
      if (!p || !('addr' in p)) return invarg('to value is invalid', a);
      to = { addr: p.addr, len: p.len };
    } else if (a === 'dev') {
      const v = args[++i];
      if (v === undefined) return incompleteCommand();
      if (devName !== undefined) return duparg('dev', v);
      devName = v;
    } else if (a === 'nomaster' || a === 'unused' || a === 'proxy') return notModelled(`ip neigh show ${a}`);
    else if (a === 'master' || a === 'vrf' || a === 'nud' || matches(a, 'protocol')) {
      if (args[++i] === undefined) return incompleteCommand();
      return notModelled(`ip neigh show ${a}`);
    } else return notModelled(`ip neigh show ${a}`);
  }
  if (devName !== undefined && !ctx.host.devices.has(devName)) return nodev(devName);
  // IPv4 has no neighbours in a model without IPv4, so `-4` lists nothing.
  if (ctx.opts.family === 'inet') return result('');
  let out = '';
  // The kernel walks its hash buckets; the model lists by device, then in creation order.
  for (const d of devicesByIndex(ctx.host)) {
    if (devName !== undefined && d.name !== devName) continue;
    const table = ctx.host.neigh.get(d.name);
    if (!table) continue;
    for (const n of table.entries.values()) {
      if (to && !inPrefix(n.addr, to.addr, to.len)) continue;
      const line = neighLine(n, devName === undefined ? d.name : undefined);
      if (line !== undefined) out += `${line}\n`;
    }
  }
  return result(out);
}

function inPrefix(addr: Uint8Array, prefix: Uint8Array, len: number): boolean {
  for (let bit = 0; bit < len; bit++) {
    const m = 0x80 >> (bit % 8);
    if ((addr[bit >> 3]! & m) !== (prefix[bit >> 3]! & m)) return false;
  }
  return true;
}

const NUD_NAMES: Readonly<Record<string, Parameters<typeof neighAdminUpdate>[4]>> = {
  permanent: 'PERMANENT',
  reachable: 'REACHABLE',
  stale: 'STALE',
  noarp: 'NOARP',
  delay: 'DELAY',
  probe: 'PROBE',
  failed: 'FAILED',
  incomplete: 'INCOMPLETE',
  none: 'NONE',
};

/** ipneigh_modify: `add|replace|change|del ADDR [lladdr MAC] dev DEV [nud STATE]`. */
function neighModify(mode: 'add' | 'replace' | 'change' | 'del', args: readonly string[], ctx: IpContext): CommandResult {
  let devName: string | undefined;
  let dst: Uint8Array | undefined;
  let lladdr: Uint8Array | undefined;
  let state: Parameters<typeof neighAdminUpdate>[4] = 'PERMANENT';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = () => args[++i];
    if (a === 'lladdr') {
      const v = next();
      if (v === undefined) return incompleteCommand();
      const m = /^([0-9a-fA-F]{1,2})(?::([0-9a-fA-F]{1,2})){5}$/.test(v) ? v.split(':').map((x) => Number.parseInt(x, 16)) : undefined;
      if (!m) return failure(`"${v}" is invalid lladdr.`, EXIT_USAGE);
      lladdr = new Uint8Array(m);
    } else if (a === 'nud') {
      const v = next();
      if (v === undefined) return incompleteCommand();
      const st = NUD_NAMES[v];
      if (!st) return invarg('nud state is bad', v);
      state = st;
    } else if (a === 'dev') {
      const v = next();
      if (v === undefined) return incompleteCommand();
      devName = v;
    } else if (a === 'router' || a === 'proxy' || a === 'extern_learn' || a === 'use' || a === 'managed' || a === 'protocol') {
      return notModelled(`ip neigh ${mode} ${a}`);
    } else {
      const v = a === 'to' ? next() : a;
      if (v === undefined) return incompleteCommand();
      if (dst !== undefined) return duparg2('to', v);
      const p = readPrefix(v, ctx.opts.family, false);
      if (!p || 'keyword' in p) return invarg('invalid address', v);
      if (!('addr' in p)) return notModelled(`ip neigh ${mode} ${v} (IPv4 is not modelled)`);
      dst = p.addr;
    }
  }
  if (devName === undefined || dst === undefined) return failure('Device and destination are required arguments.', 255);
  const dev = ctx.host.devices.get(devName);
  if (!dev) return nodev(devName);
  const err = mode === 'del' ? neighAdminDelete(ctx.host, dev, dst) : neighAdminUpdate(ctx.host, dev, dst, lladdr, state, mode);
  return err ? rtnlError(new ConfigError(err)) : result('');
}

/** do_ipneigh. */
export function ipNeigh(args: readonly string[], ctx: IpContext): CommandResult {
  const [cmd, ...rest] = args;
  if (cmd === undefined) return neighShow([], ctx);
  if (matches(cmd, 'add')) return neighModify('add', rest, ctx);
  if (matches(cmd, 'change') || cmd === 'chg') return neighModify('change', rest, ctx);
  if (matches(cmd, 'replace')) return neighModify('replace', rest, ctx);
  if (matches(cmd, 'delete')) return neighModify('del', rest, ctx);
  if (matches(cmd, 'get')) return notModelled(`ip neigh ${cmd}`);
  if (matches(cmd, 'show') || matches(cmd, 'lst') || matches(cmd, 'list')) return neighShow(rest, ctx);
  if (matches(cmd, 'flush')) return notModelled('ip neigh flush');
  if (matches(cmd, 'help')) return notModelled('ip neigh help', EXIT_USAGE);
  return failure(`Command "${cmd}" is unknown, try "ip neigh help".`, EXIT_USAGE);
}
