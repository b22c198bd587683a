/** `nc` (netcat-openbsd, Debian 1.219-1): TCP clients, listeners and UDP senders over the stack's sockets (netcat.c main, remote_connect, local_listen, readwrite; Debian's quit-timer patch). */

import { ConfigError, ERRNO_TEXT, type Errno } from '../errors.js';
import type { TcpSocket } from '../stack/tcp.js';
import { tcpSocket } from '../stack/tcp.js';
import { type UdpSocket, udpSocket } from '../stack/udp.js';
import type { World } from '../stack/world.js';
import { formatIpv6Address, type Ipv6Address, parseIpv6Address } from '../wire/ipv6-address.js';
import { type CommandResult, failure, notModelled, result } from './command.js';
import type { Job, JobEnd } from './jobs.js';
import type { SimCommand, SimContext } from './runtime.js';

interface NcOptions {
  listen: boolean;
  keep: boolean;
  zero: boolean;
  verbose: boolean;
  udp: boolean;
  /** -n: no name lookups (getnameinfo) for the addresses -v reports. */
  numeric: boolean;
  /** -N: shutdown(SHUT_WR) once stdin is at its end. */
  shutdownOnEof: boolean;
  /** -q: after stdin's end (and, for TCP, the peer's), quit after this many seconds; negative = never (the default). */
  quitS: number;
  timeoutS: number | undefined;
  sourcePort: number | undefined;
  source: Ipv6Address | undefined;
  args: string[];
}

/** netcat.c's getopt string (Debian 1.219): the options that take a value, and the flags. */
const WITH_VALUE = new Set('IiMmOPpqsTVWwXx'.split(''));
const FLAGS = new Set('46bCDdFhklNnrStUuvZz'.split(''));
const MODELLED = new Set('46klNnpqsuvwz'.split(''));

const USAGE =
  'usage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]\n\t  [-m minttl] [-O length] [-P proxy_username] [-p source_port]\n\t  [-q seconds] [-s sourceaddr] [-T keyword] [-V rtable] [-W recvlimit]\n\t  [-w timeout] [-X proxy_protocol] [-x proxy_address[:port]]\n\t  [destination] [port]';

