/** The bash runtime: a scenario script runs in just-bash with the simulated Linux commands, the script's folder readable, `$OUT` writable, and nothing else of the machine reachable. */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bash, type CustomCommand, defineCommand, InMemoryFs, MountableFs, OverlayFs } from 'just-bash';
import type { Host } from '../stack/host.js';
import type { World } from '../stack/world.js';
import {
  BG_ERR_VAR,
  BG_OUT_VAR,
  BG_VAR,
  backgroundJobsPlugin,
  NEWPID_COMMAND,
  rewriteScript,
  SOURCE_COMMAND,
  WAIT_COMMAND,
} from './background.js';
import type { CommandResult } from './command.js';
import { type JobOutput, type JobSink, JobTable } from './jobs.js';

/** The variable `ip netns exec NS` sets for the command it runs: the namespace every simulated command acts in. */
export const NETNS_VAR = 'XFRMSIM_NETNS';

/** What a simulated command gets besides its arguments. */
export interface SimContext {
  readonly world: World;
  /** The namespace the command runs in (`ip netns exec`), the initial one otherwise. */
  readonly host: Host;
  readonly env: ReadonlyMap<string, string>;
  readonly stdin: string;
  readonly cwd: string;
  readonly jobs: JobTable;
  /** Set when the command line ended in `&`: the job's pid and where its later output goes. */
  readonly background?: { readonly pid: number; readonly output: JobOutput };
  /** Reads a file of the script's filesystem (undefined when it does not exist). */
  readFile(path: string): Promise<Uint8Array | undefined>;
  writeFile(path: string, data: Uint8Array | string, append?: boolean): Promise<void>;
  /** Runs a simple command line in the same shell, with extra environment exported to it (how `ip netns exec` runs its command). */
  exec(commandLine: string, env: Readonly<Record<string, string>>): Promise<CommandResult>;
  /** The sink background jobs write their later output and files through. */
  readonly sink: JobSink;
  /** The interpreter's own command of this name (for a command that only handles some paths, as `cat` does /proc). */
  original(args: readonly string[]): Promise<CommandResult>;
}

export type SimCommand = (args: readonly string[], ctx: SimContext) => CommandResult | Promise<CommandResult>;

export interface ShellOptions {
  readonly world: World;
  /** name -> simulated command. */
  readonly commands: ReadonlyMap<string, SimCommand>;
  /** Real folders to mount readable at the same path (the script's folder). Writes there stay in memory. */
  readonly readDirs?: readonly string[];
  /** A real folder exported as $OUT, readable at the same path; what the script writes there is written to disk at the end. */
  readonly outDir?: string;
  /** The working directory the script starts in. */
  readonly cwd?: string;
}

/** One shell over one world: scripts run one after another and share the world and the filesystem. */
export class Shell {
  readonly jobs = new JobTable();
  private readonly bash: Bash;
  private readonly fs: MountableFs;
  private readonly world: World;
  private readonly outDir: string | undefined;
  private exitTraps: string[] = [];

  constructor(opts: ShellOptions) {
    this.world = opts.world;
    this.outDir = opts.outDir;
    this.fs = new MountableFs({ base: new InMemoryFs() });
    // Every real folder is a copy-on-write overlay: nothing reaches the disk while the script runs
    // (a folder inside another is covered by the outer one's overlay).
    const dirs = [...(opts.readDirs ?? []), ...(opts.outDir ? [opts.outDir] : [])];
    const outer = dirs.filter((d, i) => !dirs.some((o, j) => j !== i && (d.startsWith(`${o}/`) || (d === o && j < i))));
    for (const dir of outer) this.fs.mount(dir, new OverlayFs({ root: dir, mountPoint: '/' }));
    const custom: CustomCommand[] = [];
    for (const [name, run] of opts.commands) custom.push(defineCommand(name, (args, ctx) => this.invoke(run, args, ctx)));
    custom.push(defineCommand(NEWPID_COMMAND, async () => ({ stdout: `${this.jobs.newPid()}\n`, stderr: '', exitCode: 0 })));
    custom.push(defineCommand('trap', async (args) => this.trap(args)));
    custom.push(
      defineCommand(SOURCE_COMMAND, async (args, ctx) => {
        const path = resolvePath(ctx.cwd, args[0] ?? '');
        if (!args[0] || !(await this.fs.exists(path)))
          return { stdout: 'false\n', stderr: `bash: ${args[0] ?? ''}: No such file or directory\n`, exitCode: 1 };
        return { stdout: rewriteScript(await this.fs.readFile(path)), stderr: '', exitCode: 0 };
      }),
    );
    const wait = opts.commands.get('wait');
    if (wait) custom.push(defineCommand(WAIT_COMMAND, (args, ctx) => this.invoke(wait, args, ctx)));
    this.bash = new Bash({
      fs: this.fs,
      cwd: opts.cwd ?? opts.outDir ?? '/',
      env: {
        ...(opts.outDir ? { OUT: opts.outDir } : {}),
        PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        HOME: '/root',
        USER: 'root',
        LC_ALL: 'C',
      },
      processInfo: { pid: 1000, ppid: 1, uid: 0, gid: 0 },
      customCommands: custom,
      executionLimits: { maxCommandCount: 1_000_000, maxLoopIterations: 1_000_000 },
    });
    this.bash.registerTransformPlugin(backgroundJobsPlugin);
  }

