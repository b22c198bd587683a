/** xfrm output: policy lookup, template resolution, bundle, and the per-SA transforms (kernel: xfrm_policy.c xfrm_lookup_with_ifid, xfrm_bundle_lookup, xfrm_resolve_and_create_bundle, xfrm_tmpl_resolve_one; xfrm_state.c __xfrm6_state_sort; xfrm_output.c xfrm_output_one). */

import { echainivIv, seqivIv } from '../crypto/index.js';
import type { Errno } from '../errors.js';
import { ahLength } from '../wire/ah.js';
import { IPV6_HEADER_LENGTH } from '../wire/ipv6.js';
import type { Ipv6Address } from '../wire/ipv6-address.js';
import { ah6TransportOutput, ah6TunnelOutput } from './ah6.js';
import { type EspCrypto, esp6TransportOutput, esp6TunnelOutput, espIvLength } from './esp6.js';
import type { XfrmDrop, XfrmNamespace } from './namespace.js';
import { XFRM_MAX_DEPTH, XFRM_POLICY_ICMP, type XfrmPolicy, type XfrmTmpl } from './policy.js';
import type { XfrmStateEvent } from './sad.js';
import type { XfrmFlow } from './selector.js';
import { lookupBoth, spdVerdict } from './spd.js';
import { applySetMark, XFRM_SA_XFLAG_DONT_ENCAP_DSCP, XFRM_STATE_ESN, XFRM_STATE_NOECN, type XfrmState } from './state.js';
import type { XfrmStatName } from './stats.js';
import { splitForTransport } from './xfrm6-mode.js';

/** One SA of a bundle or secpath, as netfilter's policy match and the trace read it, with the SA itself. */
export interface XfrmSecPathEntry {
  readonly proto: 'esp' | 'ah';
  readonly spi: number;
  readonly reqid: number;
  readonly mode: 'transport' | 'tunnel' | 'beet';
  /** props.saddr, whatever the mode. */
  readonly src: Ipv6Address;
  /** id.daddr. */
  readonly dst: Ipv6Address;
  readonly state: XfrmState;
}

/** A route lookup as xfrm needs one: the source address the FIB picks towards `dst`, or the routing errno. */
/** The route to a tunnel end: the source it picks and the hop limit its device gives (ip6_dst_hoplimit). */
export type XfrmRouteResult =
  | { readonly kind: 'ok'; readonly src: Ipv6Address; readonly hopLimit?: number }
  | { readonly kind: 'error'; readonly errno: Errno };

export interface XfrmOutputContext {
  readonly nowUs: number;
  /**
   * ip6_route_output towards `dst` with this mark: used for a tunnel template without `src`
   * (xfrm_get_saddr) and for each tunnel SA's outer destination (xfrm_bundle_create).
   */
  readonly route: (dst: Ipv6Address, mark: number) => XfrmRouteResult;
  /** The original route's device is loopback: exempt from `setdefault out block`. */
  readonly loopback?: boolean;
  /** Hop limit of the outer header of a tunnel SA (the route's; 64 by default). */
  readonly hopLimit?: number;
  /**
   * XFRM_LOOKUP_ICMP: the reverse lookup icmpv6_route_lookup makes for an ICMPv6 error. Only a
   * first policy flagged `icmp` may decide; anything else (no policy, an unflagged one, the
   * default) answers `no-policy` (ENOENT), checked after the templates are resolved as the kernel
   * does at no_transform, and before a block policy is counted.
   */
  readonly icmp?: boolean;
}

export type XfrmTransformResult =
  | {
      readonly kind: 'transformed';
      /** The packet to send; it passes OUTPUT and POSTROUTING again. */
      readonly packets: readonly Uint8Array[];
      /** skb->mark after the SAs' output marks. */
      readonly mark: number;
      readonly detail: string;
      readonly events: readonly XfrmStateEvent[];
    }
  | (XfrmDrop & { readonly events: readonly XfrmStateEvent[] });

