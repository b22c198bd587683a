/** Background jobs (`CMD &`, `$!`) for a bash interpreter that runs every statement to completion: a rewrite of the script before it runs. */

// just-bash parses `CMD &` but runs CMD in the foreground and leaves `$!` at 0. The simulated
// world has no threads either: a capture "runs in the background" by staying attached to its
// device while the script goes on. So the rewrite makes the job visible to the command instead:
//   CMD REDIRS &   ->   XFRMSIM_LASTPID=$(__xfrmsim_newpid)
//                       XFRMSIM_BG=$XFRMSIM_LASTPID XFRMSIM_BG_OUT=T1 XFRMSIM_BG_ERR=T2 CMD REDIRS
//                       __xfrmsim_bgdone "$XFRMSIM_LASTPID" "$?"
// and `$!` reads XFRMSIM_LASTPID; `wait` becomes a command that can run the world until a job ends.
// The same rewrite mends what the interpreter reads differently from bash (`[!...]` in patterns). A command that can run in the background (tcpdump, sleep)
// sees XFRMSIM_BG, registers a job under that pid and returns at once; what the job prints
// later goes to the files its redirections named (T1, T2), or to the console when there were none.

import { BashTransformPipeline, parse, type ScriptNode, type TransformPlugin } from 'just-bash';

type Node = { type?: string; [key: string]: unknown };
type Word = { type: 'Word'; parts: unknown[] };

export const BG_PID_VAR = 'XFRMSIM_LASTPID';
export const BG_VAR = 'XFRMSIM_BG';
export const BG_OUT_VAR = 'XFRMSIM_BG_OUT';
export const BG_ERR_VAR = 'XFRMSIM_BG_ERR';
export const NEWPID_COMMAND = '__xfrmsim_newpid';
/**
 * `__xfrmsim_bgdone PID STATUS`, after the statement: a background command that did not become a
 * job (`sh -c ... &`) has ended already; `wait PID` gives its status, and `$?` is 0 as after any `&`.
 */
export const BGDONE_COMMAND = '__xfrmsim_bgdone';
/** `wait` is an interpreter builtin that returns at once; the rewrite sends it to the job table instead. */
export const WAIT_COMMAND = '__xfrmsim_wait';
/**
 * The interpreter parses a sourced file by itself, past any rewrite: `. FILE` becomes
 * `eval "$(__xfrmsim_source FILE)"`, which prints FILE rewritten (the same shell runs it, as `.` does).
 */
export const SOURCE_COMMAND = '__xfrmsim_source';

/** The AST transform (a just-bash TransformPlugin). */
export const backgroundJobsPlugin: TransformPlugin = {
  name: 'xfrmsim-background-jobs',
  transform(context) {
    return { ast: rewrite(context.ast) as ScriptNode };
  },
};

