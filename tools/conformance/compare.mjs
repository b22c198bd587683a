/**
 * Compares one case's kernel run with its xfrmsim run, both as OUT folders (console.log, rc,
 * results.txt, captures), after normalize.mjs. What is compared:
 *   rc           the script's exit status;
 *   results.txt  its lines (resultLines), when the kernel wrote one (lib.sh cases);
 *   checks       otherwise, the "ok:/FAIL:/PASS/FAILED" lines of console.log (scenarios/lib/expect.sh);
 *   captures     every NAME.txt (tcpdump -n -vv text the script wrote) on either side, and, when a
 *                caller gives pcapText, every NAME.pcap without a NAME.txt, printed by that
 *                function (the harness: the host's tcpdump -n -vv -r) on both sides.
 * Captures lose MLD messages and NUD probes before the comparison (see normalize.mjs); CASE_RULES
 * names the few cases that leave out more (or, for MLD's own case, keep MLD), and why.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeCapture, resultLines } from './normalize.mjs';

/** @typedef {{ title: string, kernel: string[], xfrmsim: string[] }} Section */
/** @typedef {{ why: string, saCounts?: false, frameOrder?: false, mld?: true }} CaseRule */

/**
 * What a case does not compare, and why: only where the kernel's own result depends on how long
 * the real commands took under user-mode-linux (0.3-0.5 s each; no time in xfrmsim), so that two
 * kernel runs of the case differ from each other as well.
 * @type {Readonly<Record<string, CaseRule>>}
 */
export const CASE_RULES = {
  'article/mesh_as_intended': {
    why: 'failed pings take exactly 1 s each here, so the nodes retransmit their neighbour solicitations at the same instants, and which of two frames sent at one instant reaches a capture first differs from the kernel, where the commands between took real time: the frames on each link are compared in sorted order',
    frameOrder: false,
  },
  'article/mesh_as_intended_nd': {
    why: 'the nodes probe their STALE neighbours 5 s after using them (DELAY_FIRST_PROBE_TIME) with unicast solicitations under ESP; how many fall inside the run depends on how long the commands took, so the SA byte and packet counts vary from one kernel run to the next: they are not compared',
    saCounts: false,
  },
  'cases/mld_reports': {
    why: 'the case is about MLD, so its reports are compared (every other case leaves them out: they follow each new address at random times within a second, while the commands take real time under the kernel and none in xfrmsim); in a step where two kinds of report go out at random times, their order differs from run to run, so the frames of each capture are compared in sorted order',
    frameOrder: false,
    mld: true,
  },
  'article/mesh_as_written': {
    why: 'as article/mesh_as_intended_nd: encrypted NUD probes whose number depends on the commands\' real duration make the SA counts vary between kernel runs: they are not compared',
    saCounts: false,
  },
};

/**
 * The lines of a capture grouped per packet (a packet's indented continuation lines stay with it), sorted.
 * @param {string[]} lines
 */
function sortedFrames(lines) {
  /** @type {string[][]} */
  const frames = [];
  for (const l of lines) {
    if (/^\s/.test(l) && frames.length > 0) frames[frames.length - 1]?.push(l);
    else frames.push([l]);
  }
  return frames
    .map((f) => f.join('\n'))
    .sort()
    .flatMap((f) => f.split('\n'));
}

/** @param {string} path */
function readOr(path, fallback = '') {
  return existsSync(path) ? readFileSync(path, 'utf8') : fallback;
}

/** @param {string} text @param {{ keepMld?: boolean }} [opts] */
export function wire(text, opts = {}) {
  return normalizeCapture(text, { dropMld: !opts.keepMld, dropNudProbes: true });
}

/** @param {string} text */
export function checkLines(text) {
  return text.split('\n').filter((l) => /^(ok: |FAIL: |PASS$|FAILED$)/.test(l));
}

/**
 * The compared parts of one case, kernel side and xfrmsim side.
 * @param {string} kernelDir
 * @param {string} simDir
 * @param {{ pcapText?: (pcap: string) => string, name?: string }} [opts] name: the case's name, for its CASE_RULES
 * @returns {Section[]}
 */
