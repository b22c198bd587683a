/** Our printer against the real tcpdump 4.99.3's recorded text for every fixture pcap (tools/record-tcpdump-fixtures.sh). */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { printPcap } from '../../../src/wire/tcpdump/print.js';
import { firstDifference } from './first-difference.js';

const root = fileURLToPath(new URL('../../fixtures', import.meta.url));
// Driven by the recorded texts, so a pcap another test adds to the folder waits for its recording.
const bases = readdirSync(join(root, 'tcpdump'))
  .filter((f) => f.endsWith('.n.txt'))
  .map((f) => f.slice(0, -'.n.txt'.length))
  .sort();

const MODES = [
  { suffix: 'n', flags: '-n', verbosity: 0, linkHeader: false },
  { suffix: 'v', flags: '-n -v', verbosity: 1, linkHeader: false },
  { suffix: 'vv', flags: '-n -vv', verbosity: 2, linkHeader: false },
  { suffix: 'e', flags: '-n -e', verbosity: 0, linkHeader: true },
] as const;

describe('printPcap() against recorded tcpdump 4.99.3 output', () => {
  it('has recorded texts for the kernel captures, the vectors and the zoo', () => {
    expect(bases.length).toBeGreaterThan(80);
    expect(bases).toContain('printer-zoo');
    expect(bases).toContain('vectors__ah-tunnel');
  });
  for (const base of bases) {
    for (const mode of MODES) {
      it(`prints ${base} as tcpdump ${mode.flags} does`, () => {
        const file = new Uint8Array(readFileSync(join(root, 'pcap', `${base}.pcap`)));
        const expected = readFileSync(join(root, 'tcpdump', `${base}.${mode.suffix}.txt`), 'utf8');
        const actual = printPcap(file, { verbosity: mode.verbosity, linkHeader: mode.linkHeader });
        expect(firstDifference(expected, actual)).toBeUndefined();
      });
    }
  }
});
