import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/wire/hex.js';
import { ipv6 } from '../../src/wire/ipv6-address.js';
import {
  emitNdOptions,
  ND_OPT,
  ND_OPT_PI_FLAG_AUTO,
  ND_OPT_PI_FLAG_ONLINK,
  type NdOption,
  ndOptionLength,
  ndOptionsLength,
  parseNdOptions,
} from '../../src/wire/ndisc.js';
import { expectOk } from '../../src/wire/result.js';
import { packet } from './kernel-captures.js';

// The options of a router advertisement built by Scapy 2.5.0 and read back by tcpdump 4.99.3 -vv as
// "source link-address option (1), length 8 (1): 02:00:00:00:00:01 / mtu option (5), length 8 (1): 1500 /
//  prefix info option (3), length 32 (4): 2001:db8:1::/64, Flags [onlink, auto], valid time 86400s, pref. time 14400s".
const RA_OPTIONS = fromHex('0101020000000001' + '05010000000005dc' + '030440c000015180000038400000000020010db8000100000000000000000000');
const RA_OPTION_VALUES: NdOption[] = [
  { kind: 'source-ll-addr', address: fromHex('020000000001') },
  { kind: 'mtu', mtu: 1500 },
  {
    kind: 'prefix-info',
    prefixLength: 64,
    flags: ND_OPT_PI_FLAG_ONLINK | ND_OPT_PI_FLAG_AUTO,
    validLifetime: 86400,
    preferredLifetime: 14400,
    prefix: ipv6('2001:db8:1::'),
  },
];

describe('ND options', () => {
  it('parseNdOptions() reads the source link-layer address of a kernel neighbour solicitation', () => {
    // mesh_as_intended_nd link_n1 frame 7; tcpdump -vv: "source link-address option (1), length 8 (1): b6:ac:01:de:ef:93".
    const pkt = packet('mesh_as_intended_nd__link_n1.pcap', 7);
    expect(expectOk(parseNdOptions(pkt, 40 + 24))).toEqual([{ kind: 'source-ll-addr', address: fromHex('b6ac01deef93') }]);
  });

  it('parseNdOptions() reads the target link-layer address of a kernel neighbour advertisement', () => {
    // router_as_intended router_eth0 frame 2; tcpdump -vv: "destination link-address option (2), length 8 (1): 3a:dc:41:b0:11:f9".
    const pkt = packet('router_as_intended__router_eth0.pcap', 2);
    expect(expectOk(parseNdOptions(pkt, 40 + 24))).toEqual([{ kind: 'target-ll-addr', address: fromHex('3adc41b011f9') }]);
  });

  it('parseNdOptions() reads link-layer address, MTU and prefix information (deconstruct)', () => {
    expect(expectOk(parseNdOptions(RA_OPTIONS))).toEqual(RA_OPTION_VALUES);
  });

  it('emitNdOptions() writes the same bytes (construct) and ndOptionsLength() counts them (length)', () => {
    expect(toHex(emitNdOptions(RA_OPTION_VALUES))).toBe(toHex(RA_OPTIONS));
    expect(ndOptionsLength(RA_OPTION_VALUES)).toBe(48);
    expect(RA_OPTION_VALUES.map(ndOptionLength)).toEqual([8, 8, 32]);
  });

  it('parseNdOptions() keeps an unknown option, and a known one of the wrong size, as bytes', () => {
    const bytes = fromHex('0e01aabbccddeeff' + '05020000000005dc0000000000000000');
    const opts = expectOk(parseNdOptions(bytes));
    expect(opts).toEqual([
      { kind: 'unknown', type: 0x0e, data: fromHex('aabbccddeeff') },
      { kind: 'unknown', type: ND_OPT.MTU, data: fromHex('0000000005dc0000000000000000') },
    ]);
    expect(toHex(emitNdOptions(opts))).toBe(toHex(bytes));
  });

  it('emitNdOptions() zero-pads a link-layer address to 8 bytes, as ndisc_fill_addr_option does', () => {
    expect(toHex(emitNdOptions([{ kind: 'target-ll-addr', address: fromHex('0102030405') }]))).toBe('0201010203040500');
  });

  it('parseNdOptions() refuses an option of length 0 (RFC 4861 section 4.6)', () => {
    const r = parseNdOptions(fromHex('0100020000000001'));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ kind: 'malformed', what: 'nd.option' });
  });

  it('parseNdOptions() reports truncation for every prefix that cuts an option (check-length)', () => {
    for (let n = 1; n < RA_OPTIONS.length; n++) {
      if (n === 8 || n === 16) continue; // whole options end there
      const r = parseNdOptions(RA_OPTIONS.subarray(0, n));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.kind).toBe('truncated');
    }
    expect(expectOk(parseNdOptions(RA_OPTIONS.subarray(0, 16))).length).toBe(2);
    expect(expectOk(parseNdOptions(new Uint8Array(0)))).toEqual([]);
  });
});
