import { describe, expect, it } from 'vitest';
import { type CryptoBackend, NATIVE_MIN_BYTES } from '../../src/crypto/backend.js';
import { prepareCipher as prepareCipherAuto } from '../../src/crypto/cipher.js';
import { fromHex, toHex } from '../../src/wire/hex.js';
import { configErrorOf } from './errors.js';

const ascii = (s: string) => new TextEncoder().encode(s);

const BACKENDS: readonly CryptoBackend[] = ['noble', 'native', 'auto'];

// Every known answer is checked through each backend: noble, node:crypto, and the size-based choice.
describe.each(BACKENDS)('prepareCipher() cbc(aes) known answers, backend %s', (backend) => {
  const prepareCipher = (name: string, key: Uint8Array) => prepareCipherAuto(name, key, { backend });
  // RFC 3602 section 4, test cases 1-4 (AES-128-CBC).
  const rfc3602: [number, string, string, Uint8Array, string][] = [
    [
      1,
      '06a9214036b8a15b512e03d534120006',
      '3dafba429d9eb430b422da802c9fac41',
      ascii('Single block msg'),
      'e353779c1079aeb82708942dbe77181a',
    ],
    [
      2,
      'c286696d887c9aa0611bbb3e2025a45a',
      '562e17996d093d28ddb3ba695a2e6f58',
      fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'),
      'd296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1',
    ],
    [
      3,
      '6c3ea0477630ce21a2ce334aa746c2cd',
      'c782dc4c098c66cbd9cd27d825682c81',
      ascii('This is a 48-byte message (exactly 3 AES blocks)'),
      'd0a02b3836451753d493665d33f0e8862dea54cdb293abc7506939276772f8d5021c19216bad525c8579695d83ba2684',
    ],
    [
      4,
      '56e47a38c5598974bc46903dba290349',
      '8ce82eefbea0da3c44699ed7db51b7d9',
      fromHex(
        'a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf',
      ),
      'c30e32ffedc0774e6aff6af0869f71aa0f3af07a9a31a9c684db207eb0ef8e4e35907aa632c3ffdf868bb7b29d3d46ad83ce9f9a102ee99d49a53e87f4c3da55',
    ],
  ];
  it.each(rfc3602)('encrypts and decrypts RFC 3602 test case %i', (_n, key, iv, plaintext, ciphertext) => {
    const c = prepareCipher('cbc(aes)', fromHex(key));
    expect(toHex(c.encrypt(fromHex(iv), plaintext))).toBe(ciphertext);
    expect(c.decrypt(fromHex(iv), fromHex(ciphertext))).toEqual(plaintext);
  });

  // NIST SP 800-38A appendix F.2.5/F.2.6 (CBC-AES256), the four blocks at once.
  it('encrypts and decrypts the SP 800-38A CBC-AES256 example', () => {
    const c = prepareCipher('aes', fromHex('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4'));
    const iv = fromHex('000102030405060708090a0b0c0d0e0f');
    const pt = fromHex(
      '6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710',
    );
    const ct =
      'f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b';
    expect(toHex(c.encrypt(iv, pt))).toBe(ct);
    expect(c.decrypt(iv, fromHex(ct))).toEqual(pt);
  });
});

const prepareCipher = prepareCipherAuto;

describe('prepareCipher() backends', () => {
  it('auto gives the same bytes as noble and node:crypto below, at and above the switch-over size, for every key size', () => {
    for (const keyLength of [16, 24, 32]) {
      const key = Uint8Array.from({ length: keyLength }, (_, i) => i + 1);
      const iv = Uint8Array.from({ length: 16 }, (_, i) => 0xf0 - i);
      for (const n of [16, NATIVE_MIN_BYTES - 16, NATIVE_MIN_BYTES, NATIVE_MIN_BYTES + 16, 1424]) {
        const data = Uint8Array.from({ length: n }, (_, i) => (i * 13 + 5) & 0xff);
        const outs = BACKENDS.map((backend) => prepareCipherAuto('cbc(aes)', key, { backend }).encrypt(iv, data));
        expect(new Set(outs.map(toHex)).size).toBe(1);
        for (const backend of BACKENDS) {
          const back = prepareCipherAuto('cbc(aes)', key, { backend }).decrypt(iv, outs[0]!);
          expect(Object.getPrototypeOf(back)).toBe(Uint8Array.prototype);
          expect(back).toEqual(data);
        }
      }
    }
  });
});

describe('prepareCipher() parameters and refusals', () => {
  it('prepareCipher() gives cbc(aes) a 16-byte block and IV for every key size', () => {
    for (const n of [16, 24, 32]) {
      const c = prepareCipher('cbc(aes)', new Uint8Array(n));
      expect([c.name, c.blockSize, c.ivLength]).toEqual(['cbc(aes)', 16, 16]);
    }
  });

  it('prepareCipher() refuses AES keys of other lengths with EINVAL and no extack', () => {
    // oracle/semantics/out/e01.log: `enc cbc(aes) 12345` -> "RTNETLINK answers: Invalid argument";
    // e11.log: `enc aes 0x123` (2 bytes) likewise.
    for (const n of [0, 2, 5, 15, 17, 20, 31, 33, 64]) {
      const e = configErrorOf(() => prepareCipher('cbc(aes)', new Uint8Array(n)));
      expect([e.errno, e.extack]).toEqual(['EINVAL', undefined]);
    }
  });

  it('ecb(cipher_null) takes no key and passes data through with a 1-byte block', () => {
    const c = prepareCipher('cipher_null', new Uint8Array(0));
    expect([c.name, c.blockSize, c.ivLength]).toEqual(['ecb(cipher_null)', 1, 0]);
    const data = ascii('abc');
    const out = c.encrypt(new Uint8Array(0), data);
    expect(out).toEqual(data);
    expect(out).not.toBe(data);
    expect(c.decrypt(new Uint8Array(0), data)).toEqual(data);
    expect(configErrorOf(() => prepareCipher('ecb(cipher_null)', ascii('k'))).errno).toBe('EINVAL');
  });

  it('encrypt() and decrypt() throw on partial blocks and wrong IV lengths (caller bugs)', () => {
    const c = prepareCipher('cbc(aes)', new Uint8Array(16));
    expect(() => c.encrypt(new Uint8Array(16), new Uint8Array(15))).toThrow(RangeError);
    expect(() => c.decrypt(new Uint8Array(16), new Uint8Array(17))).toThrow(RangeError);
    expect(() => c.encrypt(new Uint8Array(8), new Uint8Array(16))).toThrow(RangeError);
  });

  it('encrypt() reads inputs at any byte offset', () => {
    const c = prepareCipher('cbc(aes)', fromHex('06a9214036b8a15b512e03d534120006'));
    const buf = new Uint8Array(3 + 16 + 16);
    buf.set(fromHex('3dafba429d9eb430b422da802c9fac41'), 3);
    buf.set(ascii('Single block msg'), 19);
    expect(toHex(c.encrypt(buf.subarray(3, 19), buf.subarray(19)))).toBe('e353779c1079aeb82708942dbe77181a');
  });
});
