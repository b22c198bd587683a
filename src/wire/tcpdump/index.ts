/** The tcpdump-format printer: what `tcpdump -n [-v|-vv] [-e] -r FILE` prints for Ethernet frames carrying IPv6 (tcpdump 4.99.3). */

export { type PcapPrintOptions, type PrintedPacket, type PrintOptions, printPacket, printPacketDetailed, printPcap } from './print.js';
export { PrinterState, type TcpSeqBase } from './state.js';
export { formatTimestamp } from './time.js';
