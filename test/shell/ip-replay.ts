/** Test support: runs `ip` argv through src/shell/ip-*.ts as the lead's dispatcher does, and replays the oracle capture test/fixtures/shell/ip/listings.console.log against the model. */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CommandResult } from '../../src/shell/command.js';
import { ipAddr } from '../../src/shell/ip-addr.js';
import { type IpContext, parseIpInvocation, resolveIpHost } from '../../src/shell/ip-args.js';
import { ipLink } from '../../src/shell/ip-link.js';
import { ipNeigh } from '../../src/shell/ip-neigh.js';
import { ipNetns } from '../../src/shell/ip-netns.js';
import { ipRoute } from '../../src/shell/ip-route.js';
import type { Host } from '../../src/stack/host.js';
import { ping } from '../../src/stack/ping.js';
import { World } from '../../src/stack/world.js';
import { parseIpv6Address } from '../../src/wire/ipv6-address.js';
import { expectOk } from '../../src/wire/result.js';

const HANDLERS: Record<string, (args: readonly string[], ctx: IpContext) => CommandResult> = {
  netns: ipNetns,
  link: ipLink,
  address: ipAddr,
  route: ipRoute,
  neighbor: ipNeigh,
};

/** `ip ARGV...` in `host` (default: the initial namespace). */
export function runIp(world: World, argv: readonly string[], host: Host = world.host('init')): CommandResult {
  const inv = parseIpInvocation(argv);
  if (inv.kind === 'fail') return inv.result;
  const h = resolveIpHost(world, host, inv.netns);
  if ('exitCode' in h) return h;
  const handler = HANDLERS[inv.object];
  if (!handler) throw new Error(`test dispatcher has no ${inv.object}`);
  return handler(inv.args, { world, host: h, opts: inv.opts });
}

/** `ip` with a command line split on spaces. */
export function ip(world: World, line: string, host?: Host): CommandResult {
  return runIp(
    world,
    line.split(' ').filter((w) => w !== ''),
    host,
  );
}

export interface OracleStep {
  readonly cmd: string;
  /** stdout and stderr as the console interleaved them. */
  readonly output: string;
  readonly rc: number;
}

export type Capture = 'listings' | 'errors' | 'more';

/** The `$ CMD` / output / `[rc=N]` blocks of a capture. */
export function oracleSteps(capture: Capture): OracleStep[] {
  const path = fileURLToPath(new URL(`../fixtures/shell/ip/${capture}.console.log`, import.meta.url));
  const text = readFileSync(path, 'utf8');
  const steps: OracleStep[] = [];
  let cmd: string | undefined;
  let out: string[] = [];
  for (const line of text.split('\n')) {
    const rc = /^\[rc=(\d+)\]$/.exec(line);
    if (line.startsWith('$ ') && cmd === undefined) {
      cmd = line.slice(2);
      out = [];
    } else if (rc && cmd !== undefined) {
      steps.push({ cmd, output: out.map((l) => `${l}\n`).join(''), rc: Number(rc[1]) });
      cmd = undefined;
    } else if (cmd !== undefined) out.push(line);
  }
  return steps;
}

export interface ReplayedStep extends OracleStep {
  readonly model: CommandResult;
  /** `CMD#N`: the N-th time the capture ran CMD. */
  readonly key: string;
  /** The object the command names (`link`, `address`, ...), or `ip` when the front end rejects it. */
  readonly object: string;
}

const STACK_ADDRCONF =
  'model: addrconf configures an address only once its device is running; the kernel adds its prefix (and, without DAD, local) route at once';

const STACK_FIB_KEY =
  "model: addrconf's Fib.replace keys routes without the device, so a second device's fe80::/64 and ff00::/8 routes replace the first's";

/** Steps of each capture the model does not reproduce, by key, and why. */
export const DIVERGENT: Readonly<Record<Capture, Readonly<Record<string, string>>>> = {
  errors: {
    'ip -n a addr add 10.0.0.1/24 dev eth0#1': 'not modelled: IPv4 addresses',
    'ip -n a -6 route show#1': STACK_ADDRCONF,
    'ip -n a -6 route add 5555::/64 via 4321::5#1': STACK_ADDRCONF,
    'ip -n a -6 route show#2': STACK_ADDRCONF,
    'ip -n a -6 route get 5555::1#1': STACK_ADDRCONF,
    'ip -n a -6 route get 4321::1/64#1': STACK_ADDRCONF,
    'ip -n a -6 route get ff02::1#1': STACK_ADDRCONF,
    'ip -n a -6 route show#3': STACK_ADDRCONF,
    'ip -n a -6 route show table local#1': STACK_ADDRCONF,
    'ip -n a -6 route show dev v1#1': STACK_ADDRCONF,
    'ip -n b link add x type dummy#1': 'not modelled: dummy devices',
    'ip -n b link add type veth peer name y#1': 'not modelled: kernel-chosen veth names',
    'ip -n b link add v1 type veth#1': 'not modelled: kernel-chosen veth names',
  },
  more: {
    'ip -6 route show#1': STACK_FIB_KEY,
    'ip -6 route show table local#1': STACK_FIB_KEY,
    'ip -6 route get 5555::1#1':
      'model: selectSourceAddress keeps the oldest of equally good addresses; the kernel takes the first in its list, the newest',
    'ip netns add init#1': 'the model reserves the name init for the initial namespace',
    'ip netns list#1': 'follows the refused ip netns add init',
    'ip route chg 5555::/64 dev c#1': 'not modelled: ip route change',
  },
  listings: {
    'ip -n a -s link show eth0#1': 'counters: the model sends fewer frames at link-up (no MLD reports)',
    'ip netns exec a ping -c 1 4321::2#1': 'not an ip listing (the shell runs ping); the times differ',
    'ip -n a link set eth0 mtu 100#1': 'not modelled: an mtu below 1280 disables IPv6 on the device',
    'ip -br link#1': 'not modelled: -brief',
    'ip -br -6 addr#1': 'not modelled: -brief',
    'ip link set c netns a#1': 'not modelled: moving a device between namespaces',
    'ip -n a link show#4': 'follows the unmodelled move of c',
    'ip -n a link show#5': 'follows the unmodelled move of c',
    'ip -d link show lo#1': 'not modelled: -details',
    'ip netns#1': 'the nsid comes from the unmodelled move of c',
    'ip netns exec#1': 'ip.ts runs netns exec, not ipNetns',
  },
};

