/** Neighbour discovery messages: sending NS and NA, and receiving them (kernel: net/ipv6/ndisc.c ndisc_send_ns, ndisc_send_na, ndisc_recv_ns, ndisc_recv_na). */

import { toHex } from '../wire/hex.js';
import type { ParsedIcmpv6 } from '../wire/icmpv6.js';
import { emitIcmpv6 } from '../wire/icmpv6.js';
import type { Ipv6Repr } from '../wire/ipv6.js';
import { formatIpv6Address, type Ipv6Address } from '../wire/ipv6-address.js';
import type { NdOption } from '../wire/ndisc.js';
import { IPPROTO } from '../wire/proto.js';
import { ALL_NODES, ALL_ROUTERS, addrScope, dadFailed, isMulticast, isUnspecified, SCOPE } from './addrconf.js';
import type { Host } from './host.js';
import { ip6SendLocal } from './ip6-output.js';
import { neighEventNs, neighUpdateFromNa } from './neighbour.js';
import type { NetDevice } from './netdev.js';
import type { Skb } from './types.js';

/** ND_OPT_NONCE (RFC 7527), which the wire codec keeps as an unknown option. */
export const ND_OPT_NONCE = 14;

/** The link-local address of `dev` that is not tentative (ipv6_get_lladdr). */
function linkLocalOf(host: Host, dev: NetDevice): Ipv6Address | undefined {
  return host.addrs.find((a) => a.dev === dev.name && !a.tentative && addrScope(a.addr) === SCOPE.LINK)?.addr;
}

/**
 * ndisc_send_ns: hop limit 255, no flow label; the source link-layer option unless the source is
 * :: (DAD). Without a usable source the link-local address is used; with none, nothing is sent.
 */
export function sendNs(
  host: Host,
  dev: NetDevice,
  target: Ipv6Address,
  dst: Ipv6Address,
  saddr?: Ipv6Address,
  dstMac?: Uint8Array,
  nonce?: Uint8Array,
): void {
  const src = saddr ?? linkLocalOf(host, dev);
  if (!src) return;
  const options: NdOption[] = isUnspecified(src) ? [] : [{ kind: 'source-ll-addr', address: dev.mac }];
  // Enhanced DAD (RFC 7527): the probe carries a 6-byte nonce option (ND_OPT_NONCE, type 14).
  if (nonce) options.push({ kind: 'unknown', type: ND_OPT_NONCE, data: nonce });
  ip6SendLocal(host, {
    kernelInternal: true,
    dst,
    src,
    oif: dev.name,
    nexthop: dst,
    nextHeader: IPPROTO.ICMPV6,
    hopLimit: 255,
    flowLabel: 0,
    icmpType: 135,
    build: (s, d) => emitIcmpv6({ kind: 'neighbour-solicit', target, options }, s, d),
    summary: `ICMP6 neighbor solicitation who has ${formatIpv6Address(target)}`,
    ndisc: true,
    ...(dstMac ? { dstMac } : {}),
  });
}

/** ndisc_send_rs: from the link-local address to ff02::2 (all routers), with the source link-layer option. */
export function sendRs(host: Host, dev: NetDevice, src: Ipv6Address): void {
  ip6SendLocal(host, {
    kernelInternal: true,
    dst: ALL_ROUTERS,
    src,
    oif: dev.name,
    nexthop: ALL_ROUTERS,
    nextHeader: IPPROTO.ICMPV6,
    hopLimit: 255,
    flowLabel: 0,
    icmpType: 133,
    build: (s, d) => emitIcmpv6({ kind: 'router-solicit', options: [{ kind: 'source-ll-addr', address: dev.mac }] }, s, d),
    summary: 'ICMP6 router solicitation',
    ndisc: true,
  });
}

