/** `ip xfrm monitor [all | OBJECTS]`: a netlink socket in NETLINK_XFRM's multicast groups that prints each event until it is killed (iproute2 6.1: ip/xfrm_monitor.c do_xfrm_monitor, xfrm_accept_msg). */

import { XFRM_NL_GROUPS, type XfrmEvent, type XfrmNamespace, type XfrmNlGroup } from '../xfrm/namespace.js';
import { type CommandResult, failure, notModelled, result } from './command.js';
import type { IpOptions } from './ip-options.js';
import { matches } from './ip-xfrm-parse.js';
import { formatXfrmEvent } from './ip-xfrm-print.js';
import type { JobEnd, JobOutput, JobTable } from './jobs.js';

export interface IpXfrmMonitorContext {
  readonly xfrm: XfrmNamespace;
  readonly opts: IpOptions;
  /** Interface names for a selector's `dev`. */
  readonly ifName?: (ifindex: number) => string | undefined;
  readonly jobs: JobTable;
  /** Set when the line ended in `&`: the monitor then runs as this job. */
  readonly background?: { readonly pid: number; readonly output: JobOutput };
}

const USAGE =
  'Usage: ip xfrm monitor [ nokeys ] [ all-nsid ] [ all | OBJECTS | help ]\nOBJECTS := { acquire | expire | SA | aevent | policy | report }\n';

/** The object words and the groups they join (nl_mgrp(XFRMNLGRP_...)). */
const OBJECTS: readonly (readonly [string, XfrmNlGroup])[] = [
  ['acquire', 'acquire'],
  ['expire', 'expire'],
  ['SA', 'sa'],
  ['aevent', 'aevents'],
  ['policy', 'policy'],
  ['report', 'report'],
];

/** A process that is killed by SIGTERM and does not catch it: bash's wait reports 128 + 15. */
const KILLED_BY_SIGTERM = 143;

/** Runs `ip [opts] xfrm monitor ARGV...`: argv is what follows `monitor`. */
export function ipXfrmMonitor(argv: readonly string[], ctx: IpXfrmMonitorContext): CommandResult {
  // do_xfrm_monitor starts with every group (~0); the first object word narrows it to the named ones.
  let groups: Set<XfrmNlGroup> | undefined;
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i]!;
    if (matches(w, 'file')) {
      if (i + 1 >= argv.length) return failure('Command line is not complete. Try option "help"', 255);
      return notModelled('ip xfrm monitor file');
    }
    // `nokeys` only hides keys in REPORT messages, which the model never sends; `all` keeps every group.
    if (w === 'nokeys' || w === 'all') continue;
    if (matches(w, 'all-nsid')) return notModelled('ip xfrm monitor all-nsid');
    const object = OBJECTS.find(([word]) => matches(w, word));
    if (object) {
      groups ??= new Set();
      groups.add(object[1]);
    } else if (matches(w, 'help')) return result('', USAGE, 255);
    else return result('', `Argument "${w}" is unknown, try "ip xfrm monitor help".\n`, 255);
  }
  // -s adds policy lifetimes and acquire algorithm masks, which the model does not keep.
  if (ctx.opts.stats > 0) return notModelled('ip -s xfrm monitor');
  if (!ctx.background) return failure('xfrmsim: ip xfrm monitor in the foreground never returns: start it with & and kill it', 2);

  const printOptions = {
    stats: 0,
    oneline: ctx.opts.oneline,
    ...(ctx.opts.family ? { preferredFamily: ctx.opts.family } : {}),
    ...(ctx.ifName ? { ifName: ctx.ifName } : {}),
  };
  let stdout = '';
  const leave = ctx.xfrm.subscribe(groups ?? XFRM_NL_GROUPS, (e: XfrmEvent) => {
    stdout += formatXfrmEvent(e, printOptions);
  });
  let end: JobEnd | undefined;
  ctx.jobs.add(
    ctx.background.pid,
    {
      name: 'ip xfrm monitor',
      finished: false,
      stop: () => {
        if (!end) {
          // Closing the socket leaves the groups: with no other listener, km_is_alive is false again.
          leave();
          end = { stdout, stderr: '', exitCode: KILLED_BY_SIGTERM, files: [] };
        }
        return end;
      },
    },
    ctx.background.output,
  );
  return result('');
}
