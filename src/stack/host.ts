/** A host: one network namespace with its devices, sysctls, routes, addresses, neighbours, netfilter, counters and sockets (kernel: net/core/net_namespace.c, struct net). */

import type { Random } from '../crypto/random.js';
import { ConfigError } from '../errors.js';
import type { Ipv6Address } from '../wire/ipv6-address.js';
import { XfrmNamespace } from '../xfrm/namespace.js';
import { isXfrmStatName } from '../xfrm/stats.js';
import { addrconfDeviceDown, addrconfDeviceUp, addrconfForwardChange, type InetAddr } from './addrconf.js';
import { Bridge, bridgeCarrierCheck, bridgePorts, bridgeRecalculateMac } from './bridge.js';
import { Fib } from './fib.js';
import { type McDevice, mcDeviceInit } from './mld.js';
import type { NeighTable } from './neighbour.js';
import { type DeviceKind, defaultDevConf, type Ipv6DevConf, NetDevice } from './netdev.js';
import { Netfilter } from './netfilter/netfilter.js';
import type { PingSocket } from './ping.js';
import type { TcpSocket } from './tcp.js';
import type { Skb, TraceStep } from './types.js';
import type { UdpSocket } from './udp.js';
import type { World } from './world.js';

/** Per-interface sysctl keys the model knows. */
export type DevConfKey = keyof Ipv6DevConf;

export class Host {
  readonly devices = new Map<string, NetDevice>();
  readonly fib = new Fib();
  readonly netfilter = new Netfilter();
  /** net.ipv6.conf.all and net.ipv6.conf.default. */
  readonly conf: { readonly all: Ipv6DevConf; readonly default: Ipv6DevConf } = {
    all: defaultDevConf('all'),
    default: defaultDevConf('default'),
  };
  /** /proc/net/snmp6 and the other named counters (xfrm's, device-level reasons) by name. */
  readonly counters = new Map<string, number>();
  /** Addresses in the order they were added (addrconf's per-device lists merged). */
  readonly addrs: InetAddr[] = [];
  /** Multicast groups and MLD state per device (inet6_dev's mc_list, mc_tomb, report timers). */
  readonly mc = new Map<string, McDevice>();
  readonly neigh = new Map<string, NeighTable>();
  readonly pingSockets = new Set<PingSocket>();
  /** Bound UDP sockets (udptable), in bind order. */
  readonly udpSockets = new Set<UdpSocket>();
  /** Draws made for ephemeral ports, so each gets its own substream of the seeded source. */
  portDraws = 0;
  /** TCP sockets: listeners and connections (tcp_hashinfo), in creation order. */
  readonly tcpSockets = new Set<TcpSocket>();
  /** Bridge devices' forwarding state, by device name. */
  readonly bridges = new Map<string, Bridge>();
  /** The namespace's xfrm: SPD, SAD, /proc/net/xfrm_stat (struct netns_xfrm). */
  readonly xfrm: XfrmNamespace;
  /** The clock timer that runs the SAD's timers (armXfrmTimers). */
  xfrmTimer: { readonly id: number; readonly atUs: number } | undefined;
  /** inet_peer rate-limit state per ICMPv6 error destination (net->ipv6.peers), by address hex. */
  readonly icmpPeers = new Map<string, { tokens: number; lastUs: number }>();
  /** The namespace's share of the kernel log (LOG and TRACE lines), for dmesg. */
  readonly kernelLog: { readonly timeUs: number; readonly level: number; readonly line: string }[] = [];
  readonly random: Random;
  private nextIfindex = 1;

  constructor(
    readonly world: World,
    readonly name: string,
  ) {
    this.random = world.random.fork(`host:${name}`);
    this.xfrm = new XfrmNamespace({ random: this.random.fork('xfrm') });
    const lo = this.addDevice('lo', 'loopback');
    lo.mtu = 65536;
  }

