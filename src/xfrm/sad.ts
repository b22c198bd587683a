/** The state database of one network namespace: identity, add/update/delete/flush, list order, larval SAs and ACQUIRE, allocspi, template -> SA resolution, inbound lookup, per-packet state checks, lifetimes and timers (kernel: xfrm_state.c xfrm_state_add, xfrm_state_update, __xfrm_state_insert, __xfrm_state_delete, xfrm_state_flush, xfrm_state_find, xfrm_state_look_at, __xfrm_state_lookup, __find_acq_core, xfrm_alloc_spi, xfrm_state_check_expire, xfrm_timer_handler, xfrm_hash_resize; xfrm_hash.h; xfrm_user.c xfrm_add_sa, xfrm_del_sa, xfrm_alloc_userspi; xfrm_input.c xfrm_input; xfrm_output.c xfrm_output_one). */

import type { Random } from '../crypto/index.js';
import { ConfigError, type Errno } from '../errors.js';
import type { Ipv6Address } from '../wire/ipv6-address.js';
import { checkLimits, runLifetimeTimer, XFRM_LIFETIME_DEFAULT, XFRM_TIMER_MEMORY_INITIAL, type XfrmTimerMemory } from './lifetime.js';
import type { XfrmIdProto, XfrmMark, XfrmMode, XfrmPolicy, XfrmTmpl } from './policy.js';
import type { XfrmReplayStat } from './replay.js';
import { assertUint, selectorMatch, type XfrmFamily, type XfrmFlow } from './selector.js';
import {
  addrAny,
  addrEqual,
  blankState,
  countReplayStat,
  familySelector,
  type MutableXfrmState,
  markSelects,
  tempSelector,
  usesSpi,
  validateState,
  XFRM_SA_XFLAG_OSEQ_MAY_WRAP,
  XFRM_STATE_WILDRECV,
  type XfrmState,
  type XfrmStateInit,
  type XfrmStateProto,
} from './state.js';

/**
 * What `ip xfrm monitor` would print, as values (kernel: km_state_notify, km_state_expired, km_query):
 * `newsa`/`updsa`/`delsa` carry the SA as the request built it (for `updsa` that is the request,
 * which may differ from the SA kept: see update()); `flushsa` the protocol flushed; `expire` soft
 * or hard; `acquire` the larval SA, template and policy.
 */
export type XfrmStateEvent =
  | { readonly type: 'newsa'; readonly state: XfrmState }
  | { readonly type: 'updsa'; readonly state: XfrmState }
  | { readonly type: 'delsa'; readonly state: XfrmState }
  | { readonly type: 'flushsa'; readonly proto: XfrmIdProto }
  | { readonly type: 'expire'; readonly state: XfrmState; readonly hard: boolean }
  | { readonly type: 'acquire'; readonly state: XfrmState; readonly tmpl: XfrmTmpl; readonly policy: XfrmPolicy };

export interface XfrmStateChange {
  readonly state: XfrmState;
  readonly events: readonly XfrmStateEvent[];
}

/**
 * How `ip xfrm state get|delete` names an SA (struct xfrm_usersa_id + XFRMA_MARK + XFRMA_SRCADDR).
 * AH, ESP and IPComp are found by (daddr, spi, proto) and the mark; other protocols by
 * (daddr, saddr, proto). Without `mark` the request's mark is 0, which finds only SAs whose mark
 * value is 0.
 */
export interface XfrmStateId {
  readonly family?: XfrmFamily;
  readonly daddr: Ipv6Address;
  readonly spi: number;
  readonly proto: XfrmIdProto;
  readonly mark?: XfrmMark;
  readonly saddr?: Ipv6Address;
}

/** `ip xfrm state allocspi` (struct xfrm_userspi_info + XFRMA_MARK, XFRMA_IF_ID). */
export interface XfrmAllocSpiRequest {
  readonly family?: XfrmFamily;
  readonly daddr: Ipv6Address;
  readonly saddr?: Ipv6Address;
  readonly proto: XfrmIdProto;
  readonly mode?: XfrmMode;
  readonly reqid?: number;
  readonly mark?: XfrmMark;
  readonly ifId?: number;
  /** Names the ACQUIRE being answered: its larval SA gets the SPI. */
  readonly seq?: number;
  readonly min: number;
  readonly max: number;
}

/**
 * One template of an output policy to resolve (xfrm_tmpl_resolve_one -> xfrm_state_find): `remote`
 * and `local` are the flow's addresses for a transport template, the template's (with the route's
 * source for a :: src) for a tunnel one.
 */
export interface XfrmTemplateLookup {
  readonly tmpl: XfrmTmpl;
  readonly remote: Ipv6Address;
  readonly local: Ipv6Address;
  readonly flow: XfrmFlow;
  /** The policy's family: a state selector of another family never matches. */
  readonly family: XfrmFamily;
  /** The policy's mark, not the packet's. */
  readonly policyMark: XfrmMark;
  readonly ifId: number;
  /**
   * Set when a key manager listens for ACQUIRE (km_is_alive: `ip xfrm monitor`, an IKE daemon):
   * a miss then creates a larval SA and an `acquire` event naming this policy. Absent, a miss
   * creates nothing (VERIFIED e02 A vs B).
   */
  readonly acquire?: { readonly policy: XfrmPolicy; readonly nowUs: number };
}

/**
 * `found`: a VALID SA. `none`: -EAGAIN for the caller (XfrmOutNoStates unless the template is
 * optional); `larvalPending` when a larval SA exists or was just made (`larval`). `error`: the
 * template names an SPI held by an SA that does not fit (EEXIST, XfrmOutPolError).
 */
