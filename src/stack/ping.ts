/** ICMPv6 echo as iputils ping uses it as root: a raw ICMPv6 socket, the connect-time route check, echo requests, replies and errors (kernel: net/ipv6/raw.c, icmp.c; iputils ping/ping6_common.c). */

import { ERRNO_TEXT, type Errno } from '../errors.js';
import { emitIcmpv6 } from '../wire/icmpv6.js';
import type { Ipv6Repr } from '../wire/ipv6.js';
import { formatIpv6Address, type Ipv6Address } from '../wire/ipv6-address.js';
import { IPPROTO } from '../wire/proto.js';
import { selectSourceAddress } from './addrconf.js';
import type { Host } from './host.js';
import { ip6SendLocal, routeOutput } from './ip6-output.js';
import { pathMtu } from './pmtu.js';

/** The ICMPv6 types iputils' filter passes: echo reply, destination unreachable, packet too big, time exceeded, parameter problem. */
const PING_FILTER_PASS: ReadonlySet<number> = new Set([129, 1, 2, 3, 4]);

/** ping's default payload: 56 bytes (a 16-byte struct timeval, then the fill pattern). */
export const PING_DEFAULT_SIZE = 56;

/** The text iputils prints for an ICMPv6 error (ping6_common.c print_icmp / pr_icmph). */
export function icmpErrorText(type: number, code: number, info = 0): string {
  switch (type) {
    case 1:
      return `Destination unreachable: ${['No route', 'Administratively prohibited', 'Beyond scope', 'Address unreachable', 'Port unreachable', 'Source address failed ingress/egress policy', 'Reject route to destination'][code] ?? `Unknown code ${code}`}`;
    case 2:
      return `Packet too big: mtu=${info}`;
    case 3:
      return code === 0
        ? 'Time exceeded: Hop limit'
        : code === 1
          ? 'Time exceeded: Defragmentation failure'
          : `Time exceeded: code ${code}`;
    case 4:
      return `Parameter problem: ${['Wrong header field ', 'Unknown header ', 'Unknown option '][code] ?? `code ${code} `}at ${info}`;
    default:
      return `ICMP type ${type} code ${code}`;
  }
}

export type PingEvent =
  | {
      readonly kind: 'reply';
      readonly seq: number;
      readonly from: string;
      readonly hopLimit: number;
      readonly bytes: number;
      readonly timeUs: number;
    }
  | {
      readonly kind: 'error';
      readonly seq: number;
      readonly from: string;
      readonly type: number;
      readonly code: number;
      readonly text: string;
    }
  | { readonly kind: 'send-error'; readonly seq: number; readonly errno: Errno }
  /** ipv6_local_error(EMSGSIZE): with IPV6_PMTUDISC_DO the echo did not fit the path MTU and was not sent. */
  | { readonly kind: 'local-error'; readonly seq: number; readonly mtu: number };

/** The payload: the send time as struct timeval (little-endian, x86-64), then bytes i at offset i. */
export function pingPayload(size: number, timeUs: number): Uint8Array {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = i & 0xff;
  if (size >= 16) {
    const v = new DataView(data.buffer);
    v.setBigUint64(0, BigInt(Math.floor(timeUs / 1e6)), true);
    v.setBigUint64(8, BigInt(timeUs % 1e6), true);
  }
  return data;
}

export interface PingOptions {
  readonly count?: number;
  readonly intervalUs?: number;
  /** `-W`: how long to wait for the last reply (ping's linger, default 10 s). */
  readonly timeoutUs?: number;
  readonly size?: number;
  /** `-I ADDR`. */
  readonly src?: Ipv6Address;
  /** `-I DEV`. */
  readonly oif?: string;
  /** `-t`. */
  readonly hopLimit?: number;
  /** `-m`. */
  readonly mark?: number;
  /** The echo identifier; default: see `socket`. */
  readonly id?: number;
  /**
   * `raw` (iputils as root, the default): the identifier is the process id, here a pid-like value
   * from the host's seeded source. `dgram` (an unprivileged ICMP socket): the kernel assigns it
   * (ping_get_port: 1, 2, 3 ... across namespaces).
   */
  readonly socket?: 'raw' | 'dgram';
  /** `-M do` (IPV6_PMTUDISC_DO): an echo past the path MTU is refused instead of fragmented. */
  readonly dontFrag?: boolean;
}

/** A raw ICMPv6 socket that sees echo replies with its identifier and the errors about its requests. */
export class PingSocket {
  readonly events: PingEvent[] = [];
  readonly sentAt = new Map<number, number>();

  constructor(
    readonly host: Host,
    readonly dst: Ipv6Address,
    readonly id: number,
  ) {
    host.pingSockets.add(this);
  }

  close(): void {
    this.host.pingSockets.delete(this);
  }

  /**
   * Whether the socket's ICMP6_FILTER lets `type` through: iputils blocks everything but echo
   * replies and the four error types (ping6_common.c), so the raw socket sees no ND or requests.
   */
  wants(type: number): boolean {
    return PING_FILTER_PASS.has(type);
  }

