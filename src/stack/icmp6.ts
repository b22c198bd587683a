/** ICMPv6: receiving (counters, echo responder, errors to sockets, ND dispatch) and sending errors (kernel: net/ipv6/icmp.c icmpv6_rcv, icmpv6_echo_reply, icmp6_send). */

import { walkExtensionHeaders } from '../wire/ext-headers.js';
import { toHex } from '../wire/hex.js';
import { emitIcmpv6, type Icmpv6Repr, parseIcmpv6 } from '../wire/icmpv6.js';
import { type Ipv6Repr, readIpv6 } from '../wire/ipv6.js';
import { formatIpv6Address } from '../wire/ipv6-address.js';
import { IPPROTO } from '../wire/proto.js';
import { decodeSession6 } from '../xfrm/flow.js';
import { isMulticast, isUnspecified } from './addrconf.js';
import type { Host } from './host.js';
import { ip6SendLocal, routeOutput } from './ip6-output.js';
import { ndiscRcv } from './ndisc.js';
import type { NetDevice } from './netdev.js';
import { updatePmtu } from './pmtu.js';
import { ICMP6_IN_COUNTER } from './snmp6.js';
import { tcpV6Err } from './tcp.js';
import type { Skb } from './types.js';
import { icmpv6ErrConvert, udpv6Err } from './udp.js';
import type { Flow6 } from './xfrm-seams.js';

/** IPV6_MIN_MTU: an ICMPv6 error carries as much of the invoking packet as fits in 1280 bytes. */
const IPV6_MIN_MTU = 1280;

const ERROR_NAMES: Readonly<Record<number, string>> = {
  1: 'destination unreachable',
  2: 'packet too big',
  3: 'time exceeded',
  4: 'parameter problem',
};

/** net.ipv6.icmp.ratemask default "0-1,3-127": errors but packet too big are limited, informational messages are not. */
function inRatemask(type: number): boolean {
  return type <= 1 || (type >= 3 && type <= 127);
}

/** icmpv6_time (net.ipv6.icmp.ratelimit): 1000 ms. */
const ICMPV6_TIME_US = 1_000_000;
/** XRLIM_BURST_FACTOR (inetpeer.c). */
const XRLIM_BURST_FACTOR = 6;

/**
 * icmpv6_global_allow -> icmp_global_allow: one token bucket for the whole kernel (every
 * namespace), net.ipv4.icmp_msgs_per_sec 1000 and icmp_msgs_burst 50, refilled at most every
 * HZ/50 (20 ms); each message costs 0, 1 or 2 credits at random (the kernel's prandom_u32_max(3)).
 */
function icmpv6GlobalAllow(host: Host, type: number): boolean {
  if (!inRatemask(type)) return true;
  const g = host.world.icmpGlobal;
  const now = host.world.clock.nowUs;
  const deltaMs = Math.min(Math.floor((now - g.stampUs) / 1000), 1000);
  let incr = 0;
  if (deltaMs >= 20) {
    incr = deltaMs;
    if (incr) g.stampUs = now;
  }
  let credit = Math.min(g.credit + incr, 50);
  let ok = false;
  if (credit) {
    credit = Math.max(credit - host.world.random.fork(`icmp-global:${now}:${g.draws++}`).below(3), 0);
    ok = true;
  }
  g.credit = credit;
  return ok;
}

/**
 * icmpv6_xrlim_allow -> inet_peer_xrlim_allow: per destination a token bucket of icmpv6_time per
 * message, wider routes getting more (the time is shifted right by (128 - prefix length) / 32),
 * at most XRLIM_BURST_FACTOR messages' worth saved; a new peer starts full. Errors to this host
 * itself (a route through lo) are never limited.
 */
function icmpv6XrlimAllow(host: Host, type: number, dst: Uint8Array): boolean {
  if (!inRatemask(type)) return true;
  const rt = routeOutput(host, dst);
  if (!rt.ok) return false;
  if (rt.local || rt.dev.kind === 'loopback') return true;
  const plen = rt.route?.prefixLen ?? 128;
  const tmo = plen < 128 ? ICMPV6_TIME_US >> ((128 - plen) >> 5) : ICMPV6_TIME_US;
  const now = host.world.clock.nowUs;
  const key = toHex(dst);
  const peer = host.icmpPeers.get(key) ?? { tokens: 0, lastUs: now - 60_000_000 };
  let token = peer.tokens + (now - peer.lastUs);
  peer.lastUs = now;
  if (token > XRLIM_BURST_FACTOR * tmo) token = XRLIM_BURST_FACTOR * tmo;
  let ok = false;
  if (token >= tmo) {
    token -= tmo;
    ok = true;
  }
  peer.tokens = token;
  host.icmpPeers.set(key, peer);
  return ok;
}

