import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../src/cli/demo.js';

function need(tool: string, pkg: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`]);
  } catch {
    throw new Error(`${tool} is not installed: apt-get install ${pkg}`);
  }
}

describe('the demo against the real tools', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xfrmsim-demo-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const demo = runDemo();
  const pcap = join(dir, 'demo.pcap');
  writeFileSync(pcap, demo.pcap);

  it('prints what the installed tcpdump prints for its pcap', () => {
    need('tcpdump', 'tcpdump');
    const real = execFileSync('tcpdump', ['-n', '-vv', '-r', pcap], {
      env: { ...process.env, TZ: 'UTC' },
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString();
    const shown = demo.text
      .split('\n')
      .filter((l) => /^ {4}\d\d:/.test(l))
      .map((l) => `${l.slice(4)}\n`)
      .join('');
    expect(shown).toBe(real);
  });

  it('gives tshark an esp_sa table with which it decrypts both ESP frames and finds their ICVs good', () => {
    need('tshark', 'tshark');
    const [cbc, gcm] = demo.espSa.trim().split('\n');
    for (const [row, frame] of [
      [cbc, '3'],
      [gcm, '5'],
    ] as const) {
      const out = execFileSync(
        'tshark',
        [
          '-r',
          pcap,
          '-o',
          'esp.enable_encryption_decode:TRUE',
          '-o',
          'esp.enable_authentication_check:TRUE',
          '-o',
          `uat:esp_sa:${row}`,
          '-Y',
          `frame.number == ${frame}`,
          '-T',
          'fields',
          '-e',
          'esp.icv_good',
          '-e',
          'icmpv6.echo.identifier',
        ],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      )
        .toString()
        .trim();
      expect(out).toMatch(/^(1|True)\t0x1234$/);
    }
  });
});
