import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/cli/demo.js';
import { bytesEqual } from '../../src/wire/hex.js';
import { readPcap } from '../../src/wire/pcap.js';
import { printPcap } from '../../src/wire/tcpdump/print.js';

describe('runDemo()', () => {
  it('gives the same bytes and text for the same seed', () => {
    const a = runDemo('seed-1');
    const b = runDemo('seed-1');
    expect(a.text).toBe(b.text);
    expect(bytesEqual(a.pcap, b.pcap)).toBe(true);
  });

  it('gives other ciphertext for another seed', () => {
    expect(bytesEqual(runDemo('seed-1').pcap, runDemo('seed-2').pcap)).toBe(false);
  });

  it('prints every frame of its pcap as tcpdump -n -vv would, in order', () => {
    const demo = runDemo();
    const shown = demo.text
      .split('\n')
      .filter((l) => /^ {4}\d\d:/.test(l))
      .map((l) => l.slice(4));
    expect(shown.join('\n')).toBe(printPcap(demo.pcap, { verbosity: 2 }).trimEnd());
    const file = readPcap(demo.pcap);
    expect(file.ok && file.value.records.length).toBe(6);
  });

  it('reports the receiver verifying AH and ESP, and refusing a forged AH packet', () => {
    const { text } = runDemo();
    expect(text).toContain('b: ICV verified; AH removed');
    expect(text).toContain('one payload bit flipped: dropped (icv-mismatch');
    expect(text).toContain('b: ICV verified, decrypted');
    expect(text).toContain('gw-b: ICV verified; the inner packet');
  });

  it('lists an esp_sa row for each ESP SA it used', () => {
    const rows = runDemo().espSa.trim().split('\n');
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain('"0x000010e2"');
    expect(rows[1]).toContain('"0x000010e3"');
  });
});
