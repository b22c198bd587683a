/**
 * -m esp, -m ah, -m connmark and -j CONNMARK against the real ip6tables-legacy 1.8.9 on Linux 6.1:
 * test/fixtures/shell/ip6tables/oracle-ipsec-marks.sh run under oracle/uml-run, its console in
 * oracle-ipsec-marks.out. Every command of every block is replayed on a fresh mangle table and
 * must print what the real tool printed, with the same exit status.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { ip6tables } from '../../src/shell/ip6tables.js';
import { Netfilter } from '../../src/stack/netfilter/index.js';

const out = readFileSync(new URL('../fixtures/shell/ip6tables/oracle-ipsec-marks.out', import.meta.url), 'utf8');

interface Step {
  readonly argv: string[];
  readonly expected: string;
}

/** The .out cut into blocks ("==== RULE"), each a list of commands ("## ip6tables ...") with their output and rc line. */
function blocks(): { readonly rule: string; readonly steps: Step[] }[] {
  const result: { rule: string; steps: Step[] }[] = [];
  let step: { argv: string[]; lines: string[] } | undefined;
  const close = () => {
    if (step) result[result.length - 1]!.steps.push({ argv: step.argv, expected: step.lines.join('\n') });
    step = undefined;
  };
  for (const line of out.split('\n')) {
    if (line.startsWith('==== ')) {
      close();
      result.push({ rule: line.slice(5), steps: [] });
    } else if (line.startsWith('## ip6tables ')) {
      close();
      step = { argv: line.slice('## ip6tables '.length).split(' '), lines: [] };
    } else if (step) {
      step.lines.push(line);
      if (/^rc=\d+$/.test(line)) close();
    }
  }
  close();
  return result;
}

const BLOCKS = blocks();

test('the fixture holds every rule form of the probe', () => {
  expect(BLOCKS.length).toBe(49);
  expect(BLOCKS.every((b) => b.steps.length === 6)).toBe(true);
});

test.each(BLOCKS.map((b) => [b.rule, b] as const))(
  'ip6tables -t mangle -A PREROUTING %s: add, list, save and delete as 1.8.9 does',
  (_rule, b) => {
    const ctx = { netfilter: new Netfilter(), nowUs: 0 };
    for (const s of b.steps) {
      const r = ip6tables(s.argv, ctx);
      expect(`${r.stderr}${r.stdout}rc=${r.exitCode}`, s.argv.join(' ')).toBe(s.expected);
    }
  },
);
