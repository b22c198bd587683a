/** The world: hosts (network namespaces), veth links, one virtual clock, one seeded random source, one trace (kernel: the machine the namespaces share). */

import { createRandom, type Random } from '../crypto/random.js';
import { ConfigError } from '../errors.js';
import { brDevXmit } from './bridge.js';
import { VirtualClock } from './clock.js';
import { Host } from './host.js';
import { netifReceive } from './ip6-input.js';
import type { NetDevice } from './netdev.js';
import { Trace } from './trace.js';
import type { Skb } from './types.js';

export interface WorldOptions {
  readonly seed?: string;
  /** Virtual start time in microseconds (pcap timestamps count from it). */
  readonly startUs?: number;
  /** Start a capture on every device as it is created (`xfrmsim run --pcap`). */
  readonly captureAll?: boolean;
}

export class World {
  readonly clock: VirtualClock;
  readonly random: Random;
  readonly trace = new Trace();
  readonly hosts = new Map<string, Host>();
  /** The secret the flow-label hash is keyed with: one per kernel, so shared by every namespace. */
  readonly flowSecret: number;
  /** icmp_global: the kernel-wide ICMP token bucket (credit, last refill time, draws made). */
  readonly icmpGlobal = { credit: 0, stampUs: Number.MIN_SAFE_INTEGER, draws: 0 };
  /** ping_table.next_id: the identifiers unprivileged ICMP sockets get, shared by every namespace. */
  nextPingIdent = 1;
  readonly captureAll: boolean;

  constructor(options: WorldOptions = {}) {
    this.clock = new VirtualClock(options.startUs ?? 0);
    this.captureAll = options.captureAll ?? false;
    this.random = createRandom(options.seed ?? 'xfrmsim');
    this.flowSecret = this.random.fork('flowlabel').u32();
    // The initial namespace as a booted system has it: lo up (a namespace from `ip netns add` starts with lo down).
    const init = new Host(this, 'init');
    this.hosts.set('init', init);
    init.setLinkUp('lo', true);
  }

  /** `ip netns add NAME`: a namespace with `lo` (down, as the kernel creates it). */
  addHost(name: string): Host {
    if (this.hosts.has(name)) throw new ConfigError('EEXIST');
    const h = new Host(this, name);
    this.hosts.set(name, h);
    return h;
  }

  host(name: string): Host {
    const h = this.hosts.get(name);
    if (!h) throw new ConfigError('ENOENT');
    return h;
  }

  /** `ip link add A netns HA type veth peer name B netns HB`: both ends down. */
  addVeth(hostA: string, nameA: string, hostB: string, nameB: string): [NetDevice, NetDevice] {
    const ha = this.host(hostA);
    const hb = this.host(hostB);
    if (ha.devices.has(nameA) || hb.devices.has(nameB) || (ha === hb && nameA === nameB)) throw new ConfigError('EEXIST');
    const a = ha.addDevice(nameA, 'veth');
    const b = hb.addDevice(nameB, 'veth');
    a.peer = b;
    b.peer = a;
    return [a, b];
  }

  /**
   * A frame leaves `dev`: every capture on it sees it, then it arrives at the peer (or, on lo, at lo
   * again) after everything already due, as veth_xmit's netif_rx queues it for the backlog.
   * Returns false when the link cannot carry it (no carrier).
   */
  transmit(host: Host, dev: NetDevice, frame: Uint8Array, pkt: number, csumPartial?: Skb['csumPartial']): boolean {
    if (!dev.running) {
      dev.stats.tx_dropped++;
      return false;
    }
    const now = this.clock.nowUs;
    dev.stats.tx_packets++;
    dev.stats.tx_bytes += frame.length;
    if (dev.kind === 'bridge') {
      // br_dev_xmit: the bridge's own frames go out by its ports, as the fdb says.
      dev.tap(now, frame, 'out');
      brDevXmit(host, dev, frame, pkt, csumPartial);
      return true;
    }
    if (dev.kind === 'loopback') {
      dev.tap(now, frame, 'out');
      this.clock.schedule(0, () => netifReceive(host, dev, frame, pkt, false, csumPartial));
      return true;
    }
    dev.tap(now, frame, 'out');
    const peer = dev.peer!;
    const peerHost = this.host(peer.hostName);
    this.clock.schedule(0, () => netifReceive(peerHost, peer, frame, pkt, true, csumPartial));
    return true;
  }

  /**
   * A frame arrives on `dev` from inside the host (br_pass_frame_up: a bridge hands a frame up
   * its own device); captures on `dev` see it as received.
   */
  receive(host: Host, dev: NetDevice, frame: Uint8Array, pkt: number, csumPartial?: Skb['csumPartial']): void {
    netifReceive(host, dev, frame, pkt, true, csumPartial);
  }

  /** Runs timers until nothing is pending or `limitUs` of virtual time has passed. */
  run(limitUs = 60_000_000): void {
    this.clock.runUntilIdle(this.clock.nowUs + limitUs);
  }

  /** Advances virtual time by `us`, firing every timer on the way. */
  advance(us: number): void {
    this.clock.advance(us);
  }
}
