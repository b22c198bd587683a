/** The committed printer-zoo.pcap is exactly what the generator builds (run with PRINTER_ZOO_OUT=path to rewrite it). */

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bytesEqual } from '../../../src/wire/hex.js';
import { buildZoo, zooPcap } from './zoo.js';

const committed = fileURLToPath(new URL('../../fixtures/pcap/printer-zoo.pcap', import.meta.url));

describe('printer-zoo.pcap', () => {
  const out = process.env.PRINTER_ZOO_OUT;
  if (out) {
    it('is written where PRINTER_ZOO_OUT says', () => {
      writeFileSync(out, zooPcap(buildZoo()));
      expect(existsSync(out)).toBe(true);
    });
    return;
  }
  it('matches the generator byte for byte, so its recorded tcpdump text describes these packets', () => {
    const onDisk = new Uint8Array(readFileSync(committed));
    expect(bytesEqual(onDisk, zooPcap(buildZoo()))).toBe(true);
  });
  it('holds whole frames and frames cut short of their wire length', () => {
    const zoo = buildZoo();
    expect(zoo.filter((r) => r.data.length === r.origLength).length).toBeGreaterThan(100);
    expect(zoo.filter((r) => r.data.length < r.origLength).length).toBeGreaterThan(100);
  });
});
