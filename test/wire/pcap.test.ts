import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/wire/hex.js';
import {
  LINKTYPE_ETHERNET,
  PCAP_DEFAULT_SNAPLEN,
  PCAP_MAGIC_NSEC,
  PCAP_MAGIC_USEC,
  PcapWriter,
  readPcap,
  readPcapPartial,
  writePcap,
} from '../../src/wire/pcap.js';
import { expectOk } from '../../src/wire/result.js';
import { pcapBytes } from './kernel-captures.js';

// Files written by the real `tcpdump -w` (oracle kernel captures). For vectors__ah-sha1.pcap, `tcpdump -tt -n -r` prints
// 6 packets, the first at 1795720910.784797 and the last at 1795720911.084950; its first frame is 142 bytes.
const KERNEL_FILES = readdirSync(fileURLToPath(new URL('../fixtures/pcap/', import.meta.url))).filter(
  (f) => f.endsWith('.pcap') && f !== 'printer-zoo.pcap',
);

describe('readPcap()', () => {
  it('reads the header and records of a tcpdump file as tcpdump -tt shows them', () => {
    const file = expectOk(readPcap(pcapBytes('vectors__ah-sha1.pcap')));
    expect(file.linkType).toBe(LINKTYPE_ETHERNET);
    expect(file.snapLen).toBe(PCAP_DEFAULT_SNAPLEN);
    expect(file.records).toHaveLength(6);
    expect(file.records[0]!.timeUs).toBe(1795720910784797);
    expect(file.records[5]!.timeUs).toBe(1795720911084950);
    expect(file.records[0]!.data.length).toBe(142);
    expect(file.records[0]!.origLength).toBe(142);
    expect(toHex(file.records[0]!.data.subarray(12, 14))).toBe('86dd');
  });

  it('reads big-endian files and nanosecond files (libpcap savefile format)', () => {
    const be = fromHex(
      'a1b2c3d4' + '00020004' + '00000000' + '00000000' + '0000ffff' + '00000001' + '00000002000f4240' + '00000003' + '00000005' + 'aabbcc',
    );
    const r = expectOk(readPcap(be));
    expect(r.snapLen).toBe(0xffff);
    expect(r.records).toEqual([{ timeUs: 2_000_000 + 1_000_000, data: fromHex('aabbcc'), origLength: 5 }]);
    const ns = fromHex(
      '4d3cb2a1' +
        '02000400' +
        '00000000' +
        '00000000' +
        'ffff0000' +
        '01000000' +
        '01000000' +
        'e8030000' +
        '01000000' +
        '01000000' +
        '99',
    );
    expect(expectOk(readPcap(ns)).records[0]!.timeUs).toBe(1_000_001);
    expect(PCAP_MAGIC_NSEC).toBe(0xa1b23c4d);
    expect(PCAP_MAGIC_USEC).toBe(0xa1b2c3d4);
  });

  it('reports a short header, a cut record header and a cut record as truncated', () => {
    const file = pcapBytes('vectors__ah-sha1.pcap');
    for (const [n, what] of [
      [10, 'pcap header'],
      [24 + 8, 'pcap record header'],
      [24 + 16 + 50, 'pcap record'],
    ] as const) {
      const r = readPcap(file.subarray(0, n));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ kind: 'truncated', what });
    }
  });

  it('refuses a file without a pcap magic number', () => {
    const r = readPcap(new Uint8Array(24));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ kind: 'malformed', what: 'pcap header' });
  });
});

describe('writePcap() and PcapWriter', () => {
  it.each(KERNEL_FILES)('writes %s back byte for byte as tcpdump -w wrote it', (name) => {
    const bytes = pcapBytes(name);
    const file = expectOk(readPcap(bytes));
    expect(toHex(writePcap(file.records))).toBe(toHex(bytes));
  });

  it('an incremental writer gives the same bytes as writePcap()', () => {
    const records = expectOk(readPcap(pcapBytes('vectors__ah-hbh.pcap'))).records;
    const w = new PcapWriter();
    for (const r of records) w.add(r.timeUs, r.data);
    expect(toHex(w.bytes())).toBe(toHex(writePcap(records)));
  });

  it('cuts frames longer than the snapshot length and keeps their length on the wire', () => {
    const w = new PcapWriter(LINKTYPE_ETHERNET, 4);
    w.add(1_500_000, fromHex('0102030405'));
    const r = expectOk(readPcap(w.bytes()));
    expect(r.snapLen).toBe(4);
    expect(r.records).toEqual([{ timeUs: 1_500_000, data: fromHex('01020304'), origLength: 5 }]);
  });

  it('writes an empty capture as just the 24-byte header', () => {
    const out = writePcap([]);
    expect(toHex(out)).toBe('d4c3b2a1' + '02000400' + '00000000' + '00000000' + '00000400' + '01000000');
    expect(expectOk(readPcap(out)).records).toEqual([]);
  });
});

describe('readPcapPartial()', () => {
  it('keeps the whole records before a cut and says where it stopped, as libpcap does for tcpdump -r', () => {
    const file = writePcap([
      { timeUs: 1_000_000, data: new Uint8Array(20).fill(1) },
      { timeUs: 2_000_000, data: new Uint8Array(30).fill(2) },
    ]);
    const cut = file.subarray(0, file.length - 5);
    const r = readPcapPartial(cut);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.records).toHaveLength(1);
    expect(r.value.records[0]!.data).toEqual(new Uint8Array(20).fill(1));
    expect(r.value.stoppedBy).toMatchObject({ kind: 'truncated', what: 'pcap record' });
    expect(readPcap(cut).ok).toBe(false);
  });

  it('stops without complaint at the end of a whole file', () => {
    const r = readPcapPartial(writePcap([{ timeUs: 5, data: new Uint8Array(3) }]));
    expect(r.ok && r.value.stoppedBy).toBeUndefined();
  });
});
