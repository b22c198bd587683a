/** `nc` (netcat-openbsd 1.219): TCP connection tests (-z) and listeners (-l, -k) over the stack's sockets (netcat.c main, remote_connect, timeout_connect, local_listen). */

import { ERRNO_TEXT, type Errno } from '../errors.js';
import type { TcpSocket } from '../stack/tcp.js';
import { tcpSocket } from '../stack/tcp.js';
import { formatIpv6Address, type Ipv6Address, parseIpv6Address } from '../wire/ipv6-address.js';
import { type CommandResult, failure, notModelled, result } from './command.js';
import type { Job, JobEnd } from './jobs.js';
import type { SimCommand, SimContext } from './runtime.js';

interface NcOptions {
  listen: boolean;
  keep: boolean;
  zero: boolean;
  verbose: boolean;
  timeoutS: number | undefined;
  sourcePort: number | undefined;
  source: Ipv6Address | undefined;
  args: string[];
}

/** Options that take a value in netcat.c's getopt string, and the flags it knows. */
const WITH_VALUE = new Set('IiMmOPpqsTVWwXx'.split(''));
const FLAGS = new Set('46CDdFhklNnrSt UuvZz'.replace(' ', '').split(''));
const MODELLED = new Set('46klnpsvwz'.split(''));

const USAGE =
  'usage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]\n\t  [-m minttl] [-O length] [-P proxy_username] [-p source_port]\n\t  [-q seconds] [-s sourceaddr] [-T keyword] [-V rtable] [-W recvlimit]\n\t  [-w timeout] [-X proxy_protocol] [-x proxy_address[:port]]\n\t  [destination] [port]';

type Parsed = { readonly ok: true; readonly opts: NcOptions } | { readonly ok: false; readonly result: CommandResult };

function parse(argv: readonly string[]): Parsed {
  const o: NcOptions = {
    listen: false,
    keep: false,
    zero: false,
    verbose: false,
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
      if (!MODELLED.has(c)) return bad(notModelled(`nc -${c}`));
      let value: string | undefined;
      if (WITH_VALUE.has(c)) {
        value = j + 1 < a.length ? a.slice(j + 1) : argv[++i];
        if (value === undefined) return bad(failure(`nc: option requires an argument -- '${c}'\n${USAGE}`, 1));
        j = a.length;
      }
      if (c === '4') return bad(notModelled('nc -4 (IPv4 is not modelled)'));
      if (c === 'l') o.listen = true;
      else if (c === 'k') o.keep = true;
      else if (c === 'z') o.zero = true;
      else if (c === 'v') o.verbose = true;
      else if (c === 'w') {
        if (!/^\d+$/.test(value!)) return bad(failure(`nc: timeout ${value} is invalid`, 1));
        o.timeoutS = Number(value);
      } else if (c === 'p') {
        if (!/^\d+$/.test(value!) || Number(value) < 1 || Number(value) > 65535)
          return bad(failure(`nc: port number invalid: ${value}`, 1));
        o.sourcePort = Number(value);
      } else if (c === 's') {
        const p = parseIpv6Address(value!);
        if (!p.ok) return bad(notModelled(`nc -s ${value} (only numeric IPv6 addresses are modelled)`));
        o.source = p.value;
      }
    }
  }
  return { ok: true, opts: o };
}

export const ncCommand: SimCommand = (argv, ctx) => {
  const p = parse(argv);
  if (!p.ok) return p.result;
  return p.opts.listen ? listen(p.opts, ctx) : connect(p.opts, ctx);
};

