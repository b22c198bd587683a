import { describe, expect, it } from 'vitest';
import { prepareAuth as prepareAuthAuto } from '../../src/crypto/auth.js';
import { type CryptoBackend, NATIVE_MIN_BYTES } from '../../src/crypto/backend.js';
import { fromHex, toHex } from '../../src/wire/hex.js';
import { configErrorOf } from './errors.js';

const ascii = (s: string) => new TextEncoder().encode(s);
const fill = (byte: number, n: number) => new Uint8Array(n).fill(byte);
const range = (from: number, to: number) => Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i);

const BACKENDS: readonly CryptoBackend[] = ['noble', 'native', 'auto'];

// Every known answer is checked through each backend: noble, node:crypto, and the size-based choice.
describe.each(BACKENDS)('prepareAuth() known answers, backend %s', (backend) => {
  const prepareAuth = (name: string, key: Uint8Array, truncBits?: number) => prepareAuthAuto(name, key, truncBits, { backend });
  /** Full-length HMAC of `data` under `key` with the named algorithm (auth-trunc at full length). */
  const fullMac = (name: string, fullBits: number, key: Uint8Array, data: Uint8Array): string =>
    toHex(prepareAuth(name, key, fullBits).mac(data));

  // RFC 2202 section 2 (HMAC-MD5) test cases 1-7.
  const rfc2202Md5: [Uint8Array, Uint8Array, string][] = [
    [fill(0x0b, 16), ascii('Hi There'), '9294727a3638bb1c13f48ef8158bfc9d'],
    [ascii('Jefe'), ascii('what do ya want for nothing?'), '750c783e6ab0b503eaa86e310a5db738'],
    [fill(0xaa, 16), fill(0xdd, 50), '56be34521d144c88dbb8c733f0e8b3f6'],
    [range(1, 25), fill(0xcd, 50), '697eaf0aca3a3aea3a75164746ffaa79'],
    [fill(0x0c, 16), ascii('Test With Truncation'), '56461ef2342edc00f9bab995690efd4c'],
    [fill(0xaa, 80), ascii('Test Using Larger Than Block-Size Key - Hash Key First'), '6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd'],
    [
      fill(0xaa, 80),
      ascii('Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data'),
      '6f630fad67cda0ee1fb1f562db3aa53e',
    ],
  ];
  it.each(rfc2202Md5.map((c, i) => [i + 1, ...c] as const))('hmac(md5) matches RFC 2202 test case %i', (_n, key, data, digest) => {
    expect(fullMac('hmac(md5)', 128, key, data)).toBe(digest);
  });

  // RFC 2202 section 3 (HMAC-SHA-1) test cases 1-7.
  const rfc2202Sha1: [Uint8Array, Uint8Array, string][] = [
    [fill(0x0b, 20), ascii('Hi There'), 'b617318655057264e28bc0b6fb378c8ef146be00'],
    [ascii('Jefe'), ascii('what do ya want for nothing?'), 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79'],
    [fill(0xaa, 20), fill(0xdd, 50), '125d7342b9ac11cd91a39af48aa17b4f63f175d3'],
    [range(1, 25), fill(0xcd, 50), '4c9007f4026250c6bc8414f9bf50c86c2d7235da'],
    [fill(0x0c, 20), ascii('Test With Truncation'), '4c1a03424b55e07fe7f27be1d58bb9324a9a5a04'],
    [fill(0xaa, 80), ascii('Test Using Larger Than Block-Size Key - Hash Key First'), 'aa4ae5e15272d00e95705637ce8a3b55ed402112'],
    [
      fill(0xaa, 80),
      ascii('Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data'),
      'e8e99d0f45237d786d6bbaa7965c7808bbff1a91',
    ],
  ];
  it.each(rfc2202Sha1.map((c, i) => [i + 1, ...c] as const))('hmac(sha1) matches RFC 2202 test case %i', (_n, key, data, digest) => {
    expect(fullMac('hmac(sha1)', 160, key, data)).toBe(digest);
  });

  it('auth hmac(md5) and hmac(sha1) send the first 96 bits (RFC 2202 test case 5, digest-96)', () => {
    expect(toHex(prepareAuth('hmac(md5)', fill(0x0c, 16)).mac(ascii('Test With Truncation')))).toBe('56461ef2342edc00f9bab995');
    expect(toHex(prepareAuth('hmac(sha1)', fill(0x0c, 20)).mac(ascii('Test With Truncation')))).toBe('4c1a03424b55e07fe7f27be1');
  });

  // RFC 4231 section 4 test cases 1-4, 6, 7 (SHA-256, SHA-384, SHA-512).
  const rfc4231Data: [string, Uint8Array, Uint8Array][] = [
    ['1', fill(0x0b, 20), ascii('Hi There')],
    ['2', ascii('Jefe'), ascii('what do ya want for nothing?')],
    ['3', fill(0xaa, 20), fill(0xdd, 50)],
    ['4', range(1, 25), fill(0xcd, 50)],
    ['6', fill(0xaa, 131), ascii('Test Using Larger Than Block-Size Key - Hash Key First')],
    [
      '7',
      fill(0xaa, 131),
      ascii(
        'This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.',
      ),
    ],
  ];
  const rfc4231: Record<string, [string, string, string]> = {
    '1': [
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
      'afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6',
      '87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854',
    ],
    '2': [
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
      'af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649',
      '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
    ],
    '3': [
      '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe',
      '88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27',
      'fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb',
    ],
    '4': [
      '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
      '3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb',
      'b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd',
    ],
    '6': [
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
      '4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952',
      '80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598',
    ],
    '7': [
      '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
      '6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e',
      'e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58',
    ],
  };
  it.each(rfc4231Data)('hmac(sha256), hmac(sha384) and hmac(sha512) match RFC 4231 test case %s', (n, key, data) => {
    const [s256, s384, s512] = rfc4231[n]!;
    expect(fullMac('hmac(sha256)', 256, key, data)).toBe(s256);
    expect(fullMac('hmac(sha384)', 384, key, data)).toBe(s384);
    expect(fullMac('hmac(sha512)', 512, key, data)).toBe(s512);
  });

  it('auth-trunc 128 gives the truncated values of RFC 4231 test case 5', () => {
    const key = fill(0x0c, 20);
    const data = ascii('Test With Truncation');
    expect(toHex(prepareAuth('hmac(sha256)', key, 128).mac(data))).toBe('a3b6167473100ee06e0c796c2955552b');
    expect(toHex(prepareAuth('hmac(sha384)', key, 128).mac(data))).toBe('3abf34c3503b2a23a46efc619baef897');
    expect(toHex(prepareAuth('hmac(sha512)', key, 128).mac(data))).toBe('415fad6271580a531d4179bc891d87a6');
  });

  // RFC 2286 section 2 (HMAC-RIPEMD160) test cases 1 and 2.
  it('hmac(rmd160) matches RFC 2286 test cases 1 and 2', () => {
    expect(fullMac('hmac(rmd160)', 160, fill(0x0b, 20), ascii('Hi There'))).toBe('24cb4bd67d20fc1a5d2ed7732dcc39377f0a5668');
    expect(fullMac('rmd160', 160, ascii('Jefe'), ascii('what do ya want for nothing?'))).toBe('dda6c0213a485a9e24f4742064a7f033b43c4069');
  });
});

const prepareAuth = prepareAuthAuto;

describe('prepareAuth() backends', () => {
  it('auto gives the same ICVs as noble and node:crypto below, at and above the switch-over size', () => {
    const key = range(1, 20);
    for (const n of [0, 1, NATIVE_MIN_BYTES - 1, NATIVE_MIN_BYTES, NATIVE_MIN_BYTES + 1, 1500]) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);
      const icvs = BACKENDS.map((backend) =>
        toHex(prepareAuthAuto('hmac(sha1)', key, undefined, { backend }).mac(data.subarray(0, 5), data.subarray(5))),
      );
      expect(new Set(icvs).size).toBe(1);
    }
  });

  it('returns a plain Uint8Array from node:crypto, not a Buffer', () => {
    const icv = prepareAuthAuto('hmac(sha256)', range(1, 32), undefined, { backend: 'native' }).mac(ascii('x'));
    expect(Object.getPrototypeOf(icv)).toBe(Uint8Array.prototype);
  });
});

