/** The `ip6tables` command (ip6tables-legacy 1.8.9) over one namespace's netfilter tables (iptables: iptables/ip6tables.c do_command6, ip6tables-standalone.c). */

import type { Netfilter, Rule, TableName, Target } from '../stack/netfilter/index.js';
import { TABLES, XtablesError } from '../stack/netfilter/index.js';
import { type CommandResult, failure, notModelled, result } from './command.js';
import { NotModelled, ParamError, type ParsedCommand, parseIp6tablesArgs } from './ip6tables-parse.js';
import { type ListFormat, listChain, listRule, NameLookupNeeded, NotPrintable, saveRule } from './ip6tables-print.js';

export { ip6tablesRestore, ip6tablesSave } from './ip6tables-save.js';

export interface Ip6tablesContext {
  readonly netfilter: Netfilter;
  /** The virtual clock, microseconds since the epoch (ip6tables-save prints it). */
  readonly nowUs: number;
}

export const IP6TABLES_VERSION = 'v1.8.9 (legacy)';

/** xtables_error(PARAMETER_PROBLEM): the message, the restore line if any, the "Try" line; status 2. */
export function paramFailure(e: ParamError, program: string, line?: number): CommandResult {
  let text = e.bare ? (e.message === '' ? '' : `${e.message}\n`) : `${program} ${IP6TABLES_VERSION}: ${e.message}\n`;
  if (line !== undefined) text += `Error occurred at line: ${line}\n`;
  text += `Try \`${program} -h' or '${program} --help' for more information.\n`;
  return { stdout: '', stderr: text, exitCode: e.status };
}

/** Tables the kernel has for IPv6 but xfrmsim does not model. */
const OTHER_KERNEL_TABLES = new Set(['nat', 'security']);

/** ip6tc_init() for `-t`: the modelled tables, or the tool's error (exit 3). */
export function checkTable(table: string, program: string): TableName | CommandResult {
  if ((TABLES as readonly string[]).includes(table)) return table as TableName;
  if (OTHER_KERNEL_TABLES.has(table)) return notModelled(`${program} -t ${table}`);
  return failure(
    `${program} ${IP6TABLES_VERSION}: can't initialize ip6tables table \`${table}': Table does not exist (do you need to insmod?)\nPerhaps ${program} or your kernel needs to be upgraded.`,
    3,
  );
}

/**
 * The target of a rule command: an extension loaded at parse time, a verdict, a chain of this
 * table (a chain name only resolves once the table is open), or the tool's error.
 */
export function resolveTarget(p: ParsedCommand, hasChain: (name: string) => boolean): Target {
  const j = p.jump!;
  if (j.target) return j.target;
  if (j.name === '') return { kind: 'none' };
  if (j.name === 'ACCEPT' || j.name === 'DROP' || j.name === 'RETURN') {
    if (j.goto) throw new NotModelled(`ip6tables -g ${j.name}`);
    return { kind: j.name };
  }
  if (j.name === 'QUEUE') throw new NotModelled('ip6tables -j QUEUE');
  if (hasChain(j.name)) return { kind: j.goto ? 'goto' : 'jump', chain: j.name };
  if (j.goto) throw new ParamError(`goto '${j.name}' is not a chain`);
  throw new ParamError(`Couldn't load target \`${j.name}':No such file or directory\n`);
}

function listFormat(p: ParsedCommand): ListFormat {
  return { verbose: p.verbose, numeric: p.numeric, expanded: p.expanded, lineNumbers: p.lineNumbers };
}

function noChain(): CommandResult {
  return failure('ip6tables: No chain/target/match by that name.', 1);
}

/** `-L [chain [rulenum]]` (list_entries). */
function list(nf: Netfilter, table: TableName, p: ParsedCommand): CommandResult {
  const f = listFormat(p);
  let out = '';
  let found = false;
  for (const c of nf.list(table)) {
    if (p.chain !== undefined && p.chain !== c.name) continue;
    if (found) out += '\n';
    if (p.rulenum === 0) out += listChain(c, f);
    else {
      const r = c.rules[p.rulenum - 1];
      if (r) out += listRule(r.rule, r, p.rulenum, f);
    }
    found = true;
  }
  if (!found) return noChain();
  return result(out);
}

/** `-S [chain [rulenum]]` (list_rules): chains first, then rules; -v adds counters. */
function listRules(nf: Netfilter, table: TableName, p: ParsedCommand): CommandResult {
  const chains = nf.list(table).filter((c) => p.chain === undefined || c.name === p.chain);
  if (chains.length === 0) return noChain();
  let out = '';
  if (p.rulenum === 0) {
    for (const c of chains) {
      if (c.builtin) out += `-P ${c.name} ${c.policy}${p.verbose ? ` -c ${c.packets} ${c.bytes}` : ''}\n`;
      else out += `-N ${c.name}\n`;
    }
  }
  for (const c of chains) {
    c.rules.forEach((r, i) => {
      if (p.rulenum === 0 || p.rulenum === i + 1) out += saveRule(c.name, r.rule, p.verbose ? r : undefined, 'S');
    });
  }
  return result(out);
}

