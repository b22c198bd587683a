/** The `sysctl` command over the model's /proc/sys files (procps-ng 4.0.2: src/sysctl.c). */

import { ERRNO_TEXT } from '../errors.js';
import { type CommandResult, notModelled } from './command.js';
import { isModelledSysctl, readSysctl, resolveSysctl, type StackContext, type SysctlFile, unmodelledWrite, writeSysctl } from './procfs.js';

const PROC_PATH = '/proc/sys/';

/** Usage(), as procps-ng 4.0.2 prints it (oracle: test/fixtures/shell/sysctl/sysctl-proc.txt "no-args"). */
const USAGE = `
Usage:
 sysctl [options] [variable[=value] ...]

Options:
  -a, --all            display all variables
  -A                   alias of -a
  -X                   alias of -a
      --deprecated     include deprecated parameters to listing
      --dry-run        Print the key and values but do not write
  -b, --binary         print value without new line
  -e, --ignore         ignore unknown variables errors
  -N, --names          print variable names without values
  -n, --values         print only values of the given variable(s)
  -p, --load[=<file>]  read values from file
  -f                   alias of -p
      --system         read values from all system directories
  -r, --pattern <expression>
                       select setting that match expression
  -q, --quiet          do not echo variable set
  -w, --write          enable writing a value to variable
  -o                   does nothing
  -x                   does nothing
  -d                   alias of -h

 -h, --help     display this help and exit
 -V, --version  output version information and exit

For more details see sysctl(8).
`;

interface Flags {
  printName: boolean;
  printNewline: boolean;
  ignoreError: boolean;
  nameOnly: boolean;
  quiet: boolean;
  write: boolean;
  dryRun: boolean;
}

/** Output collected in order; the exit status is the sum of reads' and the OR of writes' codes, as main() keeps it. */
class Out {
  stdout = '';
  stderr = '';
  warn(msg: string): void {
    this.stderr += `sysctl: ${msg}\n`;
  }
}

/**
 * slashdot(): turns the separators of a key into `to` (the other one into `from`), unless the
 * first separator already is `to`; warns once about a repeated separator.
 */
function slashdot(key: string, from: '.' | '/', to: '.' | '/', out: Out): string {
  const first = key.search(/[./]/);
  if (first < 0 || key[first] === to) return key;
  let warned = false;
  let s = '';
  for (let i = 0; i < key.length; i++) {
    const c = key[i]!;
    if (i >= first && (c === '.' || c === '/')) {
      const next = key[i + 1];
      if (!warned && (next === '.' || next === '/')) {
        out.warn(`separators should not be repeated: ${key.slice(i)}`);
        warned = true;
      }
      s += c === from ? to : from;
    } else s += c;
  }
  return s;
}

const SHORT_FLAGS = 'bneNwfpqoxaAXrVdh';
const LONG: Readonly<Record<string, string>> = {
  all: 'a',
  deprecated: 'deprecated',
  'dry-run': 'dry-run',
  binary: 'b',
  ignore: 'e',
  names: 'N',
  values: 'n',
  load: 'p',
  quiet: 'q',
  write: 'w',
  system: 'system',
  pattern: 'r',
  help: 'h',
  version: 'V',
};

type Step = { readonly kind: 'read'; readonly name: string } | { readonly kind: 'write'; readonly arg: string };

