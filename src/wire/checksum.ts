/** The Internet checksum (RFC 1071) and the IPv6 pseudo-header sum (RFC 8200 section 8.1). */

/** One's-complement sum of `data` folded to 16 bits, added to `initial` (not complemented). */
export function onesSum(data: Uint8Array, initial = 0): number {
  let sum = initial;
  const n = data.length & ~1;
  for (let i = 0; i < n; i += 2) sum += (data[i]! << 8) | data[i + 1]!;
  if (data.length & 1) sum += data[data.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** Sum of the IPv6 pseudo-header: src, dst, upper-layer length, next header. */
export function pseudoHeaderSum(src: Uint8Array, dst: Uint8Array, upperLength: number, nextHeader: number): number {
  let sum = onesSum(src);
  sum = onesSum(dst, sum);
  sum += (upperLength >>> 16) + (upperLength & 0xffff) + nextHeader;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/**
 * The checksum to put in an upper-layer header: `upper` is the whole ICMPv6/UDP/TCP message with
 * its checksum field zero. UDP turns a result of 0 into 0xffff (RFC 8200); callers do that.
 */
export function upperLayerChecksum(src: Uint8Array, dst: Uint8Array, nextHeader: number, upper: Uint8Array): number {
  return ~onesSum(upper, pseudoHeaderSum(src, dst, upper.length, nextHeader)) & 0xffff;
}

/** True when a received message (checksum field as sent) sums to 0xffff with its pseudo-header. */
export function verifyUpperLayerChecksum(src: Uint8Array, dst: Uint8Array, nextHeader: number, upper: Uint8Array): boolean {
  return onesSum(upper, pseudoHeaderSum(src, dst, upper.length, nextHeader)) === 0xffff;
}
