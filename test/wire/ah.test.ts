import { describe, expect, it } from 'vitest';
import {
  AH_FIXED_LENGTH,
  AH_ICV,
  AH_NEXT_HEADER,
  AH_PAYLOAD_LEN,
  AH_SEQ,
  AH_SPI,
  type AhRepr,
  ahLength,
  ahWithPadding,
  emitAh,
  parseAh,
} from '../../src/wire/ah.js';
import { fromHex, toHex } from '../../src/wire/hex.js';
import { expectOk } from '../../src/wire/result.js';
import { packet } from './kernel-captures.js';

// Kernel capture vectors__ah-sha1.pcap frame 1 (hmac(sha1), 96-bit ICV), bytes 40..63.
// tcpdump -vv: "AH(length=4(24-bytes),spi=0x00000100,seq=0x1,icv=0xa45521bf325ad51312653011): [icmp6 sum ok] ICMP6, echo request"
const AH_SHA1 = fromHex('3a04000000000100' + '00000001' + 'a45521bf325ad51312653011');
// Kernel capture vectors__ah-sha256-128.pcap frame 1 (hmac(sha256) truncated to 128 bits), bytes 40..71.
// tcpdump -vv: "AH(length=6(32-bytes),spi=0x00000100,seq=0x1,icv=0xa63cebbd69a0272946d890dbf2ba863900000002)";
// tcpdump cannot know the ICV length, so it prints the 4 pad bytes (00000002, not zeroed by Linux) as ICV.
const AH_SHA256_128 = fromHex('3a06000000000100' + '00000001' + 'a63cebbd69a0272946d890dbf2ba8639' + '00000002');

describe('AH', () => {
  it('the named offsets are those of RFC 4302 section 2', () => {
    expect([AH_NEXT_HEADER, AH_PAYLOAD_LEN, AH_SPI, AH_SEQ, AH_ICV, AH_FIXED_LENGTH]).toEqual([0, 1, 4, 8, 12, 12]);
  });

  it('parseAh() reads next header, SPI, sequence number and ICV of a kernel AH (deconstruct)', () => {
    const pkt = packet('vectors__ah-sha1.pcap', 1);
    expect(toHex(pkt.subarray(40, 64))).toBe(toHex(AH_SHA1));
    const r = expectOk(parseAh(pkt, 40, 12));
    expect(r.nextHeader).toBe(58);
    expect(r.spi).toBe(0x100);
    expect(r.seq).toBe(1);
    expect(toHex(r.icv)).toBe('a45521bf325ad51312653011');
    expect(r.padding.length).toBe(0);
    expect(r.length).toBe(24);
  });

  it('parseAh() splits a 128-bit ICV from the pad bytes the kernel left unzeroed', () => {
    const pkt = packet('vectors__ah-sha256-128.pcap', 1);
    expect(toHex(pkt.subarray(40, 72))).toBe(toHex(AH_SHA256_128));
    const r = expectOk(parseAh(pkt, 40, 16));
    expect(toHex(r.icv)).toBe('a63cebbd69a0272946d890dbf2ba8639');
    expect(toHex(r.padding)).toBe('00000002');
    expect(r.length).toBe(32);
  });

  it('parseAh() without an ICV length returns the whole ICV-and-pad region as the ICV', () => {
    const r = expectOk(parseAh(AH_SHA256_128));
    expect(toHex(r.icv)).toBe('a63cebbd69a0272946d890dbf2ba863900000002');
    expect(r.padding.length).toBe(0);
  });

  it('emitAh() writes both kernel headers back byte for byte, pad bytes included (construct)', () => {
    const sha1 = expectOk(parseAh(AH_SHA1, 0, 12));
    expect(toHex(emitAh(sha1))).toBe(toHex(AH_SHA1));
    const sha256: AhRepr = {
      nextHeader: 58,
      spi: 0x100,
      seq: 1,
      icv: fromHex('a63cebbd69a0272946d890dbf2ba8639'),
      padding: fromHex('00000002'),
    };
    expect(toHex(emitAh(sha256))).toBe(toHex(AH_SHA256_128));
  });

  it('ahLength() rounds 12 + ICV up to 8 bytes, as the kernel sizes IPv6 AH (length)', () => {
    expect(ahLength(12)).toBe(24); // hmac(sha1) 96: capture shows length=4(24-bytes)
    expect(ahLength(16)).toBe(32); // 128: capture shows length=6(32-bytes)
    expect(ahLength(20)).toBe(32);
    expect(ahLength(32)).toBe(48);
    expect(ahLength(0)).toBe(16);
  });

  it('ahWithPadding() adds zero pad bytes up to the IPv6 alignment', () => {
    const r = ahWithPadding({ nextHeader: 6, spi: 1, seq: 2, icv: new Uint8Array(16) });
    expect(toHex(r.padding)).toBe('00000000');
    expect(emitAh(r).length).toBe(32);
    expect(emitAh(r)[AH_PAYLOAD_LEN]).toBe(6);
  });

  it('parseAh() reports truncation for every prefix of a kernel AH (check-length)', () => {
    for (let n = 0; n < AH_SHA256_128.length; n++) {
      const r = parseAh(AH_SHA256_128.subarray(0, n), 0, 16);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.kind).toBe('truncated');
        expect(r.error.what).toBe('ah');
        expect(r.error.detail).toBe(n < 12 ? `needs 12 bytes, has ${n}` : `needs 32 bytes, has ${n}`);
      }
    }
  });

  it('parseAh() refuses a payload length that makes AH shorter than its fixed part', () => {
    const r = parseAh(fromHex('3a00000000000100000000010000000000000000'));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ kind: 'malformed', what: 'ah.payloadLen' });
  });

  it('parseAh() refuses an ICV length the header has no room for', () => {
    const r = parseAh(AH_SHA1, 0, 16);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ kind: 'malformed', what: 'ah.icv' });
  });

  it('emitAh() refuses a header that is not a whole number of 4-byte words', () => {
    expect(() => emitAh({ nextHeader: 58, spi: 1, seq: 1, icv: new Uint8Array(10), padding: new Uint8Array(0) })).toThrow(/multiple of 4/);
  });

  it('emitAh() writes SPI and sequence numbers above 2^31 unsigned', () => {
    const out = emitAh({ nextHeader: 58, spi: 0xffffffff, seq: 0x80000000, icv: new Uint8Array(12), padding: new Uint8Array(0) });
    expect(toHex(out.subarray(4, 12))).toBe('ffffffff80000000');
    expect(expectOk(parseAh(out))).toMatchObject({ spi: 0xffffffff, seq: 0x80000000 });
  });
});
