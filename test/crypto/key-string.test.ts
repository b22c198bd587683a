import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KEYMAT_MAX_BYTES, parseKeyString } from '../../src/crypto/key-string.js';
import { toHex } from '../../src/wire/hex.js';

const keyHex = (text: string): string => {
  const r = parseKeyString(text);
  if (!r.ok) throw new Error(`unexpected refusal of "${text}": ${r.stderr}`);
  return toHex(r.key);
};

describe('parseKeyString() as the kernel listed what ip sent (oracle/semantics/out/e01.log, e11.log)', () => {
  it('reads a word without 0x as its bytes: 1234567890123456 is a 16-byte AES key', () => {
    // e11: `enc aes 1234567890123456` is listed as `enc cbc(aes) 0x31323334353637383930313233343536`.
    expect(keyHex('1234567890123456')).toBe('31323334353637383930313233343536');
    // e01: `auth hmac(sha1) 12` -> `auth-trunc hmac(sha1) 0x3132 96`; `auth sha256 k` -> 0x6b.
    expect(keyHex('12')).toBe('3132');
    expect(keyHex('k')).toBe('6b');
  });

  it('reads 0x hex with an odd digit count as if a 0 led it', () => {
    // e01: `enc aes 0x0112233445566778899aabbccddeeff` (31 digits) -> 0x00112233445566778899aabbccddeeff.
    expect(keyHex('0x0112233445566778899aabbccddeeff')).toBe('00112233445566778899aabbccddeeff');
    // e11: `0x000102030405060708090a0b0c0d0e0` -> 0x0000102030405060708090a0b0c0d0e0; e01: `0x1` -> 0x01.
    expect(keyHex('0x000102030405060708090a0b0c0d0e0')).toBe('0000102030405060708090a0b0c0d0e0');
    expect(keyHex('0x1')).toBe('01');
    // e11: `enc aes 0x123` sends a 2-byte key (then refused by the kernel as EINVAL).
    expect(keyHex('0x123')).toBe('0123');
  });

  it('reads "0x" alone as the two bytes 0 and x', () => {
    // e11: `auth sha1 0x` -> `auth-trunc hmac(sha1) 0x3078 96`.
    expect(keyHex('0x')).toBe('3078');
  });

  it('reads the empty word as no key', () => {
    // e01: `enc ecb(cipher_null) ""` -> listed as `enc ecb(cipher_null) ` (no key).
    expect(keyHex('')).toBe('');
  });

  it('accepts upper-case hex digits', () => {
    expect(keyHex('0xABcd')).toBe('abcd');
  });
});

describe('parseKeyString() refusals (iproute2 xfrm_algo_parse + get_u8)', () => {
  it('refuses a non-hex digit with the invarg message and keeps the word as typed', () => {
    // VERIFIED test/kernel-cases/key-strings.sh (.out): exactly this line, exit status 255.
    const r = parseKeyString('0x12zz');
    expect(r).toEqual({ ok: false, reason: 'invalid', stderr: 'Error: argument "0x12zz" is wrong: ALGO-KEYMAT value is invalid\n' });
  });

  it('refuses a second 0x inside the hex and a leading 0X (only lower-case 0x starts hex)', () => {
    expect(parseKeyString('0x0x12').ok).toBe(false);
    expect(keyHex('0X12')).toBe('30583132');
  });

  it('takes what glibc strtoul takes in a digit pair: a leading space or plus, and minus zero', () => {
    expect(keyHex('0x f')).toBe('0f');
    expect(keyHex('0x+f')).toBe('0f');
    expect(keyHex('0x-0')).toBe('00');
    expect(parseKeyString('0x-f').ok).toBe(false);
    expect(parseKeyString('0xf ').ok).toBe(false);
    // With an odd count the first byte is "0" + one digit, so a space there is trailing garbage.
    expect(parseKeyString('0x 12').ok).toBe(false);
  });

  it('refuses keys longer than 512 bytes with the overflow message', () => {
    expect(parseKeyString('0x' + 'ab'.repeat(KEYMAT_MAX_BYTES)).ok).toBe(true);
    const hex = '0x' + 'ab'.repeat(KEYMAT_MAX_BYTES) + 'c';
    expect(parseKeyString(hex)).toEqual({
      ok: false,
      reason: 'overflow',
      stderr: `Error: argument "${hex}" is wrong: ALGO-KEYMAT value makes buffer overflow\n\n`,
    });
    expect(parseKeyString('k'.repeat(KEYMAT_MAX_BYTES)).ok).toBe(true);
    expect(parseKeyString('k'.repeat(KEYMAT_MAX_BYTES + 1))).toMatchObject({ ok: false, reason: 'overflow' });
  });

  it('checks the length before the digits, as iproute2 does', () => {
    expect(parseKeyString('0x' + 'z'.repeat(2 * KEYMAT_MAX_BYTES + 2))).toMatchObject({ ok: false, reason: 'overflow' });
  });
});

describe('parseKeyString() properties', () => {
  it('0x plus the hex of any key gives the key back', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: KEYMAT_MAX_BYTES }), (key) => {
        expect(keyHex('0x' + toHex(key))).toBe(toHex(key));
      }),
    );
  });

  it('a word not starting with 0x is its own UTF-8 bytes', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 100 }).filter((s) => !s.startsWith('0x') || s.length === 2),
        (s) => {
          expect(keyHex(s)).toBe(toHex(new TextEncoder().encode(s)));
        },
      ),
    );
  });

  it('never throws, whatever the word', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        const r = parseKeyString('0x' + s);
        expect(typeof r.ok).toBe('boolean');
      }),
    );
  });
});
