/** IANA protocol numbers and ICMPv6 types used across the model (names as in Linux's in6.h / icmpv6.h). */

export const IPPROTO = {
  HOPOPTS: 0,
  TCP: 6,
  UDP: 17,
  IPV6: 41,
  ROUTING: 43,
  FRAGMENT: 44,
  ESP: 50,
  AH: 51,
  ICMPV6: 58,
  NONE: 59,
  DSTOPTS: 60,
} as const;

export const ICMPV6 = {
  DEST_UNREACH: 1,
  PKT_TOOBIG: 2,
  TIME_EXCEED: 3,
  PARAMPROB: 4,
  ECHO_REQUEST: 128,
  ECHO_REPLY: 129,
  MLD_QUERY: 130,
  MGM_REPORT: 131,
  MGM_REDUCTION: 132,
  ROUTER_SOLICIT: 133,
  ROUTER_ADVERT: 134,
  NEIGHBOUR_SOLICIT: 135,
  NEIGHBOUR_ADVERT: 136,
  MLD2_REPORT: 143,
} as const;

export const ETHERTYPE_IPV6 = 0x86dd;
