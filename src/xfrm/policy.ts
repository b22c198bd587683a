/** Policies and templates, their validation and their match against a flow (kernel: xfrm_user.c verify_newpolicy_info, validate_tmpl; xfrm_policy.c xfrm_policy_match; include/net/xfrm.h xfrm_id_proto_valid). */

import { ConfigError } from '../errors.js';
import type { Ipv6Address } from '../wire/ipv6-address.js';
import {
  assertSelectorFields,
  assertUint,
  makeSelector,
  selectorMatch,
  type XfrmFamily,
  type XfrmFlow,
  type XfrmSelector,
} from './selector.js';

export type XfrmDir = 'in' | 'out' | 'fwd';
/** `ptype`: the sub SPD is consulted before the main one (CONFIG_XFRM_SUB_POLICY, enabled in Debian's 6.1). */
export type XfrmPolicyType = 'main' | 'sub';
export type XfrmPolicyAction = 'allow' | 'block';
/** XFRM_MODE_* by iproute2's names; `ro` and `in_trigger` are Mobile IPv6 modes, accepted but not modelled further. */
export type XfrmMode = 'transport' | 'tunnel' | 'ro' | 'in_trigger' | 'beet';
/**
 * XFRM-PROTO by iproute2's names (esp 50, ah 51, comp 108, route2 43, hao 60, ipsec-any 255); 0 stands
 * for a template given without `proto`, which iproute2 sends as 0 and the kernel refuses.
 */
export type XfrmIdProto = 'esp' | 'ah' | 'comp' | 'route2' | 'hao' | 'ipsec-any' | 0;
/** `level required` (kernel optional = 0) or `level use` (optional = 1). */
export type XfrmTmplLevel = 'required' | 'use';

/** struct xfrm_mark: a flow matches when (mark & m) == v. */
export interface XfrmMark {
  readonly v: number;
  readonly m: number;
}

/** struct xfrm_tmpl as stored: the family is always filled in (the kernel copies the policy's when 0). */
export interface XfrmTmpl {
  readonly family: XfrmFamily;
  /** Tunnel/beet only: the local address used to find the SA (:: = the route's source). */
  readonly src: Ipv6Address;
  /** Tunnel/beet only: the outer destination (id.daddr). */
  readonly dst: Ipv6Address;
  readonly proto: XfrmIdProto;
  /** 0 = any SA. */
  readonly spi: number;
  readonly reqid: number;
  readonly mode: XfrmMode;
  readonly level: XfrmTmplLevel;
}

export interface XfrmPolicy {
  readonly selector: XfrmSelector;
  readonly dir: XfrmDir;
  readonly ptype: XfrmPolicyType;
  /** u32; the smaller value wins. */
  readonly priority: number;
  readonly action: XfrmPolicyAction;
  readonly mark: XfrmMark;
  readonly ifId: number;
  /** Assigned by the database (xfrm_gen_index) unless given; its low 3 bits are the direction. */
  readonly index: number;
  /** XFRM_POLICY_LOCALOK | XFRM_POLICY_ICMP bits. */
  readonly flags: number;
  readonly tmpls: readonly XfrmTmpl[];
}

export type XfrmTmplInit = Partial<XfrmTmpl> & Pick<XfrmTmpl, 'proto'>;

/** A policy as a request carries it: omitted fields are zero, as in a zeroed xfrm_userpolicy_info. */
export interface XfrmPolicyInit {
  readonly selector: XfrmSelector;
  readonly dir: XfrmDir;
  readonly ptype?: XfrmPolicyType;
  readonly priority?: number;
  readonly action?: XfrmPolicyAction;
  readonly mark?: XfrmMark;
  readonly ifId?: number;
  /** 0 or absent: let the database pick one. */
  readonly index?: number;
  readonly flags?: number;
  readonly tmpls?: readonly XfrmTmplInit[];
}

const ZERO = new Uint8Array(16);

export const XFRM_MAX_DEPTH = 6;
export const XFRM_POLICY_LOCALOK = 1;
export const XFRM_POLICY_ICMP = 2;

/** XFRM_POLICY_IN/OUT/FWD: the value in the low bits of an index. */
export const XFRM_POLICY_DIR: Readonly<Record<XfrmDir, number>> = { in: 0, out: 1, fwd: 2 };

/** xfrm_policy_id2dir: the direction an index belongs to (3 and 4 are socket policies). */
export function policyIndexDir(index: number): number {
  return index & 7;
}

