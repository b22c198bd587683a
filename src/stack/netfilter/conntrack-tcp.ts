/** The TCP connection tracker: state table, loose pickup, RST and reopen rules, timeouts (kernel: nf_conntrack_proto_tcp.c). */

import { verifyUpperLayerChecksum } from '../../wire/checksum.js';

export type TcpCtState =
  | 'NONE'
  | 'SYN_SENT'
  | 'SYN_RECV'
  | 'ESTABLISHED'
  | 'FIN_WAIT'
  | 'CLOSE_WAIT'
  | 'LAST_ACK'
  | 'TIME_WAIT'
  | 'CLOSE'
  | 'SYN_SENT2';

const STATE_NAMES: readonly TcpCtState[] = [
  'NONE',
  'SYN_SENT',
  'SYN_RECV',
  'ESTABLISHED',
  'FIN_WAIT',
  'CLOSE_WAIT',
  'LAST_ACK',
  'TIME_WAIT',
  'CLOSE',
  'SYN_SENT2',
];

const sNO = 0;
const sSS = 1;
const sSR = 2;
const sES = 3;
const sFW = 4;
const sCW = 5;
const sLA = 6;
const sTW = 7;
const sCL = 8;
const sS2 = 9;
/** TCP_CONNTRACK_MAX: the packet is invalid. */
const sIV = 10;
/** TCP_CONNTRACK_IGNORE: let the packet through without changing state. */
const sIG = 11;

const SYN_SET = 0;
const SYNACK_SET = 1;
const FIN_SET = 2;
const ACK_SET = 3;
const RST_SET = 4;
const NONE_SET = 5;

// tcp_conntracks[dir][index][state], columns sNO sSS sSR sES sFW sCW sLA sTW sCL sS2.
const TRANSITIONS: readonly (readonly (readonly number[])[])[] = [
  [
    /* ORIGINAL */
    /* syn    */ [sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2],
    /* synack */ [sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR],
    /* fin    */ [sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV],
    /* ack    */ [sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV],
    /* rst    */ [sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL],
    /* none   */ [sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV],
  ],
  [
    /* REPLY */
    /* syn    */ [sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2],
    /* synack */ [sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR],
    /* fin    */ [sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV],
    /* ack    */ [sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG],
    /* rst    */ [sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL],
    /* none   */ [sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV],
  ],
];

const SEC = 1_000_000;
/** Default timeouts (net.netfilter.nf_conntrack_tcp_timeout_*), microseconds, indexed by state. */
export const TCP_TIMEOUTS_US: Readonly<Record<TcpCtState, number>> = {
  NONE: 0,
  SYN_SENT: 120 * SEC,
  SYN_RECV: 60 * SEC,
  ESTABLISHED: 432000 * SEC,
  FIN_WAIT: 120 * SEC,
  CLOSE_WAIT: 60 * SEC,
  LAST_ACK: 30 * SEC,
  TIME_WAIT: 120 * SEC,
  CLOSE: 10 * SEC,
  SYN_SENT2: 120 * SEC,
};
const TIMEOUT_RETRANS_US = 300 * SEC;
const TIMEOUT_UNACK_US = 300 * SEC;
/** net.netfilter.nf_conntrack_tcp_max_retrans. */
const MAX_RETRANS = 3;

const TH_FIN = 0x01;
const TH_SYN = 0x02;
const TH_RST = 0x04;
const TH_PSH = 0x08;
const TH_ACK = 0x10;
const TH_URG = 0x20;
const TH_ECE = 0x40;
const TH_CWR = 0x80;

/** tcp_valid_flags[]: the flag combinations (ECE, CWR, PSH ignored) a segment may carry. */
const VALID_FLAGS = new Set([
  TH_SYN,
  TH_SYN | TH_URG,
  TH_SYN | TH_ACK,
  TH_RST,
  TH_RST | TH_ACK,
  TH_FIN | TH_ACK,
  TH_FIN | TH_ACK | TH_URG,
  TH_ACK,
  TH_ACK | TH_URG,
]);

/** One direction's window-tracking data (struct ip_ct_tcp_state), flags by name. */
interface TcpSeen {
  tdEnd: number;
  tdMaxend: number;
  tdMaxwin: number;
  tdMaxack: number;
  maxackSet: boolean;
  dataUnacknowledged: boolean;
  closeInit: boolean;
}