export type XfrmTemplateResolution =
  | { readonly kind: 'found'; readonly state: XfrmState }
  | {
      readonly kind: 'none';
      readonly larvalPending: boolean;
      readonly larval?: XfrmState;
      readonly events: readonly XfrmStateEvent[];
    }
  | { readonly kind: 'error'; readonly errno: 'EEXIST'; readonly conflict: XfrmState };

/** xfrm_input step 4: the outer destination, SPI and protocol of the packet, its mark. */
export interface XfrmInboundKey {
  readonly family?: XfrmFamily;
  readonly daddr: Ipv6Address;
  readonly spi: number;
  readonly proto: XfrmStateProto;
  readonly mark: number;
}

export type XfrmLifetimeCheck =
  | { readonly kind: 'ok'; readonly events: readonly XfrmStateEvent[] }
  | { readonly kind: 'soft-expired'; readonly events: readonly XfrmStateEvent[] }
  | {
      readonly kind: 'hard-expired';
      readonly counter: 'XfrmInStateExpired' | 'XfrmOutStateExpired';
      readonly events: readonly XfrmStateEvent[];
    };

/** A per-packet refusal: the one counter it raises, the SA statistic too when there is one. */
export interface XfrmStateDrop<C extends string> {
  readonly kind: 'drop';
  readonly counter: C;
  readonly stat?: XfrmReplayStat;
  readonly detail: string;
  readonly events: readonly XfrmStateEvent[];
}

export type XfrmInputCheck =
  | { readonly kind: 'ok'; readonly seqHi: number; readonly events: readonly XfrmStateEvent[] }
  | XfrmStateDrop<'XfrmAcquireError' | 'XfrmInStateInvalid' | 'XfrmInStateSeqError' | 'XfrmInStateExpired'>;

export type XfrmInputAccept = { readonly kind: 'ok' } | XfrmStateDrop<'XfrmInStateSeqError'>;

export type XfrmOutputPrepare =
  | { readonly kind: 'ok'; readonly seq: number; readonly seqHi: number; readonly events: readonly XfrmStateEvent[] }
  | XfrmStateDrop<'XfrmOutStateInvalid' | 'XfrmOutStateExpired' | 'XfrmOutStateSeqError'>;

export interface SadConfig {
  /** net.core.xfrm_acq_expires: seconds a larval SA lives (default 30); a function reads the namespace's sysctl when a larval SA is made. */
  readonly acqExpiresSeconds?: number | (() => number);
  /** Wall-clock time at virtual time 0, in microseconds: SA add/use times are its seconds. */
  readonly epochUs?: number;
}

/** One namespace's SAD. Refused requests throw ConfigError and leave the database untouched (allocspi aside, as in the kernel). */
export interface Sad {
  /** XFRM_MSG_NEWSA: EEXIST for an SA of the same (daddr, spi, proto) whose mark the new one's selects. */
  add(init: XfrmStateInit, nowUs: number): XfrmStateChange;
  /** XFRM_MSG_UPDSA: ESRCH when missing; a VALID SA keeps its keys, reqid and counters and takes the new lifetimes, output mark and if_id. */
  update(init: XfrmStateInit, nowUs: number): XfrmStateChange;
  /** ESRCH when missing (an SA with spi 0 is never found). */
  get(id: XfrmStateId): XfrmState;
  delete(id: XfrmStateId): XfrmStateChange;
  /** `ip xfrm state deleteall`: one delete per listed SA that `match` takes; the ones not found (spi 0) fail with ESRCH. */
  deleteAll(match: (state: XfrmState) => boolean): {
    readonly deleted: readonly XfrmState[];
    readonly failed: readonly { readonly state: XfrmState; readonly errno: Errno }[];
    readonly events: readonly XfrmStateEvent[];
  };
  /** XFRM_MSG_FLUSHSA: proto 0 = every SA, `ipsec-any` = AH, ESP and IPComp. */
  flush(proto?: XfrmIdProto): { readonly events: readonly XfrmStateEvent[] };
  /** Newest first, as `ip xfrm state list` prints (kernel: state_all walk). */
  list(proto?: XfrmIdProto): XfrmState[];
  /** `ip xfrm state count` (state_num: larval SAs included). */
  count(): number;
  /** XFRM_MSG_GETSADINFO: SAs, hash buckets, the bucket limit. */
  hashInfo(): { readonly count: number; readonly buckets: number; readonly maxBuckets: number };
  /** XFRM_MSG_ALLOCSPI: finds or makes a larval SA and gives it an unused SPI in [min, max]. */
  allocSpi(req: XfrmAllocSpiRequest, ctx: { readonly nowUs: number; readonly random: Random }): XfrmState;
  findStateForTemplate(req: XfrmTemplateLookup): XfrmTemplateResolution;
  lookupInbound(key: XfrmInboundKey): XfrmState | undefined;
  checkLifetime(state: XfrmState, nowUs: number, dir: 'in' | 'out'): XfrmLifetimeCheck;
  inputCheck(state: XfrmState, seq: number, nowUs: number): XfrmInputCheck;
  inputAccept(state: XfrmState, seq: number, seqHi: number, bytes: number, nowUs: number): XfrmInputAccept;
  inputIcvFailed(state: XfrmState): void;
  outputPrepare(state: XfrmState, bytes: number, nowUs: number): XfrmOutputPrepare;
  /** When the earliest SA timer fires; undefined when none is pending. */
  nextTimerUs(): number | undefined;
  /** Runs every SA timer due at or before nowUs, in time order: time limits, larval expiry. */
  runTimers(nowUs: number): XfrmStateEvent[];
}

/** What the database keeps about one SA besides the SA. Exported for the lookup implementations. */
export interface SadEntry {
  readonly state: MutableXfrmState;
  /** __xfrm_dst_hash before masking, of the addresses the entry is hashed under. */
  dstHash: number;
  /** Place in its bydst chain: larger = nearer the head (hlist_add_head). */
  dstRank: number;
  /** Place in its byspi chain; 0 = not in byspi (spi 0). */
  spiRank: number;
  timer: { readonly atUs: number; readonly seq: number } | undefined;
  memory: XfrmTimerMemory;
}

