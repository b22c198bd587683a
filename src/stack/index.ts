/** The IPv6 stack's public surface: the world, hosts, devices, addresses, the paths, ping, UDP and TCP sockets and the trace. */

export {
  ALL_NODES,
  ALL_ROUTERS,
  acceptRa,
  addAddress,
  addrScope,
  deleteAddress,
  type InetAddr,
  linkLocalFromMac,
  SCOPE,
  selectSourceAddress,
  solicitedNode,
} from './addrconf.js';
export { VirtualClock } from './clock.js';
export { Fib, METRIC_ADDRCONF, METRIC_USER, REJECT_ERRNO, type Route, type RouteType, RT_TABLE_LOCAL, RT_TABLE_MAIN } from './fib.js';
export { type DevConfKey, Host } from './host.js';
export { icmpv6SendError } from './icmp6.js';
export { fragmentPacket, IPV6_MIN_MTU, selectIdent } from './ip6-fragment.js';
export { injectFrame } from './ip6-input.js';
export { autoFlowLabel, ip6SendLocal, type OutputRequest, type OutputRoute, routeOutput } from './ip6-output.js';
export { deviceGroups, isMember, MLD2_ALL_MCR } from './mld.js';
export { ND_PARMS, type Neighbour, type NeighTable, type NudState, neighTable } from './neighbour.js';
export { Capture, type CaptureRecord, defaultDevConf, type Ipv6DevConf, NetDevice } from './netdev.js';
export {
  icmpErrorText,
  PING_DEFAULT_SIZE,
  type PingEvent,
  type PingOptions,
  type PingResult,
  PingSocket,
  ping,
  pingPayload,
} from './ping.js';
export { cachedPmtu, MTU_EXPIRES_US, pathMtu } from './pmtu.js';
export { fragQueueCount, IP6FRAG_TIME_US } from './reassembly.js';
export { SNMP6_ICMP, SNMP6_IP, SNMP6_UDP, type Snmp6Counter } from './snmp6.js';
export {
  SNMP_TCP,
  TCP_SYN_RETRIES,
  TCP_SYNACK_RETRIES,
  TCP_TIMEOUT_INIT_US,
  TCP_TIMEWAIT_LEN_US,
  TcpSocket,
  type TcpState,
  tcpSocket,
} from './tcp.js';
export { Trace } from './trace.js';
export type { SendResult, Skb, TraceEvent, TraceStep } from './types.js';
export {
  IP_LOCAL_PORT_RANGE,
  icmpv6ErrConvert,
  type UdpDatagram,
  type UdpRecvResult,
  UdpSocket,
  udpSocket,
} from './udp.js';
export { World, type WorldOptions } from './world.js';
export { type Flow6, xfrmLookupForward, xfrmLookupOutput, xfrmPolicyCheck, xfrmReceive } from './xfrm-seams.js';
