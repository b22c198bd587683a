/** What the kernel checks when ip6tables replaces a table: loops, and each match and target against its table, hooks and protocol (kernel: ip6_tables.c translate_table, mark_source_chains; x_tables.c xt_check_match/xt_check_target; each module's checkentry). */

import { IPPROTO } from '../../wire/proto.js';
import { xtError } from './errors.js';
import type { Match, Rule } from './rule.js';
import { HOOKS, type Hook, type TableName } from './types.js';

/** The chains of a table as the check needs them: name, built-in hook, rules in order. */
export interface CheckChain {
  readonly name: string;
  readonly hook?: Hook;
  readonly rules: readonly Rule[];
}

const TCP = IPPROTO.TCP;
const UDP = IPPROTO.UDP;

/** Matches registered with a protocol (xt_match.proto): the rule's -p must name it, without `!`. */
const MATCH_PROTO: Partial<Record<Match['kind'], number>> = { tcp: TCP, udp: UDP, icmp6: IPPROTO.ICMPV6, esp: IPPROTO.ESP };
/** xt_multiport's check(): the protocols that have ports. */
const MULTIPORT_PROTOS = new Set([TCP, UDP, 136, 132, 33]);
/** XT_MULTI_PORTS: 15 entries, a range taking two. */
const MULTI_PORTS = 15;
/** XT_POLICY_MAX_ELEM. */
const POLICY_MAX_ELEM = 4;

/** textify_hooks(): hook names joined by "/". */
function hookNames(mask: ReadonlySet<Hook>): string {
  return HOOKS.filter((h) => mask.has(h)).join('/');
}

function einval(dmesg?: string) {
  return xtError('EINVAL', undefined, dmesg);
}

/**
 * mark_source_chains(): from each built-in chain, follow jumps and gotos; a chain met again on the
 * current path is a loop (ELOOP, "Too many levels of symbolic links"). Loops no hook reaches are
 * not seen, as in the kernel. Returns the hooks each chain is reachable from.
 */
export function reachableHooks(chains: readonly CheckChain[]): Map<string, Set<Hook>> {
  const byName = new Map(chains.map((c) => [c.name, c]));
  const hooks = new Map<string, Set<Hook>>(chains.map((c) => [c.name, new Set<Hook>()]));
  for (const root of chains) {
    if (!root.hook) continue;
    const hook = root.hook;
    const visited = new Set<string>();
    const onPath = new Set<string>();
    const walk = (chain: CheckChain): void => {
      onPath.add(chain.name);
      hooks.get(chain.name)!.add(hook);
      for (const rule of chain.rules) {
        const t = rule.target;
        if (t.kind !== 'jump' && t.kind !== 'goto') continue;
        if (onPath.has(t.chain)) throw xtError('ELOOP');
        const next = byName.get(t.chain);
        if (next && !visited.has(t.chain)) walk(next);
      }
      onPath.delete(chain.name);
      visited.add(chain.name);
    };
    walk(root);
  }
  return hooks;
}

function checkMatch(m: Match, rule: Rule, hooks: ReadonlySet<Hook>): void {
  const proto = rule.proto?.num ?? 0;
  const invProto = !!rule.proto?.invert;
  const need = MATCH_PROTO[m.kind];
  if (need !== undefined && (need !== proto || invProto)) {
    throw einval(`x_tables: ip6_tables: ${m.kind} match: only valid for protocol ${need}`);
  }
  switch (m.kind) {
    case 'multiport': {
      const count = m.ports.reduce((n, p) => n + (p.min === p.max ? 1 : 2), 0);
      if (!MULTIPORT_PROTOS.has(proto) || invProto || count > MULTI_PORTS) throw einval();
      return;
    }
    case 'policy': {
      const inHooks = hooks.has('PREROUTING') || hooks.has('INPUT');
      const outHooks = hooks.has('POSTROUTING') || hooks.has('OUTPUT');
      if (inHooks && m.dir === 'out') throw einval('xt_policy: output policy not valid in PREROUTING and INPUT');
      if (outHooks && m.dir === 'in') throw einval('xt_policy: input policy not valid in POSTROUTING and OUTPUT');
      if (m.elements.length > POLICY_MAX_ELEM) throw einval('xt_policy: too many policy elements');
      return;
    }
    case 'comment':
      if (m.comment.length > 255) throw einval();
      return;
    default:
      return;
  }
}

function checkTarget(rule: Rule, table: TableName, hooks: ReadonlySet<Hook>): void {
  const t = rule.target;
  const onlyTable = (name: string, want: TableName) => {
    if (table !== want) throw einval(`x_tables: ip6_tables: ${name} target: only valid in ${want} table, not ${table}`);
  };
  switch (t.kind) {
    case 'REJECT': {
      onlyTable('REJECT', 'filter');
      const allowed: ReadonlySet<Hook> = new Set<Hook>(['INPUT', 'FORWARD', 'OUTPUT']);
      if ([...hooks].some((h) => !allowed.has(h))) {
        throw einval(`x_tables: ip6_tables: REJECT target: used from hooks ${hookNames(hooks)}, but only usable from INPUT/FORWARD/OUTPUT`);
      }
      if (t.with === 'tcp-reset' && (rule.proto?.num !== TCP || rule.proto.invert)) {
        throw einval('ip6t_REJECT: TCP_RESET illegal for non-tcp');
      }
      return;
    }
    case 'TRACE':
      onlyTable('TRACE', 'raw');
      return;
    case 'LOG':
      // log_tg_check: level 0..7, prefix NUL-terminated in 30 bytes.
      if (!Number.isInteger(t.level) || t.level < 0 || t.level > 7 || t.prefix.length > 29) throw einval();
      return;
    case 'CONNMARK':
      if ((t.shiftBits ?? 0) > 31) throw einval();
      return;
    default:
      return;
  }
}

/**
 * translate_table() for a whole table: ELOOP first, then every rule in table order, matches
 * before the target, each against the hooks its chain is reachable from (a built-in chain: its
 * own hook). The first failure is thrown; nothing is changed.
 */
export function checkTable(table: TableName, chains: readonly CheckChain[]): void {
  const hooks = reachableHooks(chains);
  for (const chain of chains) {
    const mask: ReadonlySet<Hook> = chain.hook ? new Set([chain.hook]) : (hooks.get(chain.name) ?? new Set());
    for (const rule of chain.rules) {
      for (const m of rule.matches ?? []) checkMatch(m, rule, mask);
      checkTarget(rule, table, mask);
    }
  }
}
