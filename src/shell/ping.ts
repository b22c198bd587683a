/** The `ping`/`ping6` command as root runs it: options, the connect-time probe, the send and receive loop on the virtual clock, and the statistics (iputils 20221126: ping/ping.c, ping/ping6_common.c, ping/ping_common.c, iputils_common.c). */

import { ERRNO_TEXT, type Errno } from '../errors.js';
import { addrScope, isMulticast, SCOPE, selectSourceAddress } from '../stack/addrconf.js';
import { routeOutput } from '../stack/ip6-output.js';
import { PingSocket } from '../stack/ping.js';
import { pathMtu } from '../stack/pmtu.js';
import { udpEphemeralPort } from '../stack/udp.js';
import { xfrmLookupOutput } from '../stack/xfrm-seams.js';
import { formatIpv6Address, type Ipv6Address, parseIpv6Address } from '../wire/ipv6-address.js';
import { type CommandResult, notModelled } from './command.js';
import type { StackContext } from './procfs.js';

/** usage() (ping/ping_common.c), printed to stderr before exit status 2 (oracle: test/fixtures/shell/ping/ping-cli.txt "help"). */
const USAGE = `
Usage
  ping [options] <destination>

Options:
  <destination>      dns name or ip address
  -a                 use audible ping
  -A                 use adaptive ping
  -B                 sticky source address
  -c <count>         stop after <count> replies
  -C                 call connect() syscall on socket creation
  -D                 print timestamps
  -d                 use SO_DEBUG socket option
  -e <identifier>    define identifier for ping session, default is random for
                     SOCK_RAW and kernel defined for SOCK_DGRAM
                     Imply using SOCK_RAW (for IPv4 only for identifier 0)
  -f                 flood ping
  -h                 print help and exit
  -I <interface>     either interface name or address
  -i <interval>      seconds between sending each packet
  -L                 suppress loopback of multicast packets
  -l <preload>       send <preload> number of packages while waiting replies
  -m <mark>          tag the packets going out
  -M <pmtud opt>     define mtu discovery, can be one of <do|dont|want>
  -n                 no dns name resolution
  -O                 report outstanding replies
  -p <pattern>       contents of padding byte
  -q                 quiet output
  -Q <tclass>        use quality of service <tclass> bits
  -s <size>          use <size> as number of data bytes to be sent
  -S <size>          use <size> as SO_SNDBUF socket option value
  -t <ttl>           define time to live
  -U                 print user-to-user latency
  -v                 verbose output
  -V                 print version and exit
  -w <deadline>      reply wait <deadline> in seconds
  -W <timeout>       time to wait for response

IPv4 options:
  -4                 use IPv4
  -b                 allow pinging broadcast
  -R                 record route
  -T <timestamp>     define timestamp, can be one of <tsonly|tsandaddr|tsprespec>

IPv6 options:
  -6                 use IPv6
  -F <flowlabel>     define flow label, default is random
  -N <nodeinfo opt>  use icmp6 node info query, try <help> as argument

For more details see ping(8).
`;

/** getopt's option string: a letter followed by ':' takes an argument. */
const OPTSTRING = 'h?4bRT:6F:N:aABc:CdDe:fi:I:l:Lm:M:nOp:qQ:rs:S:t:UvVw:W:';
const LONG_MAX = 9223372036854775807n;
const INT_MAX = 2147483647;
const UINT_MAX = 4294967295n;
/** MININTERVAL (ping.h): below it pinger's flood pacing applies, which is not modelled. */
const MININTERVAL_MS = 10;
/**
 * Route lookups one root `ping` makes before its first echo, each an xfrm lookup (glibc's and
 * iputils' UDP probes): kernel-semantics.md §2.1 "one ping -c1 = +5, each further echo +1"
 * (VERIFIED e07 T12); `-I ADDRESS` skips them.
 */
const CONNECT_PROBE_LOOKUPS = 4;
/** iputils' probe socket connects to this port of the destination (ping6_run: firsthop.sin6_port). */
const PROBE_PORT = 1025;