function rewrite(node: unknown): unknown {
  if (Array.isArray(node)) {
    const out: unknown[] = [];
    for (const item of node) {
      const n = item as Node;
      if (n && n.type === 'Statement' && n.background === true) {
        out.push(newPidStatement());
        out.push(rewrite(foreground(n)));
        out.push(bgDoneStatement());
      } else {
        out.push(rewrite(item));
      }
    }
    return out;
  }
  if (!node || typeof node !== 'object') return node;
  const n = node as Node;
  if (n.type === 'ParameterExpansion' && n.parameter === '!') return { ...n, parameter: BG_PID_VAR };
  // Bash takes `[!...]` and `[^...]` alike in patterns; the interpreter knows only `[^...]` in
  // `case` and `[[ == ]]` (it reads the `!` as a member of the set).
  if (n.type === 'Glob' && typeof n.pattern === 'string') return { ...n, pattern: n.pattern.replace(/\[!/g, '[^') };
  if (n.type === 'SimpleCommand' && (isLiteralWord(n.name, '.') || isLiteralWord(n.name, 'source')) && (n.args as unknown[]).length === 1)
    return sourceVia(n);
  if (n.type === 'SimpleCommand' && isArrayWord(n.name)) return runWords(n);
  if (n.type === 'SimpleCommand' && isLiteralWord(n.name, 'wait'))
    return { ...(rewrite({ ...n, name: null }) as Node), name: { type: 'Word', parts: [{ type: 'Literal', value: WAIT_COMMAND }] } };
  const copy: Node = {};
  for (const [k, v] of Object.entries(n)) copy[k] = rewrite(v);
  return copy;
}

/** `. FILE` -> `eval "$(__xfrmsim_source FILE)"`, keeping the FILE word (and its expansions) and the command's redirections. */
function sourceVia(cmd: Node): Node {
  const script = parse(`eval "$(${SOURCE_COMMAND} __XFRMSIM_FILE__)"`) as unknown as { statements: Node[] };
  const evalCmd = ((script.statements[0]!.pipelines as Node[])[0]!.commands as Node[])[0]!;
  const file = (cmd.args as unknown[])[0];
  const replaced = replaceWord(evalCmd, '__XFRMSIM_FILE__', file) as Node;
  return { ...replaced, assignments: cmd.assignments, redirections: cmd.redirections };
}

function replaceWord(node: unknown, marker: string, word: unknown): unknown {
  if (Array.isArray(node)) return node.map((x) => replaceWord(x, marker, word));
  if (!node || typeof node !== 'object') return node;
  const n = node as Node;
  if (n.type === 'Word' && literal(n as Word) === marker) return word;
  const copy: Node = {};
  for (const [k, v] of Object.entries(n)) copy[k] = replaceWord(v, marker, word);
  return copy;
}

/**
 * The interpreter takes `"$@"` (or `"${a[@]}"`) in a command's name position as one word naming
 * the command; bash splits it, so `run() { "$@"; }` runs its first argument with the rest. The
 * rewrite turns it into `eval "$(printf '%q ' "$@" ARGS...)"`, which does what bash does
 * (functions included, with each word quoted back as it was).
 */
function runWords(cmd: Node): Node {
  const script = parse(`eval "$(printf '%q ' __XFRMSIM_WORDS__)"`) as unknown as { statements: Node[] };
  const evalCmd = ((script.statements[0]!.pipelines as Node[])[0]!.commands as Node[])[0]!;
  const words = [cmd.name, ...((cmd.args as unknown[]) ?? [])].map((w) => rewrite(w));
  const spliced = spliceWords(evalCmd, '__XFRMSIM_WORDS__', words) as Node;
  return { ...spliced, assignments: rewrite(cmd.assignments), redirections: rewrite(cmd.redirections) };
}

function spliceWords(node: unknown, marker: string, words: unknown[]): unknown {
  if (Array.isArray(node)) {
    const out: unknown[] = [];
    for (const x of node) {
      if (x && (x as Node).type === 'Word' && literal(x as Word) === marker) out.push(...words);
      else out.push(spliceWords(x, marker, words));
    }
    return out;
  }
  if (!node || typeof node !== 'object') return node;
  const copy: Node = {};
  for (const [k, v] of Object.entries(node as Node)) copy[k] = spliceWords(v, marker, words);
  return copy;
}

/** A word that is exactly `"$@"` or `"${name[@]}"`. */
function isArrayWord(w: unknown): boolean {
  if (!w || (w as Node).type !== 'Word') return false;
  const parts = (w as Word).parts as Node[];
  if (parts.length !== 1 || parts[0]!.type !== 'DoubleQuoted') return false;
  const inner = parts[0]!.parts as Node[];
  if (inner.length !== 1 || inner[0]!.type !== 'ParameterExpansion' || inner[0]!.operation) return false;
  const p = inner[0]!.parameter as string;
  return p === '@' || /^[A-Za-z_][A-Za-z0-9_]*\[@\]$/.test(p);
}

/** The text of a script after the rewrite (what `__xfrmsim_source` prints). */
export function rewriteScript(text: string): string {
  return new BashTransformPipeline().use(backgroundJobsPlugin).transform(text).script;
}

function newPidStatement(): unknown {
  const script = parse(`${BG_PID_VAR}=$(${NEWPID_COMMAND})`) as unknown as { statements: unknown[] };
  return script.statements[0];
}

function bgDoneStatement(): unknown {
  const script = parse(`${BGDONE_COMMAND} "$${BG_PID_VAR}" "$?"`) as unknown as { statements: unknown[] };
  return script.statements[0];
}

/** The statement run in the foreground, each simple command told its job pid and where its later output goes. */
function foreground(stmt: Node): Node {
  const pipelines = (stmt.pipelines as Node[]).map((p) => ({
    ...p,
    commands: (p.commands as Node[]).map((c) => (c.type === 'SimpleCommand' ? markCommand(c) : c)),
  }));
  return { ...stmt, background: false, pipelines };
}

function markCommand(cmd: Node): Node {
  const targets = redirectTargets((cmd.redirections as Node[]) ?? []);
  const assign = (name: string, value: Word) => ({ type: 'Assignment', name, value, append: false, array: null });
  const pidWord: Word = { type: 'Word', parts: [{ type: 'ParameterExpansion', parameter: BG_PID_VAR, operation: null }] };
  const extra = [assign(BG_VAR, pidWord)];
  if (targets.out) extra.push(assign(BG_OUT_VAR, targets.out));
  if (targets.err) extra.push(assign(BG_ERR_VAR, targets.err));
  return { ...cmd, assignments: [...((cmd.assignments as unknown[]) ?? []), ...extra] };
}

/** `>F`, `>>F`, `1>F`, `2>F`, `2>&1`, `&>F` in order, as bash applies them. */
function redirectTargets(redirs: readonly Node[]): { out?: Word; err?: Word } {
  let out: Word | undefined;
  let err: Word | undefined;
  for (const r of redirs) {
    const op = r.operator as string;
    const fd = r.fd as number | null;
    const target = r.target as Word;
    if (op === '>&' && literal(target) === '1' && fd === 2) err = out;
    else if (op === '>&' && literal(target) === '2' && (fd === null || fd === 1)) out = err;
    else if (op === '&>' || op === '&>>') {
      out = target;
      err = target;
    } else if (op === '>' || op === '>>' || op === '>|') {
      if (fd === 2) err = target;
      else if (fd === null || fd === 1) out = target;
    }
  }
  return { ...(out ? { out } : {}), ...(err ? { err } : {}) };
}

function isLiteralWord(w: unknown, value: string): boolean {
  return !!w && (w as Node).type === 'Word' && literal(w as Word) === value;
}

function literal(w: Word): string | undefined {
  if (w.parts.length !== 1) return undefined;
  const p = w.parts[0] as Node;
  return p.type === 'Literal' ? (p.value as string) : undefined;
}
