import { describe, expect, it } from 'vitest';
import { bytesEqual, concatBytes, fromHex, toHex } from '../../src/wire/hex.js';

describe('hex', () => {
  it('toHex() writes two lowercase digits per byte, as Node writes hex', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    // Node's Buffer hex encoding is the independent reference (tests may use Node; src/ may not).
    expect(toHex(all)).toBe(Buffer.from(all).toString('hex'));
    expect(toHex(new Uint8Array(0))).toBe('');
  });

  it('fromHex() reads either case and is the inverse of toHex()', () => {
    expect(Array.from(fromHex('00ff7FaB'))).toEqual([0, 255, 127, 171]);
    const all = Uint8Array.from({ length: 256 }, (_, i) => 255 - i);
    expect(fromHex(toHex(all))).toEqual(all);
    expect(fromHex('')).toEqual(new Uint8Array(0));
  });

  it('fromHex() throws on an odd length, a prefix or a non-hex digit', () => {
    for (const bad of ['0', 'abc', '0x00', 'zz', '0 1', '+1']) expect(() => fromHex(bad)).toThrow(/not hex/);
  });

  it('concatBytes() joins the parts in order', () => {
    expect(toHex(concatBytes(fromHex('01'), new Uint8Array(0), fromHex('0203'), fromHex('04')))).toBe('01020304');
    expect(concatBytes().length).toBe(0);
  });

  it('concatBytes() copies from subarrays at their own offsets', () => {
    const big = fromHex('aabbccddeeff');
    expect(toHex(concatBytes(big.subarray(2, 4), big.subarray(5)))).toBe('ccddff');
  });

  it('bytesEqual() compares length and every byte', () => {
    expect(bytesEqual(fromHex('0102'), fromHex('0102'))).toBe(true);
    expect(bytesEqual(fromHex('0102'), fromHex('0103'))).toBe(false);
    expect(bytesEqual(fromHex('0102'), fromHex('010200'))).toBe(false);
    expect(bytesEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });
});
