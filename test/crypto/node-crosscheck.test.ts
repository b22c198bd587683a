/** Every primitive against node:crypto (OpenSSL), over random keys and data. */
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prepareAead } from '../../src/crypto/aead.js';
import { prepareAuth } from '../../src/crypto/auth.js';
import { prepareCipher } from '../../src/crypto/cipher.js';
import { concatBytes, fromHex, toHex } from '../../src/wire/hex.js';

const RUNS = { numRuns: 200 };

describe('prepareAuth() agrees with node:crypto createHmac', () => {
  const cases: [string, string, number][] = [
    ['hmac(md5)', 'md5', 128],
    ['hmac(sha1)', 'sha1', 160],
    ['hmac(sha256)', 'sha256', 256],
    ['hmac(sha384)', 'sha384', 384],
    ['hmac(sha512)', 'sha512', 512],
    ['hmac(rmd160)', 'ripemd160', 160],
  ];
  it.each(cases)('%s with any key, data and truncation', (name, nodeName, fullBits) => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 4 }),
        fc.integer({ min: 0, max: fullBits }),
        (key, parts, bits) => {
          const h = createHmac(nodeName, key);
          for (const p of parts) h.update(p);
          const expected = new Uint8Array(h.digest()).subarray(0, Math.floor(bits / 8));
          const a = prepareAuth(name, key, bits);
          expect(toHex(a.mac(...parts))).toBe(toHex(expected));
          expect(a.verify(parts, expected)).toBe(true);
        },
      ),
      RUNS,
    );
  });
});

describe('prepareCipher() cbc(aes) agrees with node:crypto aes-*-cbc without padding', () => {
  it.each([16, 24, 32])('%i-byte keys', (keyLength) => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: keyLength, maxLength: keyLength }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.integer({ min: 0, max: 100 }).chain((blocks) => fc.uint8Array({ minLength: blocks * 16, maxLength: blocks * 16 })),
        (key, iv, plaintext) => {
          const algo = `aes-${keyLength * 8}-cbc`;
          const enc = createCipheriv(algo, key, iv).setAutoPadding(false);
          const expected = concatBytes(new Uint8Array(enc.update(plaintext)), new Uint8Array(enc.final()));
          const c = prepareCipher('cbc(aes)', key);
          const ct = c.encrypt(iv, plaintext);
          expect(toHex(ct)).toBe(toHex(expected));
          const dec = createDecipheriv(algo, key, iv).setAutoPadding(false);
          const back = concatBytes(new Uint8Array(dec.update(ct)), new Uint8Array(dec.final()));
          expect(toHex(c.decrypt(iv, ct))).toBe(toHex(back));
          expect(toHex(back)).toBe(toHex(plaintext));
        },
      ),
      RUNS,
    );
  });
});

// rfc4106 and rfc4309: the nonce is the key's trailing salt (4 bytes for GCM, 3 for CCM's 11-byte
// nonce) then the 8-byte IV; node seals the same bytes, opens what we sealed, and we open its.
describe.each([
  { name: 'rfc4106(gcm(aes))', mode: 'gcm', salt: 4 },
  { name: 'rfc4309(ccm(aes))', mode: 'ccm', salt: 3 },
] as const)('prepareAead() $name agrees with node:crypto aes-*-$mode', ({ name, mode, salt }) => {
  const arb = (keyLength: number) =>
    fc.record({
      key: fc.uint8Array({ minLength: keyLength + salt, maxLength: keyLength + salt }),
      iv: fc.uint8Array({ minLength: 8, maxLength: 8 }),
      aad: fc.uint8Array({ maxLength: 40 }),
      plaintext: fc.uint8Array({ maxLength: 600 }),
      icvBits: fc.constantFrom(64, 96, 128),
    });
  it.each([16, 24, 32])('%i-byte AES keys with 64, 96 and 128-bit ICVs', (keyLength) => {
    fc.assert(
      fc.property(arb(keyLength), ({ key, iv, aad, plaintext, icvBits }) => {
        const algo = `aes-${keyLength * 8}-${mode}` as 'aes-128-gcm';
        const nonce = new Uint8Array([...key.subarray(keyLength), ...iv]);
        const icvLength = icvBits / 8;
        // CCM wants the plaintext length with the AAD, and no AAD call for an empty one.
        const setAad = (c: { setAAD(a: Uint8Array, o?: { plaintextLength: number }): unknown }, length: number) => {
          if (mode === 'gcm') c.setAAD(aad);
          else if (aad.length > 0) c.setAAD(aad, { plaintextLength: length });
        };
        const enc = createCipheriv(algo, key.subarray(0, keyLength), nonce, { authTagLength: icvLength });
        setAad(enc, plaintext.length);
        const ct = concatBytes(new Uint8Array(enc.update(plaintext)), new Uint8Array(enc.final()));
        const expected = concatBytes(ct, new Uint8Array(enc.getAuthTag()));
        const a = prepareAead(name, key, icvBits);
        const sealed = a.seal(iv, aad, plaintext);
        expect(toHex(sealed)).toBe(toHex(expected));
        const dec = createDecipheriv(algo, key.subarray(0, keyLength), nonce, { authTagLength: icvLength });
        dec.setAuthTag(sealed.subarray(sealed.length - icvLength));
        setAad(dec, plaintext.length);
        const opened = concatBytes(new Uint8Array(dec.update(sealed.subarray(0, sealed.length - icvLength))), new Uint8Array(dec.final()));
        expect(toHex(opened)).toBe(toHex(plaintext));
        expect(toHex(a.open(iv, aad, expected)!)).toBe(toHex(plaintext));
        const forged = expected.slice();
        forged[forged.length - 1] = forged[forged.length - 1]! ^ 1;
        expect(a.open(iv, aad, forged)).toBeUndefined();
      }),
      RUNS,
    );
  });
});