/**
 * icmp6_send: the error about `orig` back to its source. Not sent about an ICMPv6 error, nor for
 * a packet from :: or a multicast source, nor (except packet too big and parameter problem code 2)
 * for a packet to a multicast address. The source is the invoking packet's destination when it is
 * ours, else source address selection. Rate limits as the kernel's: global, then per destination.
 */
export function icmpv6SendError(host: Host, orig: Skb, type: 1 | 2 | 3 | 4, code: number, info: number): void {
  if (orig.bytes.length < 40) return;
  const ip = readIpv6(orig.bytes);
  if (isMulticast(ip.dst) && !(type === 2 || (type === 4 && code === 2))) return;
  if (isUnspecified(ip.src) || isMulticast(ip.src)) return;
  const chain = walkExtensionHeaders(orig.bytes);
  // RFC 8200 4.5: a fragment (offset or M flag set) is never taken for an ICMPv6 error.
  const fh = chain.ok ? chain.value.headers.find((h) => h.type === IPPROTO.FRAGMENT) : undefined;
  const isFragment = fh !== undefined && (orig.bytes[fh.offset + 2]! | orig.bytes[fh.offset + 3]!) !== 0;
  if (chain.ok && chain.value.upperProtocol === IPPROTO.ICMPV6 && !isFragment) {
    const t = orig.bytes[chain.value.upperOffset];
    // is_ineligible: never an error about an error (or about an ICMPv6 header we cannot read).
    if (t === undefined || t < 128) return;
  }
  if (!icmpv6GlobalAllow(host, type) || !icmpv6XrlimAllow(host, type, ip.src)) {
    host.trace(orig.id, { kind: 'route', result: `icmp6 ${ERROR_NAMES[type]} not sent: rate limited` });
    return;
  }
  const invoking = orig.bytes.slice(0, Math.min(orig.bytes.length, IPV6_MIN_MTU - 40 - 8));
  const src = host.hasAddress(ip.dst) ? ip.dst : undefined;
  const repr: Icmpv6Repr =
    type === 2
      ? { kind: 'packet-too-big', mtu: info, invoking }
      : type === 4
        ? { kind: 'param-problem', code, pointer: info, invoking }
        : { kind: type === 1 ? 'dest-unreach' : 'time-exceeded', code, invoking };
  const r = ip6SendLocal(host, {
    kernelInternal: true,
    dst: ip.src,
    ...(src ? { src } : {}),
    ...reverseFlow(host, orig),
    nextHeader: IPPROTO.ICMPV6,
    icmpType: type,
    icmpCode: code,
    build: (s, d) => emitIcmpv6(repr, s, d),
    summary: `ICMP6 ${ERROR_NAMES[type]} code ${code} about #${orig.id}`,
  });
  if (!r.ok) host.count('Icmp6OutErrors');
}

/**
 * xfrm_decode_session_reverse of the offending packet: its addresses and ports swapped (an ICMPv6
 * type and code stay), its mark, and the device it came in on as oif.
 */
function reverseFlow(host: Host, orig: Skb): { icmpReverse?: Flow6 } {
  const oif = orig.inDev !== undefined ? (host.devices.get(orig.inDev)?.ifindex ?? 0) : 0;
  const f = decodeSession6(orig.bytes, { oif, mark: orig.mark });
  if (!f.ok) return {};
  const v = f.value;
  const ports = v.proto === IPPROTO.ICMPV6 ? { sport: v.sport, dport: v.dport } : { sport: v.dport, dport: v.sport };
  return { icmpReverse: { src: v.dst, dst: v.src, proto: v.proto, ...ports, oif, mark: v.mark } };
}

