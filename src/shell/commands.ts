/** Every simulated command by the name a script calls it (what /usr/sbin and /usr/bin hold on the reference system). */

import { failure } from './command.js';
import { dateCommand, killCommand, mktempCommand, sleepCommand, waitCommand } from './coreutils.js';
import { ipCommand } from './ip.js';
import { ip6tables, ip6tablesRestore, ip6tablesSave } from './ip6tables.js';
import { ip6tablesNft } from './ip6tables-nft.js';
import { ncCommand } from './nc.js';
import { pingCommand } from './ping.js';
import type { SimCommand } from './runtime.js';
import { sysctlCommand } from './sysctl.js';
import { startTcpdump } from './tcpdump.js';

const ip6tablesCommand: SimCommand = (args, ctx) => ip6tables(args, { netfilter: ctx.host.netfilter, nowUs: ctx.world.clock.nowUs });
const ip6tablesSaveCommand: SimCommand = (args, ctx) =>
  ip6tablesSave(args, { netfilter: ctx.host.netfilter, nowUs: ctx.world.clock.nowUs });
const ip6tablesRestoreCommand: SimCommand = (args, ctx) =>
  ip6tablesRestore(args, ctx.stdin, { netfilter: ctx.host.netfilter, nowUs: ctx.world.clock.nowUs });

/**
 * `tcpdump`: `-r` prints a file at once; a capture started with `&` becomes a job that records
 * until `kill`; in the foreground a capture needs `-c` (it runs the world until it has its
 * packets), since without it tcpdump would never return.
 */
const tcpdumpCommand: SimCommand = async (args, ctx) => {
  const files = new Map<string, Uint8Array>();
  for (const a of args) {
    if (a.startsWith('-')) continue;
    const bytes = await ctx.readFile(a);
    if (bytes) files.set(a, bytes);
  }
  const start = startTcpdump(args, { host: ctx.host, nowUs: ctx.world.clock.nowUs, readFile: (p) => files.get(p) });
  if (start.kind === 'done') return start.result;
  const { job } = start;
  for (const f of job.startFiles) await ctx.writeFile(f.path, f.bytes);
  if (ctx.background) {
    ctx.jobs.add(
      ctx.background.pid,
      {
        name: 'tcpdump',
        get finished() {
          return job.finished;
        },
        stop: () => job.stop(),
      },
      ctx.background.output,
    );
    return { stdout: '', stderr: job.stderrAtStart, exitCode: 0 };
  }
  if (!job.finished) ctx.world.run();
  if (!job.finished) {
    job.stop();
    return failure('xfrmsim: tcpdump in the foreground without -c never returns: start it with & and kill it', 2);
  }
  const end = job.stop();
  for (const f of end.files) await ctx.writeFile(f.path, f.bytes);
  return { stdout: end.stdout, stderr: job.stderrAtStart + end.stderr, exitCode: end.exitCode };
};

/** A fresh table (each shell gets its own, so mktemp's counter is per run). */
export function simulatedCommands(): Map<string, SimCommand> {
  return new Map<string, SimCommand>([
    ['ip', ipCommand],
    // The legacy backend is the one modelled; `ip6tables` on the reference system is the nft one,
    // which the oracle kernel cannot run, so scripts point it at the legacy binary (same rules).
    ['ip6tables', ip6tablesCommand],
    ['ip6tables-legacy', ip6tablesCommand],
    ['ip6tables-save', ip6tablesSaveCommand],
    ['ip6tables-legacy-save', ip6tablesSaveCommand],
    ['ip6tables-restore', ip6tablesRestoreCommand],
    ['ip6tables-legacy-restore', ip6tablesRestoreCommand],
    ['ip6tables-nft', (args) => ip6tablesNft(args)],
    ['ping', (args, ctx) => pingCommand(args, ctx, 'ping')],
    ['ping6', (args, ctx) => pingCommand(args, ctx, 'ping6')],
    ['sysctl', sysctlCommand],
    ['tcpdump', tcpdumpCommand],
    ['nc', ncCommand],
    ['netcat', ncCommand],
    ['sleep', sleepCommand],
    ['date', dateCommand],
    ['kill', killCommand],
    ['wait', waitCommand],
    ['mktemp', mktempCommand()],
  ]);
}
