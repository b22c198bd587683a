import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prepareAead } from '../../src/crypto/aead.js';
import { prepareAuth } from '../../src/crypto/auth.js';
import { prepareCipher } from '../../src/crypto/cipher.js';
import { AH_ICV } from '../../src/wire/ah.js';
import { toHex } from '../../src/wire/hex.js';
import { ah6Icv, ah6Input, ah6TransportOutput } from '../../src/xfrm/ah6.js';
import { type EspCrypto, esp6Decrypt, esp6Encrypt, espBlockSize, espIcvLength, espIvLength } from '../../src/xfrm/esp6.js';
import { echo, IPPROTO, optionsHeader, packet } from './packets.js';

const AUTHS: [string, number | undefined][] = [
  ['none', undefined],
  ['hmac(md5)', undefined],
  ['hmac(sha1)', undefined],
  ['hmac(sha256)', undefined],
  ['hmac(sha256)', 128],
  ['hmac(sha384)', undefined],
  ['hmac(sha512)', undefined],
  ['hmac(rmd160)', undefined],
];
const ENCS: [string, number][] = [
  ['cbc(aes)', 16],
  ['cbc(aes)', 24],
  ['cbc(aes)', 32],
  ['ecb(cipher_null)', 0],
];

interface Combo {
  name: string;
  make: (key: Uint8Array) => EspCrypto;
}

const COMBOS: Combo[] = [
  ...ENCS.flatMap(([enc, keyLength]) =>
    AUTHS.map(([auth, bits]) => ({
      name: `${enc}/${keyLength * 8} + ${auth}${bits ? `/${bits}` : ''}`,
      make: (key: Uint8Array): EspCrypto => {
        const cipher = prepareCipher(enc, key.subarray(0, keyLength));
        return auth === 'none' ? { cipher } : { cipher, auth: prepareAuth(auth, key.subarray(32), bits) };
      },
    })),
  ),
  ...[64, 96, 128].flatMap((icv) =>
    [16, 24, 32].map((keyLength) => ({
      name: `rfc4106(gcm(aes))/${keyLength * 8} icv ${icv}`,
      make: (key: Uint8Array): EspCrypto => ({ aead: prepareAead('rfc4106(gcm(aes))', key.subarray(0, keyLength + 4), icv) }),
    })),
  ),
];

const arbKey = fc.uint8Array({ minLength: 64, maxLength: 64 });
const arbSpiSeq = fc.tuple(fc.integer({ min: 1, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }));