class Exit {
  constructor(
    readonly stderr: string,
    readonly code: number,
  ) {}
}

/** error(status, errnum, fmt): "ping: MSG[: strerror]". */
function die(code: number, msg: string): never {
  throw new Exit(`ping: ${msg}\n`, code);
}

/** strtol/strtoul(str, &end, 10) as C parses them: blanks, a sign, digits; undefined when no digit. */
function cParseInt(str: string): { value: bigint; rest: string } | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)/.exec(str);
  if (!m) return undefined;
  const v = BigInt(m[2]!);
  return { value: m[1] === '-' ? -v : v, rest: str.slice(m[0].length) };
}

/** strtol_or_err (iputils_common.c): exit 1 with "MSG: 'STR'" or the out-of-range text. */
function strtolOrErr(str: string, min: bigint, max: bigint, unsigned = false): number {
  const msg = 'invalid argument';
  const p = cParseInt(str);
  if (p === undefined || p.rest !== '') die(1, `${msg}: '${str}'`);
  let v = p.value;
  if (unsigned) {
    // strtoul negates in unsigned arithmetic; past ULONG_MAX it is ERANGE.
    if (v < 0n && -v <= 2n ** 64n - 1n) v = 2n ** 64n + v;
    if (v > 2n ** 64n - 1n || v < 0n) die(1, `${msg}: '${str}': ${ERRNO_TEXT.ERANGE}`);
  } else if (v > LONG_MAX || v < -LONG_MAX - 1n) die(1, `${msg}: '${str}': ${ERRNO_TEXT.ERANGE}`);
  if (v < min || v > max) die(1, `${msg}: '${str}': out of range: ${min} <= value <= ${max}`);
  return Number(v);
}

/**
 * ping_strtod: strtod in the C locale. Trailing garbage only warns (and the number read so far,
 * 0 when none, is used); infinities and NaN are ERANGE.
 */
function pingStrtod(str: string, errMsg: string, stderr: string[]): number {
  if (str === '') die(2, `${errMsg}: ${str}`);
  const special = /^[ \t\n\v\f\r]*[+-]?(inf(inity)?|nan(\([0-9A-Za-z_]*\))?)/i.exec(str);
  if (special) die(2, `${errMsg}: ${str}: ${ERRNO_TEXT.ERANGE}`);
  if (/^[ \t\n\v\f\r]*[+-]?0[xX]/.test(str)) throw new Exit(notModelled('ping hexadecimal floating-point argument').stderr, 2);
  const m = /^[ \t\n\v\f\r]*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?/.exec(str);
  const end = m ? m[0].length : 0;
  if (end < str.length || !m) {
    stderr.push(`ping: option argument contains garbage: ${m ? str.slice(end) : str}`);
    stderr.push('ping: this will become fatal error in the future');
  }
  const v = m ? Number(m[0].trim()) : 0;
  if (!Number.isFinite(v)) die(2, `${errMsg}: ${str}: ${ERRNO_TEXT.ERANGE}`);
  return v;
}

interface Options {
  family?: 4 | 6;
  npackets: number;
  /** Milliseconds, as rts.interval. */
  interval: number;
  /** Milliseconds, as rts.lingertime. */
  lingertime: number;
  /** Seconds; 0 = none. */
  deadline: number;
  datalen: number;
  hopLimit?: number;
  mark?: number;
  device?: string;
  source?: Ipv6Address;
  quiet: boolean;
  numeric: boolean;
  pattern?: string;
  /** `-M do|dont|want` (IPV6_MTU_DISCOVER). */
  pmtudisc?: string;
}

/** Options that change what ping sends or prints in ways the model does not reproduce. */
const UNMODELLED = new Set(['b', 'R', 'T', 'F', 'N', 'a', 'A', 'B', 'C', 'd', 'D', 'e', 'f', 'l', 'L', 'O', 'Q', 'r', 'S', 'U', 'v', 'V']);

