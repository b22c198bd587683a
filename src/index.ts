/** The public API of xfrmsim. */

export * from './wire/checksum.js';
export * from './wire/ethernet.js';
export * from './wire/hex.js';
export * from './wire/ipv6-address.js';
export * from './wire/pcap.js';
export * from './wire/proto.js';
export * from './wire/result.js';
