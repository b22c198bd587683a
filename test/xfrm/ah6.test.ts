import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { prepareAuth } from '../../src/crypto/auth.js';
import { AH_ICV, parseAh } from '../../src/wire/ah.js';
import { concatBytes, toHex } from '../../src/wire/hex.js';
import { ipv6 } from '../../src/wire/ipv6-address.js';
import { expectOk } from '../../src/wire/result.js';
import { ah6Icv, ah6Input, ah6TransportOutput, ah6TunnelOutput } from '../../src/xfrm/ah6.js';
import { A, B, echo, IPPROTO, optionsHeader, packet, routingHeader0 } from './packets.js';

const KEY = new TextEncoder().encode('1234');
const sha1 = () => prepareAuth('hmac(sha1)', KEY);
/** HMAC-SHA1-96 by node:crypto, independent of our auth code. */
const nodeSha1 = (...parts: Uint8Array[]) => {
  const h = createHmac('sha1', KEY);
  for (const p of parts) h.update(p);
  return toHex(new Uint8Array(h.digest()).subarray(0, 12));
};

function out(p: Uint8Array, spi = 0x100, seq = 1) {
  const r = ah6TransportOutput(p, { auth: sha1(), spi, seq });
  if (r.kind !== 'ok') throw new Error(r.detail);
  return r.packet;
}

