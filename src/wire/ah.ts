/** The Authentication Header for IPv6 (RFC 4302 section 2; kernel: ah6.c, include/net/ah.h). */

import { fail, ok, type Parsed, truncated } from './result.js';

//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Header   |  Payload Len  |          RESERVED             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                 Security Parameters Index (SPI)               |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                    Sequence Number Field                      |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                Integrity Check Value-ICV (variable)           |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// Payload Len = (AH length in 4-byte words) - 2. For IPv6 the whole header is a multiple of 8
// bytes; the bytes after the ICV up to that boundary are padding.
export const AH_NEXT_HEADER = 0;
export const AH_PAYLOAD_LEN = 1;
export const AH_RESERVED = 2;
export const AH_SPI = 4;
export const AH_SEQ = 8;
export const AH_ICV = 12;
export const AH_FIXED_LENGTH = 12;

export interface AhRepr {
  readonly nextHeader: number;
  readonly spi: number;
  /** Low 32 bits of the sequence number. */
  readonly seq: number;
  readonly icv: Uint8Array;
  /**
   * The bytes after the ICV. Linux leaves them unzeroed on output and they are covered by the ICV,
   * so a packet is only reproduced byte for byte with its padding kept as sent.
   */
  readonly padding: Uint8Array;
}

/** Header length for an ICV of `icvLength` bytes: 12 + ICV rounded up to 8 (IPv6). */
export function ahLength(icvLength: number): number {
  return (AH_FIXED_LENGTH + icvLength + 7) & ~7;
}

/**
 * Decodes AH at `offset`. The ICV length is a property of the SA, not of the header, so without
 * `icvLength` everything after the fixed part is returned as `icv` with no padding; with it, the
 * region is split and must hold at least that many bytes.
 */
export function parseAh(bytes: Uint8Array, offset = 0, icvLength?: number): Parsed<AhRepr & { length: number }> {
  const have = bytes.length - offset;
  if (have < AH_FIXED_LENGTH) return truncated('ah', AH_FIXED_LENGTH, Math.max(0, have));
  const length = (bytes[offset + AH_PAYLOAD_LEN]! + 2) * 4;
  if (length < AH_FIXED_LENGTH)
    return fail('malformed', 'ah.payloadLen', `payload len ${bytes[offset + AH_PAYLOAD_LEN]} makes ${length} bytes, less than 12`);
  if (have < length) return truncated('ah', length, have);
  const region = bytes.subarray(offset + AH_ICV, offset + length);
  if (icvLength !== undefined && icvLength > region.length) {
    return fail('malformed', 'ah.icv', `header holds ${region.length} ICV bytes, the SA needs ${icvLength}`);
  }
  const n = icvLength ?? region.length;
  const v = new DataView(bytes.buffer, bytes.byteOffset + offset, AH_FIXED_LENGTH);
  return ok({
    nextHeader: v.getUint8(AH_NEXT_HEADER),
    spi: v.getUint32(AH_SPI),
    seq: v.getUint32(AH_SEQ),
    icv: region.slice(0, n),
    padding: region.slice(n),
    length,
  });
}

export function emitAh(repr: AhRepr): Uint8Array {
  const length = AH_FIXED_LENGTH + repr.icv.length + repr.padding.length;
  if (length % 4 !== 0) throw new Error(`emitAh: ${length} bytes is not a multiple of 4`);
  const out = new Uint8Array(length);
  const v = new DataView(out.buffer);
  v.setUint8(AH_NEXT_HEADER, repr.nextHeader);
  v.setUint8(AH_PAYLOAD_LEN, length / 4 - 2);
  v.setUint32(AH_SPI, repr.spi >>> 0);
  v.setUint32(AH_SEQ, repr.seq >>> 0);
  out.set(repr.icv, AH_ICV);
  out.set(repr.padding, AH_ICV + repr.icv.length);
  return out;
}

/** An AH repr with the IPv6 alignment padding (zeros) for an ICV of this length. */
export function ahWithPadding(fields: Omit<AhRepr, 'padding'>): AhRepr {
  return { ...fields, padding: new Uint8Array(ahLength(fields.icv.length) - AH_FIXED_LENGTH - fields.icv.length) };
}