/** struct ip_ct_tcp: the per-connection tracker state. */
export interface TcpTracker {
  state: number;
  readonly seen: [TcpSeen, TcpSeen];
  lastIndex: number;
  lastDir: 0 | 1;
  lastSeq: number;
  lastAck: number;
  lastEnd: number;
  lastWin: number;
  retrans: number;
}

export function tcpStateName(t: TcpTracker): TcpCtState {
  return STATE_NAMES[t.state]!;
}

function freshSeen(): TcpSeen {
  return { tdEnd: 0, tdMaxend: 0, tdMaxwin: 0, tdMaxack: 0, maxackSet: false, dataUnacknowledged: false, closeInit: false };
}

/** Sequence-space comparison (before/after in include/net/tcp.h). */
function before(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}
function after(a: number, b: number): boolean {
  return before(b, a);
}

/** The fields of a TCP header the tracker reads. */
export interface TcpSegment {
  readonly seq: number;
  readonly ack: number;
  readonly flags: number;
  readonly window: number;
  /** Header length in bytes (doff * 4). */
  readonly headerLength: number;
  /** Payload bytes after the header (skb->len - dataoff - doff*4). */
  readonly dataLength: number;
}

/** Reads the header at `offset`; undefined when fewer than 20 bytes are there. */
export function readTcpSegment(bytes: Uint8Array, offset: number): TcpSegment | undefined {
  if (offset + 20 > bytes.length) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset + offset, 20);
  const headerLength = (bytes[offset + 12]! >> 4) * 4;
  return {
    seq: v.getUint32(4),
    ack: v.getUint32(8),
    flags: bytes[offset + 13]!,
    window: v.getUint16(14),
    headerLength,
    dataLength: bytes.length - offset - headerLength,
  };
}

function segmentEnd(seg: TcpSegment): number {
  return (seg.seq + seg.dataLength + (seg.flags & TH_SYN ? 1 : 0) + (seg.flags & TH_FIN ? 1 : 0)) >>> 0;
}

function conntrackIndex(flags: number): number {
  if (flags & TH_RST) return RST_SET;
  if (flags & TH_SYN) return flags & TH_ACK ? SYNACK_SET : SYN_SET;
  if (flags & TH_FIN) return FIN_SET;
  if (flags & TH_ACK) return ACK_SET;
  return NONE_SET;
}

/**
 * tcp_error(): a header cut short, a bad checksum (verified in PREROUTING only, as
 * nf_conntrack_checksum=1 does), or a flag combination no stack sends. Returns the kernel's reason.
 */
export function tcpError(
  bytes: Uint8Array,
  dataoff: number,
  seg: TcpSegment,
  verifyChecksum: boolean,
  src: Uint8Array,
  dst: Uint8Array,
): string | undefined {
  if (seg.headerLength < 20 || bytes.length - dataoff < seg.headerLength) return 'truncated packet';
  if (verifyChecksum && !verifyUpperLayerChecksum(src, dst, 6, bytes.subarray(dataoff))) return 'bad checksum';
  if (!VALID_FLAGS.has(seg.flags & ~(TH_ECE | TH_CWR | TH_PSH))) return 'invalid tcp flag combination';
  return undefined;
}

/**
 * tcp_new(): the first packet of a connection. A SYN starts SYN_SENT; with nf_conntrack_tcp_loose=1
 * (the default) any other packet the table allows from NONE (a bare ACK) picks up the connection in
 * the middle, with liberal window checks. Anything else is invalid.
 */
export function tcpNew(seg: TcpSegment): TcpTracker | undefined {
  const next = TRANSITIONS[0]![conntrackIndex(seg.flags)]![sNO]!;
  if (next === sIV) return undefined;
  const t: TcpTracker = {
    state: sNO,
    seen: [freshSeen(), freshSeen()],
    lastIndex: NONE_SET,
    lastDir: 0,
    lastSeq: 0,
    lastAck: 0,
    lastEnd: 0,
    lastWin: 0,
    retrans: 0,
  };
  const s = t.seen[0];
  s.tdEnd = segmentEnd(seg);
  s.tdMaxwin = seg.window === 0 ? 1 : seg.window;
  s.tdMaxend = next === sSS ? s.tdEnd : (s.tdEnd + s.tdMaxwin) >>> 0;
  return t;
}

