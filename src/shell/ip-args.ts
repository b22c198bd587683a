/** iproute2's `ip` front end: the global option loop, the object table and the shared error texts (iproute2 6.1: ip/ip.c main, do_cmd; lib/utils.c matches, invarg, duparg2, incomplete_command). */

import { ConfigError } from '../errors.js';
import type { Host } from '../stack/host.js';
import type { World } from '../stack/world.js';
import { type Ipv6Address, parseIpv6Address } from '../wire/ipv6-address.js';
import { type CommandResult, failure, notModelled } from './command.js';
import { DEFAULT_IP_OPTIONS, type IpOptions } from './ip-options.js';

export type IpInvocation =
  | {
      readonly kind: 'ok';
      readonly opts: IpOptions;
      /** `-n NS`: the dispatcher runs the object in that namespace (see resolveIpHost). */
      readonly netns?: string;
      /** The object as ip.c's table spells it (`address`, `route`, `neighbor`, `link`, `netns`, `xfrm`, ...). */
      readonly object: string;
      readonly args: readonly string[];
    }
  | { readonly kind: 'fail'; readonly result: CommandResult };

/** What every object's handler gets: the world, the namespace it runs in, the global options. */
export interface IpContext {
  readonly world: World;
  readonly host: Host;
  readonly opts: IpOptions;
}

/** lib/utils.c matches(), with the sense turned round: `prefix` abbreviates `word` (an empty word abbreviates nothing). */
export function matches(prefix: string, word: string): boolean {
  return prefix !== '' && word.startsWith(prefix);
}

/** usage() of ip.c: printed on stderr, exit(-1). */
export const IP_USAGE = `Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }
       ip [ -force ] -batch filename
where  OBJECT := { address | addrlabel | amt | fou | help | ila | ioam | l2tp |
                   link | macsec | maddress | monitor | mptcp | mroute | mrule |
                   neighbor | neighbour | netconf | netns | nexthop | ntable |
                   ntbl | route | rule | sr | tap | tcpmetrics |
                   token | tunnel | tuntap | vrf | xfrm }
       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[esolve] |
                    -h[uman-readable] | -iec | -j[son] | -p[retty] |
                    -f[amily] { inet | inet6 | mpls | bridge | link } |
                    -4 | -6 | -M | -B | -0 |
                    -l[oops] { maximum-addr-flush-attempts } | -br[ief] |
                    -o[neline] | -t[imestamp] | -ts[hort] | -b[atch] [filename] |
                    -rc[vbuf] [size] | -n[etns] name | -N[umeric] | -a[ll] |
                    -c[olor]}
`;

/** ip.c's cmds[] in its order: an abbreviation means the first entry it is a prefix of. */
const OBJECTS = [
  'address',
  'addrlabel',
  'maddress',
  'route',
  'rule',
  'neighbor',
  'neighbour',
  'ntable',
  'ntbl',
  'link',
  'l2tp',
  'fou',
  'ila',
  'macsec',
  'tunnel',
  'tunl',
  'tuntap',
  'tap',
  'token',
  'tcpmetrics',
  'tcp_metrics',
  'monitor',
  'xfrm',
  'mroute',
  'mrule',
  'netns',
  'netconf',
  'vrf',
  'sr',
  'nexthop',
  'mptcp',
  'ioam',
  'help',
  'stats',
] as const;

/** Exit statuses: exit(-1) is 255; a handler's `return -1` becomes 1 through do_cmd's negation, a refused netlink request (-2) becomes 2. */
export const EXIT_USAGE = 255;
export const EXIT_FAIL = 1;
export const EXIT_RTNL = 2;

const usage = (): CommandResult => failure(IP_USAGE, EXIT_USAGE);

/**
 * ip.c main(): options until the first word without a leading `-` (or `--`), each matched in the
 * order main() tries them, then the object looked up in cmds[]. Options that change output in ways
 * the model does not print (json, brief other than for links, colour, resolve, timestamps, numeric) are refused loudly.
 */
