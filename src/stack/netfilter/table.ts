/** One ip6tables table: chains, rules and counters, the libiptc operations on them, and the rule walk of one hook (kernel: ip6_tables.c ip6t_do_table; iptables: libiptc.c). */

import { checkTable } from './checkentry.js';
import {
  MSG_BAD_BUILTIN,
  MSG_BAD_POLICY,
  MSG_BAD_RULE,
  MSG_CHAIN_EXISTS,
  MSG_INDEX_COUNTER,
  MSG_INDEX_DELETE,
  MSG_INDEX_INSERT,
  MSG_INDEX_REPLACE,
  MSG_NO_CHAIN,
  xtError,
} from './errors.js';
import { formatLogLine, NF_LOG_DEFAULT_MASK } from './log.js';
import { HeaderCache, type MatchPacket, matchRule } from './match.js';
import { isUnconditionalStandard, normalizeRule, REJECT_TYPES, type Rule, ruleChainTarget, ruleKey, type Target } from './rule.js';
import {
  type ConnRef,
  type Hook,
  type NfHookContext,
  type NfPacket,
  type NfStep,
  type RejectReply,
  TABLE_HOOKS,
  type TableName,
} from './types.js';

export interface Counters {
  readonly packets: number;
  readonly bytes: number;
}

/** A chain as `ip6tables -L -v` shows it. */
export interface ChainView {
  readonly name: string;
  readonly builtin: boolean;
  /** Built-in chains only. */
  readonly policy?: 'ACCEPT' | 'DROP';
  /** The policy's counters (built-in chains). */
  readonly packets: number;
  readonly bytes: number;
  /** Rules in the table that jump or go to this chain. */
  readonly references: number;
  readonly rules: readonly { readonly rule: Rule; readonly packets: number; readonly bytes: number }[];
}

interface RuleEntry {
  readonly rule: Rule;
  packets: number;
  bytes: number;
}

interface ChainData {
  readonly name: string;
  readonly hook?: Hook;
  policy: 'ACCEPT' | 'DROP';
  packets: number;
  bytes: number;
  rules: RuleEntry[];
}

/** libiptc's chain-name limit: strlen + 1 must fit in 32 bytes (XT_TABLE_MAXNAMELEN). */
const MAX_CHAIN_NAME = 31;
/** Names TC_CREATE_CHAIN and TC_RENAME_CHAIN refuse besides existing chains. */
const STANDARD_TARGETS = new Set(['ACCEPT', 'DROP', 'QUEUE', 'RETURN']);

/** The state of the packet that rules change while it walks the tables (skb->mark, ->_nfct, ->nf_trace). */
export interface SkbState {
  mark: number;
  ct: ConnRef | undefined;
  nfTrace: boolean;
}

export type TableOutcome =
  | { readonly kind: 'accept' }
  | { readonly kind: 'drop'; readonly reason: 'rule' | 'policy'; readonly chain: string; readonly rule: number | 'policy' }
  | { readonly kind: 'hotdrop'; readonly chain: string; readonly rule: number; readonly match: string }
  | { readonly kind: 'jump-stack'; readonly chain: string; readonly rule: number }
  | { readonly kind: 'reject'; readonly chain: string; readonly rule: number; readonly with: RejectReply };

export class XtTable {
  private chains = new Map<string, ChainData>();

  constructor(readonly name: TableName) {
    for (const hook of TABLE_HOOKS[name]) this.chains.set(hook, { name: hook, hook, policy: 'ACCEPT', packets: 0, bytes: 0, rules: [] });
  }

  /** A deep copy: ip6tables edits a copy and the kernel swaps it in whole, or keeps the old table. */
  clone(): XtTable {
    const t = new XtTable(this.name);
    t.chains = new Map([...this.chains].map(([k, c]) => [k, { ...c, rules: c.rules.map((r) => ({ ...r })) }]));
    return t;
  }

  /** Built-in chains in hook order, then user chains in strcmp order (libiptc keeps them sorted). */
  private ordered(): ChainData[] {
    const builtins = TABLE_HOOKS[this.name].map((h) => this.chains.get(h)!);
    const users = [...this.chains.values()].filter((c) => !c.hook).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return [...builtins, ...users];
  }

  private references(name: string): number {
    let n = 0;
    for (const c of this.chains.values()) for (const r of c.rules) if (ruleChainTarget(r.rule) === name) n++;
    return n;
  }

  hasChain(name: string): boolean {
    return this.chains.has(name);
  }

