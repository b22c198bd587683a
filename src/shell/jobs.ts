/** The script's background jobs: pids, `kill`, `wait` and where a job's later output goes (bash: jobs.c, the kill and wait builtins). */

import type { CommandResult } from './command.js';

/** What a job printed after it started, its exit status, and the files it wrote (a capture's pcap). */
export interface JobEnd {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
  readonly files: readonly { readonly path: string; readonly bytes: Uint8Array }[];
}

/** A command that keeps running while the script goes on (a capture attached to its device). */
export interface Job {
  readonly name: string;
  /** True once the job ended by itself (e.g. `tcpdump -c N` saw N packets). */
  readonly finished: boolean;
  /** Ends the job (SIGTERM, or its own end) and gives what it printed since it started. */
  stop(): JobEnd;
}

/** Where a job's later output goes: the redirection targets of its `CMD REDIRS &` line; undefined = the console. */
export interface JobOutput {
  readonly stdout?: string;
  readonly stderr?: string;
}

interface Entry {
  readonly job: Job;
  readonly output: JobOutput;
  end?: JobEnd;
}

/** Writes a job's output: appends to a file, or hands it to the caller for the console. */
export type JobSink = (path: string, text: string | Uint8Array, append: boolean) => Promise<void>;

export class JobTable {
  private next = 4000;
  private readonly entries = new Map<number, Entry>();

  /** A fresh pid for `CMD &` (bash gives one even to a command that ends at once). */
  newPid(): number {
    return this.next++;
  }

  add(pid: number, job: Job, output: JobOutput): void {
    this.entries.set(pid, { job, output });
  }

  /** A `CMD &` that ran to its end at once (it is no job of the simulation): `wait PID` finds its status. */
  ended(pid: number, exitCode: number): void {
    if (this.entries.has(pid)) return;
    const end: JobEnd = { stdout: '', stderr: '', exitCode, files: [] };
    this.entries.set(pid, { job: { name: 'done', finished: true, stop: () => end }, output: {}, end });
  }

  /** Pids of jobs not yet ended, oldest first. */
  running(): number[] {
    return [...this.entries].filter(([, e]) => !e.end).map(([pid]) => pid);
  }

  /**
   * `kill [-s SIG | -SIG] PID...`: ends each job; its output goes where its redirections said, or
   * into this command's own output (which is where a terminal would show it).
   */
  async kill(args: readonly string[], sink: JobSink): Promise<CommandResult> {
    let rest = [...args];
    if (rest[0] === '-s' || rest[0] === '-n') rest = rest.slice(2);
    else if (rest[0]?.startsWith('-') && rest[0] !== '--') rest = rest.slice(1);
    else if (rest[0] === '--') rest = rest.slice(1);
    if (rest.length === 0)
      return {
        stdout: '',
        stderr: 'bash: kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]\n',
        exitCode: 2,
      };
    let stdout = '';
    let stderr = '';
    let exitCode = 0;
    for (const a of rest) {
      const pid = Number(a);
      const e = Number.isInteger(pid) ? this.entries.get(pid) : undefined;
      if (!/^\d+$/.test(a)) {
        stderr += `bash: kill: ${a}: arguments must be process or job IDs\n`;
        exitCode = 1;
        continue;
      }
      if (!e || e.end) {
        stderr += `bash: kill: (${a}) - No such process\n`;
        exitCode = 1;
        continue;
      }
      const out = await this.finish(e, sink);
      stdout += out.stdout;
      stderr += out.stderr;
    }
    return { stdout, stderr, exitCode };
  }

  /**
   * `wait [PID...]`: a job that ends by itself is run to its end by `advance` (the world's clock);
   * one that never would (a capture without -c) is an error, where bash would hang for ever.
   */
  async wait(args: readonly string[], advance: () => void, sink: JobSink): Promise<CommandResult> {
    const pids = args.length ? args.map(Number) : [...this.entries.keys()];
    let stdout = '';
    let stderr = '';
    let exitCode = 0;
    for (const pid of pids) {
      const e = this.entries.get(pid);
      if (!e) {
        if (args.length) {
          stderr += `bash: wait: pid ${pid} is not a child of this shell\n`;
          exitCode = 127;
        }
        continue;
      }
      if (!e.end && !e.job.finished) advance();
      if (!e.end && !e.job.finished) {
        stderr += `xfrmsim: wait: ${e.job.name} (pid ${pid}) never ends by itself: kill it first\n`;
        exitCode = 127;
        continue;
      }
      const out = e.end ? { stdout: '', stderr: '' } : await this.finish(e, sink);
      stdout += out.stdout;
      stderr += out.stderr;
      exitCode = e.end?.exitCode ?? 0;
    }
    return { stdout, stderr, exitCode };
  }

  /** Ends every job still running (the script is over): their files are written, their text is dropped. */
  async stopAll(sink: JobSink): Promise<void> {
    for (const e of this.entries.values()) if (!e.end) await this.finish(e, sink);
  }

  private async finish(e: Entry, sink: JobSink): Promise<{ stdout: string; stderr: string }> {
    const end = e.job.stop();
    e.end = end;
    for (const f of end.files) await sink(f.path, f.bytes, false);
    let stdout = '';
    let stderr = '';
    const route = async (text: string, target: string | undefined, toConsole: (t: string) => void) => {
      if (!text) return;
      if (target === undefined) toConsole(text);
      else if (target !== '/dev/null') await sink(target, text, true);
    };
    // A job whose stderr was sent to its stdout's file (2>&1) writes both there.
    await route(end.stdout, e.output.stdout, (t) => {
      stdout += t;
    });
    await route(end.stderr, e.output.stderr, (t) => {
      stderr += t;
    });
    return { stdout, stderr };
  }
}