export function parseIpInvocation(argv: readonly string[]): IpInvocation {
  let stats = 0;
  let details = false;
  let oneline = false;
  let brief = false;
  let family: IpOptions['family'];
  let netns: string | undefined;
  const fail = (result: CommandResult): IpInvocation => ({ kind: 'fail', result });
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-')) break;
    const opt = arg.startsWith('--') ? arg.slice(1) : arg;
    const value = (): string | undefined => argv[++i];
    if (matches(opt, '-loops')) {
      if (value() === undefined) return fail(usage());
    } else if (matches(opt, '-family')) {
      const f = value();
      if (f === undefined || f === 'help') return fail(usage());
      if (f === 'inet') family = 'inet';
      else if (f === 'inet6') family = 'inet6';
      else if (f === 'link' || f === 'mpls' || f === 'bridge') return fail(notModelled(`ip -family ${f}`));
      else return fail(invarg('invalid protocol family', f));
    } else if (opt === '-4') family = 'inet';
    else if (opt === '-6') family = 'inet6';
    else if (opt === '-0' || opt === '-M' || opt === '-B') return fail(notModelled(`ip ${opt}`));
    else if (matches(opt, '-human') || matches(opt, '-human-readable')) return fail(notModelled('ip -human-readable'));
    else if (matches(opt, '-iec')) return fail(notModelled('ip -iec'));
    else if (matches(opt, '-stats') || matches(opt, '-statistics')) stats++;
    else if (matches(opt, '-details')) details = true;
    else if (matches(opt, '-resolve')) return fail(notModelled('ip -resolve'));
    else if (matches(opt, '-oneline')) oneline = true;
    else if (matches(opt, '-timestamp')) return fail(notModelled('ip -timestamp'));
    else if (matches(opt, '-tshort')) return fail(notModelled('ip -tshort'));
    else if (matches(opt, '-Version')) return fail(notModelled('ip -Version'));
    else if (matches(opt, '-force')) {
      // Only changes -batch, which is refused below.
    } else if (matches(opt, '-batch')) return fail(notModelled('ip -batch'));
    else if (matches(opt, '-brief')) brief = true;
    else if (matches(opt, '-json')) return fail(notModelled('ip -json'));
    else if (matches(opt, '-pretty')) {
      // Only changes -json output, which is refused.
    } else if (matches(opt, '-rcvbuf')) {
      const v = value();
      if (v === undefined) return fail(usage());
      if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) return fail(failure(`Invalid rcvbuf size '${v}'`, EXIT_USAGE));
    } else if (isColorOption(opt)) return fail(notModelled('ip -color'));
    else if (matches(opt, '-help')) return fail(usage());
    else if (matches(opt, '-netns')) {
      const v = value();
      if (v === undefined) return fail(incompleteCommand());
      netns = v;
    } else if (matches(opt, '-Numeric')) return fail(notModelled('ip -Numeric'));
    else if (matches(opt, '-all')) return fail(notModelled('ip -all'));
    else if (opt === '-echo') return fail(notModelled('ip -echo'));
    else return fail(failure(`Option "${opt}" is unknown, try "ip -help".`, EXIT_USAGE));
  }
  const word = argv[i];
  if (word === undefined) return fail(usage());
  const object = OBJECTS.find((o) => matches(word, o));
  if (object === undefined) return fail(failure(`Object "${word}" is unknown, try "ip help".`, EXIT_FAIL));
  if (object === 'help') return fail(usage());
  const opts: IpOptions = { ...DEFAULT_IP_OPTIONS, stats, details, oneline, ...(brief ? { brief } : {}), ...(family ? { family } : {}) };
  if (brief && object !== 'link') return fail(notModelled(`ip -brief ${object}`));
  return {
    kind: 'ok',
    opts,
    ...(netns !== undefined ? { netns } : {}),
    object: object === 'neighbour' ? 'neighbor' : object,
    args: argv.slice(i + 1),
  };
}

/** lib/color.c matches_color(): `-c`, `-color`, `-color=always|auto|never`. */
function isColorOption(opt: string): boolean {
  const eq = opt.indexOf('=');
  const name = eq >= 0 ? opt.slice(0, eq) : opt;
  return name.length >= 2 && matches(name, '-color');
}

