/** The netfilter model's public surface: tables and hooks (Netfilter), rules, conntrack, the log format. */

export { Conntrack, ConntrackEntry, type ConntrackListing, type ConntrackLookup, invertTuple, type Tuple } from './conntrack.js';
export { TCP_TIMEOUTS_US, type TcpCtState } from './conntrack-tcp.js';
export { XTABLES_STRERROR, type XtablesErrno, XtablesError } from './errors.js';
export { ICMPV6_TYPE_NAMES, type Icmpv6TypeName, type Icmpv6TypeParse, parseIcmpv6Type } from './icmpv6-types.js';
export { formatLogLine, type LogPacket, NF_LOG_DEFAULT_MASK } from './log.js';
export { Netfilter, type NetfilterOptions, type TableEditor } from './netfilter.js';
export {
  type AddrMatch,
  type CtStatusName,
  type IfaceMatch,
  LOG_IPOPT,
  LOG_MACDECODE,
  LOG_TCPOPT,
  LOG_TCPSEQ,
  LOG_UID,
  type Match,
  normalizeRule,
  type PolicyElement,
  type ProtoMatch,
  parseProtocol,
  type Range,
  REJECT_TYPES,
  type RejectWith,
  type Rule,
  ruleNeedsConntrack,
  rulesEqual,
  type Target,
  XTABLES_PROTOCOLS,
} from './rule.js';
export type { ChainView, Counters } from './table.js';
export * from './types.js';
