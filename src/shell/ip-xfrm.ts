/** `ip xfrm state ...` and `ip xfrm policy ...` over one namespace's SAD and SPD, with iproute2 6.1's grammar, texts and exit statuses (iproute2: ip/ipxfrm.c do_xfrm, ip/xfrm_state.c, ip/xfrm_policy.c; lib/libnetlink.c rtnl_talk_error). */

import { parseKeyString } from '../crypto/index.js';
import { ConfigError, ERRNO_TEXT } from '../errors.js';
import type { XfrmLifetimeConfig } from '../xfrm/lifetime.js';
import { XFRM_LIFETIME_DEFAULT } from '../xfrm/lifetime.js';
import type { XfrmNamespace } from '../xfrm/namespace.js';
import type { XfrmDir, XfrmMark, XfrmMode, XfrmPolicy, XfrmPolicyAction, XfrmPolicyType, XfrmTmplInit } from '../xfrm/policy.js';
import { addrMatch, makeSelector, type XfrmSelector } from '../xfrm/selector.js';
import type { XfrmDefaultAction } from '../xfrm/spd.js';
import type { XfrmEncapTmpl, XfrmState, XfrmStateInit } from '../xfrm/state.js';
import { type CommandResult, notModelled, result } from './command.js';
import type { IpOptions } from './ip-options.js';
import {
  Args,
  die,
  duparg,
  EXIT_USAGE,
  emptyId,
  emptySelector,
  type Family,
  getAddr,
  getPrefix,
  getU8,
  getU16,
  getU32,
  IpExit,
  invarg,
  isIpsecProto,
  isRoProto,
  type LimitField,
  matches,
  missarg,
  type ParseState,
  parseId,
  parseLimit,
  parseMark,
  parseMode,
  parseSelector,
  type SelectorWords,
  xfrmProtoByName,
  xfrmProtoName,
} from './ip-xfrm-parse.js';
import { formatPolicy, formatState, type XfrmPrintOptions } from './ip-xfrm-print.js';

/** Interface names and indexes of the namespace, for the selector word `dev`. */
export interface IpXfrmLinks {
  indexOf(name: string): number | undefined;
  nameOf(ifindex: number): string | undefined;
}

export interface IpXfrmContext {
  readonly xfrm: XfrmNamespace;
  readonly nowUs: number;
  readonly opts: IpOptions;
  /** Absent: `dev` in a selector is refused as not modelled. */
  readonly links?: IpXfrmLinks;
}

/** Runs `ip [opts] xfrm ARGV...`: argv is what follows `xfrm`. */
export function ipXfrm(argv: readonly string[], ctx: IpXfrmContext): CommandResult {
  try {
    return doXfrm(argv, ctx);
  } catch (e) {
    if (e instanceof IpExit) return result('', e.stderr, e.exitCode);
    if (e instanceof ConfigError) return kernelRefusal(e);
    throw e;
  }
}

/** rtnl_talk_error: the kernel's extack when it gave one, else strerror; `ip` then exits 2. */
function kernelRefusal(e: ConfigError): CommandResult {
  if (e.extack) return result('', `Error: ${e.extack}${e.extack.endsWith('.') ? '' : '.'}\n`, 2);
  return result('', `RTNETLINK answers: ${ERRNO_TEXT[e.errno]}\n`, 2);
}

/** A refusal of something xfrmsim does not model, raised from inside the parser. */
function notModelledExit(what: string): never {
  const r = notModelled(what);
  throw new IpExit(r.stderr, r.exitCode);
}

function doXfrm(argv: readonly string[], ctx: IpXfrmContext): CommandResult {
  const w = argv[0];
  const usage = () => die('Usage: ip xfrm XFRM-OBJECT { COMMAND | help }\nwhere  XFRM-OBJECT := state | policy | monitor\n', EXIT_USAGE);
  if (w === undefined) return usage();
  if (matches(w, 'state') || matches(w, 'sa')) return doState(argv, ctx);
  if (matches(w, 'policy')) return doPolicy(argv, ctx);
  // `ip xfrm monitor` keeps running: ip.ts hands it to ipXfrmMonitor, which needs the job table.
  if (matches(w, 'monitor')) return notModelled('ip xfrm monitor outside the ip command');
  return usage();
}

function printOptions(ctx: IpXfrmContext, st: ParseState, nokeys = false): XfrmPrintOptions {
  const links = ctx.links;
  return {
    stats: ctx.opts.stats,
    oneline: ctx.opts.oneline,
    nokeys,
    preferredFamily: st.preferredFamily,
    ...(links ? { ifName: (i: number) => links.nameOf(i) } : {}),
  };
}

function devIndex(ctx: IpXfrmContext): (name: string) => number | undefined {
  return (name) => {
    if (!ctx.links) return notModelledExit('ip xfrm selector dev');
    return ctx.links.indexOf(name);
  };
}

// ---------------------------------------------------------------------------------------------
// ip xfrm state

