import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { result } from '../../src/shell/command.js';
import { dateCommand, killCommand, mktempCommand, sleepCommand, waitCommand } from '../../src/shell/coreutils.js';
import type { Job } from '../../src/shell/jobs.js';
import { Shell, type SimCommand } from '../../src/shell/runtime.js';
import { World } from '../../src/stack/world.js';

/** A stand-in for a capture: counts the virtual seconds it ran; prints at its end what tcpdump would. */
const fakeCapture: SimCommand = (args, ctx) => {
  const start = ctx.world.clock.nowUs;
  const job: Job = {
    name: 'fakecap',
    finished: false,
    stop: () => ({
      stdout: `ran ${(ctx.world.clock.nowUs - start) / 1e6} s in ${ctx.host.name}\n`,
      stderr: 'stopped\n',
      exitCode: 0,
      files: args[0] ? [{ path: args[0], bytes: new Uint8Array([1, 2, 3]) }] : [],
    }),
  };
  if (!ctx.background) return result('', 'fakecap: only runs in the background\n', 1);
  ctx.jobs.add(ctx.background.pid, job, ctx.background.output);
  return result('', 'listening\n');
};

const whereAmI: SimCommand = (_args, ctx) => result(`${ctx.host.name}\n`);

function shell(outDir?: string) {
  const world = new World({ seed: 't' });
  world.addHost('a');
  const commands = new Map<string, SimCommand>([
    ['sleep', sleepCommand],
    ['date', dateCommand],
    ['kill', killCommand],
    ['wait', waitCommand],
    ['mktemp', mktempCommand()],
    ['fakecap', fakeCapture],
    ['whereami', whereAmI],
    ['nsexec', (args, ctx) => ctx.exec(args.slice(1).join(' '), { XFRMSIM_NETNS: args[0]! })],
  ]);
  return { world, sh: new Shell({ world, commands, ...(outDir ? { outDir } : {}) }) };
}