/** The getopt loop of main(): GNU getopt permutes, so options may follow the destination. */
function parseOptions(
  argv: readonly string[],
  program: 'ping' | 'ping6',
  stderr: string[],
): { opts: Options; args: string[] } | CommandResult {
  const opts: Options = {
    npackets: 0,
    interval: 1000,
    lingertime: 10_000,
    deadline: 0,
    datalen: 56,
    quiet: false,
    numeric: false,
    ...(program === 'ping6' ? { family: 6 as const } : {}),
  };
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (!word.startsWith('-') || word === '-') {
      args.push(word);
      continue;
    }
    for (let j = 1; j < word.length; j++) {
      const c = word[j]!;
      const at = OPTSTRING.indexOf(c);
      if (at < 0 || c === ':') die(2, `invalid option -- '${c}'\n${USAGE.slice(0, -1)}`);
      let optarg: string | undefined;
      if (OPTSTRING[at + 1] === ':') {
        if (j + 1 < word.length) optarg = word.slice(j + 1);
        else if (i + 1 < argv.length) optarg = argv[++i]!;
        else die(2, `option requires an argument -- '${c}'\n${USAGE.slice(0, -1)}`);
        j = word.length;
      }
      const arg = optarg ?? '';
      switch (c) {
        case '4':
        case '6': {
          const f = c === '4' ? 4 : 6;
          if (opts.family !== undefined && opts.family !== f) die(2, 'only one -4 or -6 option may be specified');
          opts.family = f;
          break;
        }
        case 'c':
          opts.npackets = strtolOrErr(arg, 1n, LONG_MAX);
          break;
        case 'i': {
          const v = pingStrtod(arg, 'bad timing interval', stderr);
          if (v > INT_MAX / 1000) die(2, `bad timing interval: ${arg}`);
          opts.interval = Math.trunc(v * 1000);
          break;
        }
        case 'I':
          if (arg.includes(':')) {
            const pct = arg.indexOf('%');
            const addr = parseIpv6Address(pct < 0 ? arg : arg.slice(0, pct));
            if (!addr.ok) die(2, `invalid source address: ${arg}`);
            if (pct >= 0) opts.device = arg.slice(pct + 1);
            opts.source = addr.value;
          } else if (/^[0-9]+(\.[0-9]+){3}$/.test(arg)) {
            return notModelled('ping -I IPv4 address');
          } else {
            opts.device = arg;
          }
          break;
        case 'm':
          opts.mark = strtolOrErr(arg, 0n, UINT_MAX, true);
          break;
        case 'M':
          if (arg !== 'do' && arg !== 'dont' && arg !== 'want') die(2, `invalid -M argument: ${arg}`);
          opts.pmtudisc = arg;
          break;
        case 'n':
          opts.numeric = true;
          break;
        case 'p':
          opts.pattern = arg;
          break;
        case 'q':
          opts.quiet = true;
          break;
        case 's':
          opts.datalen = strtolOrErr(arg, 0n, BigInt(INT_MAX));
          break;
        case 't':
          opts.hopLimit = strtolOrErr(arg, 0n, 255n);
          break;
        case 'w':
          opts.deadline = strtolOrErr(arg, 0n, BigInt(INT_MAX));
          break;
        case 'W': {
          const v = pingStrtod(arg, 'bad linger time', stderr);
          if (v < 0 || v > INT_MAX / 1000) die(2, `bad linger time: ${arg}`);
          opts.lingertime = Math.trunc(v * 1000);
          break;
        }
        case 'h':
        case '?':
          throw new Exit(USAGE, 2);
        default:
          if (UNMODELLED.has(c)) return notModelled(`ping -${c}`);
          throw new Error(`ping: option -${c} has no case`);
      }
    }
  }
  return { opts, args };
}

/** fill() (ping_common.c): the pattern must be hex digits; the payload it makes is not modelled. */
function checkPattern(pattern: string): void {
  const bad = pattern.search(/[^0-9a-fA-F]/);
  if (bad >= 0) die(2, `patterns must be specified as hex digits: ${pattern.slice(bad)}`);
}