/** The tcp entries of /etc/services on the reference system (Debian 12), port:name, for getservbyname and getservbyport. */
const TCP_SERVICES = new Map(
  (
    '1:tcpmux 7:echo 9:discard 11:systat 13:daytime 15:netstat 17:qotd 19:chargen 20:ftp-data 21:ftp 22:ssh ' +
    '23:telnet 25:smtp 37:time 43:whois 49:tacacs 53:domain 70:gopher 79:finger 80:http 88:kerberos ' +
    '102:iso-tsap 104:acr-nema 106:poppassd 110:pop3 111:sunrpc 113:auth 119:nntp 135:epmap 139:netbios-ssn ' +
    '143:imap2 161:snmp 162:snmp-trap 163:cmip-man 164:cmip-agent 174:mailq 179:bgp 199:smux 209:qmtp ' +
    '210:z3950 345:pawserv 346:zserv 369:rpc2portmap 370:codaauth2 389:ldap 427:svrloc 443:https 444:snpp ' +
    '445:microsoft-ds 464:kpasswd 465:submissions 487:saft 512:exec 513:login 514:shell 515:printer ' +
    '538:gdomap 540:uucp 543:klogin 544:kshell 548:afpovertcp 554:rtsp 563:nntps 587:submission 607:nqs ' +
    '628:qmqp 631:ipp 636:ldaps 646:ldp 655:tinc 706:silc 749:kerberos-adm 750:kerberos4 751:kerberos-master ' +
    '754:krb-prop 775:moira-db 777:moira-update 783:spamd 853:domain-s 871:supfilesrv 873:rsync ' +
    '989:ftps-data 990:ftps 992:telnets 993:imaps 995:pop3s 1080:socks 1093:proofd 1094:rootd ' +
    '1099:rmiregistry 1127:supfiledbg 1178:skkserv 1194:openvpn 1236:rmtcfg 1313:xtel 1314:xtelw ' +
    '1352:lotusnote 1433:ms-sql-s 1524:ingreslock 1645:datametrics 1646:sa-msg-port 1649:kermit ' +
    '1677:groupwise 1812:radius 1813:radius-acct 2000:cisco-sccp 2049:nfs 2086:gnunet 2101:rtcm-sc104 ' +
    '2119:gsigatekeeper 2121:iprop 2135:gris 2401:cvspserver 2430:venus 2431:venus-se 2432:codasrv ' +
    '2433:codasrv-se 2583:mon 2600:zebrasrv 2601:zebra 2602:ripd 2603:ripngd 2604:ospfd 2605:bgpd ' +
    '2606:ospf6d 2607:ospfapi 2608:isisd 2628:dict 2792:f5-globalsite 2811:gsiftp 2947:gpsd 3050:gds-db ' +
    '3205:isns 3260:iscsi-target 3306:mysql 3389:ms-wbt-server 3493:nut 3632:distcc 3689:daap 3690:svn ' +
    '4031:suucp 4094:sysrqd 4190:sieve 4353:f5-iquery 4369:epmd 4373:remctl 4460:ntske 4557:fax 4559:hylafax ' +
    '4691:mtn 4899:radmin-port 4949:munin 5060:sip 5061:sip-tls 5222:xmpp-client 5269:xmpp-server ' +
    '5308:cfengine 5432:postgresql 5556:freeciv 5666:nrpe 5667:nsca 5671:amqps 5672:amqp 5680:canna 6000:x11 ' +
    '6001:x11-1 6002:x11-2 6003:x11-3 6004:x11-4 6005:x11-5 6006:x11-6 6007:x11-7 6346:gnutella-svc ' +
    '6347:gnutella-rtr 6379:redis 6444:sge-qmaster 6445:sge-execd 6446:mysql-proxy 6514:syslog-tls ' +
    '6566:sane-port 6667:ircd 6697:ircs-u 7000:bbs 7100:font-service 8021:zope-ftp 8080:http-alt 8081:tproxy ' +
    '8088:omniorb 8140:puppet 8990:clc-build-daemon 9098:xinetd 9101:bacula-dir 9102:bacula-fd ' +
    '9103:bacula-sd 9418:git 9667:xmms2 9673:zope 10000:webmin 10050:zabbix-agent 10051:zabbix-trapper ' +
    '10080:amanda 10081:kamanda 10082:amandaidx 10083:amidxtape 10809:nbd 11112:dicom 11371:hkp ' +
    '17004:sgi-cad 17500:db-lsp 22125:dcap 22128:gsidcap 22273:wnn6 24554:binkp 27374:asp 30865:csync2 ' +
    '57000:dircproxy 60177:tfido 60179:fido'
  )
    .split(' ')
    .map((e) => {
      const [port, name] = e.split(':') as [string, string];
      return [Number(port), name] as const;
    }),
);
const TCP_PORT_BY_NAME = new Map([...TCP_SERVICES].map(([port, name]) => [name, port] as const));

type Parsed = { readonly ok: true; readonly opts: NcOptions } | { readonly ok: false; readonly result: CommandResult };

/** strtonum(3)'s verdict on a decimal integer between lo and hi, as netcat words it. */
function strtonum(text: string, lo: number, hi: number): { ok: true; value: number } | { ok: false; why: string } {
  if (!/^[-+]?\d+$/.test(text)) return { ok: false, why: 'invalid' };
  const v = Number(text);
  if (v < lo) return { ok: false, why: 'too small' };
  if (v > hi) return { ok: false, why: 'too large' };
  return { ok: true, value: v };
}