describe('ah6TransportOutput()', () => {
  it('inserts a 24-byte AH after the IPv6 header for hmac(sha1)-96', () => {
    const plain = packet(IPPROTO.ICMPV6, echo());
    const p = out(plain, 0x1234, 7);
    expect(p).toHaveLength(plain.length + 24);
    expect(p[6]).toBe(IPPROTO.AH);
    expect((p[4]! << 8) | p[5]!).toBe(p.length - 40);
    const ah = expectOk(parseAh(p, 40, 12));
    expect([ah.nextHeader, ah.spi, ah.seq, ah.length, toHex(ah.padding)]).toEqual([IPPROTO.ICMPV6, 0x1234, 7, 24, '']);
    expect(toHex(p.subarray(64))).toBe(toHex(plain.subarray(40)));
    // The header fields are sent unchanged; only the ICV computation zeroes them.
    expect(toHex(p.subarray(0, 4))).toBe(toHex(plain.subarray(0, 4)));
  });

  it('pads a 16-byte ICV to 32 bytes with the given padding, covered by the ICV', () => {
    const auth = prepareAuth('hmac(sha256)', KEY, 128);
    const r = ah6TransportOutput(packet(IPPROTO.ICMPV6, echo()), { auth, spi: 1, seq: 1, padding: new Uint8Array([0, 0, 0, 2]) });
    if (r.kind !== 'ok') throw new Error(r.detail);
    const ah = expectOk(parseAh(r.packet, 40, 16));
    expect([ah.length, toHex(ah.padding)]).toEqual([32, '00000002']);
    const zeroPad = ah6TransportOutput(packet(IPPROTO.ICMPV6, echo()), { auth, spi: 1, seq: 1 });
    if (zeroPad.kind !== 'ok') throw new Error(zeroPad.detail);
    expect(toHex(expectOk(parseAh(zeroPad.packet, 40, 16)).icv)).not.toBe(toHex(ah.icv));
  });

  it('computes the ICV over the packet with traffic class, flow label, hop limit and ICV zeroed (checked with node:crypto)', () => {
    const p = out(packet(IPPROTO.ICMPV6, echo()));
    const zeroed = p.slice();
    zeroed.set([0x60, 0, 0, 0], 0);
    zeroed[7] = 0;
    zeroed.fill(0, 40 + AH_ICV, 40 + AH_ICV + 12);
    expect(toHex(p.subarray(52, 64))).toBe(nodeSha1(zeroed));
  });

  it('keeps hop-by-hop and destination options (no routing header) in front of AH', () => {
    const hbh = optionsHeader([{ type: 0x3e, data: new Uint8Array([0xde, 0xad, 0xbe, 0xef]) }]);
    const dst = optionsHeader([{ type: 0x1e, data: new Uint8Array([1, 2, 3, 4]) }]);
    const p = out(
      packet(IPPROTO.UDP, new Uint8Array(12), [
        [IPPROTO.HOPOPTS, hbh],
        [IPPROTO.DSTOPTS, dst],
      ]),
    );
    expect([p[6], p[40], p[48], p[56]]).toEqual([IPPROTO.HOPOPTS, IPPROTO.DSTOPTS, IPPROTO.AH, IPPROTO.UDP]);
  });

  it('puts AH before destination options that follow a routing header (ip6_find_1stfragopt)', () => {
    const rt = routingHeader0([ipv6('4321::99')], 0);
    const dst = optionsHeader([{ type: 0x1e, data: new Uint8Array(4) }]);
    const p = out(
      packet(IPPROTO.UDP, new Uint8Array(12), [
        [IPPROTO.ROUTING, rt],
        [IPPROTO.DSTOPTS, dst],
      ]),
    );
    expect([p[6], p[40], p[64], p[64 + 24]]).toEqual([IPPROTO.ROUTING, IPPROTO.AH, IPPROTO.DSTOPTS, IPPROTO.UDP]);
  });

  it('zeroes the data of options with the 0x20 bit, and only those, for the ICV', () => {
    const withData = (mutable: number, fixed: number) =>
      out(
        packet(IPPROTO.UDP, new Uint8Array(12), [
          [
            IPPROTO.HOPOPTS,
            optionsHeader([
              { type: 0x3e, data: new Uint8Array([mutable, 0, 0, 0]) },
              { type: 0x1e, data: new Uint8Array([fixed, 0]) },
            ]),
          ],
        ]),
      );
    const icv = (p: Uint8Array) => toHex(p.subarray(48 + AH_ICV, 48 + AH_ICV + 12));
    expect(icv(withData(1, 7))).toBe(icv(withData(2, 7)));
    expect(icv(withData(1, 7))).not.toBe(icv(withData(1, 8)));
  });

  it('computes the ICV over a routing header in its final form but sends it as given', () => {
    // Type 0 header: current destination B, still to visit R1 then final F (segments left 2).
    const r1 = ipv6('4321::11');
    const f = ipv6('4321::ff');
    const sent = out(packet(IPPROTO.ICMPV6, echo(), [[IPPROTO.ROUTING, routingHeader0([r1, f], 2)]]));
    expect(toHex(sent.subarray(24, 40))).toBe(toHex(B));
    expect(sent[43]).toBe(2);
    // What the final receiver sees: destination F, segments left 0, addresses [B, R1].
    const final = sent.slice();
    final.set(f, 24);
    final[43] = 0;
    final.set(B, 48);
    final.set(r1, 64);
    final.set([0x60, 0, 0, 0], 0);
    final[7] = 0;
    const ahAt = 40 + 40;
    final.fill(0, ahAt + AH_ICV, ahAt + AH_ICV + 12);
    expect(toHex(sent.subarray(ahAt + AH_ICV, ahAt + AH_ICV + 12))).toBe(nodeSha1(final));
  });

  it('appends the ESN high bits to the ICV input when given', () => {
    const plain = packet(IPPROTO.ICMPV6, echo());
    const r = ah6TransportOutput(plain, { auth: sha1(), spi: 1, seq: 5, seqHi: 0x01020304 });
    if (r.kind !== 'ok') throw new Error(r.detail);
    const zeroed = r.packet.slice();
    zeroed.set([0x60, 0, 0, 0], 0);
    zeroed[7] = 0;
    zeroed.fill(0, 52, 64);
    expect(toHex(r.packet.subarray(52, 64))).toBe(nodeSha1(zeroed, new Uint8Array([1, 2, 3, 4])));
    expect(ah6Input(r.packet, 40, sha1(), { seqHi: 0x01020304 }).kind).toBe('ok');
    expect(ah6Input(r.packet, 40, sha1())).toMatchObject({ kind: 'drop', reason: 'icv-mismatch' });
  });

  it('refuses a hop-by-hop header whose option overruns it', () => {
    const bad = optionsHeader([{ type: 0x3e, data: new Uint8Array(4) }]);
    bad[3] = 9;
    const r = ah6TransportOutput(packet(IPPROTO.UDP, new Uint8Array(8), [[IPPROTO.HOPOPTS, bad]]), { auth: sha1(), spi: 1, seq: 1 });
    expect(r).toMatchObject({ kind: 'drop', reason: 'bad-options' });
  });
});

