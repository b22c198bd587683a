import { describe, expect, it } from 'vitest';
import {
  ETH_DST,
  ETH_HEADER_LENGTH,
  ETH_SRC,
  ETH_TYPE,
  emitEthernet,
  formatMac,
  ipv6MulticastMac,
  parseEthernet,
  parseMac,
} from '../../src/wire/ethernet.js';
import { fromHex, toHex } from '../../src/wire/hex.js';
import { ipv6 } from '../../src/wire/ipv6-address.js';
import { ETHERTYPE_IPV6 } from '../../src/wire/proto.js';
import { expectOk } from '../../src/wire/result.js';
import { frames } from './kernel-captures.js';

// Kernel capture mesh_as_intended_nd link_n1; tcpdump -e -n:
// frame 1: "fa:7a:f6:8a:d2:4b > 33:33:00:00:00:16, ethertype IPv6 (0x86dd), length 110: fe80::f87a:f6ff:fe8a:d24b > ff02::16: HBH ..."
// frame 7: "b6:ac:01:de:ef:93 > 33:33:ff:00:00:02, ethertype IPv6 (0x86dd), length 86: 4321::1 > ff02::1:ff00:2: ICMP6, neighbor solicitation"
const CAP = 'mesh_as_intended_nd__link_n1.pcap';

describe('Ethernet', () => {
  it('the named offsets are those of an Ethernet II header', () => {
    expect([ETH_DST, ETH_SRC, ETH_TYPE, ETH_HEADER_LENGTH]).toEqual([0, 6, 12, 14]);
  });

  it('parseEthernet() reads addresses, EtherType and payload of a kernel frame (deconstruct)', () => {
    const f = frames(CAP)[0]!;
    const r = expectOk(parseEthernet(f));
    expect(formatMac(r.dst)).toBe('33:33:00:00:00:16');
    expect(formatMac(r.src)).toBe('fa:7a:f6:8a:d2:4b');
    expect(r.etherType).toBe(ETHERTYPE_IPV6);
    expect(r.payload.length).toBe(110 - 14);
  });

  it('emitEthernet() writes the kernel frame back (construct, length)', () => {
    const f = frames(CAP)[6]!;
    const out = emitEthernet(expectOk(parseEthernet(f)));
    expect(toHex(out)).toBe(toHex(f));
    expect(out.length).toBe(86);
  });

  it('parseEthernet() reports truncation for every prefix shorter than 14 bytes (check-length)', () => {
    const f = frames(CAP)[0]!;
    for (let n = 0; n < 14; n++) {
      const r = parseEthernet(f.subarray(0, n));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ kind: 'truncated', what: 'ethernet', detail: `needs 14 bytes, has ${n}` });
    }
    expect(expectOk(parseEthernet(f.subarray(0, 14))).payload.length).toBe(0);
  });

  it('ipv6MulticastMac() maps a group to 33:33 and its low 32 bits, as the kernel addressed these frames', () => {
    expect(formatMac(ipv6MulticastMac(ipv6('ff02::16')))).toBe('33:33:00:00:00:16');
    expect(formatMac(ipv6MulticastMac(ipv6('ff02::1:ff00:2')))).toBe('33:33:ff:00:00:02');
    expect(toHex(ipv6MulticastMac(ipv6('ff02::1:ff00:2')))).toBe(toHex(frames(CAP)[6]!.subarray(0, 6)));
  });

  it('formatMac() prints two lowercase hex digits per byte and parseMac() reads them back', () => {
    expect(formatMac(fromHex('0a0B0c0d0e0f'))).toBe('0a:0b:0c:0d:0e:0f');
    expect(toHex(expectOk(parseMac('B6:AC:1:de:ef:93')))).toBe('b6ac01deef93');
  });

  it('parseMac() refuses anything but six groups of one or two hex digits', () => {
    for (const bad of ['', 'b6:ac:01:de:ef', 'b6:ac:01:de:ef:93:00', 'b6:ac:01:de:ef:930', 'g6:ac:01:de:ef:93', 'b6-ac-01-de-ef-93']) {
      const r = parseMac(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ kind: 'malformed', what: 'mac address' });
    }
  });
});