/** xfrm_id_proto_valid: AH, ESP, IPComp and, for IPv6, routing and destination options. */
export function xfrmIdProtoValid(proto: XfrmIdProto): boolean {
  return proto === 'ah' || proto === 'esp' || proto === 'comp' || proto === 'route2' || proto === 'hao';
}

/**
 * The checks xfrm_add_policy makes before inserting, in the kernel's order (verify_newpolicy_info,
 * then validate_tmpl), with its extack texts. Returns the policy as the kernel builds it: templates
 * without a family take the policy's. The mark is sanitised later, at insertion (xfrm_policy_insert).
 */
export function validatePolicy(init: XfrmPolicyInit): XfrmPolicy {
  const sel = init.selector;
  assertSelectorFields(sel, 'policy selector');
  checkUint(sel.ifindex, 31, 'ifindex');
  const priority = init.priority ?? 0;
  const index = init.index ?? 0;
  const mark = init.mark ?? { v: 0, m: 0 };
  const ifId = init.ifId ?? 0;
  const flags = init.flags ?? 0;
  checkUint(priority, 32, 'priority');
  checkUint(index, 32, 'index');
  checkUint(mark.v, 32, 'mark.v');
  checkUint(mark.m, 32, 'mark.m');
  checkUint(ifId, 32, 'ifId');
  checkUint(flags, 8, 'flags');

  if (sel.family === 'inet' && (sel.prefixlenD > 32 || sel.prefixlenS > 32))
    throw new ConfigError('EINVAL', 'Invalid prefix length in selector (must be <= 32 for IPv4)');
  if (sel.family === 'inet6' && (sel.prefixlenD > 128 || sel.prefixlenS > 128))
    throw new ConfigError('EINVAL', 'Invalid prefix length in selector (must be <= 128 for IPv6)');
  const dir = XFRM_POLICY_DIR[init.dir];
  if (index !== 0 && policyIndexDir(index) !== dir) throw new ConfigError('EINVAL', "Policy index doesn't match direction");

  const tmpls = validateTmpls(init.tmpls ?? [], sel.family, init.dir);
  return {
    selector: makeSelector(sel),
    dir: init.dir,
    ptype: init.ptype ?? 'main',
    priority,
    action: init.action ?? 'allow',
    mark: { v: mark.v, m: mark.m },
    ifId,
    index,
    flags,
    tmpls,
  };
}

/** validate_tmpl; the template family check compares with the previous template's (the policy's for the first). */
function validateTmpls(inits: readonly XfrmTmplInit[], family: XfrmFamily, dir: XfrmDir): XfrmTmpl[] {
  if (inits.length > XFRM_MAX_DEPTH) throw new ConfigError('EINVAL', `Template count must be <= XFRM_MAX_DEPTH (${XFRM_MAX_DEPTH})`);
  const out: XfrmTmpl[] = [];
  let prevFamily = family;
  for (const t of inits) {
    const tmpl: XfrmTmpl = {
      family: t.family ?? family,
      src: (t.src ?? ZERO).slice(),
      dst: (t.dst ?? ZERO).slice(),
      proto: t.proto,
      spi: t.spi ?? 0,
      reqid: t.reqid ?? 0,
      mode: t.mode ?? 'transport',
      level: t.level ?? 'required',
    };
    checkUint(tmpl.spi, 32, 'tmpl spi');
    checkUint(tmpl.reqid, 32, 'tmpl reqid');
    if (tmpl.mode === 'tunnel' || tmpl.mode === 'beet') {
      // An optional tunnel on output would let the packet leave with the wrong outer header.
      if (tmpl.level === 'use' && dir === 'out')
        throw new ConfigError('EINVAL', 'Mode in optional template not allowed in outbound policy');
    } else if (tmpl.family !== prevFamily) {
      throw new ConfigError('EINVAL', "Mode in template doesn't support a family change");
    }
    prevFamily = tmpl.family;
    if (!xfrmIdProtoValid(tmpl.proto)) throw new ConfigError('EINVAL', 'Invalid XFRM protocol in template');
    out.push(tmpl);
  }
  return out;
}

/**
 * xfrm_policy_match for a policy already known to be of the looked-up direction: family, type,
 * if_id and mark first, then the selector.
 */
export function policyMatch(pol: XfrmPolicy, ptype: XfrmPolicyType, flow: XfrmFlow): boolean {
  return (
    pol.selector.family === flow.family &&
    pol.ifId === flow.ifId &&
    (flow.mark & pol.mark.m) >>> 0 === pol.mark.v &&
    pol.ptype === ptype &&
    selectorMatch(pol.selector, flow)
  );
}

function checkUint(value: number, bits: number, what: string): void {
  assertUint(value, bits, `policy ${what}`);
}
