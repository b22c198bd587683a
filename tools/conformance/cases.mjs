/**
 * The conformance cases: every script the harness runs under the kernel and under xfrmsim, with
 * its name. Names are the script's path below its source folder, without ".sh":
 *   test/conformance/article/NAME.sh   -> article/NAME
 *   test/conformance/cases/NAME.sh     -> cases/NAME
 *   scenarios/DIR/NAME.sh              -> scenarios/DIR/NAME
 * A recorded kernel run lives in test/conformance/kernel/<name>/ (console.log, rc, results.txt,
 * captures), the layout of test/conformance/article/golden/<case>/.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is tools/conformance/cases.mjs). */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Where --record stores the kernel's outputs, one folder per case name. */
export const KERNEL_DIR = join(ROOT, 'test/conformance/kernel');

/** @typedef {{ name: string, script: string }} Case */

/** @param {string} dir @param {(rel: string) => boolean} keep @returns {string[]} */
function shellScripts(dir, keep) {
  if (!existsSync(dir)) return [];
  /** @type {string[]} */
  const found = [];
  const walk = (/** @type {string} */ d) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.sh') && keep(relative(dir, p))) found.push(p);
    }
  };
  walk(dir);
  return found;
}

/**
 * Every case, in a stable order: the article's (lib.sh aside), the scenarios (scenarios/lib
 * aside), then test/conformance/cases (lib.sh aside).
 * @returns {Case[]}
 */
export function allCases() {
  /** @type {Case[]} */
  const cases = [];
  const add = (/** @type {string} */ prefix, /** @type {string} */ dir, /** @type {(rel: string) => boolean} */ keep) => {
    for (const script of shellScripts(join(ROOT, dir), keep)) {
      cases.push({ name: `${prefix}/${relative(join(ROOT, dir), script).slice(0, -3)}`, script });
    }
  };
  add('article', 'test/conformance/article', (rel) => !rel.includes('/') && rel !== 'lib.sh');
  add('scenarios', 'scenarios', (rel) => !rel.startsWith('lib/'));
  add('cases', 'test/conformance/cases', (rel) => !rel.includes('/') && rel !== 'lib.sh');
  return cases;
}

/**
 * The cases a command line names: a full name (cases/gcm), a unique last part (gcm), or a
 * script path. Throws with the unknown or ambiguous word.
 * @param {string[]} words
 * @returns {Case[]}
 */
export function selectCases(words) {
  const cases = allCases();
  if (words.length === 0) return cases;
  return words.map((w) => {
    const bare = w.replace(/\.sh$/, '');
    const exact = cases.find((c) => c.name === bare || relative(ROOT, c.script) === relative(ROOT, join(ROOT, w)) || c.script === w);
    if (exact) return exact;
    const tail = cases.filter((c) => c.name.endsWith(`/${bare}`));
    if (tail.length === 1) return /** @type {Case} */ (tail[0]);
    throw new Error(tail.length === 0 ? `unknown case "${w}"` : `ambiguous case "${w}": ${tail.map((c) => c.name).join(', ')}`);
  });
}

/**
 * The recorded kernel runs: every case whose folder under test/conformance/kernel has an rc file.
 * @returns {(Case & { kernel: string })[]}
 */
export function recordedCases() {
  return allCases()
    .map((c) => ({ ...c, kernel: join(KERNEL_DIR, c.name) }))
    .filter((c) => existsSync(join(c.kernel, 'rc')));
}
