/** The commands whose meaning changes in a simulation: `sleep` and `date` read the virtual clock, `kill` and `wait` act on simulated jobs, `mktemp` names files deterministically (coreutils 9.1, bash 5.2). */

import { type CommandResult, failure, result } from './command.js';
import type { SimCommand, SimContext } from './runtime.js';

const UNIT_US: Readonly<Record<string, number>> = { '': 1e6, s: 1e6, m: 60e6, h: 3600e6, d: 86400e6 };

/** `sleep NUMBER[smhd]...`: advances the virtual clock by the sum, firing every timer on the way. */
export const sleepCommand: SimCommand = (args, ctx) => {
  if (args.length === 0) return failure("sleep: missing operand\nTry 'sleep --help' for more information.", 1);
  let us = 0;
  for (const a of args) {
    const m = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(a);
    if (!m) return failure(`sleep: invalid time interval '${a}'\nTry 'sleep --help' for more information.`, 1);
    us += Number(m[1]) * UNIT_US[m[2]!]!;
  }
  // `sleep N &` waits in another process: the script (and the world) go on at once.
  if (!ctx.background) ctx.world.advance(Math.round(us));
  return result('');
};

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `date [+FORMAT]` in UTC from the virtual clock (microseconds since the epoch). */
export const dateCommand: SimCommand = (args, ctx) => {
  const us = ctx.world.clock.nowUs;
  const extra = args.filter((a) => !a.startsWith('+') && a !== '-u' && a !== '--utc');
  if (extra.length) return failure(`xfrmsim: date ${extra[0]}: not modelled`, 2);
  const fmt = args.find((a) => a.startsWith('+'))?.slice(1) ?? '%a %b %e %H:%M:%S %Z %Y';
  return result(`${formatDate(fmt, us)}\n`);
};

export function formatDate(fmt: string, us: number): string {
  const d = new Date(Math.floor(us / 1000));
  const p2 = (n: number) => String(n).padStart(2, '0');
  const fields: Record<string, () => string> = {
    a: () => DAYS[d.getUTCDay()]!,
    b: () => MONTHS[d.getUTCMonth()]!,
    e: () => String(d.getUTCDate()).padStart(2, ' '),
    d: () => p2(d.getUTCDate()),
    m: () => p2(d.getUTCMonth() + 1),
    Y: () => String(d.getUTCFullYear()),
    H: () => p2(d.getUTCHours()),
    M: () => p2(d.getUTCMinutes()),
    S: () => p2(d.getUTCSeconds()),
    T: () => `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`,
    F: () => `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}`,
    N: () => String((us % 1e6) * 1000).padStart(9, '0'),
    s: () => String(Math.floor(us / 1e6)),
    Z: () => 'UTC',
    z: () => '+0000',
    '%': () => '%',
  };
  return fmt.replace(/%(.)/g, (whole, c: string) => fields[c]?.() ?? whole);
}

export const killCommand: SimCommand = (args, ctx) => ctx.jobs.kill(args, ctx.sink);

/** `wait`: a job that ends by itself runs to its end on the virtual clock. */
export const waitCommand: SimCommand = (args, ctx) => ctx.jobs.wait(args, () => ctx.world.run(), ctx.sink);

/** `mktemp [-d] [TEMPLATE]`: names from a counter under /tmp, so runs are reproducible. */
export function mktempCommand(): SimCommand {
  let n = 0;
  return async (args, ctx: SimContext): Promise<CommandResult> => {
    const dir = args.includes('-d');
    const rest = args.filter((a) => a !== '-d' && a !== '-q');
    if (rest.some((a) => a.startsWith('-'))) return failure(`xfrmsim: mktemp ${rest.find((a) => a.startsWith('-'))}: not modelled`, 2);
    const template = rest[0] ?? 'tmp.XXXXXXXXXX';
    const xs = /X{3,}$/.exec(template);
    if (!xs) return failure(`mktemp: too few X's in template '${template}'`, 1);
    n++;
    const name = template.slice(0, xs.index) + String(n).padStart(xs[0].length, '0');
    const path = name.startsWith('/') ? name : `/tmp/${name}`;
    if (dir) {
      const r = await ctx.exec(`mkdir -p '${path}'`, {});
      if (r.exitCode !== 0) return r;
    } else {
      await ctx.writeFile(path, '');
    }
    return result(`${path}\n`);
  };
}
