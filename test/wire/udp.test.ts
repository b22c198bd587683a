import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/wire/hex.js';
import { ipv6 } from '../../src/wire/ipv6-address.js';
import { expectOk } from '../../src/wire/result.js';
import {
  emitUdp,
  emitUdpUnchecked,
  parseUdp,
  UDP_CHECKSUM,
  UDP_DST_PORT,
  UDP_HEADER_LENGTH,
  UDP_LENGTH,
  UDP_SRC_PORT,
  type UdpRepr,
  udpChecksumOk,
  udpLength,
} from '../../src/wire/udp.js';
import { packet } from './kernel-captures.js';

// Kernel capture vectors__ah-hbh.pcap frame 1, bytes 72.. (after hop-by-hop and AH), 4321::1 > 4321::2.
// tcpdump -vv: "41760 > 7777: [udp sum ok] UDP, length 9"; the script sent b"hello-hbh".
const A = ipv6('4321::1');
const B = ipv6('4321::2');
const DATAGRAM = fromHex('a3201e610011a3a3' + toHex(new TextEncoder().encode('hello-hbh')));
const REPR: UdpRepr = { srcPort: 41760, dstPort: 7777, payload: new TextEncoder().encode('hello-hbh') };

describe('UDP', () => {
  it('the named offsets are those of RFC 768', () => {
    expect([UDP_SRC_PORT, UDP_DST_PORT, UDP_LENGTH, UDP_CHECKSUM, UDP_HEADER_LENGTH]).toEqual([0, 2, 4, 6, 8]);
  });

  it('parseUdp() reads ports, length, checksum and payload of a kernel datagram (deconstruct)', () => {
    const pkt = packet('vectors__ah-hbh.pcap', 1);
    expect(toHex(pkt.subarray(72))).toBe(toHex(DATAGRAM));
    expect(expectOk(parseUdp(pkt, 72))).toEqual({ ...REPR, length: 17, checksum: 0xa3a3 });
    expect(udpChecksumOk(A, B, pkt.subarray(72))).toBe(true);
  });

  it('emitUdp() writes the kernel datagram, checksum included (construct)', () => {
    expect(toHex(emitUdp(REPR, A, B))).toBe(toHex(DATAGRAM));
  });

  it('udpLength() is 8 plus the payload (length)', () => {
    expect(udpLength(REPR)).toBe(17);
    expect(emitUdp(REPR, A, B).length).toBe(17);
  });

  it('parseUdp() reports truncation for every prefix of the datagram (check-length)', () => {
    for (let n = 0; n < DATAGRAM.length; n++) {
      const r = parseUdp(DATAGRAM.subarray(0, n));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ kind: 'truncated', what: n < 8 ? 'udp' : 'udp.length' });
    }
  });

  it('emitUdp() sends a checksum that computes to 0 as 0xffff', () => {
    // Scapy 2.5.0: IPv6(src='4321::1', dst='4321::2')/UDP(sport=1000, dport=2000)/b'\x6d\xdd' has checksum field ffff.
    const out = emitUdp({ srcPort: 1000, dstPort: 2000, payload: fromHex('6ddd') }, A, B);
    expect(toHex(out)).toBe('03e807d0000affff6ddd');
    expect(udpChecksumOk(A, B, out)).toBe(true);
  });

  it('udpChecksumOk() refuses a zero checksum field over IPv6 (udp6_csum_zero_error)', () => {
    const zero = emitUdpUnchecked(REPR);
    expect(zero[UDP_CHECKSUM]).toBe(0);
    expect(zero[UDP_CHECKSUM + 1]).toBe(0);
    expect(udpChecksumOk(A, B, zero)).toBe(false);
  });

  it('udpChecksumOk() fails on a flipped bit, another address, or a bad length field', () => {
    const bad = DATAGRAM.slice();
    bad[10]! ^= 0x80;
    expect(udpChecksumOk(A, B, bad)).toBe(false);
    expect(udpChecksumOk(A, ipv6('4321::3'), DATAGRAM)).toBe(false);
    expect(udpChecksumOk(A, B, DATAGRAM.subarray(0, 7))).toBe(false);
    const long = DATAGRAM.slice();
    long[UDP_LENGTH + 1] = 0x20;
    expect(udpChecksumOk(A, B, long)).toBe(false);
  });

  it('parseUdp() and udpChecksumOk() ignore bytes past the length field', () => {
    const padded = new Uint8Array([...DATAGRAM, 0, 0, 0]);
    expect(expectOk(parseUdp(padded)).payload).toEqual(REPR.payload);
    expect(udpChecksumOk(A, B, padded)).toBe(true);
  });

  it('parseUdp() refuses a length field below 8', () => {
    const r = parseUdp(fromHex('0001000200070000'));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ kind: 'malformed', what: 'udp.length' });
  });

  it('parseUdp() takes a length of 0 as "all the bytes" (jumbogram, RFC 2675)', () => {
    const r = expectOk(parseUdp(fromHex('00010002' + '0000' + '0000' + 'aabbcc')));
    expect(r.length).toBe(0);
    expect(toHex(r.payload)).toBe('aabbcc');
  });

  it('emitUdpUnchecked() writes a length of 0 above 65535 bytes', () => {
    const out = emitUdpUnchecked({ srcPort: 1, dstPort: 2, payload: new Uint8Array(70000) });
    expect(out[UDP_LENGTH]).toBe(0);
    expect(out[UDP_LENGTH + 1]).toBe(0);
    expect(expectOk(parseUdp(out)).payload.length).toBe(70000);
  });
});
