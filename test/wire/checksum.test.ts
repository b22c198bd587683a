import { describe, expect, it } from 'vitest';
import { onesSum, pseudoHeaderSum, upperLayerChecksum, verifyUpperLayerChecksum } from '../../src/wire/checksum.js';
import { fromHex } from '../../src/wire/hex.js';
import { ipv6 } from '../../src/wire/ipv6-address.js';
import { IPPROTO } from '../../src/wire/proto.js';
import { packet } from './kernel-captures.js';

describe('onesSum()', () => {
  it('gives the RFC 1071 section 3 example sum ddf2', () => {
    // RFC 1071 section 3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 (checksum 220d).
    expect(onesSum(fromHex('0001f203f4f5f6f7'))).toBe(0xddf2);
    expect(~onesSum(fromHex('0001f203f4f5f6f7')) & 0xffff).toBe(0x220d);
  });

  it('pads an odd last byte with a zero on the right (RFC 1071 section 4.1)', () => {
    expect(onesSum(fromHex('01'))).toBe(0x0100);
    expect(onesSum(fromHex('0001f203f4f5f6f7ab'))).toBe(0xddf2 + 0xab00 - 0xffff);
  });

  it('folds the carries back in and adds to an initial sum', () => {
    expect(onesSum(fromHex('ffff0001'))).toBe(0x0001);
    expect(onesSum(fromHex('0001'), 0xffff)).toBe(0x0001);
    expect(onesSum(new Uint8Array(0), 0x1234)).toBe(0x1234);
  });
});

describe('pseudoHeaderSum()', () => {
  it('adds both halves of a 32-bit upper-layer length (RFC 8200 section 8.1)', () => {
    const zero = new Uint8Array(16);
    expect(pseudoHeaderSum(zero, zero, 0x10001, 0)).toBe(2);
    expect(pseudoHeaderSum(zero, zero, 8, IPPROTO.UDP)).toBe(8 + 17);
    expect(pseudoHeaderSum(ipv6('::1'), ipv6('::2'), 0, 0)).toBe(3);
  });
});

describe('upperLayerChecksum() and verifyUpperLayerChecksum()', () => {
  // Kernel capture mesh_as_intended_nd link_n1 frame 7: a neighbour solicitation 4321::1 > ff02::1:ff00:2,
  // checksum 0x4b39, "[icmp6 sum ok]" in tcpdump -vv.
  const pkt = packet('mesh_as_intended_nd__link_n1.pcap', 7);
  const src = pkt.subarray(8, 24);
  const dst = pkt.subarray(24, 40);
  const msg = pkt.subarray(40);

  it('computes the kernel checksum of a neighbour solicitation', () => {
    const zeroed = msg.slice();
    zeroed[2] = 0;
    zeroed[3] = 0;
    expect(upperLayerChecksum(src, dst, IPPROTO.ICMPV6, zeroed)).toBe(0x4b39);
  });

  it('verifies the message as sent and refuses it with any byte changed', () => {
    expect(verifyUpperLayerChecksum(src, dst, IPPROTO.ICMPV6, msg)).toBe(true);
    for (const i of [0, 5, 31]) {
      const bad = msg.slice();
      bad[i]! ^= 0x10;
      expect(verifyUpperLayerChecksum(src, dst, IPPROTO.ICMPV6, bad)).toBe(false);
    }
    expect(verifyUpperLayerChecksum(src, dst, IPPROTO.UDP, msg)).toBe(false);
  });
});