const AF_NUMBER: Readonly<Record<XfrmFamily, number>> = { inet: 2, inet6: 10 };
/** xfrm_state_hashmax: buckets the tables may grow to. */
export const XFRM_STATE_HASHMAX = 1024 * 1024;
const INITIAL_HMASK = 7;
const ZERO = new Uint8Array(16);
const US = 1_000_000;

/** The kernel's jhash2 (Bob Jenkins' lookup3 hashword) over 32-bit words. */
export function jhash2(k: ArrayLike<number>, initval: number): number {
  return lookup3(k, k.length * 4, initval);
}

/** lookup3 over whole words with `lengthBytes` mixed into the start (hashword when it is 4 * words). */
export function lookup3(k: ArrayLike<number>, lengthBytes: number, initval: number): number {
  let a = (0xdeadbeef + lengthBytes + initval) | 0;
  let b = a;
  let c = a;
  let i = 0;
  let left = k.length;
  while (left > 3) {
    a = (a + k[i]!) | 0;
    b = (b + k[i + 1]!) | 0;
    c = (c + k[i + 2]!) | 0;
    a = (a - c) | 0;
    a ^= rol(c, 4);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= rol(a, 6);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= rol(b, 8);
    b = (b + a) | 0;
    a = (a - c) | 0;
    a ^= rol(c, 16);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= rol(a, 19);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= rol(b, 4);
    b = (b + a) | 0;
    left -= 3;
    i += 3;
  }
  if (left === 0) return c >>> 0;
  if (left === 3) c = (c + k[i + 2]!) | 0;
  if (left >= 2) b = (b + k[i + 1]!) | 0;
  a = (a + k[i]!) | 0;
  c ^= b;
  c = (c - rol(b, 14)) | 0;
  a ^= c;
  a = (a - rol(c, 11)) | 0;
  b ^= a;
  b = (b - rol(a, 25)) | 0;
  c ^= b;
  c = (c - rol(b, 16)) | 0;
  a ^= c;
  a = (a - rol(c, 4)) | 0;
  b ^= a;
  b = (b - rol(a, 14)) | 0;
  c ^= b;
  c = (c - rol(b, 24)) | 0;
  return c >>> 0;
}