function parse(argv: readonly string[]): Parsed {
  const o: NcOptions = {
    listen: false,
    keep: false,
    zero: false,
    verbose: false,
    udp: false,
    numeric: false,
    shutdownOnEof: false,
    quitS: -1,
    timeoutS: undefined,
    sourcePort: undefined,
    source: undefined,
    args: [],
  };
  const bad = (r: CommandResult): Parsed => ({ ok: false, result: r });
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      o.args.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      o.args.push(a);
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!;
      if (!WITH_VALUE.has(c) && !FLAGS.has(c)) return bad(failure(`nc: invalid option -- '${c}'\n${USAGE}`, 1));
      let value = '';
      if (WITH_VALUE.has(c)) {
        const v = j + 1 < a.length ? a.slice(j + 1) : argv[++i];
        if (v === undefined) return bad(failure(`nc: option requires an argument -- '${c}'\n${USAGE}`, 1));
        value = v;
        j = a.length;
      }
      if (!MODELLED.has(c)) return bad(notModelled(`nc -${c}`));
      if (c === '4') return bad(notModelled('nc -4 (IPv4 is not modelled)'));
      if (c === 'l') o.listen = true;
      else if (c === 'k') o.keep = true;
      else if (c === 'z') o.zero = true;
      else if (c === 'v') o.verbose = true;
      else if (c === 'u') o.udp = true;
      else if (c === 'n') o.numeric = true;
      else if (c === 'N') o.shutdownOnEof = true;
      else if (c === 'w') {
        const t = strtonum(value, 0, Math.floor(2147483647 / 1000));
        if (!t.ok) return bad(failure(`nc: timeout ${t.why}: ${value}`, 1));
        o.timeoutS = t.value;
      } else if (c === 'q') {
        const t = strtonum(value, -2147483648, 2147483647);
        if (!t.ok) return bad(failure(`nc: quit timer ${t.why}: ${value}`, 1));
        o.quitS = t.value;
      } else if (c === 'p') {
        // The source port goes through getaddrinfo as a service: a number, or a name it knows.
        const port = /^\d+$/.test(value) ? Number(value) : TCP_PORT_BY_NAME.get(value);
        if (port === undefined) return bad(failure('nc: getaddrinfo: Servname not supported for ai_socktype', 1));
        if (port > 65535) return bad(notModelled(`nc -p ${value} (beyond 65535)`));
        o.sourcePort = port;
      } else if (c === 's') {
        const p = parseIpv6Address(value);
        if (!p.ok) return bad(notModelled(`nc -s ${value} (only numeric IPv6 addresses are modelled)`));
        o.source = p.value;
      }
    }
  }
  return { ok: true, opts: o };
}

/** build_ports/strtoport: a service name from /etc/services, else a number in 1..65535. */
function destinationPort(text: string): { ok: true; port: number } | { ok: false; result: CommandResult } {
  if (/^\d+-\d+$/.test(text)) return { ok: false, result: notModelled('nc with a port range') };
  const named = TCP_PORT_BY_NAME.get(text);
  if (named !== undefined) return { ok: true, port: named };
  const p = strtonum(text, 1, 65535);
  if (!p.ok) return { ok: false, result: failure(`nc: port number ${p.why}: ${text}`, 1) };
  return { ok: true, port: p.value };
}

/** getaddrinfo with AF_INET6 and no resolver on the simulated machine (it answers EAI_AGAIN, as the reference system did). */
function resolve(hostText: string, portText: string): { ok: true; addr: Ipv6Address } | { ok: false; result: CommandResult } {
  const a = parseIpv6Address(hostText);
  if (a.ok) return { ok: true, addr: a.value };
  const why = /^\d+(\.\d+){0,3}$/.test(hostText) ? 'Address family for hostname not supported' : 'Temporary failure in name resolution';
  return { ok: false, result: failure(`nc: getaddrinfo for host "${hostText}" port ${portText}: ${why}`, 1) };
}

export const ncCommand: SimCommand = (argv, ctx) => {
  const p = parse(argv);
  if (!p.ok) return p.result;
  const o = p.opts;
  if (o.keep && !o.listen) return failure('nc: must use -l with -k', 1);
  if (o.listen) return listen(o, ctx);
  if (o.args.length === 0) return failure(USAGE, 1);
  if (o.args.length === 1) return failure('nc: missing port number', 1);
  if (o.args.length > 2) return notModelled('nc with several ports');
  return o.udp ? udpClient(o, ctx) : tcpClient(o, ctx);
};

