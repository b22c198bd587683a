/** One network namespace's ip6tables tables and conntrack, and the hooks that run them in the kernel's priority order (kernel: ip6table_{raw,mangle,filter}.c, nf_conntrack_proto.c ipv6_conntrack_ops, ip6table_mangle.c ip6t_mangle_out). */

import { parseIpv6 } from '../../wire/ipv6.js';
import { Conntrack } from './conntrack.js';
import type { Rule } from './rule.js';
import { ruleNeedsConntrack } from './rule.js';
import { type ChainView, type Counters, type SkbState, XtTable } from './table.js';
import { type Hook, type NfHookContext, type NfPacket, type NfStep, type NfVerdict, TABLES, type TableName } from './types.js';

type Stage = TableName | 'conntrack' | 'confirm';

/**
 * What runs at each hook, by priority: raw -300, conntrack -200 (only PREROUTING and OUTPUT look
 * packets up), mangle -150, filter 0, conntrack confirm last (POSTROUTING, INPUT).
 */
const STAGES: Readonly<Record<Hook, readonly Stage[]>> = {
  PREROUTING: ['raw', 'conntrack', 'mangle'],
  INPUT: ['mangle', 'filter', 'confirm'],
  FORWARD: ['mangle', 'filter'],
  OUTPUT: ['raw', 'conntrack', 'mangle', 'filter'],
  POSTROUTING: ['mangle', 'confirm'],
};

/** The hooks that pass an input device (state->in) and an output device (state->out) to the tables. */
const HAS_IN: ReadonlySet<Hook> = new Set<Hook>(['PREROUTING', 'INPUT', 'FORWARD']);
const HAS_OUT: ReadonlySet<Hook> = new Set<Hook>(['FORWARD', 'OUTPUT', 'POSTROUTING']);

const HOOKS = Object.keys(STAGES) as Hook[];

/** The steps of a hook where nothing is registered (shared: verdicts never change their steps). */
const NO_STEPS: readonly NfStep[] = Object.freeze([]);

/** The operations one ip6tables command (or one ip6tables-restore table) applies before its commit. */
export type TableEditor = Pick<
  XtTable,
  'append' | 'insert' | 'replace' | 'deleteAt' | 'deleteRule' | 'flush' | 'zero' | 'newChain' | 'deleteChain' | 'renameChain' | 'setPolicy'
>;

export interface NetfilterOptions {
  readonly conntrack?: Conntrack;
  /** Track connections even when no rule needs conntrack (by default the kernel registers it on demand). */
  readonly alwaysTrack?: boolean;
}

export class Netfilter {
  readonly conntrack: Conntrack;
  private readonly tables: Record<TableName, XtTable> = {
    raw: new XtTable('raw'),
    mangle: new XtTable('mangle'),
    filter: new XtTable('filter'),
  };
  /** Tables ip6tables has touched in this namespace; the others are not hooked in yet. */
  private readonly instantiated = new Set<TableName>();
  private tracking: boolean;
  /** The hooks where some table or conntrack is registered; the others see no netfilter at all. */
  private readonly hooked = new Set<Hook>();

  constructor(private readonly options: NetfilterOptions = {}) {
    this.conntrack = options.conntrack ?? new Conntrack();
    this.tracking = !!options.alwaysTrack;
    this.refreshHooks();
  }

  /**
   * Whether anything is registered at `hook`: a table ip6tables has created that hooks there, or
   * conntrack while it is on. Where nothing is, the kernel's nf_hook() finds an empty hook list
   * and the packet goes on untouched (no header check, no counter).
   */
  isHooked(hook: Hook): boolean {
    return this.hooked.has(hook);
  }

  private refreshHooks(): void {
    this.hooked.clear();
    for (const hook of HOOKS) {
      const any = STAGES[hook].some((stage) =>
        stage === 'conntrack' || stage === 'confirm' ? this.tracking : this.instantiated.has(stage),
      );
      if (any) this.hooked.add(hook);
    }
  }

