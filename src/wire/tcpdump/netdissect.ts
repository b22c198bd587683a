/** The bounds-checked packet walk all of tcpdump's printers share (tcpdump 4.99.3 netdissect.c, extract.h, util-print.c, print-ascii.c). */

import { formatIpv6Address } from '../ipv6-address.js';
import type { PrinterState } from './state.js';

/**
 * Thrown where tcpdump longjmps to `ndo_early_end` (a GET_* macro reading past the snapshot end);
 * only `printPacket` catches it, so no caller of the printer ever sees it.
 */
export class Truncated {
  readonly truncated = true;
}

/** The options tcpdump's printers read (`-v` count, `-e`), and where each packet's text goes. */
export interface NdFlags {
  readonly vflag: 0 | 1 | 2;
  readonly eflag: boolean;
}

/**
 * One packet being printed: the bytes, the current snapshot end (an index into `bytes`), the
 * stack of saved snapshot ends (nd_push_snaplen), the protocol name a truncation report names,
 * and the text so far. Pointers are indices into `bytes`.
 */
export class Nd {
  out = '';
  protocol = '';
  /** The first place tcpdump would have run a decoder we do not model, in words (see noteUnmodelled). */
  unmodelled: string | undefined;
  snapend: number;
  private readonly saved: number[] = [];

  constructor(
    readonly bytes: Uint8Array,
    readonly flags: NdFlags,
    readonly state: PrinterState,
  ) {
    this.snapend = bytes.length;
  }

  get vflag(): 0 | 1 | 2 {
    return this.flags.vflag;
  }

  get eflag(): boolean {
    return this.flags.eflag;
  }

  print(s: string): void {
    this.out += s;
  }

  /** ND_TTEST_LEN: were `len` bytes from `p` captured? */
  ttest(p: number, len: number): boolean {
    return len >= 0 && p >= 0 && p + len <= this.snapend;
  }

  /** ND_BYTES_AVAILABLE_AFTER. */
  available(p: number): number {
    return this.snapend - p;
  }

  private need(p: number, len: number): void {
    if (!this.ttest(p, len)) throw new Truncated();
  }

  /** GET_U_1. */
  u8(p: number): number {
    this.need(p, 1);
    return this.bytes[p]!;
  }

  /** GET_BE_U_2. */
  be16(p: number): number {
    this.need(p, 2);
    return (this.bytes[p]! << 8) | this.bytes[p + 1]!;
  }

  /** GET_BE_U_4. */
  be32(p: number): number {
    this.need(p, 4);
    return ((this.bytes[p]! << 24) | (this.bytes[p + 1]! << 16) | (this.bytes[p + 2]! << 8) | this.bytes[p + 3]!) >>> 0;
  }

  /** GET_IP6ADDR_STRING (with -n: the address as inet_ntop writes it). */
  ip6addr(p: number): string {
    this.need(p, 16);
    return formatIpv6Address(this.bytes, p);
  }

  /** GET_CPY_BYTES of `len` bytes. */
  copy(p: number, len: number): Uint8Array {
    this.need(p, len);
    return this.bytes.slice(p, p + len);
  }

  /** nd_push_snaplen: cut the snapshot at `bp + newlen` if that is shorter, remembering the old end. */
  pushSnaplen(bp: number, newlen: number): void {
    this.saved.push(this.snapend);
    if (newlen <= this.snapend - bp) this.snapend = bp + newlen;
  }

  /**
   * nd_change_snaplen: move the current cut, bounded by the end saved below the top of the stack
   * (or by the current end when only one level was pushed, as tcpdump 4.99.3 does).
   */
  changeSnaplen(bp: number, newlen: number): void {
    const previous = this.saved.length >= 2 ? this.saved[this.saved.length - 2]! : this.snapend;
    if (newlen <= previous - bp) this.snapend = bp + newlen;
  }

  /** nd_pop_packet_info. */
  popPacketInfo(): void {
    const end = this.saved.pop();
    if (end !== undefined) this.snapend = end;
  }

  /**
   * Records that tcpdump 4.99.3 would decode further here (an application port, a protocol we
   * have no printer for), so the text we print from here on is not tcpdump's.
   */
  noteUnmodelled(what: string): void {
    this.unmodelled ??= what;
  }

  /** nd_print_trunc. */
  printTrunc(): void {
    this.print(` [|${this.protocol}]`);
  }

