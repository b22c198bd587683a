/** The `tcpdump` command over a device's capture point: options, filters, live printing, -w and -r (tcpdump 4.99.3 tcpdump.c main, info; libpcap 1.10.3 pcap-linux.c, sf-pcap.c). */

import type { Host } from '../stack/host.js';
import type { Capture, CaptureRecord } from '../stack/netdev.js';
import { LINKTYPE_ETHERNET, PCAP_DEFAULT_SNAPLEN, PcapWriter, readPcapPartial } from '../wire/pcap.js';
import { PrinterState, printPacket } from '../wire/tcpdump/index.js';
import { type CommandResult, failure, notModelled, result } from './command.js';
import { compileFilter } from './tcpdump-filter.js';

export { compileFilter } from './tcpdump-filter.js';

export type TcpdumpStart =
  | { readonly kind: 'started'; readonly job: TcpdumpJob }
  | { readonly kind: 'done'; readonly result: CommandResult };

export interface TcpdumpJob {
  /** What tcpdump prints to stderr when it starts listening. */
  readonly stderrAtStart: string;
  /**
   * Ends the capture (SIGINT/SIGTERM from `kill`, or -c reached): what tcpdump printed (stdout:
   * the packet lines in live mode), the end-of-run stderr, the exit status, and the file it wrote.
   */
  stop(): {
    readonly stdout: string;
    readonly stderr: string;
    readonly exitCode: number;
    readonly files: readonly { readonly path: string; readonly bytes: Uint8Array }[];
  };
  /** True once -c COUNT packets were captured (tcpdump exits by itself). */
  readonly finished: boolean;
  /** The -w file as pcap_dump_open leaves it before the first packet: the pcap header alone. */
  readonly startFiles: readonly { readonly path: string; readonly bytes: Uint8Array }[];
}

export interface TcpdumpContext {
  readonly host: Host;
  readonly nowUs: number;
  readonly readFile: (path: string) => Uint8Array | undefined;
}

/** tcpdump's MAXIMUM_SNAPLEN: `-s 0` and no -s mean this. */
const MAXIMUM_SNAPLEN = PCAP_DEFAULT_SNAPLEN;

/**
 * How libpcap hands packets to tcpdump on Linux (pcap-linux.c). Without --immediate-mode it uses
 * a TPACKET_V3 ring: the kernel hands over a block of packets when the block's retire timer
 * fires, every `tov` from the moment the ring was set up (af_packet.c prb_retire_rx_blk_timer),
 * with tov the pcap timeout tcpdump sets: 100 ms when it prints with -l (or to a terminal, never
 * the case in a script), 1000 ms otherwise. Packets of a block not yet handed over when tcpdump is
 * killed are lost to it, though the kernel counted them ("5 packets captured, 6 packets received
 * by filter" in the oracle probe). With --immediate-mode (TPACKET_V2) each packet is handed over
 * as it comes.
 */
const TOV_PRINT_LINE_BUFFERED_US = 100_000;
const TOV_DEFAULT_US = 1_000_000;

/**
 * With --immediate-mode and -c, packets that pass the filter this soon after the last one counted
 * still reach the kernel's "received by filter" count before tcpdump closes its socket (a ping's
 * reply crosses a veth pair within the same softirq). The window is our assumption: the oracle
 * probe only shows the buffered case.
 */
const EXIT_LATENCY_US = 1000;

/** `tcpdump --version` and the first lines of the usage text, as the oracle machine's build prints them. */
const VERSION_TEXT = 'tcpdump version 4.99.3\nlibpcap version 1.10.3 (with TPACKET_V3)\nOpenSSL 3.0.19 27 Jan 2026\n';
const USAGE_TEXT =
  VERSION_TEXT +
  'Usage: tcpdump [-AbdDefhHIJKlLnNOpqStuUvxX#] [ -B size ] [ -c count ] [--count]\n' +
  '\t\t[ -C file_size ] [ -E algo:secret ] [ -F file ] [ -G seconds ]\n' +
  '\t\t[ -i interface ] [ --immediate-mode ] [ -j tstamptype ]\n' +
  '\t\t[ -M secret ] [ --number ] [ --print ] [ -Q in|out|inout ]\n' +
  '\t\t[ -r file ] [ -s snaplen ] [ -T type ] [ --version ]\n' +
  '\t\t[ -V file ] [ -w file ] [ -W filecount ] [ -y datalinktype ]\n' +
  '\t\t[ --time-stamp-precision precision ] [ --micro ] [ --nano ]\n' +
  '\t\t[ -z postrotate-command ] [ -Z user ] [ expression ]\n';