describe('prepareAuth() truncation and lengths', () => {
  it('prepareAuth() truncates hmac(sha256) to 96 bits with auth', () => {
    const a = prepareAuth('hmac(sha256)', ascii('k'));
    expect([a.truncBits, a.icvLength, a.fullLength]).toEqual([96, 12, 32]);
    // RFC 4231 test case 2 digest, first 12 bytes.
    expect(toHex(prepareAuth('sha256', ascii('Jefe')).mac(ascii('what do ya want for nothing?')))).toBe('5bdcc146bf60754e6a042426');
  });

  it('prepareAuth() uses the table defaults: 192 bits for hmac(sha384), 256 for hmac(sha512)', () => {
    expect(prepareAuth('hmac(sha384)', ascii('k')).icvLength).toBe(24);
    expect(prepareAuth('hmac(sha512)', ascii('k')).icvLength).toBe(32);
    expect(prepareAuth('hmac(md5)', ascii('k')).icvLength).toBe(12);
  });

  it('prepareAuth() names the algorithm canonically when given the compat alias', () => {
    expect(prepareAuth('sha1', ascii('k')).name).toBe('hmac(sha1)');
    expect(prepareAuth('md5', ascii('k')).name).toBe('hmac(md5)');
  });

  it('prepareAuth() keeps bits that are not a multiple of 8 but sends whole bytes (kernel divides by 8)', () => {
    const a = prepareAuth('hmac(sha256)', ascii('k'), 100);
    expect(a.truncBits).toBe(100);
    expect(a.icvLength).toBe(12);
    expect(a.mac(ascii('x'))).toHaveLength(12);
  });

  it('prepareAuth() refuses auth-trunc longer than the digest with the kernel extack', () => {
    // oracle/semantics/out/e01.log: `auth-trunc hmac(sha256) 1234 300` -> "Error: Invalid length requested for truncated ICV."
    const e = configErrorOf(() => prepareAuth('hmac(sha256)', ascii('1234'), 300));
    expect([e.errno, e.extack]).toEqual(['EINVAL', 'Invalid length requested for truncated ICV']);
    expect(prepareAuth('hmac(sha256)', ascii('1234'), 256).icvLength).toBe(32);
  });

  it('digest_null has an empty ICV and verifies only an empty one', () => {
    const a = prepareAuth('digest_null', new Uint8Array(0));
    expect(a.mac(ascii('anything'))).toHaveLength(0);
    expect(a.verify(ascii('anything'), new Uint8Array(0))).toBe(true);
    expect(a.verify(ascii('anything'), new Uint8Array(1))).toBe(false);
  });
});