/** icmpv6_rcv for a packet whose ICMPv6 header starts at `offset`. The packet ends here. */
export function icmpv6Rcv(host: Host, dev: NetDevice, skb: Skb, ip: Ipv6Repr, offset: number): void {
  const msgBytes = skb.bytes.subarray(offset, 40 + ip.payloadLength);
  const parsed = parseIcmpv6(msgBytes, 0, ip.src, ip.dst);
  host.count('Icmp6InMsgs');
  if (!parsed.ok) {
    host.drop(skb, 'Icmp6InErrors', `icmp6: ${parsed.error.detail}`);
    return;
  }
  const msg = parsed.value;
  if (msg.checksumOk === false) {
    host.count('Icmp6InCsumErrors');
    host.drop(skb, 'Icmp6InErrors', 'icmp6: bad checksum');
    return;
  }
  const c = ICMP6_IN_COUNTER[msg.type];
  if (c) host.count(c);
  switch (msg.kind) {
    case 'echo-request': {
      host.trace(skb.id, { kind: 'delivered', to: 'icmp6 echo responder' });
      // icmpv6_echo_reply: from the address asked (unless multicast), same id, seq and data.
      ip6SendLocal(host, {
        kernelInternal: true,
        dst: ip.src,
        ...(isMulticast(ip.dst) ? {} : { src: ip.dst }),
        nextHeader: IPPROTO.ICMPV6,
        icmpType: 129,
        build: (s, d) => emitIcmpv6({ kind: 'echo-reply', id: msg.id, seq: msg.seq, data: msg.data }, s, d),
        summary: `ICMP6 echo reply id ${msg.id} seq ${msg.seq}`,
      });
      return;
    }
    case 'echo-reply': {
      for (const s of host.pingSockets) {
        if (s.receiveReply(ip, msg.id, msg.seq, msg.data)) {
          host.trace(skb.id, { kind: 'delivered', to: `ping socket id ${msg.id}` });
          return;
        }
      }
      host.drop(skb, 'NO_SOCKET', `icmp6 echo reply id ${msg.id}: no socket`);
      return;
    }
    case 'dest-unreach':
    case 'time-exceeded':
    case 'packet-too-big':
    case 'param-problem': {
      // icmpv6_notify: the error goes to the socket that sent the invoking packet.
      const inv = msg.invoking;
      if (msg.kind === 'packet-too-big' && inv.length >= 40 && inv[6] !== IPPROTO.TCP) {
        // The protocol's err handler (icmpv6_err, esp6_err, udpv6_err...) updates the route's PMTU.
        const about = readIpv6(inv).dst;
        const rt = routeOutput(host, about);
        host.trace(skb.id, { kind: 'route', result: updatePmtu(host, about, rt.ok ? rt.dev : undefined, msg.mtu) });
      }
      // udpv6_err / tcp_v6_err: the socket that sent the invoking datagram or segment.
      const conv = icmpv6ErrConvert(msg.type, msg.code);
      // tcp_v6_err decides itself whether a Packet Too Big teaches the path anything.
      if (
        udpv6Err(host, inv, msg.type, msg.code) ||
        tcpV6Err(host, inv, msg.type, conv.errno, msg.kind === 'packet-too-big' ? msg.mtu : 0)
      ) {
        host.trace(skb.id, { kind: 'delivered', to: `${inv[6] === IPPROTO.UDP ? 'udp' : 'tcp'} socket (icmp6 ${ERROR_NAMES[msg.type]})` });
        return;
      }
      // The echo request quoted may sit behind extension headers (a first fragment's Fragment header).
      const invChain = walkExtensionHeaders(inv);
      const echoAt =
        invChain.ok && invChain.value.upperProtocol === IPPROTO.ICMPV6 && !invChain.value.fragmented ? invChain.value.upperOffset : -1;
      if (echoAt >= 0 && inv.length >= echoAt + 8 && inv[echoAt] === 128) {
        const id = (inv[echoAt + 4]! << 8) | inv[echoAt + 5]!;
        const seq = (inv[echoAt + 6]! << 8) | inv[echoAt + 7]!;
        for (const s of host.pingSockets) {
          if (
            s.receiveError(
              ip,
              msg.type,
              msg.code,
              id,
              seq,
              msg.kind === 'packet-too-big' ? msg.mtu : msg.kind === 'param-problem' ? msg.pointer : 0,
            )
          ) {
            host.trace(skb.id, { kind: 'delivered', to: `ping socket id ${id} (error queue)` });
            return;
          }
        }
      }
      host.trace(skb.id, { kind: 'consumed', by: `icmp6 ${ERROR_NAMES[msg.type]} (no socket wants it)` });
      return;
    }
    case 'neighbour-solicit':
    case 'neighbour-advert':
      ndiscRcv(host, dev, skb, ip, msg);
      return;
    default:
      host.trace(skb.id, { kind: 'consumed', by: `icmp6 type ${msg.type} (${formatIpv6Address(ip.src)})` });
  }
}
