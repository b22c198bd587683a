/** Shared helpers for the `ip xfrm` tests: a fresh namespace, a runner taking a shell-like line, and readers for oracle console logs. */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRandom } from '../../src/crypto/index.js';
import type { CommandResult } from '../../src/shell/command.js';
import { DEFAULT_IP_OPTIONS, type IpOptions } from '../../src/shell/ip-options.js';
import { type IpXfrmLinks, ipXfrm } from '../../src/shell/ip-xfrm.js';
import { XfrmNamespace } from '../../src/xfrm/namespace.js';

export function fixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../fixtures/shell/ip-xfrm/${name}`, import.meta.url)), 'utf8');
}

/** Splits a command line as bash would for the simple quoting the scripts use ('...' and "..."). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '"' || c === "'") {
      const end = line.indexOf(c, i + 1);
      cur += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === ' ' || c === '\t') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** `ip`'s global options before the object word: -s (repeatable), -o, -4, -6, -d. */
export function splitIpOptions(words: readonly string[]): { opts: IpOptions; rest: string[] } {
  let stats = 0;
  let oneline = false;
  let details = false;
  let family: IpOptions['family'];
  let i = 0;
  for (; i < words.length && words[i]!.startsWith('-'); i++) {
    const w = words[i]!;
    if (w === '-s') stats++;
    else if (w === '-o') oneline = true;
    else if (w === '-d') details = true;
    else if (w === '-6') family = 'inet6';
    else if (w === '-4') family = 'inet';
    else throw new Error(`test helper: option ${w}`);
  }
  return { opts: { stats, oneline, details, ...(family ? { family } : {}) }, rest: words.slice(i) };
}

export interface Host {
  readonly ns: XfrmNamespace;
  nowUs: number;
  links?: IpXfrmLinks;
  /** Runs `ip [opts] xfrm ...`: a line as a script has it, or its words (a leading `ip` is optional). */
  ip(line: string | readonly string[]): CommandResult;
}

/** Wall-clock microseconds of a UTC date, for SadConfig.epochUs. */
export function utcUs(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  return Date.UTC(y, mo - 1, d, h, mi, s) * 1000;
}

export function makeHost(epochUs = 0, seed = 'ip-xfrm'): Host {
  const ns = new XfrmNamespace({ random: createRandom(seed), sadConfig: { epochUs } });
  const host: Host = {
    ns,
    nowUs: 0,
    ip(line) {
      const all = typeof line === 'string' ? shellWords(line) : [...line];
      const words = all[0] === 'ip' ? all.slice(1) : all;
      const { opts, rest } = splitIpOptions(words);
      if (rest[0] !== 'xfrm') throw new Error(`test helper: not an ip xfrm command: ${words.join(' ')}`);
      return ipXfrm(rest.slice(1), {
        xfrm: ns,
        nowUs: host.nowUs,
        opts: opts ?? DEFAULT_IP_OPTIONS,
        ...(host.links ? { links: host.links } : {}),
      });
    },
  };
  return host;
}

/** One command of an oracle console log, with what it printed (stdout and stderr interleaved) and its status. */
export interface LoggedCommand {
  readonly words: string[];
  readonly output: string;
  readonly rc: number;
}

/** Reads the `[node]# cmd` / `   | out` / `   rc=N` blocks of an article golden console.log. */
export function readGoldenCommands(text: string): LoggedCommand[] {
  const out: LoggedCommand[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^\[[^\]]+\]# (.*)$/.exec(lines[i]!);
    if (!m) continue;
    let output = '';
    let j = i + 1;
    for (; j < lines.length && lines[j]!.startsWith('   | '); j++) output += `${lines[j]!.slice(5)}\n`;
    const rc = /^ {3}rc=(\d+)/.exec(lines[j] ?? '');
    if (!rc) continue;
    out.push({ words: shellWords(m[1]!.replace(/\s+\(\d\d:\d\d:\d\d\.\d+\)$/, '')), output, rc: Number(rc[1]) });
  }
  return out;
}

/** Reads the `### ARGS` / output / `rc=N` blocks of a uml-run fixture written by our own scripts (args as `echo "$*"` shows them). */
export function readFixtureCommands(text: string): LoggedCommand[] {
  const out: LoggedCommand[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^### (.*)$/.exec(lines[i]!);
    if (!m) continue;
    let output = '';
    let j = i + 1;
    for (; j < lines.length && !/^rc=\d+$/.test(lines[j]!); j++) output += `${lines[j]}\n`;
    // `echo "$*"` joins with one space, so an empty argument shows as two spaces in a row.
    out.push({ words: m[1]!.split(' '), output, rc: Number(lines[j]!.slice(3)) });
  }
  return out;
}
