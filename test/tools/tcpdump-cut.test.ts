import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { printPcap } from '../../src/wire/tcpdump/index.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/pcap/router_as_intended__router_eth0.pcap', import.meta.url));

function tcpdump(args: string[]): string {
  try {
    execFileSync('sh', ['-c', 'command -v tcpdump']);
  } catch {
    throw new Error('tcpdump is not installed: apt-get install tcpdump');
  }
  // tcpdump exits 1 after "truncated dump file"; its stdout is what we compare.
  try {
    return execFileSync('tcpdump', args, { env: { ...process.env, TZ: 'UTC' }, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  } catch (e) {
    return String((e as { stdout?: Buffer }).stdout ?? '');
  }
}

describe('printPcap() on a capture cut inside a record', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xfrmsim-cut-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const whole = new Uint8Array(readFileSync(FIXTURE));

  it('prints the records before the cut exactly as tcpdump -r does, at every cut point tried', () => {
    for (const cutBy of [1, 7, 16, 17, 100, 333]) {
      const cut = whole.subarray(0, whole.length - cutBy);
      const file = join(dir, `cut-${cutBy}.pcap`);
      writeFileSync(file, cut);
      expect(printPcap(cut, { verbosity: 2 })).toBe(tcpdump(['-n', '-vv', '-r', file]));
    }
  });
});