function doState(argv: readonly string[], ctx: IpXfrmContext): CommandResult {
  const st: ParseState = { preferredFamily: ctx.opts.family };
  const cmd = argv[1];
  const rest = new Args(argv, 2);
  if (cmd === undefined) return stateListOrDeleteAll(new Args(argv, 2), st, ctx, false);
  if (matches(cmd, 'add')) return stateModify(rest, st, ctx, false);
  if (matches(cmd, 'update')) return stateModify(rest, st, ctx, true);
  if (matches(cmd, 'allocspi')) return stateAllocSpi(rest, st, ctx);
  if (matches(cmd, 'delete')) return stateGetOrDelete(rest, st, ctx, true);
  if (matches(cmd, 'deleteall') || matches(cmd, 'delall')) return stateListOrDeleteAll(rest, st, ctx, true);
  if (matches(cmd, 'list') || matches(cmd, 'show') || matches(cmd, 'lst')) return stateListOrDeleteAll(rest, st, ctx, false);
  if (matches(cmd, 'get')) return stateGetOrDelete(rest, st, ctx, false);
  if (matches(cmd, 'flush')) return stateFlush(rest, ctx);
  if (matches(cmd, 'count')) {
    const info = ctx.xfrm.sad.hashInfo();
    const buckets = ctx.opts.stats ? ` (buckets count ${info.buckets} Max ${info.maxBuckets})` : '';
    return result(`\t SAD count ${info.count}${buckets}\n`);
  }
  if (matches(cmd, 'help')) return notModelled('ip xfrm state help');
  return die(`Command "${cmd}" is unknown, try "ip xfrm state help".\n`, EXIT_USAGE);
}

const ALGO_TYPES = ['enc', 'auth', 'comp', 'aead', 'auth-trunc'] as const;
type AlgoType = (typeof ALGO_TYPES)[number];

const STATE_FLAG_BITS: Readonly<Record<string, number>> = {
  noecn: 1,
  'decap-dscp': 2,
  nopmtudisc: 4,
  wildrecv: 8,
  icmp: 16,
  'af-unspec': 32,
  align4: 64,
  esn: 128,
};
const EXTRA_FLAG_BITS: Readonly<Record<string, number>> = { 'dont-encap-dscp': 1, 'oseq-may-wrap': 2 };
const POLICY_FLAG_BITS: Readonly<Record<string, number>> = { localok: 1, icmp: 2 };

/** xfrm_state_flag_parse / xfrm_policy_flag_parse / the extra-flag one: `0xNN`, or a run of names. */
function parseFlagList(a: Args, names: Readonly<Record<string, number>>, hexBits: 8 | 32, invalid: string): number {
  const w = a.cur();
  if (w.length > 2 && w.startsWith('0x')) {
    const v = hexBits === 8 ? getU8(w, 16) : getU32Hex(w);
    if (v === undefined) invarg(invalid, w);
    return v;
  }
  let flags = 0;
  for (;;) {
    const bit = Object.hasOwn(names, a.cur()) ? names[a.cur()] : undefined;
    if (bit === undefined) {
      a.prev();
      break;
    }
    flags |= bit;
    if (!a.nextOk()) break;
    a.next();
  }
  return flags;
}

function getU32Hex(w: string): number | undefined {
  // get_u32(.., 16): strtoul base 16 also takes the 0x prefix.
  const m = /^[ \t\n\v\f\r]*\+?(0[xX])?([0-9a-fA-F]+)$/.exec(w);
  if (!m) return undefined;
  const v = Number.parseInt(m[2]!, 16);
  return v <= 0xffffffff ? v : undefined;
}