describe('the bash runtime', () => {
  test('sleep advances the virtual clock and date reads it', async () => {
    const { sh, world } = shell();
    const r = await sh.run('date +%s.%N; sleep 1.5; date +%T.%N; sleep 2m; date +%s');
    expect(r.stdout).toBe('0.000000000\n00:00:01.500000000\n121\n');
    expect(world.clock.nowUs).toBe(121_500_000);
  });

  test('a command run by sh -c or bash -c inside ip netns exec acts in that namespace (the interpreter does not pass the variable on)', async () => {
    const { sh } = shell();
    const r = await sh.run(`nsexec a sh -c 'whereami; bash -c whereami'; whereami`);
    expect(r.stdout).toBe('a\na\ninit\n');
  });

  test('a background command that is no job ends at once: $? is 0 after the &, wait gives its status, kill finds no process', async () => {
    const { sh } = shell();
    const r = await sh.run('sh -c "exit 3" & echo "rc=$? pid=$!"; wait $!; echo "wait rc=$?"; kill $!; echo "kill rc=$?"');
    expect(r.stdout).toBe('rc=0 pid=4000\nwait rc=3\nkill rc=1\n');
    expect(r.stderr).toBe('bash: kill: (4000) - No such process\n');
  });

  test('a background job gets a pid in $!, keeps running while the script sleeps, and kill ends it', async () => {
    const { sh } = shell();
    const r = await sh.run('fakecap & pid=$!; echo "pid $pid"; sleep 3; kill $pid; echo "kill rc=$?"; wait $pid; echo "wait rc=$?"');
    expect(r.stdout).toBe('pid 4000\nran 3 s in init\nkill rc=0\nwait rc=0\n');
    expect(r.stderr).toBe('listening\nstopped\n');
  });

  test("a job's later output follows the redirections of its line, and its files are written at its end", async () => {
    const out = mkdtempSync(join(tmpdir(), 'xfrmsim-rt-'));
    const { sh } = shell(out);
    const r = await sh.run('fakecap "$OUT/cap.bin" > "$OUT/log.txt" 2>&1 & p=$!; sleep 1; kill $p; cat "$OUT/log.txt"');
    expect(r.stdout).toBe('listening\nran 1 s in init\nstopped\n');
    expect([...readFileSync(join(out, 'cap.bin'))]).toEqual([1, 2, 3]);
    expect(readFileSync(join(out, 'log.txt'), 'utf8')).toBe('listening\nran 1 s in init\nstopped\n');
  });

  test('a nested command runs in the namespace it is given, the outer one is unchanged', async () => {
    const { sh } = shell();
    const r = await sh.run('whereami; nsexec a whereami; whereami; nsexec nope whereami; echo rc=$?');
    expect(r.stdout).toBe('init\na\ninit\nrc=1\n');
    expect(r.stderr).toBe('Cannot open network namespace "nope": No such file or directory\n');
  });

  test('a shell started in a namespace (sh -c) runs its commands there too', async () => {
    // Linux: `ip netns exec a sh -c 'ip xfrm policy list | grep -c ^src'` counts a's policies;
    // the namespace belongs to the process and its children, not to one command.
    const { sh } = shell();
    const r = await sh.run('nsexec a sh -c whereami; nsexec a bash -c whereami; whereami; sh -c whereami');
    expect(r.stdout).toBe('a\na\ninit\ninit\n');
  });

  test('kill of an unknown pid and wait for a job that never ends fail as bash and xfrmsim say', async () => {
    const { sh } = shell();
    const r = await sh.run('kill 77; echo rc=$?; fakecap 2>/dev/null & wait $!; echo rc=$?');
    expect(r.stdout).toBe('rc=1\nrc=127\n');
    expect(r.stderr).toContain('bash: kill: (77) - No such process');
    expect(r.stderr).toContain('never ends by itself: kill it first');
  });

  test('an EXIT trap runs at the end of the script with its variables; jobs still running are stopped', async () => {
    const out = mkdtempSync(join(tmpdir(), 'xfrmsim-rt-'));
    const { sh } = shell(out);
    const r = await sh.run('d=$(mktemp -d); trap \'echo "bye $d"\' EXIT; fakecap "$OUT/late.bin" 2>/dev/null & echo end');
    expect(r.stdout).toBe('end\nbye /tmp/tmp.0000000001\n');
    expect([...readFileSync(join(out, 'late.bin'))]).toEqual([1, 2, 3]);
  });

  test('the script folder is readable, writes outside $OUT never reach the disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xfrmsim-rt-'));
    writeFileSync(join(dir, 'lib.sh'), 'greet() { echo "hello $1"; }\n');
    const world = new World();
    const sh = new Shell({ world, commands: new Map(), readDirs: [dir], cwd: dir });
    const r = await sh.run(`. ./lib.sh; greet you; echo x > "${dir}/new.txt"; cat "${dir}/new.txt"; cat /etc/shadow; echo rc=$?`);
    expect(r.stdout).toBe('hello you\nx\nrc=1\n');
    expect(() => readFileSync(join(dir, 'new.txt'))).toThrow();
  });

  test('[!...] in case and [[ == ]] patterns means "not in the set", as in bash', async () => {
    const { sh } = shell();
    const r = await sh.run(
      'for a in ip \'a b\'; do case $a in *[!a-z]*) echo "odd $a";; *) echo "plain $a";; esac; [[ $a == *[!a-z]* ]] && echo "cond $a"; done',
    );
    expect(r.stdout).toBe('plain ip\nodd a b\ncond a b\n');
  });

  test('a sourced file gets the same rewrite: its background jobs have pids and its functions use them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xfrmsim-rt-'));
    writeFileSync(join(dir, 'lib.sh'), 'start() { fakecap 2>/dev/null & pids+=("$!"); }\n');
    const world = new World();
    const commands = new Map<string, SimCommand>([
      ['fakecap', fakeCapture],
      ['kill', killCommand],
    ]);
    const sh = new Shell({ world, commands, readDirs: [dir], cwd: dir });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash array expansions, not a template
    const r = await sh.run('pids=(); . ./lib.sh; start; start; echo "${pids[*]}"; kill "${pids[@]}" 2>/dev/null; echo rc=$?');
    expect(r.stdout).toBe('4000 4001\nran 0 s in init\nran 0 s in init\nrc=0\n');
  });

  test('"$@" in a command\'s place runs its first word with the rest, functions included, as bash splits it', async () => {
    const { sh } = shell();
    const r = await sh.run(`f() { echo "f got $#: $2"; }; run() { "$@"; }; run f a 'b c'; run echo x '  y'; a=(echo arr); "\${a[@]}"`);
    expect(r.stdout).toBe('f got 2: b c\nx   y\narr\n');
  });
});
