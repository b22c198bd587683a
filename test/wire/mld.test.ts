import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/wire/hex.js';
import { emitIcmpv6, parseIcmpv6 } from '../../src/wire/icmpv6.js';
import { ipv6 } from '../../src/wire/ipv6-address.js';
import {
  MLD2,
  MLD2_REPORT_RECORDS,
  type Mld2Record,
  mld2RecordLength,
  parseMld2Records,
  parseMldQueryBody,
  writeMld2Records,
} from '../../src/wire/mld.js';
import { expectOk } from '../../src/wire/result.js';

// Scapy 2.5.0: IPv6(src='fe80::1', dst='ff02::16')/ICMPv6MLReport2(records=[
//   ICMPv6MLDMultAddrRec(rtype=5, dst='ff05::1:3', sources=['4321::1','4321::2']),
//   ICMPv6MLDMultAddrRec(rtype=6, dst='ff0e::101', sources=['4321::3'])]).
// tcpdump 4.99.3 -vv: "[icmp6 sum ok] ICMP6, multicast listener report v2, 2 group record(s)
//   [gaddr ff05::1:3 allow { 4321::1 4321::2 }] [gaddr ff0e::101 block { 4321::3 }]"
const REPORT = fromHex(
  '8f009f4100000002' +
    '05000002ff050000000000000000000000010003' +
    '43210000000000000000000000000001' +
    '43210000000000000000000000000002' +
    '06000001ff0e0000000000000000000000000101' +
    '43210000000000000000000000000003',
);
const RECORDS: Mld2Record[] = [
  {
    type: MLD2.ALLOW_NEW_SOURCES,
    auxData: new Uint8Array(0),
    multicastAddress: ipv6('ff05::1:3'),
    sources: [ipv6('4321::1'), ipv6('4321::2')],
  },
  { type: MLD2.BLOCK_OLD_SOURCES, auxData: new Uint8Array(0), multicastAddress: ipv6('ff0e::101'), sources: [ipv6('4321::3')] },
];

describe('MLDv2 records', () => {
  it('parseMld2Records() reads record types, groups and sources (deconstruct)', () => {
    expect(expectOk(parseMld2Records(REPORT, MLD2_REPORT_RECORDS, 2))).toEqual(RECORDS);
  });

  it('emitIcmpv6() writes the Scapy report byte for byte, checksum included (construct)', () => {
    const out = emitIcmpv6({ kind: 'mld2-report', records: RECORDS }, ipv6('fe80::1'), ipv6('ff02::16'));
    expect(toHex(out)).toBe(toHex(REPORT));
  });

  it('mld2RecordLength() counts 20 bytes, 16 per source and the aux data (length)', () => {
    expect(RECORDS.map(mld2RecordLength)).toEqual([52, 36]);
    expect(mld2RecordLength({ ...RECORDS[1]!, auxData: new Uint8Array(8) })).toBe(44);
  });

  it('parseMld2Records() keeps aux data after the sources, and writeMld2Records() writes it back', () => {
    const rec: Mld2Record = { type: 1, auxData: fromHex('0102030405060708'), multicastAddress: ipv6('ff05::2'), sources: [ipv6('::1')] };
    const out = new Uint8Array(mld2RecordLength(rec));
    expect(writeMld2Records([rec], out, 0)).toBe(44);
    expect(out[1]).toBe(2); // aux data length in 32-bit words
    expect(toHex(out.subarray(36))).toBe('0102030405060708');
    expect(expectOk(parseMld2Records(out, 0, 1))).toEqual([rec]);
  });

  it('parseMld2Records() reports truncation for every cut inside a record (check-length)', () => {
    for (let n = MLD2_REPORT_RECORDS; n < REPORT.length; n++) {
      const r = parseMld2Records(REPORT.subarray(0, n), MLD2_REPORT_RECORDS, 2);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.kind).toBe('truncated');
    }
  });

  it('parseMld2Records() reports truncation when the header counts more records than follow', () => {
    const r = parseMld2Records(REPORT, MLD2_REPORT_RECORDS, 3);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ kind: 'truncated', what: 'mld2-report.record[2]' });
  });

  it('writeMld2Records() refuses aux data that is not whole 32-bit words', () => {
    expect(() => writeMld2Records([{ ...RECORDS[0]!, auxData: new Uint8Array(3) }], new Uint8Array(100), 0)).toThrow(/aux data/);
  });
});

describe('MLD queries', () => {
  it('parseMldQueryBody() refuses 25 to 27 bytes: too long for MLDv1, too short for MLDv2', () => {
    const q = new Uint8Array(28);
    q[0] = 130;
    expect(expectOk(parseMldQueryBody(q.subarray(0, 24)))).not.toHaveProperty('v2');
    for (const n of [25, 26, 27]) {
      const r = parseMldQueryBody(q.subarray(0, n));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ kind: 'truncated', what: 'mld-query', detail: `needs 28 bytes, has ${n}` });
    }
    expect(expectOk(parseMldQueryBody(q)).v2).toEqual({ suppress: false, qrv: 0, qqic: 0, sources: [] });
  });

  it('an MLDv2 query round-trips through emitIcmpv6() and parseIcmpv6() with its S flag and QRV', () => {
    const repr = {
      kind: 'mld-query',
      maxResponseCode: 0x8123,
      multicastAddress: ipv6('::'),
      v2: { suppress: false, qrv: 7, qqic: 255, sources: [] },
    } as const;
    const out = emitIcmpv6(repr, ipv6('fe80::1'), ipv6('ff02::1'));
    expect(toHex(out.subarray(24, 28))).toBe('07ff0000');
    expect(expectOk(parseIcmpv6(out))).toMatchObject(repr);
  });
});