describe('ah6TunnelOutput()', () => {
  it('builds outer header, AH with next header 41 and the untouched inner packet', () => {
    const inner = packet(IPPROTO.ICMPV6, echo(), [], { trafficClass: 0x28, flowLabel: 0x12345, hopLimit: 17 });
    const r = ah6TunnelOutput(inner, { auth: sha1(), spi: 0x100, seq: 3, outer: { src: A, dst: ipv6('7777::1'), hopLimit: 64 } });
    if (r.kind !== 'ok') throw new Error(r.detail);
    const p = r.packet;
    expect(p).toHaveLength(40 + 24 + inner.length);
    expect(toHex(p.subarray(0, 4))).toBe(toHex(inner.subarray(0, 4)));
    expect([p[6], p[7], p[40]]).toEqual([IPPROTO.AH, 64, IPPROTO.IPV6]);
    expect(toHex(p.subarray(24, 40))).toBe(toHex(ipv6('7777::1')));
    expect(toHex(p.subarray(64))).toBe(toHex(inner));
  });
});

describe('ah6Input()', () => {
  it('removes AH and restores the next header and payload length', () => {
    const hbh = optionsHeader([{ type: 0x3e, data: new Uint8Array(4) }]);
    const plain = packet(IPPROTO.UDP, new Uint8Array(12).fill(7), [[IPPROTO.HOPOPTS, hbh]]);
    const r = ah6Input(out(plain, 9, 10), 48, sha1());
    if (r.kind !== 'ok') throw new Error(r.detail);
    expect([r.spi, r.seq, r.nextHeader]).toEqual([9, 10, IPPROTO.UDP]);
    expect(toHex(r.packet)).toBe(toHex(plain));
  });

  it('accepts a packet whose traffic class, flow label, hop limit and 0x20 option data changed on the way', () => {
    const hbh = optionsHeader([{ type: 0x3e, data: new Uint8Array(4) }]);
    const p = out(packet(IPPROTO.UDP, new Uint8Array(12), [[IPPROTO.HOPOPTS, hbh]]));
    p.set([0x6f, 0xff, 0xff, 0xff], 0);
    p[7] = 1;
    p[44] = 0x55;
    expect(ah6Input(p, 48, sha1()).kind).toBe('ok');
  });

  it('drops a changed payload byte or address as icv-mismatch', () => {
    const p = out(packet(IPPROTO.ICMPV6, echo()));
    const payload = p.slice();
    payload[payload.length - 1] = payload[payload.length - 1]! ^ 1;
    expect(ah6Input(payload, 40, sha1())).toMatchObject({ kind: 'drop', reason: 'icv-mismatch' });
    const addr = p.slice();
    addr[39] = 9;
    expect(ah6Input(addr, 40, sha1())).toMatchObject({ kind: 'drop', reason: 'icv-mismatch' });
  });

  it('drops an AH length that is neither ALIGN8(12 + truncated ICV) nor ALIGN8(12 + full ICV)', () => {
    const p = out(packet(IPPROTO.ICMPV6, echo()));
    const bad = p.slice();
    bad[41] = 5; // 28 bytes
    expect(ah6Input(bad, 40, sha1())).toMatchObject({ kind: 'drop', reason: 'bad-length' });
  });

  it('accepts the length of a full-length ICV, then checks only the truncated bytes (ah6_input)', () => {
    // Sender with auth-trunc 160: AH of 32 bytes. A 96-bit SA takes the length, zeroes 12 ICV bytes
    // and keeps the other 8 in its input, so the ICV cannot match: icv-mismatch, not bad-length.
    const full = ah6TransportOutput(packet(IPPROTO.ICMPV6, echo()), { auth: prepareAuth('hmac(sha1)', KEY, 160), spi: 1, seq: 1 });
    if (full.kind !== 'ok') throw new Error(full.detail);
    expect(full.packet[41]).toBe(6);
    expect(ah6Input(full.packet, 40, sha1())).toMatchObject({ kind: 'drop', reason: 'icv-mismatch' });
    expect(ah6Input(full.packet, 40, prepareAuth('hmac(sha1)', KEY, 160)).kind).toBe('ok');
  });

  it('drops an AH cut short', () => {
    const p = out(packet(IPPROTO.ICMPV6, new Uint8Array(0)));
    expect(ah6Input(p.subarray(0, 60), 40, sha1())).toMatchObject({ kind: 'drop', reason: 'truncated' });
    expect(ah6Input(p.subarray(0, 50), 40, sha1())).toMatchObject({ kind: 'drop', reason: 'truncated' });
  });

  it('ah6Icv() refuses an offset inside the IPv6 header', () => {
    expect(ah6Icv(sha1(), concatBytes(packet(IPPROTO.ICMPV6, echo())), 20).ok).toBe(false);
  });
});
