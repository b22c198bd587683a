/** The policy database of one network namespace: identity, add/update/delete, index numbering, list order, hash thresholds, default policies (kernel: xfrm_policy.c xfrm_policy_insert, xfrm_policy_insert_inexact_list, xfrm_gen_index, xfrm_policy_bysel_ctx, xfrm_policy_byid, xfrm_policy_flush, xfrm_hash_rebuild, xfrm_policy_lookup, xfrm_expand_policies, __xfrm_policy_check; xfrm_user.c xfrm_add_policy, xfrm_set_spdinfo, xfrm_set_default). */

import { ConfigError } from '../errors.js';
import {
  policyIndexDir,
  validatePolicy,
  XFRM_POLICY_DIR,
  type XfrmDir,
  type XfrmMark,
  type XfrmPolicy,
  type XfrmPolicyInit,
  type XfrmPolicyType,
} from './policy.js';
import { selectorKey, type XfrmFamily, type XfrmFlow, type XfrmSelector } from './selector.js';

/** `ip xfrm policy setdefault DIR accept|block` (XFRM_USERPOLICY_ACCEPT/BLOCK). */
export type XfrmDefaultAction = 'accept' | 'block';

/** `ip xfrm policy set hthresh6 LBITS RBITS`: prefix lengths from which a selector is hashed ("exact"). */
export interface XfrmHthresh {
  readonly lbits: number;
  readonly rbits: number;
}

export interface XfrmSpdThresholds {
  readonly hthresh4: XfrmHthresh;
  readonly hthresh6: XfrmHthresh;
}

/**
 * How `get`/`delete` name a policy: by its selector or by its index, each with the type, mark and
 * if_id of the request (absent = main, 0/0, 0, which is what iproute2 sends when they are not given).
 */
export type XfrmPolicyId =
  | {
      readonly by: 'selector';
      readonly dir: XfrmDir;
      readonly selector: XfrmSelector;
      readonly ptype?: XfrmPolicyType;
      readonly mark?: XfrmMark;
      readonly ifId?: number;
    }
  | {
      readonly by: 'index';
      readonly dir: XfrmDir;
      readonly index: number;
      readonly ptype?: XfrmPolicyType;
      readonly mark?: XfrmMark;
      readonly ifId?: number;
    };

/** One namespace's SPD. Refused requests throw ConfigError and leave the database untouched. */
export interface Spd {
  /** XFRM_MSG_NEWPOLICY: EEXIST when a policy of the same identity exists, whatever its priority. */
  add(init: XfrmPolicyInit): XfrmPolicy;
  /** XFRM_MSG_UPDPOLICY: replaces the policy of the same identity (keeping its index) or adds one. */
  update(init: XfrmPolicyInit): XfrmPolicy;
  /** ENOENT when missing. */
  get(id: XfrmPolicyId): XfrmPolicy;
  /** ENOENT when missing; returns the deleted policy. */
  delete(id: XfrmPolicyId): XfrmPolicy;
  /** `ip xfrm policy flush [ptype P]`: every policy of that type, all directions. */
  flush(ptype?: XfrmPolicyType): void;
  /** Every policy, newest insertion first (an update counts as an insertion), as `ip xfrm policy list`. */
  list(): XfrmPolicy[];
  /** Policies per direction, both types (the SPD line of `ip xfrm policy count`). */
  count(): Readonly<Record<XfrmDir, number>>;
  /** xfrm_policy_lookup_bytype: the winning policy of one type for a flow, or none. */
  lookup(dir: XfrmDir, ptype: XfrmPolicyType, flow: XfrmFlow): XfrmPolicy | undefined;
  getHthresh(): XfrmSpdThresholds;
  /** XFRM_MSG_NEWSPDINFO; the kernel then re-hashes every policy (xfrm_hash_rebuild), even when nothing changed. */
  setHthresh(next: Partial<XfrmSpdThresholds>): void;
  getDefault(): Readonly<Record<XfrmDir, XfrmDefaultAction>>;
  setDefault(next: Partial<Record<XfrmDir, XfrmDefaultAction>>): void;
  /** The index a socket policy (setsockopt IPV6_XFRM_POLICY) gets: it draws on the same generator. */
  nextSocketPolicyIndex(dir: 'in' | 'out'): number;
}

