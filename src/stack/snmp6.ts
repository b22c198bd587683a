/** The /proc/net/snmp6 counters the model raises, in the kernel's listing order (kernel: net/ipv6/proc.c snmp6_ipstats_list, snmp6_icmp6_list, snmp6_udp6_list). */

export const SNMP6_IP = [
  'Ip6InReceives',
  'Ip6InHdrErrors',
  'Ip6InTooBigErrors',
  'Ip6InNoRoutes',
  'Ip6InAddrErrors',
  'Ip6InUnknownProtos',
  'Ip6InTruncatedPkts',
  'Ip6InDiscards',
  'Ip6InDelivers',
  'Ip6OutForwDatagrams',
  'Ip6OutRequests',
  'Ip6OutDiscards',
  'Ip6OutNoRoutes',
  'Ip6ReasmTimeout',
  'Ip6ReasmReqds',
  'Ip6ReasmOKs',
  'Ip6ReasmFails',
  'Ip6FragOKs',
  'Ip6FragFails',
  'Ip6FragCreates',
  'Ip6InMcastPkts',
  'Ip6OutMcastPkts',
] as const;

export const SNMP6_ICMP = [
  'Icmp6InMsgs',
  'Icmp6InErrors',
  'Icmp6OutMsgs',
  'Icmp6OutErrors',
  'Icmp6InCsumErrors',
  'Icmp6InDestUnreachs',
  'Icmp6InPktTooBigs',
  'Icmp6InTimeExcds',
  'Icmp6InParmProblems',
  'Icmp6InEchos',
  'Icmp6InEchoReplies',
  'Icmp6InRouterSolicits',
  'Icmp6InRouterAdvertisements',
  'Icmp6InNeighborSolicits',
  'Icmp6InNeighborAdvertisements',
  'Icmp6InMLDv2Reports',
  'Icmp6OutDestUnreachs',
  'Icmp6OutPktTooBigs',
  'Icmp6OutTimeExcds',
  'Icmp6OutParmProblems',
  'Icmp6OutEchos',
  'Icmp6OutEchoReplies',
  'Icmp6OutRouterSolicits',
  'Icmp6OutNeighborSolicits',
  'Icmp6OutNeighborAdvertisements',
  'Icmp6OutMLDv2Reports',
] as const;

export const SNMP6_UDP = [
  'Udp6InDatagrams',
  'Udp6NoPorts',
  'Udp6InErrors',
  'Udp6OutDatagrams',
  'Udp6InCsumErrors',
  'Udp6IgnoredMulti',
] as const;

export type Snmp6Counter = (typeof SNMP6_IP)[number] | (typeof SNMP6_ICMP)[number] | (typeof SNMP6_UDP)[number];

/** Per-type ICMPv6 counter names (icmp6_mib names) for the types the model sends or receives. */
export const ICMP6_IN_COUNTER: Readonly<Record<number, Snmp6Counter>> = {
  1: 'Icmp6InDestUnreachs',
  2: 'Icmp6InPktTooBigs',
  3: 'Icmp6InTimeExcds',
  4: 'Icmp6InParmProblems',
  128: 'Icmp6InEchos',
  129: 'Icmp6InEchoReplies',
  133: 'Icmp6InRouterSolicits',
  134: 'Icmp6InRouterAdvertisements',
  135: 'Icmp6InNeighborSolicits',
  136: 'Icmp6InNeighborAdvertisements',
  143: 'Icmp6InMLDv2Reports',
};

export const ICMP6_OUT_COUNTER: Readonly<Record<number, Snmp6Counter>> = {
  1: 'Icmp6OutDestUnreachs',
  2: 'Icmp6OutPktTooBigs',
  3: 'Icmp6OutTimeExcds',
  4: 'Icmp6OutParmProblems',
  128: 'Icmp6OutEchos',
  129: 'Icmp6OutEchoReplies',
  133: 'Icmp6OutRouterSolicits',
  135: 'Icmp6OutNeighborSolicits',
  136: 'Icmp6OutNeighborAdvertisements',
  143: 'Icmp6OutMLDv2Reports',
};