describe('prepareAuth() per-message use', () => {
  it('mac() over several parts equals mac() over their concatenation', () => {
    const a = prepareAuth('hmac(sha1)', ascii('12345678901234567890'), 160);
    const whole = a.mac(ascii('what do ya want for nothing?'));
    expect(a.mac(ascii('what do'), ascii(' ya want'), new Uint8Array(0), ascii(' for nothing?'))).toEqual(whole);
  });

  it('mac() gives the same answer on every call (the keyed state is not consumed)', () => {
    const a = prepareAuth('hmac(sha256)', fill(0x0b, 20), 256);
    const first = toHex(a.mac(ascii('Hi There')));
    a.mac(ascii('something else in between'));
    expect(toHex(a.mac(ascii('Hi There')))).toBe(first);
    expect(first).toBe('b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7');
  });

  it('mac() returns a fresh array each time', () => {
    const a = prepareAuth('hmac(sha1)', ascii('k'));
    const one = a.mac(ascii('a'));
    const two = a.mac(ascii('b'));
    expect(toHex(one)).not.toBe(toHex(two));
    expect(toHex(one)).toBe(toHex(a.mac(ascii('a'))));
  });

  it('verify() accepts the right ICV and refuses a changed or shortened one', () => {
    const a = prepareAuth('hmac(sha1)', ascii('1234'));
    const data = [ascii('header'), ascii('payload')];
    const icv = a.mac(...data);
    expect(a.verify(data, icv)).toBe(true);
    expect(a.verify(ascii('headerpayload'), icv)).toBe(true);
    const bad = icv.slice();
    bad[11] = bad[11]! ^ 1;
    expect(a.verify(data, bad)).toBe(false);
    expect(a.verify(data, icv.subarray(0, 11))).toBe(false);
  });

  it('destroy() makes the prepared object unusable', () => {
    const a = prepareAuth('hmac(sha1)', fromHex('0102'));
    a.mac(ascii('x'));
    a.destroy();
    expect(() => a.mac(ascii('x'))).toThrow();
  });
});

