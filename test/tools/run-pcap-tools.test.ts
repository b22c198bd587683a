import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../src/cli/run.js';

const TUNNEL = fileURLToPath(new URL('../../scenarios/article/tunnel-as-intended.sh', import.meta.url));

describe('xfrmsim run --pcap against the real tools', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xfrmsim-pcap-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes pcaps tcpdump reads, and an esp_sa table with which tshark decrypts every ESP frame of the tunnel example', async () => {
    const pcaps = join(dir, 'pcap');
    const run = await runScenario(TUNNEL, { out: join(dir, 'out'), pcap: pcaps, trace: 'none' });
    expect(run.exitCode).toBe(0);
    const rows = readFileSync(join(pcaps, 'esp_sa'), 'utf8').trim().split('\n');
    expect(rows.length).toBeGreaterThan(0);
    // The router's interface towards h1 saw every ESP packet of the overlay pings.
    const file = join(pcaps, 'tun-r-eth0.pcap');
    const plain = execFileSync('tcpdump', ['-n', '-r', file], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    const esp = plain.split('\n').filter((l) => l.includes('ESP(spi='));
    expect(esp.length).toBeGreaterThan(0);
    const args = ['-r', file, '-o', 'esp.enable_encryption_decode:TRUE', '-o', 'esp.enable_authentication_check:TRUE'];
    for (const row of rows) args.push('-o', `uat:esp_sa:${row}`);
    const out = execFileSync('tshark', [...args, '-Y', 'esp', '-T', 'fields', '-e', 'esp.icv_good', '-e', 'icmpv6.type'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString();
    const lines = out.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(esp.length);
    // The article's SAs have `enc cbc(aes)` and no auth, so there is no ICV to check: each frame
    // decrypts to an echo request (128) or reply (129).
    expect(rows.every((r) => r.includes('"AES-CBC [RFC3602]"') && r.endsWith('"NULL",""'))).toBe(true);
    for (const l of lines) expect(l).toMatch(/^\t12[89]$/);
  });
});
