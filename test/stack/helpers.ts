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
