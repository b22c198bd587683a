/** Network devices, their IPv6 sysctls and capture points (kernel: net/core/dev.c, drivers/net/veth.c, drivers/net/loopback.c, net/ipv6/addrconf.c ipv6_devconf). */

import { formatMac, type MacAddress } from '../wire/ethernet.js';
import { PcapWriter } from '../wire/pcap.js';
import { PrinterState, printPacket } from '../wire/tcpdump/index.js';

/** The per-interface IPv6 sysctls the model reads (net.ipv6.conf.IF.*), kernel names. */
export interface Ipv6DevConf {
  forwarding: number;
  accept_dad: number;
  hop_limit: number;
  router_solicitations: number;
  accept_ra: number;
  disable_ipv6: number;
  dad_transmits: number;
  mtu: number;
}

/**
 * `net.ipv6.conf.{all,default}` as a fresh namespace has them in Linux 6.1 (addrconf.c
 * ipv6_devconf and ipv6_devconf_dflt): `default.accept_dad` is 1 but `all.accept_dad` is 0.
 */
export function defaultDevConf(which: 'all' | 'default'): Ipv6DevConf {
  return {
    forwarding: 0,
    accept_dad: which === 'all' ? 0 : 1,
    hop_limit: 64,
    router_solicitations: -1,
    accept_ra: 1,
    disable_ipv6: 0,
    dad_transmits: 1,
    mtu: 1280,
  };
}

export type DeviceKind = 'loopback' | 'veth' | 'bridge';

/** One frame as `tcpdump -i IF` records it. */
export interface CaptureRecord {
  readonly timeUs: number;
  readonly frame: Uint8Array;
  readonly direction: 'in' | 'out';
}

/** A running or stopped capture on one device (tcpdump -i IF -w FILE). */
export class Capture {
  readonly records: CaptureRecord[] = [];
  private active = true;

  constructor(readonly dev: NetDevice) {}

  get running(): boolean {
    return this.active;
  }

  add(r: CaptureRecord): void {
    if (this.active) this.records.push(r);
  }

  stop(): void {
    this.active = false;
  }

  pcap(): Uint8Array {
    const w = new PcapWriter();
    for (const r of this.records) w.add(r.timeUs, r.frame);
    return w.bytes();
  }

  /** The lines `tcpdump -n -vv -r FILE` prints for this capture. */
  text(verbosity: 0 | 1 | 2 = 2): string {
    const state = new PrinterState();
    return this.records.map((r) => printPacket(r.frame, { timeUs: r.timeUs, verbosity }, state)).join('');
  }
}

/** Device counters as `ip -s link` shows them (rtnl_link_stats64). */
export interface DeviceStats {
  rx_packets: number;
  rx_bytes: number;
  tx_packets: number;
  tx_bytes: number;
  rx_dropped: number;
  tx_dropped: number;
}

export class NetDevice {
  adminUp = false;
  peer?: NetDevice;
  /** The bridge this device is a port of (`ip link set DEV master BR`). */
  master?: string;
  /** For a bridge: its carrier (on when created, then on while some port forwards), kept by the host. */
  portCarrier = false;
  readonly captures = new Set<Capture>();
  readonly stats: DeviceStats = { rx_packets: 0, rx_bytes: 0, tx_packets: 0, tx_bytes: 0, rx_dropped: 0, tx_dropped: 0 };

  constructor(
    readonly hostName: string,
    public name: string,
    readonly ifindex: number,
    readonly kind: DeviceKind,
    /** Fixed for a veth; a bridge's follows its ports (br_stp_recalculate_bridge_id). */
    public mac: MacAddress,
    public mtu: number,
    /** net.ipv6.conf.IF.*, copied from `default` when the device was created. */
    readonly conf: Ipv6DevConf,
  ) {}

  /** A veth has carrier only while both ends are up (veth_open/veth_close); lo always has it. */
  get carrier(): boolean {
    if (this.kind === 'loopback') return true;
    if (this.kind === 'bridge') return this.portCarrier;
    return this.adminUp && !!this.peer?.adminUp;
  }

  /** IFF_UP and IFF_LOWER_UP: the kernel transmits and configures addresses only then. */
  get running(): boolean {
    return this.adminUp && this.carrier;
  }

  get macText(): string {
    return formatMac(this.mac);
  }

  startCapture(): Capture {
    const c = new Capture(this);
    this.captures.add(c);
    return c;
  }

  /** Hands a frame to every running capture on this device. */
  tap(timeUs: number, frame: Uint8Array, direction: 'in' | 'out'): void {
    for (const c of this.captures) c.add({ timeUs, frame, direction });
  }
}