/** The output policy decision at route time (what xfrm_lookup_with_ifid gives ip6_dst_lookup_flow). */
export type XfrmOutputDecision =
  | { readonly kind: 'no-policy' }
  | {
      readonly kind: 'plain';
      readonly detail: string;
      readonly policies: readonly XfrmPolicy[];
      /** ACQUIREs for optional (`level use`) templates that had no SA. */
      readonly events?: readonly XfrmStateEvent[];
    }
  | {
      readonly kind: 'bundle';
      /** ACQUIREs for optional (`level use`) templates that had no SA. */
      readonly events?: readonly XfrmStateEvent[];
      /** In application order: the first entry is applied first (innermost). */
      readonly bundle: readonly XfrmSecPathEntry[];
      readonly policies: readonly XfrmPolicy[];
      readonly detail: string;
      readonly transform: (bytes: Uint8Array, mark: number) => XfrmTransformResult;
    }
  /** `counter` is absent for `setdefault out block`, which counts nothing (VERIFIED e02 F). */
  | { readonly kind: 'block'; readonly errno: 'EPERM'; readonly counter?: XfrmStatName; readonly detail: string }
  | {
      readonly kind: 'no-state';
      readonly counter: 'XfrmOutNoStates';
      readonly detail: string;
      readonly events: readonly XfrmStateEvent[];
    }
  | {
      readonly kind: 'error';
      readonly errno: Errno;
      readonly counter: XfrmStatName;
      readonly detail: string;
      /** ACQUIREs an earlier template of the policy sent before this one failed. */
      readonly events?: readonly XfrmStateEvent[];
    };

/**
 * xfrm_lookup_with_ifid for a route's flow: one call is one lookup, and counts at most one
 * counter (kernel-semantics §2.1: NoStates counts per lookup, not per template).
 */
export function xfrmLookupOutput(ns: XfrmNamespace, flow: XfrmFlow, ctx: XfrmOutputContext): XfrmOutputDecision {
  const counts = ns.spd.count();
  const match = counts.out === 0 && flow.ifId === 0 ? {} : lookupBoth(ns.spd, 'out', flow);
  const verdict = spdVerdict(match);
  if (verdict.kind === 'none') {
    if (ctx.icmp) return { kind: 'no-policy' };
    if (!ctx.loopback && ns.spd.getDefault().out === 'block')
      return { kind: 'block', errno: 'EPERM', detail: 'no out policy matches and the default out policy is block' };
    return { kind: 'no-policy' };
  }
  if (verdict.kind === 'block') {
    if (ctx.icmp && !(verdict.policy.flags & XFRM_POLICY_ICMP)) return { kind: 'no-policy' };
    ns.stats.inc('XfrmOutPolBlock');
    return { kind: 'block', errno: 'EPERM', counter: 'XfrmOutPolBlock', detail: `out policy index ${verdict.policy.index} is block` };
  }
  const policies = verdict.policies;
  const icmpRefused = ctx.icmp === true && !(policies[0]!.flags & XFRM_POLICY_ICMP);
  const ntmpl = policies.reduce((n, p) => n + p.tmpls.length, 0);
  if (ntmpl === 0 && icmpRefused) return { kind: 'no-policy' };
  if (ntmpl === 0) return { kind: 'plain', detail: `out policy index ${policies[0]!.index} allows without templates`, policies };

  const resolved: XfrmState[] = [];
  const events: XfrmStateEvent[] = [];
  for (const pol of policies) {
    // xfrm_tmpl_resolve refuses at XFRM_MAX_DEPTH, so a policy with 6 templates never resolves.
    if (resolved.length + pol.tmpls.length >= XFRM_MAX_DEPTH)
      return error(ns, 'ENOBUFS', 'XfrmOutPolError', `${resolved.length + pol.tmpls.length} templates reach XFRM_MAX_DEPTH`);
    const r = resolveTemplates(ns, pol, flow, ctx);
    events.push(...r.events);
    if (r.kind === 'error') return error(ns, r.errno, 'XfrmOutPolError', r.detail, events);
    if (r.kind === 'no-state') {
      ns.stats.inc('XfrmOutNoStates');
      return { kind: 'no-state', counter: 'XfrmOutNoStates', detail: r.detail, events };
    }
    resolved.push(...r.states);
  }
  const acquired = events.length > 0 ? { events } : {};
  if (icmpRefused) return { kind: 'no-policy' };
  if (resolved.length === 0) return { kind: 'plain', detail: 'every template is optional and has no SA', policies, ...acquired };
  // xfrm_state_sort (only with sub and main together): transport SAs before tunnel ones, stably.
  const bundle = policies.length > 1 ? [...resolved].sort((a, b) => modeClass(a) - modeClass(b)) : resolved;

  // The outer header of a tunnel SA takes the hop limit of the route to its end (its device's
  // hop_limit), as xfrm6_tunnel/esp6 output ask ip6_dst_hoplimit of the bundle's child route.
  const hopLimits = new Map<XfrmState, number>();
  for (const x of bundle) {
    if (x.mode !== 'tunnel' && x.mode !== 'beet') continue;
    const rt = ctx.route(x.daddr, applySetMark(flow.mark, x));
    if (rt.kind === 'error')
      return error(ns, rt.errno, 'XfrmOutBundleGenError', `no route to the tunnel end of SA spi 0x${hex8(x.spi)}`, events);
    if (rt.hopLimit !== undefined) hopLimits.set(x, rt.hopLimit);
  }
  const entries = bundle.map(secPathEntry);
  return {
    kind: 'bundle',
    bundle: entries,
    policies,
    detail: `out policy index ${policies[0]!.index} -> ${entries.map((e) => `${e.proto} ${e.mode} spi 0x${hex8(e.spi)}`).join(', ')}`,
    transform: (bytes, mark) => xfrmOutput(ns, bundle, bytes, mark, ctx, hopLimits),
    ...acquired,
  };
}

