import { describe, expect, it } from 'vitest';
import { prepareAead } from '../../src/crypto/aead.js';
import { findAead, findAuth, findEnc, resolveAead, resolveAuth, resolveEnc } from '../../src/crypto/algorithms.js';
import { prepareAuth } from '../../src/crypto/auth.js';
import { prepareCipher } from '../../src/crypto/cipher.js';
import { configErrorOf } from './errors.js';

describe('algorithm table (kernel xfrm_algo.c)', () => {
  it('findAuth() knows each Linux name and its compat alias', () => {
    for (const [alias, name] of [
      ['md5', 'hmac(md5)'],
      ['sha1', 'hmac(sha1)'],
      ['sha256', 'hmac(sha256)'],
      ['rmd160', 'hmac(rmd160)'],
    ] as const) {
      expect(findAuth(alias)?.name).toBe(name);
      expect(findAuth(name)?.name).toBe(name);
    }
    // sha384 and sha512 have no compat alias in the kernel table.
    expect(findAuth('sha384')).toBeUndefined();
    expect(findAuth('sha512')).toBeUndefined();
  });

  it('findAuth() gives the default and full ICV lengths of the table', () => {
    const bits = (n: string) => [findAuth(n)?.truncBits, findAuth(n)?.fullBits];
    expect(bits('hmac(md5)')).toEqual([96, 128]);
    expect(bits('hmac(sha1)')).toEqual([96, 160]);
    expect(bits('hmac(sha256)')).toEqual([96, 256]);
    expect(bits('hmac(sha384)')).toEqual([192, 384]);
    expect(bits('hmac(sha512)')).toEqual([256, 512]);
    expect(bits('digest_null')).toEqual([0, 0]);
  });

  it('findEnc() knows cbc(aes) as aes and ecb(cipher_null) as cipher_null', () => {
    expect(findEnc('aes')?.name).toBe('cbc(aes)');
    expect(findEnc('cipher_null')?.name).toBe('ecb(cipher_null)');
    expect(findEnc('cbc(aes)')).toMatchObject({ blockBits: 128, ivLength: 16, geniv: 'echainiv' });
    expect(findEnc('ecb(cipher_null)')).toMatchObject({ blockBits: 8, ivLength: 0 });
  });

  it('names are compared exactly, as strcmp does', () => {
    expect(findAuth('HMAC(SHA1)')).toBeUndefined();
    expect(findAuth('hmac(sha1) ')).toBeUndefined();
    expect(findEnc('AES')).toBeUndefined();
  });

  it('findAead() matches name and ICV length together', () => {
    expect(findAead('rfc4106(gcm(aes))', 64)).toBeDefined();
    expect(findAead('rfc4106(gcm(aes))', 96)).toBeDefined();
    expect(findAead('rfc4106(gcm(aes))', 128)).toBeDefined();
    expect(findAead('rfc4106(gcm(aes))', 100)).toBeUndefined();
    expect(findAead('rfc4543(gcm(aes))', 128)).toBeDefined();
    expect(findAead('rfc4543(gcm(aes))', 64)).toBeUndefined();
  });
});

describe('resolve*() refusals (kernel xfrm_user.c attach_*)', () => {
  it('resolveAuth() refuses an unknown name with ENOSYS "Requested AUTH algorithm not found"', () => {
    // oracle/semantics/out/e01.log: `auth hmac(foo) 1234` -> "Error: Requested AUTH algorithm not found."
    const e = configErrorOf(() => resolveAuth('hmac(foo)'));
    expect([e.errno, e.extack]).toEqual(['ENOSYS', 'Requested AUTH algorithm not found']);
  });

  it('resolveAuth() with a truncation names the AUTH_TRUNC attribute in its refusal', () => {
    const e = configErrorOf(() => resolveAuth('hmac(foo)', 96));
    expect([e.errno, e.extack]).toEqual(['ENOSYS', 'Requested AUTH_TRUNC algorithm not found']);
  });

  it('resolveAuth() keeps the table default for auth and the given bits for auth-trunc', () => {
    expect(resolveAuth('sha256').truncBits).toBe(96);
    expect(resolveAuth('sha256', 128).truncBits).toBe(128);
    expect(resolveAuth('sha256', 0).truncBits).toBe(0);
    expect(configErrorOf(() => resolveAuth('sha1', 161)).extack).toBe('Invalid length requested for truncated ICV');
  });

  it('resolveEnc() and resolveAead() refuse unknown names with ENOSYS and their extack', () => {
    const enc = configErrorOf(() => resolveEnc('cbc(foo)'));
    expect([enc.errno, enc.extack]).toEqual(['ENOSYS', 'Requested CRYPT algorithm not found']);
    const aead = configErrorOf(() => resolveAead('rfc4106(gcm(aes))', 100));
    expect([aead.errno, aead.extack]).toEqual(['ENOSYS', 'Requested AEAD algorithm not found']);
  });

  it('a name Linux accepts but xfrmsim cannot compute is refused as not modelled, never computed wrongly', () => {
    expect(resolveEnc('des').name).toBe('cbc(des)');
    for (const fn of [
      () => prepareCipher('cbc(cast5)', new Uint8Array(16)),
      () => prepareCipher('cbc(serpent)', new Uint8Array(16)),
      () => prepareAuth('hmac(sm3)', new Uint8Array(32)),
    ]) {
      const e = configErrorOf(fn);
      expect(e.errno).toBe('EOPNOTSUPP');
      expect(e.extack).toMatch(/^xfrmsim does not model the ".*" algorithm yet$/);
    }
  });

  it('the name check comes before the key check, as attach_* runs before init_state', () => {
    expect(configErrorOf(() => prepareCipher('cbc(foo)', new Uint8Array(3))).errno).toBe('ENOSYS');
    expect(configErrorOf(() => prepareAead('rfc4106(gcm(aes))', new Uint8Array(3), 100)).errno).toBe('ENOSYS');
  });
});
