#!/usr/bin/env node
/** The xfrmsim command. */

import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { runDemo } from './demo.js';
import { runScenario, type TraceFormat } from './run.js';

const USAGE = `usage: xfrmsim demo [--out DIR] [--seed SEED]
       xfrmsim run SCRIPT [--out DIR] [--seed SEED] [--trace text|json|none] [--pcap DIR]
       xfrmsim check SCRIPT|DIR...
       xfrmsim walkthrough [DIR] [--out DIR]
  demo   one ICMPv6 echo through AH and ESP on real bytes, printed as tcpdump prints it;
         with --out, also DIR/demo.pcap and DIR/demo-esp_sa.txt (Wireshark's ESP SA table)
  run    runs a bash scenario script as root on a simulated Linux 6.1 machine: prints its
         console, writes DIR/console.log, DIR/rc and the packet trace DIR/trace.txt
         (trace.json with --trace json); with --pcap, a pcap per device that saw a frame and
         esp_sa, the Wireshark ESP SA table that decrypts them; exits with the script's status
  walkthrough
         runs each scenario of DIR (scenarios/article unless given) and prints what it printed
         and the trace of every packet: why it was delivered, transformed or dropped
  check  runs each script (each *.sh of a folder, lib.sh aside) as a test: it passes when it
         exits 0; one line per script, then "N passed, M failed"; exits 1 on any failure
`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command === 'run') return run(rest);
  if (command === 'check') return check(rest);
  if (command === 'walkthrough') return walkthrough(rest);
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
      return usageError(`xfrmsim demo: bad option "${opt}"`);
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

async function run(args: readonly string[]): Promise<number> {
  let script: string | undefined;
  let out: string | undefined;
  let seed: string | undefined;
  let trace: TraceFormat = 'text';
  let pcap: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = args[i + 1];
    if (a === '--out' || a === '--seed' || a === '--trace' || a === '--pcap') {
      if (value === undefined) return usageError(`xfrmsim run: ${a} needs a value`);
      i++;
      if (a === '--out') out = value;
      else if (a === '--pcap') pcap = value;
      else if (a === '--seed') seed = value;
      else if (value === 'text' || value === 'json' || value === 'none') trace = value;
      else return usageError(`xfrmsim run: --trace ${value}: text, json or none`);
    } else if (a.startsWith('-')) {
      return usageError(`xfrmsim run: bad option "${a}"`);
    } else if (script === undefined) {
      script = a;
    } else if (out === undefined) {
      // uml-run SCRIPT OUTDIR: the same positional form.
      out = a;
    } else {
      return usageError(`xfrmsim run: unexpected argument "${a}"`);
    }
  }
  if (script === undefined) return usageError('xfrmsim run: no script given');
  const r = await runScenario(script, { ...(out ? { out } : {}), ...(seed ? { seed } : {}), ...(pcap ? { pcap } : {}), trace });
  process.stdout.write(r.console);
  process.stderr.write(`[xfrmsim run] out=${r.out} rc=${r.exitCode}\n`);
  return r.exitCode;
}

/** The scripts named, a folder standing for its *.sh (lib.sh aside), in name order. */
function scriptsOf(args: readonly string[]): string[] {
  const scripts: string[] = [];
  for (const a of args) {
    if (statSync(a).isDirectory()) {
      for (const f of readdirSync(a).sort()) if (f.endsWith('.sh') && f !== 'lib.sh') scripts.push(join(a, f));
    } else {
      scripts.push(a);
    }
  }
  return scripts;
}

async function walkthrough(args: readonly string[]): Promise<number> {
  let dir = 'scenarios/article';
  let out: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--out' && args[i + 1] !== undefined) out = args[++i];
    else if (a.startsWith('-')) return usageError(`xfrmsim walkthrough: bad option "${a}"`);
    else dir = a;
  }
  let failed = 0;
  for (const s of scriptsOf([dir])) {
    const name = basename(s, '.sh');
    const r = await runScenario(s, { ...(out ? { out: join(out, name) } : {}), trace: 'none' });
    if (r.exitCode !== 0) failed++;
    process.stdout.write(`\n======== ${s} (exit ${r.exitCode}) ========\n${r.console}`);
    process.stdout.write(`\n-------- trace of ${name}: every packet, step by step --------\n${r.world.trace.renderText()}`);
  }
  process.stdout.write(`\n${failed === 0 ? 'Every scenario passed.' : `${failed} scenario(s) failed.`}\n`);
  return failed === 0 ? 0 : 1;
}

async function check(args: readonly string[]): Promise<number> {
  if (args.length === 0 || args.some((a) => a.startsWith('-'))) return usageError('xfrmsim check: give scripts or folders');
  const scripts = scriptsOf(args);
  let passed = 0;
  for (const s of scripts) {
    const r = await runScenario(s, { trace: 'none' });
    if (r.exitCode === 0) passed++;
    process.stdout.write(
      `${r.exitCode === 0 ? 'PASS' : 'FAIL'} ${s}${r.exitCode === 0 ? '' : ` (exit ${r.exitCode}; console in ${r.out}/console.log)`}\n`,
    );
  }
  process.stdout.write(`${passed} passed, ${scripts.length - passed} failed\n`);
  return passed === scripts.length ? 0 : 1;
}

function usageError(message: string): number {
  process.stderr.write(`${message}\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`xfrmsim: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 70;
  },
);
