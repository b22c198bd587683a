/** Test helpers: the article oracle's lib.sh `node`, `link` and `addr` as model calls. */

import { addAddress } from '../../src/stack/addrconf.js';
import type { Host } from '../../src/stack/host.js';
import { World } from '../../src/stack/world.js';
import { parseIpv6Address } from '../../src/wire/ipv6-address.js';
import { expectOk } from '../../src/wire/result.js';

export const ip = (text: string) => expectOk(parseIpv6Address(text));

/** lib.sh node(): lo up, router_solicitations=0, accept_dad=0 (all and default), default.accept_ra=0. */
export function node(world: World, name: string): Host {
  const h = world.addHost(name);
  h.setLinkUp('lo', true);
  h.setSysctl('default', 'router_solicitations', 0);
  h.setSysctl('all', 'router_solicitations', 0);
  h.setSysctl('default', 'accept_dad', 0);
  h.setSysctl('all', 'accept_dad', 0);
  h.setSysctl('default', 'accept_ra', 0);
  return h;
}

/** lib.sh link(): a veth pair, both ends up. */
export function link(world: World, a: string, ifa: string, b: string, ifb: string): void {
  world.addVeth(a, ifa, b, ifb);
  world.host(a).setLinkUp(ifa, true);
  world.host(b).setLinkUp(ifb, true);
}

/** lib.sh addr(): `ip addr add ADDR/LEN dev IF nodad`. */
export function addr(world: World, host: string, dev: string, cidr: string): void {
  const [a, len] = cidr.split('/');
  addAddress(world.host(host), dev, ip(a!), Number(len), { nodad: true });
}

/**
 * Lets the MLD reports that follow new addresses go (the second leaves below 1 s + 3 jiffies), as
 * the kernel has by the time a script's next commands run: a test about other traffic starts from
 * a quiet link and an empty trace. Counters keep what the reports raised.
 */
export function settle(world: World): World {
  world.advance(1_100_000);
  world.trace.events.length = 0;
  return world;
}

/** lib.sh pair a b: two nodes on one link, 4321::1/64 and 4321::2/64 (ah1 and probe scripts). */
export function pair(seed = 'test'): World {
  const w = new World({ seed });
  node(w, 'a');
  node(w, 'b');
  link(w, 'a', 'eth0', 'b', 'eth0');
  addr(w, 'a', 'eth0', '4321::1/64');
  addr(w, 'b', 'eth0', '4321::2/64');
  return w;
}

/** route NS default via VIA dev eth0 (the article scripts' harness default routes). */
export function defaultRoute(world: World, host: string, via: string): void {
  world
    .host(host)
    .fib.add({ type: 'unicast', dst: ip('::'), prefixLen: 0, table: 254, metric: 1024, via: ip(via), dev: 'eth0', protocol: 'boot' });
}

/**
 * router_as_intended.sh: remote --eth0/eth0-- router --eth1/eth0-- internal, other --eth0/eth2-- router;
 * 4321::/64 external, 4444::/64 internal, 4323::/64 other; default routes via the router.
 */
export function routerWorld(forwarding: boolean, seed = 'router'): World {
  const w = new World({ seed });
  for (const n of ['remote', 'router', 'internal', 'other']) node(w, n);
  link(w, 'remote', 'eth0', 'router', 'eth0');
  link(w, 'router', 'eth1', 'internal', 'eth0');
  link(w, 'other', 'eth0', 'router', 'eth2');
  addr(w, 'remote', 'eth0', '4321::2/64');
  addr(w, 'router', 'eth0', '4321::1/64');
  addr(w, 'router', 'eth1', '4444::1/64');
  addr(w, 'internal', 'eth0', '4444::2/64');
  addr(w, 'other', 'eth0', '4323::2/64');
  addr(w, 'router', 'eth2', '4323::1/64');
  if (forwarding) w.host('router').setSysctl('all', 'forwarding', 1);
  defaultRoute(w, 'remote', '4321::1');
  defaultRoute(w, 'internal', '4444::1');
  defaultRoute(w, 'other', '4323::1');
  return w;
}
