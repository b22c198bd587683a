/** UDP over IPv6: sockets (bind, connect, sendmsg, recvmsg), the receive path's socket lookup and errors back to connected sockets (kernel: net/ipv6/udp.c udpv6_rcv, __udp6_lib_lookup, udpv6_sendmsg, __udp6_lib_err; net/ipv6/datagram.c ip6_datagram_connect; net/ipv4/udp.c udp_lib_get_port). */

import { ConfigError, type Errno } from '../errors.js';
import { bytesEqual } from '../wire/hex.js';
import type { Ipv6Repr } from '../wire/ipv6.js';
import { formatIpv6Address, type Ipv6Address } from '../wire/ipv6-address.js';
import { IPPROTO } from '../wire/proto.js';
import { emitUdp, parseUdp, udpChecksumOk } from '../wire/udp.js';
import { isMulticast, isUnspecified, selectSourceAddress } from './addrconf.js';
import type { Host } from './host.js';
import { icmpv6SendError } from './icmp6.js';
import { ip6SendLocal, routeOutput } from './ip6-output.js';
import type { SendResult, Skb } from './types.js';
import { type Flow6, xfrmLookupOutput, xfrmPolicyCheck } from './xfrm-seams.js';

/** net.ipv4.ip_local_port_range default (shared by IPv6). */
export const IP_LOCAL_PORT_RANGE = [32768, 60999] as const;

/** One received datagram as recvfrom returns it. */
export interface UdpDatagram {
  readonly from: Ipv6Address;
  readonly fromPort: number;
  readonly to: Ipv6Address;
  readonly data: Uint8Array;
}

/** A datagram on the receive queue: its trace id, and whether its checksum holds (checked only when read). */
export interface QueuedDatagram extends UdpDatagram {
  readonly pkt: number;
  readonly csumOk: boolean;
}

export type UdpRecvResult = { readonly ok: true; readonly datagram: UdpDatagram } | { readonly ok: false; readonly errno: Errno };

/**
 * A SOCK_DGRAM IPPROTO_UDP AF_INET6 socket. The local address `undefined` is `::` (in6addr_any);
 * `remote` is set by connect (TCP_ESTABLISHED in the kernel's sk_state for a datagram socket).
 */
export class UdpSocket {
  localAddr: Ipv6Address | undefined;
  localPort = 0;
  remote: { readonly addr: Ipv6Address; readonly port: number } | undefined;
  /** sk_receive_queue. */
  readonly rxQueue: QueuedDatagram[] = [];
  /** sk_err: set by an ICMPv6 error on a connected socket, reported (and cleared) by the next call. */
  sockErr: Errno | undefined;
  /** Whether the route the socket keeps (connected) is xfrm's blackhole for a template without SA. */
  private cachedBlackhole = false;
  /** The flow connect() looked up, for the lookups a release of the socket makes again. */
  private connectedLookup: { readonly flow: Flow6; readonly loopback: boolean } | undefined;
  /** The application's wake-up (sk_data_ready): called after the packet that queued a datagram. */
  onReadable: (() => void) | undefined;
  private wakePending = false;
  private closed = false;

  constructor(readonly host: Host) {}

  /** Schedules the application's wake-up after the current packet, once however many datagrams come. */
  wake(): void {
    if (!this.onReadable || this.wakePending) return;
    this.wakePending = true;
    this.host.world.clock.schedule(0, () => {
      this.wakePending = false;
      this.onReadable?.();
    });
  }

  /** bind(2): port 0 picks an ephemeral port; a port in use on an overlapping address is EADDRINUSE. */
  bind(addr?: Ipv6Address, port = 0): void {
    if (this.localPort !== 0) throw new ConfigError('EINVAL');
    const a = addr && !isUnspecified(addr) ? addr : undefined;
    if (a && !isMulticast(a) && !this.host.hasAddress(a, { includeTentative: true })) throw new ConfigError('EADDRNOTAVAIL');
    const p = port === 0 ? udpEphemeralPort(this.host, a) : port;
    if (p === undefined) throw new ConfigError('EADDRINUSE');
    if (port !== 0 && udpPortInUse(this.host, a, p)) throw new ConfigError('EADDRINUSE');
    this.localAddr = a;
    this.localPort = p;
    this.host.udpSockets.add(this);
  }