/** Runs one parsed command against the tables (do_command6 after do_parse). */
function run(nf: Netfilter, table: TableName, p: ParsedCommand): CommandResult {
  const cmds = p.commands;
  const chain = p.chain!;
  if (p.verbose && cmds.some((c) => c === 'A' || c === 'C' || c === 'D' || c === 'I' || c === 'R')) {
    throw new NotModelled('ip6tables -v with a rule command');
  }
  const hasChain = (name: string) => nf.list(table).some((c) => c.name === name);
  const ruleOf = (): Rule => ({ ...p.rule!, target: resolveTarget(p, hasChain) });
  const main = cmds.find((c) => c !== 'Z' && c !== 'ZN') ?? cmds[0]!;
  switch (main) {
    case 'A':
      nf.append(table, chain, ruleOf(), p.counters);
      return result('');
    case 'I':
      nf.insert(table, chain, p.rulenum, ruleOf(), p.counters);
      return result('');
    case 'R':
      nf.replace(table, chain, p.rulenum, ruleOf(), p.counters);
      return result('');
    case 'D':
      nf.deleteRule(table, chain, ruleOf());
      return result('');
    case 'C':
      nf.checkRule(table, chain, ruleOf());
      return result('');
    case 'DN':
      nf.deleteAt(table, chain, p.rulenum);
      return result('');
    case 'F':
      nf.flush(table, p.chain);
      return result(p.verbose ? flushMessages(nf, table, p.chain, 'Flushing') : '');
    case 'Z': {
      const msg = p.verbose ? flushMessages(nf, table, p.chain, 'Zeroing') : '';
      nf.zero(table, p.chain);
      return result(msg);
    }
    case 'ZN':
      nf.zero(table, chain, p.rulenum);
      return result('');
    case 'N':
      nf.newChain(table, chain);
      return result('');
    case 'X': {
      const names =
        p.chain !== undefined
          ? [p.chain]
          : nf
              .list(table)
              .filter((c) => !c.builtin)
              .map((c) => c.name);
      nf.deleteChain(table, p.chain);
      return result(p.verbose ? names.map((n) => `Deleting chain \`${n}'\n`).join('') : '');
    }
    case 'E':
      nf.renameChain(table, chain, p.newname!);
      return result('');
    case 'P':
      nf.setPolicy(table, chain, p.policy!, p.counters);
      return result('');
    case 'L':
    case 'S': {
      const shown = main === 'L' ? list(nf, table, p) : listRules(nf, table, p);
      if (shown.exitCode !== 0) return shown;
      if (cmds.includes('Z')) nf.zero(table, p.chain);
      if (cmds.includes('ZN')) nf.zero(table, chain, p.rulenum);
      return shown;
    }
  }
}

/** The "Flushing chain `X'" lines of -v -F / -Z (every chain when none is named). */
function flushMessages(nf: Netfilter, table: TableName, chain: string | undefined, verb: string): string {
  const names = chain !== undefined ? [chain] : nf.list(table).map((c) => c.name);
  return names.map((n) => `${verb} chain \`${n}'\n`).join('');
}

/** Converts the errors of one command into what the tool prints. */
export function runCommand(ctx: Ip6tablesContext, p: ParsedCommand, program = 'ip6tables'): CommandResult {
  const table = checkTable(p.table, program);
  if (typeof table !== 'string') return table;
  try {
    const r = run(ctx.netfilter, table, p);
    return p.warnings.length > 0 ? { ...r, stderr: p.warnings.map((w) => `${w}\n`).join('') + r.stderr } : r;
  } catch (e) {
    if (e instanceof XtablesError) return failure(e.toolMessage('ip6tables'), 1);
    if (e instanceof ParamError) return paramFailure(e, program);
    if (e instanceof NotModelled) return notModelled(e.message);
    if (e instanceof NameLookupNeeded) return notModelled(`ip6tables -L without -n (name of ${e.message})`);
    if (e instanceof NotPrintable) return notModelled(e.message);
    throw e;
  }
}

/** `ip6tables ARGS...` (argv without the program name). */
export function ip6tables(argv: readonly string[], ctx: Ip6tablesContext): CommandResult {
  let p: ParsedCommand;
  try {
    p = parseIp6tablesArgs(argv);
  } catch (e) {
    if (e instanceof ParamError) return paramFailure(e, 'ip6tables');
    if (e instanceof NotModelled) return notModelled(e.message);
    throw e;
  }
  if (p.version) return result(`ip6tables ${IP6TABLES_VERSION}\n`);
  return runCommand(ctx, p);
}
