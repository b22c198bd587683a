/** The text `ip xfrm state` and `ip xfrm policy` print for each SA and policy the kernel dumps, and `ip xfrm monitor` for each event (iproute2 6.1: ip/ipxfrm.c xfrm_state_info_print, xfrm_policy_info_print, xfrm_xfrma_print, xfrm_selector_print, xfrm_lifetime_print; ip/xfrm_state.c xfrm_state_print; ip/xfrm_policy.c xfrm_policy_print; ip/xfrm_monitor.c). */

import { toHex } from '../wire/hex.js';
import { formatIpv6Address } from '../wire/ipv6-address.js';
import { XFRM_INF, type XfrmLifetimeConfig } from '../xfrm/lifetime.js';
import type { XfrmEvent } from '../xfrm/namespace.js';
import type { XfrmMode, XfrmPolicy, XfrmTmpl } from '../xfrm/policy.js';
import type { XfrmState, XfrmStateSelector } from '../xfrm/state.js';
import { type Family, IPPROTO, isIpsecProto, protoName, xfrmProtoName } from './ip-xfrm-parse.js';

/** What changes the text: `-s` (count), `-o` (line separator `\`), `nokeys`, and how to name an ifindex. */
export interface XfrmPrintOptions {
  readonly stats: number;
  readonly oneline: boolean;
  readonly nokeys?: boolean;
  readonly preferredFamily?: Family;
  /** ll_index_to_name. */
  readonly ifName?: (ifindex: number) => string | undefined;
}

/** rt_addr_n2a for the two xfrm families. */
export function formatAddr(family: Family, addr: Uint8Array): string {
  if (family === 'inet') return `${addr[0]}.${addr[1]}.${addr[2]}.${addr[3]}`;
  if (family === 'inet6') return formatIpv6Address(addr);
  return '???';
}

const hex8 = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
/** printf's %#x: 0 prints without the prefix. */
const altHex = (n: number) => (n === 0 ? '0' : `0x${(n >>> 0).toString(16)}`);

/** strxf_mask8: the eight bits of a flag byte, most significant first. */
function mask8(flags: number): string {
  return (flags & 0xff).toString(2).padStart(8, '0');
}

/** XFRM_FLAG_PRINT over a table: names of the set bits, a space between, the leftover bits in hex. */
function flagNames(flags: number, table: readonly (readonly [number, string])[]): string {
  let left = flags;
  let out = '';
  for (const [bit, name] of table) {
    if (!(left & bit)) continue;
    left &= ~bit;
    out += name + (left ? ' ' : '');
  }
  if (left) out += left.toString(16);
  return out;
}

const STATE_FLAGS: readonly (readonly [number, string])[] = [
  [1, 'noecn'],
  [2, 'decap-dscp'],
  [4, 'nopmtudisc'],
  [8, 'wildrecv'],
  [16, 'icmp'],
  [32, 'af-unspec'],
  [64, 'align4'],
  [128, 'esn'],
];
const EXTRA_FLAGS: readonly (readonly [number, string])[] = [
  [1, 'dont-encap-dscp'],
  [2, 'oseq-may-wrap'],
];
const POLICY_FLAGS: readonly (readonly [number, string])[] = [
  [1, 'localok'],
  [2, 'icmp'],
];

