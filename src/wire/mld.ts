/** MLDv2 reports and MLD queries after the ICMPv6 header (RFC 3810 sections 5.1, 5.2; kernel: mcast.c, include/net/mld.h). */

import type { Ipv6Address } from './ipv6-address.js';
import { ok, type Parsed, truncated } from './result.js';

// Multicast Listener Query (RFC 3810 section 5.1); bytes 0-3 are the ICMPv6 type, code, checksum:
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |  Type = 130   |      Code     |           Checksum            |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |    Maximum Response Code      |           Reserved            |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                    Multicast Address (16)                     |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+   <- MLDv1 ends here (24 bytes)
// | Resv  |S| QRV |     QQIC      |     Number of Sources (N)     |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                    Source Address [1..N] (16 each)            |
export const MLD_MAX_RESPONSE_CODE = 4;
/** An MLDv1 report or done (RFC 2710 section 3) has the MLDv1 query's 24 bytes, Maximum Response Delay zero. */
export const MLD1_LENGTH = 24;
export const MLD_MCA = 8;
export const MLD_V1_QUERY_LENGTH = 24;
export const MLD_V2_QUERY_FLAGS = 24;
export const MLD_V2_QUERY_QQIC = 25;
export const MLD_V2_QUERY_NSRCS = 26;
export const MLD_V2_QUERY_SOURCES = 28;
export const MLD_V2_QUERY_MIN_LENGTH = 28;

// Version 2 Multicast Listener Report (RFC 3810 section 5.2):
// |  Type = 143   |    Reserved   |           Checksum            |
// |           Reserved            |Nr of Mcast Address Records (M)|
// |                  Multicast Address Record [1..M]              |
// Each record:
// |  Record Type  |  Aux Data Len |     Number of Sources (N)     |
// |                    Multicast Address (16)                     |
// |                    Source Address [1..N] (16 each)            |
// |                    Auxiliary Data (Aux Data Len 32-bit words) |
export const MLD2_REPORT_NGRECS = 6;
export const MLD2_REPORT_RECORDS = 8;
export const MLD2_GRECORD_TYPE = 0;
export const MLD2_GRECORD_AUXLEN = 1;
export const MLD2_GRECORD_NSRCS = 2;
export const MLD2_GRECORD_MCA = 4;
export const MLD2_GRECORD_SOURCES = 20;
export const MLD2_GRECORD_MIN_LENGTH = 20;

/** Record types (kernel names from include/uapi/linux/icmpv6.h). */
export const MLD2 = {
  MODE_IS_INCLUDE: 1,
  MODE_IS_EXCLUDE: 2,
  CHANGE_TO_INCLUDE: 3,
  CHANGE_TO_EXCLUDE: 4,
  ALLOW_NEW_SOURCES: 5,
  BLOCK_OLD_SOURCES: 6,
} as const;

export interface Mld2Record {
  readonly type: number;
  /** A multiple of 4 bytes. */
  readonly auxData: Uint8Array;
  readonly multicastAddress: Ipv6Address;
  readonly sources: readonly Ipv6Address[];
}

export interface MldQueryV2Fields {
  /** The S flag: suppress router-side processing. */
  readonly suppress: boolean;
  /** Querier's robustness variable, 3 bits. */
  readonly qrv: number;
  /** Querier's query interval code. */
  readonly qqic: number;
  readonly sources: readonly Ipv6Address[];
}

export function mld2RecordLength(r: Mld2Record): number {
  return MLD2_GRECORD_MIN_LENGTH + 16 * r.sources.length + r.auxData.length;
}

