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

/**
 * Recorded cases that still differ from the kernel, each with the cause. Their test asserts that
 * they still differ (test.fails), so a fix shows up as a failure here and the entry has to go.
 * The article's cases have their own mapping in article.test.ts.
 */
const KNOWN_DIFFERENCES: Readonly<Record<string, string>> = {
  'cases/proc_files':
    'grep, awk and sed given a /proc file as an argument (grep -c Xfrm /proc/net/xfrm_stat) answer "No such file or directory" in xfrmsim: its /proc files are readable through cat only (a redirection `< /proc/...` or head given the path fails the same way)',
  'cases/udp_listener':
    'nc -u -l (a UDP listener) is not modelled: xfrmsim prints "nc -u -l: not modelled", so the tunnelled datagram finds no socket and h2 answers with a port unreachable (after resolving the router), where the kernel delivers "hello through the tunnel" to the listener',
};

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
  for (const s of sections(c.kernel, out)) expect(s.xfrmsim, `${c.name}: ${s.title}\n${run.console}`).toEqual(s.kernel);
}