function rol(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

/** A word of the address as x86 (the oracle's machine) loads it: little-endian. */
function le32(a: Uint8Array, o: number): number {
  return (a[o]! | (a[o + 1]! << 8) | (a[o + 2]! << 16) | (a[o + 3]! << 24)) >>> 0;
}

/** __xfrm6_daddr_saddr_hash (jhash2 of each address) / __xfrm4_daddr_saddr_hash (byte-swapped sum). */
function daddrSaddrHash(daddr: Ipv6Address, saddr: Ipv6Address, family: XfrmFamily): number {
  if (family === 'inet') {
    const sum = (le32(daddr, 0) + le32(saddr, 0)) >>> 0;
    return (((sum & 0xff) << 24) | ((sum & 0xff00) << 8) | ((sum >>> 8) & 0xff00) | (sum >>> 24)) >>> 0;
  }
  const words = (a: Uint8Array) => [le32(a, 0), le32(a, 4), le32(a, 8), le32(a, 12)];
  return (jhash2(words(daddr), 0) ^ jhash2(words(saddr), 0)) >>> 0;
}

/**
 * The byspi bucket of an SPI is this & hmask: the SPI folded as __xfrm_spi_hash folds it, so that
 * the bucket is always a small number (a Map keyed by raw 32-bit SPIs is slow in V8 above 2^30).
 * The kernel also mixes in the proto and the destination; SAs that differ only there share a
 * chain here, which changes nothing a lookup finds: it compares them, and SAs of one SPI keep
 * their relative (rank) order, the order that decides ties in the kernel's chain.
 */
export function xfrmSpiHash(spi: number): number {
  return (spi ^ (spi >>> 10) ^ (spi >>> 20)) >>> 0;
}

/**
 * __xfrm_dst_hash without the final mask: the bydst bucket of (daddr, saddr, reqid) is this & hmask.
 * No random seed: which SAs share a bucket is the same on every boot, and matters (findStateForTemplate).
 */
export function xfrmDstHash(daddr: Ipv6Address, saddr: Ipv6Address, reqid: number, family: XfrmFamily): number {
  const h = (AF_NUMBER[family] ^ reqid ^ daddrSaddrHash(daddr, saddr, family)) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** xfrm_id_proto_match(proto, userproto). */
export function protoMatches(proto: XfrmStateProto, userproto: XfrmIdProto): boolean {
  if (userproto === 0) return true;
  if (userproto === 'ipsec-any') return usesSpi(proto);
  return proto === userproto;
}

/**
 * The database logic both lookups share. The kernel keeps every SA in a by-destination hash
 * (daddr, saddr, reqid) and, once it has an SPI, in a by-SPI hash; both start with 8 buckets and
 * double when an insertion collides with more SAs than buckets. Chains are newest-first, and a
 * resize walks the old table from the last bucket down, re-adding at the head: chain order then
 * changes, and it decides ties (two SAs added in the same second, two SAs with the same SPI whose
 * marks both select a packet). This class keeps those orders as ranks; subclasses answer "the
 * chain of this bucket / SPI, head first".
 */
export abstract class SadBase implements Sad {
  /** SAs compared by the last lookup (inbound or template): a diagnostic for tests and benchmarks. */
  examined = 0;
  /** Every stored SA, oldest first (net->xfrm.state_all walked backwards). */
  protected readonly entries = new Set<SadEntry>();
  /** state_hmask. */
  protected hmask = INITIAL_HMASK;
  private readonly byState = new Map<XfrmState, SadEntry>();
  private readonly timers = new Set<SadEntry>();
  private rank = 0;
  private timerSeq = 0;
  /** xfrm_get_acqseq (global in the kernel; per database here). */
  private acqSeq = 0;
  private readonly acqExpiresSetting: number | (() => number);
  private readonly epochUs: number;

  constructor(config: SadConfig = {}) {
    this.acqExpiresSetting = config.acqExpiresSeconds ?? 30;
    this.epochUs = config.epochUs ?? 0;
  }
  /** Seconds a larval SA made now lives. */
  private get acqExpires(): number {
    const v = this.acqExpiresSetting;
    return typeof v === 'number' ? v : v();
  }

  /** The bydst chain of `bucket`, head first. */
  protected abstract dstChain(bucket: number): Iterable<SadEntry>;
  /** The byspi chain of `bucket` (xfrmSpiHash(spi) & hmask), head first. */
  protected abstract spiChain(bucket: number): Iterable<SadEntry>;
  protected abstract linkDst(entry: SadEntry): void;
  protected abstract unlinkDst(entry: SadEntry): void;
  protected abstract linkSpi(entry: SadEntry): void;
  protected abstract unlinkSpi(entry: SadEntry): void;
  /** After a resize (new buckets, new ranks): rebuild from `entries`. */
  protected abstract rebuildIndex(): void;

  add(init: XfrmStateInit, nowUs: number): XfrmStateChange {
    const x = validateState(init, this.seconds(nowUs));
    const useSpi = usesSpi(x.proto);
    const mark = (x.mark.v & x.mark.m) >>> 0;
    const existing = useSpi ? this.lookupBySpi(mark, x.daddr, x.spi, x.proto, x.family) : undefined;
    if (existing) throw new ConfigError('EEXIST');
    // A larval SA this one answers (by `seq`, else by addresses, reqid, mode) goes, silently.
    let larval: SadEntry | undefined;
    if (useSpi && x.kmSeq) {
      larval = this.findAcqBySeq(mark, x.kmSeq);
      if (larval && (larval.state.proto !== x.proto || !addrEqual(larval.state.daddr, x.daddr, x.family))) larval = undefined;
    }
    if (useSpi && !larval) larval = this.findAcq(x.mark, x.family, x.mode, x.reqid, x.ifId, x.proto, x.daddr, x.saddr);
    this.bumpGenids(x);
    this.insert(x, x.daddr, x.saddr, nowUs, US);
    if (larval) this.unlink(larval);
    return { state: x, events: [{ type: 'newsa', state: x }] };
  }

  update(init: XfrmStateInit, nowUs: number): XfrmStateChange {
    const x = validateState(init, this.seconds(nowUs));
    const useSpi = usesSpi(x.proto);
    const found = useSpi ? this.lookupBySpi((x.mark.v & x.mark.m) >>> 0, x.daddr, x.spi, x.proto, x.family) : undefined;
    if (!found) throw new ConfigError('ESRCH');
    if (found.state.kmState === 'acq') {
      // The answer to an ACQUIRE replaces the larval SA outright.
      this.insert(x, x.daddr, x.saddr, nowUs, US);
      this.unlink(found);
      return { state: x, events: [{ type: 'updsa', state: x }] };
    }
    const x1 = found.state;
    if (x1.kmState !== 'valid') throw new ConfigError('EINVAL');
    if (x.encap && x1.encap && x.encap.type === x1.encap.type) x1.encap = x.encap;
    else if (x.encap || x1.encap) throw new ConfigError('EINVAL');
    if (x.coaddr && x1.coaddr) x1.coaddr = x.coaddr;
    // Only the lifetimes, the output mark and if_id change: keys, reqid, mode, replay state stay.
    x1.lft = x.lft;
    x1.dying = false;
    this.schedule(found, nowUs + US);
    const before: XfrmStateEvent[] = [];
    let after: XfrmStateEvent[] = [];
    if (x1.curlft.useTime) {
      const check = this.checkLifetime(x1, nowUs, 'out');
      // A soft EXPIRE goes out inside the update; the hard one from the timer, after the reply.
      if (check.kind === 'hard-expired') after = [...check.events];
      else before.push(...check.events);
    }
    if (x.smark.m || x.smark.v || x.ifId) {
      if (x.smark.m || x.smark.v) x1.smark = x.smark;
      if (x.ifId) x1.ifId = x.ifId;
      this.bumpGenids(x1);
    }
    x.kmState = 'dead';
    return { state: x1, events: [...before, { type: 'updsa', state: x }, ...after] };
  }

  get(id: XfrmStateId): XfrmState {
    return this.userLookup(id).state;
  }

  delete(id: XfrmStateId): XfrmStateChange {
    const entry = this.userLookup(id);
    this.unlink(entry);
    return { state: entry.state, events: [{ type: 'delsa', state: entry.state }] };
  }

  deleteAll(match: (state: XfrmState) => boolean): {
    readonly deleted: readonly XfrmState[];
    readonly failed: readonly { readonly state: XfrmState; readonly errno: Errno }[];
    readonly events: readonly XfrmStateEvent[];
  } {
    const deleted: XfrmState[] = [];
    const failed: { state: XfrmState; errno: Errno }[] = [];
    const events: XfrmStateEvent[] = [];
    // iproute2 lists first, then asks for each SA by its id and mark (xfrm_state_keep).
    for (const s of this.list().filter(match)) {
      try {
        const r = this.delete({ family: s.family, daddr: s.daddr, spi: s.spi, proto: s.proto, mark: s.mark, saddr: s.saddr });
        deleted.push(r.state);
        events.push(...r.events);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        failed.push({ state: s, errno: e.errno });
      }
    }
    return { deleted, failed, events };
  }

  flush(proto: XfrmIdProto = 0): { readonly events: readonly XfrmStateEvent[] } {
    const doomed = [...this.entries].filter((e) => protoMatches(e.state.proto, proto));
    // An empty flush is ESRCH inside the kernel, which xfrm_flush_sa turns into success without an event.
    if (doomed.length === 0) return { events: [] };
    for (const e of doomed) this.unlink(e);
    return { events: [{ type: 'flushsa', proto }] };
  }

  list(proto: XfrmIdProto = 0): XfrmState[] {
    const out: XfrmState[] = [];
    for (const e of this.entries) if (protoMatches(e.state.proto, proto)) out.push(e.state);
    return out.reverse();
  }

  count(): number {
    return this.entries.size;
  }

  hashInfo(): { readonly count: number; readonly buckets: number; readonly maxBuckets: number } {
    return { count: this.entries.size, buckets: this.hmask + 1, maxBuckets: XFRM_STATE_HASHMAX };
  }

  allocSpi(req: XfrmAllocSpiRequest, ctx: { readonly nowUs: number; readonly random: Random }): XfrmState {
    checkUint(req.min, 'min');
    checkUint(req.max, 'max');
    // verify_spi_info (no extack in 6.1).
    if (req.proto === 'comp') {
      if (req.max >= 0x10000) throw new ConfigError('EINVAL');
    } else if (req.proto !== 'ah' && req.proto !== 'esp') {
      throw new ConfigError('EINVAL');
    }
    if (req.min > req.max) throw new ConfigError('EINVAL');
    const family = req.family ?? 'inet6';
    const markIn = req.mark ?? { v: 0, m: 0 };
    const mark = (markIn.v & markIn.m) >>> 0;
    let entry: SadEntry | undefined;
    if (req.seq) {
      entry = this.findAcqBySeq(mark, req.seq);
      if (entry && !addrEqual(entry.state.daddr, req.daddr, family)) entry = undefined;
    }
    entry ??= this.findAcq(
      markIn,
      family,
      req.mode ?? 'transport',
      req.reqid ?? 0,
      req.ifId ?? 0,
      req.proto,
      req.daddr,
      req.saddr ?? ZERO,
      ctx.nowUs,
    );
    // The larval SA made above stays even when no SPI can be had (it expires after acq_expires).
    if (!entry) throw new ConfigError('ENOENT');
    if (!this.allocSpiFor(entry, req.min, req.max, ctx.random)) throw new ConfigError('ENOENT');
    return entry.state;
  }

  findStateForTemplate(req: XfrmTemplateLookup): XfrmTemplateResolution {
    const { tmpl, remote, local, flow, family, ifId } = req;
    const mark = (req.policyMark.v & req.policyMark.m) >>> 0;
    const encapFamily = tmpl.family;
    this.examined = 0;
    let best: MutableXfrmState | undefined;
    let acquireInProgress = false;
    let error = false;
    const lookAt = (x: MutableXfrmState) => {
      if (x.kmState === 'valid') {
        const sel = familySelector(x.sel);
        if (sel && (sel.family !== family || !selectorMatch(sel, flow))) return;
        if (!best || (best.dying && !x.dying) || (best.dying === x.dying && best.curlft.addTime < x.curlft.addTime)) best = x;
      } else if (x.kmState === 'acq') {
        // Any larval SA for these addresses means "acquire in progress", whatever flow made it.
        acquireInProgress = true;
      } else if (x.kmState === 'expired') {
        const sel = familySelector(x.sel);
        if (!sel || (sel.family === family && selectorMatch(sel, flow))) error = true;
      }
    };
    const candidate = (x: MutableXfrmState) =>
      x.family === encapFamily &&
      x.reqid === tmpl.reqid &&
      (mark & x.mark.m) >>> 0 === x.mark.v &&
      x.ifId === ifId &&
      !(x.flags & XFRM_STATE_WILDRECV) &&
      tmpl.mode === x.mode &&
      tmpl.proto === x.proto &&
      (tmpl.spi === x.spi || tmpl.spi === 0);

    // The chain of (remote, local): xfrm_state_addr_check also admits SAs with a :: source here.
    const h = xfrmDstHash(remote, local, tmpl.reqid, encapFamily);
    for (const e of this.dstChain(h & this.hmask)) {
      this.examined++;
      const x = e.state;
      if (candidate(x) && addrEqual(x.daddr, remote, encapFamily) && stateSrcFits(x, local, encapFamily)) lookAt(x);
    }
    if (!best && !acquireInProgress) {
      // The chain of (remote, ::): only the destination is compared.
      const hw = xfrmDstHash(remote, ZERO, tmpl.reqid, encapFamily);
      for (const e of this.dstChain(hw & this.hmask)) {
        this.examined++;
        const x = e.state;
        if (candidate(x) && addrEqual(x.daddr, remote, encapFamily)) lookAt(x);
      }
    }
    if (best) return { kind: 'found', state: best };
    if (acquireInProgress) return { kind: 'none', larvalPending: true, events: [] };
    if (error) return { kind: 'none', larvalPending: false, events: [] };
    if (tmpl.spi) {
      const clash = this.lookupBySpi(mark, remote, tmpl.spi, tmpl.proto, encapFamily);
      if (clash) return { kind: 'error', errno: 'EEXIST', conflict: clash.state };
    }
    // Without a listening key manager nothing is made: one larval SA per packet would flood the table.
    if (!req.acquire || !isStateProto(tmpl.proto)) return { kind: 'none', larvalPending: false, events: [] };
    const larval = this.makeLarval(req, req.acquire.nowUs);
    return {
      kind: 'none',
      larvalPending: true,
      larval,
      events: [{ type: 'acquire', state: larval, tmpl, policy: req.acquire.policy }],
    };
  }

  lookupInbound(key: XfrmInboundKey): XfrmState | undefined {
    this.examined = 0;
    return this.lookupBySpi(key.mark >>> 0, key.daddr, key.spi, key.proto, key.family ?? 'inet6')?.state;
  }

  checkLifetime(state: XfrmState, nowUs: number, dir: 'in' | 'out'): XfrmLifetimeCheck {
    const x = this.writable(state);
    if (!x.curlft.useTime) x.curlft.useTime = this.seconds(nowUs);
    switch (checkLimits(x.lft, x.curlft, x.dying)) {
      case 'hard': {
        const entry = this.byState.get(state);
        // The kernel marks the SA expired and its timer deletes it at once; here it happens right away.
        if (entry) x.kmState = 'expired';
        const events = entry ? this.expireHard(entry) : [];
        return { kind: 'hard-expired', counter: dir === 'in' ? 'XfrmInStateExpired' : 'XfrmOutStateExpired', events };
      }
      case 'soft':
        x.dying = true;
        return { kind: 'soft-expired', events: [{ type: 'expire', state: x, hard: false }] };
      case 'ok':
        return { kind: 'ok', events: [] };
    }
  }

  inputCheck(state: XfrmState, seq: number, nowUs: number): XfrmInputCheck {
    const x = this.writable(state);
    if (x.kmState !== 'valid') {
      return x.kmState === 'acq'
        ? drop('XfrmAcquireError', 'the SA is larval (waiting for its key manager)')
        : drop('XfrmInStateInvalid', `the SA is ${x.kmState}`);
    }
    const verdict = x.replay.check(seq);
    if (verdict.kind === 'reject') {
      countReplayStat(x, verdict.stat);
      return verdict.stat ? drop(verdict.counter, verdict.detail, verdict.stat) : drop(verdict.counter, verdict.detail);
    }
    const life = this.checkLifetime(x, nowUs, 'in');
    if (life.kind === 'hard-expired') return drop('XfrmInStateExpired', 'the SA reached a hard limit', undefined, life.events);
    return { kind: 'ok', seqHi: x.replay.seqHi(seq), events: life.events };
  }

  inputAccept(state: XfrmState, seq: number, seqHi: number, bytes: number, nowUs: number): XfrmInputAccept {
    const x = this.writable(state);
    const verdict = x.replay.recheck(seq, seqHi);
    if (verdict.kind === 'reject') {
      countReplayStat(x, verdict.stat);
      return verdict.stat ? drop(verdict.counter, verdict.detail, verdict.stat) : drop(verdict.counter, verdict.detail);
    }
    x.replay.advance(seq);
    x.curlft.bytes += bytes;
    x.curlft.packets++;
    x.lastUsed = this.seconds(nowUs);
    return { kind: 'ok' };
  }

  inputIcvFailed(state: XfrmState): void {
    this.writable(state).stats.integrityFailed++;
  }

  outputPrepare(state: XfrmState, bytes: number, nowUs: number): XfrmOutputPrepare {
    const x = this.writable(state);
    if (x.kmState !== 'valid') return drop('XfrmOutStateInvalid', `the SA is ${x.kmState}`);
    const life = this.checkLifetime(x, nowUs, 'out');
    if (life.kind === 'hard-expired') return drop('XfrmOutStateExpired', 'the SA reached a hard limit', undefined, life.events);
    const next = x.replay.nextOutput((x.extraFlags & XFRM_SA_XFLAG_OSEQ_MAY_WRAP) !== 0);
    if (next.kind === 'overflow') return drop(next.counter, next.detail, undefined, life.events);
    x.curlft.bytes += bytes;
    x.curlft.packets++;
    x.lastUsed = this.seconds(nowUs);
    return { kind: 'ok', seq: next.seq, seqHi: next.seqHi, events: life.events };
  }

  nextTimerUs(): number | undefined {
    let next: number | undefined;
    for (const e of this.timers) if (e.timer && (next === undefined || e.timer.atUs < next)) next = e.timer.atUs;
    return next;
  }

  runTimers(nowUs: number): XfrmStateEvent[] {
    const events: XfrmStateEvent[] = [];
    for (;;) {
      let due: SadEntry | undefined;
      for (const e of this.timers) {
        const t = e.timer!;
        if (t.atUs > nowUs) continue;
        if (!due || t.atUs < due.timer!.atUs || (t.atUs === due.timer!.atUs && t.seq < due.timer!.seq)) due = e;
      }
      if (!due) return events;
      events.push(...this.fireTimer(due));
    }
  }

  /** Wall-clock seconds at virtual time `us` (ktime_get_real_seconds). */
  protected seconds(us: number): number {
    return Math.floor((us + this.epochUs) / US);
  }

  /** __xfrm_state_lookup: the first SA of the SPI chain with this (daddr, spi, proto, family) that `mark` selects. */
  protected lookupBySpi(mark: number, daddr: Ipv6Address, spi: number, proto: XfrmIdProto, family: XfrmFamily): SadEntry | undefined {
    if (spi === 0) return undefined;
    for (const e of this.spiChain(xfrmSpiHash(spi) & this.hmask)) {
      this.examined++;
      const x = e.state;
      if (x.family !== family || x.spi !== spi || x.proto !== proto || !addrEqual(x.daddr, daddr, family)) continue;
      if (markSelects(mark, x)) return e;
    }
    return undefined;
  }

  /** xfrm_user_state_lookup. */
  private userLookup(id: XfrmStateId): SadEntry {
    const family = id.family ?? 'inet6';
    const mark = id.mark ? (id.mark.v & id.mark.m) >>> 0 : 0;
    if (usesSpiProto(id.proto)) {
      const e = this.lookupBySpi(mark, id.daddr, id.spi, id.proto, family);
      if (!e) throw new ConfigError('ESRCH');
      return e;
    }
    if (!id.saddr) throw new ConfigError('EINVAL');
    // xfrm_state_lookup_byaddr: only Mobile IPv6 SAs are found this way, and the model keeps none.
    throw new ConfigError('ESRCH');
  }

  /** __find_acq_core without creating: the larval SA (spi 0) of exactly these parameters. */
  private findAcq(
    m: XfrmMark,
    family: XfrmFamily,
    mode: XfrmMode,
    reqid: number,
    ifId: number,
    proto: XfrmIdProto,
    daddr: Ipv6Address,
    saddr: Ipv6Address,
    createAtUs?: number,
  ): SadEntry | undefined {
    const mark = (m.v & m.m) >>> 0;
    const h = xfrmDstHash(daddr, saddr, reqid, family);
    for (const e of this.dstChain(h & this.hmask)) {
      const x = e.state;
      if (
        x.reqid === reqid &&
        x.mode === mode &&
        x.family === family &&
        x.kmState === 'acq' &&
        x.spi === 0 &&
        x.proto === proto &&
        markSelects(mark, x) &&
        x.ifId === ifId &&
        addrEqual(x.daddr, daddr, family) &&
        addrEqual(x.saddr, saddr, family)
      ) {
        return e;
      }
    }
    if (createAtUs === undefined || !isStateProto(proto)) return undefined;
    // A larval SA for allocspi: its selector is the two hosts, without a family.
    const full = family === 'inet' ? 32 : 128;
    const x = blankState({
      family,
      daddr,
      spi: 0,
      proto,
      saddr,
      mode,
      reqid,
      sel: {
        family: 'unspec',
        src: saddr.slice(),
        dst: daddr.slice(),
        prefixlenS: full,
        prefixlenD: full,
        proto: 0,
        sport: 0,
        sportMask: 0,
        dport: 0,
        dportMask: 0,
        ifindex: 0,
      },
      mark: m,
      ifId,
      addTime: this.seconds(createAtUs),
      kmState: 'acq',
      lft: { ...XFRM_LIFETIME_DEFAULT, hardAddExpiresSeconds: BigInt(this.acqExpires) },
    });
    return this.insert(x, daddr, saddr, createAtUs, this.acqExpires * US, false);
  }

  /** __xfrm_find_acq_byseq. */
  private findAcqBySeq(mark: number, seq: number): SadEntry | undefined {
    for (const e of this.entries) {
      const x = e.state;
      if (x.kmSeq === seq && markSelects(mark, x) && x.kmState === 'acq') return e;
    }
    return undefined;
  }

  /** xfrm_alloc_spi: false when no free SPI was found (the caller answers ENOENT). */
  private allocSpiFor(entry: SadEntry, low: number, high: number, random: Random): boolean {
    const x = entry.state;
    if (x.kmState === 'dead') return false;
    if (x.spi) return true;
    const mark = (x.mark.v & x.mark.m) >>> 0;
    let spi = 0;
    if (low === high) {
      if (this.lookupBySpi(mark, x.daddr, low, x.proto, x.family)) return false;
      spi = low;
    } else {
      // high - low + 1 is a u32: the full range 0..0xffffffff makes it 0, and no SPI is tried.
      const n = (high - low + 1) >>> 0;
      for (let i = 0; i < n; i++) {
        const candidate = (low + prandomMax(random, n)) >>> 0;
        if (!this.lookupBySpi(mark, x.daddr, candidate, x.proto, x.family)) {
          spi = candidate;
          break;
        }
      }
    }
    if (spi === 0) return false;
    x.spi = spi;
    entry.spiRank = ++this.rank;
    this.linkSpi(entry);
    return true;
  }

  /** xfrm_state_find's miss with a key manager listening: a larval SA for exactly this flow, and km_query. */
  private makeLarval(req: XfrmTemplateLookup, nowUs: number): XfrmState {
    const { tmpl, remote, local } = req;
    const family = tmpl.family;
    const x = blankState({
      family,
      daddr: addrAny(tmpl.dst, family) ? remote : tmpl.dst,
      spi: tmpl.spi,
      proto: tmpl.proto as XfrmStateProto,
      saddr: addrAny(tmpl.src, family) ? local : tmpl.src,
      mode: tmpl.mode,
      reqid: tmpl.reqid,
      sel: tempSelector(req.flow),
      mark: req.policyMark,
      ifId: req.ifId,
      addTime: this.seconds(nowUs),
      kmState: 'acq',
      lft: { ...XFRM_LIFETIME_DEFAULT, hardAddExpiresSeconds: BigInt(this.acqExpires) },
    });
    do this.acqSeq = (this.acqSeq + 1) >>> 0;
    while (this.acqSeq === 0);
    x.kmSeq = this.acqSeq;
    // Hashed under the lookup's (remote, local), not its own addresses, until a resize re-hashes it.
    this.insert(x, remote, local, nowUs, this.acqExpires * US, false);
    return x;
  }

  /**
   * __xfrm_state_insert (and the larval insertions): head of state_all, bydst and byspi, the timer,
   * then the grow check: a collision in bydst with more SAs than buckets doubles the tables.
   */
  private insert(
    x: MutableXfrmState,
    hashDaddr: Ipv6Address,
    hashSaddr: Ipv6Address,
    nowUs: number,
    timerUs: number,
    sanitize = true,
  ): SadEntry {
    if (sanitize) x.mark = { v: (x.mark.v & x.mark.m) >>> 0, m: x.mark.m };
    const entry: SadEntry = {
      state: x,
      dstHash: xfrmDstHash(hashDaddr, hashSaddr, x.reqid, x.family),
      dstRank: ++this.rank,
      spiRank: 0,
      timer: undefined,
      memory: XFRM_TIMER_MEMORY_INITIAL,
    };
    const collision = !isEmpty(this.dstChain(entry.dstHash & this.hmask));
    this.linkDst(entry);
    if (x.spi) {
      entry.spiRank = ++this.rank;
      this.linkSpi(entry);
    }
    this.entries.add(entry);
    this.byState.set(x, entry);
    this.schedule(entry, nowUs + timerUs);
    if (collision && this.hmask + 1 < XFRM_STATE_HASHMAX && this.entries.size > this.hmask) this.resize();
    return entry;
  }

  /** __xfrm_state_delete. */
  private unlink(entry: SadEntry): void {
    entry.state.kmState = 'dead';
    this.unlinkDst(entry);
    if (entry.spiRank) this.unlinkSpi(entry);
    this.entries.delete(entry);
    this.byState.delete(entry.state);
    this.timers.delete(entry);
    entry.timer = undefined;
  }

  /** The `expired:` path of xfrm_timer_handler: delete, then a hard EXPIRE. */
  private expireHard(entry: SadEntry): XfrmStateEvent[] {
    if (entry.state.kmState === 'dead') return [];
    this.unlink(entry);
    return [{ type: 'expire', state: entry.state, hard: true }];
  }

  private fireTimer(entry: SadEntry): XfrmStateEvent[] {
    const atUs = entry.timer!.atUs;
    this.timers.delete(entry);
    entry.timer = undefined;
    const x = entry.state;
    if (x.kmState === 'dead') return [];
    if (x.kmState === 'expired') return this.expireHard(entry);
    const out = runLifetimeTimer({
      lft: x.lft,
      addTime: x.curlft.addTime,
      useTime: x.curlft.useTime,
      now: this.seconds(atUs),
      dying: x.dying,
      memory: entry.memory,
    });
    if (out.kind === 'hard-expired') return this.expireHard(entry);
    const events: XfrmStateEvent[] = [];
    x.curlft.addTime = out.addTime;
    entry.memory = out.memory;
    x.dying = out.dying;
    if (out.softExpire) events.push({ type: 'expire', state: x, hard: false });
    if (out.nextSeconds !== undefined) {
      // A non-positive interval only comes from the soft-before-hard workaround, which the kernel
      // re-runs until the wall-clock second changes: the next second is when anything can differ.
      const at = out.nextSeconds > 0n ? atUs + Number(out.nextSeconds) * US : (this.seconds(atUs) + 1) * US - this.epochUs;
      this.schedule(entry, at);
    }
    return events;
  }

  private schedule(entry: SadEntry, atUs: number): void {
    entry.timer = { atUs, seq: this.timerSeq++ };
    this.timers.add(entry);
  }

  /** __xfrm_state_bump_genids: SAs for the same addresses, reqid, if_id and mark become stale for cached bundles. */
  private bumpGenids(xnew: MutableXfrmState): void {
    const mark = (xnew.mark.v & xnew.mark.m) >>> 0;
    const h = xfrmDstHash(xnew.daddr, xnew.saddr, xnew.reqid, xnew.family);
    for (const e of this.dstChain(h & this.hmask)) {
      const x = e.state;
      if (
        x.family === xnew.family &&
        x.reqid === xnew.reqid &&
        x.ifId === xnew.ifId &&
        markSelects(mark, x) &&
        addrEqual(x.daddr, xnew.daddr, xnew.family) &&
        addrEqual(x.saddr, xnew.saddr, xnew.family)
      ) {
        x.genid++;
      }
    }
  }

  /**
   * xfrm_hash_resize: twice the buckets. The old bydst table is walked from the last bucket down,
   * each chain head first, and every SA re-added at the head of its new chains, so chain order is
   * the reverse of that walk.
   */
  private resize(): void {
    const old = this.hmask;
    const walk = [...this.entries].sort((a, b) => (b.dstHash & old) - (a.dstHash & old) || b.dstRank - a.dstRank);
    this.hmask = ((old + 1) << 1) - 1;
    for (const e of walk) {
      const x = e.state;
      e.dstHash = xfrmDstHash(x.daddr, x.saddr, x.reqid, x.family);
      const r = ++this.rank;
      e.dstRank = r;
      if (e.spiRank) e.spiRank = r;
    }
    this.rebuildIndex();
  }

  private writable(state: XfrmState): MutableXfrmState {
    return state as MutableXfrmState;
  }
}

/** The SA's source fits `local` (__xfrm6_state_addr_check beyond the destination). */
function stateSrcFits(x: XfrmState, local: Ipv6Address, family: XfrmFamily): boolean {
  return addrEqual(x.saddr, local, family) || addrAny(local, family) || addrAny(x.saddr, family);
}

function usesSpiProto(proto: XfrmIdProto): proto is 'ah' | 'esp' | 'comp' {
  return proto === 'ah' || proto === 'esp' || proto === 'comp';
}

function isStateProto(proto: XfrmIdProto): proto is XfrmStateProto {
  return proto !== 0 && proto !== 'ipsec-any';
}

/** prandom_u32_max: (u32)(((u64)random * n) >> 32). */
function prandomMax(random: Random, n: number): number {
  return Number((BigInt(random.u32()) * BigInt(n)) >> 32n);
}

function isEmpty(it: Iterable<unknown>): boolean {
  for (const _ of it) return false;
  return true;
}

function drop<C extends string>(
  counter: C,
  detail: string,
  stat?: XfrmReplayStat,
  events: readonly XfrmStateEvent[] = [],
): XfrmStateDrop<C> {
  return stat ? { kind: 'drop', counter, stat, detail, events } : { kind: 'drop', counter, detail, events };
}

function checkUint(value: number, what: string): void {
  assertUint(value, 32, `allocspi ${what}`);
}