/**
 * What the database knows about one stored policy beside the policy itself. Exported for the lookup
 * implementations; the fields are theirs to read, the base class's to write.
 */
export interface SpdEntry {
  readonly policy: XfrmPolicy;
  readonly identity: string;
  /** Place in net->xfrm.policy_all: larger is newer. An update is a new policy. */
  readonly listSeq: number;
  /** Order among equal priorities in the hash chains and inexact lists. */
  chainSeq: number;
  /** Hashed by its prefixes (both at least the thresholds) rather than kept in an inexact list. */
  exact: boolean;
  /** The kernel's `pos`, as last written; read it through posOf(). */
  pos: number;
}

/** Priority first, then place among equal priorities: the order of every kernel chain and list. */
export function chainOrder(a: SpdEntry, b: SpdEntry): number {
  return a.policy.priority - b.policy.priority || a.chainSeq - b.chainSeq;
}

/**
 * The per-direction inexact list (net->xfrm.policy_inexact[dir]) kept only for `pos`. The kernel
 * renumbers every entry on each insertion and never on deletion, so positions go stale after a
 * delete. Renumbering is deferred here: while `fresh`, an entry's pos is its index, and positions
 * are written out only when a deletion is about to make them differ.
 */
class InexactOrder {
  private list: SpdEntry[] = [];
  private fresh = true;

  insert(entry: SpdEntry): void {
    this.list.splice(upperBound(this.list, entry), 0, entry);
    this.fresh = true;
  }

  /** An update at unchanged priority takes the old policy's place, the old one still counted. */
  insertBefore(entry: SpdEntry, other: SpdEntry): void {
    this.list.splice(this.indexOf(other), 0, entry);
    this.fresh = true;
  }

  remove(entry: SpdEntry): void {
    const i = this.indexOf(entry);
    this.materialize();
    this.list.splice(i, 1);
  }

  removeWhere(doomed: (e: SpdEntry) => boolean): void {
    this.materialize();
    this.list = this.list.filter((e) => !doomed(e));
  }

  posOf(entry: SpdEntry): number {
    return this.fresh ? this.indexOf(entry) : entry.pos;
  }

  /** A rebuild inserts everything again in creation order: dense positions in chain order. */
  reset(entries: SpdEntry[]): void {
    this.list = entries.sort(chainOrder);
    this.fresh = true;
  }

  materialize(): void {
    if (!this.fresh) return;
    this.list.forEach((e, i) => {
      e.pos = i;
    });
    this.fresh = false;
  }

  private indexOf(entry: SpdEntry): number {
    // Two entries share a key only while an update holds old and new side by side.
    for (let i = lowerBound(this.list, entry); i < this.list.length; i++) if (this.list[i] === entry) return i;
    throw new Error('spd: entry missing from its inexact list');
  }
}

