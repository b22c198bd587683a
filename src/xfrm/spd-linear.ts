/** Reference SPD lookup: every policy of the direction tried, the winner picked by the kernel's rules written out plainly (kernel: xfrm_policy.c xfrm_policy_lookup_bytype, __xfrm_policy_eval_candidates). */

import { policyMatch, type XfrmDir, type XfrmPolicy, type XfrmPolicyType } from './policy.js';
import type { XfrmFlow } from './selector.js';
import { chainOrder, SpdBase, type SpdEntry } from './spd.js';

/**
 * Kept beside SpdIndexed as the plain statement of the rules; one test suite runs over both.
 *
 * The kernel takes the first matching exact policy of the flow's hash chain (priority, then chain
 * order) and then lets matching inexact policies challenge it: a smaller priority wins, and at equal
 * priority the challenger wins when its pos is not larger. Exact policies have pos 0, so an inexact
 * policy beats an exact one of equal priority only from pos 0 (unless a hash rebuild left the exact
 * one a stale pos). Among inexact policies pos follows the list order, so the smallest pos wins.
 */
export class SpdLinear extends SpdBase {
  lookup(dir: XfrmDir, ptype: XfrmPolicyType, flow: XfrmFlow): XfrmPolicy | undefined {
    this.examined = 0;
    let exact: SpdEntry | undefined;
    let inexact: SpdEntry | undefined;
    for (const e of this.entries) {
      if (e.policy.dir !== dir) continue;
      this.examined++;
      if (!policyMatch(e.policy, ptype, flow)) continue;
      if (e.exact) {
        if (!exact || chainOrder(e, exact) < 0) exact = e;
      } else if (
        !inexact ||
        e.policy.priority < inexact.policy.priority ||
        (e.policy.priority === inexact.policy.priority && this.posOf(e) < this.posOf(inexact))
      ) {
        inexact = e;
      }
    }
    if (!inexact) return exact?.policy;
    if (!exact) return inexact.policy;
    const inexactWins =
      inexact.policy.priority < exact.policy.priority ||
      (inexact.policy.priority === exact.policy.priority && this.posOf(inexact) <= this.posOf(exact));
    return inexactWins ? inexact.policy : exact.policy;
  }

  // The linear lookup reads `entries` directly and needs no structure of its own.
  protected linkIndex(): void {}
  protected unlinkIndex(): void {}
  protected rebuildIndex(): void {}
}
