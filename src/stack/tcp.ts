/** TCP over IPv6, the connection life cycle only: listen/accept, connect with SYN retransmits, the handshake, in-order data, FIN close, TIME_WAIT and resets (kernel: net/ipv6/tcp_ipv6.c tcp_v6_rcv, tcp_v6_send_reset; net/ipv4/tcp_input.c tcp_rcv_state_process, tcp_output.c tcp_connect, tcp_syn_options, tcp_timer.c, inet_hashtables.c __inet_hash_connect). */

import { ConfigError, type Errno } from '../errors.js';
import { bytesEqual } from '../wire/hex.js';
import { type Ipv6Repr, readIpv6 } from '../wire/ipv6.js';
import { formatIpv6Address, type Ipv6Address } from '../wire/ipv6-address.js';
import { IPPROTO } from '../wire/proto.js';
import {
  decodeTcpOptions,
  emitTcp,
  encodeTcpOptions,
  parseTcp,
  type TcpFields,
  type TcpOption,
  type TcpRepr,
  tcpChecksumOk,
  tcpFlags,
} from '../wire/tcp.js';
import { isMulticast, isUnspecified, selectSourceAddress } from './addrconf.js';
import type { Host } from './host.js';
import { IPV6_MIN_MTU } from './ip6-fragment.js';
import { ip6SendLocal, routeOutput } from './ip6-output.js';
import type { NetDevice } from './netdev.js';
import { ipv6FindHdr } from './netfilter/exthdr.js';
import { pathMtu, updatePmtu } from './pmtu.js';
import type { Skb } from './types.js';
import { IP_LOCAL_PORT_RANGE } from './udp.js';
import { xfrmPolicyCheck } from './xfrm-seams.js';

/** The Tcp line of /proc/net/snmp the model raises, in the kernel's order (snmp4_tcp_list). */
export const SNMP_TCP = [
  'TcpActiveOpens',
  'TcpPassiveOpens',
  'TcpAttemptFails',
  'TcpEstabResets',
  'TcpCurrEstab',
  'TcpInSegs',
  'TcpOutSegs',
  'TcpRetransSegs',
  'TcpInErrs',
  'TcpOutRsts',
  'TcpInCsumErrors',
] as const;

export type TcpState =
  | 'CLOSE'
  | 'LISTEN'
  | 'SYN_SENT'
  | 'SYN_RECV'
  | 'ESTABLISHED'
  | 'FIN_WAIT1'
  | 'FIN_WAIT2'
  | 'CLOSING'
  | 'TIME_WAIT'
  | 'CLOSE_WAIT'
  | 'LAST_ACK';

/** TCP_TIMEOUT_INIT: the first SYN retransmit after 1 s, doubling (RFC 6298). */
export const TCP_TIMEOUT_INIT_US = 1_000_000;
/** net.ipv4.tcp_syn_retries default. */
export const TCP_SYN_RETRIES = 6;
/** net.ipv4.tcp_synack_retries default. */
export const TCP_SYNACK_RETRIES = 5;
/** TCP_TIMEWAIT_LEN: 60 s. */
export const TCP_TIMEWAIT_LEN_US = 60_000_000;
/** TCP_DELACK_MIN: the shortest a delayed ACK waits. */
export const TCP_DELACK_MIN_US = 40_000;
/** The shift Linux asks for (tcp_select_initial_window with the default tcp_rmem). */
const WSCALE = 7;
/** The SYN's window with a 1440-byte MSS (tcp_select_initial_window: 45 * mss). */
const SYN_WINDOW_SEGS = 45;
/** IPV6_MIN_MTU less the IPv6 and TCP headers: mss_clamp until the peer's MSS is known, and advmss's floor (ip6_rt_min_advmss). */
const IPV6_MIN_MSS = 1220;
/** net.ipv4.tcp_min_snd_mss. */
const TCP_MIN_SND_MSS = 48;

/** ip6_default_advmss: the path MTU (a learned one included) less 60, not below ip6_rt_min_advmss. */
function advMssOf(host: Host, dst: Ipv6Address, dev: NetDevice): number {
  return Math.min(Math.max(pathMtu(host, dst, dev) - 60, IPV6_MIN_MSS), 65535);
}

const U32 = 0x1_0000_0000;
const add32 = (a: number, b: number) => (a + b) % U32;
/** after(a, b) of include/net/tcp.h: a is later than b in sequence space. */
const after = (a: number, b: number) => ((a - b) | 0) > 0;

interface Endpoint {
  readonly addr: Ipv6Address;
  readonly port: number;
}

/** An AF_INET6 SOCK_STREAM socket: a listener, or one connection (a child of a listener once accepted). */
export class TcpSocket {
  state: TcpState = 'CLOSE';
  localAddr: Ipv6Address | undefined;
  localPort = 0;
  remote: Endpoint | undefined;
  /** sk_err: ECONNREFUSED, ECONNRESET, ETIMEDOUT as the application sees it. */
  sockErr: Errno | undefined;
  /** The bytes received in order, not yet read. */
  private rx: Uint8Array[] = [];
  /** The peer sent FIN (reads then return end of file). */
  rcvShutdown = false;
  /** Completed children waiting for accept (icsk_accept_queue). */
  readonly acceptQueue: TcpSocket[] = [];
  listener: TcpSocket | undefined;
  iss = 0;
  sndUna = 0;
  sndNxt = 0;
  rcvNxt = 0;
  /** advmss: the MSS this end advertises (dst_metric_advmss of the path: its MTU less 60). */
  advMss = 1440;
  /** rx_opt.mss_clamp: the peer's MSS option (IPV6_MIN_MTU less 60 until one is seen). */
  private mssClamp = IPV6_MIN_MSS;
  /** mss_cache and icsk_pmtu_cookie: the segment size last synced, and the dst MTU it was synced to. */
  private mssCache = IPV6_MIN_MSS;
  private pmtuCookie = 0;
  /** dst_mtu of the socket's dst (route or xfrm bundle), from its latest segment. */
  private dstMtu: (() => number) | undefined;
  /** The retransmit queue: data segments sent and not yet acknowledged. */
  private rtx: { seq: number; data: Uint8Array; psh: boolean }[] = [];
  /** out_of_order_queue: data past a hole, by sequence; `latest` orders the SACK blocks (newest first). */
  private ofo: { seq: number; data: Uint8Array; latest: number }[] = [];
  private ofoArrivals = 0;
  private synWindow = 64800;
  /** rcv_wnd and rcv_wup: the window last offered (bytes) and rcv_nxt when it was offered. */
  private rcvWnd = 64800;
  private rcvWup = 0;
  private tsOffset = 0;
  private tsRecent = 0;
  private peerTs = false;
  private peerSack = false;
  private peerWscale: number | undefined;
  private retransmits = 0;
  private timer: number | undefined;
  private finSent = false;
  private delackTimer: number | undefined;
  private txhash = 0;

