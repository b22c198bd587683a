/** The text `tcpdump -n [-v|-vv] [-e] -r FILE` prints, for one Ethernet frame or a whole pcap (tcpdump 4.99.3 print.c pretty_print_packet). */

import { LINKTYPE_ETHERNET, PCAP_DEFAULT_SNAPLEN, readPcapPartial } from '../pcap.js';
import { printEther } from './ether.js';
import { Nd, Truncated } from './netdissect.js';
import { PrinterState } from './state.js';
import { formatTimestamp } from './time.js';

export { PrinterState } from './state.js';

export interface PrintOptions {
  /** Capture time, microseconds since the epoch (printed in UTC). */
  readonly timeUs: number;
  /** 0 for `-n`, 1 for `-n -v`, 2 for `-n -vv`. */
  readonly verbosity: 0 | 1 | 2;
  /** `-e`: the Ethernet addresses and type before the rest. */
  readonly linkHeader?: boolean;
  /** The frame's length on the wire when fewer bytes were captured (default: all of it). */
  readonly origLength?: number;
}

/** A packet's text, and whether tcpdump would have printed more than we know how to. */
export interface PrintedPacket {
  readonly text: string;
  /**
   * Where tcpdump 4.99.3 would run a decoder we do not model (an application port such as
   * `udp port 53 > 40000`, a next header such as GRE, an EtherType such as ARP); `text` then
   * differs from tcpdump's from that point. Undefined when the whole packet is modelled.
   */
  readonly unmodelled: string | undefined;
}

/**
 * One packet's text as tcpdump writes it: the line, any continuation lines, each ending in `\n`.
 * Pass the same `state` to every packet of a run: TCP sequence numbers print relative to the
 * first segment tcpdump saw of that connection. Never throws: truncated and malformed frames
 * print what tcpdump prints for them.
 */
export function printPacket(frame: Uint8Array, opts: PrintOptions, state: PrinterState = new PrinterState()): string {
  return printPacketDetailed(frame, opts, state).text;
}

/** printPacket, and where (if anywhere) tcpdump would have decoded more than we do. */
export function printPacketDetailed(frame: Uint8Array, opts: PrintOptions, state: PrinterState = new PrinterState()): PrintedPacket {
  const caplen = frame.length;
  const len = opts.origLength ?? frame.length;
  const invalid: string[] = [];
  if (caplen === 0) invalid.push(' caplen==0');
  if (len === 0) invalid.push(' len==0');
  else if (len < caplen) invalid.push(` len(${len}) < caplen(${caplen})`);
  if (caplen > PCAP_DEFAULT_SNAPLEN) invalid.push(` caplen(${caplen}) > ${PCAP_DEFAULT_SNAPLEN}`);
  if (len > PCAP_DEFAULT_SNAPLEN) invalid.push(` len(${len}) > ${PCAP_DEFAULT_SNAPLEN}`);
  if (invalid.length > 0) {
    // No timestamp: tcpdump refuses the record header before printing anything else.
    return { text: `[Invalid header:${invalid.join(',')}]\n`, unmodelled: undefined };
  }
  const nd = new Nd(frame, { vflag: opts.verbosity, eflag: opts.linkHeader ?? false }, state);
  nd.print(formatTimestamp(opts.timeUs));
  try {
    printEther(nd, 0, len, caplen);
  } catch (e) {
    if (!(e instanceof Truncated)) throw e;
    nd.printTrunc();
  }
  return { text: `${nd.out}\n`, unmodelled: nd.unmodelled };
}

export interface PcapPrintOptions {
  readonly verbosity: 0 | 1 | 2;
  readonly linkHeader?: boolean;
}

/**
 * What `TZ=UTC tcpdump -n -r FILE` writes to stdout: one packet a line (plus continuation lines),
 * each ending in a newline, with one TCP table for the whole run. A file that is not an Ethernet
 * pcap gives the empty string (tcpdump's complaint goes to stderr); a file cut inside a record
 * prints the whole records before the cut, as tcpdump does.
 */
export function printPcap(file: Uint8Array, opts: PcapPrintOptions): string {
  const parsed = readPcapPartial(file);
  if (!parsed.ok || parsed.value.linkType !== LINKTYPE_ETHERNET) return '';
  const state = new PrinterState();
  let out = '';
  for (const r of parsed.value.records) {
    out += printPacket(
      r.data,
      { timeUs: r.timeUs, verbosity: opts.verbosity, linkHeader: opts.linkHeader, origLength: r.origLength },
      state,
    );
  }
  return out;
}