/** The client: connect (within -w), and with -z close again at once. */
function connect(o: NcOptions, ctx: SimContext): CommandResult {
  if (o.args.length === 0) return failure(USAGE, 1);
  if (o.args.length !== 2) return notModelled('nc with several ports or a port range');
  const [hostText, portText] = o.args as [string, string];
  if (!/^\d+$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535)
    return failure(`nc: port number invalid: ${portText}`, 1);
  const dst = parseIpv6Address(hostText);
  // The simulated machine has no resolver: getaddrinfo answers EAI_AGAIN, as on a host without DNS.
  if (!dst.ok) return failure(`nc: getaddrinfo for host "${hostText}" port ${portText}: Temporary failure in name resolution`, 1);
  if (!o.zero) return notModelled('nc without -z (a connection that carries data)');
  const port = Number(portText);
  const sock = tcpSocket(ctx.host);
  const refused = (errno: Errno): CommandResult =>
    result('', o.verbose ? `nc: connect to ${formatIpv6Address(dst.value)} port ${port} (tcp) failed: ${ERRNO_TEXT[errno]}\n` : '', 1);
  try {
    if (o.source !== undefined || o.sourcePort !== undefined) sock.bind(o.source, o.sourcePort ?? 0);
  } catch {
    return failure('nc: bind failed: Address already in use', 1);
  }
  const r = sock.connect(dst.value, port);
  if (!r.ok) return refused(r.errno);
  const clock = ctx.world.clock;
  // Without -w the kernel's own connect timeout applies (the SYN retries run out).
  const deadline = o.timeoutS !== undefined ? clock.nowUs + o.timeoutS * 1_000_000 : Number.POSITIVE_INFINITY;
  while (sock.state === 'SYN_SENT' && clock.nowUs < deadline) {
    const next = clock.nextDueUs();
    if (next === undefined) {
      if (Number.isFinite(deadline)) clock.runUntil(deadline);
      break;
    }
    clock.runUntil(Math.min(deadline, next));
  }
  if (sock.state === 'SYN_SENT') {
    sock.close();
    // timeout_connect gives up with the connect still EINPROGRESS.
    return result(
      '',
      o.verbose ? `nc: connect to ${formatIpv6Address(dst.value)} port ${port} (tcp) timed out: ${ERRNO_TEXT.EINPROGRESS}\n` : '',
      1,
    );
  }
  if (sock.state !== 'ESTABLISHED') return refused(sock.sockErr ?? 'ECONNREFUSED');
  sock.close();
  return result('', o.verbose ? `Connection to ${formatIpv6Address(dst.value)} ${port} port [tcp/*] succeeded!\n` : '');
}

/**
 * The listener, as a background job: each connection's data goes to stdout; at its end of file nc
 * closes it, and with -k listens on, else exits. In the foreground it would never return.
 */
function listen(o: NcOptions, ctx: SimContext): CommandResult {
  const portText = o.args[0] ?? (o.sourcePort !== undefined ? String(o.sourcePort) : undefined);
  if (portText === undefined || o.args.length > 1) return failure(USAGE, 1);
  if (!/^\d+$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535)
    return failure(`nc: port number invalid: ${portText}`, 1);
  if (!ctx.background) return failure('xfrmsim: nc -l in the foreground never returns: start it with & and kill it', 2);
  const server = tcpSocket(ctx.host);
  try {
    server.bind(o.source, Number(portText));
  } catch {
    return failure('nc: Address already in use', 1);
  }
  server.listen();
  const job = new Listener(server, o.keep);
  ctx.jobs.add(ctx.background.pid, job, ctx.background.output);
  return result('', o.verbose ? `Listening on ${o.source ? formatIpv6Address(o.source) : '::'} ${portText}\n` : '');
}

class Listener implements Job {
  readonly name = 'nc';
  finished = false;
  private stdout = '';
  private readonly open = new Set<TcpSocket>();

  constructor(
    private readonly server: TcpSocket,
    private readonly keep: boolean,
  ) {
    server.onReadable = () => this.acceptAll();
  }

  private acceptAll(): void {
    for (let c = this.server.accept(); c; c = this.server.accept()) {
      this.open.add(c);
      c.onReadable = () => this.readFrom(c);
      // Without -k netcat takes one connection and closes the listening socket.
      if (!this.keep) this.server.close();
      this.readFrom(c);
    }
  }

  private readFrom(c: TcpSocket): void {
    for (;;) {
      const r = c.recv();
      if (!r.ok || r.data.length === 0) break;
      this.stdout += new TextDecoder().decode(r.data);
    }
    if (c.rcvShutdown || c.state === 'CLOSE') {
      c.close();
      this.open.delete(c);
      if (!this.keep) this.finished = true;
    }
  }

  stop(): JobEnd {
    // SIGTERM: the process dies and the kernel closes its sockets.
    for (const c of this.open) c.close();
    this.server.close();
    const killed = !this.finished;
    this.finished = true;
    return { stdout: this.stdout, stderr: '', exitCode: killed ? 143 : 0, files: [] };
  }
}
