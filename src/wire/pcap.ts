/** Classic pcap files (libpcap savefile format, as `tcpdump -w` writes them on Linux: LINKTYPE_ETHERNET, microseconds). */

import { fail, ok, type Parsed, truncated, type WireError } from './result.js';

export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const PCAP_MAGIC_NSEC = 0xa1b23c4d;
export const LINKTYPE_ETHERNET = 1;
/** tcpdump's default snapshot length (MAXIMUM_SNAPLEN). */
export const PCAP_DEFAULT_SNAPLEN = 262144;
const FILE_HEADER_LENGTH = 24;
const RECORD_HEADER_LENGTH = 16;

export interface PcapRecord {
  /** Capture time in microseconds since the epoch (virtual clock). */
  readonly timeUs: number;
  /** Captured bytes (a whole frame: we never truncate). */
  readonly data: Uint8Array;
  /** Length on the wire; equals data.length for what we write. */
  readonly origLength: number;
}

export interface PcapFile {
  readonly linkType: number;
  readonly snapLen: number;
  readonly records: readonly PcapRecord[];
}

/** Incremental writer: header first, then one record per frame (what a running `tcpdump -w` does). */
export class PcapWriter {
  private readonly chunks: Uint8Array[] = [];

  constructor(
    readonly linkType = LINKTYPE_ETHERNET,
    readonly snapLen = PCAP_DEFAULT_SNAPLEN,
  ) {
    const h = new Uint8Array(FILE_HEADER_LENGTH);
    const v = new DataView(h.buffer);
    v.setUint32(0, PCAP_MAGIC_USEC, true);
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setInt32(8, 0, true);
    v.setUint32(12, 0, true);
    v.setUint32(16, snapLen, true);
    v.setUint32(20, linkType, true);
    this.chunks.push(h);
  }

  add(timeUs: number, frame: Uint8Array): void {
    const caplen = Math.min(frame.length, this.snapLen);
    const r = new Uint8Array(RECORD_HEADER_LENGTH + caplen);
    const v = new DataView(r.buffer);
    v.setUint32(0, Math.floor(timeUs / 1e6), true);
    v.setUint32(4, timeUs % 1e6, true);
    v.setUint32(8, caplen, true);
    v.setUint32(12, frame.length, true);
    r.set(frame.subarray(0, caplen), RECORD_HEADER_LENGTH);
    this.chunks.push(r);
  }

  bytes(): Uint8Array {
    let n = 0;
    for (const c of this.chunks) n += c.length;
    const out = new Uint8Array(n);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}

export function writePcap(records: readonly { timeUs: number; data: Uint8Array }[], linkType = LINKTYPE_ETHERNET): Uint8Array {
  const w = new PcapWriter(linkType);
  for (const r of records) w.add(r.timeUs, r.data);
  return w.bytes();
}

/** Reads either byte order, microsecond or nanosecond magic; a cut-off last record is an error. */
export function readPcap(file: Uint8Array): Parsed<PcapFile> {
  const r = readPcapPartial(file);
  if (!r.ok) return r;
  if (r.value.stoppedBy) return { ok: false, error: r.value.stoppedBy };
  return ok({ linkType: r.value.linkType, snapLen: r.value.snapLen, records: r.value.records });
}

/**
 * What `tcpdump -r` gets from libpcap: every whole record, then, if the file ends inside a
 * record, the reason it stopped (tcpdump prints the records and then complains "truncated dump
 * file"). Only an unreadable file header is a failure.
 */
export function readPcapPartial(file: Uint8Array): Parsed<PcapFile & { readonly stoppedBy?: WireError }> {
  if (file.length < FILE_HEADER_LENGTH) return truncated('pcap header', FILE_HEADER_LENGTH, file.length);
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let le: boolean;
  let nsec: boolean;
  const magicLe = v.getUint32(0, true);
  const magicBe = v.getUint32(0, false);
  if (magicLe === PCAP_MAGIC_USEC || magicLe === PCAP_MAGIC_NSEC) {
    le = true;
    nsec = magicLe === PCAP_MAGIC_NSEC;
  } else if (magicBe === PCAP_MAGIC_USEC || magicBe === PCAP_MAGIC_NSEC) {
    le = false;
    nsec = magicBe === PCAP_MAGIC_NSEC;
  } else {
    return fail('malformed', 'pcap header', `magic 0x${magicLe.toString(16)} is not a pcap file`);
  }
  const snapLen = v.getUint32(16, le);
  const linkType = v.getUint32(20, le) & 0x0fffffff;
  const records: PcapRecord[] = [];
  const stop = (r: Parsed<never>) => ok({ linkType, snapLen, records, stoppedBy: r.ok ? undefined : r.error });
  let off = FILE_HEADER_LENGTH;
  while (off < file.length) {
    if (file.length - off < RECORD_HEADER_LENGTH) return stop(truncated('pcap record header', RECORD_HEADER_LENGTH, file.length - off));
    const sec = v.getUint32(off, le);
    const frac = v.getUint32(off + 4, le);
    const caplen = v.getUint32(off + 8, le);
    const origLength = v.getUint32(off + 12, le);
    off += RECORD_HEADER_LENGTH;
    if (file.length - off < caplen) return stop(truncated('pcap record', caplen, file.length - off));
    records.push({ timeUs: sec * 1e6 + (nsec ? Math.floor(frac / 1000) : frac), data: file.slice(off, off + caplen), origLength });
    off += caplen;
  }
  return ok({ linkType, snapLen, records });
}
