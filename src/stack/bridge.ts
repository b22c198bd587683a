/** A Linux bridge without STP, multicast snooping or bridge netfilter: ports, carrier, the bridge's MAC, the forwarding database with learning and ageing, flooding (kernel: net/bridge/br_input.c br_handle_frame_finish, br_forward.c, br_fdb.c, br_if.c, br_stp.c br_port_state_selection, br_stp_if.c br_stp_recalculate_bridge_id). */

import { bytesEqual, toHex } from '../wire/hex.js';
import { printPacket } from '../wire/tcpdump/index.js';
import type { Host } from './host.js';
import type { NetDevice } from './netdev.js';
import type { Skb } from './types.js';

/** br->ageing_time: 300 s by default (BR_DEFAULT_AGEING_TIME). */
export const BR_AGEING_US = 300_000_000;

/** One learned address: the port it was last seen on, and when (net_bridge_fdb_entry->updated). */
export interface FdbEntry {
  readonly port: string;
  readonly seenUs: number;
}

/** The state of one bridge device beyond its NetDevice. */
export class Bridge {
  /**
   * `mcast_snooping`. Only what it changes here is modelled: nothing. With no multicast querier
   * on the segment (nobody sends MLD queries, and the bridge's own querier is off by default)
   * br_multicast_querier_exists is false, so the kernel floods multicast either way.
   */
  mcastSnooping = true;
  readonly fdb = new Map<string, FdbEntry>();
  /**
   * Whether the bridge's carrier has changed since it was created. A new bridge has carrier and
   * operstate UNKNOWN (no linkwatch event yet); from its first change on, linkwatch gives UP or DOWN.
   */
  operKnown = false;
  /** IF_READY: IPv6 configured the bridge since it last came up with carrier (addrconf_notify). */
  ifReady = false;

  constructor(
    readonly dev: NetDevice,
    /** The MAC was given by the user (NET_ADDR_SET): it no longer follows the ports. */
    readonly macSet: boolean,
  ) {}
}

/** The ports of `bridge` in ifindex order. */
export function bridgePorts(host: Host, bridge: NetDevice): NetDevice[] {
  return [...host.devices.values()].filter((d) => d.master === bridge.name).sort((a, b) => a.ifindex - b.ifindex);
}

/**
 * br_port_state_selection's carrier: on while some port forwards (with STP off a port forwards as
 * soon as it and the bridge are up and it has carrier), off otherwise. Returns whether it changed.
 */
export function bridgeCarrierCheck(host: Host, br: NetDevice): boolean {
  const state = host.bridges.get(br.name);
  if (!state) return false;
  const live = br.adminUp && bridgePorts(host, br).some((p) => p.running);
  if (live === br.portCarrier) return false;
  br.portCarrier = live;
  state.operKnown = true;
  return true;
}

/**
 * br_stp_recalculate_bridge_id: unless the user set it, the bridge's MAC is the lowest of its
 * ports' MACs, and all zeros while it has no port.
 */
export function bridgeRecalculateMac(host: Host, br: NetDevice): void {
  const state = host.bridges.get(br.name);
  if (!state || state.macSet) return;
  let min: Uint8Array = new Uint8Array(6);
  let first = true;
  for (const p of bridgePorts(host, br)) {
    if (first || compareMac(p.mac, min) < 0) min = p.mac;
    first = false;
  }
  br.mac = min.slice();
}

