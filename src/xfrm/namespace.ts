/** One network namespace's xfrm: its SPD, SAD, xfrm_stat counters, net.core.xfrm_* sysctls, random source, per-SA IV salts, and the event stream `ip xfrm monitor` listens to (kernel: struct netns_xfrm, net->mib.xfrm_statistics, xfrm_sysctl.c; xfrm_state.c km_state_notify, km_policy_notify, km_query, km_is_alive; xfrm_user.c's netlink groups). */

import type { Random } from '../crypto/index.js';
import type { FlowContext } from './flow.js';
import { type XfrmInputContext, type XfrmInputResult, xfrmInput } from './input.js';
import { type XfrmOutputContext, type XfrmOutputDecision, type XfrmSecPathEntry, xfrmLookupOutput } from './output.js';
import type { XfrmPolicy, XfrmPolicyType } from './policy.js';
import { type XfrmCheckResult, xfrmPolicyCheck } from './policy-check.js';
import type { Sad, SadConfig, XfrmStateEvent } from './sad.js';
import { SadIndexed } from './sad-indexed.js';
import type { XfrmFlow } from './selector.js';
import type { Spd } from './spd.js';
import { SpdIndexed } from './spd-indexed.js';
import type { XfrmState } from './state.js';
import { type XfrmStatName, XfrmStats } from './stats.js';

/** The drop every engine stage ends in: exactly one counter of /proc/net/xfrm_stat. */
export interface XfrmDrop {
  readonly kind: 'drop';
  readonly counter: XfrmStatName;
  readonly detail: string;
}

/**
 * A policy change as km_policy_notify reports it (xfrm_notify_policy, xfrm_notify_policy_flush):
 * the policy as stored after an add or update, as it was for a delete; `flushpolicy` only when
 * the flush removed something (an empty flush is ESRCH, which xfrm_flush_policy hides).
 */
export type XfrmPolicyEvent =
  | { readonly type: 'newpolicy' | 'updpolicy' | 'delpolicy'; readonly policy: XfrmPolicy }
  | { readonly type: 'flushpolicy'; readonly ptype: XfrmPolicyType };

/** One message of NETLINK_XFRM's multicast groups. */
export type XfrmEvent = XfrmStateEvent | XfrmPolicyEvent;

/** The multicast groups a listener joins (enum xfrm_nlgroups, without the Mobile IPv6 ones the model never sends). */
export type XfrmNlGroup = 'acquire' | 'expire' | 'sa' | 'policy' | 'aevents' | 'report';

export const XFRM_NL_GROUPS: readonly XfrmNlGroup[] = ['acquire', 'expire', 'sa', 'policy', 'aevents', 'report'];

/** The group each message goes to (xfrm_send_state_notify, xfrm_send_policy_notify, xfrm_send_acquire). */
export function xfrmEventGroup(e: XfrmEvent): XfrmNlGroup {
  switch (e.type) {
    case 'acquire':
      return 'acquire';
    case 'expire':
      return 'expire';
    case 'newsa':
    case 'updsa':
    case 'delsa':
    case 'flushsa':
      return 'sa';
    default:
      return 'policy';
  }
}

/** A netlink socket bound to some groups: it gets every message of those groups, in order. */
export interface XfrmListener {
  readonly groups: ReadonlySet<XfrmNlGroup>;
  readonly deliver: (event: XfrmEvent) => void;
}

/**
 * net.core.xfrm_* (xfrm_sysctl.c, per namespace): `larvalDrop` and `acqExpires` are int
 * (proc_dointvec), the aevent pair unsigned (proc_douintvec). The aevent values are kept and
 * shown; nothing uses them while replay notifications (XFRM_MSG_NEWAE) are not modelled.
 */
export interface XfrmSysctls {
  larvalDrop: number;
  acqExpires: number;
  aeventEtime: number;
  aeventRseqth: number;
}

export type XfrmSysctlName = keyof XfrmSysctls;

/**
 * What the stack keeps per host. Policies come from `spd.getDefault()` when none matches; the
 * salts stand for the per-tfm salt echainiv/seqiv draw at SA creation (get_random_bytes), taken
 * here from the seeded source the first time an SA sends, so equal seeds give equal bytes.
 */
export class XfrmNamespace {
  readonly spd: Spd;
  readonly sad: Sad;
  readonly stats = new XfrmStats();
  readonly random: Random;
  /** Defaults of xfrm_sysctl_init (XFRM_AE_ETIME, XFRM_AE_SEQT_SIZE) and xfrm_net_init. */
  readonly sysctl: XfrmSysctls;
  private readonly listeners = new Set<XfrmListener>();
  /** A key manager the model does not run (an IKE daemon) declared listening, as tests do. */
  private otherKeyManager = false;
  private readonly salts = new WeakMap<XfrmState, Uint8Array>();

