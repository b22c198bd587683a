/** Indexed SPD lookup: exact selectors hashed by their prefixes, inexact ones in lists in kernel order (kernel: xfrm_policy.c policy_hash_bysel, policy_hash_direct, xfrm_policy_inexact_alloc_chain, xfrm_policy_find_inexact_candidates, xfrm_policy_eval_candidates). */

import { policyMatch, type XfrmDir, type XfrmPolicy, type XfrmPolicyType } from './policy.js';
import { mixHash, prefixHash, type XfrmFamily, type XfrmFlow } from './selector.js';
import { chainOrder, lowerBound, SpdBase, type SpdEntry, upperBound } from './spd.js';

/**
 * Inexact policies of one (dir, type, family, if_id), like the kernel's inexact bin. The kernel
 * narrows the candidates with trees of dst and src prefixes; here they are split by dst prefix only:
 * one list for dst /0, one per (dst prefix length, hash of the dst prefix). Each list is in chain
 * order, and a flow probes the /0 list plus one list per prefix length present.
 */
interface InexactBin {
  readonly any: SpdEntry[];
  readonly byDst: Map<number, Map<number, SpdEntry[]>>;
}

/**
 * The lists of one (dir, type). Keys are small-integer hashes: the exact chains by (family, if_id,
 * dst and src prefixes), as policy_hash_bysel hashes them; the bins by (family, if_id). A list may
 * hold policies of colliding keys; those never match a flow of another key (policyMatch compares
 * family and if_id, and a selector at least as long as the hashed prefixes only matches flows with
 * those prefixes), and every list stays in chain order, so a walk gives what separate lists would.
 */
interface DirIndex {
  readonly exact: Map<number, SpdEntry[]>;
  readonly bins: Map<number, InexactBin>;
}

/**
 * The fast SPD. A lookup costs one hash probe for the exact chain, then only the inexact policies of
 * the flow's dst prefixes whose priority can still win: each list is walked in priority order and
 * left at the first policy whose priority is worse than the best so far, as the kernel does.
 */
export class SpdIndexed extends SpdBase {
  /** By indexSlot(dir, type). */
  private index: (DirIndex | undefined)[] = [];
  /** Keeps this many low bits of every hash key (30 = all); tests use fewer to force collisions. */
  private readonly keyMask: number;

  constructor(opts: { readonly keyBits?: number } = {}) {
    super();
    this.keyMask = 2 ** Math.min(30, opts.keyBits ?? 30) - 1;
  }

  lookup(dir: XfrmDir, ptype: XfrmPolicyType, flow: XfrmFlow): XfrmPolicy | undefined {
    this.examined = 0;
    const index = this.index[indexSlot(dir, ptype)];
    if (!index) return undefined;
    const binKey = binHash(flow.family, flow.ifId) & this.keyMask;
    const { dbits, sbits } = this.hashBits(dir, flow.family);
    let best: SpdEntry | undefined;
    const chain = index.exact.get(prefixHash(flow.src, sbits, prefixHash(flow.dst, dbits, binKey)) & this.keyMask);
    if (chain) {
      for (const e of chain) {
        this.examined++;
        if (policyMatch(e.policy, ptype, flow)) {
          best = e;
          break;
        }
      }
    }
    const bin = index.bins.get(binKey);
    if (bin) {
      best = this.challenge(bin.any, best, ptype, flow);
      for (const [len, lists] of bin.byDst) {
        const list = lists.get(prefixHash(flow.dst, len) & this.keyMask);
        if (list) best = this.challenge(list, best, ptype, flow);
      }
    }
    return best?.policy;
  }

  /** __xfrm_policy_eval_candidates: the first match of the list that beats `best`, else `best`. */
  private challenge(list: readonly SpdEntry[], best: SpdEntry | undefined, ptype: XfrmPolicyType, flow: XfrmFlow): SpdEntry | undefined {
    for (const e of list) {
      if (best && e.policy.priority > best.policy.priority) break;
      this.examined++;
      if (!policyMatch(e.policy, ptype, flow)) continue;
      // Later entries of the list have a larger pos and cannot beat `best` either.
      if (best && e.policy.priority === best.policy.priority && !this.beatsAtEqualPriority(e, best)) return best;
      return e;
    }
    return best;
  }