/** The record netfilter and the trace see for an SA; the state rides along for the policy check. */
export function secPathEntry(x: XfrmState): XfrmSecPathEntry {
  if ((x.proto !== 'esp' && x.proto !== 'ah') || (x.mode !== 'transport' && x.mode !== 'tunnel' && x.mode !== 'beet'))
    throw new Error(`xfrm: SA ${x.proto} ${x.mode} cannot be part of a bundle or secpath`);
  return { proto: x.proto, spi: x.spi, reqid: x.reqid, mode: x.mode, src: x.saddr, dst: x.daddr, state: x };
}

type Resolution =
  | { readonly kind: 'ok'; readonly states: readonly XfrmState[]; readonly events: readonly XfrmStateEvent[] }
  | { readonly kind: 'no-state'; readonly detail: string; readonly events: readonly XfrmStateEvent[] }
  | { readonly kind: 'error'; readonly errno: Errno; readonly detail: string; readonly events: readonly XfrmStateEvent[] };

/**
 * xfrm_tmpl_resolve_one: remote/local start as the flow's dst/src; a tunnel template replaces them
 * with its own (a :: src by the source the route towards its dst picks), and once resolved the
 * later templates use them. An optional template without SA is skipped.
 */
function resolveTemplates(ns: XfrmNamespace, pol: XfrmPolicy, flow: XfrmFlow, ctx: XfrmOutputContext): Resolution {
  let daddr = flow.dst;
  let saddr = flow.src;
  const states: XfrmState[] = [];
  const events: XfrmStateEvent[] = [];
  for (const tmpl of pol.tmpls) {
    let remote = daddr;
    let local = saddr;
    if (tmpl.mode === 'tunnel' || tmpl.mode === 'beet') {
      remote = tmpl.dst;
      local = tmpl.src;
      if (isAny(local)) {
        const rt = ctx.route(remote, flow.mark);
        // xfrm_get_saddr answers every routing failure with EHOSTUNREACH.
        if (rt.kind === 'error') return { kind: 'error', errno: 'EHOSTUNREACH', detail: `${tmplText(tmpl)}: no route to its dst`, events };
        local = rt.src;
      }
    }
    const r = ns.sad.findStateForTemplate({
      tmpl,
      remote,
      local,
      flow,
      family: pol.selector.family,
      policyMark: pol.mark,
      ifId: pol.ifId,
      ...(ns.keyManagerListening ? { acquire: { policy: pol, nowUs: ctx.nowUs } } : {}),
    });
    if (r.kind === 'found') {
      states.push(r.state);
      daddr = remote;
      saddr = local;
      continue;
    }
    if (r.kind === 'error')
      return { kind: 'error', errno: r.errno, detail: `${tmplText(tmpl)}: spi held by an SA that does not fit`, events };
    events.push(...r.events);
    if (tmpl.level === 'use') continue;
    const why = r.larvalPending ? 'acquire in progress' : 'no SA';
    return { kind: 'no-state', detail: `${tmplText(tmpl)}: ${why} (policy index ${pol.index})`, events };
  }
  return { kind: 'ok', states, events };
}

/**
 * xfrm_output_resume over a bundle, innermost SA first. Per SA (xfrm_output_one): the output mark,
 * the mode's framing check, state/lifetime/sequence (outputPrepare, which also counts the bytes the
 * SA protects), then AH or ESP.
 */
