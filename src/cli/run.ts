/** `xfrmsim run` and `xfrmsim check`: a scenario script in a fresh simulated machine, as the kernel oracle runs it on a real one. */

import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { simulatedCommands } from '../shell/commands.js';
import { Shell } from '../shell/runtime.js';
import { World } from '../stack/world.js';
import { espSaTable } from './esp-sa.js';

export type TraceFormat = 'text' | 'json' | 'none';

export interface RunOptions {
  /** $OUT; a fresh temporary folder when absent. */
  readonly out?: string;
  readonly seed?: string;
  readonly trace?: TraceFormat;
  /** Writes DIR/HOST-DEV.pcap for every device that saw a frame, and DIR/esp_sa (Wireshark's ESP SA table). */
  readonly pcap?: string;
}

export interface RunResult {
  /** stdout and stderr of the script, interleaved as a terminal shows them (uml-run's console.log). */
  readonly console: string;
  readonly exitCode: number;
  readonly out: string;
  readonly world: World;
}

/**
 * Runs SCRIPT with its folder as the working directory (as uml-run does) and $OUT writable. Writes
 * OUT/console.log and OUT/rc as uml-run does, and OUT/trace.txt (or trace.json) with the packet trace.
 */
export async function runScenario(scriptPath: string, opts: RunOptions = {}): Promise<RunResult> {
  const script = realpathSync(resolve(scriptPath));
  const out = opts.out ?? mkdtempSync(join(tmpdir(), 'xfrmsim-out.'));
  mkdirSync(out, { recursive: true });
  const outDir = realpathSync(out);
  const world = new World({ seed: opts.seed ?? 'xfrmsim', captureAll: opts.pcap !== undefined });
  const dir = dirname(script);
  // scenarios/<topic>/X.sh source their helpers from scenarios/lib: readable as well.
  const lib = join(dirname(dir), 'lib');
  const readDirs = existsSync(lib) && lib !== dir ? [dir, lib] : [dir];
  const shell = new Shell({ world, commands: simulatedCommands(), readDirs, outDir, cwd: dir });
  const text = readFileSync(script, 'utf8');
  // One stream, as `bash SCRIPT > console.log 2>&1` gives it.
  const r = await shell.run(`exec 2>&1\n${text}`, basename(script));
  const consoleText = r.stdout + r.stderr;
  writeFileSync(join(outDir, 'console.log'), consoleText);
  writeFileSync(join(outDir, 'rc'), `${r.exitCode}\n`);
  const trace = opts.trace ?? 'text';
  if (trace === 'text') writeFileSync(join(outDir, 'trace.txt'), world.trace.renderText());
  if (trace === 'json') writeFileSync(join(outDir, 'trace.json'), `${JSON.stringify(world.trace.events)}\n`);
  if (opts.pcap !== undefined) writePcaps(world, opts.pcap);
  return { console: consoleText, exitCode: r.exitCode, out: outDir, world };
}

/** Every device's frames as tcpdump -i DEV -w would have saved them from the start, and the ESP keys to read them. */
function writePcaps(world: World, dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const host of world.hosts.values()) {
    for (const dev of host.devices.values()) {
      for (const cap of dev.captures) {
        if (cap.records.length > 0) writeFileSync(join(dir, `${host.name}-${dev.name}.pcap`), cap.pcap());
        break;
      }
    }
  }
  writeFileSync(join(dir, 'esp_sa'), espSaTable(world));
}
