import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/wire/hex.js';
import { formatIpv6Address, IPV6_ADDRESS_LENGTH, ipv6, parseIpv6Address, UNSPECIFIED } from '../../src/wire/ipv6-address.js';

// Known answers from glibc 2.36 (Debian 12) through Python's socket.inet_pton / socket.inet_ntop(AF_INET6, ...):
// the text each input parses to (null: refused), and the text each address prints as.
const PTON: [string, string | null][] = [
  ['::', '00000000000000000000000000000000'],
  ['::1', '00000000000000000000000000000001'],
  ['1::', '00010000000000000000000000000000'],
  ['4321::1', '43210000000000000000000000000001'],
  ['fe80::1', 'fe800000000000000000000000000001'],
  ['FE80::ABCD', 'fe80000000000000000000000000abcd'],
  ['::ffff:192.0.2.1', '00000000000000000000ffffc0000201'],
  ['::192.0.2.1', '000000000000000000000000c0000201'],
  ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
  ['1:2:3:4:5:6:1.2.3.4', '00010002000300040005000601020304'],
  ['1::2:3:4:5:6:7', '00010000000200030004000500060007'],
  ['1:2:3:4:5:6:7::', '00010002000300040005000600070000'],
  ['::2:3:4:5:6:7:8', '00000002000300040005000600070008'],
  ['0001:0002::', '00010002000000000000000000000000'],
  ['00001::', null],
  [':::', null],
  ['1::2::3', null],
  ['12345::', null],
  ['g::', null],
  ['1:2:3:4:5:6:7:8:9', null],
  ['1:2:3:4:5:6:7', null],
  ['::1.2.3', null],
  ['::256.1.1.1', null],
  ['1.2.3.4::', null],
  ['', null],
  [':1::', null],
  ['1::2:', null],
  ['::01.2.3.4', null],
  ['::1.2.3.04', null],
  ['::1.2.3.4.5', null],
  ['1:2:3:4:5:6:7:1.2.3.4', null],
  ['::ffff:1.2.3.4:1', null],
  ['fe80::1%eth0', null],
  ['1:2:3:4:5:6:7:8::', null],
  ['::1:2:3:4:5:6:7:8', null],
  [' ::1', null],
  ['::1 ', null],
  ['1:::2', null],
  ['::0:0:0:0:0:0:0', '00000000000000000000000000000000'],
  ['::0:0:0:0:0:0:0:0', null],
  ['[::1]', null],
  ['::ffff:0.0.0.0', '00000000000000000000ffff00000000'],
  ['::1.2.3.4', '00000000000000000000000001020304'],
  ['0:0:0:0:0:0:0:0', '00000000000000000000000000000000'],
  ['abcd:ef01:2345:6789:abcd:ef01:2345:6789', 'abcdef0123456789abcdef0123456789'],
];
const NTOP: [string, string][] = [
  ['00000000000000000000000000000000', '::'],
  ['00000000000000000000000000000001', '::1'],
  ['00010000000000000000000000000000', '1::'],
  ['00010000000000010000000000000000', '1:0:0:1::'],
  ['00010000000200000000000000000003', '1:0:2::3'],
  ['00010000000000020000000000030004', '1::2:0:0:3:4'],
  ['00010000000100010001000100010001', '1:0:1:1:1:1:1:1'],
  ['00000000000000000000ffffc0000201', '::ffff:192.0.2.1'],
  ['000000000000000000000000c0000201', '::192.0.2.1'],
  ['000000000000000000000000000000ff', '::ff'],
  ['0000000000000000000000000001ffff', '::0.1.255.255'],
  ['00000000000000000000ffff00000000', '::ffff:0.0.0.0'],
  ['0000000000000000ffff0000c0000201', '::ffff:0:c000:201'],
  ['fe800000000000000000000000000001', 'fe80::1'],
  ['ff020000000000000000000000000016', 'ff02::16'],
  ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
  ['00000000000000000000000100000000', '::1:0:0'],
  ['00000000000000000001000000000000', '::1:0:0:0'],
  ['0000000000000000000000000000ffff', '::ffff'],
  ['00000000000000000000fffe01020304', '::fffe:102:304'],
  ['0000000000000000000000000000fffe', '::fffe'],
  ['00010000000000000000000000000000', '1::'],
  ['12340000abcd00000000000000000000', '1234:0:abcd::'],
];
describe('parseIpv6Address()', () => {
  it.each(PTON)('reads %j as glibc inet_pton does', (text, hex) => {
    const r = parseIpv6Address(text);
    if (hex === null) {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ kind: 'malformed', what: 'ipv6 address' });
    } else {
      expect(r.ok).toBe(true);
      if (r.ok) expect(toHex(r.value)).toBe(hex);
    }
  });

  it('refuses text longer than the longest address (45 characters)', () => {
    expect(parseIpv6Address('0000:0000:0000:0000:0000:ffff:255.255.255.255').ok).toBe(true);
    expect(parseIpv6Address('00000:0000:0000:0000:0000:ffff:255.255.255.255').ok).toBe(false);
  });
});

describe('formatIpv6Address()', () => {
  it.each(NTOP)('prints %s as glibc inet_ntop does (%s)', (hex, text) => {
    expect(formatIpv6Address(fromHex(hex))).toBe(text);
  });

  it('reads the address at an offset, e.g. the source of an IPv6 header', () => {
    const hdr = new Uint8Array(40);
    hdr.set(fromHex('fe800000000000000000000000000001'), 8);
    expect(formatIpv6Address(hdr, 8)).toBe('fe80::1');
  });
});

describe('ipv6() and constants', () => {
  it('ipv6() returns the 16 bytes of a literal and throws on a bad one', () => {
    expect(toHex(ipv6('4321::2'))).toBe('43210000000000000000000000000002');
    expect(() => ipv6('4321::2::1')).toThrow(/not an IPv6 address/);
  });

  it('UNSPECIFIED is :: and IPV6_ADDRESS_LENGTH is 16', () => {
    expect(formatIpv6Address(UNSPECIFIED)).toBe('::');
    expect(UNSPECIFIED.length).toBe(IPV6_ADDRESS_LENGTH);
    expect(IPV6_ADDRESS_LENGTH).toBe(16);
  });
});
