import { createCipheriv, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { prepareAead } from '../../src/crypto/aead.js';
import { prepareAuth } from '../../src/crypto/auth.js';
import { prepareCipher } from '../../src/crypto/cipher.js';
import { concatBytes, toHex } from '../../src/wire/hex.js';
import { ipv6 } from '../../src/wire/ipv6-address.js';
import {
  type EspCrypto,
  esp6Decrypt,
  esp6Encrypt,
  esp6Input,
  esp6TransportOutput,
  esp6TunnelOutput,
  espBlockSize,
} from '../../src/xfrm/esp6.js';
import { A, echo, IPPROTO, optionsHeader, packet } from './packets.js';

// The keys of oracle/semantics/e12-misc.sh section 8 (crafted ESP), built here with node:crypto.
const EK = new TextEncoder().encode('1234567890123456');
const AK = new TextEncoder().encode('12345678901234567890');
const cbcSha1 = (): EspCrypto => ({ cipher: prepareCipher('cbc(aes)', EK), auth: prepareAuth('hmac(sha1)', AK) });
const IV = new Uint8Array(16).fill(0xa5);

/** An ESP packet body as e12's crafting script builds it, with node:crypto doing AES-CBC and HMAC-SHA1-96. */
function crafted(seq: number, pad: Uint8Array, opts: { padLength?: number; nh?: number; cut?: number } = {}): Uint8Array {
  const pt = concatBytes(echo(), pad, new Uint8Array([opts.padLength ?? pad.length, opts.nh ?? IPPROTO.ICMPV6]));
  const c = createCipheriv('aes-128-cbc', EK, IV).setAutoPadding(false);
  let ct = concatBytes(new Uint8Array(c.update(pt)), new Uint8Array(c.final()));
  if (opts.cut) ct = ct.subarray(0, ct.length - opts.cut);
  const hdr = new Uint8Array(8);
  new DataView(hdr.buffer).setUint32(0, 0x100);
  new DataView(hdr.buffer).setUint32(4, seq);
  const body = concatBytes(hdr, IV, ct);
  return concatBytes(body, new Uint8Array(createHmac('sha1', AK).update(body).digest()).subarray(0, 12));
}

describe('esp6Decrypt() as oracle/semantics/e12 section 8 found the kernel', () => {
  it('accepts zero padding (the kernel does not check the pad contents)', () => {
    const r = esp6Decrypt(crafted(1, new Uint8Array(14)), cbcSha1());
    expect(r).toMatchObject({ kind: 'ok', spi: 0x100, seq: 1, nextHeader: IPPROTO.ICMPV6, padLength: 14 });
    if (r.kind === 'ok') expect(toHex(r.payload)).toBe(toHex(echo()));
  });

  it('accepts the canonical padding 1..14', () => {
    expect(
      esp6Decrypt(
        crafted(
          2,
          Uint8Array.from({ length: 14 }, (_, i) => i + 1),
        ),
        cbcSha1(),
      ).kind,
    ).toBe('ok');
  });

  it('drops next header 59 (dummy packet)', () => {
    expect(
      esp6Decrypt(
        crafted(
          3,
          Uint8Array.from({ length: 14 }, (_, i) => i + 1),
          { nh: 59 },
        ),
        cbcSha1(),
      ),
    ).toMatchObject({
      kind: 'drop',
      reason: 'dummy-packet',
    });
  });

  it('drops pad length 200 as bad-pad-length', () => {
    expect(esp6Decrypt(crafted(4, new Uint8Array(14), { padLength: 200 }), cbcSha1())).toMatchObject({
      kind: 'drop',
      reason: 'bad-pad-length',
    });
  });

  it('drops ciphertext that is not a block multiple after the ICV verified', () => {
    expect(esp6Decrypt(crafted(5, new Uint8Array(14), { cut: 4 }), cbcSha1())).toMatchObject({ kind: 'drop', reason: 'bad-length' });
  });
});

describe('esp6Decrypt() other refusals', () => {
  it('checks the ICV before the block length (authenc verifies, then decrypts)', () => {
    const p = crafted(5, new Uint8Array(14), { cut: 4 });
    p[p.length - 1] = p[p.length - 1]! ^ 1;
    expect(esp6Decrypt(p, cbcSha1())).toMatchObject({ kind: 'drop', reason: 'icv-mismatch' });
  });

  it('drops pad length + 2 equal to the decrypted length (an empty payload is refused)', () => {
    const c = { cipher: prepareCipher('cbc(aes)', EK) };
    const pt = new Uint8Array(16);
    pt[14] = 14;
    pt[15] = IPPROTO.ICMPV6;
    const ct = concatBytes(new Uint8Array(8), IV, c.cipher.encrypt(IV, pt));
    expect(esp6Decrypt(ct, c)).toMatchObject({ kind: 'drop', reason: 'bad-pad-length' });
    pt[14] = 13;
    expect(esp6Decrypt(concatBytes(new Uint8Array(8), IV, c.cipher.encrypt(IV, pt)), c)).toMatchObject({ kind: 'ok', padLength: 13 });
  });

  it('drops packets with nothing after the IV, or too short for the ICV', () => {
    expect(esp6Decrypt(new Uint8Array(24), cbcSha1())).toMatchObject({ kind: 'drop', reason: 'truncated' });
    expect(esp6Decrypt(new Uint8Array(20), cbcSha1())).toMatchObject({ kind: 'drop', reason: 'truncated' });
    expect(esp6Decrypt(new Uint8Array(30), cbcSha1())).toMatchObject({ kind: 'drop', reason: 'truncated' });
  });
});

describe('esp6Encrypt()', () => {
  it('pads cbc(aes) to 16 bytes with 1, 2, 3, ... as the kernel does (64-byte echo: 14 pad bytes, 116 bytes total)', () => {
    // oracle/semantics/out/e03.log: cbc(aes)+hmac(sha1) transport ESP of a 64-byte echo is 116 bytes.
    const esp = esp6Encrypt(echo(new Uint8Array(56)), IPPROTO.ICMPV6, { crypto: cbcSha1(), spi: 0x100, seq: 1, iv: IV });
    expect(esp).toHaveLength(116);
    const r = esp6Decrypt(esp, cbcSha1());
    expect(r).toMatchObject({ kind: 'ok', padLength: 14 });
    if (r.kind === 'ok') expect([...r.padding]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  });

  it('sizes GCM ESP as the kernel did: 100 bytes for a 64-byte echo with a 128-bit ICV', () => {
    const crypto = { aead: prepareAead('rfc4106(gcm(aes))', new Uint8Array(20), 128) };
    expect(espBlockSize(crypto)).toBe(4);
    expect(esp6Encrypt(echo(new Uint8Array(56)), IPPROTO.ICMPV6, { crypto, spi: 1, seq: 1, iv: new Uint8Array(8) })).toHaveLength(100);
  });

  it('sizes cbc(aes) without auth as the kernel did: 104 bytes, no ICV', () => {
    const crypto = { cipher: prepareCipher('cbc(aes)', EK) };
    expect(esp6Encrypt(echo(new Uint8Array(56)), IPPROTO.ICMPV6, { crypto, spi: 1, seq: 1, iv: IV })).toHaveLength(104);
  });

  it('pads ecb(cipher_null) to 4 bytes and sends the payload in clear', () => {
    const crypto = { cipher: prepareCipher('ecb(cipher_null)', new Uint8Array(0)), auth: prepareAuth('hmac(sha1)', AK) };
    expect(espBlockSize(crypto)).toBe(4);
    const esp = esp6Encrypt(new Uint8Array([9, 9, 9]), IPPROTO.UDP, { crypto, spi: 1, seq: 1, iv: new Uint8Array(0) });
    // 3 + 2 = 5 bytes round up to 8: payload, pad 1 2 3, pad length 3, next header 17; then the ICV.
    expect(toHex(esp.subarray(8, 16))).toBe('0909090102030311');
    expect(esp).toHaveLength(8 + 8 + 12);
  });

  it('authenticates SPI | seq | IV | ciphertext with HMAC (checked with node:crypto)', () => {
    const esp = esp6Encrypt(echo(), IPPROTO.ICMPV6, { crypto: cbcSha1(), spi: 0x100, seq: 9, iv: IV });
    const icv = new Uint8Array(
      createHmac('sha1', AK)
        .update(esp.subarray(0, esp.length - 12))
        .digest(),
    ).subarray(0, 12);
    expect(toHex(esp.subarray(esp.length - 12))).toBe(toHex(icv));
  });

  it('appends the ESN high bits to the HMAC input, and puts them in the GCM AAD', () => {
    const esp = esp6Encrypt(echo(), IPPROTO.ICMPV6, { crypto: cbcSha1(), spi: 0x100, seq: 9, seqHi: 2, iv: IV });
    const icv = new Uint8Array(
      createHmac('sha1', AK)
        .update(esp.subarray(0, esp.length - 12))
        .update(new Uint8Array([0, 0, 0, 2]))
        .digest(),
    ).subarray(0, 12);
    expect(toHex(esp.subarray(esp.length - 12))).toBe(toHex(icv));
    expect(esp6Decrypt(esp, cbcSha1(), { seqHi: 2 }).kind).toBe('ok');
    expect(esp6Decrypt(esp, cbcSha1())).toMatchObject({ kind: 'drop', reason: 'icv-mismatch' });
    const gcm = { aead: prepareAead('rfc4106(gcm(aes))', new Uint8Array(20).fill(3), 96) };
    const sealed = esp6Encrypt(echo(), IPPROTO.ICMPV6, { crypto: gcm, spi: 5, seq: 6, seqHi: 7, iv: new Uint8Array(8) });
    // RFC 4106 section 5: AAD = SPI | seq hi | seq lo.
    const aad = new Uint8Array([0, 0, 0, 5, 0, 0, 0, 7, 0, 0, 0, 6]);
    const opened = gcm.aead.open(new Uint8Array(8), aad, sealed.subarray(16));
    expect(opened).toBeDefined();
    expect(esp6Decrypt(sealed, gcm, { seqHi: 7 }).kind).toBe('ok');
  });

  it('adds TFC zeros after the payload, before the padding', () => {
    const crypto = { cipher: prepareCipher('ecb(cipher_null)', new Uint8Array(0)) };
    const esp = esp6Encrypt(new Uint8Array([9]), IPPROTO.UDP, { crypto, spi: 1, seq: 1, iv: new Uint8Array(0), tfcLength: 5 });
    // 1 + 5 TFC + 2 trailer = 8, already aligned: no pad bytes.
    expect(toHex(esp.subarray(8))).toBe('090000000000' + '00' + '11');
    const r = esp6Decrypt(esp, crypto);
    if (r.kind === 'ok') expect(r.payload).toHaveLength(6);
  });

  it('refuses an IV of the wrong length', () => {
    expect(() => esp6Encrypt(echo(), IPPROTO.ICMPV6, { crypto: cbcSha1(), spi: 1, seq: 1, iv: new Uint8Array(8) })).toThrow(RangeError);
  });
});

describe('esp6 transport and tunnel framing', () => {
  it('esp6TransportOutput() puts ESP after hop-by-hop and esp6Input() restores the packet', () => {
    const hbh = optionsHeader([{ type: 0x3e, data: new Uint8Array(4) }]);
    const plain = packet(IPPROTO.UDP, new Uint8Array(20).fill(1), [[IPPROTO.HOPOPTS, hbh]]);
    const out = esp6TransportOutput(plain, { crypto: cbcSha1(), spi: 0x100, seq: 1, iv: IV });
    if (out.kind !== 'ok') throw new Error(out.detail);
    expect([out.packet[6], out.packet[40]]).toEqual([IPPROTO.HOPOPTS, IPPROTO.ESP]);
    expect((out.packet[4]! << 8) | out.packet[5]!).toBe(out.packet.length - 40);
    const r = esp6Input(out.packet, 48, cbcSha1());
    if (r.kind !== 'ok') throw new Error(r.detail);
    expect(toHex(r.packet)).toBe(toHex(plain));
  });

  it('esp6TunnelOutput() wraps the inner packet with next header 41 and esp6Input() gives it back', () => {
    const inner = packet(IPPROTO.ICMPV6, echo(), [], { trafficClass: 0x2a, flowLabel: 0xabcde, hopLimit: 3 });
    const out = esp6TunnelOutput(inner, {
      crypto: cbcSha1(),
      spi: 0x100,
      seq: 1,
      iv: IV,
      outer: { src: A, dst: ipv6('7777::1'), hopLimit: 64 },
    });
    if (out.kind !== 'ok') throw new Error(out.detail);
    expect([out.packet[6], out.packet[7]]).toEqual([IPPROTO.ESP, 64]);
    // Outer: DSCP and ECN(ECT(0)) of the inner 0x2a, inner flow label.
    expect(toHex(out.packet.subarray(0, 4))).toBe(toHex(inner.subarray(0, 4)));
    const r = esp6Input(out.packet, 40, cbcSha1());
    if (r.kind !== 'ok') throw new Error(r.detail);
    expect(r.nextHeader).toBe(IPPROTO.IPV6);
    expect(toHex(r.payload)).toBe(toHex(inner));
  });
});