/** `sysctl [options] [variable[=value] ...]`: argv after the program name. */
export function sysctlCommand(argv: readonly string[], ctx: StackContext): CommandResult {
  if (argv.length === 0) return { stdout: '', stderr: USAGE, exitCode: 1 };
  const flags: Flags = {
    printName: true,
    printNewline: true,
    ignoreError: false,
    nameOnly: false,
    quiet: false,
    write: false,
    dryRun: false,
  };
  const names: string[] = [];
  const out = new Out();
  // getopt_long permutes: options may follow the names; `--` ends them.
  const opts: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      names.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const name = a.slice(2).split('=')[0]!;
      const matches = Object.keys(LONG).filter((k) => k.startsWith(name));
      const exact = Object.hasOwn(LONG, name) ? name : matches.length === 1 ? matches[0] : undefined;
      if (!exact) {
        out.warn(matches.length > 1 ? `option '${a}' is ambiguous` : `unrecognized option '${a}'`);
        return { stdout: USAGE, stderr: out.stderr, exitCode: 0 };
      }
      opts.push(LONG[exact]!);
    } else if (a.startsWith('-') && a.length > 1) {
      for (const c of a.slice(1)) {
        if (!SHORT_FLAGS.includes(c)) {
          out.warn(`invalid option -- '${c}'`);
          return { stdout: USAGE, stderr: out.stderr, exitCode: 0 };
        }
        opts.push(c);
        // -r takes an argument and -p an optional one: neither is modelled, so the rest of the word does not matter.
        if (c === 'r' || c === 'p') break;
      }
    } else names.push(a);
  }
  for (const o of opts) {
    switch (o) {
      case 'b':
        flags.printNewline = false;
        flags.printName = false;
        break;
      case 'n':
        flags.printName = false;
        break;
      case 'e':
        flags.ignoreError = true;
        break;
      case 'N':
        flags.nameOnly = true;
        break;
      case 'w':
        flags.write = true;
        break;
      case 'q':
        flags.quiet = true;
        break;
      case 'o':
      case 'x':
        break;
      case 'dry-run':
        flags.dryRun = true;
        break;
      case 'V':
        return { stdout: 'sysctl from procps-ng 4.0.2\n', stderr: '', exitCode: 0 };
      case 'd':
      case 'h':
        return { stdout: USAGE, stderr: '', exitCode: 0 };
      case 'a':
      case 'A':
      case 'X':
        return notModelled('sysctl -a');
      case 'f':
      case 'p':
        return notModelled('sysctl -p');
      case 'system':
        return notModelled('sysctl --system');
      case 'r':
        return notModelled('sysctl -r');
      case 'deprecated':
        return notModelled('sysctl --deprecated');
    }
  }
  if (names.length === 0) {
    out.warn("no variables specified\nTry `sysctl --help' for more information.");
    return { stdout: '', stderr: out.stderr, exitCode: 1 };
  }
  if (flags.nameOnly && flags.quiet) {
    out.warn("options -N and -q cannot coexist\nTry `sysctl --help' for more information.");
    return { stdout: '', stderr: out.stderr, exitCode: 1 };
  }

  const steps: Step[] = names.map((n) => (flags.write || n.includes('=') ? { kind: 'write', arg: n } : { kind: 'read', name: n }));
  // Every file is resolved before anything runs, so a key the model lacks changes nothing.
  for (const s of steps) {
    const [left, ...right] = s.kind === 'read' ? [s.name] : s.arg.split('=');
    const key = left!.trim().replace(/^-/, '');
    if (key.length === 0) continue;
    const f = resolve(key, ctx, new Out());
    if (f.kind === 'unmodelled') return notModelled(`sysctl ${f.what}`);
    const why = s.kind === 'write' && isModelledSysctl(f) && !flags.dryRun && unmodelledWrite(f, `${right.join('=').trim()}\n`, ctx.host);
    if (why) return notModelled(why);
  }

  let code = 0;
  for (const s of steps) {
    if (s.kind === 'read') code += readSetting(s.name, flags, ctx, out);
    else code |= writeArg(s.arg, flags, ctx, out);
  }
  return { stdout: out.stdout, stderr: out.stderr, exitCode: code & 0xff };
}

function resolve(key: string, ctx: StackContext, out: Out): SysctlFile & { readonly path: string } {
  const rel = slashdot(key, '.', '/', out);
  const path = PROC_PATH + rel;
  return { ...resolveSysctl(rel.replace(/\/+/g, '/'), ctx.host), path };
}

/** ReadSetting(). */
function readSetting(name: string, flags: Flags, ctx: StackContext, out: Out): number {
  if (name.length === 0) {
    out.warn(`"${name}" is an unknown key`);
    return -1;
  }
  // ReadSetting converts the display name twice (a leftover duplicate), so its warning can come twice.
  slashdot(name, '/', '.', out);
  const f = resolve(name, ctx, out);
  const outname = slashdot(name, '/', '.', out);
  if (f.kind === 'missing') {
    if (flags.ignoreError) return 0;
    out.warn(`cannot stat ${f.path}: ${ERRNO_TEXT.ENOENT}`);
    return 1;
  }
  if (!isModelledSysctl(f)) return 0; // refused before running
  if (flags.nameOnly) {
    out.stdout += `${outname}\n`;
    return 0;
  }
  const value = readSysctl(f, ctx.host);
  if (flags.printName) out.stdout += `${outname} = ${value}`;
  else out.stdout += flags.printNewline ? value : value.replace(/\n$/, '');
  return 0;
}

/** parse_setting_line("command line", 0, arg), then WriteSetting(). */
function writeArg(arg: string, flags: Flags, ctx: StackContext, out: Out): number {
  let key = arg.replace(/^\s+/, '');
  if (key.length < 2 || key[0] === '#' || key[0] === ';') return 1;
  const eq = key.indexOf('=');
  if (eq < 0) {
    if (key[0] === '-') return 0; // an exclusion: only meaningful in a -p file
    out.warn('command line(0): invalid syntax, continuing...');
    return 1;
  }
  let value = key.slice(eq + 1).trim();
  key = key.slice(0, eq).replace(/\s+$/, '');
  // A leading '-' (ignore failure) only changes the texts of open() errors, which the model has none of.
  if (key[0] === '-') key = key.slice(1);
  value = value.replace(/^\s+/, '');
  const f = resolve(key, ctx, out);
  if (f.kind === 'missing') {
    if (flags.ignoreError) return 0;
    out.warn(`cannot stat ${f.path}: ${ERRNO_TEXT.ENOENT}`);
    return 1;
  }
  if (!isModelledSysctl(f)) return 0; // refused before running
  const dotted = slashdot(f.path.slice(PROC_PATH.length), '/', '.', out);
  if (!flags.dryRun) {
    // fprintf(fp, "%s\n", value); the kernel's verdict comes at close_stream.
    const errno = writeSysctl(f, `${value}\n`, ctx.host);
    if (errno) {
      out.warn(`setting key "${dotted}": ${ERRNO_TEXT[errno]}`);
      return 1;
    }
  }
  if (!flags.quiet || flags.dryRun) {
    if (flags.nameOnly) out.stdout += `${value}\n`;
    else if (flags.printName) out.stdout += `${dotted} = ${value}\n`;
    else out.stdout += flags.printNewline ? `${value}\n` : value;
  }
  return 0;
}