/** getaddrinfo for the destination: numeric addresses only, there being no DNS and no /etc/hosts in the model. */
function resolveTarget(target: string, family: 4 | 6 | undefined): Ipv6Address | CommandResult {
  if (target.includes('%')) return notModelled('ping DESTINATION%SCOPE');
  const v6 = parseIpv6Address(target);
  const v4 = /^[0-9]+(\.[0-9]+){0,3}$/.test(target);
  if (v6.ok) {
    if (family === 4) die(2, `${target}: Address family for hostname not supported`);
    return v6.value;
  }
  if (v4) {
    if (family === 6) die(2, `${target}: Address family for hostname not supported`);
    return notModelled('ping IPv4 destination');
  }
  if (/^(localhost|ip6-localhost|ip6-loopback)$/i.test(target)) return notModelled(`ping ${target} (names from /etc/hosts)`);
  // What getaddrinfo says on a machine without a reachable resolver (oracle "unknown-name").
  die(2, `${target}: Temporary failure in name resolution`);
}

/** The most an SA bundle can take from the path MTU (an ESP tunnel with a large IV and ICV): below this margin `-M do` needs no bundle arithmetic. */
const XFRM_ROOM = 128;

function hasOutPolicies(host: StackContext['host']): boolean {
  return host.xfrm.spd.count().out > 0;
}

/** The connect() of iputils' probe socket (and glibc's): the route, the xfrm lookups, the source. */
function connectProbe(ctx: StackContext, dst: Ipv6Address, opts: Options): { src: Ipv6Address } | { errno: Errno } {
  const { host } = ctx;
  const rt = routeOutput(host, dst, opts.device);
  if (!rt.ok) {
    if (rt.errno === 'ENETUNREACH') host.count('Ip6OutNoRoutes');
    return { errno: rt.errno };
  }
  const src = selectSourceAddress(host, dst, rt.dev.name);
  if (!src) return { errno: 'EADDRNOTAVAIL' };
  const oif = opts.device !== undefined ? (host.devices.get(opts.device)?.ifindex ?? 0) : 0;
  // connect() on the probe socket autobinds it first (inet_autobind): its flows carry that port.
  const sport = udpEphemeralPort(host, undefined) ?? 0;
  for (let i = 0; i < CONNECT_PROBE_LOOKUPS; i++) {
    const flow = { src, dst, proto: 17, sport, dport: PROBE_PORT, oif, mark: opts.mark ?? 0 };
    const d = xfrmLookupOutput(host, flow, rt.dev.kind === 'loopback');
    if (d.kind === 'block') return { errno: 'EPERM' };
    if (d.kind === 'error') return { errno: d.errno };
  }
  return { src };
}

/** The reply's " time=" figure (gather_statistics): fewer decimals as the time grows. */
export function formatTriptime(us: number): string {
  if (us >= 100000 - 50) return `${Math.floor((us + 500) / 1000)}`;
  if (us >= 10000 - 5) return `${Math.floor((us + 50) / 1000)}.${Math.floor(((us + 50) % 1000) / 100)}`;
  if (us >= 1000) return `${Math.floor((us + 5) / 1000)}.${String(Math.floor(((us + 5) % 1000) / 10)).padStart(2, '0')}`;
  return `${Math.floor(us / 1000)}.${String(us % 1000).padStart(3, '0')}`;
}

/** printf("%g", (float)x) for 0 <= x <= 100: six significant digits, trailing zeros dropped. */
export function formatLoss(x: number): string {
  const f = Math.fround(x);
  if (f === 0) return '0';
  return f
    .toPrecision(6)
    .replace(/(\.[0-9]*?)0+$/, '$1')
    .replace(/\.$/, '');
}

/** "%ld.%03ld" of a microsecond count. */
function ms3(us: number): string {
  return `${Math.floor(us / 1000)}.${String(us % 1000).padStart(3, '0')}`;
}

/** llsqrt: the integer square root by Newton's method, as finish() takes the deviation. */
function llsqrt(a: number): number {
  if (a <= 0) return a;
  let prev = Number.MAX_SAFE_INTEGER;
  let x = a;
  while (x < prev) {
    prev = x;
    x = Math.floor((x + Math.floor(a / x)) / 2);
  }
  return x;
}

