/** Test helper: where two printouts part ways, quoted so a failure shows the exact characters. */

/** The first line where the texts differ, tcpdump's and ours, or undefined when they are equal. */
export function firstDifference(expected: string, actual: string): string | undefined {
  if (expected === actual) return undefined;
  const e = expected.split('\n');
  const a = actual.split('\n');
  for (let i = 0; i < Math.max(e.length, a.length); i++) {
    if (e[i] !== a[i]) return `line ${i + 1}\n  tcpdump: ${JSON.stringify(e[i])}\n  ours:    ${JSON.stringify(a[i])}`;
  }
  return 'texts differ only in their line ends';
}