  /**
   * The application's wake-up (sk_data_ready, sk_state_change): called once the segment that made
   * the socket readable has been processed (a connection to accept, data, end of file, an error).
   */
  onReadable: (() => void) | undefined;
  private wakePending = false;

  constructor(readonly host: Host) {}

  /** Schedules the application's wake-up after the current packet, once however many events come. */
  private wake(): void {
    if (!this.onReadable || this.wakePending) return;
    this.wakePending = true;
    this.host.world.clock.schedule(0, () => {
      this.wakePending = false;
      this.onReadable?.();
    });
  }

  /** bind(2): EADDRINUSE for a port already bound on an overlapping address (no SO_REUSEADDR). */
  bind(addr?: Ipv6Address, port = 0): void {
    if (this.localPort !== 0 || this.state !== 'CLOSE') throw new ConfigError('EINVAL');
    const a = addr && !isUnspecified(addr) ? addr : undefined;
    if (a && !this.host.hasAddress(a, { includeTentative: true })) throw new ConfigError('EADDRNOTAVAIL');
    const p = port === 0 ? tcpEphemeralPort(this.host) : port;
    if (p === undefined || tcpPortInUse(this.host, a, p)) throw new ConfigError('EADDRINUSE');
    this.localAddr = a;
    this.localPort = p;
    this.host.tcpSockets.add(this);
  }

  /** listen(2). */
  listen(): void {
    if (this.localPort === 0) this.bind();
    this.setState('LISTEN');
  }

  /** accept(2), non-blocking: the oldest completed connection, or undefined (EAGAIN). */
  accept(): TcpSocket | undefined {
    return this.acceptQueue.shift();
  }

  /**
   * connect(2), non-blocking (EINPROGRESS): the route and source are checked now (ENETUNREACH and
   * the like return at once); then a SYN goes out, retransmitted after 1, 2, 4 ... s until
   * tcp_syn_retries are spent (ETIMEDOUT). Watch `state` and `sockErr` for the outcome.
   */
  connect(addr: Ipv6Address, port: number): { readonly ok: true } | { readonly ok: false; readonly errno: Errno } {
    if (this.state !== 'CLOSE') return { ok: false, errno: this.state === 'SYN_SENT' ? 'EALREADY' : 'EISCONN' };
    const rt = routeOutput(this.host, addr);
    if (!rt.ok) return { ok: false, errno: rt.errno };
    const src = this.localAddr ?? selectSourceAddress(this.host, addr, rt.dev.name);
    if (!src) return { ok: false, errno: 'EADDRNOTAVAIL' };
    this.localAddr = src;
    if (this.localPort === 0) {
      const p = tcpEphemeralPort(this.host);
      if (p === undefined) return { ok: false, errno: 'EADDRNOTAVAIL' };
      this.localPort = p;
    }
    this.host.tcpSockets.add(this);
    this.remote = { addr, port };
    this.advMss = advMssOf(this.host, addr, rt.dev);
    this.initSequence();
    this.setState('SYN_SENT');
    this.host.count('TcpActiveOpens');
    this.sndUna = this.iss;
    this.sndNxt = add32(this.iss, 1);
    this.sendSyn(false);
    // tcp_connect_init: tcp_sync_mss with the dst the connect looked up (the SYN's).
    if (this.dstMtu) this.syncMss(this.dstMtu());
    this.armSynTimer();
    return { ok: true };
  }

  /**
   * send(2): the bytes go out at once in segments of the current MSS (no congestion or send
   * window); they stay queued until acknowledged, for a Packet Too Big's retransmission only (no
   * retransmission timer for data).
   */
  send(data: Uint8Array): { readonly ok: true } | { readonly ok: false; readonly errno: Errno } {
    const err = this.takeError();
    if (err) return { ok: false, errno: err };
    if (this.state !== 'ESTABLISHED' && this.state !== 'CLOSE_WAIT') return { ok: false, errno: 'ENOTCONN' };
    const size = this.currentMss();
    for (let o = 0; o < data.length; o += size) {
      const chunk = data.slice(o, Math.min(data.length, o + size));
      const psh = o + size >= data.length;
      this.rtx.push({ seq: this.sndNxt, data: chunk, psh });
      const alone = this.transmit({ ack: true, psh }, this.sndNxt, chunk);
      this.sndNxt = add32(this.sndNxt, chunk.length);
      if (alone) this.host.world.clock.runUntil(this.host.world.clock.nowUs);
    }
    return { ok: true };
  }

  /**
   * tcp_sync_mss: the segment size for a dst MTU (tcp_mtu_to_mss: less the IPv6 and TCP headers,
   * at most the peer's MSS, at least tcp_min_snd_mss 48).
   */
  private syncMss(pmtu: number): number {
    this.pmtuCookie = pmtu;
    this.mssCache = Math.max(Math.min(pmtu - 60, this.mssClamp), TCP_MIN_SND_MSS);
    return this.mssCache;
  }