  /** Creates a device with the next ifindex (per namespace: lo is 1) and `default`'s sysctls. */
  addDevice(name: string, kind: DeviceKind, mac?: Uint8Array): NetDevice {
    if (this.devices.has(name)) throw new ConfigError('EEXIST');
    const m = mac ?? (kind === 'loopback' ? new Uint8Array(6) : randomMac(this.random.fork(`mac:${name}:${this.nextIfindex}`)));
    const dev = new NetDevice(this.name, name, this.nextIfindex++, kind, m, kind === 'loopback' ? 65536 : 1500, { ...this.conf.default });
    this.devices.set(name, dev);
    mcDeviceInit(this, dev);
    if (this.world.captureAll) dev.startCapture();
    return dev;
  }

  /**
   * `ip link add NAME type bridge`: no ports, a random MAC (or the one given), and carrier, so
   * that once up it runs (IPv6 and all) with operstate UNKNOWN until its first carrier change.
   */
  addBridge(name: string, mac?: Uint8Array): NetDevice {
    const dev = this.addDevice(name, 'bridge', mac);
    dev.portCarrier = true;
    this.bridges.set(name, new Bridge(dev, mac !== undefined));
    return dev;
  }

  /**
   * `ip link set PORT master BR` / `nomaster` (do_set_master: leave the old master first; br_add_if,
   * br_del_if): the bridge's MAC and carrier follow its ports.
   */
  setMaster(portName: string, bridgeName: string | undefined): void {
    const port = this.device(portName);
    if (bridgeName !== undefined && port.master === bridgeName) return;
    if (bridgeName !== undefined) {
      const br = this.device(bridgeName);
      if (br.kind !== 'bridge') throw new ConfigError('EOPNOTSUPP');
      // br_add_if's checks, in its order: an Ethernet device with a valid address, not a bridge.
      if (port.kind === 'loopback') throw new ConfigError('EINVAL');
      if (port.kind === 'bridge') throw new ConfigError('ELOOP', 'Can not enslave a bridge to a bridge');
    }
    const old = port.master;
    if (old !== undefined) {
      port.master = undefined;
      // br_del_if -> br_fdb_delete_by_port: what was learned on the port goes with it.
      const st = this.bridges.get(old);
      if (st) for (const [mac, e] of st.fdb) if (e.port === port.name) st.fdb.delete(mac);
      this.bridgePortsChanged(old);
    }
    if (bridgeName !== undefined) {
      port.master = bridgeName;
      this.bridgePortsChanged(bridgeName);
    }
  }

  /** A port came or went: br_stp_recalculate_bridge_id, then br_port_state_selection's carrier. */
  private bridgePortsChanged(bridgeName: string): void {
    const br = this.devices.get(bridgeName);
    if (br?.kind !== 'bridge') return;
    bridgeRecalculateMac(this, br);
    this.updateBridgeCarrier(bridgeName);
  }

  /**
   * br_port_carrier_check after a port's state changed: the bridge has carrier while a port is
   * running; when that changes, the bridge's IPv6 configuration follows as for any device.
   */
  updateBridgeCarrier(bridgeName: string): void {
    const br = this.devices.get(bridgeName);
    if (br?.kind !== 'bridge') return;
    const state = this.bridges.get(bridgeName);
    const wasRunning = br.running;
    if (!state || !bridgeCarrierCheck(this, br)) return;
    // addrconf_notify NETDEV_CHANGE: a device configured since it came up (IF_READY) keeps its
    // addresses through a carrier loss and is not configured again, so its link-local address
    // stays the one made from the MAC it had then, though the MAC has followed the ports since.
    if (!wasRunning && br.running && !state.ifReady) {
      addrconfDeviceUp(this, br);
      state.ifReady = true;
    }
    if (wasRunning && !br.running) addrconfDeviceDown(this, br, true);
  }

  device(name: string): NetDevice {
    const d = this.devices.get(name);
    if (!d) throw new ConfigError('ENODEV');
    return d;
  }

  deviceByIndex(ifindex: number): NetDevice | undefined {
    for (const d of this.devices.values()) if (d.ifindex === ifindex) return d;
    return undefined;
  }