  /**
   * connect(2) (ip6_datagram_connect): the route and source are looked up now, so a missing route
   * is ENETUNREACH (a reject route its errno) here rather than at send; an unbound socket is bound
   * to an ephemeral port, and an unbound address becomes the selected source.
   */
  connect(addr: Ipv6Address, port: number): { readonly ok: true } | { readonly ok: false; readonly errno: Errno } {
    const rt = routeOutput(this.host, addr);
    if (!rt.ok) return { ok: false, errno: rt.errno };
    const src = this.localAddr ?? selectSourceAddress(this.host, addr, rt.dev.name);
    if (!src) return { ok: false, errno: 'EADDRNOTAVAIL' };
    if (this.localPort === 0) {
      const p = udpEphemeralPort(this.host, undefined);
      if (p === undefined) return { ok: false, errno: 'EAGAIN' };
      this.localPort = p;
      this.host.udpSockets.add(this);
    }
    // ip6_datagram_dst_update routes with xfrm_lookup_route: a refused flow (block policy,
    // setdefault out block) fails connect() itself with EPERM (recorded: cases/n_setdefault_out B3,
    // n_udp_port_policy W3, where nc -u exits 1 before sending).
    const flow = { src, dst: addr, proto: IPPROTO.UDP, sport: this.localPort, dport: port, oif: 0, mark: 0 };
    const d = xfrmLookupOutput(this.host, flow, rt.dev.kind === 'loopback');
    if (d.kind === 'block' || d.kind === 'error') return { ok: false, errno: d.errno };
    this.localAddr = src;
    this.remote = { addr, port };
    this.cachedBlackhole = d.kind === 'no-state';
    this.connectedLookup = { flow, loopback: rt.dev.kind === 'loopback' };
    // release_sock's ip6_datagram_release_cb finds the cached blackhole obsolete and routes again
    // (recorded: cases/n_udp_nostate, two XfrmOutNoStates for connect() alone).
    this.releaseCb(flow, rt.dev.kind === 'loopback');
    return { ok: true };
  }

  /**
   * ip6_datagram_release_cb, run when a call that locked the socket releases it: a cached route
   * that is xfrm's blackhole (a template without SA) is obsolete, so the route is looked up again,
   * and counted again. A route that is fine stays.
   */
  private releaseCb(flow: Flow6, loopback: boolean): void {
    if (!this.cachedBlackhole) return;
    this.cachedBlackhole = xfrmLookupOutput(this.host, flow, loopback).kind === 'no-state';
  }

  /** send(2) on a connected socket. */
  send(data: Uint8Array): SendResult {
    if (!this.remote) return { ok: false, errno: 'EDESTADDRREQ' };
    return this.sendto(data, this.remote.addr, this.remote.port);
  }

  /** sendto(2) (udpv6_sendmsg): autobinds, then one datagram through ip6SendLocal; Udp6OutDatagrams when it left the socket layer. */
  sendto(data: Uint8Array, addr: Ipv6Address, port: number): SendResult {
    const err = this.takeError();
    if (err) return { ok: false, errno: err };
    if (port === 0) return { ok: false, errno: 'EINVAL' };
    if (this.localPort === 0) {
      const p = udpEphemeralPort(this.host, undefined);
      if (p === undefined) return { ok: false, errno: 'EAGAIN' };
      this.localPort = p;
      this.host.udpSockets.add(this);
    }
    const sport = this.localPort;
    const r = ip6SendLocal(this.host, {
      dst: addr,
      ...(this.localAddr ? { src: this.localAddr } : {}),
      nextHeader: IPPROTO.UDP,
      sport,
      dport: port,
      build: (s, d) => emitUdp({ srcPort: sport, dstPort: port, payload: data }, s, d),
      checksumOffload: { offset: 6 },
      summary: `UDP ${sport} > ${port} length ${data.length}`,
    });
    if (r.ok) this.host.count('Udp6OutDatagrams');
    // A connected socket keeps the route its send looked up (ip6_sk_dst_store_flow).
    if (this.remote && addr === this.remote.addr && port === this.remote.port) this.cachedBlackhole = r.ok && r.blackholed === true;
    return r;
  }

