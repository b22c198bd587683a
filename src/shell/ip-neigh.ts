/** `ip [-6] neigh show [dev DEV]`: the neighbour caches as rtnetlink dumps them (iproute2 6.1: ip/ipneigh.c do_show_or_flush, print_neigh; kernel: net/core/neighbour.c neigh_fill_info). */

import type { Neighbour, NudState } from '../stack/neighbour.js';
import { formatMac } from '../wire/ethernet.js';
import { formatIpv6Address } from '../wire/ipv6-address.js';
import { type CommandResult, failure, notModelled, result } from './command.js';
import { duparg, EXIT_USAGE, type IpContext, incompleteCommand, matches, nodev } from './ip-args.js';
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
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === 'dev') {
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
      const line = neighLine(n, devName === undefined ? d.name : undefined);
      if (line !== undefined) out += `${line}\n`;
    }
  }
  return result(out);
}

/** do_ipneigh. */
export function ipNeigh(args: readonly string[], ctx: IpContext): CommandResult {
  const [cmd, ...rest] = args;
  if (cmd === undefined) return neighShow([], ctx);
  if (
    matches(cmd, 'add') ||
    matches(cmd, 'change') ||
    cmd === 'chg' ||
    matches(cmd, 'replace') ||
    matches(cmd, 'delete') ||
    matches(cmd, 'get')
  ) {
    return notModelled(`ip neigh ${cmd}`);
  }
  if (matches(cmd, 'show') || matches(cmd, 'lst') || matches(cmd, 'list')) return neighShow(rest, ctx);
  if (matches(cmd, 'flush')) return notModelled('ip neigh flush');
  if (matches(cmd, 'help')) return notModelled('ip neigh help', EXIT_USAGE);
  return failure(`Command "${cmd}" is unknown, try "ip neigh help".`, EXIT_USAGE);
}