  /** tcp_current_mss: synced again when the dst's MTU moved, less the options every segment carries (12 bytes of timestamps). */
  private currentMss(): number {
    const mtu = this.dstMtu?.();
    const mss = mtu !== undefined && mtu !== this.pmtuCookie ? this.syncMss(mtu) : this.mssCache;
    return mss - (this.peerTs ? 12 : 0);
  }

  /** "Drop requests trying to increase our current mss" (tcp_v6_mtu_reduced's first check). */
  wouldShrink(mtu: number): boolean {
    return Math.max(Math.min(mtu - 60, this.mssClamp), TCP_MIN_SND_MSS) < this.mssCache;
  }

  /**
   * tcp_v6_mtu_reduced after a Packet Too Big for one of our segments: a smaller MSS, and
   * tcp_simple_retransmit: every queued segment longer than it is sent again at once, cut to it.
   */
  mtuReduced(mtu: number): void {
    if (this.state === 'LISTEN' || this.state === 'CLOSE' || !this.wouldShrink(mtu)) return;
    const dstMtu = this.dstMtu?.();
    if (dstMtu === undefined || this.pmtuCookie <= dstMtu) return;
    this.syncMss(dstMtu);
    const size = this.currentMss();
    const queue = this.rtx;
    this.rtx = [];
    for (const q of queue) {
      if (q.data.length <= size) {
        this.rtx.push(q);
        continue;
      }
      for (let o = 0; o < q.data.length; o += size) {
        const chunk = q.data.slice(o, Math.min(q.data.length, o + size));
        const seq = add32(q.seq, o);
        const psh = q.psh && o + size >= q.data.length;
        this.rtx.push({ seq, data: chunk, psh });
        this.host.count('TcpRetransSegs');
        this.transmit({ ack: true, psh }, seq, chunk, undefined, undefined, false);
      }
    }
  }

  /** recv(2), non-blocking: the bytes in order; an empty array at end of file; EAGAIN when nothing is there. */
  recv(): { readonly ok: true; readonly data: Uint8Array } | { readonly ok: false; readonly errno: Errno } {
    if (this.rx.length > 0) {
      const total = this.rx.reduce((n, c) => n + c.length, 0);
      const out = new Uint8Array(total);
      let o = 0;
      for (const c of this.rx) {
        out.set(c, o);
        o += c.length;
      }
      this.rx = [];
      return { ok: true, data: out };
    }
    const err = this.takeError();
    if (err) return { ok: false, errno: err };
    if (this.rcvShutdown) return { ok: true, data: new Uint8Array(0) };
    return { ok: false, errno: 'EAGAIN' };
  }

  /**
   * shutdown(2) with SHUT_WR (tcp_shutdown): a FIN after the data, as close sends it, but the socket
   * stays the application's and goes on reading until the peer's FIN.
   */
  shutdownWrite(): { readonly ok: true } | { readonly ok: false; readonly errno: Errno } {
    if (this.state === 'ESTABLISHED' || this.state === 'SYN_RECV') {
      this.setState('FIN_WAIT1');
      this.sendFin();
      return { ok: true };
    }
    if (this.state === 'CLOSE_WAIT') {
      this.setState('LAST_ACK');
      this.sendFin();
      return { ok: true };
    }
    // Already shut (FIN_WAIT*, CLOSING, LAST_ACK, TIME_WAIT) is a no-op; never connected is ENOTCONN.
    return this.state === 'CLOSE' || this.state === 'LISTEN' || this.state === 'SYN_SENT' ? { ok: false, errno: 'ENOTCONN' } : { ok: true };
  }

  /** close(2): a FIN after the data (tcp_close -> tcp_send_fin); a listener or unconnected socket just goes. */
  close(): void {
    switch (this.state) {
      case 'ESTABLISHED':
      case 'SYN_RECV':
        this.setState('FIN_WAIT1');
        this.sendFin();
        return;
      case 'CLOSE_WAIT':
        this.setState('LAST_ACK');
        this.sendFin();
        return;
      case 'LISTEN':
        for (const c of this.acceptQueue) c.close();
        this.destroy();
        return;
      case 'SYN_SENT':
      case 'CLOSE':
        this.destroy();
        return;
      default:
        return;
    }
  }

  /** The options Linux 6.1 puts on a SYN or SYN-ACK (tcp_options_write order): mss, sackOK, TS, nop, wscale 7. */
  private synOptions(tsecr: number, peer?: { ts: boolean; sack: boolean; wscale: boolean }): TcpOption[] {
    const opts: TcpOption[] = [{ kind: 'mss', value: this.advMss }];
    const sack = peer ? peer.sack : true;
    const ts = peer ? peer.ts : true;
    if (sack && ts) opts.push({ kind: 'sack-permitted' });
    if (ts) opts.push({ kind: 'timestamps', tsval: this.tsval(), tsecr });
    else if (sack) opts.push({ kind: 'nop' }, { kind: 'nop' }, { kind: 'sack-permitted' });
    if (!peer || peer.wscale) opts.push({ kind: 'nop' }, { kind: 'wscale', shift: WSCALE });
    return opts;
  }

  private tsval(): number {
    return add32(this.tsOffset, Math.floor(this.host.world.clock.nowUs / 1000) % U32);
  }

  /** secure_tcpv6_seq and secure_tcpv6_ts_off: a keyed hash (here the seeded source) plus the clock (ns >> 6 for the ISN, ms for TS). */
  private initSequence(): void {
    const r = this.host.random.fork(
      `tcp-isn:${formatIpv6Address(this.localAddr!)}.${this.localPort}>${formatIpv6Address(this.remote!.addr)}.${this.remote!.port}`,
    );
    this.iss = add32(r.u32(), Math.floor((this.host.world.clock.nowUs * 1000) / 64) % U32);
    this.tsOffset = r.u32();
    this.rethinkTxhash();
  }