function compareMac(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 6; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** The ports a frame leaves by, or why it leaves by none; `local` when the bridge's own stack gets a copy. */
type BrDecision =
  | { readonly kind: 'forward'; readonly ports: readonly NetDevice[]; readonly flood: boolean; readonly local: boolean }
  | { readonly kind: 'local' }
  | { readonly kind: 'drop'; readonly reason: string };

/**
 * br_handle_frame_finish's choice for a frame from `port` (after learning). A destination that is
 * the bridge's or one of its ports' own MACs (the local fdb entries br_add_if creates) goes up
 * the bridge's stack only. Multicast and broadcast go to every other port that forwards and up the
 * bridge's stack too; unicast to the port it was learned on (not expired), or flooded when unknown.
 * Nothing goes back out of the port it came in on (should_deliver: no hairpin mode).
 */
export function brDecide(host: Host, br: NetDevice, port: NetDevice, dst: Uint8Array, nowUs: number): BrDecision {
  const state = host.bridges.get(br.name)!;
  const others = bridgePorts(host, br).filter((p) => p !== port && p.running);
  if ((dst[0]! & 1) === 1) return { kind: 'forward', ports: others, flood: true, local: true };
  if (bytesEqual(dst, br.mac) || bridgePorts(host, br).some((p) => bytesEqual(dst, p.mac))) return { kind: 'local' };
  const e = state.fdb.get(toHex(dst));
  const known = e && nowUs < e.seenUs + BR_AGEING_US ? host.devices.get(e.port) : undefined;
  if (known === port) return { kind: 'drop', reason: `${br.name}: ${macText(dst)} was learned on ${port.name}, where the frame came in` };
  if (known) {
    if (!known.running)
      return { kind: 'drop', reason: `${br.name}: ${macText(dst)} was learned on ${known.name}, which is not forwarding` };
    return { kind: 'forward', ports: [known], flood: false, local: false };
  }
  return { kind: 'forward', ports: others, flood: true, local: false };
}

/**
 * br_handle_frame for a frame that arrived on bridge port `port`: learn the sender, then forward,
 * flood, or pass it up the bridge device (br_pass_frame_up: the frame arrives again, on the
 * bridge). Each copy after the first is a packet of its own in the trace, with its own end.
 * Bridge netfilter is not loaded, so no ip6tables hook sees a bridged frame.
 */
export function brHandleFrame(host: Host, port: NetDevice, frame: Uint8Array, pkt: number, csumPartial: Skb['csumPartial']): void {
  const br = host.devices.get(port.master ?? '');
  const state = br ? host.bridges.get(br.name) : undefined;
  if (!br || !state || !br.adminUp) {
    // The port is disabled while its bridge is down (br_stp_disable_bridge): br_handle_frame drops.
    host.drop({ id: pkt }, 'NOT_SPECIFIED', `${port.name} is a port of ${port.master}, which is down`);
    return;
  }
  const now = host.world.clock.nowUs;
  const dst = frame.subarray(0, 6);
  const src = frame.subarray(6, 12);
  // br_fdb_update: learn (or move) a unicast source; a multicast source is invalid and not learned.
  if ((src[0]! & 1) === 0 && !src.every((b) => b === 0)) state.fdb.set(toHex(src), { port: port.name, seenUs: now });
  const d = brDecide(host, br, port, dst, now);
  if (d.kind === 'drop') {
    host.drop({ id: pkt }, 'NOT_SPECIFIED', d.reason);
    return;
  }
  const copies: (NetDevice | 'local')[] = d.kind === 'forward' ? [...d.ports] : [];
  if (d.kind === 'local' || d.local) copies.push('local');
  if (copies.length === 0) {
    host.drop({ id: pkt }, 'NOT_SPECIFIED', `${br.name}: no other forwarding port for ${macText(dst)}`);
    return;
  }
  const how = d.kind === 'forward' && d.flood ? 'flood' : 'forward';
  sendCopies(host, br, port.name, copies, how, frame, pkt, csumPartial);
}

/**
 * br_dev_xmit: a frame the bridge's own stack sends goes to the port its destination was learned
 * on, or to every forwarding port (multicast, broadcast, unknown unicast).
 */
export function brDevXmit(host: Host, br: NetDevice, frame: Uint8Array, pkt: number, csumPartial: Skb['csumPartial']): void {
  const state = host.bridges.get(br.name);
  const dst = frame.subarray(0, 6);
  const now = host.world.clock.nowUs;
  const running = bridgePorts(host, br).filter((p) => p.running);
  const e = state && (dst[0]! & 1) === 0 ? state.fdb.get(toHex(dst)) : undefined;
  const known = e && now < e.seenUs + BR_AGEING_US ? running.find((p) => p.name === e.port) : undefined;
  const ports = known ? [known] : running;
  if (ports.length === 0) {
    host.drop({ id: pkt }, 'NOT_SPECIFIED', `${br.name}: no forwarding port for ${macText(dst)}`);
    return;
  }
  sendCopies(host, br, br.name, ports, known ? 'forward' : 'flood', frame, pkt, csumPartial);
}

/** One copy of the frame per egress (the first keeps the packet's trace id), each traced to its own end. */
function sendCopies(
  host: Host,
  br: NetDevice,
  from: string,
  copies: readonly (NetDevice | 'local')[],
  how: 'flood' | 'forward',
  frame: Uint8Array,
  pkt: number,
  csumPartial: Skb['csumPartial'],
): void {
  const dst = macText(frame.subarray(0, 6));
  copies.forEach((to, i) => {
    const id = i === 0 ? pkt : host.world.trace.newPacketId();
    if (i > 0) host.trace(id, { kind: 'created', summary: `copy of #${pkt} on ${br.name}` });
    if (to === 'local') {
      host.trace(id, { kind: 'bridge', detail: `${br.name}: ${from} -> ${br.name} itself (${dst})` });
      // br_pass_frame_up: netif_receive_skb again, with the bridge as the device.
      host.world.clock.schedule(0, () => host.world.receive(host, br, frame, id, csumPartial));
      return;
    }
    host.trace(id, { kind: 'bridge', detail: `${br.name}: ${from} -> ${to.name} (${how} ${dst})` });
    if (!host.world.transmit(host, to, frame, id, csumPartial)) {
      host.drop({ id }, 'tx_dropped', `${to.name} has no carrier`);
      return;
    }
    const peer = to.peer ? `${to.peer.hostName}:${to.peer.name}` : undefined;
    // The tcpdump -n line without its timestamp; skipped when tracing is off (bulk runs).
    const summary = host.world.trace.enabled
      ? (printPacket(frame, { timeUs: 0, verbosity: 0 }).split('\n')[0] ?? '').replace(/^\S+ /, '')
      : '';
    host.trace(id, { kind: 'wire', from: `${host.name}:${to.name}`, ...(peer ? { to: peer } : {}), summary });
  });
}

function macText(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}