type Outcome = 'done' | 'deadline' | 'stuck';

/**
 * The process blocked in poll: the world's events run until `done()` holds or the virtual clock
 * reaches `deadlineUs` (a finite -w or -q); 'stuck' when nothing is left to happen and no deadline
 * would wake it, where the real process would block for ever.
 */
function block(world: World, done: () => boolean, deadlineUs: number): Outcome {
  const clock = world.clock;
  for (;;) {
    if (done()) return 'done';
    const next = clock.nextDueUs();
    if (next === undefined || next > deadlineUs) {
      if (!Number.isFinite(deadlineUs)) return 'stuck';
      clock.runUntil(Math.max(deadlineUs, clock.nowUs));
      return done() ? 'done' : 'deadline';
    }
    clock.runUntil(next);
  }
}

/** fillbuf until EAGAIN: the bytes read, and whether the net input ended (end of file, or an error such as a reset). */
function drainTcp(sock: TcpSocket, decoder: InstanceType<typeof TextDecoder>): { readonly text: string; readonly gone: boolean } {
  let text = '';
  for (;;) {
    const r = sock.recv();
    if (!r.ok) return { text, gone: r.errno !== 'EAGAIN' };
    if (r.data.length === 0) return { text, gone: true };
    text += decoder.decode(r.data, { stream: true });
  }
}

/** What runs when a system call returns to the process: the work its transmits left pending at this instant. */
function softirqs(world: World): void {
  world.clock.runUntil(world.clock.nowUs);
}

const NEVER_RETURNS = 'xfrmsim: nc would wait for ever here (the peer never closes and no -w bounds the wait)';

/** The TCP client: connect within -w; with -z close at once, else readwrite (stdin out, the peer's bytes to stdout). */
function tcpClient(o: NcOptions, ctx: SimContext): CommandResult {
  const [hostText, portText] = o.args as [string, string];
  const dp = destinationPort(portText);
  if (!dp.ok) return dp.result;
  const dst = resolve(hostText, portText);
  if (!dst.ok) return dst.result;
  const port = dp.port;
  const sock = tcpSocket(ctx.host);
  const failed = (errno: Errno): CommandResult =>
    result('', o.verbose ? `nc: connect to ${hostText} port ${port} (tcp) failed: ${ERRNO_TEXT[errno]}\n` : '', 1);
  try {
    if (o.source !== undefined || o.sourcePort !== undefined) sock.bind(o.source, o.sourcePort ?? 0);
  } catch (e) {
    return failure(`nc: bind failed: ${ERRNO_TEXT[e instanceof ConfigError ? e.errno : 'EADDRINUSE']}`, 1);
  }
  const r = sock.connect(dst.addr, port);
  if (!r.ok) return failed(r.errno);
  const clock = ctx.world.clock;
  // Without -w the kernel's own connect timeout applies (the SYN retries run out).
  const connectBy = o.timeoutS !== undefined ? clock.nowUs + o.timeoutS * 1_000_000 : Number.POSITIVE_INFINITY;
  block(ctx.world, () => sock.state !== 'SYN_SENT', connectBy);
  if (sock.state === 'SYN_SENT') {
    sock.close();
    // timeout_connect gives up with the connect still EINPROGRESS.
    return result('', o.verbose ? `nc: connect to ${hostText} port ${port} (tcp) timed out: ${ERRNO_TEXT.EINPROGRESS}\n` : '', 1);
  }
  if (sock.state !== 'ESTABLISHED' && sock.state !== 'CLOSE_WAIT') return failed(sock.sockErr ?? 'ECONNREFUSED');
  const stderr = o.verbose ? `Connection to ${hostText} ${port} port [tcp/${TCP_SERVICES.get(port) ?? '*'}] succeeded!\n` : '';
  if (o.zero) {
    sock.close();
    return result('', stderr);
  }
  return readwrite(sock, o, ctx, stderr);
}