  view(): ChainView[] {
    return this.ordered().map((c) => ({
      name: c.name,
      builtin: c.hook !== undefined,
      policy: c.hook ? c.policy : undefined,
      packets: c.packets,
      bytes: c.bytes,
      references: this.references(c.name),
      rules: c.rules.map((r) => ({ rule: r.rule, packets: r.packets, bytes: r.bytes })),
    }));
  }

  /** Whether any rule makes conntrack necessary. */
  rules(): Rule[] {
    return [...this.chains.values()].flatMap((c) => c.rules.map((r) => r.rule));
  }

  /** The kernel's acceptance of the whole table (loops, match and target checks). */
  check(): void {
    checkTable(
      this.name,
      this.ordered().map((c) => ({ name: c.name, hook: c.hook, rules: c.rules.map((r) => r.rule) })),
    );
  }

  // ---- libiptc operations. Each throws XtablesError with the text ip6tables prints. ----

  /** iptcc_map_target(): a jump must name an existing user chain. */
  private mapTarget(rule: Rule): void {
    const target = ruleChainTarget(rule);
    if (target === undefined) return;
    const c = this.chains.get(target);
    if (c?.hook) throw xtError('EINVAL');
    if (!c) throw xtError('ENOENT', MSG_NO_CHAIN);
  }

  private chainOr(name: string, message = MSG_NO_CHAIN): ChainData {
    const c = this.chains.get(name);
    if (!c) throw xtError('ENOENT', message);
    return c;
  }

  private entry(rule: Rule, counters?: Counters): RuleEntry {
    return { rule: normalizeRule(rule), packets: counters?.packets ?? 0, bytes: counters?.bytes ?? 0 };
  }

  append(chain: string, rule: Rule, counters?: Counters): void {
    const c = this.chainOr(chain);
    this.mapTarget(rule);
    c.rules.push(this.entry(rule, counters));
  }

  /** `-I chain rulenum`: 1 puts the rule first; one past the end appends. */
  insert(chain: string, rulenum: number, rule: Rule, counters?: Counters): void {
    const c = this.chainOr(chain);
    if (!Number.isInteger(rulenum) || rulenum < 1 || rulenum - 1 > c.rules.length) throw xtError('E2BIG', MSG_INDEX_INSERT);
    this.mapTarget(rule);
    c.rules.splice(rulenum - 1, 0, this.entry(rule, counters));
  }

  replace(chain: string, rulenum: number, rule: Rule, counters?: Counters): void {
    const c = this.chainOr(chain);
    if (!Number.isInteger(rulenum) || rulenum < 1 || rulenum > c.rules.length) throw xtError('E2BIG', MSG_INDEX_REPLACE);
    this.mapTarget(rule);
    c.rules[rulenum - 1] = this.entry(rule, counters);
  }

  deleteAt(chain: string, rulenum: number): void {
    const c = this.chainOr(chain);
    if (!Number.isInteger(rulenum) || rulenum < 1 || rulenum > c.rules.length) throw xtError('E2BIG', MSG_INDEX_DELETE);
    c.rules.splice(rulenum - 1, 1);
  }

  /**
   * The first rule equal to `rule` (TC_DELETE_ENTRY; `dryRun` is -C). Not found says "Bad rule"
   * only when the target is a standard verdict or none: for any other target libiptc's target
   * lookup has overwritten the function its error table keys on, so ip6tables says "No
   * chain/target/match by that name".
   */
  deleteRule(chain: string, rule: Rule, dryRun = false): void {
    const c = this.chainOr(chain, MSG_BAD_RULE);
    this.mapTarget(rule);
    const key = ruleKey(rule);
    const i = c.rules.findIndex((r) => ruleKey(r.rule) === key);
    if (i < 0) {
      const k = rule.target.kind;
      const standard = k === 'none' || k === 'ACCEPT' || k === 'DROP' || k === 'RETURN';
      throw xtError('ENOENT', standard ? MSG_BAD_RULE : MSG_NO_CHAIN);
    }
    if (!dryRun) c.rules.splice(i, 1);
  }

  /** `-F [chain]`: every chain, built-in ones included, when none is named. */
  flush(chain?: string): void {
    const list = chain === undefined ? [...this.chains.values()] : [this.chainOr(chain)];
    for (const c of list) c.rules = [];
  }

  /** `-Z [chain [rulenum]]`: rule counters, and the policy counters of built-in chains. */
  zero(chain?: string, rulenum?: number): void {
    if (chain !== undefined && rulenum !== undefined) {
      const c = this.chainOr(chain);
      const r = Number.isInteger(rulenum) && rulenum >= 1 ? c.rules[rulenum - 1] : undefined;
      if (!r) throw xtError('E2BIG', MSG_INDEX_COUNTER);
      r.packets = r.bytes = 0;
      return;
    }
    const list = chain === undefined ? [...this.chains.values()] : [this.chainOr(chain)];
    for (const c of list) {
      c.packets = c.bytes = 0;
      for (const r of c.rules) r.packets = r.bytes = 0;
    }
  }