/** tcpdump.c SHORTOPTS on Linux: letters followed by ':' take an argument. */
const SHORTOPTS = 'aAbB:c:C:dDeE:fF:G:hHi:Ij:JKlLm:M:nNOpqQ:r:s:StT:uUvV:w:W:xXy:Yz:Z:#';
const LONGOPTS: Record<string, { readonly arg: boolean }> = {
  'buffer-size': { arg: true },
  'list-interfaces': { arg: false },
  help: { arg: false },
  interface: { arg: true },
  'monitor-mode': { arg: false },
  'time-stamp-type': { arg: true },
  'list-time-stamp-types': { arg: false },
  micro: { arg: false },
  nano: { arg: false },
  'time-stamp-precision': { arg: true },
  'dont-verify-checksums': { arg: false },
  'list-data-link-types': { arg: false },
  'no-optimize': { arg: false },
  'no-promiscuous-mode': { arg: false },
  direction: { arg: true },
  'snapshot-length': { arg: true },
  'absolute-tcp-sequence-numbers': { arg: false },
  'packet-buffered': { arg: false },
  linktype: { arg: true },
  'immediate-mode': { arg: false },
  'debug-filter-parser': { arg: false },
  'relinquish-privileges': { arg: true },
  count: { arg: false },
  'fp-type': { arg: false },
  number: { arg: false },
  print: { arg: false },
  version: { arg: false },
};
/** The long options that are another name for a short one we handle. */
const LONG_TO_SHORT: Record<string, string> = {
  interface: 'i',
  'no-promiscuous-mode': 'p',
  'snapshot-length': 's',
  'packet-buffered': 'U',
};

interface Options {
  device?: string;
  nflag: number;
  vflag: number;
  eflag: boolean;
  count?: number;
  writeFile?: string;
  readFile?: string;
  snaplen: number;
  immediate: boolean;
  lflag: boolean;
  filter: string[];
}

type ParsedArgs = { readonly ok: true; readonly opts: Options } | { readonly ok: false; readonly result: CommandResult };

function usageError(first: string): ParsedArgs {
  return { ok: false, result: result('', `tcpdump: ${first}\n${USAGE_TEXT}`, 1) };
}

/** C atoi: optional blanks and sign, then as many digits as there are. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m ? Number.parseInt(m[1]!, 10) : 0;
}

/** C strtol with base 0 over the whole text, or undefined when anything is left over. */
function strtol0(s: string): number | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.exec(s);
  if (!m) return undefined;
  const body = m[2]!;
  const v = /^0[xX]/.test(body) ? Number.parseInt(body.slice(2), 16) : body.startsWith('0') ? Number.parseInt(body, 8) : Number(body);
  return m[1] === '-' ? -v : v;
}