  /**
   * recvfrom(2), non-blocking (udpv6_recvmsg): a pending sk_err first, then the queue head, else
   * EAGAIN. The checksum is verified while copying, so a bad one is counted (Udp6InCsumErrors,
   * Udp6InErrors) and skipped only now, and Udp6InDatagrams counts datagrams read, not queued.
   */
  recv(): UdpRecvResult {
    const err = this.takeError();
    if (err) return { ok: false, errno: err };
    for (let d = this.rxQueue.shift(); d; d = this.rxQueue.shift()) {
      if (!d.csumOk) {
        this.host.count('Udp6InCsumErrors');
        this.host.drop({ id: d.pkt }, 'Udp6InErrors', 'udp: bad checksum (found while copying to the reader)');
        continue;
      }
      this.host.count('Udp6InDatagrams');
      this.host.trace(d.pkt, { kind: 'delivered', to: `udp socket :${this.localPort} (read)` });
      return { ok: true, datagram: { from: d.from, fromPort: d.fromPort, to: d.to, data: d.data } };
    }
    return { ok: false, errno: 'EAGAIN' };
  }

  /** close(2): datagrams never read are freed with the socket (no counter; the drop reason names it). */
  close(): void {
    // udpv6_destroy_sock locks and releases the socket once more.
    if (this.connectedLookup) this.releaseCb(this.connectedLookup.flow, this.connectedLookup.loopback);
    for (const d of this.rxQueue.splice(0)) this.host.drop({ id: d.pkt }, 'NOT_SPECIFIED', 'udp: freed unread when the socket closed');
    this.closed = true;
    this.host.udpSockets.delete(this);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private takeError(): Errno | undefined {
    const e = this.sockErr;
    this.sockErr = undefined;
    return e;
  }
}

/** Opens a UDP socket on `host` (socket(AF_INET6, SOCK_DGRAM, 0)); it joins the lookup table when bound. */
export function udpSocket(host: Host): UdpSocket {
  return new UdpSocket(host);
}

function sameOrWild(a: Ipv6Address | undefined, b: Ipv6Address | undefined): boolean {
  return a === undefined || b === undefined || bytesEqual(a, b);
}

/** udp_lib_lport_inuse without SO_REUSEADDR/SO_REUSEPORT: the same port on an overlapping address. */
export function udpPortInUse(host: Host, addr: Ipv6Address | undefined, port: number): boolean {
  for (const s of host.udpSockets) if (s.localPort === port && sameOrWild(s.localAddr, addr)) return true;
  return false;
}

/**
 * udp_lib_get_port with snum 0: a random start in ip_local_port_range (from the host's seeded
 * source, where the kernel calls get_random_u32), then the first free port walking up and
 * wrapping. The kernel strides through the range by an odd multiple of the hash table size
 * instead; with few sockets bound only the random start shows.
 */
export function udpEphemeralPort(host: Host, addr: Ipv6Address | undefined): number | undefined {
  const [low, high] = IP_LOCAL_PORT_RANGE;
  const span = high - low + 1;
  const start = host.random.fork(`udp-port:${host.world.clock.nowUs}:${host.portDraws++}`).below(span);
  for (let i = 0; i < span; i++) {
    const p = low + ((start + i) % span);
    if (!udpPortInUse(host, addr, p)) return p;
  }
  return undefined;
}

/**
 * __udp6_lib_lookup's compute_score: a socket on the destination port qualifies if each of its
 * bound address, connected peer address and peer port is unset or matches; each that is set
 * scores 4, so connected beats bound address beats wildcard. Ties go to the first bound.
 */
export function udp6LibLookup(host: Host, saddr: Ipv6Address, sport: number, daddr: Ipv6Address, dport: number): UdpSocket | undefined {
  let best: UdpSocket | undefined;
  let bestScore = -1;
  for (const s of host.udpSockets) {
    if (s.localPort !== dport) continue;
    let score = 0;
    if (s.localAddr) {
      if (!bytesEqual(s.localAddr, daddr)) continue;
      score += 4;
    }
    if (s.remote) {
      if (!bytesEqual(s.remote.addr, saddr)) continue;
      score += 4;
      if (s.remote.port !== sport) continue;
      score += 4;
    }
    if (score > bestScore) {
      best = s;
      bestScore = score;
    }
  }
  return best;
}

/**
 * udpv6_rcv for the datagram at `off` (after INPUT and Ip6InDelivers). Order as __udp6_lib_rcv:
 * length, socket lookup; with a socket the xfrm in check, then the queue (the checksum is checked
 * when read); with none the xfrm in check, the checksum, then Udp6NoPorts and a port unreachable
 * (kernel-semantics 3.5).
 */
export function udpv6Rcv(host: Host, skb: Skb, ip: Ipv6Repr, off: number, lo: number): void {
  const parsed = parseUdp(skb.bytes, off);
  if (!parsed.ok) {
    host.drop(skb, 'Udp6InErrors', `udp: short packet: ${parsed.error.detail}`);
    return;
  }
  const u = parsed.value;
  const datagram = skb.bytes.subarray(off, off + (u.length === 0 ? skb.bytes.length - off : u.length));
  const sk = udp6LibLookup(host, ip.src, u.srcPort, ip.dst, u.dstPort);
  const csumOk = skb.checksumUnnecessary === true || udpChecksumOk(ip.src, ip.dst, datagram);
  const check = xfrmPolicyCheck(host, 'in', skb, lo);
  if (check.kind === 'drop') {
    host.trace(skb.id, { kind: 'xfrm', seam: 'in', detail: check.detail });
    // Both ways count UDP_MIB_INERRORS: udpv6_queue_rcv_one_skb's drop with a socket, and
    // __udp6_lib_rcv's discard without one (recorded: cases/n_udp_port_policy W2).
    host.count('Udp6InErrors');
    host.dropCounted(skb, check.counter, `xfrm in policy check: ${check.detail}`);
    return;
  }
  host.trace(skb.id, { kind: 'xfrm', seam: 'in', detail: check.detail });
  // skb_checksum_init_zero_check lets a zero checksum pass until a socket is found; a socket
  // without UDP_NO_CHECK6_RX then refuses it at once (udp6_csum_zero_error). Without a socket the
  // checksum is checked before the port unreachable (udp_lib_checksum_complete).
  if ((sk && u.checksum === 0) || (!sk && u.checksum !== 0 && !csumOk)) {
    host.count('Udp6InCsumErrors');
    host.drop(skb, 'Udp6InErrors', u.checksum === 0 ? 'udp: zero checksum over IPv6' : 'udp: bad checksum');
    return;
  }
  if (!sk) {
    if (isMulticast(ip.dst)) {
      host.drop(skb, 'Udp6IgnoredMulti', `udp port ${u.dstPort}: no socket for multicast`);
      return;
    }
    icmpv6SendError(host, skb, 1, 4, 0);
    host.drop(skb, 'Udp6NoPorts', `udp port ${u.dstPort}: no socket`);
    return;
  }
  // The datagram waits on the queue; its walk ends when it is read (or freed with the socket).
  sk.rxQueue.push({ from: ip.src, fromPort: u.srcPort, to: ip.dst, data: u.payload, pkt: skb.id, csumOk });
  host.trace(skb.id, { kind: 'queued', detail: `udp socket [${formatIpv6Address(ip.dst)}]:${u.dstPort} receive queue` });
  sk.wake();
}

/**
 * icmpv6_err_convert: the errno an ICMPv6 error means, and whether it is fatal ("hard"); only hard
 * errors reach a connected socket without IPV6_RECVERR.
 */
export function icmpv6ErrConvert(type: number, code: number): { readonly errno: Errno; readonly fatal: boolean } {
  switch (type) {
    case 1: {
      const tab: readonly (readonly [Errno, boolean])[] = [
        ['ENETUNREACH', false],
        ['EACCES', true],
        ['EHOSTUNREACH', true],
        ['EHOSTUNREACH', true],
        ['ECONNREFUSED', true],
        ['EACCES', true],
        ['EACCES', true],
      ];
      const e = tab[code];
      return e ? { errno: e[0], fatal: e[1] } : { errno: 'EPROTO', fatal: false };
    }
    case 2:
      return { errno: 'EMSGSIZE', fatal: false };
    case 3:
      return { errno: 'EHOSTUNREACH', fatal: false };
    case 4:
      return { errno: 'EPROTO', fatal: true };
    default:
      return { errno: 'EPROTO', fatal: false };
  }
}

/**
 * __udp6_lib_err for an ICMPv6 error whose invoking packet (`inv`, from its IPv6 header) is a UDP
 * datagram we sent: the socket is found by the invoking packet's addresses seen from our side.
 * Returns whether a socket took it (a hard error on a connected socket sets sk_err).
 */
export function udpv6Err(host: Host, inv: Uint8Array, type: number, code: number): boolean {
  if (inv.length < 48 || inv[6] !== IPPROTO.UDP) return false;
  const src = inv.slice(8, 24);
  const dst = inv.slice(24, 40);
  const sport = (inv[40]! << 8) | inv[41]!;
  const dport = (inv[42]! << 8) | inv[43]!;
  const sk = udp6LibLookup(host, dst, dport, src, sport);
  if (!sk) return false;
  const { errno, fatal } = icmpv6ErrConvert(type, code);
  if (fatal && sk.remote) sk.sockErr = errno;
  return true;
}