  send(seq: number, opts: PingOptions = {}): boolean {
    const now = this.host.world.clock.nowUs;
    const data = pingPayload(opts.size ?? PING_DEFAULT_SIZE, now);
    const id = this.id;
    this.sentAt.set(seq, now);
    if (opts.dontFrag) {
      // __ip6_append_data: with DO the datagram may not exceed the route's MTU (dst_mtu, what a
      // Packet Too Big taught included); the error is queued to the socket, nothing is counted.
      const rt = routeOutput(this.host, this.dst, opts.oif);
      const mtu = rt.ok ? pathMtu(this.host, this.dst, rt.dev) : 0;
      if (rt.ok && 40 + 8 + data.length > mtu) {
        this.events.push({ kind: 'local-error', seq, mtu });
        return false;
      }
    }
    const r = ip6SendLocal(this.host, {
      dst: this.dst,
      ...(opts.src ? { src: opts.src } : {}),
      ...(opts.oif ? { oif: opts.oif } : {}),
      nextHeader: IPPROTO.ICMPV6,
      icmpType: 128,
      ...(opts.hopLimit !== undefined ? { hopLimit: opts.hopLimit } : {}),
      ...(opts.mark !== undefined ? { mark: opts.mark } : {}),
      build: (s, d) => emitIcmpv6({ kind: 'echo-request', id, seq, data }, s, d),
      summary: `ICMP6 echo request id ${id} seq ${seq}`,
    });
    if (!r.ok) {
      this.events.push({ kind: 'send-error', seq, errno: r.errno });
      return false;
    }
    return true;
  }

  receiveReply(ip: Ipv6Repr, id: number, seq: number, data: Uint8Array): boolean {
    if (id !== this.id) return false;
    this.events.push({
      kind: 'reply',
      seq,
      from: formatIpv6Address(ip.src),
      hopLimit: ip.hopLimit,
      bytes: data.length + 8,
      timeUs: this.host.world.clock.nowUs,
    });
    return true;
  }

  receiveError(ip: Ipv6Repr, type: number, code: number, id: number, seq: number, info: number): boolean {
    if (id !== this.id) return false;
    this.events.push({ kind: 'error', seq, from: formatIpv6Address(ip.src), type, code, text: icmpErrorText(type, code, info) });
    return true;
  }
}

function nextIdent(host: Host): number {
  const w = host.world;
  const id = w.nextPingIdent;
  w.nextPingIdent = id >= 0xffff ? 1 : id + 1;
  return id;
}

export interface PingResult {
  /** What ping prints, line by line (statistics without the time and rtt figures, which depend on real time). */
  readonly lines: string[];
  readonly transmitted: number;
  readonly received: number;
  readonly errors: number;
  /** As iputils: 0 when some reply came, 1 when none did, 2 when ping could not start (connect error). */
  readonly exitCode: number;
  readonly id: number;
  readonly events: readonly PingEvent[];
}

/**
 * `ping -c COUNT [-W T] DST`: the connect-time checks (route and source), then COUNT echo requests
 * one interval apart, running the world's clock until every reply is in or the linger is over.
 */
export function ping(host: Host, dst: Ipv6Address, opts: PingOptions = {}): PingResult {
  const dstText = formatIpv6Address(dst);
  const count = opts.count ?? 1;
  const interval = opts.intervalUs ?? 1_000_000;
  const linger = opts.timeoutUs ?? 10_000_000;
  const id =
    opts.id ?? (opts.socket === 'dgram' ? nextIdent(host) : 1000 + host.random.fork(`ping:${host.world.clock.nowUs}`).below(30000));
  const rt = routeOutput(host, dst, opts.oif);
  const fail = (errno: Errno): PingResult => ({
    lines: [`ping: connect: ${ERRNO_TEXT[errno]}`],
    transmitted: 0,
    received: 0,
    errors: 0,
    exitCode: 2,
    id,
    events: [],
  });
  if (!rt.ok) return fail(rt.errno);
  if (!opts.src && !selectSourceAddress(host, dst, rt.dev.name)) return fail('EADDRNOTAVAIL');
  const size = opts.size ?? PING_DEFAULT_SIZE;
  const lines = [`PING ${dstText}(${dstText}) ${size} data bytes`];
  const sock = new PingSocket(host, dst, id);
  const clock = host.world.clock;
  const start = clock.nowUs;
  let transmitted = 0;
  let seen = 0;
  const flush = () => {
    for (; seen < sock.events.length; seen++) {
      const e = sock.events[seen]!;
      if (e.kind === 'reply')
        lines.push(
          `${e.bytes} bytes from ${e.from}: icmp_seq=${e.seq} ttl=${e.hopLimit} time=${((e.timeUs - (sock.sentAt.get(e.seq) ?? e.timeUs)) / 1000).toFixed(3)} ms`,
        );
      else if (e.kind === 'error') lines.push(`From ${e.from} icmp_seq=${e.seq} ${e.text}`);
      else if (e.kind === 'local-error') lines.push(`ping: local error: message too long, mtu: ${e.mtu}`);
      else lines.push(`ping: sendmsg: ${ERRNO_TEXT[e.errno]}`);
    }
  };
  for (let seq = 1; seq <= count; seq++) {
    clock.schedule((seq - 1) * interval, () => {
      transmitted++;
      sock.send(seq, opts);
    });
  }
  const deadline = start + (count - 1) * interval + linger;
  const answered = () => new Set(sock.events.filter((e) => e.kind !== 'send-error').map((e) => e.seq)).size;
  while (clock.nowUs < deadline) {
    clock.runUntil(Math.min(deadline, clock.nowUs + 1000));
    flush();
    if (transmitted === count && answered() >= count) break;
  }
  flush();
  sock.close();
  const received = sock.events.filter((e) => e.kind === 'reply').length;
  const errors = sock.events.filter((e) => e.kind === 'error' || e.kind === 'local-error').length;
  const loss = transmitted === 0 ? 0 : Math.round((100 * (transmitted - received)) / transmitted);
  lines.push('', `--- ${dstText} ping statistics ---`);
  lines.push(`${transmitted} packets transmitted, ${received} received,${errors ? ` +${errors} errors,` : ''} ${loss}% packet loss`);
  return { lines, transmitted, received, errors, exitCode: received > 0 ? 0 : 1, id, events: sock.events };
}
