#!/usr/bin/env node
/**
 * npm run conformance [-- [--record] [--jobs N] [--keep] [CASE...]]
 *
 * Runs each case script under a real Linux 6.1 kernel (user-mode-linux, uml.mjs) and under
 * `xfrmsim run`, normalises both outputs the same way (normalize.mjs) and compares them
 * (compare.mjs): rc, results.txt lines (or a scenario's ok/FAIL lines) and every capture's
 * tcpdump text. Prints "PASS name" or "DIFF name" with a unified-style diff (--- kernel,
 * +++ xfrmsim), "KNOWN name: cause" for a case listed in known.mjs that still differs (and
 * "FIXED name" for one that agrees now), then "N passed, K known difference(s), M failed"; exits 1
 * on any DIFF or FIXED, 2 when a prerequisite is missing.
 *
 *   CASE      a case name (article/probe_spi, cases/gcm, scenarios/article/ah1-as-intended), its
 *             last part (gcm) or its script path; default: every case (cases.mjs)
 *   --record  also store the kernel's outputs under test/conformance/kernel/<name>/ (console.log,
 *             rc, results.txt, captures), which the offline test (test/conformance/kernel.test.ts)
 *             compares xfrmsim against
 *   --jobs N  kernels booted at once, each running its share of the cases one after another
 *             (default 1, at most 2: user-mode-linux wants a core each)
 *   --keep    keep the scratch folder with both sides' OUT folders (its path is printed)
 *   --retries N  run a case that differs under the kernel again, up to N more times (default 0);
 *             it passes when a later kernel run agrees. For a loaded machine: the kernel's
 *             results follow how long its commands take (a neighbour solicitation retransmitted
 *             while a ping waits, a time limit reached), xfrmsim's do not. The report says so.
 *
 * Needs `npm run build` first (the npm script does it): the xfrmsim side runs dist/cli/main.js.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KERNEL_DIR, ROOT, selectCases } from './cases.mjs';
import { describeDiff, sections } from './compare.mjs';
import { KNOWN_DIFFERENCES } from './known.mjs';
import { missingPrerequisites, runInKernel } from './uml.mjs';

const INSTALL = 'apt-get install user-mode-linux kmod iptables iputils-ping tcpdump netcat-openbsd';

function usage(/** @type {string} */ msg) {
  process.stderr.write(`conformance: ${msg}\nusage: npm run conformance -- [--record] [--jobs N] [--keep] [--retries N] [CASE...]\n`);
  process.exit(2);
}

const argv = process.argv.slice(2);
let record = false;
let keep = false;
let jobs = 1;
let retries = 0;
/** @type {string[]} */
const words = [];
for (let i = 0; i < argv.length; i++) {
  const a = /** @type {string} */ (argv[i]);
  if (a === '--record') record = true;
  else if (a === '--keep') keep = true;
  else if (a === '--jobs' || a === '-j') {
    jobs = Number(argv[++i]);
    if (!Number.isInteger(jobs) || jobs < 1 || jobs > 2) usage('--jobs takes 1 or 2');
  } else if (a === '--retries') {
    retries = Number(argv[++i]);
    if (!Number.isInteger(retries) || retries < 0) usage('--retries takes a whole number');
  } else if (a.startsWith('-')) usage(`unknown option "${a}"`);
  else words.push(a);
}

const missing = missingPrerequisites();
if (missing.length > 0) {
  process.stderr.write(`conformance: missing ${missing.join(', ')}\n`);
  process.stdout.write(`${INSTALL}\n`);
  process.exit(2);
}
const cli = join(ROOT, 'dist/cli/main.js');
if (!existsSync(cli)) usage('dist/cli/main.js is missing: run npm run build (npm run conformance does)');

/** @type {import('./cases.mjs').Case[]} */
let cases = [];
try {
  cases = selectCases(words);
} catch (e) {
  usage(/** @type {Error} */ (e).message);
}

const work = mkdtempSync(join(tmpdir(), 'xfrmsim-conformance-'));
const kernelOut = (/** @type {string} */ name, attempt = 0) => join(work, attempt === 0 ? 'kernel' : `kernel-${attempt + 1}`, name);
const simOut = (/** @type {string} */ name) => join(work, 'xfrmsim', name);
const started = Date.now();
process.stdout.write(`${cases.length} case(s); ${jobs} kernel(s) at a time; scratch ${work}\n`);

/**
 * Runs cases under the kernel; each boot takes every jobs-th case, so long and short cases spread over the boots.
 * @param {import('./cases.mjs').Case[]} list @param {number} attempt
 */
async function kernelRuns(list, attempt) {
  // A line per finished case (its rc file appears), so that a long run shows it is alive.
  let reported = 0;
  const progress = setInterval(() => {
    const done = list.filter((c) => existsSync(join(kernelOut(c.name, attempt), 'rc'))).length;
    if (done > reported) process.stdout.write(`kernel: ${done}/${list.length} case(s) run\n`);
    reported = done;
  }, 15_000);
  await Promise.all(
    Array.from({ length: Math.min(jobs, list.length) }, (_, j) =>
      runInKernel(
        list.filter((_, i) => i % jobs === j).map((c) => ({ script: c.script, out: kernelOut(c.name, attempt) })),
        { work: join(work, `uml-${attempt + 1}`), id: String(j) },
      ),
    ),
  );
  clearInterval(progress);
}

