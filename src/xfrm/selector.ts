/** Selectors and the flows they match (kernel: xfrm_policy.c __xfrm6_selector_match, selector_cmp; include/net/xfrm.h addr_match, xfrm_flowi_sport/dport). */

import { toHex } from '../wire/hex.js';
import type { Ipv6Address } from '../wire/ipv6-address.js';

/** Address family as iproute2 prints it (`ip -4`/`ip -6`, kernel AF_INET/AF_INET6). */
export type XfrmFamily = 'inet6' | 'inet';

/**
 * struct xfrm_selector. Addresses are always 16 bytes; an `inet` selector keeps its IPv4 address in
 * the first 4 bytes and zeros after them, as xfrm_address_t does.
 */
export interface XfrmSelector {
  readonly family: XfrmFamily;
  readonly src: Ipv6Address;
  readonly dst: Ipv6Address;
  readonly prefixlenS: number;
  readonly prefixlenD: number;
  /** Upper-layer protocol; 0 = any. */
  readonly proto: number;
  readonly sport: number;
  readonly sportMask: number;
  readonly dport: number;
  readonly dportMask: number;
  /** `dev`: 0 = any, else the flow's oif must equal it. */
  readonly ifindex: number;
}

/**
 * The lookup key (struct flowi6 as xfrm sees it). The stack fills `sport`/`dport` the way
 * xfrm_flowi_sport/dport read them: ports for TCP/UDP/UDPLite/SCTP, ICMPv6 type/code, MH type,
 * GRE key halves, else 0 (also 0 when the upper header sits behind a Fragment header).
 */
export interface XfrmFlow {
  readonly family: XfrmFamily;
  readonly src: Ipv6Address;
  readonly dst: Ipv6Address;
  readonly proto: number;
  readonly sport: number;
  readonly dport: number;
  /** Output interface index as the lookup site sets it (0 for an unbound socket, lo for local input). */
  readonly oif: number;
  readonly mark: number;
  readonly ifId: number;
}

export type XfrmSelectorInit = Partial<XfrmSelector> & Pick<XfrmSelector, 'family'>;

const ZERO = new Uint8Array(16);

/** The fields of struct xfrm_selector other than the family, every omitted one zero (not iproute2's defaults). */
export function selectorFields(init: Partial<Omit<XfrmSelector, 'family'>>): Omit<XfrmSelector, 'family'> {
  return {
    src: (init.src ?? ZERO).slice(),
    dst: (init.dst ?? ZERO).slice(),
    prefixlenS: init.prefixlenS ?? 0,
    prefixlenD: init.prefixlenD ?? 0,
    proto: init.proto ?? 0,
    sport: init.sport ?? 0,
    sportMask: init.sportMask ?? 0,
    dport: init.dport ?? 0,
    dportMask: init.dportMask ?? 0,
    ifindex: init.ifindex ?? 0,
  };
}

/** A selector with every omitted field zero, as a zeroed struct xfrm_selector (not iproute2's defaults). */
export function makeSelector(init: XfrmSelectorInit): XfrmSelector {
  return { family: init.family, ...selectorFields(init) };
}

/** Programmer errors: a value that the kernel's struct field could not hold. */
export function assertUint(value: number, bits: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** bits) throw new RangeError(`${what}: ${value} is not a u${bits}`);
}

/** Throws a RangeError for a selector field wider than struct xfrm_selector holds (u8 prefixes and proto, u16 ports). */
export function assertSelectorFields(sel: Omit<XfrmSelector, 'family'>, what: string): void {
  assertUint(sel.prefixlenS, 8, `${what} prefixlenS`);
  assertUint(sel.prefixlenD, 8, `${what} prefixlenD`);
  assertUint(sel.proto, 8, `${what} proto`);
  assertUint(sel.sport, 16, `${what} sport`);
  assertUint(sel.sportMask, 16, `${what} sportMask`);
  assertUint(sel.dport, 16, `${what} dport`);
  assertUint(sel.dportMask, 16, `${what} dportMask`);
}

/** True when the first `prefixlen` bits of `a` and `b` are equal (/0 matches everything). */
export function addrMatch(a: Ipv6Address, b: Ipv6Address, prefixlen: number): boolean {
  const whole = prefixlen >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const bits = prefixlen & 7;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return ((a[whole]! ^ b[whole]!) & mask) === 0;
}

/**
 * __xfrm6_selector_match: addresses by prefix, ports under their masks, proto 0 = any, ifindex 0 = any.
 * The family is not compared here, as in the kernel: the policy path compares it before (policyMatch).
 */
export function selectorMatch(sel: XfrmSelector, flow: XfrmFlow): boolean {
  return (
    addrMatch(flow.dst, sel.dst, sel.prefixlenD) &&
    addrMatch(flow.src, sel.src, sel.prefixlenS) &&
    ((flow.dport ^ sel.dport) & sel.dportMask) === 0 &&
    ((flow.sport ^ sel.sport) & sel.sportMask) === 0 &&
    (sel.proto === 0 || flow.proto === sel.proto) &&
    (sel.ifindex === 0 || flow.oif === sel.ifindex)
  );
}

/**
 * A string equal for two selectors exactly when selector_cmp finds them equal: the raw struct is
 * compared, so `4321::1/64` and `4321::/64` are different selectors although they match the same flows.
 */
export function selectorKey(sel: XfrmSelector): string {
  return [
    sel.family,
    toHex(sel.src),
    sel.prefixlenS,
    toHex(sel.dst),
    sel.prefixlenD,
    sel.proto,
    sel.sport,
    sel.sportMask,
    sel.dport,
    sel.dportMask,
    sel.ifindex,
  ].join(' ');
}

/**
 * `h` mixed with the first `bits` bits of `addr` (the rest taken as zero), as a small non-negative
 * integer: the role __xfrm6_pref_hash plays in the kernel's policy hashes. Two addresses equal in
 * those bits always give the same value; different prefixes may collide, so a table keyed by it
 * still compares the selectors. The result stays below 2^30, a small integer for V8, whose Maps
 * hash those far faster than larger numbers or strings.
 */
export function prefixHash(addr: Ipv6Address, bits: number, h = 0): number {
  for (let w = 0; w < 4; w++) {
    const left = bits - w * 32;
    let word = 0;
    if (left > 0) {
      const i = 4 * w;
      word = (addr[i]! << 24) | (addr[i + 1]! << 16) | (addr[i + 2]! << 8) | addr[i + 3]!;
      if (left < 32) word &= ~0 << (32 - left);
    }
    h = mixHash(h, word);
  }
  return h;
}

/** One step of a 32-bit multiplicative hash (murmur3's finaliser constants); the result is below 2^30. */
export function mixHash(h: number, word: number): number {
  let x = Math.imul(h ^ word, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x & 0x3fffffff;
}