/** What finish() tallies. */
export interface PingTally {
  readonly hostname: string;
  readonly ntransmitted: number;
  readonly nreceived: number;
  readonly nrepeats: number;
  readonly nerrors: number;
  /** cur_time - start_time: the last send, in microseconds after the start. */
  readonly elapsedUs: number;
  /** Trip times (µs) of every reply counted, duplicates included; empty when not timing. */
  readonly trips: readonly number[];
  readonly timing: boolean;
  readonly pipesize: number;
}

/** finish(): the statistics block, from its leading empty line to its trailing newline. */
export function formatStatistics(t: PingTally): string {
  let s = `\n--- ${t.hostname} ping statistics ---\n`;
  s += `${t.ntransmitted} packets transmitted, ${t.nreceived} received`;
  if (t.nrepeats) s += `, +${t.nrepeats} duplicates`;
  if (t.nerrors) s += `, +${t.nerrors} errors`;
  if (t.ntransmitted) {
    const d = t.elapsedUs;
    const ms = 1000 * Math.floor(d / 1e6) + Math.floor(((d % 1e6) * 1000 + 500000) / 1e6);
    s += `, ${formatLoss(((t.ntransmitted - t.nreceived) * 100.0) / t.ntransmitted)}% packet loss, time ${ms}ms`;
  }
  s += '\n';
  let comma = '';
  if (t.nreceived && t.timing && t.trips.length) {
    const total = t.nreceived + t.nrepeats;
    const tsum = t.trips.reduce((a, b) => a + b, 0);
    const tsum2 = t.trips.reduce((a, b) => a + b * b, 0);
    const tmavg = Math.floor(tsum / total);
    const tmvar =
      tsum < INT_MAX ? Math.trunc((tsum2 - Math.floor((tsum * tsum) / total)) / total) : Math.floor(tsum2 / total) - tmavg * tmavg;
    const tmdev = llsqrt(tmvar);
    s += `rtt min/avg/max/mdev = ${ms3(Math.min(...t.trips))}/${ms3(tmavg)}/${ms3(Math.max(...t.trips))}/${ms3(tmdev)} ms`;
    comma = ', ';
  }
  if (t.pipesize > 1) s += `${comma}pipe ${t.pipesize}`;
  return `${s}\n`;
}

/** Pings started so far per world: each is its own process, so each draws its own identifier. */
const pingRuns = new WeakMap<object, number>();

/** The raw socket's identifier: iputils draws rand() & 0xffff, a new one per process; here from the seeded source, per run. */
function pingIdent(ctx: StackContext): number {
  const n = (pingRuns.get(ctx.world) ?? 0) + 1;
  pingRuns.set(ctx.world, n);
  return 1000 + ctx.host.random.fork(`ping:${n}`).below(30000);
}

/** `ping [options] DESTINATION` (argv after the program name), run to its end on the world's clock. */
export function pingCommand(argv: readonly string[], ctx: StackContext, program: 'ping' | 'ping6'): CommandResult {
  const stderr: string[] = [];
  try {
    return run(argv, ctx, program, stderr);
  } catch (e) {
    if (e instanceof Exit) return { stdout: '', stderr: stderr.map((l) => `${l}\n`).join('') + e.stderr, exitCode: e.code };
    throw e;
  }
}