  newChain(name: string): void {
    if (this.chains.has(name) || STANDARD_TARGETS.has(name)) throw xtError('EEXIST', MSG_CHAIN_EXISTS);
    if (name.length > MAX_CHAIN_NAME) throw xtError('EINVAL');
    this.chains.set(name, { name, policy: 'ACCEPT', packets: 0, bytes: 0, rules: [] });
  }

  /**
   * `-X [chain]`: a user chain that is empty and unreferenced. Without a name every user chain is
   * tried in order; one failure fails the whole command with the last failure's errno. The texts
   * come from strerror (libiptc's own lines are shadowed by its inner calls, see XtablesError).
   */
  deleteChain(name?: string): void {
    if (name !== undefined) {
      this.deleteOneChain(name);
      return;
    }
    let last: Error | undefined;
    for (const c of this.ordered()) {
      if (c.hook) continue;
      try {
        this.deleteOneChain(c.name);
      } catch (e) {
        last = e as Error;
      }
    }
    if (last) throw last;
  }

  private deleteOneChain(name: string): void {
    const c = this.chainOr(name);
    if (c.hook) throw xtError('EINVAL');
    if (this.references(name) > 0) throw xtError('EMLINK');
    if (c.rules.length > 0) throw xtError('ENOTEMPTY');
    this.chains.delete(name);
  }

  /** `-E old new`: jumps to the chain follow it. */
  renameChain(oldName: string, newName: string): void {
    if (this.chains.has(newName) || STANDARD_TARGETS.has(newName)) throw xtError('EEXIST');
    const c = this.chains.get(oldName);
    if (!c || c.hook) throw xtError('ENOENT', MSG_NO_CHAIN);
    if (newName.length > MAX_CHAIN_NAME) throw xtError('EINVAL');
    this.chains.delete(oldName);
    this.chains.set(newName, { ...c, name: newName });
    for (const ch of this.chains.values()) {
      ch.rules = ch.rules.map((r) => {
        const t = r.rule.target;
        if ((t.kind === 'jump' || t.kind === 'goto') && t.chain === oldName) {
          return { ...r, rule: { ...r.rule, target: { kind: t.kind, chain: newName } } };
        }
        return r;
      });
    }
  }

  zeroPolicyCounters(): void {
    for (const c of this.chains.values()) {
      if (!c.hook) continue;
      c.packets = 0;
      c.bytes = 0;
    }
  }

  /** `-P chain policy`: built-in chains only; the policy counters restart from `counters` or zero. */
  setPolicy(chain: string, policy: string, counters?: Counters): void {
    const c = this.chains.get(chain);
    if (!c?.hook) throw xtError('ENOENT', MSG_BAD_BUILTIN);
    if (policy !== 'ACCEPT' && policy !== 'DROP') throw xtError('EINVAL', MSG_BAD_POLICY);
    c.policy = policy;
    c.packets = counters?.packets ?? 0;
    c.bytes = counters?.bytes ?? 0;
  }

  // ---- ip6t_do_table ----

  private userChainCount(): number {
    let n = 0;
    for (const c of this.chains.values()) if (!c.hook) n++;
    return n;
  }

