import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { addAddress, deleteAddress } from '../../src/stack/addrconf.js';
import { deviceGroups } from '../../src/stack/mld.js';
import { parseIcmpv6 } from '../../src/wire/icmpv6.js';
import { formatIpv6Address } from '../../src/wire/ipv6-address.js';
import { MLD2 } from '../../src/wire/mld.js';
import { ip, pair, settle } from './helpers.js';

const HEADER = 40;

/** The MLDv2 reports a capture holds: their group records as "group to_ex|to_in". */
function reports(records: readonly { frame: Uint8Array }[]): string[][] {
  const out: string[][] = [];
  for (const r of records) {
    const pkt = r.frame.subarray(14);
    if (pkt[6] !== 0) continue;
    const msg = parseIcmpv6(pkt, HEADER + 8, pkt.subarray(8, 24), pkt.subarray(24, 40));
    if (!msg.ok || msg.value.kind !== 'mld2-report') continue;
    out.push(
      msg.value.records.map((x) => `${formatIpv6Address(x.multicastAddress)} ${x.type === MLD2.CHANGE_TO_EXCLUDE ? 'to_ex' : 'to_in'}`),
    );
  }
  return out;
}

describe('MLDv2 reports (net/ipv6/mcast.c)', () => {
  test('a report: from the link-local address to ff02::16, hop limit 1, the router alert in a hop-by-hop header, a valid checksum', () => {
    const w = pair();
    const a = w.host('a');
    w.advance(1_100_000);
    const cap = a.device('eth0').startCapture();
    addAddress(a, 'eth0', ip('4322::7'), 64, { nodad: true });
    w.advance(1_100_000);
    expect(cap.records).toHaveLength(2);
    const pkt = cap.records[0]!.frame.subarray(14);
    expect(pkt[6]).toBe(0);
    expect(pkt[7]).toBe(1);
    expect(formatIpv6Address(pkt.subarray(8, 24))).toMatch(/^fe80::/);
    expect(formatIpv6Address(pkt.subarray(24, 40))).toBe('ff02::16');
    // mld_newpack's bytes: next header ICMPv6, length 0, router alert (5) of value 0 (MLD), PadN of 0.
    expect([...pkt.subarray(HEADER, HEADER + 8)]).toEqual([58, 0, 5, 2, 0, 0, 1, 0]);
    const msg = parseIcmpv6(pkt, HEADER + 8, pkt.subarray(8, 24), pkt.subarray(24, 40));
    expect(msg.ok).toBe(true);
    // Every group of the device again (ipv6_mc_up), newest first: the new address's, 4321::1's, the link-local's.
    const ll = a.addrs.find((x) => x.dev === 'eth0' && x.addr[0] === 0xfe)!.addr;
    const llGroup = `ff02::1:ff${ll[13]!.toString(16).padStart(2, '0')}:${((ll[14]! << 8) | ll[15]!).toString(16)}`;
    expect(reports(cap.records)).toEqual([
      ['ff02::1:ff00:7 to_ex', 'ff02::1:ff00:1 to_ex', `${llGroup} to_ex`],
      ['ff02::1:ff00:7 to_ex', 'ff02::1:ff00:1 to_ex', `${llGroup} to_ex`],
    ]);
    expect(a.counter('Icmp6OutMLDv2Reports')).toBe(a.counter('Ip6OutMcastPkts'));
  });

  test('two addresses share a solicited-node group: deleting one leaves it joined and reports nothing', () => {
    const w = pair();
    const a = w.host('a');
    addAddress(a, 'eth0', ip('4322::1'), 64, { nodad: true });
    w.advance(1_100_000);
    const group = (g: string) => deviceGroups(a, 'eth0').find((x) => formatIpv6Address(x.addr) === g);
    expect(group('ff02::1:ff00:1')?.users).toBe(2);
    const cap = a.device('eth0').startCapture();
    deleteAddress(a, 'eth0', ip('4322::1'), 64);
    w.advance(1_100_000);
    expect(cap.records).toHaveLength(0);
    expect(group('ff02::1:ff00:1')?.users).toBe(1);
    deleteAddress(a, 'eth0', ip('4321::1'), 64);
    w.advance(1_100_000);
    expect(group('ff02::1:ff00:1')).toBeUndefined();
    expect(reports(cap.records)).toEqual([['ff02::1:ff00:1 to_in'], ['ff02::1:ff00:1 to_in']]);
  });

  test('after any adds and deletes, the device holds the groups of its addresses and every change was reported twice', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 4 })), { maxLength: 12 }), (ops) => {
        const w = settle(pair(`mld-${ops.length}`));
        const a = w.host('a');
        const cap = a.device('eth0').startCapture();
        for (const [add, n] of ops) {
          const addr = ip(`4330::${n}`);
          const has = a.hasAddress(addr) !== undefined;
          if (add && !has) addAddress(a, 'eth0', addr, 64, { nodad: true });
          if (!add && has) deleteAddress(a, 'eth0', addr, 64);
          w.advance(1_100_000);
        }
        const want = new Set(['ff01::1', 'ff02::1']);
        for (const x of a.addrs)
          if (x.dev === 'eth0')
            want.add(formatIpv6Address(Uint8Array.of(0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, x.addr[13]!, x.addr[14]!, x.addr[15]!)));
        expect(new Set(deviceGroups(a, 'eth0').map((g) => formatIpv6Address(g.addr)))).toEqual(want);
        // Reports come in pairs (qrv 2), and nothing is left pending.
        expect(reports(cap.records).length % 2).toBe(0);
        expect(a.counter('Icmp6OutMLDv2Reports')).toBe(a.counter('Ip6OutMcastPkts'));
        const before = cap.records.length;
        w.advance(5_000_000);
        expect(cap.records.length).toBe(before);
      }),
      { numRuns: 25 },
    );
  });
});