/** strxf_time: local time, which is UTC on the oracle; 0 is "-". */
export function formatTime(seconds: number): string {
  if (seconds === 0) return '-';
  const d = new Date(seconds * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

const limit = (v: bigint) => (v === XFRM_INF ? '(INF)' : v.toString());

/** A text builder where `sl()` is iproute2's _SL_: a newline, or `\` with `-o`. */
class Out {
  text = '';
  constructor(private readonly oneline: boolean) {}
  put(s: string): void {
    this.text += s;
  }
  sl(): void {
    this.text += this.oneline ? '\\' : '\n';
  }
}

/** xfrm_id_info_print: the `src .. dst ..` line and the `proto .. spi .. reqid .. mode ..` line. */
function idInfo(
  out: Out,
  o: XfrmPrintOptions,
  f: {
    family: Family;
    saddr: Uint8Array;
    daddr: Uint8Array;
    proto: XfrmState['proto'] | XfrmTmpl['proto'];
    spi: number;
    reqid: number;
    mode: XfrmMode;
  },
  forceSpi: boolean,
  prefix: string,
  title: string,
): void {
  out.put(`${title}src ${formatAddr(f.family, f.saddr)} dst ${formatAddr(f.family, f.daddr)}`);
  out.sl();
  out.put(`${prefix}\tproto ${xfrmProtoName(f.proto)} `);
  if (o.stats > 0 || forceSpi || f.spi) out.put(`spi 0x${hex8(f.spi)}${o.stats > 0 ? `(${f.spi >>> 0})` : ''} `);
  out.put(`reqid ${f.reqid >>> 0}${o.stats > 0 ? `(0x${hex8(f.reqid)})` : ''} mode ${f.mode}`);
  out.sl();
}

/** xfrm_selector_print. */
function selector(out: Out, o: XfrmPrintOptions, sel: XfrmStateSelector, family: Family, prefix: string): void {
  const f: Family = sel.family !== 'unspec' ? sel.family : (family ?? o.preferredFamily);
  out.put(`${prefix}src ${formatAddr(f, sel.src)}/${sel.prefixlenS} dst ${formatAddr(f, sel.dst)}/${sel.prefixlenD} `);
  if (sel.proto) out.put(`proto ${protoName(sel.proto)} `);
  switch (sel.proto) {
    case IPPROTO.ICMP:
    case IPPROTO.ICMPV6:
      if (sel.sportMask) out.put(`type ${sel.sport} `);
      if (sel.dportMask) out.put(`code ${sel.dport} `);
      break;
    case IPPROTO.GRE:
      if (sel.sportMask || sel.dportMask) out.put(`key ${(sel.sport * 0x10000 + sel.dport) >>> 0} `);
      break;
    case IPPROTO.MH:
      if (sel.sportMask) out.put(`type ${sel.sport} `);
      // The raw (network order) u16, as iproute2 prints it on a little-endian machine.
      if (sel.dportMask && o.stats > 0)
        out.put(`(dport) 0x${(((sel.dport & 0xff) << 8) | (sel.dport >> 8)).toString(16).padStart(4, '0')} `);
      break;
    default:
      if (sel.sportMask) out.put(`sport ${sel.sport} `);
      if (sel.dportMask) out.put(`dport ${sel.dport} `);
  }
  if (sel.ifindex > 0) out.put(`dev ${o.ifName?.(sel.ifindex) ?? `if${sel.ifindex}`} `);
  if (o.stats > 0) out.put('uid 0');
  out.sl();
}

function isZeroSelector(sel: XfrmStateSelector): boolean {
  return (
    sel.family === 'unspec' &&
    sel.src.every((b) => b === 0) &&
    sel.dst.every((b) => b === 0) &&
    !sel.prefixlenS &&
    !sel.prefixlenD &&
    !sel.proto &&
    !sel.sport &&
    !sel.sportMask &&
    !sel.dport &&
    !sel.dportMask &&
    !sel.ifindex
  );
}

function lifetimeConfig(out: Out, lft: XfrmLifetimeConfig, prefix: string): void {
  out.put(`${prefix}lifetime config:`);
  out.sl();
  out.put(`${prefix}  limit: soft ${limit(lft.softByteLimit)}(bytes), hard ${limit(lft.hardByteLimit)}(bytes)`);
  out.sl();
  out.put(`${prefix}  limit: soft ${limit(lft.softPacketLimit)}(packets), hard ${limit(lft.hardPacketLimit)}(packets)`);
  out.sl();
  out.put(`${prefix}  expire add: soft ${lft.softAddExpiresSeconds}(sec), hard ${lft.hardAddExpiresSeconds}(sec)`);
  out.sl();
  out.put(`${prefix}  expire use: soft ${lft.softUseExpiresSeconds}(sec), hard ${lft.hardUseExpiresSeconds}(sec)`);
  out.sl();
}

/** `ALGO-TYPE NAME KEY`: the key in hex, `(N bits)` with -s, or hidden. */
function algo(out: Out, o: XfrmPrintOptions, prefix: string, type: string, name: string, key: Uint8Array | undefined): void {
  out.put(`${prefix}${type} ${name} `);
  if (o.nokeys) out.put('<<Keys hidden>>');
  else if (key && key.length > 0) out.put(`0x${toHex(key)}${o.stats > 0 ? ` (${key.length * 8} bits)` : ''}`);
}

/**
 * Which attributes the kernel's message carries: a dump or SA notification has them all
 * (copy_to_user_state_extra), an EXPIRE only the mark and if_id (build_expire).
 */
export type XfrmStateAttrs = 'all' | 'expire';

/** The attributes of an SA dump, in xfrm_xfrma_print's order (XFRMA_LASTUSED is never printed by 6.1: see the report). */
function stateAttributes(out: Out, o: XfrmPrintOptions, x: XfrmState, prefix: string, attrs: XfrmStateAttrs): void {
  const hasMark = x.mark.v !== 0 || x.mark.m !== 0;
  const hasSmark = attrs === 'all' && (x.smark.v !== 0 || x.smark.m !== 0);
  const smark = `output-mark 0x${(x.smark.v >>> 0).toString(16)}/0x${(x.smark.m >>> 0).toString(16)}`;
  if (hasMark) {
    out.put(`\tmark ${altHex(x.mark.v)}/${altHex(x.mark.m)} `);
    if (hasSmark) out.put(smark);
    out.sl();
  } else if (hasSmark) {
    out.put(`\t${smark}`);
    out.sl();
  }
  if (attrs === 'expire') {
    ifIdLine(out, x, prefix);
    return;
  }
  const { auth, aead, enc, comp } = x.algos;
  if (auth) {
    algo(out, o, prefix, 'auth-trunc', auth.name, auth.key);
    out.put(` ${auth.truncBits}`);
    out.sl();
  }
  if (aead) {
    algo(out, o, prefix, 'aead', aead.name, aead.key);
    out.put(` ${aead.icvBits}`);
    out.sl();
  }
  if (enc) {
    algo(out, o, prefix, 'enc', enc.name, enc.key);
    out.sl();
  }
  if (comp) {
    algo(out, o, prefix, 'comp', comp.name, undefined);
    out.sl();
  }
  if (x.coaddr) {
    out.put(`${prefix}coa ${formatAddr(x.family, x.coaddr)}`);
    out.sl();
  }
  const r = x.replay;
  if (r.mode === 'legacy') {
    out.put(
      `${prefix}anti-replay context: seq 0x${r.legacySeq.toString(16)}, oseq 0x${r.legacyOseq.toString(16)}, bitmap 0x${hex8(r.legacyBitmap)}`,
    );
    out.sl();
  } else {
    out.put(`${prefix}anti-replay esn context:`);
    out.sl();
    out.put(
      `${prefix} seq-hi 0x${r.esnSeqHi.toString(16)}, seq 0x${r.esnSeq.toString(16)}, oseq-hi 0x${r.esnOseqHi.toString(16)}, oseq 0x${r.esnOseq.toString(16)}`,
    );
    out.sl();
    out.put(`${prefix} replay_window ${r.esnWindow}, bitmap-length ${r.bmpLen}`);
    for (let i = r.bmpLen, j = 0; i > 0; i--, j++) {
      if (j % 8 === 0) {
        out.sl();
        out.put(`${prefix} `);
      }
      out.put(`${hex8(r.bmp[i - 1] ?? 0)} `);
    }
    out.sl();
  }
  ifIdLine(out, x, prefix);
  if (x.tfcpad) {
    out.put(`${prefix}tfcpad ${x.tfcpad >>> 0}`);
    out.sl();
  }
}

function ifIdLine(out: Out, x: { readonly ifId: number }, prefix: string): void {
  if (!x.ifId) return;
  out.put(`${prefix}if_id ${altHex(x.ifId)}`);
  out.sl();
}

/**
 * One SA as `ip [-s] [-o] xfrm state` prints it (xfrm_state_print), record newline included;
 * `attrs` says which attributes the message had.
 */
export function formatState(x: XfrmState, o: XfrmPrintOptions, attrs: XfrmStateAttrs = 'all'): string {
  const out = new Out(o.oneline);
  const prefix = '\t';
  idInfo(out, o, x, isIpsecProto(x.proto), '', '');
  out.put(`${prefix}replay-window ${x.replay.legacyWindow} `);
  if (o.stats > 0) out.put(`seq 0x${String(x.kmSeq >>> 0).padStart(8, '0')} `);
  if (o.stats > 0 || x.flags) out.put(`flag ${flagNames(x.flags, STATE_FLAGS)}`);
  if (o.stats > 0 && x.extraFlags && attrs === 'all') out.put(`extra_flag ${flagNames(x.extraFlags, EXTRA_FLAGS)}`);
  if (o.stats > 0) out.put(` (0x${mask8(x.flags)})`);
  out.sl();
  stateAttributes(out, o, x, prefix, attrs);
  if (!isZeroSelector(x.sel)) selector(out, o, x.sel, x.family, `${prefix}sel `);
  if (o.stats > 0) {
    lifetimeConfig(out, x.lft, prefix);
    out.put(`${prefix}lifetime current:`);
    out.sl();
    out.put(`${prefix}  ${x.curlft.bytes}(bytes), ${x.curlft.packets}(packets)`);
    out.sl();
    out.put(`${prefix}  add ${formatTime(x.curlft.addTime)} use ${formatTime(x.curlft.useTime)}`);
    out.sl();
    out.put(`${prefix}stats:`);
    out.sl();
    out.put(`${prefix}  replay-window ${x.stats.replayWindow} replay ${x.stats.replay} failed ${x.stats.integrityFailed}`);
    out.sl();
  }
  if (o.oneline) out.put('\n');
  return out.text;
}

/**
 * One policy as `ip [-o] xfrm policy` prints it (xfrm_policy_info_print). With -s iproute2 also
 * prints the policy's index, lifetimes and add/use times, which the model does not keep: the
 * caller refuses -s before this. `frame` is the prefix of the lines after the first and the
 * title before the selector, as an ACQUIRE prints its policy ("    ", "  policy ").
 */
export function formatPolicy(
  p: XfrmPolicy,
  o: XfrmPrintOptions,
  frame: { prefix: string; title: string } = { prefix: '', title: '' },
): string {
  if (o.stats > 0) throw new Error('formatPolicy: -s needs the policy lifetimes, which the model does not keep');
  const out = new Out(o.oneline);
  const buf = `${frame.prefix}\t`;
  selector(out, o, p.selector, p.selector.family, frame.title);
  out.put(`${buf}dir ${p.dir} `);
  if (p.action === 'block') out.put('action block ');
  out.put(`priority ${p.priority >>> 0} ptype ${p.ptype} `);
  if (p.flags) out.put(`flag ${flagNames(p.flags, POLICY_FLAGS)}`);
  out.sl();
  // xfrm_xfrma_print writes the mark line without the prefix.
  if (p.mark.v !== 0 || p.mark.m !== 0) {
    out.put(`\tmark ${altHex(p.mark.v)}/${altHex(p.mark.m)} `);
    out.sl();
  }
  for (const t of p.tmpls) {
    idInfo(
      out,
      o,
      { family: t.family, saddr: t.src, daddr: t.dst, proto: t.proto, spi: t.spi, reqid: t.reqid, mode: t.mode },
      false,
      buf,
      `${buf}tmpl `,
    );
    if (t.level === 'use') {
      out.put(`${buf}\tlevel use `);
      out.sl();
    }
  }
  ifIdLine(out, p, buf);
  if (o.oneline) out.put('\n');
  return out.text;
}

/** Removes the record newline `-o` ends a record with, so more can follow on its line. */
function unterminated(text: string, o: XfrmPrintOptions): string {
  return o.oneline && text.endsWith('\n') ? text.slice(0, -1) : text;
}

/**
 * One event as `ip [-o] xfrm monitor` prints it (xfrm_accept_msg): SAs and policies as a dump
 * shows them after "Updated ", "Deleted " or "Expired " (an EXPIRE then adds its `hard` flag),
 * flushes as one line, an ACQUIRE as its SA's protocol, the flow's selector, the policy indented,
 * and an empty line. The caller refuses -s, which needs policy lifetimes the model does not keep.
 */
export function formatXfrmEvent(e: XfrmEvent, o: XfrmPrintOptions): string {
  const sl = o.oneline ? '\\' : '\n';
  const end = o.oneline ? '\n' : '';
  switch (e.type) {
    case 'newsa':
      return formatState(e.state, o);
    case 'updsa':
      return `Updated ${formatState(e.state, o)}`;
    case 'delsa':
      return `Deleted ${formatState(e.state, o)}`;
    case 'expire':
      return `Expired ${unterminated(formatState(e.state, o, 'expire'), o)}\thard ${e.hard ? 1 : 0}${sl}${end}`;
    case 'flushsa':
      return `Flushed state proto ${xfrmProtoName(e.proto)}${sl}${end}`;
    case 'newpolicy':
      return formatPolicy(e.policy, o);
    case 'updpolicy':
      return `Updated ${formatPolicy(e.policy, o)}`;
    case 'delpolicy':
      return `Deleted ${formatPolicy(e.policy, o)}`;
    case 'flushpolicy':
      return `Flushed policy ptype ${e.ptype} ${sl}${end}`;
    case 'acquire': {
      const x = e.state;
      const out = new Out(o.oneline);
      // xfrm_acquire_print: the message's id is the larval SA's (spi 0 until allocspi answers).
      out.put(`acquire proto ${xfrmProtoName(x.proto)} `);
      if (x.spi) out.put(`spi 0x${hex8(x.spi)} `);
      out.sl();
      const family = x.sel.family !== 'unspec' ? x.sel.family : e.policy.selector.family;
      selector(out, o, x.sel, family, '  sel ');
      out.put(unterminated(formatPolicy(e.policy, o, { prefix: '    ', title: '  policy ' }), o));
      out.sl();
      if (o.oneline) out.put('\n');
      return out.text;
    }
  }
}
