#!/usr/bin/env node
/** The xfrmsim command. */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDemo } from './demo.js';

const USAGE = `usage: xfrmsim demo [--out DIR] [--seed SEED]
  demo   one ICMPv6 echo through AH and ESP on real bytes, printed as tcpdump prints it;
         with --out, also DIR/demo.pcap and DIR/demo-esp_sa.txt (Wireshark's ESP SA table)
`;

function main(argv: readonly string[]): number {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command !== 'demo') {
    process.stderr.write(`xfrmsim: unknown command "${command}"\n${USAGE}`);
    return 2;
  }
  let out: string | undefined;
  let seed: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const opt = rest[i];
    const value = rest[i + 1];
    if ((opt === '--out' || opt === '--seed') && value !== undefined) {
      if (opt === '--out') out = value;
      else seed = value;
      i++;
    } else {
      process.stderr.write(`xfrmsim demo: bad option "${opt}"\n${USAGE}`);
      return 2;
    }
  }
  const result = runDemo(seed);
  process.stdout.write(result.text);
  if (out !== undefined) {
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'demo.pcap'), result.pcap);
    writeFileSync(join(out, 'demo-esp_sa.txt'), result.espSa);
    process.stdout.write(`\nWrote ${join(out, 'demo.pcap')} and ${join(out, 'demo-esp_sa.txt')}.\n`);
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