  /**
   * sk_set_txhash / sk_rethink_txhash (net_tx_rndhash): a random hash per connection, drawn again at
   * every SYN, SYN-ACK or RTO retransmission. A TCP segment's flow label comes from it, not from the
   * flow: the two directions of a connection have different labels, and a retransmitted SYN a new one.
   */
  private rethinkTxhash(): void {
    const n = (txhashDraws.get(this.host) ?? 0) + 1;
    txhashDraws.set(this.host, n);
    this.txhash = this.host.random.fork(`txhash:${n}`).u32();
  }

  private sendSyn(retransmit: boolean): void {
    if (retransmit) this.host.count('TcpRetransSegs');
    this.transmit({ syn: true }, this.iss, new Uint8Array(0), this.synOptions(0), this.synWindow, !retransmit);
  }

  private armSynTimer(): void {
    const delay = TCP_TIMEOUT_INIT_US * 2 ** this.retransmits;
    this.timer = this.host.world.clock.schedule(delay, () => {
      this.timer = undefined;
      if (this.state !== 'SYN_SENT') return;
      if (this.retransmits >= TCP_SYN_RETRIES) {
        this.fail('ETIMEDOUT');
        this.host.count('TcpAttemptFails');
        return;
      }
      this.retransmits++;
      this.rethinkTxhash();
      this.sendSyn(true);
      this.armSynTimer();
    });
  }

  /** tcp_v6_send_synack, and inet_rtx_syn_ack for a retransmit (TcpRetransSegs, not TcpOutSegs). */
  private sendSynAck(retransmit: boolean): void {
    if (retransmit) this.host.count('TcpRetransSegs');
    const opts = this.synOptions(this.tsRecent, { ts: this.peerTs, sack: this.peerSack, wscale: this.peerWscale !== undefined });
    this.transmit({ syn: true, ack: true }, this.iss, new Uint8Array(0), opts, this.synWindow, !retransmit);
  }

  /** reqsk_timer_handler: the SYN-ACK again after 1, 2, 4 ... s; after tcp_synack_retries the request goes. */
  private armSynAckTimer(): void {
    const delay = TCP_TIMEOUT_INIT_US * 2 ** this.retransmits;
    this.timer = this.host.world.clock.schedule(delay, () => {
      this.timer = undefined;
      if (this.state !== 'SYN_RECV') return;
      if (this.retransmits >= TCP_SYNACK_RETRIES) {
        this.destroy();
        return;
      }
      this.retransmits++;
      this.rethinkTxhash();
      this.sendSynAck(true);
      this.armSynAckTimer();
    });
  }

  private sendFin(): void {
    this.finSent = true;
    this.transmit({ fin: true, ack: true }, this.sndNxt, new Uint8Array(0));
    this.sndNxt = add32(this.sndNxt, 1);
  }

  private sendAck(): void {
    this.transmit({ ack: true }, this.sndNxt, new Uint8Array(0));
  }

  /**
   * tcp_send_delayed_ack after a FIN: tcp_fin puts the socket in pingpong (interactive) mode, so
   * the ACK waits (TCP_DELACK_MIN, 40 ms) for a segment to ride on; an application that closes at
   * its end of file sends its FIN first, which carries the ACK, and no pure ACK goes at all.
   */
  private sendDelayedAck(): void {
    if (this.delackTimer !== undefined) return;
    this.delackTimer = this.host.world.clock.schedule(TCP_DELACK_MIN_US, () => {
      this.delackTimer = undefined;
      if (this.state !== 'CLOSE') this.sendAck();
    });
  }

  /**
   * tcp_transmit_skb: one segment of this connection; after the handshake nop, nop, TS when both
   * sides use timestamps. True when the segment left on its own and its softirqs are due at once.
   */
  transmit(
    flags: Parameters<typeof tcpFlags>[0],
    seq: number,
    payload: Uint8Array,
    options?: readonly TcpOption[],
    window?: number,
    countOut = true,
  ): boolean {
    const remote = this.remote!;
    // Every segment carries the current ACK: a pending delayed one is no longer needed.
    if (this.delackTimer !== undefined) {
      this.host.world.clock.cancel(this.delackTimer);
      this.delackTimer = undefined;
    }
    const opts = options ?? this.establishedOptions();
    const f = tcpFlags(flags);
    const repr: TcpRepr = {
      srcPort: this.localPort,
      dstPort: remote.port,
      seq,
      ack: f.ack ? this.rcvNxt : 0,
      flags: f,
      window: window ?? this.selectWindow(),
      urgent: 0,
      options: encodeTcpOptions(opts),
      payload,
    };
    if (countOut) this.host.count('TcpOutSegs');
    const sent = ip6SendLocal(this.host, {
      dst: remote.addr,
      ...(this.localAddr ? { src: this.localAddr } : {}),
      nextHeader: IPPROTO.TCP,
      sport: this.localPort,
      dport: remote.port,
      build: (s, d) => emitTcp(repr, s, d),
      checksumOffload: { offset: 16 },
      // ip6_make_flowlabel with skb->hash = sk_txhash (rol32 by 16, as the kernel mixes it).
      flowLabel: ((this.txhash << 16) | (this.txhash >>> 16)) & 0xfffff,
      summary: `TCP ${this.localPort} > ${remote.port} ${flagText(f)} seq ${seq}${payload.length ? ` length ${payload.length}` : ''}`,
    });
    if (sent.ok && sent.dstMtu) this.dstMtu = sent.dstMtu;
    return sent.ok && sent.softirqNow === true;
  }