  /**
   * Runs `text` as a script (`$0` = `name`). EXIT traps run when it reaches its end; jobs still
   * running are then stopped and their files written, as their processes would be killed.
   */
  async run(text: string, name = 'script'): Promise<CommandResult> {
    this.exitTraps = [];
    const wrapped = `${text}\n__xfrmsim_status=$?\neval "$(trap -p EXIT)"\n(exit $__xfrmsim_status)\n`;
    const r = await this.bash.exec(wrapped, { env: { '0': name } });
    await this.jobs.stopAll(this.sink);
    if (this.outDir) await this.exportDir(this.outDir);
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode };
  }

  /** Writes the files under `dir` as the script left them to the real folder of the same path. */
  private async exportDir(dir: string): Promise<void> {
    mkdirSync(dir, { recursive: true });
    for (const name of await this.fs.readdir(dir)) {
      const path = join(dir, name);
      const st = await this.fs.stat(path);
      if (st.isDirectory) await this.exportDir(path);
      else if (st.isFile) writeFileSync(path, await this.fs.readFileBuffer(path));
    }
  }

  readonly sink: JobSink = async (path, data, append) => {
    if (path === '/dev/null') return;
    if (append && (await this.fs.exists(path))) {
      const old = await this.fs.readFileBuffer(path);
      const add = typeof data === 'string' ? new TextEncoder().encode(data) : data;
      const both = new Uint8Array(old.length + add.length);
      both.set(old);
      both.set(add, old.length);
      await this.fs.writeFile(path, both);
      return;
    }
    await this.fs.writeFile(path, data);
  };

  /** `trap CMD EXIT` (and `trap -p EXIT` for the runner); other signals never arrive in a simulation. */
  private trap(args: readonly string[]): CommandResult {
    if (args[0] === '-p') {
      const text = this.exitTraps.map((t) => `${t}\n`).join('');
      return { stdout: text, stderr: '', exitCode: 0 };
    }
    if (args.length < 2) return { stdout: '', stderr: 'xfrmsim: trap: only `trap COMMAND SIGNAL...` is modelled\n', exitCode: 2 };
    const [cmd, ...sigs] = args;
    for (const s of sigs) {
      if (s === 'EXIT' || s === '0') this.exitTraps = cmd === '-' || cmd === '' ? [] : [cmd!];
    }
    return { stdout: '', stderr: '', exitCode: 0 };
  }

  private async invoke(
    run: SimCommand,
    args: string[],
    ctx: Parameters<Parameters<typeof defineCommand>[1]>[1],
  ): Promise<{ stdout: string; stderr: string; exitCode: number }> {
    const env = ctx.env;
    const ns = env.get(NETNS_VAR) ?? 'init';
    const host = this.world.hosts.get(ns);
    if (!host) return { stdout: '', stderr: `Cannot open network namespace "${ns}": No such file or directory\n`, exitCode: 1 };
    const bgPid = env.get(BG_VAR);
    const out = env.get(BG_OUT_VAR);
    const err = env.get(BG_ERR_VAR);
    const exec = ctx.exec;
    const sim: SimContext = {
      world: this.world,
      host,
      env,
      stdin: typeof ctx.stdin === 'string' ? ctx.stdin : new TextDecoder().decode(ctx.stdin as unknown as Uint8Array),
      cwd: ctx.cwd,
      jobs: this.jobs,
      ...(bgPid
        ? { background: { pid: Number(bgPid), output: { ...(out ? { stdout: out } : {}), ...(err ? { stderr: err } : {}) } } }
        : {}),
      readFile: async (path) => {
        const p = resolvePath(ctx.cwd, path);
        if (!(await this.fs.exists(p))) return undefined;
        return this.fs.readFileBuffer(p);
      },
      writeFile: (path, data, append = false) => this.sink(resolvePath(ctx.cwd, path), data, append),
      exec: async (line, extra) => {
        if (!exec) return { stdout: '', stderr: 'xfrmsim: cannot run a nested command here\n', exitCode: 126 };
        // The extra variables are also given as assignments before the command: bash exports
        // those to it, so a nested shell (`ip netns exec a sh -c 'ip ...'`) inherits them too.
        const assign = Object.entries(extra).map(([k, v]) => `${k}=${quoteArgs([v])} `);
        const r = await exec(`${assign.join('')}${line}`, {
          cwd: ctx.cwd,
          env: { ...Object.fromEntries(env), ...extra },
          stdin: sim.stdin,
        });
        return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode };
      },
      sink: this.sink,
      original: async (a) => {
        if (!ctx.origCommand) return { stdout: '', stderr: `bash: ${a[0] ?? ''}: command not found\n`, exitCode: 127 };
        const r = await ctx.origCommand([...a]);
        return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode };
      },
    };
    return run(args, sim);
  }
}

function resolvePath(cwd: string, path: string): string {
  if (path.startsWith('/')) return path;
  return `${cwd.replace(/\/$/, '')}/${path}`;
}

/** Quotes argv for a nested command line so each word arrives unchanged. */
export function quoteArgs(args: readonly string[]): string {
  return args.map((a) => (/^[A-Za-z0-9_./:=,+@%-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