const bswap32 = (v: number) => (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;

/** XFRMA_REPLAY_ESN_MAX: the largest replay window iproute2 sends. */
const XFRMA_REPLAY_ESN_MAX = 4096;

function selectorInit(sel: SelectorWords): Omit<XfrmSelector, 'family'> {
  return {
    src: sel.src,
    dst: sel.dst,
    prefixlenS: sel.prefixlenS,
    prefixlenD: sel.prefixlenD,
    proto: sel.proto,
    sport: sel.sport,
    sportMask: sel.sportMask,
    dport: sel.dport,
    dportMask: sel.dportMask,
    ifindex: sel.ifindex,
  };
}

/** xfrm_state_modify: `ip xfrm state add|update`. */
function stateModify(a: Args, st: ParseState, ctx: IpXfrmContext, update: boolean): CommandResult {
  const id = emptyId(st.preferredFamily);
  let idp = false;
  let mode: XfrmMode = 'transport';
  let mark: XfrmMark = { v: 0, m: 0 };
  let reqid = 0;
  let seq = 0;
  let replayWindow = 0;
  const replay = { seq: 0, seqHi: 0, oseq: 0, oseqHi: 0 };
  let flags = 0;
  let extraFlags = 0;
  const sel = emptySelector(undefined);
  const lifetime: Record<LimitField, bigint> = { ...XFRM_LIFETIME_DEFAULT };
  let encap: XfrmEncapTmpl | undefined;
  let coa: Uint8Array | undefined;
  const outputMark = { v: 0, m: 0 };
  let ifId: number | undefined;
  let tfcpad = 0;
  const algos: Partial<Record<AlgoType, { name: string; key: Uint8Array; bits: number }>> = {};

  while (a.argc > 0) {
    const w = a.cur();
    if (w === 'mode') {
      a.next();
      mode = parseMode(a.cur());
    } else if (w === 'mark') {
      mark = parseMark(a);
    } else if (w === 'reqid') {
      reqid = nextU32(a, 'REQID value is invalid');
    } else if (w === 'seq') {
      // get_be32: the kernel stores km.seq as sent, in network order.
      seq = bswap32(nextU32(a, 'SEQ value is invalid'));
    } else if (w === 'replay-window' || w === 'replay-seq' || w === 'replay-seq-hi' || w === 'replay-oseq' || w === 'replay-oseq-hi') {
      const v = nextU32(a, `value after "${w}" is invalid`);
      if (w === 'replay-window') replayWindow = v;
      else if (w === 'replay-seq') replay.seq = v;
      else if (w === 'replay-seq-hi') replay.seqHi = v;
      else if (w === 'replay-oseq') replay.oseq = v;
      else replay.oseqHi = v;
    } else if (w === 'flag') {
      a.next();
      flags |= parseFlagList(a, STATE_FLAG_BITS, 8, 'FLAG value is invalid');
    } else if (w === 'extra-flag') {
      a.next();
      extraFlags |= parseFlagList(a, EXTRA_FLAG_BITS, 32, '"EXTRA-FLAG" is invalid');
    } else if (w === 'sel') {
      a.next();
      st.preferredFamily = undefined;
      parseSelector(a, st, sel, devIndex(ctx));
      st.preferredFamily = sel.family;
    } else if (w === 'limit') {
      a.next();
      const l = parseLimit(a);
      lifetime[l.field] = l.value;
    } else if (w === 'encap') {
      a.next();
      const types: Record<string, number> = { 'espinudp-nonike': 1, espinudp: 2, espintcp: 7 };
      const type = Object.hasOwn(types, a.cur()) ? types[a.cur()] : undefined;
      if (type === undefined) invarg('ENCAP-TYPE value is invalid', a.cur());
      a.next();
      const sport = getU16(a.cur());
      if (sport === undefined) invarg('SPORT value after "encap" is invalid', a.cur());
      a.next();
      const dport = getU16(a.cur());
      if (dport === undefined) invarg('DPORT value after "encap" is invalid', a.cur());
      a.next();
      encap = { type, sport, dport, oa: getAddr(a.cur(), undefined).addr };
    } else if (w === 'coa') {
      if (coa) duparg('coa', w);
      a.next();
      const p = getPrefix(a.cur(), st.preferredFamily);
      if (p.family === undefined) invarg('value after "coa" has an unrecognized address family', a.cur());
      coa = p.addr;
    } else if (w === 'ctx') {
      notModelledExit('ip xfrm state ctx');
    } else if (w === 'offload') {
      notModelledExit('ip xfrm state offload');
    } else if (w === 'output-mark') {
      a.next();
      const v = getU32(a.cur());
      if (v === undefined) invarg('value after "output-mark" is invalid', a.cur());
      outputMark.v = v;
      if (a.argc > 1) {
        a.next();
        if (a.cur() === 'mask') {
          a.next();
          const m = getU32(a.cur());
          if (m === undefined) invarg('mask value is invalid\n', a.cur());
          outputMark.m = m;
        } else {
          a.prev();
        }
      }
    } else if (w === 'if_id') {
      a.next();
      const v = getU32(a.cur());
      if (v === undefined) invarg('value after "if_id" is invalid', a.cur());
      ifId = v;
    } else if (w === 'tfcpad') {
      a.next();
      const v = getU32(a.cur());
      if (v === undefined) invarg('value after "tfcpad" is invalid', a.cur());
      tfcpad = v;
    } else if ((ALGO_TYPES as readonly string[]).includes(w)) {
      const type = w as AlgoType;
      const has = (t: AlgoType) => algos[t] !== undefined;
      const aalg = has('auth') || has('auth-trunc');
      if (
        (type === 'aead' && (has('enc') || aalg || has('aead'))) ||
        (type === 'enc' && (has('enc') || has('aead'))) ||
        ((type === 'auth' || type === 'auth-trunc') && (aalg || has('aead'))) ||
        (type === 'comp' && has('comp'))
      )
        duparg('ALGO-TYPE', w);
      if (!a.nextOk()) missarg('ALGO-NAME');
      a.next();
      const name = a.cur();
      let keyText = '';
      if (type !== 'comp') {
        if (!a.nextOk()) missarg('ALGO-KEYMAT');
        a.next();
        keyText = a.cur();
      }
      let bits = 0;
      if (type === 'aead' || type === 'auth-trunc') {
        const what = type === 'aead' ? 'ALGO-ICV-LEN' : 'ALGO-TRUNC-LEN';
        if (!a.nextOk()) missarg(what);
        a.next();
        const v = getU32(a.cur());
        if (v === undefined) invarg(`${what} value is invalid`, a.cur());
        bits = v;
      }
      const key = parseKeyString(keyText);
      if (!key.ok) die(key.stderr, EXIT_USAGE);
      algos[type] = { name, key: key.key, bits };
    } else {
      if (idp) invarg('unknown', w);
      idp = true;
      parseId(a, st, id, false);
      if (st.preferredFamily === undefined) st.preferredFamily = id.family;
    }
    a.step();
  }

  if (flags & 128 && replayWindow === 0) die('Error: esn flag set without replay-window.\n', EXIT_USAGE);
  if (replayWindow > XFRMA_REPLAY_ESN_MAX)
    die(`Error: replay-window (${replayWindow}) > XFRMA_REPLAY_ESN_MAX (${XFRMA_REPLAY_ESN_MAX}).\n`, EXIT_USAGE);
  if (!idp) die('Not enough information: ID is required\n', 1);

  const proto = id.proto;
  const pname = xfrmProtoName(proto);
  const has = (t: AlgoType) => algos[t] !== undefined;
  if (isIpsecProto(proto)) {
    const modeOk = mode === 'transport' || mode === 'tunnel' || (mode === 'beet' && proto === 'esp');
    if (!modeOk) die(`MODE value is invalid with XFRM-PROTO value "${pname}"\n`, 1);
    if (proto === 'esp') {
      if (has('comp')) die(`ALGO-TYPE value "comp" is invalid with XFRM-PROTO value "${pname}"\n`, 1);
      if (!has('enc') && !has('aead')) die(`ALGO-TYPE value "enc" or "aead" is required with XFRM-PROTO value "${pname}"\n`, 1);
    } else if (proto === 'ah') {
      if (has('enc') || has('aead') || has('comp'))
        die(`ALGO-TYPE values "enc", "aead", and "comp" are invalid with XFRM-PROTO value "${pname}"\n`, 1);
      if (!has('auth') && !has('auth-trunc'))
        die(`ALGO-TYPE value "auth" or "auth-trunc" is required with XFRM-PROTO value "${pname}"\n`, 1);
    } else {
      if (has('enc') || has('auth') || has('auth-trunc') || has('aead'))
        die(`ALGO-TYPE values "enc", "auth", "auth-trunc", and "aead" are invalid with XFRM-PROTO value "${pname}"\n`, 1);
      if (!has('comp')) die(`ALGO-TYPE value "comp" is required with XFRM-PROTO value "${pname}"\n`, 1);
    }
  } else if (ALGO_TYPES.some(has)) {
    die(`ALGO is invalid with XFRM-PROTO value "${pname}"\n`, 1);
  }
  if (isRoProto(proto)) {
    if (mode === 'transport') die(`"mode" is required with XFRM-PROTO value "${pname}"\n`, 1);
    if (mode !== 'ro' && mode !== 'in_trigger') die(`MODE value is invalid with XFRM-PROTO value "${pname}"\n`, 1);
    if (!coa) die(`"coa" is required with XFRM-PROTO value "${pname}"\n`, 1);
  } else if (coa) {
    die(`"coa" is invalid with XFRM-PROTO value "${pname}"\n`, 1);
  }

  // What iproute2 sends: a window above 32 or `flag esn` travels as XFRMA_REPLAY_ESN_VAL.
  const esn = flags & 128 || replayWindow > 32;
  const enc = algos.enc;
  const auth = algos.auth;
  const authTrunc = algos['auth-trunc'];
  const aead = algos.aead;
  const comp = algos.comp;
  const init: XfrmStateInit = {
    family: id.family ?? 'inet',
    daddr: id.daddr,
    spi: id.spi,
    proto,
    saddr: id.saddr,
    selector: { family: sel.family ?? 'unspec', ...selectorInit(sel) },
    mode,
    reqid,
    replayWindow: esn ? 0 : replayWindow,
    flags,
    extraFlags,
    lifetime: lifetime as XfrmLifetimeConfig,
    seq,
    ...(enc ? { enc: { name: enc.name, key: enc.key } } : {}),
    ...(auth ? { auth: { name: auth.name, key: auth.key } } : {}),
    ...(authTrunc ? { authTrunc: { name: authTrunc.name, key: authTrunc.key, truncBits: authTrunc.bits } } : {}),
    ...(aead ? { aead: { name: aead.name, key: aead.key, icvBits: aead.bits } } : {}),
    ...(comp ? { comp: { name: comp.name } } : {}),
    ...(encap ? { encap } : {}),
    ...(coa ? { coaddr: coa } : {}),
    ...(tfcpad ? { tfcpad } : {}),
    ...(mark.m ? { mark } : {}),
    ...(outputMark.v ? { setMark: { v: outputMark.v, m: outputMark.m || 0xffffffff } } : {}),
    ...(ifId !== undefined ? { ifId } : {}),
    ...(esn
      ? {
          replayEsn: {
            bmpLen: Math.ceil(replayWindow / 32),
            replayWindow,
            seq: replay.seq,
            seqHi: replay.seqHi,
            oseq: replay.oseq,
            oseqHi: replay.oseqHi,
          },
        }
      : replay.seq || replay.oseq
        ? { replay: { seq: replay.seq, oseq: replay.oseq } }
        : {}),
  };
  const change = update ? ctx.xfrm.sad.update(init, ctx.nowUs) : ctx.xfrm.sad.add(init, ctx.nowUs);
  ctx.xfrm.notify(change.events);
  return result('');
}

/** xfrm_state_allocspi. */
function stateAllocSpi(a: Args, st: ParseState, ctx: IpXfrmContext): CommandResult {
  const id = emptyId(st.preferredFamily);
  let idp = false;
  let mode: XfrmMode = 'transport';
  let mark: XfrmMark = { v: 0, m: 0 };
  let reqid = 0;
  let seq = 0;
  let min: number | undefined;
  let max: number | undefined;
  while (a.argc > 0) {
    const w = a.cur();
    if (w === 'mode') {
      a.next();
      mode = parseMode(a.cur());
    } else if (w === 'mark') {
      mark = parseMark(a);
    } else if (w === 'reqid') {
      reqid = nextU32(a, 'REQID value is invalid');
    } else if (w === 'seq') {
      seq = bswap32(nextU32(a, 'SEQ value is invalid'));
    } else if (w === 'min' || w === 'max') {
      if ((w === 'min' ? min : max) !== undefined) duparg(w, w);
      const v = nextU32(a, `value after "${w}" is invalid`);
      if (w === 'min') min = v;
      else max = v;
    } else {
      if (idp) invarg('unknown', w);
      idp = true;
      parseId(a, st, id, false);
      if (id.spi) die('"spi" is invalid\n', 1);
      if (st.preferredFamily === undefined) st.preferredFamily = id.family;
    }
    a.step();
  }
  if (!idp) die('Not enough information: ID is required\n', 1);
  if (min !== undefined) {
    if (max === undefined) die('"max" is missing\n', 1);
    if (min > max) die('value after "min" is larger than value after "max"\n', 1);
  } else {
    if (max !== undefined) die('"min" is missing\n', 1);
    // pfkey_getspi's range; IPComp SPIs are 16 bits.
    min = 0x100;
    max = id.proto === 'comp' ? 0xffff : 0x0fffffff;
  }
  const state = ctx.xfrm.sad.allocSpi(
    {
      family: id.family ?? 'inet',
      daddr: id.daddr,
      saddr: id.saddr,
      proto: id.proto,
      mode,
      reqid,
      ...(mark.m & mark.v ? { mark } : {}),
      ...(seq ? { seq } : {}),
      min,
      max,
    },
    { nowUs: ctx.nowUs, random: ctx.xfrm.random },
  );
  return result(formatState(state, printOptions(ctx, st)));
}

/** xfrm_state_get_or_delete. */
function stateGetOrDelete(a: Args, st: ParseState, ctx: IpXfrmContext, del: boolean): CommandResult {
  const id = emptyId(st.preferredFamily);
  let idp = false;
  let mark: XfrmMark = { v: 0, m: 0 };
  while (a.argc > 0) {
    const w = a.cur();
    if (w === 'mark') {
      mark = parseMark(a);
    } else {
      if (idp) invarg('unknown', w);
      idp = true;
      parseId(a, st, id, false);
    }
    a.step();
  }
  const sid = {
    family: id.family ?? 'inet',
    daddr: id.daddr,
    spi: id.spi,
    proto: id.proto,
    saddr: id.saddr,
    ...(mark.m & mark.v ? { mark } : {}),
  };
  if (del) {
    ctx.xfrm.notify(ctx.xfrm.sad.delete(sid).events);
    return result('');
  }
  return result(formatState(ctx.xfrm.sad.get(sid), printOptions(ctx, st)));
}

/** xfrm_state_list_or_deleteall: the filter words, then a dump or delete rounds. */
function stateListOrDeleteAll(a: Args, st: ParseState, ctx: IpXfrmContext, deleteAll: boolean): CommandResult {
  const use = a.argc > 0 || st.preferredFamily !== undefined;
  const id = emptyId(st.preferredFamily);
  let idp = false;
  let nokeys = false;
  let mode: XfrmMode | undefined;
  let reqid: number | undefined;
  let flags: number | undefined;
  while (a.argc > 0) {
    const w = a.cur();
    if (w === 'nokeys') {
      nokeys = true;
    } else if (w === 'mode') {
      a.next();
      mode = parseMode(a.cur());
    } else if (w === 'reqid') {
      reqid = nextU32(a, 'REQID value is invalid');
    } else if (w === 'flag') {
      a.next();
      flags = (flags ?? 0) | parseFlagList(a, STATE_FLAG_BITS, 8, 'FLAG value is invalid');
    } else {
      if (idp) invarg('unknown', w);
      idp = true;
      parseId(a, st, id, true);
      if (st.preferredFamily === undefined) st.preferredFamily = id.family;
    }
    a.step();
  }
  const match = (x: XfrmState): boolean => {
    if (!use) return true;
    if (id.family !== undefined && x.family !== id.family) return false;
    if (id.srcBits && !addrMatch(x.saddr, id.saddr, id.srcBits)) return false;
    if (id.dstBits && !addrMatch(x.daddr, id.daddr, id.dstBits)) return false;
    if (id.protoGiven && x.proto !== id.proto) return false;
    if (id.spiGiven && x.spi !== id.spi) return false;
    if (mode !== undefined && x.mode !== mode) return false;
    if (reqid !== undefined && x.reqid !== reqid) return false;
    if (flags !== undefined && (x.flags & flags) === 0) return false;
    return true;
  };
  if (!deleteAll) {
    const o = printOptions(ctx, st, nokeys);
    return result(
      ctx.xfrm.sad
        .list()
        .filter(match)
        .map((x) => formatState(x, o))
        .join(''),
    );
  }
  for (;;) {
    const round = ctx.xfrm.sad.deleteAll(match);
    ctx.xfrm.notify(round.events);
    const failed = round.failed[0];
    // rtnl_send_check reports the first refusal of the batch with perror().
    if (failed) return result('', `Failed to send delete-all request\n: ${ERRNO_TEXT[failed.errno]}\n`, 1);
    if (round.deleted.length === 0) return result('');
  }
}

/** xfrm_state_flush. */
function stateFlush(a: Args, ctx: IpXfrmContext): CommandResult {
  let proto: ReturnType<typeof xfrmProtoByName> | undefined;
  let protop = false;
  while (a.argc > 0) {
    const w = a.cur();
    if (w !== 'proto') invarg('unknown', w);
    if (protop) duparg('proto', w);
    protop = true;
    a.next();
    proto = xfrmProtoByName(a.cur());
    if (proto === undefined) invarg('XFRM-PROTO value is invalid', a.cur());
    a.step();
  }
  ctx.xfrm.notify(ctx.xfrm.sad.flush(proto ?? 0).events);
  return result('');
}

// ---------------------------------------------------------------------------------------------
// ip xfrm policy

function doPolicy(argv: readonly string[], ctx: IpXfrmContext): CommandResult {
  const st: ParseState = { preferredFamily: ctx.opts.family };
  const cmd = argv[1];
  const rest = new Args(argv, 2);
  if (cmd === undefined) return policyListOrDeleteAll(rest, st, ctx, false);
  if (matches(cmd, 'add')) return policyModify(rest, st, ctx, false);
  if (matches(cmd, 'update')) return policyModify(rest, st, ctx, true);
  if (matches(cmd, 'delete')) return policyGetOrDelete(rest, st, ctx, true);
  if (matches(cmd, 'deleteall') || matches(cmd, 'delall')) return policyListOrDeleteAll(rest, st, ctx, true);
  if (matches(cmd, 'list') || matches(cmd, 'show') || matches(cmd, 'lst')) return policyListOrDeleteAll(rest, st, ctx, false);
  if (matches(cmd, 'get')) return policyGetOrDelete(rest, st, ctx, false);
  if (matches(cmd, 'flush')) return policyFlush(rest, ctx);
  if (matches(cmd, 'count')) return policyCount(ctx);
  if (matches(cmd, 'set')) return policySetInfo(rest, ctx);
  if (matches(cmd, 'setdefault')) return policySetDefault(rest, ctx);
  if (matches(cmd, 'getdefault')) {
    const d = ctx.xfrm.spd.getDefault();
    return result(`Default policies:\n in:  ${d.in}\n fwd: ${d.fwd}\n out: ${d.out}\n`);
  }
  if (matches(cmd, 'help')) return notModelled('ip xfrm policy help');
  return die(`Command "${cmd}" is unknown, try "ip xfrm policy help".\n`, EXIT_USAGE);
}

function parseDir(word: string): XfrmDir {
  if (word === 'in' || word === 'out' || word === 'fwd') return word;
  return invarg('DIR value is invalid', word);
}

function parsePtype(word: string): XfrmPolicyType {
  if (word === 'main' || word === 'sub') return word;
  return invarg('PTYPE value is invalid', word);
}

function parseAction(word: string): XfrmPolicyAction {
  if (word === 'allow' || word === 'block') return word;
  return invarg('ACTION value is invalid\n', word);
}

/** xfrm_user_tmpl slots in iproute2's 1024-byte template buffer. */
const TMPL_BUF_SLOTS = 16;

/** xfrm_tmpl_parse: ID words as one group, mode, reqid, level. */
function parseTmpl(a: Args, st: ParseState, family: Family): XfrmTmplInit {
  const start = a.argc;
  const id = emptyId(family);
  let idp = false;
  let mode: XfrmMode = 'transport';
  let reqid = 0;
  let level: 'required' | 'use' = 'required';
  for (;;) {
    const w = a.cur();
    if (w === 'mode') {
      a.next();
      mode = parseMode(a.cur());
    } else if (w === 'reqid') {
      reqid = nextU32(a, 'REQID value is invalid');
    } else if (w === 'level') {
      a.next();
      if (a.cur() === 'required') level = 'required';
      else if (a.cur() === 'use') level = 'use';
      else invarg('LEVEL value is invalid\n', a.cur());
    } else {
      if (idp) {
        a.prev();
        break;
      }
      idp = true;
      st.preferredFamily = undefined;
      parseId(a, st, id, false);
      st.preferredFamily = id.family;
    }
    if (!a.nextOk()) break;
    a.next();
  }
  if (a.argc === start) missarg('TMPL');
  return {
    ...(id.family ? { family: id.family } : {}),
    src: id.saddr,
    dst: id.daddr,
    proto: id.proto,
    spi: id.spi,
    reqid,
    mode,
    level,
  };
}

/** xfrm_policy_modify: `ip xfrm policy add|update`. */
function policyModify(a: Args, st: ParseState, ctx: IpXfrmContext, update: boolean): CommandResult {
  let dir: XfrmDir | undefined;
  let selp = false;
  let ptype: XfrmPolicyType | undefined;
  let mark: XfrmMark = { v: 0, m: 0 };
  let index = 0;
  let action: XfrmPolicyAction = 'allow';
  let priority = 0;
  let flags = 0;
  let ifId: number | undefined;
  let limitGiven = false;
  const sel = emptySelector(st.preferredFamily);
  const tmpls: XfrmTmplInit[] = [];
  while (a.argc > 0) {
    const w = a.cur();
    if (w === 'dir') {
      if (dir) duparg('dir', w);
      a.next();
      dir = parseDir(a.cur());
    } else if (w === 'ctx') {
      notModelledExit('ip xfrm policy ctx');
    } else if (w === 'mark') {
      mark = parseMark(a);
    } else if (w === 'index') {
      index = nextU32(a, 'INDEX value is invalid');
    } else if (w === 'ptype') {
      if (ptype) duparg('ptype', w);
      a.next();
      ptype = parsePtype(a.cur());
    } else if (w === 'action') {
      a.next();
      action = parseAction(a.cur());
    } else if (w === 'priority') {
      priority = nextU32(a, 'PRIORITY value is invalid');
    } else if (w === 'flag') {
      a.next();
      flags |= parseFlagList(a, POLICY_FLAG_BITS, 8, 'FLAG value is invalid');
    } else if (w === 'limit') {
      a.next();
      parseLimit(a);
      limitGiven = true;
    } else if (w === 'tmpl') {
      if (tmpls.length >= TMPL_BUF_SLOTS) die('Too many tmpls: buffer overflow\n', 1);
      const family = st.preferredFamily;
      a.next();
      tmpls.push(parseTmpl(a, st, family));
    } else if (w === 'if_id') {
      ifId = nextU32(a, 'IF_ID value is invalid');
    } else {
      if (selp) duparg('unknown', w);
      selp = true;
      parseSelector(a, st, sel, devIndex(ctx));
      if (st.preferredFamily === undefined) st.preferredFamily = sel.family;
    }
    a.step();
  }
  if (!dir) die('Not enough information: DIR is required.\n', 1);
  if (limitGiven) notModelledExit('ip xfrm policy limit');
  const init = {
    selector: makeSelector({ family: sel.family ?? 'inet', ...selectorInit(sel) }),
    dir,
    priority,
    action,
    index,
    flags,
    tmpls,
    ...(ptype ? { ptype } : {}),
    ...(mark.m ? { mark } : {}),
    ...(ifId !== undefined ? { ifId } : {}),
  };
  // xfrm_add_policy reports the message type it got: an update that adds is still "Updated".
  if (update) ctx.xfrm.notify([{ type: 'updpolicy', policy: ctx.xfrm.spd.update(init) }]);
  else ctx.xfrm.notify([{ type: 'newpolicy', policy: ctx.xfrm.spd.add(init) }]);
  return result('');
}

/** xfrm_policy_get_or_delete. */
function policyGetOrDelete(a: Args, st: ParseState, ctx: IpXfrmContext, del: boolean): CommandResult {
  let dir: XfrmDir | undefined;
  let selp = false;
  let index: number | undefined;
  let ptype: XfrmPolicyType | undefined;
  let mark: XfrmMark = { v: 0, m: 0 };
  let ifId: number | undefined;
  const sel = emptySelector(undefined);
  while (a.argc > 0) {
    const w = a.cur();
    if (w === 'dir') {
      if (dir) duparg('dir', w);
      a.next();
      dir = parseDir(a.cur());
    } else if (w === 'ctx') {
      notModelledExit('ip xfrm policy ctx');
    } else if (w === 'mark') {
      mark = parseMark(a);
    } else if (w === 'index') {
      if (index !== undefined) duparg('index', w);
      index = nextU32(a, 'INDEX value is invalid');
    } else if (w === 'ptype') {
      if (ptype) duparg('ptype', w);
      a.next();
      ptype = parsePtype(a.cur());
    } else if (w === 'if_id') {
      ifId = nextU32(a, 'IF_ID value is invalid');
    } else {
      if (selp) invarg('unknown', w);
      selp = true;
      parseSelector(a, st, sel, devIndex(ctx));
      if (st.preferredFamily === undefined) st.preferredFamily = sel.family;
    }
    a.step();
  }
  if (!dir) die('Not enough information: DIR is required.\n', 1);
  if (!selp && index === undefined) die('Not enough information: either SELECTOR or INDEX is required.\n', 1);
  if (selp && index !== undefined) die('Error: either "SELECTOR" is duplicate, or "INDEX" is a garbage.\n', EXIT_USAGE);
  const common = {
    dir,
    ...(ptype ? { ptype } : {}),
    ...(mark.m & mark.v ? { mark } : {}),
    ...(ifId !== undefined ? { ifId } : {}),
  };
  // xfrm_get_policy: a non-zero index names the policy, else the (zeroed or given) selector does.
  const pid = index
    ? { by: 'index' as const, index, ...common }
    : { by: 'selector' as const, selector: makeSelector({ family: sel.family ?? 'inet', ...selectorInit(sel) }), ...common };
  if (del) {
    ctx.xfrm.notify([{ type: 'delpolicy', policy: ctx.xfrm.spd.delete(pid) }]);
    return result('');
  }
  const p = ctx.xfrm.spd.get(pid);
  if (ctx.opts.stats > 0) return notModelled('ip -s xfrm policy');
  return result(formatPolicy(p, printOptions(ctx, st)));
}

/** xfrm_policy_list_or_deleteall. */
function policyListOrDeleteAll(a: Args, st: ParseState, ctx: IpXfrmContext, deleteAll: boolean): CommandResult {
  const use = a.argc > 0 || st.preferredFamily !== undefined;
  const sel = emptySelector(st.preferredFamily);
  let selp = false;
  let dir: XfrmDir | undefined;
  let index: number | undefined;
  let ptype: XfrmPolicyType | undefined;
  let action: XfrmPolicyAction | undefined;
  let priority: number | undefined;
  let flags: number | undefined;
  while (a.argc > 0) {
    const w = a.cur();
    if (w === 'dir') {
      a.next();
      dir = parseDir(a.cur());
    } else if (w === 'index') {
      index = nextU32(a, 'INDEX value is invalid');
    } else if (w === 'ptype') {
      a.next();
      ptype = parsePtype(a.cur());
    } else if (w === 'action') {
      a.next();
      action = parseAction(a.cur());
    } else if (w === 'priority') {
      priority = nextU32(a, 'PRIORITY value is invalid');
    } else if (w === 'flag') {
      a.next();
      flags = (flags ?? 0) | parseFlagList(a, POLICY_FLAG_BITS, 8, 'FLAG value is invalid');
    } else if (w === 'nosock') {
      // The model's SPD holds no socket policies.
    } else {
      if (selp) invarg('unknown', w);
      selp = true;
      parseSelector(a, st, sel, devIndex(ctx));
      if (st.preferredFamily === undefined) st.preferredFamily = sel.family;
    }
    a.step();
  }
  const match = (p: XfrmPolicy): boolean => {
    if (!use) return true;
    const s = p.selector;
    if (sel.family !== undefined && s.family !== sel.family) return false;
    if (dir !== undefined && p.dir !== dir) return false;
    if (ptype !== undefined && p.ptype !== ptype) return false;
    if (sel.prefixlenS && !addrMatch(s.src, sel.src, sel.prefixlenS)) return false;
    if (sel.prefixlenD && !addrMatch(s.dst, sel.dst, sel.prefixlenD)) return false;
    if (sel.devGiven && s.ifindex !== sel.ifindex) return false;
    if (sel.protoGiven && s.proto !== sel.proto) return false;
    if (sel.sportGiven && s.sport !== sel.sport) return false;
    if (sel.dportGiven && s.dport !== sel.dport) return false;
    if (index !== undefined && p.index !== index) return false;
    if (action !== undefined && p.action !== action) return false;
    if (priority !== undefined && p.priority !== priority) return false;
    if (flags !== undefined && (p.flags & flags) === 0) return false;
    return true;
  };
  if (!deleteAll) {
    const policies = ctx.xfrm.spd.list().filter(match);
    if (ctx.opts.stats > 0) return notModelled('ip -s xfrm policy');
    const o = printOptions(ctx, st);
    return result(policies.map((p) => formatPolicy(p, o)).join(''));
  }
  for (;;) {
    const doomed = ctx.xfrm.spd.list().filter(match);
    if (doomed.length === 0) return result('');
    let firstError: ConfigError | undefined;
    for (const p of doomed) {
      // xfrm_policy_keep sends index, dir, mark and if_id but no type: the kernel assumes main.
      try {
        const gone = ctx.xfrm.spd.delete({ by: 'index', dir: p.dir, index: p.index, mark: p.mark, ifId: p.ifId });
        ctx.xfrm.notify([{ type: 'delpolicy', policy: gone }]);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        firstError ??= e;
      }
    }
    if (firstError) return result('', `Failed to send delete-all request: ${ERRNO_TEXT[firstError.errno]}\n`, 1);
  }
}

function policyFlush(a: Args, ctx: IpXfrmContext): CommandResult {
  let ptype: XfrmPolicyType | undefined;
  while (a.argc > 0) {
    const w = a.cur();
    if (w !== 'ptype') invarg('unknown', w);
    if (ptype) duparg('ptype', w);
    a.next();
    ptype = parsePtype(a.cur());
    a.step();
  }
  const type = ptype ?? 'main';
  // xfrm_policy_flush finds nothing of the type -> ESRCH, which xfrm_flush_policy answers with success and no event.
  const flushed = ctx.xfrm.spd.list().some((p) => p.ptype === type);
  ctx.xfrm.spd.flush(type);
  if (flushed) ctx.xfrm.notify([{ type: 'flushpolicy', ptype: type }]);
  return result('');
}

/** xfrm_spd_getinfo: with -s iproute2 adds socket-policy counts and hash sizes the model does not keep. */
function policyCount(ctx: IpXfrmContext): CommandResult {
  if (ctx.opts.stats > 0) return notModelled('ip -s xfrm policy count');
  const c = ctx.xfrm.spd.count();
  return result(`\t SPD IN  ${c.in} OUT ${c.out} FWD ${c.fwd}${ctx.opts.oneline ? '\\\n' : '\n'}`);
}

/** xfrm_spd_setinfo: `ip xfrm policy set hthresh4 L R hthresh6 L R`. */
function policySetInfo(a: Args, ctx: IpXfrmContext): CommandResult {
  const next: { hthresh4?: { lbits: number; rbits: number }; hthresh6?: { lbits: number; rbits: number } } = {};
  while (a.argc > 0) {
    const w = a.cur();
    if (w !== 'hthresh4' && w !== 'hthresh6') invarg('unknown', w);
    if (next[w]) duparg(w, w);
    const max = w === 'hthresh4' ? 32 : 128;
    a.next();
    const lbits = getU8(a.cur());
    if (lbits === undefined || lbits > max) invarg(`${w} LBITS value is invalid`, a.cur());
    a.next();
    const rbits = getU8(a.cur());
    if (rbits === undefined || rbits > max) invarg(`${w} RBITS value is invalid`, a.cur());
    next[w] = { lbits, rbits };
    a.step();
  }
  ctx.xfrm.spd.setHthresh(next);
  return result('');
}

/** xfrm_spd_setdefault. */
function policySetDefault(a: Args, ctx: IpXfrmContext): CommandResult {
  const next: Partial<Record<XfrmDir, XfrmDefaultAction>> = {};
  while (a.argc > 0) {
    const w = a.cur();
    if (w !== 'in' && w !== 'fwd' && w !== 'out') invarg('unknown direction', w);
    if (next[w]) duparg(w, w);
    a.next();
    const v = a.cur();
    if (v !== 'block' && v !== 'accept') invarg(`${w} policy value is invalid`, v);
    next[w] = v;
    a.step();
  }
  ctx.xfrm.spd.setDefault(next);
  return result('');
}

/** NEXT_ARG and get_u32 with iproute2's invarg when the value is not a 32-bit number. */
function nextU32(a: Args, message: string): number {
  a.next();
  const v = getU32(a.cur());
  if (v === undefined) invarg(message, a.cur());
  return v;
}