export type TcpPacketResult =
  | { readonly kind: 'accept'; readonly timeoutUs: number | undefined; readonly kill: boolean; readonly assure: boolean }
  | { readonly kind: 'invalid'; readonly detail: string }
  /** An attempt to reopen a closed connection: delete the entry and look the packet up again (-NF_REPEAT). */
  | { readonly kind: 'repeat' };

/**
 * Window bookkeeping of tcp_in_window() as the tracker needs it for its other rules (end of
 * data, highest ACK, unacknowledged data, retransmissions). The in-window test itself is not
 * modelled: every segment is taken as in window, as with nf_conntrack_tcp_be_liberal=1.
 */
function updateWindow(t: TcpTracker, dir: 0 | 1, index: number, seg: TcpSegment): void {
  const sender = t.seen[dir];
  const receiver = t.seen[dir === 0 ? 1 : 0];
  let ack = seg.ack;
  let sack = ack;
  const win = seg.window;
  const end = segmentEnd(seg);
  if (sender.tdMaxwin === 0) {
    if (seg.flags & TH_SYN) {
      sender.tdEnd = sender.tdMaxend = end;
      sender.tdMaxwin = win === 0 ? 1 : win;
    } else {
      sender.tdEnd = end;
      sender.tdMaxwin = win === 0 ? 1 : win;
      sender.tdMaxend = (end + sender.tdMaxwin) >>> 0;
      if (receiver.tdMaxwin === 0) receiver.tdEnd = receiver.tdMaxend = sack;
      else if (sack === (receiver.tdEnd + 1) >>> 0) receiver.tdEnd = (receiver.tdEnd + 1) >>> 0;
    }
  } else if (((t.state === sSS && dir === 0) || (t.state === sSR && dir === 1)) && after(end, sender.tdEnd)) {
    sender.tdEnd = sender.tdMaxend = end;
    sender.tdMaxwin = win === 0 ? 1 : win;
  }
  if (!(seg.flags & TH_ACK) || ((seg.flags & (TH_ACK | TH_RST)) === (TH_ACK | TH_RST) && ack === 0)) {
    ack = sack = receiver.tdEnd;
  }
  if (sender.tdMaxwin < win) sender.tdMaxwin = win;
  if (after(end, sender.tdEnd)) {
    sender.tdEnd = end;
    sender.dataUnacknowledged = true;
  }
  if (seg.flags & TH_ACK) {
    if (!sender.maxackSet) {
      sender.tdMaxack = ack;
      sender.maxackSet = true;
    } else if (after(ack, sender.tdMaxack)) sender.tdMaxack = ack;
  }
  if (after((sack + win) >>> 0, (receiver.tdMaxend - 1) >>> 0)) {
    receiver.tdMaxend = (sack + win) >>> 0;
    if (win === 0) receiver.tdMaxend = (receiver.tdMaxend + 1) >>> 0;
  }
  if (ack === receiver.tdEnd) receiver.dataUnacknowledged = false;
  if (index === ACK_SET) {
    if (t.lastDir === dir && t.lastSeq === seg.seq && t.lastAck === ack && t.lastEnd === end && t.lastWin === win) {
      t.retrans++;
    } else {
      t.lastDir = dir;
      t.lastSeq = seg.seq;
      t.lastAck = ack;
      t.lastEnd = end;
      t.lastWin = win;
      t.retrans = 0;
    }
  }
}

export interface TcpConnStatus {
  readonly confirmed: boolean;
  readonly seenReply: boolean;
  readonly assured: boolean;
}

/**
 * nf_conntrack_tcp_packet() after tcp_error/tcp_new: moves the state, decides whether the segment
 * is invalid, ignored or accepted, and the new timeout. `kill` asks the caller to delete the entry
 * (a RST answering a connection that never got a reply), `assure` to set ASSURED.
 */