describe('ESP round trip over every enc x auth combination and GCM ICV length', () => {
  it.each(COMBOS.map((c) => [c.name, c] as const))('%s: decrypt(encrypt(p)) = p for 1..1500-byte payloads', (_name, combo) => {
    fc.assert(
      fc.property(
        arbKey,
        arbSpiSeq,
        fc.uint8Array({ minLength: 1, maxLength: 1500 }),
        fc.integer({ min: 0, max: 255 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        (key, [spi, seq], payload, nh, ivBytes) => {
          const crypto = combo.make(key);
          const iv = ivBytes.subarray(0, espIvLength(crypto));
          const esp = esp6Encrypt(payload, nh, { crypto, spi, seq, iv });
          const r = esp6Decrypt(esp, crypto);
          if (nh === IPPROTO.NONE) {
            expect(r).toMatchObject({ kind: 'drop', reason: 'dummy-packet' });
            return;
          }
          if (r.kind !== 'ok') throw new Error(`${r.reason}: ${r.detail}`);
          expect([r.spi, r.seq, r.nextHeader]).toEqual([spi, seq, nh]);
          expect(toHex(r.payload)).toBe(toHex(payload));
          // Block-aligned encrypted part, padding 1, 2, ..., n with n < block.
          const block = espBlockSize(crypto);
          const encrypted = esp.length - 8 - iv.length - espIcvLength(crypto);
          expect(encrypted % block).toBe(0);
          expect(encrypted).toBe(Math.ceil((payload.length + 2) / block) * block);
          expect([...r.padding]).toEqual(Array.from({ length: r.padLength }, (_, i) => i + 1));
          expect(r.padLength).toBeLessThan(block);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('an empty payload comes back refused, as the kernel refuses it (pad length + 2 = encrypted length)', () => {
    for (const combo of COMBOS) {
      const crypto = combo.make(new Uint8Array(64).fill(1));
      const esp = esp6Encrypt(new Uint8Array(0), IPPROTO.UDP, { crypto, spi: 1, seq: 1, iv: new Uint8Array(espIvLength(crypto)) });
      expect(esp6Decrypt(esp, crypto)).toMatchObject({ kind: 'drop', reason: 'bad-pad-length' });
    }
  });
});

describe('ESP integrity', () => {
  const authenticated = COMBOS.filter((c) => !c.name.endsWith('+ none'));
  it.each(authenticated.map((c) => [c.name, c] as const))('%s: flipping any bit of the packet fails with icv-mismatch', (_name, combo) => {
    fc.assert(
      fc.property(
        arbKey,
        arbSpiSeq,
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (key, [spi, seq], payload, at, bit) => {
          const crypto = combo.make(key);
          const esp = esp6Encrypt(payload, IPPROTO.UDP, { crypto, spi, seq, iv: new Uint8Array(espIvLength(crypto)).fill(7) });
          const bad = esp.slice();
          const i = at % bad.length;
          bad[i] = bad[i]! ^ (1 << bit);
          expect(esp6Decrypt(bad, crypto)).toMatchObject({ kind: 'drop', reason: 'icv-mismatch' });
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('AH ICV coverage', () => {
  const auth = prepareAuth('hmac(sha256)', new TextEncoder().encode('key'));
  const hbh = optionsHeader([
    { type: 0x3e, data: new Uint8Array([1, 2, 3, 4]) },
    { type: 0x1e, data: new Uint8Array([5, 6]) },
  ]);
  const build = (payload: Uint8Array) => {
    const r = ah6TransportOutput(packet(IPPROTO.UDP, payload, [[IPPROTO.HOPOPTS, hbh]]), { auth, spi: 0x100, seq: 1 });
    if (r.kind !== 'ok') throw new Error(r.detail);
    return r.packet;
  };
  const AH_AT = 40 + hbh.length;
  // Mutable: traffic class and flow label (bytes 0 low nibble to 3), hop limit (7), the data of
  // option 0x3e (bytes 44..47: header at 40, option type and length first) and the ICV field itself.
  const mutable = (i: number, bit: number) =>
    (i === 0 && bit < 4) ||
    i === 1 ||
    i === 2 ||
    i === 3 ||
    i === 7 ||
    (i >= 44 && i < 48) ||
    (i >= AH_AT + AH_ICV && i < AH_AT + AH_ICV + 12);

  it('does not change when traffic class, flow label, hop limit or may-change option data change', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 8, maxLength: 200 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 0xfffff }),
        fc.integer({ min: 0, max: 255 }),
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        (payload, tc, fl, hl, optData) => {
          const p = build(payload);
          const before = toHex(p.subarray(AH_AT + AH_ICV, AH_AT + AH_ICV + 12));
          const q = p.slice();
          q[0] = 0x60 | (tc >> 4);
          q[1] = ((tc & 15) << 4) | (fl >> 16);
          q[2] = (fl >> 8) & 0xff;
          q[3] = fl & 0xff;
          q[7] = hl;
          q.set(optData, 44);
          expect(toHex(expectIcv(q))).toBe(before);
          expect(ah6Input(q, AH_AT, auth).kind).toBe('ok');
        },
      ),
      { numRuns: 100 },
    );
  });

  it('changes when any immutable bit changes, and ah6Input() then drops the packet', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 200 }), fc.nat(), fc.integer({ min: 0, max: 7 }), (payload, at, bit) => {
        const p = build(payload);
        const i = at % p.length;
        fc.pre(!mutable(i, bit));
        const q = p.slice();
        q[i] = q[i]! ^ (1 << bit);
        const icv = ah6Icv(auth, q, AH_AT);
        if (icv.ok) expect(toHex(icv.value)).not.toBe(toHex(p.subarray(AH_AT + AH_ICV, AH_AT + AH_ICV + 12)));
        expect(ah6Input(q, AH_AT, auth).kind).toBe('drop');
      }),
      { numRuns: 300 },
    );
  });

  function expectIcv(p: Uint8Array): Uint8Array {
    const r = ah6Icv(auth, p, AH_AT);
    if (!r.ok) throw new Error(r.error.detail);
    return r.value;
  }

  it('covers the echo used elsewhere too (sanity: a plain AH packet verifies)', () => {
    const r = ah6TransportOutput(packet(IPPROTO.ICMPV6, echo()), { auth, spi: 1, seq: 1 });
    if (r.kind !== 'ok') throw new Error(r.detail);
    expect(ah6Input(r.packet, 40, auth).kind).toBe('ok');
  });
});