/** ndisc_send_na: the source is the target (our address), flags as the caller decides. */
export function sendNa(
  host: Host,
  dev: NetDevice,
  dst: Ipv6Address,
  target: Ipv6Address,
  flags: { router: boolean; solicited: boolean; override: boolean; llinfo: boolean },
): void {
  const options = flags.llinfo ? [{ kind: 'target-ll-addr' as const, address: dev.mac }] : [];
  const fl = [flags.router && 'router', flags.solicited && 'solicited', flags.override && 'override'].filter(Boolean).join(', ');
  ip6SendLocal(host, {
    kernelInternal: true,
    dst,
    src: target,
    oif: dev.name,
    nexthop: dst,
    nextHeader: IPPROTO.ICMPV6,
    hopLimit: 255,
    flowLabel: 0,
    icmpType: 136,
    build: (s, d) =>
      emitIcmpv6(
        { kind: 'neighbour-advert', router: flags.router, solicited: flags.solicited, override: flags.override, target, options },
        s,
        d,
      ),
    summary: `ICMP6 neighbor advertisement tgt is ${formatIpv6Address(target)}, Flags [${fl}]`,
    ndisc: true,
  });
}

/**
 * ndisc_rcv for NS and NA (already counted as ICMPv6 input). Anything not at hop limit 255 is
 * ignored (RFC 4861 7.1.1), as are NS for addresses that are not ours.
 */
export function ndiscRcv(host: Host, dev: NetDevice, skb: Skb, ip: Ipv6Repr, msg: ParsedIcmpv6): void {
  if (ip.hopLimit !== 255) {
    host.drop(skb, 'IPV6_NDISC_HOP_LIMIT', `ndisc: invalid hop limit ${ip.hopLimit}`);
    return;
  }
  if (msg.kind === 'neighbour-solicit') {
    const ifp = host.hasAddress(msg.target, { includeTentative: true });
    // ipv6_get_ifaddr(..., dev, strict): only addresses of the receiving interface are answered (no proxy ND).
    if (!ifp || ifp.dev !== dev.name) {
      host.trace(skb.id, { kind: 'consumed', by: `ndisc: NS for ${formatIpv6Address(msg.target)}, not ours on ${dev.name}` });
      return;
    }
    const dad = isUnspecified(ip.src);
    if (ifp.tentative) {
      // Someone else probes or owns the address we are checking (addrconf_dad_failure).
      if (dad) dadFailed(host, ifp);
      host.trace(skb.id, { kind: 'consumed', by: 'ndisc: NS for our tentative address' });
      return;
    }
    const slla = msg.options.find((o) => o.kind === 'source-ll-addr');
    const inc = isMulticast(ip.dst);
    const router = dev.conf.forwarding > 0;
    host.trace(skb.id, { kind: 'consumed', by: `ndisc: NS for ${formatIpv6Address(msg.target)}` });
    if (dad) {
      sendNa(host, dev, ALL_NODES, msg.target, { router, solicited: false, override: true, llinfo: true });
      return;
    }
    if (slla) neighEventNs(host, dev, ip.src, slla.address);
    sendNa(host, dev, ip.src, msg.target, { router, solicited: true, override: inc, llinfo: inc });
    return;
  }
  if (msg.kind === 'neighbour-advert') {
    const mine = host.hasAddress(msg.target, { dev: dev.name, includeTentative: true });
    if (mine) {
      if (mine.tentative) dadFailed(host, mine);
      host.trace(skb.id, { kind: 'consumed', by: `ndisc: NA for our own ${formatIpv6Address(msg.target)}` });
      return;
    }
    const tlla = msg.options.find((o) => o.kind === 'target-ll-addr');
    neighUpdateFromNa(host, dev, msg.target, tlla?.address, { solicited: msg.solicited, override: msg.override, router: msg.router });
    host.trace(skb.id, {
      kind: 'consumed',
      by: `ndisc: NA ${formatIpv6Address(msg.target)}${tlla ? ` is-at ${toHex(tlla.address)}` : ''}`,
    });
  }
}