describe('prepareAuth() xcbc(aes) and cmac(aes)', () => {
  const seq = (n: number) => Uint8Array.from({ length: n }, (_, i) => i);
  const key = seq(16);

  it.each([
    // RFC 3566 section 4.6, test cases 1, 2, 3, 4 and 5 (key 000102...0f, messages 0x00, 0x01, ...).
    [0, '75f0251d528ac01c4573dfd584d79f29'],
    [3, '5b376580ae2f19afe7219ceef172756f'],
    [16, 'd2a246fa349b68a79998a4394ff7a263'],
    [20, '47f51b4564966215b8985c63055ed308'],
    [32, 'f54f0ec8d2b9f3d36807734bd5283fd4'],
  ])('xcbc(aes) of %i bytes gives the RFC 3566 MAC (the full 128 bits, and 96 by default)', (n, expected) => {
    expect(toHex(prepareAuth('xcbc(aes)', key, 128).mac(seq(n)))).toBe(expected);
    expect(toHex(prepareAuth('xcbc(aes)', key).mac(seq(n)))).toBe(expected.slice(0, 24));
  });

  it.each([
    // RFC 4493 section 4, examples 1 to 4 (key 2b7e1516..., message 6bc1bee2...).
    [0, 'bb1d6929e95937287fa37d129b756746'],
    [16, '070a16b46b4d4144f79bdd9dd04a287c'],
    [40, 'dfa66747de9ae63030ca32611497c827'],
    [64, '51f0bebf7e3b9d92fc49741779363cfe'],
  ])('cmac(aes) of %i bytes gives the RFC 4493 MAC', (n, expected) => {
    const k = fromHex('2b7e151628aed2a6abf7158809cf4f3c');
    const m = fromHex(
      '6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710',
    ).subarray(0, n);
    expect(toHex(prepareAuth('cmac(aes)', k, 128).mac(m))).toBe(expected);
    // Parts are one message.
    expect(toHex(prepareAuth('cmac(aes)', k, 128).mac(m.subarray(0, 7), m.subarray(7)))).toBe(expected);
  });

  it('an AES MAC refuses a key that is not an AES key, with EINVAL and no extack (setkey)', () => {
    for (const name of ['xcbc(aes)', 'cmac(aes)']) {
      const e = configErrorOf(() => prepareAuth(name, new Uint8Array(20)));
      expect([e.errno, e.extack]).toEqual(['EINVAL', undefined]);
    }
  });
});