  /**
   * Walks the hook's built-in chain. Counters of every matched rule grow by one packet and
   * `bytes.length` bytes; jumps push onto a stack of one slot per user chain (plus the table's end
   * marker, as translate_table counts them), goto does not; RETURN or the end of a user chain pops,
   * and with an empty stack lands on the built-in chain's policy.
   */
  run(hook: Hook, pkt: NfPacket, skb: SkbState, ctx: NfHookContext, steps: NfStep[] | undefined): TableOutcome {
    const root = this.chains.get(hook);
    if (!root) return { kind: 'accept' };
    const len = pkt.bytes.length;
    const cache = new HeaderCache(pkt.bytes);
    const stackSize = this.userChainCount() + 1;
    const stack: { chain: ChainData; index: number }[] = [];
    // One view for the whole walk; targets that change the mark update it.
    const view: { -readonly [K in keyof MatchPacket]: MatchPacket[K] } = {
      bytes: pkt.bytes,
      inDev: pkt.inDev ?? '',
      outDev: pkt.outDev ?? '',
      mark: skb.mark,
      ct: skb.ct,
      secPath: pkt.secPath,
      bundle: pkt.bundle,
      nowUs: ctx.nowUs,
    };
    let chain = root;
    let i = 0;
    const trace = (comment: 'rule' | 'return' | 'policy', num: number) => {
      if (!skb.nfTrace || !ctx.log) return;
      const prefix = `TRACE: ${this.name}:${chain.name}:${comment}:${num} `;
      ctx.log(formatLogLine({ ...pkt, mark: skb.mark }, prefix, NF_LOG_DEFAULT_MASK), 4);
    };
    // RETURN and the end of a user chain: back to the rule after the jump, or to the policy.
    const pop = (): void => {
      const top = stack.pop();
      if (top) {
        chain = top.chain;
        i = top.index + 1;
      } else {
        chain = root;
        i = root.rules.length;
      }
    };

    for (;;) {
      if (i >= chain.rules.length) {
        if (chain.hook) {
          chain.packets++;
          chain.bytes += len;
          trace('policy', chain.rules.length + 1);
          steps?.push({ kind: 'policy', table: this.name, chain: chain.name, verdict: chain.policy });
          return chain.policy === 'ACCEPT' ? { kind: 'accept' } : { kind: 'drop', reason: 'policy', chain: chain.name, rule: 'policy' };
        }
        trace('return', chain.rules.length + 1);
        steps?.push({ kind: 'return', table: this.name, chain: chain.name, rule: chain.rules.length + 1 });
        pop();
        continue;
      }
      const entry = chain.rules[i]!;
      const num = i + 1;
      const m = matchRule(entry.rule, view, cache);
      if (m.kind === 'hotdrop') return { kind: 'hotdrop', chain: chain.name, rule: num, match: m.match };
      if (m.kind === 'nomatch') {
        i++;
        continue;
      }
      entry.packets++;
      entry.bytes += len;
      const target: Target = entry.rule.target;
      if (skb.nfTrace) {
        const tail = isUnconditionalStandard(entry.rule) ? (chain.hook ? 'policy' : 'return') : 'rule';
        trace(tail, num);
      }
      steps?.push({ kind: 'rule', table: this.name, chain: chain.name, rule: num, target });
      switch (target.kind) {
        case 'ACCEPT':
          return { kind: 'accept' };
        case 'DROP':
          return { kind: 'drop', reason: 'rule', chain: chain.name, rule: num };
        case 'RETURN':
          pop();
          continue;
        case 'jump': {
          if (stack.length >= stackSize) return { kind: 'jump-stack', chain: chain.name, rule: num };
          stack.push({ chain, index: i });
          chain = this.chains.get(target.chain)!;
          i = 0;
          continue;
        }
        case 'goto':
          chain = this.chains.get(target.chain)!;
          i = 0;
          continue;
        case 'REJECT':
          return { kind: 'reject', chain: chain.name, rule: num, with: rejectReply(target.with) };
        case 'LOG':
          ctx.log?.(formatLogLine({ ...pkt, mark: skb.mark }, target.prefix, target.logflags), target.level);
          break;
        case 'MARK':
          skb.mark = ((skb.mark & ~target.mask) ^ target.mark) >>> 0;
          view.mark = skb.mark;
          break;
        case 'CONNMARK':
          applyConnmark(target, skb);
          view.mark = skb.mark;
          break;
        case 'TRACE':
          skb.nfTrace = true;
          break;
        case 'none':
          break;
      }
      i++;
    }
  }
}

function rejectReply(w: Extract<Target, { kind: 'REJECT' }>['with']): RejectReply {
  if (w === 'tcp-reset') return { kind: 'tcp-reset' };
  const code = REJECT_TYPES.find((t) => t.name === w)?.code ?? 4;
  return { kind: 'icmp6', type: 1, code };
}

/** connmark_tg_shift(): set, save (packet mark into the connection) or restore (back into the packet). */
function applyConnmark(t: Extract<Target, { kind: 'CONNMARK' }>, skb: SkbState): void {
  if (skb.ct?.kind !== 'tracked') return;
  const e = skb.ct.entry;
  const shift = (v: number) => {
    const bits = t.shiftBits ?? 0;
    return (t.shiftDir === 'right' ? v >>> bits : v << bits) >>> 0;
  };
  switch (t.mode) {
    case 'set':
      e.mark = shift(((e.mark & ~t.ctmask) ^ t.ctmark) >>> 0);
      return;
    case 'save': {
      const v = shift((skb.mark & t.nfmask) >>> 0);
      e.mark = ((e.mark & ~t.ctmask) ^ v) >>> 0;
      return;
    }
    case 'restore': {
      const v = shift((e.mark & t.ctmask) >>> 0);
      skb.mark = ((skb.mark & ~t.nfmask) ^ v) >>> 0;
      return;
    }
  }
}