export function xfrmOutput(
  ns: XfrmNamespace,
  bundle: readonly XfrmState[],
  bytes: Uint8Array,
  mark: number,
  ctx: XfrmOutputContext,
  /** The outer hop limit of each tunnel SA, from its route at bundle time. */
  hopLimits?: ReadonlyMap<XfrmState, number>,
): XfrmTransformResult {
  let pkt = bytes;
  let m = mark >>> 0;
  const events: XfrmStateEvent[] = [];
  const steps: string[] = [];
  for (const x of bundle) {
    m = applySetMark(m, x);
    const tunnel = x.mode === 'tunnel' || x.mode === 'beet';
    let protectedLength = pkt.length;
    if (!tunnel) {
      const split = splitForTransport(pkt);
      if (!split.ok) return { ...ns.drop('XfrmOutStateModeError', split.error.detail), events };
      protectedLength = split.value.payload.length;
    }
    const prep = ns.sad.outputPrepare(x, protectedLength, ctx.nowUs);
    events.push(...prep.events);
    if (prep.kind === 'drop') return { ...ns.drop(prep.counter, prep.detail), events };
    const esn = (x.flags & XFRM_STATE_ESN) !== 0;
    const seqHi = esn ? { seqHi: prep.seqHi } : {};
    const outer = {
      src: x.saddr,
      dst: x.daddr,
      hopLimit: hopLimits?.get(x) ?? ctx.hopLimit ?? 64,
      dontEncapDscp: (x.extraFlags & XFRM_SA_XFLAG_DONT_ENCAP_DSCP) !== 0,
      noEcn: (x.flags & XFRM_STATE_NOECN) !== 0,
    };
    let r: { readonly kind: 'ok'; readonly packet: Uint8Array } | { readonly kind: 'drop'; readonly detail: string };
    if (x.crypto.kind === 'ah') {
      const p = { auth: x.crypto.auth, spi: x.spi, seq: prep.seq, ...seqHi };
      r = tunnel ? ah6TunnelOutput(pkt, { ...p, outer }) : ah6TransportOutput(pkt, p);
    } else if (x.crypto.kind === 'esp') {
      const crypto = x.crypto.esp;
      const seq64 = esn ? (BigInt(prep.seqHi) << 32n) | BigInt(prep.seq) : BigInt(prep.seq);
      const tfc = tunnel && x.tfcpad > pkt.length ? { tfcLength: x.tfcpad - pkt.length } : {};
      const p = { crypto, spi: x.spi, seq: prep.seq, iv: makeIv(ns, x, crypto, seq64), ...seqHi, ...tfc };
      r = tunnel ? esp6TunnelOutput(pkt, { ...p, outer }) : esp6TransportOutput(pkt, p);
    } else {
      return { ...ns.drop('XfrmOutStateProtoError', `SA ${x.proto} spi 0x${hex8(x.spi)} has no algorithms`), events };
    }
    if (r.kind === 'drop') return { ...ns.drop('XfrmOutStateProtoError', r.detail), events };
    pkt = r.packet;
    steps.push(`${x.proto} spi 0x${hex8(x.spi)} seq ${prep.seq}`);
  }
  return { kind: 'transformed', packets: [pkt], mark: m, detail: steps.join(', '), events };
}

/** echainiv for CBC-style ciphers, seqiv for AEADs: deterministic in the SA's salt and the 64-bit sequence number. */
function makeIv(ns: XfrmNamespace, x: XfrmState, crypto: EspCrypto, seq64: bigint): Uint8Array {
  if ('aead' in crypto) return seqivIv(ns.ivSalt(x, 8), seq64);
  if (espIvLength(crypto) === 0) return new Uint8Array(0);
  return echainivIv(crypto.cipher, ns.ivSalt(x, crypto.cipher.ivLength), seq64);
}

/** Bytes AH/ESP add in front of what they protect (props.header_len), for the trace and MTU questions. */
export function xfrmHeaderLength(x: XfrmState): number {
  const outer = x.mode === 'tunnel' || x.mode === 'beet' ? IPV6_HEADER_LENGTH : 0;
  if (x.crypto.kind === 'ah') return outer + ahLength(x.crypto.auth.icvLength);
  if (x.crypto.kind === 'esp') return outer + 8 + espIvLength(x.crypto.esp);
  return outer;
}

function error(
  ns: XfrmNamespace,
  errno: Errno,
  counter: XfrmStatName,
  detail: string,
  events: readonly XfrmStateEvent[] = [],
): XfrmOutputDecision {
  ns.stats.inc(counter);
  return { kind: 'error', errno, counter, detail, ...(events.length > 0 ? { events } : {}) };
}

/** __xfrm6_state_sort's classes: transport-like SAs go before tunnel ones. */
function modeClass(x: XfrmState): number {
  return x.mode === 'tunnel' || x.mode === 'beet' ? 1 : 0;
}

function isAny(a: Ipv6Address): boolean {
  for (const b of a) if (b !== 0) return false;
  return true;
}

function tmplText(t: XfrmTmpl): string {
  return `tmpl ${t.proto} ${t.mode} reqid ${t.reqid}${t.spi ? ` spi 0x${hex8(t.spi)}` : ''}`;
}

export function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