  /**
   * tcp_established_options: nop, nop, TS when both sides use timestamps, then while data waits
   * past a hole and the peer allows SACK, nop, nop and up to 3 SACK blocks (4 without timestamps),
   * the most recently changed first.
   */
  private establishedOptions(): TcpOption[] {
    const opts: TcpOption[] = this.peerTs
      ? [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamps', tsval: this.tsval(), tsecr: this.tsRecent }]
      : [];
    if (!this.peerSack || this.ofo.length === 0) return opts;
    const blocks: { left: number; right: number; latest: number }[] = [];
    for (const q of this.ofo) {
      const last = blocks[blocks.length - 1];
      const end = add32(q.seq, q.data.length);
      if (last && last.right === q.seq) {
        last.right = end;
        last.latest = Math.max(last.latest, q.latest);
      } else blocks.push({ left: q.seq, right: end, latest: q.latest });
    }
    blocks.sort((x, y) => y.latest - x.latest);
    const max = this.peerTs ? 3 : 4;
    opts.push({ kind: 'nop' }, { kind: 'nop' }, { kind: 'sack', blocks: blocks.slice(0, max).map(({ left, right }) => ({ left, right })) });
    return opts;
  }

  /**
   * tcp_data_queue_ofo: a segment past rcv_nxt waits in the out-of-order queue (a copy of what is
   * already there is not kept twice); the ACK for it goes at once and names it in a SACK block.
   */
  private queueOutOfOrder(seq: number, data: Uint8Array): void {
    if (!this.ofo.some((q) => q.seq === seq && q.data.length === data.length)) {
      this.ofo.push({ seq, data, latest: ++this.ofoArrivals });
      this.ofo.sort((x, y) => ((x.seq - this.rcvNxt + U32) % U32) - ((y.seq - this.rcvNxt + U32) % U32));
    }
    this.host.count('TCPOFOQueue');
    this.sendAck();
  }

  /** tcp_ofo_queue: what the hole's filling made contiguous moves to the receive queue. */
  private drainOutOfOrder(): void {
    while (this.ofo.length > 0) {
      const q = this.ofo[0]!;
      const end = add32(q.seq, q.data.length);
      if (after(q.seq, this.rcvNxt)) return;
      this.ofo.shift();
      if (!after(end, this.rcvNxt)) continue;
      const skip = (this.rcvNxt - q.seq + U32) % U32;
      this.rx.push(q.data.subarray(skip));
      this.rcvNxt = end;
    }
  }

  /**
   * tcp_select_window for a segment after the handshake. The window free space allows is the
   * initial window rounded down to the scale (rcv_ssthresh does not grow for the small segments
   * modelled here); a smaller one would shrink what was offered, so the rest of the offered
   * window is rounded up to the scale instead. A listener's child offers 64260 bytes, so it says
   * 503 before it has received anything and 502 after a few bytes (recorded: cases/n_tcp_port_policy).
   */
  private selectWindow(): number {
    const unit = 1 << WSCALE;
    const cur = Math.max(0, this.rcvWnd - ((this.rcvNxt - this.rcvWup + U32) % U32));
    const free = Math.floor(this.synWindow / unit) * unit;
    const win = free >= cur ? free : Math.ceil(cur / unit) * unit;
    this.rcvWnd = win;
    this.rcvWup = this.rcvNxt;
    return win >> WSCALE;
  }

  /** tcp_set_state: TcpCurrEstab counts connections in ESTABLISHED, down as soon as one leaves it. */
  setState(next: TcpState): void {
    if (this.state === 'ESTABLISHED' && next !== 'ESTABLISHED') this.host.count('TcpCurrEstab', -1);
    if (this.state !== 'ESTABLISHED' && next === 'ESTABLISHED') this.host.count('TcpCurrEstab');
    this.state = next;
  }

  private takeError(): Errno | undefined {
    const e = this.sockErr;
    this.sockErr = undefined;
    return e;
  }

  /** tcp_done with an error: the socket is gone, the application sees `errno`. */
  fail(errno: Errno): void {
    this.sockErr = errno;
    this.destroy();
    this.wake();
  }

  private destroy(): void {
    if (this.timer !== undefined) this.host.world.clock.cancel(this.timer);
    this.timer = undefined;
    this.setState('CLOSE');
    this.host.tcpSockets.delete(this);
  }

  private enterTimeWait(): void {
    this.setState('TIME_WAIT');
    if (this.timer !== undefined) this.host.world.clock.cancel(this.timer);
    this.timer = this.host.world.clock.schedule(TCP_TIMEWAIT_LEN_US, () => {
      this.timer = undefined;
      this.destroy();
    });
  }

  private established(): void {
    this.setState('ESTABLISHED');
    if (this.timer !== undefined) this.host.world.clock.cancel(this.timer);
    this.timer = undefined;
  }

  private readPeerOptions(options: Uint8Array): void {
    const d = decodeTcpOptions(options);
    if (!d.ok) return;
    for (const o of d.value) {
      if (o.kind === 'mss') this.mssClamp = o.value;
      else if (o.kind === 'sack-permitted') this.peerSack = true;
      else if (o.kind === 'wscale') this.peerWscale = o.shift;
      else if (o.kind === 'timestamps') {
        this.peerTs = true;
        this.tsRecent = o.tsval;
      }
    }
  }

  private noteTs(options: Uint8Array): void {
    if (!this.peerTs) return;
    const d = decodeTcpOptions(options);
    if (!d.ok) return;
    for (const o of d.value) if (o.kind === 'timestamps') this.tsRecent = o.tsval;
  }

  /** A listener's SYN: a child in SYN_RECV answers SYN-ACK (tcp_conn_request; the request sock is a full socket here). */
  private onListenSyn(skb: Skb, ip: Ipv6Repr, seg: TcpSeg): void {
    const child = new TcpSocket(this.host);
    child.listener = this;
    child.localAddr = ip.dst;
    child.localPort = this.localPort;
    child.remote = { addr: ip.src, port: seg.srcPort };
    const rt = routeOutput(this.host, ip.src);
    child.advMss = rt.ok ? advMssOf(this.host, ip.src, rt.dev) : IPV6_MIN_MSS;
    child.readPeerOptions(seg.options);
    child.initSequence();
    child.rcvNxt = add32(seg.seq, 1);
    child.sndUna = child.iss;
    child.sndNxt = add32(child.iss, 1);
    child.setState('SYN_RECV');
    // tcp_openreq_init_rwin: the listener offers 45 segments of (advmss - 12 when timestamps are on).
    child.synWindow = SYN_WINDOW_SEGS * (child.advMss - (child.peerTs ? 12 : 0));
    child.rcvWnd = child.synWindow;
    child.rcvWup = child.rcvNxt;
    this.host.tcpSockets.add(child);
    child.sendSynAck(false);
    // tcp_v6_syn_recv_sock: tcp_sync_mss with the dst the SYN-ACK took.
    if (child.dstMtu) child.syncMss(child.dstMtu());
    child.armSynAckTimer();
    this.host.trace(skb.id, { kind: 'consumed', by: `tcp listener :${this.localPort} (SYN, answered SYN-ACK)` });
  }

  /** tcp_ack, as far as modelled: snd_una moves on, and what it covers leaves the retransmit queue. */
  private takeAck(ack: number): void {
    if (after(ack, this.sndUna) && !after(ack, this.sndNxt)) this.sndUna = ack;
    while (this.rtx.length > 0 && !after(add32(this.rtx[0]!.seq, this.rtx[0]!.data.length), this.sndUna)) this.rtx.shift();
  }

  /** tcp_rcv_state_process for a segment of this socket (after the socket lookup and the in check). */
  segmentArrived(host: Host, skb: Skb, ip: Ipv6Repr, seg: TcpSeg): void {
    const f = seg.flags;
    const where = `tcp ${formatIpv6Address(ip.dst)}.${seg.dstPort} ${this.state}`;
    if (this.state === 'LISTEN') {
      if (f.rst) {
        host.drop(skb, 'TCP_RESET', `${where}: RST to a listener ignored`);
        return;
      }
      if (f.ack) {
        tcpV6SendReset(host, ip, seg);
        host.drop(skb, 'TCP_FLAGS', `${where}: ACK to a listener, reset`);
        return;
      }
      if (!f.syn) {
        host.drop(skb, 'TCP_FLAGS', `${where}: no SYN`);
        return;
      }
      this.onListenSyn(skb, ip, seg);
      return;
    }
    if (this.state === 'SYN_SENT') {
      if (f.ack && seg.ack !== this.sndNxt) {
        if (!f.rst) tcpV6SendReset(host, ip, seg);
        host.drop(skb, 'TCP_ACK_UNSENT_DATA', `${where}: ack ${seg.ack} is not ${this.sndNxt}`);
        return;
      }
      if (f.rst) {
        if (!f.ack) {
          host.drop(skb, 'TCP_RESET', `${where}: RST without ACK ignored`);
          return;
        }
        host.trace(skb.id, { kind: 'consumed', by: `${where}: connection refused` });
        host.count('TcpAttemptFails');
        this.fail('ECONNREFUSED');
        return;
      }
      if (!f.syn || !f.ack) {
        host.drop(skb, 'TCP_FLAGS', `${where}: not a SYN-ACK`);
        return;
      }
      this.readPeerOptions(seg.options);
      // tcp_rcv_synsent_state_process: synced again now that the peer's MSS clamps it.
      this.syncMss(this.pmtuCookie || (this.dstMtu?.() ?? IPV6_MIN_MTU));
      this.rcvNxt = add32(seg.seq, 1);
      this.rcvWnd = this.synWindow;
      this.rcvWup = this.rcvNxt;
      this.sndUna = seg.ack;
      this.established();
      this.sendAck();
      host.trace(skb.id, { kind: 'consumed', by: `${where}: SYN-ACK, connection established` });
      return;
    }
    if (this.state === 'TIME_WAIT') {
      // tcp_timewait_state_process: a retransmitted FIN is acked again; anything else goes.
      if (f.fin) this.sendAck();
      host.trace(skb.id, { kind: 'consumed', by: `${where}: time-wait` });
      return;
    }
    if (this.state === 'SYN_RECV' && f.syn && !f.ack && add32(seg.seq, 1) === this.rcvNxt) {
      // tcp_check_req: the peer's SYN again (our SYN-ACK was lost) is answered with the SYN-ACK again.
      this.sendSynAck(true);
      host.trace(skb.id, { kind: 'consumed', by: `${where}: retransmitted SYN, SYN-ACK sent again` });
      return;
    }
    // Data past a hole: its ACK is taken, the data waits in the out-of-order queue.
    const dataState = this.state === 'ESTABLISHED' || this.state === 'FIN_WAIT1' || this.state === 'FIN_WAIT2';
    if (after(seg.seq, this.rcvNxt) && seg.payload.length > 0 && dataState && !f.rst && !f.syn && !f.fin && f.ack) {
      this.noteTs(seg.options);
      this.takeAck(seg.ack);
      this.queueOutOfOrder(seg.seq, seg.payload);
      host.trace(skb.id, { kind: 'delivered', to: `tcp socket ${where} (out-of-order queue, seq ${seg.seq})` });
      return;
    }
    // Synchronized states: otherwise only the next expected segment is taken.
    if (seg.seq !== this.rcvNxt) {
      if (!f.rst) this.sendAck();
      host.drop(skb, 'TCP_OFO_DROP', `${where}: seq ${seg.seq} but ${this.rcvNxt} expected`);
      return;
    }
    if (f.rst) {
      host.trace(skb.id, { kind: 'consumed', by: `${where}: reset` });
      if (this.state === 'ESTABLISHED' || this.state === 'CLOSE_WAIT') host.count('TcpEstabResets');
      this.fail(this.state === 'CLOSE_WAIT' ? 'EPIPE' : 'ECONNRESET');
      return;
    }
    if (f.syn) {
      tcpV6SendReset(host, ip, seg);
      this.fail('ECONNRESET');
      host.drop(skb, 'TCP_FLAGS', `${where}: SYN in window`);
      return;
    }
    if (!f.ack) {
      host.drop(skb, 'TCP_FLAGS', `${where}: no ACK`);
      return;
    }
    this.noteTs(seg.options);
    if (after(seg.ack, this.sndNxt)) {
      this.sendAck();
      host.drop(skb, 'TCP_ACK_UNSENT_DATA', `${where}: acks unsent data`);
      return;
    }
    this.takeAck(seg.ack);
    const finAcked = this.finSent && this.sndUna === this.sndNxt;
    if (this.state === 'SYN_RECV') {
      if (seg.ack !== this.sndNxt) {
        tcpV6SendReset(host, ip, seg);
        host.drop(skb, 'TCP_ACK_UNSENT_DATA', `${where}: bad ACK of the SYN-ACK`);
        return;
      }
      this.established();
      host.count('TcpPassiveOpens');
      this.listener?.acceptQueue.push(this);
      this.listener?.wake();
    } else if (this.state === 'FIN_WAIT1' && finAcked) this.setState('FIN_WAIT2');
    else if (this.state === 'CLOSING' && finAcked) this.enterTimeWait();
    else if (this.state === 'LAST_ACK' && finAcked) {
      host.trace(skb.id, { kind: 'consumed', by: `${where}: last ACK` });
      this.destroy();
      return;
    }
    let acknowledge = false;
    if (seg.payload.length > 0 && (this.state === 'ESTABLISHED' || this.state === 'FIN_WAIT1' || this.state === 'FIN_WAIT2')) {
      this.rx.push(seg.payload);
      this.rcvNxt = add32(this.rcvNxt, seg.payload.length);
      this.drainOutOfOrder();
      acknowledge = true;
      this.wake();
    }
    if (f.fin) {
      this.rcvNxt = add32(this.rcvNxt, 1);
      this.rcvShutdown = true;
      acknowledge = true;
      this.wake();
      if (this.state === 'ESTABLISHED') {
        this.setState('CLOSE_WAIT');
        if (seg.payload.length === 0) {
          acknowledge = false;
          this.sendDelayedAck();
        }
      } else if (this.state === 'FIN_WAIT1') {
        if (finAcked) this.enterTimeWait();
        else this.setState('CLOSING');
      } else if (this.state === 'FIN_WAIT2') this.enterTimeWait();
    }
    if (acknowledge) this.sendAck();
    host.trace(skb.id, {
      kind: seg.payload.length > 0 ? 'delivered' : 'consumed',
      ...(seg.payload.length > 0 ? { to: `tcp socket ${where}` } : { by: where }),
    } as { kind: 'delivered'; to: string });
  }
}

function flagText(f: ReturnType<typeof tcpFlags>): string {
  const s = `${f.syn ? 'S' : ''}${f.fin ? 'F' : ''}${f.rst ? 'R' : ''}${f.psh ? 'P' : ''}${f.ack ? '.' : ''}`;
  return `[${s}]`;
}

/** Draws made for txhashes per host, so each connection gets its own substream of the seeded source. */
const txhashDraws = new WeakMap<Host, number>();

/** Opens a TCP socket on `host`. */
export function tcpSocket(host: Host): TcpSocket {
  return new TcpSocket(host);
}

export function tcpPortInUse(host: Host, addr: Ipv6Address | undefined, port: number): boolean {
  for (const s of host.tcpSockets) {
    if (s.localPort !== port || s.listener) continue;
    if (s.localAddr === undefined || addr === undefined || bytesEqual(s.localAddr, addr)) return true;
  }
  return false;
}

/**
 * __inet_hash_connect: a hashed offset into ip_local_port_range (here the seeded source), trying
 * even ports first as Linux 6.1 does (odd ones are left for bind(0)).
 */
export function tcpEphemeralPort(host: Host): number | undefined {
  const [low, high] = IP_LOCAL_PORT_RANGE;
  const span = high - low + 1;
  const start = host.random.fork(`tcp-port:${host.world.clock.nowUs}:${host.portDraws++}`).below(span) & ~1;
  for (const parity of [0, 1]) {
    for (let i = 0; i < span; i += 2) {
      const p = low + ((start + i + parity) % span);
      if (!tcpPortInUse(host, undefined, p)) return p;
    }
  }
  return undefined;
}

/** A parsed segment as the receive path passes it on. */
export type TcpSeg = TcpRepr & TcpFields;

function readSeg(bytes: Uint8Array, off: number): TcpSeg | undefined {
  const p = parseTcp(bytes, off);
  return p.ok ? p.value : undefined;
}

/**
 * __inet6_lookup_skb: an exact four-tuple (established, SYN_RECV, TIME_WAIT) first, then a
 * listener on the port, one bound to the destination address before a wildcard one.
 */
export function tcpV6Lookup(host: Host, saddr: Ipv6Address, sport: number, daddr: Ipv6Address, dport: number): TcpSocket | undefined {
  let listener: TcpSocket | undefined;
  for (const s of host.tcpSockets) {
    if (s.localPort !== dport) continue;
    if (s.state === 'LISTEN') {
      if (s.localAddr && !bytesEqual(s.localAddr, daddr)) continue;
      if (!listener || (s.localAddr && !listener.localAddr)) listener = s;
      continue;
    }
    if (s.remote && s.localAddr && s.remote.port === sport && bytesEqual(s.remote.addr, saddr) && bytesEqual(s.localAddr, daddr)) return s;
  }
  return listener;
}

/** The reset answering `seg` (tcp_v6_send_reset and nf_reject_ip6_tcphdr_put build the same one): with ACK the reset's seq is that ack; without, seq 0 and ACK of everything the segment occupied. No options. */
function resetFor(seg: TcpSeg): TcpRepr {
  const len = seg.payload.length + (seg.flags.syn ? 1 : 0) + (seg.flags.fin ? 1 : 0);
  return {
    srcPort: seg.dstPort,
    dstPort: seg.srcPort,
    seq: seg.flags.ack ? seg.ack : 0,
    ack: seg.flags.ack ? 0 : add32(seg.seq, len),
    flags: tcpFlags(seg.flags.ack ? { rst: true } : { rst: true, ack: true }),
    window: 0,
    urgent: 0,
    options: new Uint8Array(0),
    payload: new Uint8Array(0),
  };
}

/** tcp_v6_send_reset for a segment no socket takes: no reset for a reset. */
export function tcpV6SendReset(host: Host, ip: Ipv6Repr, seg: TcpSeg): void {
  if (seg.flags.rst) return;
  const repr = resetFor(seg);
  host.count('TcpOutSegs');
  host.count('TcpOutRsts');
  ip6SendLocal(host, {
    dst: ip.src,
    src: ip.dst,
    nextHeader: IPPROTO.TCP,
    sport: seg.dstPort,
    dport: seg.srcPort,
    build: (s, d) => emitTcp(repr, s, d),
    summary: `TCP ${seg.dstPort} > ${seg.srcPort} ${flagText(repr.flags)} (reset)`,
  });
}

/**
 * nf_send_reset6, for `REJECT --reject-with tcp-reset`: netfilter's own reset to the segment's
 * sender, from the address it was sent to. None for a fragment, a reset, a bad checksum or a
 * multicast destination. Unlike TCP's reset it has flow label 0 and its checksum written out, and
 * TCP's counters do not see it; it is routed with the xfrm lookup, so an out policy covering it
 * protects it (recorded: cases/n_reject_tunnel R3). Not modelled: the kernel attaches the
 * rejected segment's connection to it (nf_ct_attach), so OUTPUT sees it RELATED.
 */
export function nfSendReset6(host: Host, skb: Skb): void {
  const found = ipv6FindHdr(skb.bytes, -1);
  if (!found.ok || found.proto !== IPPROTO.TCP || found.fragoff !== 0) return;
  const ip = readIpv6(skb.bytes);
  if (isMulticast(ip.dst)) return;
  const seg = readSeg(skb.bytes, found.offset);
  if (!seg || seg.flags.rst) return;
  if (!skb.checksumUnnecessary && !skb.csumPartial && !tcpChecksumOk(ip.src, ip.dst, skb.bytes.subarray(found.offset))) return;
  const repr = resetFor(seg);
  ip6SendLocal(host, {
    dst: ip.src,
    src: ip.dst,
    nextHeader: IPPROTO.TCP,
    sport: seg.dstPort,
    dport: seg.srcPort,
    flowLabel: 0,
    kernelInternal: true,
    build: (s, d) => emitTcp(repr, s, d),
    summary: `TCP ${seg.dstPort} > ${seg.srcPort} ${flagText(repr.flags)} (netfilter reset)`,
  });
}

/**
 * tcp_v6_rcv for the segment at `off` (after INPUT and Ip6InDelivers): header and checksum, the
 * socket lookup, then the xfrm in check (with no socket before the RST: kernel-semantics 3.5).
 */
export function tcpV6Rcv(host: Host, skb: Skb, ip: Ipv6Repr, off: number, lo: number): void {
  if (isMulticast(ip.dst)) {
    // tcp_v6_rcv takes only PACKET_HOST: no counter, no reset.
    host.drop(skb, 'NOT_SPECIFIED', 'tcp: multicast destination');
    return;
  }
  const seg = readSeg(skb.bytes, off);
  if (!seg) {
    host.drop(skb, 'TcpInErrs', 'tcp: bad header');
    return;
  }
  host.count('TcpInSegs');
  if (!skb.checksumUnnecessary && !tcpChecksumOk(ip.src, ip.dst, skb.bytes.subarray(off))) {
    host.count('TcpInCsumErrors');
    host.drop(skb, 'TcpInErrs', 'tcp: bad checksum');
    return;
  }
  const sk = tcpV6Lookup(host, ip.src, seg.srcPort, ip.dst, seg.dstPort);
  const check = xfrmPolicyCheck(host, 'in', skb, lo);
  if (check.kind === 'drop') {
    host.trace(skb.id, { kind: 'xfrm', seam: 'in', detail: check.detail });
    host.dropCounted(skb, check.counter, `xfrm in policy check: ${check.detail}`);
    return;
  }
  host.trace(skb.id, { kind: 'xfrm', seam: 'in', detail: check.detail });
  if (!sk) {
    tcpV6SendReset(host, ip, seg);
    host.drop(skb, 'NO_SOCKET', `tcp port ${seg.dstPort}: no socket${seg.flags.rst ? '' : ', reset sent'}`);
    return;
  }
  sk.segmentArrived(host, skb, ip, seg);
}

/**
 * tcp_v6_err for an ICMPv6 error about a segment we sent. Packet too big shrinks the path MTU and
 * the MSS, and sends the queued segments that no longer fit again (tcp_v6_mtu_reduced); during
 * SYN_SENT any other error ends the connect with its errno
 * (tcp_done), hard or soft; on a synchronized connection errors are soft (sk_err_soft, which
 * only a later timeout reports) and are ignored here, as is an error for a request in SYN_RECV.
 */
export function tcpV6Err(host: Host, inv: Uint8Array, type: number, errno: Errno, info = 0): boolean {
  if (inv.length < 44 || inv[6] !== IPPROTO.TCP) return false;
  const src = inv.slice(8, 24);
  const dst = inv.slice(24, 40);
  const sport = (inv[40]! << 8) | inv[41]!;
  const dport = (inv[42]! << 8) | inv[43]!;
  const sk = tcpV6Lookup(host, dst, dport, src, sport);
  if (!sk || sk.state === 'LISTEN') return false;
  if (type === 2) {
    // Below IPV6_MIN_MTU the message is ignored; otherwise the path learns it (inet6_csk_update_pmtu)
    // if it would shrink the MSS, and the socket takes it (tcp_v6_mtu_reduced).
    if (info < IPV6_MIN_MTU) return true;
    const rt = routeOutput(host, dst);
    if (sk.wouldShrink(info)) updatePmtu(host, dst, rt.ok ? rt.dev : undefined, info);
    sk.mtuReduced(info);
    return true;
  }
  if (sk.state === 'SYN_SENT') {
    host.count('TcpAttemptFails');
    sk.fail(errno);
  }
  return true;
}