/**
 * readwrite for a connected socket: stdin (already whole: a pipe or a file) goes out, then at its
 * end -N or any -q >= 0 shuts the write side (FIN); the peer's bytes go to stdout until its FIN.
 * Then -q > 0 waits that long (the quit timer) before the exit closes the socket. A -w timeout
 * bounds every wait for the peer, and its expiry ends nc with status 0.
 */
function readwrite(sock: TcpSocket, o: NcOptions, ctx: SimContext, stderr: string): CommandResult {
  const clock = ctx.world.clock;
  const input = new TextEncoder().encode(ctx.stdin);
  if (input.length > 0) sock.send(input);
  // Between two system calls the softirqs the first one raised have run (local_bh_enable after
  // each transmit): the peer has taken the data before the FIN leaves.
  softirqs(ctx.world);
  if (o.shutdownOnEof || o.quitS >= 0) sock.shutdownWrite();
  const decoder = new TextDecoder();
  let stdout = '';
  let readable = true;
  sock.onReadable = () => {
    readable = true;
  };
  for (;;) {
    const read = drainTcp(sock, decoder);
    stdout += read.text;
    const gone = read.gone;
    readable = false;
    if (gone || sock.state === 'CLOSE') break;
    const idleBy = o.timeoutS !== undefined ? clock.nowUs + o.timeoutS * 1_000_000 : Number.POSITIVE_INFINITY;
    const w = block(ctx.world, () => readable, idleBy);
    if (w === 'deadline') break;
    if (w === 'stuck') {
      sock.onReadable = undefined;
      return { stdout, stderr: `${stderr}${NEVER_RETURNS}\n`, exitCode: 2 };
    }
    if (w === 'done') continue;
  }
  sock.onReadable = undefined;
  if (o.quitS > 0 && sock.rcvShutdown) clock.advance(o.quitS * 1_000_000);
  sock.close();
  return { stdout, stderr, exitCode: 0 };
}

/** The UDP client: stdin goes out as datagrams on a connected socket; -q or -w end the wait for answers. */
function udpClient(o: NcOptions, ctx: SimContext): CommandResult {
  // With -v or -z netcat first probes the port with datagrams of 'X' (udptest), not modelled.
  if (o.zero || o.verbose) return notModelled(o.zero ? 'nc -u -z' : 'nc -u -v');
  const [hostText, portText] = o.args as [string, string];
  const p = strtonum(portText, 1, 65535);
  if (!p.ok) return /^\d+-\d+$/.test(portText) ? notModelled('nc with a port range') : failure(`nc: port number ${p.why}: ${portText}`, 1);
  const dst = resolve(hostText, portText);
  if (!dst.ok) return dst.result;
  const sock = udpSocket(ctx.host);
  try {
    if (o.source !== undefined || o.sourcePort !== undefined) sock.bind(o.source, o.sourcePort ?? 0);
  } catch (e) {
    return failure(`nc: bind failed: ${ERRNO_TEXT[e instanceof ConfigError ? e.errno : 'EADDRINUSE']}`, 1);
  }
  const c = sock.connect(dst.addr, p.value);
  if (!c.ok) {
    sock.close();
    // remote_connect warns only with -v (not modelled for -u): nc exits 1 without a word.
    return result('', '', 1);
  }
  // One read(2) of stdin is one datagram; a pipe's bytes come in reads of at most 16384.
  const input = new TextEncoder().encode(ctx.stdin);
  for (let off = 0; off < input.length; off += 16384) {
    sock.send(input.slice(off, off + 16384));
    softirqs(ctx.world);
  }
  const clock = ctx.world.clock;
  const decoder = new TextDecoder();
  let stdout = '';
  const drain = () => {
    for (let r = sock.recv(); r.ok; r = sock.recv()) stdout += decoder.decode(r.datagram.data, { stream: true });
  };
  // A datagram socket never sees an end of file: after stdin's end only the quit timer or -w ends nc.
  const quitBy = o.quitS >= 0 ? clock.nowUs + o.quitS * 1_000_000 : Number.POSITIVE_INFINITY;
  for (;;) {
    drain();
    const idleBy = o.timeoutS !== undefined ? clock.nowUs + o.timeoutS * 1_000_000 : Number.POSITIVE_INFINITY;
    const w = block(ctx.world, () => sock.rxQueue.length > 0, Math.min(quitBy, idleBy));
    if (w === 'deadline') break;
    if (w === 'stuck') {
      sock.close();
      return { stdout, stderr: 'xfrmsim: nc -u would wait for ever here (no -q or -w ends it)\n', exitCode: 2 };
    }
  }
  drain();
  sock.close();
  return result(stdout);
}