  private instantiate(table: TableName): void {
    if (this.instantiated.has(table)) return;
    this.instantiated.add(table);
    this.refreshHooks();
  }

  /**
   * True while some rule uses conntrack/state/connmark/CONNMARK: only then does the kernel hook
   * conntrack into the namespace (nf_ct_netns_get), so only then are connections tracked.
   */
  get conntrackEnabled(): boolean {
    return this.tracking;
  }

  /**
   * Whether ip6tables has used this table yet. Tables are created in a namespace on first use
   * (the legacy tables' table_init), so their counters start from that moment.
   */
  isInstantiated(table: TableName): boolean {
    return this.instantiated.has(table);
  }

  /** The chains as `ip6tables -t table -L` sees them (which, as there, creates the table). */
  list(table: TableName): ChainView[] {
    this.instantiate(table);
    return this.tables[table].view();
  }

  /**
   * Applies `fn`'s changes and replaces the table, as one ip6tables command does: libiptc edits a
   * copy, the kernel checks the whole new table. Any XtablesError leaves the table as it was
   * (the table itself is created even then, as libiptc's init comes first).
   */
  edit(table: TableName, fn: (t: TableEditor) => void): void {
    this.instantiate(table);
    const draft = this.tables[table].clone();
    // Each commit of ip6tables-legacy leaves the built-in chains' policy counters at zero, whatever
    // the command changed (recorded with Debian's iptables 1.8.9: -A, -I, -D, -R, -N each reset
    // OUTPUT's policy counters); -P and restore's `[packets:bytes]` set them after.
    draft.zeroPolicyCounters();
    fn(draft);
    draft.check();
    this.tables[table] = draft;
    this.tracking = !!this.options.alwaysTrack || TABLES.some((t) => this.tables[t].rules().some(ruleNeedsConntrack));
    this.refreshHooks();
  }

  /** `-A chain rule` (`-c packets bytes` gives starting counters). */
  append(table: TableName, chain: string, rule: Rule, counters?: Counters): void {
    this.edit(table, (t) => t.append(chain, rule, counters));
  }

  /** `-I chain [rulenum] rule`. */
  insert(table: TableName, chain: string, rulenum: number, rule: Rule, counters?: Counters): void {
    this.edit(table, (t) => t.insert(chain, rulenum, rule, counters));
  }

  /** `-R chain rulenum rule`. */
  replace(table: TableName, chain: string, rulenum: number, rule: Rule, counters?: Counters): void {
    this.edit(table, (t) => t.replace(chain, rulenum, rule, counters));
  }

  /** `-D chain rulenum`. */
  deleteAt(table: TableName, chain: string, rulenum: number): void {
    this.edit(table, (t) => t.deleteAt(chain, rulenum));
  }

  /** `-D chain rule`: the first equal rule. */
  deleteRule(table: TableName, chain: string, rule: Rule): void {
    this.edit(table, (t) => t.deleteRule(chain, rule));
  }

  /** `-C chain rule`: throws the "-D" error when no equal rule exists; changes nothing. */
  checkRule(table: TableName, chain: string, rule: Rule): void {
    this.instantiate(table);
    this.tables[table].clone().deleteRule(chain, rule, true);
  }

  /** `-F [chain]`. */
  flush(table: TableName, chain?: string): void {
    this.edit(table, (t) => t.flush(chain));
  }

  /** `-Z [chain [rulenum]]`. */
  zero(table: TableName, chain?: string, rulenum?: number): void {
    this.edit(table, (t) => t.zero(chain, rulenum));
  }

  /** `-N chain`. */
  newChain(table: TableName, name: string): void {
    this.edit(table, (t) => t.newChain(name));
  }

  /** `-X [chain]`. */
  deleteChain(table: TableName, name?: string): void {
    this.edit(table, (t) => t.deleteChain(name));
  }

  /** `-E old new`. */
  renameChain(table: TableName, oldName: string, newName: string): void {
    this.edit(table, (t) => t.renameChain(oldName, newName));
  }

