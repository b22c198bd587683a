/** One network namespace's xfrm: its SPD, SAD, xfrm_stat counters, random source and per-SA IV salts (kernel: struct netns_xfrm, net->mib.xfrm_statistics). */

import type { Random } from '../crypto/index.js';
import type { FlowContext } from './flow.js';
import { type XfrmInputContext, type XfrmInputResult, xfrmInput } from './input.js';
import { type XfrmOutputContext, type XfrmOutputDecision, type XfrmSecPathEntry, xfrmLookupOutput } from './output.js';
import { type XfrmCheckResult, xfrmPolicyCheck } from './policy-check.js';
import type { Sad, SadConfig } from './sad.js';
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
 * What the stack keeps per host. Policies come from `spd.getDefault()` when none matches; the
 * salts stand for the per-tfm salt echainiv/seqiv draw at SA creation (get_random_bytes), taken
 * here from the seeded source the first time an SA sends, so equal seeds give equal bytes.
 */
export class XfrmNamespace {
  readonly spd: Spd;
  readonly sad: Sad;
  readonly stats = new XfrmStats();
  readonly random: Random;
  /**
   * Set when a key manager listens for ACQUIRE (`ip xfrm monitor`, an IKE daemon): an output miss
   * then makes a larval SA (kernel-semantics §2.3).
   */
  keyManagerListening = false;
  private readonly salts = new WeakMap<XfrmState, Uint8Array>();

  constructor(opts: { readonly random: Random; readonly spd?: Spd; readonly sad?: Sad; readonly sadConfig?: SadConfig }) {
    this.random = opts.random;
    this.spd = opts.spd ?? new SpdIndexed();
    this.sad = opts.sad ?? new SadIndexed(opts.sadConfig);
  }

  /** The route-time output decision (xfrm_lookup_with_ifid): the stack's `lookupOutput` seam. */
  lookupOutput(flow: XfrmFlow, ctx: XfrmOutputContext): XfrmOutputDecision {
    return xfrmLookupOutput(this, flow, ctx);
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
    return xfrmInput(this, bytes, proto, offset, secPath, ctx);
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