/** getopt_long as glibc runs it for tcpdump: options and operands may mix; `--` ends options. */
function parseArgs(argv: readonly string[]): ParsedArgs {
  const opts: Options = { nflag: 0, vflag: 0, eflag: false, snaplen: MAXIMUM_SNAPLEN, immediate: false, lflag: false, filter: [] };
  const apply = (letter: string, arg: string | undefined): ParsedArgs | undefined => {
    switch (letter) {
      case 'i':
        opts.device = arg;
        return;
      case 'n':
        opts.nflag++;
        return;
      case 'v':
        opts.vflag++;
        return;
      case 'e':
        opts.eflag = true;
        return;
      case 'c': {
        const n = atoi(arg!);
        if (n <= 0) return { ok: false, result: failure(`tcpdump: invalid packet count ${arg}`, 1) };
        opts.count = n;
        return;
      }
      case 's': {
        const n = strtol0(arg!);
        if (n === undefined || n < 0 || n > MAXIMUM_SNAPLEN) {
          return { ok: false, result: failure(`tcpdump: invalid snaplen ${arg} (must be >= 0 and <= ${MAXIMUM_SNAPLEN})`, 1) };
        }
        opts.snaplen = n === 0 ? MAXIMUM_SNAPLEN : n;
        return;
      }
      case 'w':
        opts.writeFile = arg;
        return;
      case 'r':
        opts.readFile = arg;
        return;
      case 'l':
        opts.lflag = true;
        return;
      case 'immediate-mode':
        opts.immediate = true;
        return;
      // Promiscuous mode and flushing the -w file per packet change nothing a script sees at the end.
      case 'p':
      case 'U':
        return;
      default:
        return { ok: false, result: notModelled(letter.length === 1 ? `tcpdump -${letter}` : `tcpdump --${letter}`) };
    }
  };
  let i = 0;
  while (i < argv.length) {
    const a = argv[i]!;
    i++;
    if (a === '--') {
      opts.filter.push(...argv.slice(i));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = a.slice(2, eq < 0 ? undefined : eq);
      const spec = LONGOPTS[name];
      if (spec === undefined) return usageError(`unrecognized option '${a}'`);
      let arg: string | undefined;
      if (spec.arg) {
        if (eq >= 0) arg = a.slice(eq + 1);
        else if (i < argv.length) arg = argv[i++];
        else return usageError(`option '--${name}' requires an argument`);
      } else if (eq >= 0) {
        return usageError(`option '--${name}' doesn't allow an argument`);
      }
      if (name === 'version') return { ok: false, result: result(VERSION_TEXT) };
      const r = apply(LONG_TO_SHORT[name] ?? name, arg);
      if (r) return r;
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let k = 1; k < a.length; k++) {
        const letter = a[k]!;
        const at = SHORTOPTS.indexOf(letter);
        if (letter === ':' || at < 0) return usageError(`invalid option -- '${letter}'`);
        let arg: string | undefined;
        if (SHORTOPTS[at + 1] === ':') {
          if (k + 1 < a.length) arg = a.slice(k + 1);
          else if (i < argv.length) arg = argv[i++];
          else return usageError(`option requires an argument -- '${letter}'`);
          k = a.length;
        }
        const r = apply(letter, arg);
        if (r) return r;
      }
      continue;
    }
    opts.filter.push(a);
  }
  return { ok: true, opts };
}

/** What the printer can do with these options, or why not. */
function printerLimit(opts: Options): CommandResult | undefined {
  if (opts.vflag > 2) return notModelled('tcpdump -vvv');
  if (opts.eflag && opts.nflag === 0) return notModelled('tcpdump -e without -n (MAC OUI names)');
  return undefined;
}

/**
 * Without -n tcpdump prints well-known TCP and UDP ports by name (from /etc/services), which
 * the printer does not; addresses stay numeric, as in a namespace with no resolver.
 */
function namesNeeded(text: string): boolean {
  return /\.\d+ > /.test(text);
}

function plural(n: number, what: string): string {
  return `${n} packet${n === 1 ? '' : 's'} ${what}`;
}

function pluralLine(captured: number, received: number): string {
  return `${plural(captured, 'captured')}\n${plural(received, 'received by filter')}\n${plural(0, 'dropped by kernel')}\n`;
}

/**
 * Runs `tcpdump ARGS`: with -r it reads a file and is done at once; otherwise it opens a
 * capture on the device and returns a job that the caller stops (kill, or -c reached).
 */
export function startTcpdump(argv: readonly string[], ctx: TcpdumpContext): TcpdumpStart {
  const done = (r: CommandResult): TcpdumpStart => ({ kind: 'done', result: r });
  const parsed = parseArgs(argv);
  if (!parsed.ok) return done(parsed.result);
  const opts = parsed.opts;
  const limit = printerLimit(opts);
  if (limit) return done(limit);
  if (opts.readFile !== undefined) return done(readSavefile(opts, ctx));
  if (opts.writeFile === '-') return done(notModelled('tcpdump -w - (a pcap on stdout)'));
  if (opts.writeFile !== undefined && opts.vflag > 0) return done(notModelled('tcpdump -w with -v (the "Got N" counter)'));

  const devName = opts.device ?? defaultDevice(ctx.host);
  if (devName === undefined) return done(notModelled('tcpdump without -i when no device is up'));
  if (devName === 'any') return done(notModelled('tcpdump -i any (LINUX_SLL2)'));
  if (/^\d+$/.test(devName)) return done(notModelled(`tcpdump -i ${devName} (an interface number)`));
  const dev = ctx.host.devices.get(devName);
  // pcap_activate fails before the filter is compiled: a bad device wins over a bad filter.
  if (!dev) return done(failure(`tcpdump: ${devName}: No such device exists\n(No such device exists)`, 1));
  if (!dev.adminUp) return done(failure(`tcpdump: ${devName}: That device is not up`, 1));
  const compiled = compileFilter(opts.filter);
  if (!compiled.ok) return done(compiled.notModelled !== undefined ? failure(compiled.error, 2) : failure(`tcpdump: ${compiled.error}`, 1));

  const listening = `listening on ${devName}, link-type EN10MB (Ethernet), snapshot length ${opts.snaplen} bytes\n`;
  const stderrAtStart =
    opts.vflag === 0 && opts.writeFile === undefined
      ? `tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\n${listening}`
      : `tcpdump: ${listening}`;
  const clock = ctx.host.world.clock;
  const delivery: Delivery = opts.immediate
    ? { kind: 'immediate' }
    : {
        kind: 'blocks',
        startUs: ctx.nowUs,
        tovUs: opts.writeFile === undefined && opts.lflag ? TOV_PRINT_LINE_BUFFERED_US : TOV_DEFAULT_US,
      };
  const job = new LiveCapture(dev.startCapture(), compiled.match, opts, stderrAtStart, delivery, () => clock.nowUs);
  return { kind: 'started', job };
}