/** The host `-n NS` names, or the tool's failure when it cannot open it (netns_switch). */
export function resolveIpHost(world: World, current: Host, netns: string | undefined): Host | CommandResult {
  if (netns === undefined) return current;
  const h = world.hosts.get(netns);
  if (!h || netns === 'init') return failure(`Cannot open network namespace "${netns}": No such file or directory`, EXIT_USAGE);
  return h;
}

/** lib/utils.c invarg(): `Error: argument "ARG" is wrong: MSG`, exit(-1). */
export function invarg(msg: string, arg: string): CommandResult {
  return failure(`Error: argument "${arg}" is wrong: ${msg}\n`, EXIT_USAGE);
}

/** lib/utils.c duparg2(). */
export function duparg2(key: string, arg: string): CommandResult {
  return failure(`Error: either "${key}" is duplicate, or "${arg}" is a garbage.`, EXIT_USAGE);
}

/** lib/utils.c duparg(). */
export function duparg(key: string, arg: string): CommandResult {
  return failure(`Error: duplicate "${key}": "${arg}" is the second value.`, EXIT_USAGE);
}

/** lib/utils.c incomplete_command(): NEXT_ARG() with nothing left. */
export function incompleteCommand(): CommandResult {
  return failure('Command line is not complete. Try option "help"', EXIT_USAGE);
}

/** lib/utils.c nodev(): returned as -1, so the tool exits 1. */
export function nodev(dev: string): CommandResult {
  return failure(`Cannot find device "${dev}"`, EXIT_FAIL);
}

/** How rtnl_talk reports a refused request: the kernel's extack if it gave one, else strerror; exit 2. */
export function rtnlError(e: ConfigError): CommandResult {
  return failure(e.extack !== undefined ? `Error: ${e.extack}.` : `RTNETLINK answers: ${e.strerror}`, EXIT_RTNL);
}

/** Runs a model mutation; a ConfigError becomes the tool's RTNETLINK line, anything else is a bug and propagates. */
export function rtnlTalk(fn: () => void): CommandResult | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (e instanceof ConfigError) return rtnlError(e);
    throw e;
  }
}

/** An address or prefix as lib/utils.c get_prefix_1 reads it. IPv4 is recognised so that it can be refused as not modelled. */
export type IpPrefix =
  | { readonly family: 'inet6'; readonly addr: Ipv6Address; readonly len: number; readonly lenGiven: boolean }
  | { readonly family: 'inet'; readonly text: string }
  /** `default`, `all`, `any`: no address, family as the caller had it. */
  | { readonly family: 'inet' | 'inet6' | undefined; readonly keyword: 'default' | 'all' | 'any' };

/** family_name_verbose(). */
export function familyNameVerbose(family: IpOptions['family']): string {
  return family === undefined ? 'any valid' : family;
}

/** get_addr_ipv4: up to four dot-separated strtoul(…, 0) numbers, each at most 255. */
function isIpv4Text(text: string): boolean {
  const parts = text.split('.');
  if (parts.length > 4) return false;
  return parts.every((p) => {
    const m = /^(0x[0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.exec(p);
    if (!m) return false;
    const n =
      p.startsWith('0x') || p.startsWith('0X') ? Number.parseInt(p, 16) : p.startsWith('0') ? Number.parseInt(p || '0', 8) : Number(p);
    return n <= 255;
  });
}

/** get_prefix_1 (`withLen`) or get_addr_1: undefined when the tool would reject the text. */
export function readPrefix(text: string, family: IpOptions['family'], withLen: boolean): IpPrefix | undefined {
  const slash = withLen ? text.indexOf('/') : -1;
  const base = slash >= 0 ? text.slice(0, slash) : text;
  if (base === 'default' || base === 'all' || base === 'any') {
    if (slash >= 0) return undefined;
    return { family, keyword: base };
  }
  if (base.includes(':')) {
    if (family === 'inet') return undefined;
    const p = parseIpv6Address(base);
    if (!p.ok) return undefined;
    let len = 128;
    if (slash >= 0) {
      const t = text.slice(slash + 1);
      if (!/^\d+$/.test(t) || Number(t) > 128) return undefined;
      len = Number(t);
    }
    return { family: 'inet6', addr: p.value, len, lenGiven: slash >= 0 };
  }
  if (family === 'inet6') return undefined;
  if (!isIpv4Text(base)) return undefined;
  return { family: 'inet', text };
}
