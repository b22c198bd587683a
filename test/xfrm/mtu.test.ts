/**
 * xfrmStateMtu and xfrmBundleMtu against what Linux 6.1 did (test/conformance/kernel/cases/frag_esp):
 * behind an ESP tunnel SA with cbc(aes) and hmac(sha1) (96-bit ICV) on a 1500-byte link, a
 * router refused a forwarded 1496-byte packet with "packet too big, mtu 1422", and the sender cut
 * its inner packets to 1368 bytes of data ((1422 - 48) & ~7), each ESP packet then 1500 bytes.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { xfrmBundleMtu, xfrmStateMtu } from '../../src/xfrm/mtu.js';
import { validateState, type XfrmStateInit } from '../../src/xfrm/state.js';
import { A, B } from './engine-helpers.js';

const CBC_SHA1: Partial<XfrmStateInit> = {
  enc: { name: 'cbc(aes)', key: new Uint8Array(16) },
  auth: { name: 'hmac(sha1)', key: new Uint8Array(20) },
};

function esp(mode: 'transport' | 'tunnel', algos: Partial<XfrmStateInit> = CBC_SHA1) {
  return validateState(
    {
      family: 'inet6',
      saddr: A,
      daddr: B,
      spi: 0x300,
      proto: 'esp',
      mode,
      reqid: 0,
      replayWindow: 0,
      ...algos,
    },
    0,
  );
}

describe('the MTU in front of an SA', () => {
  test('ESP tunnel, cbc(aes) + hmac(sha1): 1422 under 1500 (frag_esp: "packet too big, mtu 1422")', () => {
    expect(xfrmStateMtu(esp('tunnel'), 1500)).toBe(1422);
  });

  test('ESP transport: the IPv6 header is not padded, so 1462 under 1500', () => {
    // ((1500 - 24 - 12 - 40) & ~15) + 40 - 2; a 1462-byte packet becomes 1500 bytes of ESP.
    expect(xfrmStateMtu(esp('transport'), 1500)).toBe(1462);
  });

  test('an AEAD pads to 4 bytes: rfc4106(gcm(aes)) tunnel under 1500', () => {
    const x = esp('tunnel', { aead: { name: 'rfc4106(gcm(aes))', key: new Uint8Array(20), icvBits: 128 } });
    // header 8 + 8 (IV) + 40, ICV 16: ((1500 - 56 - 16) & ~3) - 2
    expect(xfrmStateMtu(x, 1500)).toBe(1426);
  });

  test('a larger route MTU never gives a smaller bundle MTU (so the bundle MTU at 1280 is a floor for every route)', () => {
    const bundles = [[esp('tunnel')], [esp('transport'), esp('tunnel')], [esp('transport')]];
    fc.assert(
      fc.property(
        fc.integer({ min: 1280, max: 65535 }),
        fc.integer({ min: 0, max: 2000 }),
        fc.integer({ min: 0, max: 2 }),
        (m, more, i) => {
          const states = bundles[i]!;
          expect(xfrmBundleMtu(states, m + more)).toBeGreaterThanOrEqual(xfrmBundleMtu(states, m));
        },
      ),
    );
  });

  test('a bundle: each SA under the one outside it, never above the route', () => {
    const inner = esp('transport');
    const outer = esp('tunnel');
    expect(xfrmBundleMtu([outer], 1500)).toBe(1422);
    expect(xfrmBundleMtu([inner, outer], 1500)).toBe(xfrmStateMtu(inner, 1422));
  });
});
