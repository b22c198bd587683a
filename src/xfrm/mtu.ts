/** The MTU a packet may have before an SA or a bundle of SAs so that what they make still fits (kernel: xfrm_state.c xfrm_state_mtu, xfrm_policy.c xfrm_init_pmtu). */

import { espBlockSize, espIcvLength } from './esp6.js';
import { xfrmHeaderLength } from './output.js';
import type { XfrmState } from './state.js';

/**
 * xfrm_state_mtu: room left under `mtu` once the SA has added its header (and for ESP its ICV,
 * the 2-byte trailer and the padding to the cipher's block, ALIGN(blocksize, 4)). In transport
 * mode the IPv6 header is not padded, hence net_adj.
 */
export function xfrmStateMtu(x: XfrmState, mtu: number): number {
  if (x.crypto.kind !== 'esp') return mtu - xfrmHeaderLength(x);
  const block = espBlockSize(x.crypto.esp);
  const netAdj = x.mode === 'tunnel' ? 0 : 40;
  return ((mtu - xfrmHeaderLength(x) - espIcvLength(x.crypto.esp) - netAdj) & ~(block - 1)) + netAdj - 2;
}

/**
 * xfrm_init_pmtu: from the outermost SA inwards, each SA's room under the one outside it, never
 * more than the route's MTU; the first SA's value is the bundle's MTU (dst_mtu of the xfrm dst).
 * `states` in application order (the first is applied first, innermost).
 */
export function xfrmBundleMtu(states: readonly XfrmState[], routeMtu: number): number {
  let mtu = routeMtu;
  for (let i = states.length - 1; i >= 0; i--) mtu = Math.min(xfrmStateMtu(states[i]!, mtu), routeMtu);
  return mtu;
}
