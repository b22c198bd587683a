/** `ip netns add|delete|list`: named network namespaces as hosts of the world (iproute2 6.1: ip/ipnetns.c; kernel: net/core/net_namespace.c peernet2id). */

import type { Host } from '../stack/host.js';
import type { World } from '../stack/world.js';
import { type CommandResult, failure, notModelled, result } from './command.js';
import { EXIT_FAIL, EXIT_USAGE, type IpContext, matches } from './ip-args.js';
import { deleteLink, peerNsids } from './ip-link.js';

/** The world's initial namespace: it has no name under /run/netns. */
export const INIT_NETNS = 'init';

/** ipnetns.c invalid_name(). */
function invalidName(name: string): boolean {
  return name === '' || name.length > 255 || name.includes('/') || name === '.' || name === '..';
}

export function ipNetns(args: readonly string[], ctx: IpContext): CommandResult {
  const [cmd, name] = args;
  if (cmd === undefined) return netnsList(ctx);
  if (args.length > 1 && invalidName(name!)) return failure(`Invalid netns name "${name}"`, EXIT_USAGE);
  if (matches(cmd, 'list') || matches(cmd, 'show') || matches(cmd, 'lst')) return netnsList(ctx);
  if (matches(cmd, 'list-id')) return notModelled('ip netns list-id');
  if (matches(cmd, 'help')) return notModelled('ip netns help');
  if (matches(cmd, 'add')) {
    if (name === undefined) return failure('No netns name specified', EXIT_FAIL);
    // The model calls the initial namespace `init`; Linux would accept the name.
    if (name === INIT_NETNS) return notModelled('ip netns add init');
    if (ctx.world.hosts.has(name)) return failure(`Cannot create namespace file "/run/netns/${name}": File exists`, EXIT_FAIL);
    ctx.world.addHost(name);
    return result('');
  }
  if (matches(cmd, 'set')) return notModelled('ip netns set');
  if (matches(cmd, 'delete')) {
    if (name === undefined) return failure('No netns name specified', EXIT_FAIL);
    const h = ctx.world.hosts.get(name);
    if (!h || name === INIT_NETNS)
      return failure(`Cannot remove namespace file "/run/netns/${name}": No such file or directory`, EXIT_FAIL);
    if (h === ctx.host) return notModelled('ip netns delete of the namespace the command runs in');
    deleteNamespace(ctx.world, h);
    return result('');
  }
  if (matches(cmd, 'identify')) return notModelled('ip netns identify');
  if (matches(cmd, 'pids')) return notModelled('ip netns pids');
  // The shell runtime runs `ip netns exec NS CMD` itself: it needs the command interpreter.
  if (matches(cmd, 'exec')) return notModelled('ip netns exec');
  if (matches(cmd, 'monitor')) return notModelled('ip netns monitor');
  if (matches(cmd, 'attach')) return notModelled('ip netns attach');
  return failure(`Command "${cmd}" is unknown, try "ip netns help".`, EXIT_USAGE);
}

/**
 * The last reference goes with the name (nothing else holds a namespace here), so cleanup_net
 * runs: every device is unregistered, and a veth takes its peer in the other namespace with it.
 */
function deleteNamespace(world: World, h: Host): void {
  for (const dev of [...h.devices.values()]) {
    // A veth whose peer was here too went with it.
    if (dev.kind !== 'loopback' && h.devices.get(dev.name) === dev) deleteLink(world, h, dev);
  }
  world.hosts.delete(h.name);
}

/** netns_list: /run/netns as readdir returns it on tmpfs (newest first), with the nsid this namespace has for each. */
function netnsList(ctx: IpContext): CommandResult {
  const names = [...ctx.world.hosts.keys()].filter((n) => n !== INIT_NETNS).reverse();
  const ids = peerNsids(ctx.world, ctx.host);
  return result(names.map((n) => (ids.has(n) ? `${n} (id: ${ids.get(n)})\n` : `${n}\n`)).join(''));
}