/** Decodes `count` records from `offset`, all within `bytes`. */
export function parseMld2Records(bytes: Uint8Array, offset: number, count: number): Parsed<Mld2Record[]> {
  const records: Mld2Record[] = [];
  let i = offset;
  for (let n = 0; n < count; n++) {
    const have = bytes.length - i;
    if (have < MLD2_GRECORD_MIN_LENGTH) return truncated(`mld2-report.record[${n}]`, MLD2_GRECORD_MIN_LENGTH, have);
    const nsrcs = (bytes[i + MLD2_GRECORD_NSRCS]! << 8) | bytes[i + MLD2_GRECORD_NSRCS + 1]!;
    const aux = bytes[i + MLD2_GRECORD_AUXLEN]! * 4;
    const len = MLD2_GRECORD_MIN_LENGTH + 16 * nsrcs + aux;
    if (have < len) return truncated(`mld2-report.record[${n}]`, len, have);
    records.push({
      type: bytes[i + MLD2_GRECORD_TYPE]!,
      auxData: bytes.slice(i + MLD2_GRECORD_SOURCES + 16 * nsrcs, i + len),
      multicastAddress: bytes.slice(i + MLD2_GRECORD_MCA, i + MLD2_GRECORD_MCA + 16),
      sources: readAddresses(bytes, i + MLD2_GRECORD_SOURCES, nsrcs),
    });
    i += len;
  }
  return ok(records);
}

export function writeMld2Records(records: readonly Mld2Record[], out: Uint8Array, offset: number): number {
  let i = offset;
  for (const r of records) {
    if (r.auxData.length % 4 !== 0 || r.auxData.length > 255 * 4) {
      throw new Error(`writeMld2Records: aux data of ${r.auxData.length} bytes is not 0..1020 in 4-byte words`);
    }
    if (r.sources.length > 0xffff) throw new Error(`writeMld2Records: ${r.sources.length} sources do not fit`);
    out[i + MLD2_GRECORD_TYPE] = r.type;
    out[i + MLD2_GRECORD_AUXLEN] = r.auxData.length / 4;
    out[i + MLD2_GRECORD_NSRCS] = r.sources.length >> 8;
    out[i + MLD2_GRECORD_NSRCS + 1] = r.sources.length & 0xff;
    out.set(r.multicastAddress, i + MLD2_GRECORD_MCA);
    r.sources.forEach((s, k) => {
      out.set(s, i + MLD2_GRECORD_SOURCES + 16 * k);
    });
    out.set(r.auxData, i + MLD2_GRECORD_SOURCES + 16 * r.sources.length);
    i += mld2RecordLength(r);
  }
  return i;
}

/**
 * A whole query message, from its type byte: as igmp6_event_query, exactly 24 bytes is MLDv1,
 * 28 or more is MLDv2, anything else is refused.
 */
export function parseMldQueryBody(
  message: Uint8Array,
): Parsed<{ maxResponseCode: number; multicastAddress: Ipv6Address; v2?: MldQueryV2Fields }> {
  const len = message.length;
  if (len < MLD_V1_QUERY_LENGTH) return truncated('mld-query', MLD_V1_QUERY_LENGTH, len);
  const base = {
    maxResponseCode: (message[MLD_MAX_RESPONSE_CODE]! << 8) | message[MLD_MAX_RESPONSE_CODE + 1]!,
    multicastAddress: message.slice(MLD_MCA, MLD_MCA + 16),
  };
  if (len === MLD_V1_QUERY_LENGTH) return ok(base);
  // 25 to 27 bytes: longer than MLDv1, shorter than MLDv2; the kernel refuses it (EINVAL).
  if (len < MLD_V2_QUERY_MIN_LENGTH) return truncated('mld-query', MLD_V2_QUERY_MIN_LENGTH, len);
  const flags = message[MLD_V2_QUERY_FLAGS]!;
  const nsrcs = (message[MLD_V2_QUERY_NSRCS]! << 8) | message[MLD_V2_QUERY_NSRCS + 1]!;
  const need = MLD_V2_QUERY_SOURCES + 16 * nsrcs;
  if (len < need) return truncated('mld-query.sources', need, len);
  return ok({
    ...base,
    v2: {
      suppress: (flags & 0x08) !== 0,
      qrv: flags & 0x07,
      qqic: message[MLD_V2_QUERY_QQIC]!,
      sources: readAddresses(message, MLD_V2_QUERY_SOURCES, nsrcs),
    },
  });
}

function readAddresses(bytes: Uint8Array, offset: number, n: number): Ipv6Address[] {
  const out: Ipv6Address[] = [];
  for (let k = 0; k < n; k++) out.push(bytes.slice(offset + 16 * k, offset + 16 * k + 16));
  return out;
}