describe('prepareAead() rfc4543(gcm(aes)) is GCM with nothing encrypted: the tag covers AAD | IV | payload', () => {
  it.each([16, 24, 32])('%i-byte AES keys', (keyLength) => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: keyLength + 4, maxLength: keyLength + 4 }),
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        fc.uint8Array({ minLength: 8, maxLength: 12 }),
        fc.uint8Array({ maxLength: 600 }),
        (key, iv, aad, payload) => {
          const nonce = new Uint8Array([...key.subarray(keyLength), ...iv]);
          const enc = createCipheriv(`aes-${keyLength * 8}-gcm` as 'aes-128-gcm', key.subarray(0, keyLength), nonce);
          enc.setAAD(concatBytes(aad, iv, payload));
          enc.update(new Uint8Array(0));
          enc.final();
          const expected = concatBytes(payload, new Uint8Array(enc.getAuthTag()));
          const a = prepareAead('rfc4543(gcm(aes))', key, 128);
          expect(toHex(a.seal(iv, aad, payload))).toBe(toHex(expected));
          expect(toHex(a.open(iv, aad, expected)!)).toBe(toHex(payload));
          if (payload.length > 0) {
            const forged = expected.slice();
            forged[0] = forged[0]! ^ 1;
            expect(a.open(iv, aad, forged)).toBeUndefined();
          }
        },
      ),
      RUNS,
    );
  });
});

describe('prepareAead() rfc7539esp(chacha20,poly1305) agrees with node:crypto chacha20-poly1305 (nonce: salt | IV)', () => {
  it('36-byte keys, 128-bit ICV', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 36, maxLength: 36 }),
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 600 }),
        (key, iv, aad, plaintext) => {
          const nonce = new Uint8Array([...key.subarray(32), ...iv]);
          const enc = createCipheriv('chacha20-poly1305', key.subarray(0, 32), nonce, { authTagLength: 16 });
          enc.setAAD(aad, { plaintextLength: plaintext.length });
          const ct = concatBytes(new Uint8Array(enc.update(plaintext)), new Uint8Array(enc.final()));
          const expected = concatBytes(ct, new Uint8Array(enc.getAuthTag()));
          const a = prepareAead('rfc7539esp(chacha20,poly1305)', key, 128);
          expect(toHex(a.seal(iv, aad, plaintext))).toBe(toHex(expected));
          expect(toHex(a.open(iv, aad, expected)!)).toBe(toHex(plaintext));
          const forged = expected.slice();
          forged[forged.length - 1] = forged[forged.length - 1]! ^ 1;
          expect(a.open(iv, aad, forged)).toBeUndefined();
        },
      ),
      RUNS,
    );
  });
});

describe('prepareCipher() cbc(des3_ede) and cbc(des) agree with node:crypto des-ede3-cbc', () => {
  it('cbc(des3_ede) with three independent keys', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 24, maxLength: 24 }),
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        fc.integer({ min: 0, max: 12 }),
        (key, iv, blocks) => {
          const plaintext = Uint8Array.from({ length: blocks * 8 }, (_, i) => (i * 37 + key[0]!) & 0xff);
          const enc = createCipheriv('des-ede3-cbc', key, iv).setAutoPadding(false);
          const expected = concatBytes(new Uint8Array(enc.update(plaintext)), new Uint8Array(enc.final()));
          const c = prepareCipher('cbc(des3_ede)', key);
          expect(toHex(c.encrypt(iv, plaintext))).toBe(toHex(expected));
          expect(toHex(c.decrypt(iv, expected))).toBe(toHex(plaintext));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('cbc(des) is triple DES with one key three times (OpenSSL 3 keeps single DES in its legacy provider)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.uint8Array({ minLength: 8, maxLength: 8 }), (key, iv) => {
        const plaintext = Uint8Array.from({ length: 24 }, (_, i) => i);
        const enc = createCipheriv('des-ede3-cbc', concatBytes(key, key, key), iv).setAutoPadding(false);
        const expected = concatBytes(new Uint8Array(enc.update(plaintext)), new Uint8Array(enc.final()));
        expect(toHex(prepareCipher('cbc(des)', key).encrypt(iv, plaintext))).toBe(toHex(expected));
      }),
      { numRuns: 40 },
    );
  });

  it('the FIPS 81 known answer: DES of "Now is t" under 0123456789abcdef is 3fa40e8a984d4815', () => {
    const c = prepareCipher('cbc(des)', fromHex('0123456789abcdef'));
    expect(toHex(c.encrypt(new Uint8Array(8), new TextEncoder().encode('Now is t')))).toBe('3fa40e8a984d4815');
  });
});
