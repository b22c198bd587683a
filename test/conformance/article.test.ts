/**
 * The article's cases, run unchanged in xfrmsim, against what Linux 6.1 printed for them under
 * user-mode-linux (golden/<case>/, recorded with the oracle's run_all.sh; see README.md here).
 */
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { runScenario } from '../../src/cli/run.js';
import { sections } from '../../tools/conformance/compare.mjs';

const HERE = fileURLToPath(new URL('article', import.meta.url));
const CASES = readdirSync(HERE)
  .filter((f) => f.endsWith('.sh') && f !== 'lib.sh')
  .map((f) => f.slice(0, -3))
  .sort();

// Every case agrees; compare.mjs's CASE_RULES says what the three mesh cases leave out of the
// comparison because two kernel runs of them differ as well (they depend on how long commands took).

describe('the article cases against the kernel', () => {
  test('every case has its golden output', () => {
    expect(CASES.length).toBe(23);
    for (const c of CASES) expect(existsSync(join(HERE, 'golden', c, 'results.txt')), c).toBe(true);
  });

  test.each(CASES)('%s: commands, pings, counters and SA statistics as the kernel gave them; the same packets on each link', async (c) => {
    await compareWithKernel(c);
  });
});

async function compareWithKernel(c: string): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), `xfrmsim-${c}-`));
  const run = await runScenario(join(HERE, `${c}.sh`), { out, trace: 'none' });
  for (const s of sections(join(HERE, 'golden', c), out, { name: `article/${c}` }))
    expect(s.xfrmsim, `${c}: ${s.title}\n${run.console}`).toEqual(s.kernel);
}
