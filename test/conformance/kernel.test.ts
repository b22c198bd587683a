/**
 * Every case recorded from the kernel by the conformance harness (`npm run conformance -- --record`,
 * stored under kernel/<name>/), run in xfrmsim and compared the way the harness compares it
 * (tools/conformance/compare.mjs): rc, results.txt lines (or a scenario's ok/FAIL lines) and the
 * tcpdump text of each capture, after the shared normalisation.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runScenario } from '../../src/cli/run.js';
import { recordedCases } from '../../tools/conformance/cases.mjs';
import { sections } from '../../tools/conformance/compare.mjs';
import { KNOWN_DIFFERENCES } from '../../tools/conformance/known.mjs';

const RECORDED = recordedCases().filter((c) => !c.name.startsWith('article/'));

describe('recorded kernel runs against xfrmsim', () => {
  test('every entry of KNOWN_DIFFERENCES names a recorded case', () => {
    const names = new Set(RECORDED.map((c) => c.name));
    expect(Object.keys(KNOWN_DIFFERENCES).filter((n) => !names.has(n))).toEqual([]);
  });

  const agree = RECORDED.filter((c) => !(c.name in KNOWN_DIFFERENCES));
  const differ = RECORDED.filter((c) => c.name in KNOWN_DIFFERENCES);

  test.each(agree.map((c) => [c.name, c] as const))('%s: rc, results and captures as the kernel gave them', async (_name, c) => {
    await compareWithKernel(c);
  });

  test.fails.each(differ.map((c) => [c.name, c] as const))(
    '%s still differs from the kernel (see KNOWN_DIFFERENCES for why)',
    async (_name, c) => {
      await compareWithKernel(c);
    },
  );
});

async function compareWithKernel(c: { name: string; script: string; kernel: string }): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), `xfrmsim-${c.name.replace(/\//g, '-')}-`));
  const run = await runScenario(c.script, { out, trace: 'none' });
  for (const s of sections(c.kernel, out, { name: c.name })) expect(s.xfrmsim, `${c.name}: ${s.title}\n${run.console}`).toEqual(s.kernel);
}