/** @param {import('./cases.mjs').Case} c @returns {Promise<void>} */
function runSim(c) {
  mkdirSync(simOut(c.name), { recursive: true });
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [cli, 'run', c.script, '--out', simOut(c.name), '--trace', 'none'], { stdio: 'ignore' });
    child.on('close', (code) => {
      // The CLI writes rc itself; a crash before that leaves a note.
      if (!existsSync(join(simOut(c.name), 'rc'))) writeFileSync(join(simOut(c.name), 'rc'), `xfrmsim exited ${code}\n`);
      resolvePromise();
    });
  });
}
// xfrmsim runs after the kernels have halted: the kernel's results depend on how long its
// commands take (neighbour solicitations retransmitted while a ping waits, NUD probes), so the
// kernels get the cores to themselves.
await kernelRuns(cases, 0);
const simQueue = [...cases];
await Promise.all(
  Array.from({ length: 2 }, async () => {
    for (let c = simQueue.shift(); c; c = simQueue.shift()) await runSim(c);
  }),
);

/** The host's tcpdump prints the pcaps a script left without a text version (the scenarios). */
const pcapText = (/** @type {string} */ p) =>
  spawnSync('tcpdump', ['-n', '-vv', '-r', p], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } }).stdout ?? '';

/** The differences of one kernel run of a case from xfrmsim's run ('' when they agree). @param {import('./cases.mjs').Case} c @param {string} k */
function differences(c, k) {
  if (!existsSync(join(k, 'rc'))) writeFileSync(join(k, 'rc'), 'none (the kernel did not finish this case; see the uml folder)\n');
  return describeDiff(sections(k, simOut(c.name), { pcapText, name: c.name }));
}

/** @type {Map<string, { diff: string, attempt: number }>} */
const outcome = new Map(cases.map((c) => [c.name, { diff: differences(c, kernelOut(c.name)), attempt: 0 }]));
for (let attempt = 1; attempt <= retries; attempt++) {
  const again = cases.filter((c) => outcome.get(c.name)?.diff !== '');
  if (again.length === 0) break;
  process.stdout.write(`${again.length} case(s) differ; running them under the kernel again (attempt ${attempt + 1})\n`);
  await kernelRuns(again, attempt);
  for (const c of again) {
    const diff = differences(c, kernelOut(c.name, attempt));
    if (diff === '') outcome.set(c.name, { diff, attempt });
  }
}

let passed = 0;
let failed = 0;
let known = 0;
for (const c of cases) {
  const o = /** @type {{ diff: string, attempt: number }} */ (outcome.get(c.name));
  const why = KNOWN_DIFFERENCES[c.name];
  if (why !== undefined) {
    if (o.diff === '') {
      failed++;
      process.stdout.write(`FIXED ${c.name}: it agrees with the kernel now; remove it from tools/conformance/known.mjs\n`);
    } else {
      known++;
      process.stdout.write(`KNOWN ${c.name}: ${why}\n${o.diff.replace(/^/gm, '    ')}\n`);
    }
  } else if (o.diff === '') {
    passed++;
    process.stdout.write(`PASS ${c.name}${o.attempt > 0 ? ` (kernel run ${o.attempt + 1}; the earlier kernel run(s) differed)` : ''}\n`);
  } else {
    failed++;
    process.stdout.write(`DIFF ${c.name}\n${o.diff.replace(/^/gm, '    ')}\n`);
  }
  if (record) recordKernel(c.name, kernelOut(c.name, o.attempt));
}

/**
 * Stores a kernel run under test/conformance/kernel/<name>/, without machine paths: the run's
 * OUT folder becomes $OUT and the repository root ".".
 * @param {string} name @param {string} from
 */
function recordKernel(name, from) {
  const to = join(KERNEL_DIR, name);
  rmSync(to, { recursive: true, force: true });
  mkdirSync(to, { recursive: true });
  for (const f of readdirSync(from)) {
    if (f.endsWith('.pcap')) copyFileSync(join(from, f), join(to, f));
    else if (/\.(txt|log)$/.test(f) || f === 'rc') {
      const text = readFileSync(join(from, f), 'utf8').split(from).join('$OUT').split(ROOT.replace(/\/$/, '')).join('.');
      writeFileSync(join(to, f), text);
    }
  }
}

if (record) process.stdout.write(`recorded ${cases.length} kernel run(s) under test/conformance/kernel/\n`);
if (keep) process.stdout.write(`kept ${work}\n`);
else rmSync(work, { recursive: true, force: true });
process.stdout.write(`${passed} passed, ${known} known difference(s), ${failed} failed (${Math.round((Date.now() - started) / 1000)} s)\n`);
process.exit(failed > 0 ? 1 : 0);