export function tcpPacket(t: TcpTracker, dir: 0 | 1, seg: TcpSegment, status: TcpConnStatus): TcpPacketResult {
  let oldState = t.state;
  const index = conntrackIndex(seg.flags);
  let newState = TRANSITIONS[dir]![index]![oldState]!;
  let skipWindow = false;

  if (newState === sSS && oldState >= sTW) {
    const closeInit = t.seen[0].closeInit || t.seen[1].closeInit;
    if (closeInit || (t.lastDir === dir && t.lastIndex === RST_SET)) return { kind: 'repeat' };
    newState = sIG;
  }
  if (newState === sIG) {
    if (index === SYNACK_SET && t.lastIndex === SYN_SET && t.lastDir !== dir && seg.ack === t.lastEnd) {
      // The SYN/ACK answers a SYN we ignored: client and server agree, so the tracker follows.
      oldState = sSS;
      newState = sSR;
      const ls = t.seen[t.lastDir];
      ls.tdEnd = ls.tdMaxend = t.lastEnd;
      ls.tdMaxwin = t.lastWin === 0 ? 1 : t.lastWin;
      t.seen[dir] = freshSeen();
    } else {
      t.lastIndex = index;
      t.lastDir = dir;
      t.lastSeq = seg.seq;
      t.lastEnd = segmentEnd(seg);
      t.lastWin = seg.window;
      return { kind: 'accept', timeoutUs: undefined, kill: false, assure: false };
    }
  } else if (newState === sIV) {
    return { kind: 'invalid', detail: 'invalid state' };
  } else if (newState === sCL && index === RST_SET) {
    const other = t.seen[dir === 0 ? 1 : 0];
    let checked = false;
    if (oldState === sFW || oldState === sLA || oldState === sTW || oldState === sCL || oldState === sCW) {
      // tcp_can_early_drop(): the tuple may already be reused, so no sequence checks.
      skipWindow = true;
      checked = true;
    } else if (other.maxackSet) {
      if (before(seg.seq, other.tdMaxack)) return { kind: 'invalid', detail: 'invalid rst' };
      const established = oldState === sES && status.assured;
      if (!established || seg.seq === other.tdMaxack) checked = true;
      else if (t.lastIndex === ACK_SET && t.lastDir === dir && seg.seq === t.lastEnd) checked = true;
      else newState = oldState;
    }
    if (
      !checked &&
      ((status.seenReply && t.lastIndex === SYN_SET) || (!status.assured && t.lastIndex === ACK_SET)) &&
      seg.ack === t.lastEnd
    ) {
      skipWindow = true;
    }
  }

  if (!skipWindow) updateWindow(t, dir, index, seg);

  t.lastIndex = index;
  t.lastDir = dir;
  t.state = newState;
  if (oldState !== newState && newState === sFW) t.seen[dir].closeInit = true;

  const name = STATE_NAMES[newState]!;
  const stateTimeout = TCP_TIMEOUTS_US[name];
  let timeout: number;
  if (t.retrans >= MAX_RETRANS && stateTimeout > TIMEOUT_RETRANS_US) timeout = TIMEOUT_RETRANS_US;
  else if (index === RST_SET) timeout = TCP_TIMEOUTS_US.CLOSE;
  else if ((t.seen[0].dataUnacknowledged || t.seen[1].dataUnacknowledged) && stateTimeout > TIMEOUT_UNACK_US) timeout = TIMEOUT_UNACK_US;
  else if (t.lastWin === 0 && stateTimeout > TIMEOUT_RETRANS_US) timeout = TIMEOUT_RETRANS_US;
  else timeout = stateTimeout;

  if (!status.seenReply) {
    // A connection whose only answer is a RST is gone at once.
    if (seg.flags & TH_RST) return { kind: 'accept', timeoutUs: undefined, kill: true, assure: false };
    // A retransmitted SYN does not keep the entry alive.
    if (index === SYN_SET && oldState === sSS) return { kind: 'accept', timeoutUs: undefined, kill: false, assure: false };
    if (newState === sES && timeout > TIMEOUT_UNACK_US) timeout = TIMEOUT_UNACK_US;
    return { kind: 'accept', timeoutUs: timeout, kill: false, assure: false };
  }
  const assure = !status.assured && (oldState === sSR || oldState === sES) && newState === sES;
  return { kind: 'accept', timeoutUs: timeout, kill: false, assure };
}