/**
 * The listener: each connection's data goes to stdout, stdin goes to the first one; at the peer's
 * end of file nc closes the connection and, with -k, listens on, else exits. As a background job
 * `kill` ends it; in the foreground the world runs until it exits.
 */
function listen(o: NcOptions, ctx: SimContext): CommandResult {
  if (o.source !== undefined || o.args.length > 2 || (o.sourcePort !== undefined && o.args.length > 0)) return failure(USAGE, 1);
  if (o.zero) return notModelled('nc -l -z');
  if (o.timeoutS !== undefined) return notModelled('nc -l -w');
  const portText = o.args.length > 0 ? o.args[o.args.length - 1] : o.sourcePort !== undefined ? String(o.sourcePort) : undefined;
  if (portText === undefined) return failure('nc: missing port number', 1);
  const dp = destinationPort(portText);
  if (!dp.ok) return dp.result;
  let local: Ipv6Address | undefined;
  if (o.args.length === 2) {
    const a = parseIpv6Address(o.args[0]!);
    if (!a.ok)
      return failure(
        `nc: getaddrinfo: ${/^\d+(\.\d+){0,3}$/.test(o.args[0]!) ? 'Address family for hostname not supported' : 'Temporary failure in name resolution'}`,
        1,
      );
    local = a.value;
  }
  if (o.udp) return udpListen(o, ctx, local, dp.port);
  const server = tcpSocket(ctx.host);
  try {
    server.bind(local, dp.port);
  } catch (e) {
    return failure(`nc: ${ERRNO_TEXT[e instanceof ConfigError ? e.errno : 'EADDRINUSE']}`, 1);
  }
  server.listen();
  const stderr = o.verbose ? `Listening on ${local ? formatIpv6Address(local) : '::'} ${dp.port}\n` : '';
  const job = new Listener(server, o, new TextEncoder().encode(ctx.stdin));
  return runListener(job, o, ctx, stderr);
}

/** A listener as a background job that `kill` ends, or in the foreground until it is done. */
function runListener(job: Job & { stop(): JobEnd }, o: NcOptions, ctx: SimContext, stderr: string): CommandResult {
  if (ctx.background) {
    ctx.jobs.add(ctx.background.pid, job, ctx.background.output);
    return result('', stderr);
  }
  if (o.keep || o.udp) {
    job.stop();
    return failure(
      `${stderr}xfrmsim: nc -l${o.udp ? ' -u' : ''}${o.keep ? ' -k' : ''} in the foreground never returns: start it with & and kill it`,
      2,
    );
  }
  const w = block(ctx.world, () => job.finished, Number.POSITIVE_INFINITY);
  const end = job.stop();
  if (w === 'stuck') return { stdout: end.stdout, stderr: `${stderr}${end.stderr}${NEVER_RETURNS}\n`, exitCode: 2 };
  return { stdout: end.stdout, stderr: stderr + end.stderr, exitCode: 0 };
}

/**
 * `nc -u -l`: a datagram socket bound to the port. Without -k the first datagram's sender becomes
 * the only peer (netcat peeks at it and connects the socket, so later datagrams from elsewhere
 * find no socket), stdin goes to it; every datagram read goes to stdout. A datagram socket never
 * sees an end of file: only `kill` ends it.
 */