/** The scripts' `sleep N` lines, by the step they follow. */
const SLEEPS_AFTER: Readonly<Record<string, number>> = {
  'listings:ip -n a -6 addr show#1': 3,
  'listings:ip -n a -6 addr show#2': 3,
  'errors:ip -n a link set v1 up#1': 2,
  'more:ip -6 addr add nodad 4444::3/64 dev c#1': 2,
};

/**
 * Replays a capture's script on a fresh world. The unlogged steps (listings.sh's `ip link set
 * address` and `sleep`, errors.sh's setup and `sleep`) are applied to the model directly,
 * `ip netns exec a ping` runs the model's ping, and every logged `ip` command runs through the
 * handlers.
 */
export function replayCapture(capture: Capture): ReplayedStep[] {
  const world = new World({ seed: `ip-oracle-${capture}` });
  // A freshly booted UML kernel: the initial namespace's lo is still down.
  world.host('init').setLinkUp('lo', false);
  if (capture === 'more') ip(world, 'link set lo up');
  if (capture === 'errors') {
    for (const line of [
      'ip netns add a',
      'ip netns add b',
      'ip -n a link add eth0 address 02:00:00:00:00:0a type veth peer name eth0 netns b address 02:00:00:00:00:0b',
    ]) {
      const r = ip(world, line.slice(3));
      if (r.exitCode !== 0) throw new Error(`${line}: ${r.stderr}`);
    }
  }
  const out: ReplayedStep[] = [];
  const seen = new Map<string, number>();
  for (const step of oracleSteps(capture)) {
    const n = (seen.get(step.cmd) ?? 0) + 1;
    seen.set(step.cmd, n);
    const inv = parseIpInvocation(step.cmd.split(' ').slice(1));
    const object = inv.kind === 'ok' ? inv.object : 'ip';
    let model: CommandResult;
    if (step.cmd.startsWith('ip netns exec a ping')) {
      const r = ping(world.host('a'), expectOk(parseIpv6Address('4321::2')), { count: 1 });
      model = { stdout: `${r.lines.join('\n')}\n`, stderr: '', exitCode: r.exitCode };
    } else {
      model = runIp(world, step.cmd.split(' ').slice(1));
    }
    const key = `${step.cmd}#${n}`;
    out.push({ ...step, model, key, object });
    if (key === 'ip -n a link add eth0 type veth peer name eth0 netns b#1') {
      // listings.sh: ip -n a link set eth0 address 02:00:00:00:00:0a (and b's ...0b), not echoed.
      world.host('a').device('eth0').mac.set([2, 0, 0, 0, 0, 0x0a]);
      world.host('b').device('eth0').mac.set([2, 0, 0, 0, 0, 0x0b]);
    }
    const sleep = SLEEPS_AFTER[`${capture}:${key}`];
    if (sleep !== undefined) world.advance(sleep * 1_000_000);
  }
  return out;
}

/** The model's output as the console shows it (stdout then stderr; each command prints to one of them). */
export function consoleText(r: CommandResult): string {
  return r.stdout + r.stderr;
}

/** Random MACs (the c/d pair) masked for comparison. */
export function maskMacs(text: string): string {
  return text.replace(/link\/ether [0-9a-f:]{17}/g, 'link/ether XX:XX:XX:XX:XX:XX');
}

/** The replayed steps of one object, from both captures, that the model should reproduce exactly (random MACs masked). */
export function oracleCases(object: string): (ReplayedStep & { readonly capture: Capture })[] {
  return (['listings', 'errors', 'more'] as const).flatMap((capture) =>
    replayCapture(capture)
      .filter((s) => s.object === object && !(s.key in DIVERGENT[capture]))
      .map((s) => ({ ...s, capture })),
  );
}

/** Everything an `ip` command could change, as plain text: namespaces, devices, addresses, routes, neighbours. */
export function snapshotWorld(world: World): string {
  const hosts = [...world.hosts.values()].map((h) => ({
    name: h.name,
    devices: [...h.devices.values()].map((d) => [d.name, d.ifindex, d.adminUp, d.mtu, d.macText, d.peer?.hostName, d.peer?.name]),
    addrs: h.addrs.map((a) => [hex(a.addr), a.prefixLen, a.dev, a.tentative, a.nodad]),
    routes: [254, 255].flatMap((t) => h.fib.list(t).map((r) => JSON.stringify({ ...r, dst: hex(r.dst), via: r.via && hex(r.via) }))),
    neigh: [...h.neigh.entries()].map(([dev, t]) => [dev, [...t.entries.values()].map((n) => [hex(n.addr), n.state])]),
  }));
  return JSON.stringify(hosts);
}

function hex(a: Uint8Array): string {
  return [...a].map((b) => b.toString(16).padStart(2, '0')).join('');
}