  /** nd_print_invalid. */
  printInvalid(): void {
    this.print(' (invalid)');
  }

  /** nd_print_protocol_caps. */
  printProtocolCaps(): void {
    this.print(this.protocol.toUpperCase());
  }

  /** hex_print_with_offset: `ident0x0000:  xxxx xxxx ...`, eight 16-bit groups a line. */
  hexPrint(ident: string, cp: number, length: number, oset = 0): void {
    let n = length;
    let truncated = false;
    const caplength = this.snapend > cp ? this.snapend - cp : 0;
    if (n > caplength) {
      n = caplength;
      truncated = true;
    }
    let i = 0;
    let p = cp;
    for (let nshorts = n >> 1; nshorts > 0; nshorts--) {
      if (i++ % 8 === 0) {
        this.print(`${ident}0x${hex(oset, 4)}: `);
        oset += 16;
      }
      const s = this.u8(p);
      this.print(` ${hex(s, 2)}${hex(this.u8(p + 1), 2)}`);
      p += 2;
    }
    if (n & 1) {
      if (i % 8 === 0) this.print(`${ident}0x${hex(oset, 4)}: `);
      this.print(` ${hex(this.u8(p), 2)}`);
    }
    if (truncated) throw new Truncated();
  }

  /** hex_and_ascii_print (the default printer for payloads tcpdump does not decode). */
  hexAndAsciiPrint(ident: string, cp: number, length: number): void {
    let n = length;
    let truncated = false;
    const caplength = this.snapend > cp ? this.snapend - cp : 0;
    if (n > caplength) {
      n = caplength;
      truncated = true;
    }
    let oset = 0;
    let hexstuff = '';
    let ascii = '';
    let i = 0;
    let p = cp;
    const flush = () => {
      this.print(`${ident}0x${hex(oset, 4)}: ${hexstuff.padEnd(40)}  ${ascii}`);
    };
    for (let nshorts = n >> 1; nshorts > 0; nshorts--) {
      const s1 = this.u8(p);
      const s2 = this.u8(p + 1);
      p += 2;
      hexstuff += ` ${hex(s1, 2)}${hex(s2, 2)}`;
      ascii += graph(s1) + graph(s2);
      if (++i >= 8) {
        flush();
        i = 0;
        hexstuff = '';
        ascii = '';
        oset += 16;
      }
    }
    if (n & 1) {
      const s1 = this.u8(p);
      hexstuff += ` ${hex(s1, 2)}`;
      ascii += graph(s1);
      i++;
    }
    if (i > 0) flush();
    if (truncated) throw new Truncated();
  }

  /** print_unknown_data: a hex dump of what was captured of `len` bytes. */
  printUnknownData(cp: number, ident: string, len: number): void {
    if (!this.ttest(cp, 0)) {
      this.print(`${ident}Dissector error: print_unknown_data called with pointer past end of packet`);
      return;
    }
    this.hexPrint(ident, cp, Math.min(len, this.available(cp)));
  }
}

export function hex(v: number, width: number): string {
  return v.toString(16).padStart(width, '0');
}

/** fn_print_char: `M-` for the high bit, `^X` for control characters. */
export function fnPrintChar(c: number): string {
  let s = '';
  if (c >= 0x80) {
    c &= 0x7f;
    s += 'M-';
  }
  if (c < 0x20 || c === 0x7f) {
    c ^= 0x40;
    s += '^';
  }
  return s + String.fromCharCode(c);
}

function graph(c: number): string {
  return c > 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
}

/** tok2str: the name of `v` in `table`, else `unknown(v)`. */
export function tok2str(table: ReadonlyMap<number, string>, unknown: (v: number) => string, v: number): string {
  return table.get(v) ?? unknown(v);
}

/** bittok2str / bittok2str_nosep: the names of every flag whose bits are all set, in table order. */
export function bittok2str(table: readonly (readonly [number, string])[], none: string, v: number, sep = ', '): string {
  const names: string[] = [];
  for (const [bits, name] of table) if (bits !== 0 && (v & bits) >>> 0 === bits) names.push(name);
  return names.length > 0 ? names.join(sep) : none;
}

/** The unsigned 32-bit arithmetic C's u_int gives (lengths that wrap below zero). */
export function u32(v: number): number {
  return v >>> 0;
}