function udpListen(o: NcOptions, ctx: SimContext, local: Ipv6Address | undefined, port: number): CommandResult {
  if (o.verbose) return notModelled('nc -u -l -v');
  if (o.quitS >= 0) return notModelled('nc -u -l -q');
  const sock = udpSocket(ctx.host);
  try {
    sock.bind(local, port);
  } catch (e) {
    return failure(`nc: ${ERRNO_TEXT[e instanceof ConfigError ? e.errno : 'EADDRINUSE']}`, 1);
  }
  return runListener(new UdpListener(sock, o, new TextEncoder().encode(ctx.stdin)), o, ctx, '');
}

class UdpListener implements Job {
  readonly name = 'nc';
  finished = false;
  private stdout = '';
  private readonly decoder = new TextDecoder();

  constructor(
    private readonly sock: UdpSocket,
    private readonly o: NcOptions,
    private input: Uint8Array | undefined,
  ) {
    sock.onReadable = () => this.read();
  }

  private read(): void {
    if (!this.o.keep && !this.sock.remote) {
      const first = this.sock.rxQueue[0];
      if (!first) return;
      const c = this.sock.connect(first.from, first.fromPort);
      if (!c.ok) return;
      // One read(2) of stdin is one datagram, as the UDP client sends them.
      const input = this.input ?? new Uint8Array(0);
      for (let off = 0; off < input.length; off += 16384) this.sock.send(input.slice(off, off + 16384));
      this.input = undefined;
    }
    for (let r = this.sock.recv(); r.ok; r = this.sock.recv()) this.stdout += this.decoder.decode(r.datagram.data, { stream: true });
  }

  stop(): JobEnd {
    this.sock.onReadable = undefined;
    this.sock.close();
    const killed = !this.finished;
    this.finished = true;
    return { stdout: this.stdout, stderr: '', exitCode: killed ? 143 : 0, files: [] };
  }
}

class Listener implements Job {
  readonly name = 'nc';
  finished = false;
  private stdout = '';
  private stderr = '';
  private readonly decoder = new TextDecoder();
  private readonly open = new Set<TcpSocket>();
  /** Bytes of stdin not yet given to a connection (the first one takes them all). */
  private input: Uint8Array | undefined;

  constructor(
    private readonly server: TcpSocket,
    private readonly o: NcOptions,
    input: Uint8Array,
  ) {
    this.input = input;
    server.onReadable = () => this.acceptAll();
  }

  private acceptAll(): void {
    for (let c = this.server.accept(); c; c = this.server.accept()) {
      this.open.add(c);
      // report_sock: without -n the peer's name is looked up, which fails as the resolver does (nc goes on).
      if (this.o.verbose && c.remote)
        this.stderr += this.o.numeric
          ? `Connection received on ${formatIpv6Address(c.remote.addr)} ${c.remote.port}\n`
          : 'nc: getnameinfo: Temporary failure in name resolution\n';
      c.onReadable = () => this.readFrom(c);
      // Without -k netcat takes one connection and closes the listening socket.
      if (!this.o.keep) this.server.close();
      if (this.input && this.input.length > 0) c.send(this.input);
      this.input = undefined;
      if (this.o.shutdownOnEof || this.o.quitS >= 0) c.shutdownWrite();
      this.readFrom(c);
    }
  }

  private readFrom(c: TcpSocket): void {
    const read = drainTcp(c, this.decoder);
    this.stdout += read.text;
    const gone = read.gone;
    // "listen and net in gone": the connection is done once the peer's FIN (or a reset) is read.
    if (gone || c.state === 'CLOSE') {
      c.onReadable = undefined;
      c.close();
      this.open.delete(c);
      if (!this.o.keep) this.finished = true;
    }
  }

  stop(): JobEnd {
    // SIGTERM: the process dies and the kernel closes its sockets.
    for (const c of this.open) c.close();
    this.server.close();
    const killed = !this.finished;
    this.finished = true;
    return { stdout: this.stdout, stderr: this.stderr, exitCode: killed ? 143 : 0, files: [] };
  }
}
