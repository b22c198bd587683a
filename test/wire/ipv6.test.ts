import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/wire/hex.js';
import {
  buildIpv6Packet,
  emitIpv6,
  IPV6_HEADER_LENGTH,
  IPV6_HOP_LIMIT,
  IPV6_NEXT_HEADER,
  IPV6_PAYLOAD_LEN,
  type Ipv6Repr,
  parseIpv6,
  readIpv6,
  writeIpv6,
} from '../../src/wire/ipv6.js';
import { ipv6 } from '../../src/wire/ipv6-address.js';
import { expectOk } from '../../src/wire/result.js';
import { packet } from './kernel-captures.js';

// Kernel capture vectors__ah-sha1.pcap frame 1 (oracle/semantics/e03-wire.sh, ping -Q 0x28 through AH).
// tcpdump -vv: "IP6 (class 0x28, flowlabel 0x25ff9, hlim 64, next-header AH (51) payload length: 88) 4321::1 > 4321::2"
const HEADER = fromHex('62825ff90058334043210000000000000000000000000001' + '43210000000000000000000000000002');
const REPR: Ipv6Repr = {
  trafficClass: 0x28,
  flowLabel: 0x25ff9,
  payloadLength: 88,
  nextHeader: 51,
  hopLimit: 64,
  src: ipv6('4321::1'),
  dst: ipv6('4321::2'),
};

describe('IPv6 header', () => {
  it('parseIpv6() reads every field of a kernel header (deconstruct)', () => {
    const pkt = packet('vectors__ah-sha1.pcap', 1);
    expect(toHex(pkt.subarray(0, 40))).toBe(toHex(HEADER));
    expect(expectOk(parseIpv6(pkt))).toEqual(REPR);
  });

  it('emitIpv6() writes the kernel header byte for byte (construct)', () => {
    expect(toHex(emitIpv6(REPR))).toBe(toHex(HEADER));
  });

  it('IPV6_HEADER_LENGTH is the 40 bytes emitIpv6() writes (length)', () => {
    expect(emitIpv6(REPR).length).toBe(IPV6_HEADER_LENGTH);
    expect(IPV6_HEADER_LENGTH).toBe(40);
  });

  it('parseIpv6() reports truncation for every prefix shorter than 40 bytes (check-length)', () => {
    for (let n = 0; n < 40; n++) {
      const r = parseIpv6(HEADER.subarray(0, n));
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.kind).toBe('truncated');
        expect(r.error.what).toBe('ipv6');
        expect(r.error.detail).toBe(`needs 40 bytes, has ${n}`);
      }
    }
  });

  it('parseIpv6() reports a payload length larger than the bytes that follow, separately', () => {
    const pkt = packet('vectors__ah-sha1.pcap', 1);
    const cut = pkt.subarray(0, pkt.length - 1);
    const r = parseIpv6(cut);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.kind).toBe('truncated');
      expect(r.error.what).toBe('ipv6.payloadLength');
      expect(r.error.detail).toContain('payload length 88 but 87 bytes follow');
    }
  });

  it('parseIpv6() accepts bytes past the payload length (Ethernet padding)', () => {
    const padded = new Uint8Array(HEADER.length + 88 + 6);
    padded.set(HEADER);
    expect(expectOk(parseIpv6(padded)).payloadLength).toBe(88);
  });

  it('parseIpv6() refuses a version other than 6 as malformed', () => {
    const v4 = HEADER.slice();
    v4[0] = 0x45;
    const r = parseIpv6(new Uint8Array([...v4, ...new Uint8Array(88)]));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ kind: 'malformed', what: 'ipv6.version' });
  });

  it('parseIpv6() reads a header at an offset inside a frame', () => {
    const frame = new Uint8Array(14 + 40);
    frame.set(HEADER, 14);
    expect(expectOk(parseIpv6(new Uint8Array([...frame, ...new Uint8Array(88)]), 14))).toEqual(REPR);
  });

  it('parseIpv6() reports truncation at an offset past the end without a negative count', () => {
    const r = parseIpv6(HEADER, 60);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.detail).toBe('needs 40 bytes, has 0');
  });

  it('emitIpv6() keeps only 8 bits of traffic class and 20 bits of flow label', () => {
    const out = emitIpv6({ ...REPR, trafficClass: 0x1ff, flowLabel: 0xfffff });
    expect(toHex(out.subarray(0, 4))).toBe('6fffffff');
    const r = readIpv6(out);
    expect(r.trafficClass).toBe(0xff);
    expect(r.flowLabel).toBe(0xfffff);
  });

  it('writeIpv6() writes into a buffer at an offset and leaves the rest alone', () => {
    const out = new Uint8Array(50).fill(0xaa);
    writeIpv6(REPR, out, 5);
    expect(toHex(out.subarray(5, 45))).toBe(toHex(HEADER));
    expect(out[4]).toBe(0xaa);
    expect(out[45]).toBe(0xaa);
  });

  it('buildIpv6Packet() rebuilds the kernel packet from its header fields and payload', () => {
    const pkt = packet('vectors__ah-sha1.pcap', 1);
    const { payloadLength: _p, nextHeader: _n, ...header } = REPR;
    const built = buildIpv6Packet(header, 51, pkt.subarray(40));
    expect(toHex(built)).toBe(toHex(pkt));
    expect(built[IPV6_NEXT_HEADER]).toBe(51);
    expect((built[IPV6_PAYLOAD_LEN]! << 8) | built[IPV6_PAYLOAD_LEN + 1]!).toBe(88);
    expect(built[IPV6_HOP_LIMIT]).toBe(64);
  });
});