  constructor(opts: { readonly random: Random; readonly spd?: Spd; readonly sad?: Sad; readonly sadConfig?: SadConfig }) {
    this.random = opts.random;
    this.spd = opts.spd ?? new SpdIndexed();
    const acq = opts.sadConfig?.acqExpiresSeconds;
    this.sysctl = { larvalDrop: 1, acqExpires: typeof acq === 'number' ? acq : 30, aeventEtime: 10, aeventRseqth: 2 };
    // A larval SA takes acq_expires as it is when the SA is made, so the SAD reads it each time.
    this.sad = opts.sad ?? new SadIndexed({ ...opts.sadConfig, acqExpiresSeconds: () => this.sysctl.acqExpires });
  }

  /**
   * km_is_alive: a socket in XFRMNLGRP_ACQUIRE (`ip xfrm monitor`, an IKE daemon) makes an output
   * miss create a larval SA and an ACQUIRE (kernel-semantics §2.3). Setting it stands for a key
   * manager outside the model.
   */
  get keyManagerListening(): boolean {
    if (this.otherKeyManager) return true;
    for (const l of this.listeners) if (l.groups.has('acquire')) return true;
    return false;
  }

  set keyManagerListening(on: boolean) {
    this.otherKeyManager = on;
  }

  /** Joins `groups`; the returned function leaves them (the socket closes). */
  subscribe(groups: Iterable<XfrmNlGroup>, deliver: (event: XfrmEvent) => void): () => void {
    const l: XfrmListener = { groups: new Set(groups), deliver };
    this.listeners.add(l);
    return () => {
      this.listeners.delete(l);
    };
  }

  /**
   * The one place events leave the namespace: each goes, in order, to every listener of its
   * group. Database operations return their events as values and whoever ran the operation
   * (the packet seams below, the `ip xfrm` commands) hands them here exactly once.
   */
  notify(events: readonly XfrmEvent[] | undefined): void {
    if (!events || events.length === 0 || this.listeners.size === 0) return;
    for (const e of events) {
      const g = xfrmEventGroup(e);
      for (const l of [...this.listeners]) if (l.groups.has(g)) l.deliver(e);
    }
  }

  /**
   * Writes a net.core.xfrm_* value already parsed as the handler parses it. `larvalDrop` 0 would
   * queue packets on the policy until an SA comes (xfrm_create_dummy_bundle, xdst_queue_output):
   * that is not modelled, so callers refuse it as such before they get here.
   */
  setSysctl(name: XfrmSysctlName, value: number): void {
    if (name === 'larvalDrop' && value === 0) throw new Error('xfrm: net.core.xfrm_larval_drop=0 (packet queueing) is not modelled');
    this.sysctl[name] = value;
  }

  /** Runs the SA timers due by `nowUs` (lifetimes, larval expiry) and reports their EXPIREs. */
  runTimers(nowUs: number): void {
    this.notify(this.sad.runTimers(nowUs));
  }

  /** The route-time output decision (xfrm_lookup_with_ifid): the stack's `lookupOutput` seam. */
  lookupOutput(flow: XfrmFlow, ctx: XfrmOutputContext): XfrmOutputDecision {
    const d = xfrmLookupOutput(this, flow, ctx);
    if (d.kind === 'no-state' || d.kind === 'error' || d.kind === 'plain') this.notify(d.events);
    if (d.kind !== 'bundle') return d;
    this.notify(d.events);
    // The SAs' soft and hard expiries happen when the packet is transformed, after this returns.
    return {
      ...d,
      transform: (bytes, mark) => {
        const r = d.transform(bytes, mark);
        this.notify(r.events);
        return r;
      },
    };
  }

  /** xfrm6_policy_check(XFRM_POLICY_IN) in the transport handlers; `ctx.oif` is lo's ifindex. */
  checkInput(bytes: Uint8Array, secPath: readonly XfrmSecPathEntry[], ctx: FlowContext): XfrmCheckResult {
    return xfrmPolicyCheck(this, 'in', bytes, secPath, ctx);
  }

  /** xfrm6_policy_check(XFRM_POLICY_FWD) in ip6_forward; `ctx.oif` is the output device. */
  checkForward(bytes: Uint8Array, secPath: readonly XfrmSecPathEntry[], ctx: FlowContext): XfrmCheckResult {
    return xfrmPolicyCheck(this, 'fwd', bytes, secPath, ctx);
  }

  /** xfrm6_rcv for AH (51) or ESP (50) at `offset`. */
  receive(bytes: Uint8Array, proto: 50 | 51, offset: number, secPath: readonly XfrmSecPathEntry[], ctx: XfrmInputContext): XfrmInputResult {
    const r = xfrmInput(this, bytes, proto, offset, secPath, ctx);
    this.notify(r.events);
    return r;
  }

  /** Bumps `counter` and returns the drop naming it: the one place a drop is counted. */
  drop(counter: XfrmStatName, detail: string): XfrmDrop {
    this.stats.inc(counter);
    return { kind: 'drop', counter, detail };
  }

  /** The IV salt of `state` (`length` bytes), drawn once per SA. */
  ivSalt(state: XfrmState, length: number): Uint8Array {
    let salt = this.salts.get(state);
    if (!salt || salt.length !== length) {
      salt = this.random.bytes(length);
      this.salts.set(state, salt);
    }
    return salt;
  }
}
