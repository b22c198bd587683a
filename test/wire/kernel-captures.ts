/** Frames from the kernel captures in test/fixtures/pcap (copied from /work/shared/oracle), numbered as tcpdump numbers them. */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ETH_HEADER_LENGTH } from '../../src/wire/ethernet.js';
import { readPcap } from '../../src/wire/pcap.js';
import { expectOk } from '../../src/wire/result.js';

export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/pcap/${name}`, import.meta.url));
}

export function pcapBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(fixturePath(name)));
}

/** Every Ethernet frame of the capture. */
export function frames(name: string): Uint8Array[] {
  return expectOk(readPcap(pcapBytes(name))).records.map((r) => r.data);
}

/** The IPv6 packet in frame `n` (1-based, as tcpdump counts), without its Ethernet header. */
export function packet(name: string, n: number): Uint8Array {
  const f = frames(name)[n - 1];
  if (!f) throw new Error(`${name} has no frame ${n}`);
  return f.subarray(ETH_HEADER_LENGTH);
}
