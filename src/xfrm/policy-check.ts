/** The inbound and forward policy check of a received packet against its secpath (kernel: xfrm_policy.c __xfrm_policy_check, xfrm_policy_ok, xfrm_state_ok, secpath_has_nontransport; include/net/xfrm.h __xfrm_policy_check2, __xfrm_check_nopolicy). */

import type { Ipv6Address } from '../wire/ipv6-address.js';
import { describeSecPath, describeTmpl } from './explain.js';
import { decodeSession6, type FlowContext } from './flow.js';
import type { XfrmDrop, XfrmNamespace } from './namespace.js';
import { hex8, type XfrmSecPathEntry } from './output.js';
import { XFRM_MAX_DEPTH, type XfrmPolicy, type XfrmTmpl } from './policy.js';
import { addrMatch, selectorMatch, type XfrmSelector } from './selector.js';
import { lookupBoth } from './spd.js';

export type XfrmCheckResult = { readonly kind: 'pass'; readonly detail: string } | XfrmDrop;

/**
 * xfrm6_policy_check(dir) for the (decapsulated) packet `bytes` with the SAs it was received
 * with. `dir` is `in` for local delivery (the flow's oif is then lo) and `fwd` for forwarding (the
 * output device). Socket policies and the ICMP reverse check are not modelled.
 */
export function xfrmPolicyCheck(
  ns: XfrmNamespace,
  dir: 'in' | 'fwd',
  bytes: Uint8Array,
  secPath: readonly XfrmSecPathEntry[],
  ctx: FlowContext,
): XfrmCheckResult {
  const spd = ns.spd;
  // __xfrm_check_nopolicy: nothing to check without policies of this direction and without a secpath.
  if (spd.count()[dir] === 0 && secPath.length === 0) {
    if (spd.getDefault()[dir] === 'accept') return { kind: 'pass', detail: `no ${dir} policy` };
    return ns.drop('XfrmInNoPols', `no ${dir} policy and the default ${dir} policy is block`);
  }
  const decoded = decodeSession6(bytes, ctx);
  if (!decoded.ok) return ns.drop('XfrmInHdrError', decoded.error.detail);
  const flow = decoded.value;

  for (let i = secPath.length - 1; i >= 0; i--) {
    const x = secPath[i]!.state;
    // xfrm_selector_match reads the selector as the flow's family, whatever family it was given.
    if (!selectorMatch(x.sel as XfrmSelector, flow))
      return ns.drop('XfrmInStateMismatch', `the selector of SA ${x.proto} spi 0x${hex8(x.spi)} does not match the packet`);
  }

  const match = lookupBoth(spd, dir, flow);
  const pol = match.sub ?? match.main;
  if (!pol) {
    if (spd.getDefault()[dir] === 'block') return ns.drop('XfrmInNoPols', `no ${dir} policy matches and the default is block`);
    const tunnelAt = firstNonTransport(secPath, 0);
    if (tunnelAt >= 0)
      return ns.drop('XfrmInNoPols', `no ${dir} policy covers a packet decapsulated by tunnel SA spi 0x${hex8(secPath[tunnelAt]!.spi)}`);
    return { kind: 'pass', detail: `no ${dir} policy matches` };
  }
  if (pol.action !== 'allow') return ns.drop('XfrmInPolBlock', `${dir} policy index ${pol.index} is block`);
  const pols: XfrmPolicy[] = match.sub && match.main ? [match.sub, match.main] : [pol];

  const tmpls: XfrmTmpl[] = [];
  for (const p of pols) {
    if (p !== pol && p.action !== 'allow') return ns.drop('XfrmInPolBlock', `main policy index ${p.index} is block`);
    if (tmpls.length + p.tmpls.length >= XFRM_MAX_DEPTH)
      return ns.drop('XfrmInBufferError', `${tmpls.length + p.tmpls.length} templates reach XFRM_MAX_DEPTH`);
    tmpls.push(...p.tmpls);
  }
  // xfrm_tmpl_sort (sub and main together): transport templates before tunnel ones, stably.
  const ordered = pols.length > 1 ? [...tmpls].sort((a, b) => tmplClass(a) - tmplClass(b)) : tmpls;

  let k = 0;
  for (let i = ordered.length - 1; i >= 0; i--) {
    const t = ordered[i]!;
    k = policyOk(t, secPath, k, flow.ifId);
    if (k < 0)
      return ns.drop(
        'XfrmInTmplMismatch',
        `${dir} policy index ${pol.index} wants ${describeTmpl(t)}; the secpath holds ${describeSecPath(secPath)}`,
      );
  }
  const extra = firstNonTransport(secPath, k);
  if (extra >= 0)
    return ns.drop(
      'XfrmInTmplMismatch',
      `tunnel SA spi 0x${hex8(secPath[extra]!.spi)} is not asked for by a template of ${dir} policy index ${pol.index}`,
    );
  return { kind: 'pass', detail: `${dir} policy index ${pol.index} satisfied` };
}

/**
 * xfrm_policy_ok: from `start`, the first SA that satisfies the template is consumed (returns the
 * index after it); a transport SA that does not is skipped, a tunnel one ends the scan. An optional
 * transport template is skipped outright; an optional tunnel one is skipped when not found.
 */
function policyOk(t: XfrmTmpl, sp: readonly XfrmSecPathEntry[], start: number, ifId: number): number {
  let result = start;
  if (t.level === 'use') {
    if (t.mode === 'transport') return start;
  } else {
    result = -1;
  }
  for (let idx = start; idx < sp.length; idx++) {
    if (stateOk(t, sp[idx]!, ifId)) return idx + 1;
    if (sp[idx]!.mode !== 'transport') break;
  }
  return result;
}

/** xfrm_state_ok: proto, spi (0 = any), reqid (0 = any), mode; a tunnel template's src (:: = any), never its dst. */
function stateOk(t: XfrmTmpl, e: XfrmSecPathEntry, ifId: number): boolean {
  const x = e.state;
  return (
    x.proto === t.proto &&
    (t.spi === 0 || x.spi === t.spi) &&
    (t.reqid === 0 || x.reqid === t.reqid) &&
    x.mode === t.mode &&
    !(x.mode !== 'transport' && !srcFits(t.src, x.saddr)) &&
    (ifId === 0 || ifId === x.ifId)
  );
}

function srcFits(tmplSrc: Ipv6Address, saddr: Ipv6Address): boolean {
  return tmplSrc.every((b) => b === 0) || addrMatch(tmplSrc, saddr, 128);
}

/** secpath_has_nontransport: the index of the first SA from `k` on that is not transport mode, or -1. */
function firstNonTransport(sp: readonly XfrmSecPathEntry[], k: number): number {
  for (let i = k; i < sp.length; i++) if (sp[i]!.mode !== 'transport') return i;
  return -1;
}

function tmplClass(t: XfrmTmpl): number {
  return t.mode === 'tunnel' || t.mode === 'beet' ? 1 : 0;
}