function run(argv: readonly string[], ctx: StackContext, program: 'ping' | 'ping6', stderr: string[]): CommandResult {
  const parsed = parseOptions(argv, program, stderr);
  if ('exitCode' in parsed) return parsed;
  const { opts, args } = parsed;
  if (args.length === 0) die(1, `usage error: ${ERRNO_TEXT.EDESTADDRREQ}`);
  if (opts.pattern !== undefined) checkPattern(opts.pattern);
  if (opts.family === 4) {
    // Only the family check of getaddrinfo is reproduced for -4: an IPv6 destination is refused as ping refuses it.
    const t = resolveTarget(args[args.length - 1]!, 4);
    return 'exitCode' in t ? t : notModelled('ping -4');
  }
  const target = args[args.length - 1]!;
  const dst = resolveTarget(target, opts.family);
  if ('exitCode' in dst) return dst;
  if (args.length > 1) throw new Exit(USAGE, 2);
  if (opts.pattern !== undefined) return notModelled('ping -p');
  if (isMulticast(dst)) return notModelled('ping multicast destination');

  const { host, world } = ctx;
  const clock = world.clock;
  // Refusals first: the connect probe below already counts (xfrm lookups, Ip6OutNoRoutes).
  if (!opts.npackets && !opts.deadline) return notModelled('ping without -c or -w (runs until interrupted)');
  if (opts.interval < MININTERVAL_MS && (opts.npackets !== 1 || opts.deadline))
    return notModelled(`ping -i below ${MININTERVAL_MS / 1000}`);
  const rt = routeOutput(host, dst, opts.device);
  // IPV6_PMTUDISC_DO behind an xfrm bundle: the room __ip6_append_data leaves next to the SAs'
  // headers is not modelled (without SAs the refusal is, see PingSocket.send).
  if (
    rt.ok &&
    !rt.local &&
    opts.pmtudisc === 'do' &&
    opts.datalen + 8 + 40 > pathMtu(host, dst, rt.dev) - XFRM_ROOM &&
    hasOutPolicies(host)
  )
    return notModelled('ping -M do near the path MTU with xfrm policies');
  let source = opts.source;
  if (source === undefined) {
    if (opts.device !== undefined && !host.devices.has(opts.device)) die(2, `unknown iface: ${opts.device}`);
    // ip6_datagram_connect: a link-local destination needs an interface.
    if (addrScope(dst) === SCOPE.LINK && opts.device === undefined) die(2, `connect: ${ERRNO_TEXT.EINVAL}`);
    const probe = connectProbe(ctx, dst, opts);
    if ('errno' in probe) die(2, `connect: ${ERRNO_TEXT[probe.errno]}`);
    source = probe.src;
    if (opts.device !== undefined && !host.hasAddress(source, { dev: opts.device, includeTentative: true }))
      stderr.push(`ping: Warning: source address might be selected on device other than: ${opts.device}`);
  } else {
    if (opts.device !== undefined && !host.devices.has(opts.device)) die(2, `SO_BINDTODEVICE ${opts.device}: ${ERRNO_TEXT.ENODEV}`);
    if (!host.hasAddress(source)) die(2, `bind icmp socket: ${ERRNO_TEXT.EADDRNOTAVAIL}`);
  }
  // Only a payload that holds a struct timeval carries the send time back (rts.timing).
  const timing = opts.datalen >= 16;

  const hostname = target;
  const dstText = formatIpv6Address(dst);
  let stdout = `PING ${hostname}(${dstText}) `;
  if (opts.device !== undefined || opts.source !== undefined) stdout += `from ${formatIpv6Address(source)} ${opts.device ?? ''}: `;
  stdout += `${opts.datalen} data bytes\n`;

  const id = pingIdent(ctx);
  const sock = new PingSocket(host, dst, id);
  const sendOpts = {
    size: opts.datalen,
    ...(opts.source !== undefined ? { src: opts.source } : {}),
    ...(opts.device !== undefined ? { oif: opts.device } : {}),
    ...(opts.hopLimit !== undefined ? { hopLimit: opts.hopLimit } : {}),
    ...(opts.mark !== undefined ? { mark: opts.mark } : {}),
    ...(opts.pmtudisc === 'do' ? { dontFrag: true } : {}),
  };

  const start = clock.nowUs;
  const intervalUs = opts.interval * 1000;
  const alarmAt = opts.deadline ? start + opts.deadline * 1_000_000 : undefined;
  let exitAt: number | undefined;
  let ntransmitted = 0;
  let nreceived = 0;
  let nrepeats = 0;
  let nerrors = 0;
  let curTime = start;
  let nextSend = start;
  let pipesize = 0;
  const trips: number[] = [];
  const received = new Set<number>();
  const sentAt = new Map<number, number>();
  let seen = 0;

  /** The socket's queue as main_loop reads it: replies through gather_statistics, errors through receive_error_msg. */
  const drain = () => {
    for (; seen < sock.events.length; seen++) {
      const e = sock.events[seen]!;
      if (e.kind === 'reply') {
        const trip = e.timeUs - (sentAt.get(e.seq) ?? e.timeUs);
        nreceived++;
        pipesize = Math.max(pipesize, ntransmitted - e.seq + 1);
        if (timing) trips.push(trip);
        const dup = received.has(e.seq);
        if (dup) {
          nrepeats++;
          nreceived--;
        } else received.add(e.seq);
        if (!opts.quiet)
          stdout += `${e.bytes} bytes from ${e.from}: icmp_seq=${e.seq} ttl=${e.hopLimit}${timing ? ` time=${formatTriptime(trip)} ms` : ''}${dup ? ' (DUP!)' : ''}\n`;
      } else if (e.kind === 'error') {
        nerrors++;
        if (!opts.quiet) stdout += `From ${e.from} icmp_seq=${e.seq} ${e.text}\n`;
      } else if (e.kind === 'local-error') {
        // receive_error_msg, SO_EE_ORIGIN_LOCAL with EMSGSIZE (test/kernel-cases/ping-pmtudisc-do).
        nerrors++;
        if (!opts.quiet) stderr.push(`ping: local error: message too long, mtu: ${e.mtu}`);
      }
    }
  };
  const done = () => (opts.npackets && nreceived + nerrors >= opts.npackets) || (opts.deadline && nerrors > 0);
  const mustSend = () => !(opts.npackets && ntransmitted >= opts.npackets && !opts.deadline);

  for (;;) {
    drain();
    if (done()) break;
    const now = clock.nowUs;
    if ((alarmAt !== undefined && now >= alarmAt) || (exitAt !== undefined && now >= exitAt)) break;
    if (mustSend() && now >= nextSend) {
      const seq = ntransmitted + 1;
      sentAt.set(seq, now);
      const before = sock.events.length;
      const ok = sock.send(seq, sendOpts);
      ntransmitted++;
      curTime = now;
      nextSend = now + intervalUs;
      // What the send set off at this instant (a reply over lo or a veth, a local error) is in
      // before ping looks again, as softirq processing is before sendmsg returns.
      clock.runUntil(now);
      if (!ok) {
        // The kernel queues a local ICMPv6 error (REJECT in OUTPUT) before sendmsg returns; when
        // one is there ping reports it and the sendmsg errno, otherwise nothing (receive_error_msg).
        const failed = sock.events.slice(before).find((x) => x.kind === 'send-error');
        const queued = sock.events.slice(before).some((x) => x.kind === 'error');
        drain();
        if (queued && failed?.kind === 'send-error' && !opts.quiet) stderr.push(`ping: sendmsg: ${ERRNO_TEXT[failed.errno]}`);
      }
      if (!mustSend() && exitAt === undefined) {
        // __schedule_exit: twice the longest round trip (at least one interval) once replies came, else the linger time.
        const wait = nreceived ? Math.max(2 * Math.max(0, ...trips), intervalUs) : opts.lingertime * 1000;
        exitAt = now + wait;
      }
      continue;
    }
    let until = now + 1000;
    if (mustSend()) until = Math.min(until, nextSend);
    if (alarmAt !== undefined) until = Math.min(until, alarmAt);
    if (exitAt !== undefined) until = Math.min(until, exitAt);
    clock.runUntil(Math.max(until, now));
    if (until <= now) break; // nothing left to wait for
  }
  sock.close();

  stdout += formatStatistics({
    hostname,
    ntransmitted,
    nreceived,
    nrepeats,
    nerrors,
    elapsedUs: curTime - start,
    trips,
    timing,
    pipesize,
  });
  const exitCode = !nreceived || (opts.deadline && nreceived < opts.npackets) ? 1 : 0;
  return { stdout, stderr: stderr.map((l) => `${l}\n`).join(''), exitCode };
}