  /** `ip link set DEV up|down`; a veth peer's carrier follows (NETDEV_CHANGE in the other namespace). */
  setLinkUp(name: string, up: boolean): void {
    const dev = this.device(name);
    if (dev.adminUp === up) return;
    const peer = dev.peer;
    const peerWasRunning = peer?.running ?? false;
    dev.adminUp = up;
    // br_dev_open / br_dev_stop enable and disable the ports; with none, the carrier is left as it is.
    if (dev.kind === 'bridge' && bridgePorts(this, dev).length > 0) bridgeCarrierCheck(this, dev);
    if (up) {
      if (dev.running) addrconfDeviceUp(this, dev);
    } else {
      addrconfDeviceDown(this, dev);
    }
    const br = this.bridges.get(dev.name);
    if (br) br.ifReady = up && dev.running;
    if (peer) {
      const peerHost = this.world.host(peer.hostName);
      if (peerWasRunning && !peer.running) addrconfDeviceDown(peerHost, peer, true);
      if (!peerWasRunning && peer.running) addrconfDeviceUp(peerHost, peer);
      if (peer.master !== undefined) peerHost.updateBridgeCarrier(peer.master);
    }
    if (dev.master !== undefined) this.updateBridgeCarrier(dev.master);
  }

  /** `sysctl -w net.ipv6.conf.WHICH.KEY=VALUE`. */
  setSysctl(which: string, key: DevConfKey, value: number): void {
    if (which === 'all') {
      this.conf.all[key] = value;
      // addrconf_fixup_forwarding / addrconf_disable_ipv6: writing `all` rewrites default and every interface.
      if (key === 'forwarding' || key === 'disable_ipv6') {
        this.conf.default[key] = value;
        for (const d of this.devices.values()) {
          const was = d.conf[key];
          d.conf[key] = value;
          if (key === 'forwarding' && !was !== !value) addrconfForwardChange(this, d);
        }
      }
      return;
    }
    if (which === 'default') {
      this.conf.default[key] = value;
      return;
    }
    const dev = this.device(which);
    const was = dev.conf[key];
    dev.conf[key] = value;
    // addrconf_fixup_forwarding: one interface's switch changes only its own groups.
    if (key === 'forwarding' && !was !== !value) addrconfForwardChange(this, dev);
  }

  getSysctl(which: string, key: DevConfKey): number {
    if (which === 'all' || which === 'default') return this.conf[which][key];
    return this.device(which).conf[key];
  }

  count(counter: string, n = 1): void {
    this.counters.set(counter, (this.counters.get(counter) ?? 0) + n);
  }

  /** A named counter; xfrm_stat's are read from the xfrm namespace, which raises them itself. */
  counter(name: string): number {
    if (isXfrmStatName(name)) return this.xfrm.stats.get(name);
    return this.counters.get(name) ?? 0;
  }

  trace(pkt: number, step: TraceStep): void {
    this.world.trace.record(this.world.clock.nowUs, pkt, this.name, step);
  }

  /**
   * The one place a packet is dropped: bumps the named counter and ends the packet's trace. The
   * counter is the one the kernel raises (/proc/net/snmp6, xfrm_stat, device stats); where the
   * kernel raises none it is the skb drop reason it frees the packet with (SKB_DROP_REASON_*
   * without the prefix, e.g. NEIGH_FAILED, NETFILTER_DROP), so every drop still has a name.
   */
  drop(skb: Pick<Skb, 'id'>, counter: string, reason: string): void {
    this.count(counter);
    this.trace(skb.id, { kind: 'dropped', reason, counter });
  }

  /** A drop whose counter xfrm has already raised (its engine counts where the kernel does): only the trace ends here. */
  dropCounted(skb: Pick<Skb, 'id'>, counter: string, reason: string): void {
    this.trace(skb.id, { kind: 'dropped', reason, counter });
  }

  /** Whether `addr` is assigned to some interface here (tentative ones included when asked). */
  hasAddress(addr: Ipv6Address, opts: { dev?: string; includeTentative?: boolean } = {}): InetAddr | undefined {
    return this.addrs.find(
      (a) => (opts.dev === undefined || a.dev === opts.dev) && (opts.includeTentative || !a.tentative) && equal16(a.addr, addr),
    );
  }
}

function equal16(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A random unicast, locally administered MAC, as eth_random_addr gives veths. */
export function randomMac(random: Random): Uint8Array {
  const m = random.bytes(6);
  m[0] = (m[0]! & 0xfe) | 0x02;
  return m;
}