/**
 * The device tcpdump picks without -i: the first of pcap_findalldevs, which puts running
 * non-loopback devices first. We only answer when that choice is clear.
 */
function defaultDevice(host: Host): string | undefined {
  const up = [...host.devices.values()].filter((d) => d.kind !== 'loopback' && d.running).sort((a, b) => a.ifindex - b.ifindex);
  return up[0]?.name;
}

type Delivery = { readonly kind: 'immediate' } | { readonly kind: 'blocks'; readonly startUs: number; readonly tovUs: number };

class LiveCapture implements TcpdumpJob {
  get startFiles(): readonly { readonly path: string; readonly bytes: Uint8Array }[] {
    if (this.opts.writeFile === undefined) return [];
    return [{ path: this.opts.writeFile, bytes: new PcapWriter(LINKTYPE_ETHERNET, this.opts.snaplen).bytes() }];
  }

  /** Records already checked against the filter, and the indexes of those that passed. */
  private scanned = 0;
  private readonly passed: number[] = [];

  constructor(
    private readonly capture: Capture,
    private readonly match: (frame: Uint8Array) => boolean,
    private readonly opts: Options,
    readonly stderrAtStart: string,
    private readonly delivery: Delivery,
    private readonly nowUs: () => number,
  ) {}

  private scan(): void {
    const recs = this.capture.records;
    for (; this.scanned < recs.length; this.scanned++) {
      // The kernel runs the filter on the whole frame; the snapshot length cuts only what is kept.
      if (this.match(recs[this.scanned]!.frame)) this.passed.push(this.scanned);
    }
  }

  private passedRecords(): CaptureRecord[] {
    this.scan();
    return this.passed.map((i) => this.capture.records[i]!);
  }

  /** When tcpdump gets a packet the kernel queued at `timeUs`: the next block retirement, or at once. */
  private handedOverAt(timeUs: number): number {
    if (this.delivery.kind === 'immediate') return timeUs;
    const { startUs, tovUs } = this.delivery;
    return startUs + Math.ceil((timeUs - startUs) / tovUs) * tovUs;
  }

  /** The time tcpdump reads its COUNTth packet and exits, once that packet exists. */
  private countReachedAt(all: readonly CaptureRecord[]): number | undefined {
    const n = this.opts.count;
    if (n === undefined || all.length < n) return undefined;
    return this.handedOverAt(all[n - 1]!.timeUs);
  }

  get finished(): boolean {
    const at = this.countReachedAt(this.passedRecords());
    return at !== undefined && at <= this.nowUs();
  }

  stop(): ReturnType<TcpdumpJob['stop']> {
    const all = this.passedRecords();
    this.capture.stop();
    this.capture.dev.captures.delete(this.capture);
    const now = this.nowUs();
    const exitAt = this.countReachedAt(all);
    let kept: CaptureRecord[];
    let received: number;
    if (exitAt !== undefined && exitAt <= now) {
      const n = this.opts.count!;
      kept = all.slice(0, n);
      const closedAt = this.delivery.kind === 'immediate' ? exitAt + EXIT_LATENCY_US : exitAt;
      received = n + all.slice(n).filter((r) => r.timeUs <= closedAt).length;
    } else {
      // Killed: what was handed over by now is kept; the kernel counted the rest too.
      kept = this.delivery.kind === 'immediate' ? all : all.filter((r) => this.handedOverAt(r.timeUs) <= now);
      received = all.length;
    }
    const end = pluralLine(kept.length, received);
    if (this.opts.writeFile !== undefined) {
      const w = new PcapWriter(LINKTYPE_ETHERNET, this.opts.snaplen);
      for (const r of kept) w.add(r.timeUs, r.frame);
      return { stdout: '', stderr: end, exitCode: 0, files: [{ path: this.opts.writeFile, bytes: w.bytes() }] };
    }
    const state = new PrinterState();
    let stdout = '';
    for (const r of kept) {
      const caplen = Math.min(r.frame.length, this.opts.snaplen);
      stdout += printPacket(
        r.frame.subarray(0, caplen),
        { timeUs: r.timeUs, verbosity: this.opts.vflag as 0 | 1 | 2, linkHeader: this.opts.eflag, origLength: r.frame.length },
        state,
      );
    }
    if (this.opts.nflag === 0 && namesNeeded(stdout)) {
      const nm = notModelled('tcpdump without -n on TCP/UDP packets (port names)');
      return { stdout: '', stderr: nm.stderr, exitCode: nm.exitCode, files: [] };
    }
    return { stdout, stderr: end, exitCode: 0, files: [] };
  }
}

