/**
 * Runs case scripts under a real Linux 6.1 kernel: Debian's user-mode-linux (linux.uml) booted
 * with the host's root filesystem through hostfs, as the oracle's uml-run does, but several cases
 * per boot. The init script mounts proc, sys and a tmpfs on /run, loads the modules the cases
 * need, then runs each case with OUT set to its own folder (console.log and rc written there, as
 * uml-run writes them). Between two cases it resets the kernel to a fresh state: every process
 * left in a namespace is killed (tcpdumps, listeners), every namespace is deleted
 * (`ip -all netns delete`), and the initial namespace's xfrm policies, states and default
 * policies are flushed in case a script touched them. The cases only ever configure namespaces
 * they create (lib.sh's node, expect.sh's node), so nothing else carries over; what differs from
 * one boot per case (a boot's random keys, jiffies) is random per boot anyway and masked by the
 * normalisation.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The modules uml-run loads (iptables through the legacy backend: this UML has no nf_tables for IPv6). */
const MODULES =
  'ipv6 veth ah6 esp6 xfrm_user xfrm6_tunnel tunnel6 hmac cbc sha1_generic sha256_generic sha512_generic md5 aes_generic ' +
  'gcm ghash-generic ctr aead seqiv echainiv cryptd ' +
  'ip6_tables ip6table_filter ip6table_mangle ip6table_raw nf_conntrack xt_conntrack xt_mark xt_policy xt_MARK xt_esp ip6t_ah xt_LOG ip6t_REJECT';

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Shell-quote one word for the init script. */
function sq(/** @type {string} */ s) {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The tools the harness needs on this machine; the missing ones. @returns {string[]} */
export function missingPrerequisites() {
  const tools = ['linux.uml', 'modprobe', 'tcpdump', 'ping', 'ip6tables-legacy', 'nc', 'ip', 'timeout'];
  const missing = tools.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`], { env: { PATH } }).status !== 0);
  if (!existsSync('/usr/lib/uml/modules') || readdirSync('/usr/lib/uml/modules').length === 0) missing.push('/usr/lib/uml/modules');
  else if (spawnSync('sh', ['-c', 'nc -h 2>&1 | grep -q -- "-N"'], { env: { PATH } }).status !== 0) missing.push('nc (netcat-openbsd)');
  return missing;
}

/** The UML modules folder must be visible as /lib/modules/<kver> (uml-run makes the same link). */
function linkModules() {
  const kver = readdirSync('/usr/lib/uml/modules').sort()[0];
  if (!kver || existsSync(`/lib/modules/${kver}`)) return;
  try {
    mkdirSync('/lib/modules', { recursive: true });
    symlinkSync(`/usr/lib/uml/modules/${kver}`, `/lib/modules/${kver}`);
  } catch (e) {
    throw new Error(
      `cannot link /lib/modules/${kver} to the UML modules (${/** @type {Error} */ (e).message}); run once as root: ln -s /usr/lib/uml/modules/${kver} /lib/modules/${kver}`,
    );
  }
}

/**
 * Boots one kernel and runs the given cases in it, one after another.
 * @param {{ script: string, out: string }[]} runs  each case's script and its (empty) OUT folder
 * @param {{ work: string, id: string, caseTimeoutS?: number }} opts  work: a scratch folder for the init script and kernel.log
 * @returns {Promise<void>}  resolves when the kernel has halted (or was killed at the boot's time limit)
 */
export function runInKernel(runs, opts) {
  linkModules();
  const caseTimeout = opts.caseTimeoutS ?? 240;
  mkdirSync(opts.work, { recursive: true });
  for (const r of runs) mkdirSync(r.out, { recursive: true });
  const lines = [
    '#!/bin/bash',
    `export PATH=${PATH}`,
    'mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t tmpfs tmpfs /run; mkdir -p /run/netns',
    `for m in ${MODULES}; do modprobe -q $m 2>/dev/null; done`,
    'reset_kernel() {',
    '  local ns p',
    '  for ns in $(ip netns list | cut -d" " -f1); do for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done; done',
    '  ip -all netns delete 2>/dev/null',
    '  ip xfrm state flush; ip xfrm policy flush; ip xfrm policy setdefault in accept fwd accept out accept 2>/dev/null',
    '}',
    'run_case() {',
    '  export OUT=$1',
    `  ( cd "$(dirname "$2")" && exec timeout -k 5 ${caseTimeout} bash "$2" ) > "$OUT/console.log" 2>&1 < /dev/null`,
    '  echo $? > "$OUT/rc"',
    '  reset_kernel',
    '}',
    ...runs.map((r) => `run_case ${sq(r.out)} ${sq(r.script)}`),
    'sync; halt -f',
    '',
  ];
  const init = join(opts.work, `init-${opts.id}.sh`);
  writeFileSync(init, lines.join('\n'));
  chmodSync(init, 0o755);
  const limitS = runs.length * (caseTimeout + 10) + 120;
  return new Promise((resolvePromise) => {
    const args = ['mem=768M', `umid=xfrmsim-conf-${process.pid}-${opts.id}`, 'root=/dev/root', 'rootfstype=hostfs', 'rootflags=/', 'rw'];
    args.push(`init=${init}`, 'con=null', 'con0=null,fd:2');
    const child = spawn('timeout', [String(limitS), 'linux.uml', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, PATH: `${process.env.PATH}:${PATH}` },
    });
    /** @type {Buffer[]} */
    const log = [];
    child.stderr.on('data', (b) => log.push(b));
    child.on('close', () => {
      writeFileSync(join(opts.work, `kernel-${opts.id}.log`), Buffer.concat(log));
      rmSync(init, { force: true });
      resolvePromise();
    });
  });
}

/** @param {string} p */
export function ensureParent(p) {
  mkdirSync(dirname(p), { recursive: true });
}
