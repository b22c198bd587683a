/** Test helpers: selectors and flows written the way `ip xfrm policy` arguments give them. */

import { ipv6 } from '../../src/wire/ipv6-address.js';
import { IPPROTO } from '../../src/wire/proto.js';
import { makeSelector, type XfrmFamily, type XfrmFlow, type XfrmSelector } from '../../src/xfrm/selector.js';

export interface SelectorSpec {
  /** ADDR[/PLEN]; without /PLEN = /128; omitted = ::/0. */
  src?: string;
  dst?: string;
  /** `inet` without addresses = what iproute2 sends for a policy given no address (kernel-semantics §7.3). */
  family?: XfrmFamily;
  proto?: number;
  type?: number;
  code?: number;
  sport?: number;
  dport?: number;
  dev?: number;
}

/**
 * The selector iproute2 builds (kernel-semantics §1.2, §7.1): sport/dport masks only when
 * non-zero (`sport 0` = any), ICMPv6 type/code masks always.
 */
export function sel(spec: SelectorSpec): XfrmSelector {
  const addr = (text: string | undefined) => {
    if (!text) return { addr: ipv6('::'), len: 0 };
    const [a, len] = text.split('/');
    return { addr: ipv6(a!), len: len === undefined ? 128 : Number(len) };
  };
  const s = addr(spec.src);
  const d = addr(spec.dst);
  return makeSelector({
    family: spec.family ?? 'inet6',
    src: s.addr,
    prefixlenS: s.len,
    dst: d.addr,
    prefixlenD: d.len,
    proto: spec.proto ?? 0,
    sport: spec.type ?? spec.sport ?? 0,
    sportMask: spec.type !== undefined || spec.sport ? 0xffff : 0,
    dport: spec.code ?? spec.dport ?? 0,
    dportMask: spec.code !== undefined || spec.dport ? 0xffff : 0,
    ifindex: spec.dev ?? 0,
  });
}

/** ping 4321::2 from 4321::1 on an unbound socket: ICMPv6 echo request (type 128 code 0), oif 0. */
export const ECHO: XfrmFlow = {
  family: 'inet6',
  src: ipv6('4321::1'),
  dst: ipv6('4321::2'),
  proto: IPPROTO.ICMPV6,
  sport: 128,
  dport: 0,
  oif: 0,
  mark: 0,
  ifId: 0,
};
