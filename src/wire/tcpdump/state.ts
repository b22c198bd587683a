/** What tcpdump remembers from one packet to the next within a run: the TCP initial sequence numbers (tcpdump 4.99.3 print-tcp.c tcp_seq_hash6). */

/** One conversation's base numbers, as tcp_seq_hash6 holds them (both directions share one entry). */
export interface TcpSeqBase {
  seq: number;
  ack: number;
}

/**
 * Pass one instance to every printPacket call of a run, as one `tcpdump -r` keeps its tables,
 * so later segments of a connection print relative sequence numbers.
 */
export class PrinterState {
  /** Keyed by (lower-ordered src, dst, ports) exactly as tcpdump's `struct tha6` is compared. */
  readonly tcpSeqHash = new Map<string, TcpSeqBase>();
}