/** `tcpdump -r FILE`: libpcap's savefile checks, then the filtered records printed or written. */
function readSavefile(opts: Options, ctx: TcpdumpContext): CommandResult {
  const path = opts.readFile!;
  if (path === '-') return notModelled('tcpdump -r - (a pcap on stdin)');
  const bytes = ctx.readFile(path);
  if (bytes === undefined) return failure(`tcpdump: ${path}: No such file or directory`, 1);
  // pcap_fopen_offline reads the 4-byte magic first, then the rest of the 24-byte header.
  if (bytes.length < 4) return failure(`tcpdump: truncated dump file; tried to read 4 file header bytes, only got ${bytes.length}`, 1);
  const magicLe = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  const known = [0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1];
  if (!known.includes(magicLe)) {
    if (magicLe === 0x0a0d0d0a) return notModelled('tcpdump -r of a pcapng file');
    return failure('tcpdump: unknown file format', 1);
  }
  if (bytes.length < 24)
    return failure(`tcpdump: truncated dump file; tried to read 24 file header bytes, only got ${bytes.length - 4}`, 1);
  const file = readPcapPartial(bytes);
  if (!file.ok) return failure(`tcpdump: ${file.error.detail}`, 1);
  if (file.value.linkType !== LINKTYPE_ETHERNET) return notModelled(`tcpdump -r of link-type ${file.value.linkType}`);
  let stderr = `reading from file ${path}, link-type EN10MB (Ethernet), snapshot length ${file.value.snapLen}\n`;
  const compiled = compileFilter(opts.filter);
  if (!compiled.ok) {
    if (compiled.notModelled !== undefined) return failure(compiled.error, 2);
    return result('', `${stderr}tcpdump: ${compiled.error}\n`, 1);
  }
  const kept = file.value.records.filter((r) => compiled.match(r.data)).slice(0, opts.count ?? Number.POSITIVE_INFINITY);
  // Only a cut after the last record kept is reached: with -c, tcpdump stops before it.
  const reachedCut = file.value.stoppedBy !== undefined && (opts.count === undefined || kept.length < opts.count);
  const cut = reachedCut ? `tcpdump: pcap_loop: ${cutMessage(bytes)}\n` : '';
  const exitCode = reachedCut ? 1 : 0;
  if (opts.writeFile !== undefined) {
    return notModelled('tcpdump -r with -w (the command contract has no file output)');
  }
  const state = new PrinterState();
  let stdout = '';
  for (const r of kept) {
    stdout += printPacket(
      r.data,
      { timeUs: r.timeUs, verbosity: opts.vflag as 0 | 1 | 2, linkHeader: opts.eflag, origLength: r.origLength },
      state,
    );
  }
  if (opts.nflag === 0 && namesNeeded(stdout)) return notModelled('tcpdump without -n on TCP/UDP packets (port names)');
  stderr += cut;
  return result(stdout, stderr, exitCode);
}

/** sf-pcap.c pcap_next_packet's words for a file that ends inside a record. */
function cutMessage(bytes: Uint8Array): string {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = v.getUint32(0, true) === 0xa1b2c3d4 || v.getUint32(0, true) === 0xa1b23c4d;
  let off = 24;
  for (;;) {
    const left = bytes.length - off;
    if (left < 16) return `truncated dump file; tried to read 16 header bytes, only got ${left}`;
    const caplen = v.getUint32(off + 8, le);
    if (left - 16 < caplen) return `truncated dump file; tried to read ${caplen} captured bytes, only got ${left - 16}`;
    off += 16 + caplen;
  }
}
