/** The two extension-header walkers netfilter uses (kernel: net/ipv6/exthdrs_core.c ipv6_find_hdr, ipv6_skip_exthdr). */

import { IPV6_HEADER_LENGTH, IPV6_NEXT_HEADER } from '../../wire/ipv6.js';
import { IPPROTO } from '../../wire/proto.js';

// The kernel's two walkers differ in small ways that decide verdicts, so both are kept literal here
// rather than built on src/wire's walker: ipv6_find_hdr (ip6tables -p, -m ah) stops at ESP and
// returns errors a rule turns into a hotdrop; ipv6_skip_exthdr (conntrack) only checks the two
// first bytes of each header and gives up at "no next header".

/** ipv6_ext_hdr(): the headers both walkers step over (ESP is not one of them). */
export function isIpv6ExtHeader(nexthdr: number): boolean {
  return (
    nexthdr === IPPROTO.HOPOPTS ||
    nexthdr === IPPROTO.ROUTING ||
    nexthdr === IPPROTO.FRAGMENT ||
    nexthdr === IPPROTO.AH ||
    nexthdr === IPPROTO.NONE ||
    nexthdr === IPPROTO.DSTOPTS
  );
}

/** ipv6_optlen / ipv6_authlen: the length an extension header claims. */
function extLength(nexthdr: number, bytes: Uint8Array, start: number): number {
  const hdrlen = bytes[start + 1]!;
  return nexthdr === IPPROTO.AH ? (hdrlen + 2) << 2 : (hdrlen + 1) << 3;
}

export type FindHdrResult =
  | { readonly ok: true; readonly proto: number; readonly offset: number; readonly fragoff: number }
  | { readonly ok: false; readonly error: 'ENOENT' | 'EBADMSG'; readonly fragoff: number };

/**
 * ipv6_find_hdr(): with `target` -1 the upper-layer protocol after every extension header (AH
 * included), and its offset; with a target, that header's offset or ENOENT. A non-first fragment
 * answers the fragment header's next header with `fragoff` (bytes) set; a header cut short is EBADMSG.
 */
export function ipv6FindHdr(bytes: Uint8Array, target: number): FindHdrResult {
  let start = IPV6_HEADER_LENGTH;
  let nexthdr = bytes[IPV6_NEXT_HEADER]!;
  let found: boolean;
  let fragoff = 0;
  do {
    found = nexthdr === target;
    if (!isIpv6ExtHeader(nexthdr) || nexthdr === IPPROTO.NONE) {
      if (target < 0 || found) break;
      return { ok: false, error: 'ENOENT', fragoff };
    }
    if (start + 2 > bytes.length) return { ok: false, error: 'EBADMSG', fragoff };
    let hdrlen: number;
    if (nexthdr === IPPROTO.ROUTING && start + 4 > bytes.length) return { ok: false, error: 'EBADMSG', fragoff };
    if (nexthdr === IPPROTO.FRAGMENT) {
      if (start + 4 > bytes.length) return { ok: false, error: 'EBADMSG', fragoff };
      const off = ((bytes[start + 2]! << 8) | bytes[start + 3]!) & ~0x7;
      if (off !== 0) {
        const next = bytes[start]!;
        if (target < 0 && (!isIpv6ExtHeader(next) || next === IPPROTO.NONE)) {
          return { ok: true, proto: next, offset: start, fragoff: off };
        }
        if (!found) return { ok: false, error: 'ENOENT', fragoff };
        fragoff = off;
        break;
      }
      hdrlen = 8;
    } else {
      hdrlen = extLength(nexthdr, bytes, start);
    }
    if (!found) {
      nexthdr = bytes[start]!;
      start += hdrlen;
    }
  } while (!found);
  return { ok: true, proto: nexthdr, offset: start, fragoff };
}

export type SkipExthdrResult =
  | { readonly ok: true; readonly proto: number; readonly offset: number; readonly fragoff: number }
  | { readonly ok: false };

/**
 * ipv6_skip_exthdr() from the IPv6 header: the protocol conntrack tracks (AH skipped, ESP not) and
 * its offset. "No next header" or a header whose first two bytes are missing is a failure; a
 * non-first fragment stops at the fragment header with `fragoff` set.
 */
export function ipv6SkipExthdr(bytes: Uint8Array, ip6Offset = 0): SkipExthdrResult {
  if (ip6Offset + IPV6_HEADER_LENGTH > bytes.length) return { ok: false };
  let nexthdr = bytes[ip6Offset + IPV6_NEXT_HEADER]!;
  let start = ip6Offset + IPV6_HEADER_LENGTH;
  let fragoff = 0;
  while (isIpv6ExtHeader(nexthdr)) {
    if (nexthdr === IPPROTO.NONE) return { ok: false };
    if (start + 2 > bytes.length) return { ok: false };
    let hdrlen: number;
    if (nexthdr === IPPROTO.FRAGMENT) {
      if (start + 4 > bytes.length) return { ok: false };
      fragoff = ((bytes[start + 2]! << 8) | bytes[start + 3]!) & ~0x7;
      if (fragoff !== 0) break;
      hdrlen = 8;
    } else {
      hdrlen = extLength(nexthdr, bytes, start);
    }
    nexthdr = bytes[start]!;
    start += hdrlen;
  }
  return { ok: true, proto: nexthdr, offset: start, fragoff };
}