export function sections(kernelDir, simDir, opts = {}) {
  const rule = opts.name === undefined ? undefined : CASE_RULES[opts.name];
  const results = (/** @type {string} */ text) =>
    resultLines(text).map((l) => (rule?.saCounts === false && l.startsWith('SA\t') ? l.replace(/bytes=\d+ packets=\d+$/, 'bytes=* packets=*') : l));
  const keepMld = rule?.mld === true;
  const capture = (/** @type {string} */ text) => (rule?.frameOrder === false ? sortedFrames(wire(text, { keepMld })) : wire(text, { keepMld }));
  /** @type {Section[]} */
  const out = [];
  const rc = (/** @type {string} */ d) => [readOr(join(d, 'rc'), 'none\n').trim()];
  out.push({ title: 'rc', kernel: rc(kernelDir), xfrmsim: rc(simDir) });
  if (existsSync(join(kernelDir, 'results.txt'))) {
    out.push({
      title: 'results.txt',
      kernel: results(readOr(join(kernelDir, 'results.txt'))),
      xfrmsim: results(readOr(join(simDir, 'results.txt'))),
    });
  } else {
    out.push({
      title: 'checks (console.log)',
      kernel: checkLines(readOr(join(kernelDir, 'console.log'))),
      xfrmsim: checkLines(readOr(join(simDir, 'console.log'))),
    });
  }
  const files = (/** @type {string} */ d) => (existsSync(d) ? readdirSync(d) : []);
  const names = new Set([...files(kernelDir), ...files(simDir)]);
  const texts = [...names].filter((n) => n.endsWith('.txt') && n !== 'results.txt').sort();
  for (const f of texts) out.push({ title: f, kernel: capture(readOr(join(kernelDir, f))), xfrmsim: capture(readOr(join(simDir, f))) });
  const pcapText = opts.pcapText;
  if (pcapText) {
    const pcaps = [...names].filter((n) => n.endsWith('.pcap') && !names.has(`${n.slice(0, -5)}.txt`)).sort();
    const text = (/** @type {string} */ p) => (existsSync(p) ? pcapText(p) : '');
    for (const f of pcaps) {
      out.push({ title: `${f} (tcpdump -n -vv -r)`, kernel: capture(text(join(kernelDir, f))), xfrmsim: capture(text(join(simDir, f))) });
    }
  }
  return out;
}

/** @param {string[]} a @param {string[]} b */
function equalLines(a, b) {
  return a.length === b.length && a.every((l, i) => l === b[i]);
}

/**
 * A unified-style diff (--- kernel, +++ xfrmsim) of every section that differs; empty when all agree.
 * @param {Section[]} secs
 * @returns {string}
 */
export function describeDiff(secs) {
  return secs
    .filter((s) => !equalLines(s.kernel, s.xfrmsim))
    .map((s) => `--- kernel   ${s.title}\n+++ xfrmsim  ${s.title}\n${unifiedHunks(s.kernel, s.xfrmsim, 2)}`)
    .join('\n');
}

/**
 * Hunks "@@ -a,n +b,m @@" with `context` lines around each change, from a longest common subsequence.
 * @param {string[]} a @param {string[]} b @param {number} context
 */
export function unifiedHunks(a, b, context) {
  // Trim the common head and tail, then an LCS table over the middle (small in practice).
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const am = a.slice(head, a.length - tail);
  const bm = b.slice(head, b.length - tail);
  const n = am.length;
  const m = bm.length;
  /** @type {Uint32Array[]} */
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    const row = /** @type {Uint32Array} */ (lcs[i]);
    const next = /** @type {Uint32Array} */ (lcs[i + 1]);
    for (let j = m - 1; j >= 0; j--) row[j] = am[i] === bm[j] ? (next[j + 1] ?? 0) + 1 : Math.max(next[j] ?? 0, row[j + 1] ?? 0);
  }
  /** @type {{ op: ' ' | '-' | '+', line: string, ai: number, bi: number }[]} */
  const ops = [];
  for (let k = 0; k < head; k++) ops.push({ op: ' ', line: /** @type {string} */ (a[k]), ai: k, bi: k });
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && am[i] === bm[j]) {
      ops.push({ op: ' ', line: /** @type {string} */ (am[i]), ai: head + i, bi: head + j });
      i++;
      j++;
    } else if (i < n && (j === m || (lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0))) {
      ops.push({ op: '-', line: /** @type {string} */ (am[i]), ai: head + i, bi: head + j });
      i++;
    } else {
      ops.push({ op: '+', line: /** @type {string} */ (bm[j]), ai: head + i, bi: head + j });
      j++;
    }
  }
  for (let k = 0; k < tail; k++) {
    ops.push({ op: ' ', line: /** @type {string} */ (a[a.length - tail + k]), ai: a.length - tail + k, bi: b.length - tail + k });
  }
  /** @type {string[]} */
  const lines = [];
  let k = 0;
  while (k < ops.length) {
    if (ops[k]?.op === ' ') {
      k++;
      continue;
    }
    const start = Math.max(0, k - context);
    let end = k;
    // Extend the hunk while changes are at most 2*context apart.
    for (;;) {
      while (end < ops.length && ops[end]?.op !== ' ') end++;
      let gap = end;
      while (gap < ops.length && ops[gap]?.op === ' ' && gap - end < 2 * context) gap++;
      if (gap < ops.length && ops[gap]?.op !== ' ') end = gap;
      else break;
    }
    const stop = Math.min(ops.length, end + context);
    const hunk = ops.slice(start, stop);
    const first = hunk[0];
    const aCount = hunk.filter((o) => o.op !== '+').length;
    const bCount = hunk.filter((o) => o.op !== '-').length;
    lines.push(`@@ -${(first?.ai ?? 0) + (aCount ? 1 : 0)},${aCount} +${(first?.bi ?? 0) + (bCount ? 1 : 0)},${bCount} @@`);
    for (const o of hunk) lines.push(`${o.op}${o.line}`);
    k = stop;
  }
  return lines.join('\n');
}