/** First index whose entry is not before `entry` in chain order. */
export function lowerBound(list: readonly SpdEntry[], entry: SpdEntry): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (chainOrder(list[mid]!, entry) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose entry is after `entry` in chain order. */
export function upperBound(list: readonly SpdEntry[], entry: SpdEntry): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (chainOrder(list[mid]!, entry) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Identity of xfrm_policy_insert_list / xfrm_policy_bysel_ctx: type, if_id, raw selector, mark v and m. */
function identityKey(dir: XfrmDir, ptype: XfrmPolicyType, ifId: number, mark: XfrmMark, sel: XfrmSelector): string {
  return `${dir} ${ptype} ${ifId} ${mark.v}/${mark.m} ${selectorKey(sel)}`;
}

const DIRS: readonly XfrmDir[] = ['in', 'out', 'fwd'];

/**
 * The database logic both lookups share. Subclasses keep their own lookup structures in step through
 * linkIndex/unlinkIndex/rebuildIndex and implement lookup().
 */
export abstract class SpdBase implements Spd {
  /** Policies compared against a flow by the last lookup(): a diagnostic for tests and benchmarks. */
  examined = 0;
  /** Every stored policy, oldest first (Set order is insertion order). */
  protected readonly entries = new Set<SpdEntry>();
  private readonly byIdentity = new Map<string, SpdEntry>();
  private readonly byIndex = new Map<number, SpdEntry>();
  private readonly inexact: Readonly<Record<XfrmDir, InexactOrder>> = {
    in: new InexactOrder(),
    out: new InexactOrder(),
    fwd: new InexactOrder(),
  };
  private readonly counts: Record<XfrmDir, number> = { in: 0, out: 0, fwd: 0 };
  /** net->xfrm.idx_generator: per namespace, shared by all directions and socket policies. */
  private generator = 0;
  private seq = 0;
  private thresholds: XfrmSpdThresholds = { hthresh4: { lbits: 32, rbits: 32 }, hthresh6: { lbits: 128, rbits: 128 } };
  private defaults: Record<XfrmDir, XfrmDefaultAction> = { in: 'accept', fwd: 'accept', out: 'accept' };

  abstract lookup(dir: XfrmDir, ptype: XfrmPolicyType, flow: XfrmFlow): XfrmPolicy | undefined;
  protected abstract linkIndex(entry: SpdEntry): void;
  protected abstract unlinkIndex(entry: SpdEntry): void;
  /** Called after flush and hash rebuild: rebuild from `entries`. */
  protected abstract rebuildIndex(): void;

  add(init: XfrmPolicyInit): XfrmPolicy {
    return this.insert(init, true);
  }

  update(init: XfrmPolicyInit): XfrmPolicy {
    return this.insert(init, false);
  }

  get(id: XfrmPolicyId): XfrmPolicy {
    return this.find(id).policy;
  }

  delete(id: XfrmPolicyId): XfrmPolicy {
    const entry = this.find(id);
    this.unlink(entry);
    return entry.policy;
  }

  flush(ptype: XfrmPolicyType = 'main'): void {
    const doomed = (e: SpdEntry) => e.policy.ptype === ptype;
    let any = false;
    for (const e of this.entries) {
      if (!doomed(e)) continue;
      any = true;
      this.entries.delete(e);
      this.byIdentity.delete(e.identity);
      this.byIndex.delete(e.policy.index);
      this.counts[e.policy.dir]--;
    }
    // An empty flush is ESRCH inside the kernel, which xfrm_flush_policy turns into success.
    if (!any) return;
    for (const dir of DIRS) this.inexact[dir].removeWhere(doomed);
    this.rebuildIndex();
  }

  list(): XfrmPolicy[] {
    const out: XfrmPolicy[] = [];
    for (const e of this.entries) out.push(e.policy);
    return out.reverse();
  }

  count(): Readonly<Record<XfrmDir, number>> {
    return { ...this.counts };
  }

  getHthresh(): XfrmSpdThresholds {
    return this.thresholds;
  }

  setHthresh(next: Partial<XfrmSpdThresholds>): void {
    const t4 = next.hthresh4;
    const t6 = next.hthresh6;
    if (t4 && (t4.lbits > 32 || t4.rbits > 32)) throw new ConfigError('EINVAL', 'Invalid hash threshold (must be <= 32 for IPv4)');
    if (t6 && (t6.lbits > 128 || t6.rbits > 128)) throw new ConfigError('EINVAL', 'Invalid hash threshold (must be <= 128 for IPv6)');
    if (!t4 && !t6) return;
    this.thresholds = {
      hthresh4: t4 ? { lbits: t4.lbits, rbits: t4.rbits } : this.thresholds.hthresh4,
      hthresh6: t6 ? { lbits: t6.lbits, rbits: t6.rbits } : this.thresholds.hthresh6,
    };
    this.rehash();
  }

  getDefault(): Readonly<Record<XfrmDir, XfrmDefaultAction>> {
    return { ...this.defaults };
  }

  setDefault(next: Partial<Record<XfrmDir, XfrmDefaultAction>>): void {
    this.defaults = { ...this.defaults, ...next };
  }

  nextSocketPolicyIndex(dir: 'in' | 'out'): number {
    // XFRM_POLICY_MAX + dir; socket policies are not in the by-index hash, so never "taken".
    return this.genIndex(3 + XFRM_POLICY_DIR[dir], 0);
  }

  /**
   * The kernel's pos of a policy: its place in the direction's inexact list when that list was last
   * renumbered; 0 for a policy created exact; for a policy a hash rebuild made exact, the pos it had.
   */
  protected posOf(entry: SpdEntry): number {
    return entry.exact ? entry.pos : this.inexact[entry.policy.dir].posOf(entry);
  }

  /** The prefix lengths the direction hashes on: out hashes dst by the remote bits, in/fwd by the local ones. */
  protected hashBits(dir: XfrmDir, family: XfrmFamily): { dbits: number; sbits: number } {
    const t = family === 'inet' ? this.thresholds.hthresh4 : this.thresholds.hthresh6;
    return dir === 'out' ? { dbits: t.rbits, sbits: t.lbits } : { dbits: t.lbits, sbits: t.rbits };
  }

  private isExact(policy: XfrmPolicy): boolean {
    const { dbits, sbits } = this.hashBits(policy.dir, policy.selector.family);
    return policy.selector.prefixlenD >= dbits && policy.selector.prefixlenS >= sbits;
  }

  /** xfrm_add_policy + xfrm_policy_insert; every refusal happens before anything changes. */
  private insert(init: XfrmPolicyInit, excl: boolean): XfrmPolicy {
    const valid = validatePolicy(init);
    // "Sanitize mark before store": identity and matching then use v & m.
    const mark = { v: (valid.mark.v & valid.mark.m) >>> 0, m: valid.mark.m };
    const identity = identityKey(valid.dir, valid.ptype, valid.ifId, mark, valid.selector);
    const old = this.byIdentity.get(identity);
    if (old && excl) throw new ConfigError('EEXIST');

    const index = old ? old.policy.index : this.genIndex(XFRM_POLICY_DIR[valid.dir], valid.index);
    const policy: XfrmPolicy = { ...valid, mark, index };
    const listSeq = ++this.seq;
    // At unchanged priority a replacement keeps the old one's place in its chain; otherwise it goes
    // behind every policy of its priority, as a new one would.
    const keepsPlace = old !== undefined && old.policy.priority === policy.priority;
    const entry: SpdEntry = {
      policy,
      identity,
      listSeq,
      chainSeq: keepsPlace ? old.chainSeq : listSeq,
      exact: this.isExact(policy),
      pos: 0,
    };
    if (!entry.exact) {
      // The renumbering on insertion still counts the policy being replaced.
      if (keepsPlace) this.inexact[policy.dir].insertBefore(entry, old);
      else this.inexact[policy.dir].insert(entry);
    }
    if (old) this.unlink(old);
    this.entries.add(entry);
    this.byIdentity.set(identity, entry);
    this.byIndex.set(index, entry);
    this.counts[policy.dir]++;
    this.linkIndex(entry);
    return policy;
  }

  private unlink(entry: SpdEntry): void {
    this.entries.delete(entry);
    this.byIdentity.delete(entry.identity);
    this.byIndex.delete(entry.policy.index);
    this.counts[entry.policy.dir]--;
    if (!entry.exact) this.inexact[entry.policy.dir].remove(entry);
    this.unlinkIndex(entry);
  }

  /** xfrm_policy_bysel_ctx / xfrm_policy_byid: the request's mark must equal the stored one, v and m. */
  private find(id: XfrmPolicyId): SpdEntry {
    const ptype = id.ptype ?? 'main';
    const mark = id.mark ?? { v: 0, m: 0 };
    const ifId = id.ifId ?? 0;
    let entry: SpdEntry | undefined;
    if (id.by === 'selector') {
      entry = this.byIdentity.get(identityKey(id.dir, ptype, ifId, mark, id.selector));
    } else if (policyIndexDir(id.index) === XFRM_POLICY_DIR[id.dir]) {
      const e = this.byIndex.get(id.index);
      if (e && e.policy.ptype === ptype && e.policy.ifId === ifId && e.policy.mark.v === mark.v && e.policy.mark.m === mark.m) entry = e;
    }
    if (!entry) throw new ConfigError('ENOENT');
    return entry;
  }

  /** xfrm_gen_index: a free given index is kept; else generator | dir, generator += 8; 0 becomes 8; taken ones skipped. */
  private genIndex(dir: number, given: number): number {
    let index = given;
    for (;;) {
      let idx: number;
      if (index === 0) {
        idx = (this.generator | dir) >>> 0;
        this.generator = (this.generator + 8) >>> 0;
      } else {
        idx = index;
        index = 0;
      }
      if (idx === 0) idx = 8;
      if (!this.byIndex.has(idx)) return idx;
    }
  }

  /**
   * xfrm_hash_rebuild: every policy is hashed again in creation order. Positions of the policies that
   * stay or become inexact are renumbered; a policy that becomes exact keeps the pos it had.
   */
  private rehash(): void {
    const all = [...this.entries];
    for (const dir of DIRS) this.inexact[dir].materialize();
    const lists: Record<XfrmDir, SpdEntry[]> = { in: [], out: [], fwd: [] };
    for (const e of all) {
      e.exact = this.isExact(e.policy);
      e.chainSeq = e.listSeq;
      if (!e.exact) lists[e.policy.dir].push(e);
    }
    for (const dir of DIRS) this.inexact[dir].reset(lists[dir]);
    this.rebuildIndex();
  }
}

/** Both SPD types for one lookup: the sub policy (if any) and the main policy consulted with it. */
export interface SpdMatch {
  readonly sub?: XfrmPolicy;
  readonly main?: XfrmPolicy;
}

/**
 * The sub-then-main lookup of the packet paths. Output (dir out, xfrm_lookup + xfrm_expand_policies):
 * main is consulted beside a sub policy only when the sub policy allows. Inbound checks (dir in/fwd,
 * __xfrm_policy_check): main is consulted beside any sub policy, and then with dir `in` even for fwd.
 */
export function lookupBoth(spd: Spd, dir: XfrmDir, flow: XfrmFlow): SpdMatch {
  const sub = spd.lookup(dir, 'sub', flow);
  if (!sub) {
    const main = spd.lookup(dir, 'main', flow);
    return main ? { main } : {};
  }
  if (dir === 'out' && sub.action !== 'allow') return { sub };
  const main = spd.lookup(dir === 'out' ? 'out' : 'in', 'main', flow);
  return main ? { sub, main } : { sub };
}

export type SpdVerdict =
  | { readonly kind: 'none' }
  | { readonly kind: 'block'; readonly policy: XfrmPolicy }
  | { readonly kind: 'allow'; readonly policies: readonly XfrmPolicy[] };

/** No policy, blocked (by the first blocking policy, sub before main), or allowed by these policies (sub first). */
export function spdVerdict(match: SpdMatch): SpdVerdict {
  const policies = [match.sub, match.main].filter((p): p is XfrmPolicy => p !== undefined);
  if (policies.length === 0) return { kind: 'none' };
  const blocking = policies.find((p) => p.action !== 'allow');
  return blocking ? { kind: 'block', policy: blocking } : { kind: 'allow', policies };
}
