/** The `ip` command: global options, `-n NS`, `ip netns exec`, and each object's handler (iproute2 6.1: ip/ip.c do_cmd, ip/ipnetns.c netns_exec). */

import { armXfrmTimers } from '../stack/xfrm-seams.js';
import { type CommandResult, failure, notModelled } from './command.js';
import { ipAddr } from './ip-addr.js';
import { type IpContext, matches, parseIpInvocation, resolveIpHost } from './ip-args.js';
import { ipLink } from './ip-link.js';
import { ipNeigh } from './ip-neigh.js';
import { ipNetns } from './ip-netns.js';
import { ipRoute } from './ip-route.js';
import { ipXfrm } from './ip-xfrm.js';
import { ipXfrmMonitor } from './ip-xfrm-monitor.js';
import { NETNS_VAR, quoteArgs, type SimCommand, type SimContext } from './runtime.js';

type ObjectHandler = (args: readonly string[], ctx: IpContext) => CommandResult;

const OBJECT_HANDLERS: Readonly<Record<string, ObjectHandler>> = {
  netns: ipNetns,
  link: ipLink,
  address: ipAddr,
  route: ipRoute,
  neighbor: ipNeigh,
  xfrm: (args, ctx) => {
    const r = ipXfrm(args, {
      xfrm: ctx.host.xfrm,
      nowUs: ctx.world.clock.nowUs,
      opts: ctx.opts,
      links: { indexOf: (name) => ctx.host.devices.get(name)?.ifindex, nameOf: (i) => ctx.host.deviceByIndex(i)?.name },
    });
    // An added SA may carry time limits: its timers join the world's clock.
    armXfrmTimers(ctx.host);
    return r;
  },
};

export const ipCommand: SimCommand = (argv, ctx) => {
  const inv = parseIpInvocation(argv);
  if (inv.kind === 'fail') return inv.result;
  if (inv.object === 'netns' && inv.args[0] !== undefined && matches(inv.args[0], 'exec')) return netnsExec(inv.args.slice(1), ctx);
  const host = resolveIpHost(ctx.world, ctx.host, inv.netns);
  if ('exitCode' in host) return host;
  // `ip xfrm monitor` keeps listening after the command line: it becomes a job of the shell.
  if (inv.object === 'xfrm' && inv.args[0] !== undefined && inv.args[0] !== '' && matches(inv.args[0], 'monitor'))
    return ipXfrmMonitor(inv.args.slice(1), {
      xfrm: host.xfrm,
      opts: inv.opts,
      ifName: (i) => host.deviceByIndex(i)?.name,
      jobs: ctx.jobs,
      ...(ctx.background ? { background: ctx.background } : {}),
    });
  const handler = OBJECT_HANDLERS[inv.object];
  if (!handler) return notModelled(`ip ${inv.object}`);
  return handler(inv.args, { world: ctx.world, host, opts: inv.opts });
};

/**
 * `ip netns exec NS CMD...`: CMD runs with the namespace's network (the same shell, files and
 * environment). iproute2 execvp()s CMD; an unknown command is bash's "command not found" here.
 */
async function netnsExec(args: readonly string[], ctx: SimContext): Promise<CommandResult> {
  const [ns, ...cmd] = args;
  if (ns === undefined) return failure('No netns name specified', 255);
  if (cmd.length === 0) return failure('No command specified', 255);
  if (ns === 'init' || !ctx.world.hosts.has(ns)) return failure(`Cannot open network namespace "${ns}": No such file or directory`, 255);
  return ctx.exec(quoteArgs(cmd), { [NETNS_VAR]: ns });
}
