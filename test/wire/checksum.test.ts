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

describe('upperLayerChecksum() on the kernel UDP and TCP tcpdump judged', () => {
  const withZeroField = (upper: Uint8Array, at: number) => {
    const copy = upper.slice();
    copy[at] = 0;
    copy[at + 1] = 0;
    return copy;
  };

  it('computes the checksum of an odd-length UDP datagram behind hop-by-hop and AH (0xa3a3)', () => {
    // vectors__ah-hbh.pcap frame 1: UDP at byte 72 ("a320 1e61 0011 a3a3", 9 bytes "hello-hbh"), tcpdump "[udp sum ok]".
    const pkt = packet('vectors__ah-hbh.pcap', 1);
    const [src, dst, udp] = [pkt.subarray(8, 24), pkt.subarray(24, 40), pkt.subarray(72)];
    expect(udp.length).toBe(17);
    expect(upperLayerChecksum(src, dst, IPPROTO.UDP, withZeroField(udp, 6))).toBe(0xa3a3);
    expect(verifyUpperLayerChecksum(src, dst, IPPROTO.UDP, udp)).toBe(true);
  });

  it('finds the TCP checksum tcpdump calls incorrect, and the value it says is right (0x8797 -> 0x380e)', () => {
    // router_as_intended__link_router_internal.pcap frame 8, a SYN-ACK sent with checksum offload:
    // tcpdump -vv "cksum 0x8797 (incorrect -> 0x380e)"; frame 7, the SYN: "cksum 0x4240 (correct)".
    const synAck = packet('router_as_intended__link_router_internal.pcap', 8);
    const [src, dst, seg] = [synAck.subarray(8, 24), synAck.subarray(24, 40), synAck.subarray(40)];
    expect(verifyUpperLayerChecksum(src, dst, IPPROTO.TCP, seg)).toBe(false);
    expect(upperLayerChecksum(src, dst, IPPROTO.TCP, withZeroField(seg, 16))).toBe(0x380e);
    const syn = packet('router_as_intended__link_router_internal.pcap', 7);
    expect(verifyUpperLayerChecksum(syn.subarray(8, 24), syn.subarray(24, 40), IPPROTO.TCP, syn.subarray(40))).toBe(true);
    expect(upperLayerChecksum(syn.subarray(8, 24), syn.subarray(24, 40), IPPROTO.TCP, withZeroField(syn.subarray(40), 16))).toBe(0x4240);
  });
});