  /** The kernel keeps `best` only when its pos is smaller; among inexact policies pos follows chain order. */
  private beatsAtEqualPriority(challenger: SpdEntry, best: SpdEntry): boolean {
    return best.exact ? this.posOf(challenger) <= this.posOf(best) : challenger.chainSeq < best.chainSeq;
  }

  protected linkIndex(entry: SpdEntry): void {
    const list = this.listOf(entry, true)!;
    list.splice(upperBound(list, entry), 0, entry);
  }

  protected unlinkIndex(entry: SpdEntry): void {
    const list = this.listOf(entry, false);
    if (!list) throw new Error('spd: entry missing from the index');
    let i = lowerBound(list, entry);
    while (i < list.length && list[i] !== entry) i++;
    if (i === list.length) throw new Error('spd: entry missing from its list');
    list.splice(i, 1);
    if (list.length === 0) this.dropList(entry);
  }

  protected rebuildIndex(): void {
    this.index = [];
    const touched = new Set<SpdEntry[]>();
    for (const e of this.entries) {
      const list = this.listOf(e, true)!;
      list.push(e);
      touched.add(list);
    }
    for (const list of touched) list.sort(chainOrder);
  }

  /** The list an entry lives in: its exact chain, or its inexact bin's /0 list or dst-prefix list. */
  private listOf(entry: SpdEntry, create: boolean): SpdEntry[] | undefined {
    const p = entry.policy;
    const sel = p.selector;
    const slot = indexSlot(p.dir, p.ptype);
    let index = this.index[slot];
    if (!index) {
      if (!create) return undefined;
      index = { exact: new Map(), bins: new Map() };
      this.index[slot] = index;
    }
    const binKey = binHash(sel.family, p.ifId) & this.keyMask;
    if (entry.exact) {
      const { dbits, sbits } = this.hashBits(p.dir, sel.family);
      return getOrCreate(index.exact, prefixHash(sel.src, sbits, prefixHash(sel.dst, dbits, binKey)) & this.keyMask, create, () => []);
    }
    const bin = getOrCreate(index.bins, binKey, create, (): InexactBin => ({ any: [], byDst: new Map() }));
    if (!bin || sel.prefixlenD === 0) return bin?.any;
    const lists = getOrCreate(bin.byDst, sel.prefixlenD, create, () => new Map<number, SpdEntry[]>());
    return lists && getOrCreate(lists, prefixHash(sel.dst, sel.prefixlenD) & this.keyMask, create, () => []);
  }

  /** Empty lists are dropped so that a lookup never probes prefix lengths no policy uses. */
  private dropList(entry: SpdEntry): void {
    const p = entry.policy;
    const sel = p.selector;
    const index = this.index[indexSlot(p.dir, p.ptype)];
    if (!index) return;
    const binKey = binHash(sel.family, p.ifId) & this.keyMask;
    if (entry.exact) {
      const { dbits, sbits } = this.hashBits(p.dir, sel.family);
      index.exact.delete(prefixHash(sel.src, sbits, prefixHash(sel.dst, dbits, binKey)) & this.keyMask);
      return;
    }
    const bin = index.bins.get(binKey);
    if (!bin) return;
    if (sel.prefixlenD !== 0) {
      const lists = bin.byDst.get(sel.prefixlenD);
      lists?.delete(prefixHash(sel.dst, sel.prefixlenD) & this.keyMask);
      if (lists?.size === 0) bin.byDst.delete(sel.prefixlenD);
    }
    if (bin.any.length === 0 && bin.byDst.size === 0) index.bins.delete(binKey);
  }
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, create: boolean, make: () => V): V | undefined {
  let value = map.get(key);
  if (value === undefined && create) {
    value = make();
    map.set(key, value);
  }
  return value;
}

/** Each (dir, type) has its own tables: policyMatch does not compare the direction, so it is never hashed. */
function indexSlot(dir: XfrmDir, ptype: XfrmPolicyType): number {
  return (dir === 'in' ? 0 : dir === 'out' ? 2 : 4) + (ptype === 'sub' ? 1 : 0);
}

/** (family, if_id): the part of every key the kernel compares in xfrm_policy_match rather than hashes. */
function binHash(family: XfrmFamily, ifId: number): number {
  return mixHash(family === 'inet6' ? 10 : 2, ifId | 0);
}
