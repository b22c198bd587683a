/** Frames from the kernel captures in test/fixtures/pcap (copied from the shared oracle captures), numbered as tcpdump numbers them. */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ETH_HEADER_LENGTH } from '../../src/wire/ethernet.js';
import { fromHex } from '../../src/wire/hex.js';
import { readPcap } from '../../src/wire/pcap.js';
import { expectOk } from '../../src/wire/result.js';
import { type TcpRepr, tcpFlags } from '../../src/wire/tcp.js';

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

/**
 * The kernel's TCP SYN, frame 9 of router_as_intended__router_eth0.pcap, tcpdump -vv:
 * "4321::2.36228 > 4444::2.7777: Flags [S], cksum 0x4240 (correct), seq 367127930, win 64800,
 * options [mss 1440,sackOK,TS val 1507555373 ecr 0,nop,wscale 7], length 0"
 */
export const KERNEL_SYN: TcpRepr = {
  srcPort: 36228,
  dstPort: 7777,
  seq: 367127930,
  ack: 0,
  flags: tcpFlags({ syn: true }),
  window: 64800,
  urgent: 0,
  options: fromHex('020405a00402080a59db782d0000000001030307'),
  payload: new Uint8Array(0),
};