  /** `-P chain policy` (`-c` gives the policy counters, else they restart at zero). */
  setPolicy(table: TableName, chain: string, policy: string, counters?: Counters): void {
    this.edit(table, (t) => t.setPolicy(chain, policy, counters));
  }

  /**
   * Runs the hook: each table in priority order, the conntrack lookup (PREROUTING, OUTPUT) and
   * confirmation (POSTROUTING, INPUT). The first DROP or REJECT ends it; an entry whose packet is
   * dropped before confirmation never enters the conntrack table.
   */
  runHook(hook: Hook, pkt: NfPacket, ctx: NfHookContext): NfVerdict {
    if (!this.hooked.has(hook)) return { kind: 'accept', pkt, reroute: false, steps: NO_STEPS };
    const steps: NfStep[] | undefined = ctx.recordSteps === false ? undefined : [];
    const skb: SkbState = { mark: pkt.mark >>> 0, ct: pkt.ct, nfTrace: !!pkt.nfTrace };
    // The packet as it came when the hook changed none of what netfilter may change.
    const done = (): NfPacket =>
      skb.mark === pkt.mark && skb.ct === pkt.ct && skb.nfTrace === !!pkt.nfTrace
        ? pkt
        : { ...pkt, mark: skb.mark, ct: skb.ct, nfTrace: skb.nfTrace };
    const header = parseIpv6(pkt.bytes);
    if (!header.ok) return { kind: 'drop', reason: 'malformed', pkt, detail: header.error.detail, steps: steps ?? NO_STEPS };

    const inDev = HAS_IN.has(hook) ? pkt.inDev : undefined;
    const outDev = HAS_OUT.has(hook) ? pkt.outDev : undefined;
    const seen: NfPacket = inDev === pkt.inDev && outDev === pkt.outDev ? pkt : { ...pkt, inDev, outDev };
    let reroute = false;
    for (const stage of STAGES[hook]) {
      if (stage === 'conntrack') {
        if (!this.tracking) continue;
        const r = this.conntrack.lookup({ ...seen, ct: skb.ct }, hook, ctx.nowUs);
        skb.ct = r.ct;
        steps?.push({ kind: 'conntrack', hook, state: r.state, dir: r.dir, entry: r.entry, detail: r.detail });
        continue;
      }
      if (stage === 'confirm') {
        if (!this.tracking) continue;
        const c = this.conntrack.confirm(skb.ct, ctx.nowUs);
        skb.ct = c.ref;
        if (c.inserted !== undefined) steps?.push({ kind: 'confirm', entry: c.inserted });
        continue;
      }
      if (!this.instantiated.has(stage)) continue;
      const markBefore = skb.mark;
      const out = this.tables[stage].run(hook, seen, skb, ctx, steps);
      if (stage === 'mangle' && hook === 'OUTPUT' && skb.mark !== markBefore && out.kind === 'accept') reroute = true;
      switch (out.kind) {
        case 'accept':
          continue;
        case 'drop':
          return {
            kind: 'drop',
            reason: out.reason,
            pkt: done(),
            table: stage,
            chain: out.chain,
            rule: out.rule,
            steps: steps ?? NO_STEPS,
          };
        case 'hotdrop':
          return {
            kind: 'drop',
            reason: 'hotdrop',
            pkt: done(),
            table: stage,
            chain: out.chain,
            rule: out.rule,
            match: out.match,
            steps: steps ?? NO_STEPS,
          };
        case 'jump-stack':
          return {
            kind: 'drop',
            reason: 'jump-stack',
            pkt: done(),
            table: stage,
            chain: out.chain,
            rule: out.rule,
            steps: steps ?? NO_STEPS,
          };
        case 'reject':
          return { kind: 'reject', pkt: done(), table: stage, chain: out.chain, rule: out.rule, with: out.with, steps: steps ?? NO_STEPS };
      }
    }
    return { kind: 'accept', pkt: done(), reroute, steps: steps ?? NO_STEPS };
  }
}
