import { createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildEspPlaintext,
  ESP_HEADER_LENGTH,
  ESP_SEQ,
  ESP_SPI,
  emitEspHeader,
  espPadBlock,
  espPaddedLength,
  parseEspHeader,
  parseEspTrailer,
} from '../../src/wire/esp.js';
import { concatBytes, fromHex, toHex } from '../../src/wire/hex.js';
import { icmpv6ChecksumOk } from '../../src/wire/icmpv6.js';
import { expectOk } from '../../src/wire/result.js';
import { packet } from './kernel-captures.js';

// Kernel captures from oracle/semantics/e03-wire.sh, decrypted here with node:crypto (an independent
// implementation), so the plaintext layout is the kernel's own.
// esp-cbc-noauth: "enc cbc(aes) 1234567890123456" (iproute2 takes a non-0x key as ASCII), no ICV;
// tcpdump: "ESP(spi=0x00000100,seq=0x1), length 104" = SPI, seq, 16-byte IV, 80 bytes of ciphertext.
function decryptCbcNoAuth(): { esp: Uint8Array; plaintext: Uint8Array; pkt: Uint8Array } {
  const pkt = packet('vectors__esp-cbc-noauth.pcap', 2);
  const esp = pkt.subarray(40);
  const d = createDecipheriv('aes-128-cbc', new TextEncoder().encode('1234567890123456'), esp.subarray(8, 24));
  d.setAutoPadding(false);
  const plaintext = concatBytes(new Uint8Array(d.update(esp.subarray(24))), new Uint8Array(d.final()));
  return { esp, plaintext, pkt };
}

// esp-gcm: "aead rfc4106(gcm(aes)) 0x0102...1314 128": AES key 01..10, salt 11121314, nonce = salt | 8-byte IV,
// AAD = SPI | seq, 16-byte ICV (RFC 4106 section 3, 5).
function decryptGcm(): { plaintext: Uint8Array; pkt: Uint8Array } {
  const pkt = packet('vectors__esp-gcm.pcap', findEsp('vectors__esp-gcm.pcap'));
  const esp = pkt.subarray(40);
  const key = fromHex('0102030405060708090a0b0c0d0e0f10');
  const nonce = concatBytes(fromHex('11121314'), esp.subarray(8, 16));
  const d = createDecipheriv('aes-128-gcm', key, nonce);
  d.setAAD(esp.subarray(0, 8));
  d.setAuthTag(esp.subarray(esp.length - 16));
  const plaintext = concatBytes(new Uint8Array(d.update(esp.subarray(16, esp.length - 16))), new Uint8Array(d.final()));
  return { plaintext, pkt };
}

function findEsp(name: string): number {
  for (let n = 1; ; n++) if (packet(name, n)[6] === 50) return n;
}

describe('ESP header', () => {
  it('the named offsets are those of RFC 4303 section 2', () => {
    expect([ESP_SPI, ESP_SEQ, ESP_HEADER_LENGTH]).toEqual([0, 4, 8]);
  });

  it('parseEspHeader() reads SPI and sequence number of a kernel ESP packet (deconstruct)', () => {
    const pkt = packet('vectors__esp-cbc-noauth.pcap', 2);
    expect(expectOk(parseEspHeader(pkt, 40))).toEqual({ spi: 0x100, seq: 1 });
  });

  it('emitEspHeader() writes the kernel bytes (construct, length)', () => {
    const pkt = packet('vectors__esp-cbc-noauth.pcap', 2);
    const out = emitEspHeader({ spi: 0x100, seq: 1 });
    expect(toHex(out)).toBe(toHex(pkt.subarray(40, 48)));
    expect(out.length).toBe(ESP_HEADER_LENGTH);
  });

  it('parseEspHeader() reports truncation for every prefix (check-length)', () => {
    const h = emitEspHeader({ spi: 0xdeadbeef, seq: 0xffffffff });
    expect(expectOk(parseEspHeader(h))).toEqual({ spi: 0xdeadbeef, seq: 0xffffffff });
    for (let n = 0; n < 8; n++) {
      const r = parseEspHeader(h.subarray(0, n));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ kind: 'truncated', what: 'esp', detail: `needs 8 bytes, has ${n}` });
    }
  });
});

describe('ESP trailer', () => {
  it('parseEspTrailer() splits the kernel cbc(aes) plaintext: 64-byte echo, pad 1..14, pad length 14, next header 58', () => {
    const { plaintext, pkt } = decryptCbcNoAuth();
    expect(plaintext.length).toBe(80);
    const t = expectOk(parseEspTrailer(plaintext));
    expect(t.payload.length).toBe(64);
    expect(t.padLength).toBe(14);
    expect(t.nextHeader).toBe(58);
    expect(toHex(t.padding)).toBe('0102030405060708090a0b0c0d0e');
    expect(t.padOk).toBe(true);
    expect(icmpv6ChecksumOk(pkt.subarray(8, 24), pkt.subarray(24, 40), t.payload)).toBe(true);
  });

  it('buildEspPlaintext() reproduces the kernel cbc(aes) plaintext byte for byte', () => {
    const { plaintext } = decryptCbcNoAuth();
    const payload = plaintext.subarray(0, 64);
    expect(toHex(buildEspPlaintext(payload, 58, 16))).toBe(toHex(plaintext));
  });

  it('buildEspPlaintext() reproduces the kernel rfc4106(gcm(aes)) plaintext (block 1 aligned to 4: pad 2)', () => {
    const { plaintext } = decryptGcm();
    expect(plaintext.length).toBe(68);
    const t = expectOk(parseEspTrailer(plaintext));
    expect(t).toMatchObject({ padLength: 2, nextHeader: 58, padOk: true });
    expect(toHex(buildEspPlaintext(t.payload, 58, 1))).toBe(toHex(plaintext));
  });

  it('espPadBlock() and espPaddedLength() round as esp6_output does', () => {
    expect(espPadBlock(16)).toBe(16);
    expect(espPadBlock(1)).toBe(4);
    expect(espPadBlock(8)).toBe(8);
    expect(espPaddedLength(64, 16)).toBe(80);
    expect(espPaddedLength(64, 1)).toBe(68);
    expect(espPaddedLength(14, 16)).toBe(16);
    expect(espPaddedLength(15, 16)).toBe(32);
    expect(espPaddedLength(0, 4)).toBe(4);
  });

  it('parseEspTrailer() refuses a pad length that does not fit, and fewer than 2 bytes', () => {
    const r = parseEspTrailer(fromHex('0102030411'));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ kind: 'malformed', what: 'esp.padLength' });
    const exact = expectOk(parseEspTrailer(fromHex('01020211')));
    expect(exact).toMatchObject({ padLength: 2, nextHeader: 0x11, payload: new Uint8Array(0), padOk: true });
    for (const n of [0, 1]) {
      const s = parseEspTrailer(new Uint8Array(n));
      expect(s.ok).toBe(false);
      if (!s.ok) expect(s.error.kind).toBe('truncated');
    }
  });

  it('parseEspTrailer() accepts pad bytes that are not 1, 2, 3... and says so in padOk', () => {
    const t = expectOk(parseEspTrailer(fromHex('aabb0000000302')));
    expect(t).toMatchObject({ padLength: 3, nextHeader: 2, padOk: false });
    expect(toHex(t.payload)).toBe('aabb');
    expect(toHex(t.padding)).toBe('000000');
  });
});
