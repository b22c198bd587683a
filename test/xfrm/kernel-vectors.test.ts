/**
 * Known answers from the real Linux 6.1 kernel: the e03 captures (oracle/semantics/vectors, copied to
 * test/fixtures/pcap/vectors__*.pcap), a = 4321::1 -> b = 4321::2 (SPI 0x100) and back (0x101),
 * with the keys of oracle/semantics/e03-wire.sh. Expected packet counts are those of out/e03.log.
 */
import { describe, expect, it } from 'vitest';
import { prepareCipher } from '../../src/crypto/cipher.js';
import { echainivIv, seqivIv } from '../../src/crypto/geniv.js';
import { AH_ICV, parseAh } from '../../src/wire/ah.js';
import { walkExtensionHeaders } from '../../src/wire/ext-headers.js';
import { toHex } from '../../src/wire/hex.js';
import { IPV6_HEADER_LENGTH, readIpv6 } from '../../src/wire/ipv6.js';
import { IPPROTO } from '../../src/wire/proto.js';
import { expectOk } from '../../src/wire/result.js';
import { ah6Icv, ah6Input, ah6TransportOutput, ah6TunnelOutput } from '../../src/xfrm/ah6.js';
import { esp6Input, esp6TransportOutput, esp6TunnelOutput } from '../../src/xfrm/esp6.js';
import { E03_AH, E03_ESP, key, vectorPackets } from './vectors.js';

/** Packets whose header chain reaches `proto`, with the offset of that header. */
function withHeader(name: string, proto: number): { packet: Uint8Array; offset: number }[] {
  const out: { packet: Uint8Array; offset: number }[] = [];
  for (const packet of vectorPackets(name)) {
    const chain = expectOk(walkExtensionHeaders(packet));
    if (chain.upperProtocol === proto) out.push({ packet, offset: chain.upperOffset });
  }
  return out;
}

/** The outer header's addresses and hop limit, as a tunnel SA from a to b would set them. */
function outerOf(packet: Uint8Array) {
  const h = readIpv6(packet);
  return { src: h.src, dst: h.dst, hopLimit: h.hopLimit };
}

/** The echo request/reply e03 sent: `ping -p 41424344` fills the data with that pattern. */
function expectEcho(icmp: Uint8Array): void {
  expect([128, 129]).toContain(icmp[0]);
  expect(icmp).toHaveLength(64);
  expect(toHex(icmp.subarray(icmp.length - 8))).toBe('4142434441424344');
}

const AH_VECTORS: [string, 'transport' | 'tunnel', number][] = [
  ['ah-sha1', 'transport', 4],
  ['ah-sha256-96', 'transport', 4],
  ['ah-sha256-128', 'transport', 4],
  ['ah-hbh', 'transport', 2],
  ['ah-tunnel', 'tunnel', 2],
];

describe('ah6 against the kernel', () => {
  it.each(AH_VECTORS)('ah6Icv() equals the kernel ICV byte for byte for every AH packet of %s', (name, _mode, count) => {
    const auth = E03_AH[name]!();
    const packets = withHeader(name, IPPROTO.AH);
    expect(packets).toHaveLength(count);
    for (const { packet, offset } of packets) {
      const sent = packet.subarray(offset + AH_ICV, offset + AH_ICV + auth.icvLength);
      expect(toHex(expectOk(ah6Icv(auth, packet, offset)))).toBe(toHex(sent));
    }
  });

  it.each(AH_VECTORS)('ah6Input() accepts every AH packet of %s and output rebuilds it exactly', (name, mode, count) => {
    const auth = E03_AH[name]!();
    const packets = withHeader(name, IPPROTO.AH);
    expect(packets).toHaveLength(count);
    for (const { packet, offset } of packets) {
      const ah = expectOk(parseAh(packet, offset, auth.icvLength));
      const r = ah6Input(packet, offset, auth);
      if (r.kind !== 'ok') throw new Error(`${name}: ${r.reason} ${r.detail}`);
      expect([r.spi, r.seq, r.nextHeader]).toEqual([ah.spi, ah.seq, ah.nextHeader]);
      const params = { auth, spi: ah.spi, seq: ah.seq, padding: ah.padding };
      const again =
        mode === 'tunnel' ? ah6TunnelOutput(r.payload, { ...params, outer: outerOf(packet) }) : ah6TransportOutput(r.packet, params);
      if (again.kind !== 'ok') throw new Error(again.detail);
      expect(toHex(again.packet)).toBe(toHex(packet));
    }
  });

  it('ah6Input() of the hop-by-hop capture gives back UDP behind the hop-by-hop header', () => {
    // e03 ah-hbh: HBH option 0x3e (may change) with data deadbeef, then AH, then "hello-hbh" to port 7777.
    const [first] = withHeader('ah-hbh', IPPROTO.AH);
    const auth = E03_AH['ah-hbh']!();
    const r = ah6Input(first!.packet, first!.offset, auth);
    if (r.kind !== 'ok') throw new Error(r.detail);
    expect(r.packet[6]).toBe(IPPROTO.HOPOPTS);
    expect(toHex(r.packet.subarray(40, 48))).toBe('11003e04deadbeef');
    expect(new TextDecoder().decode(r.packet.subarray(56))).toBe('hello-hbh');
  });

  it('ah6Input() of the tunnel capture yields the inner echo request', () => {
    const auth = E03_AH['ah-tunnel']!();
    for (const { packet, offset } of withHeader('ah-tunnel', IPPROTO.AH)) {
      const r = ah6Input(packet, offset, auth);
      if (r.kind !== 'ok') throw new Error(r.detail);
      expect(r.nextHeader).toBe(IPPROTO.IPV6);
      expectEcho(r.payload.subarray(IPV6_HEADER_LENGTH));
    }
  });
});

const ESP_VECTORS: [string, 'transport' | 'tunnel', number][] = [
  ['esp-cbc-sha1', 'transport', 4],
  ['esp-cbc256-sha256-tun', 'tunnel', 2],
  ['esp-gcm', 'transport', 4],
  ['esp-cbc-noauth', 'transport', 4],
];

describe('esp6 against the kernel', () => {
  it.each(ESP_VECTORS)('every ESP packet of %s verifies and decrypts to the echo e03 sent', (name, mode, count) => {
    const crypto = E03_ESP[name]!();
    const packets = withHeader(name, IPPROTO.ESP);
    expect(packets).toHaveLength(count);
    for (const { packet, offset } of packets) {
      const r = esp6Input(packet, offset, crypto);
      if (r.kind !== 'ok') throw new Error(`${name}: ${r.reason} ${r.detail}`);
      if (mode === 'tunnel') {
        expect(r.nextHeader).toBe(IPPROTO.IPV6);
        expect(toHex(r.payload.subarray(8, 40))).toBe(toHex(packet.subarray(8, 40)));
        expectEcho(r.payload.subarray(IPV6_HEADER_LENGTH));
      } else {
        expect(r.nextHeader).toBe(IPPROTO.ICMPV6);
        expectEcho(r.payload);
        expect(r.packet[6]).toBe(IPPROTO.ICMPV6);
      }
      // The kernel's padding: 1, 2, 3, ... (e03-verify.py printed pad=0102...).
      expect([...r.padding]).toEqual(Array.from({ length: r.padLength }, (_, i) => i + 1));
    }
  });

  it.each(ESP_VECTORS)('re-encrypting each payload of %s with the kernel IV gives the kernel packet exactly', (name, mode) => {
    const crypto = E03_ESP[name]!();
    for (const { packet, offset } of withHeader(name, IPPROTO.ESP)) {
      const r = esp6Input(packet, offset, crypto);
      if (r.kind !== 'ok') throw new Error(r.detail);
      const params = { crypto, spi: r.spi, seq: r.seq, iv: r.iv };
      const again =
        mode === 'tunnel' ? esp6TunnelOutput(r.payload, { ...params, outer: outerOf(packet) }) : esp6TransportOutput(r.packet, params);
      if (again.kind !== 'ok') throw new Error(again.detail);
      expect(toHex(again.packet)).toBe(toHex(packet));
    }
  });

  it.each(ESP_VECTORS.filter(([n]) => n !== 'esp-cbc-noauth'))('flipping one ICV bit of each %s packet makes it fail', (name) => {
    const crypto = E03_ESP[name]!();
    for (const { packet, offset } of withHeader(name, IPPROTO.ESP)) {
      const bad = packet.slice();
      bad[bad.length - 1] = bad[bad.length - 1]! ^ 1;
      expect(esp6Input(bad, offset, crypto)).toMatchObject({ kind: 'drop', reason: 'icv-mismatch' });
    }
  });
});

/** Packets of one SA (one SPI), in sequence order. */
function bySpi(name: string, spi: number) {
  return withHeader(name, IPPROTO.ESP)
    .map(({ packet, offset }) => ({ view: new DataView(packet.buffer, packet.byteOffset + offset), packet, offset }))
    .filter((p) => p.view.getUint32(0) === spi)
    .map((p) => ({ seq: p.view.getUint32(4), packet: p.packet, offset: p.offset }));
}

describe('IV generators against the kernel', () => {
  it('echainivIv() reproduces the CBC IV the kernel sent for seq 2 from the one it sent for seq 1', () => {
    // echainiv: IV field = E_K((salt | 1) * seq), per 64-bit little-endian chunk. Decrypting seq 1's
    // IV gives salt | 1 itself, from which seq 2's IV follows if the model is right.
    for (const name of ['esp-cbc-sha1', 'esp-cbc-noauth'] as const) {
      const cipher = prepareCipher('cbc(aes)', key('1234567890123456'));
      for (const spi of [0x100, 0x101]) {
        const [one, two] = bySpi(name, spi);
        expect([one?.seq, two?.seq]).toEqual([1, 2]);
        const iv1 = one!.packet.slice(one!.offset + 8, one!.offset + 24);
        const iv2 = two!.packet.slice(two!.offset + 8, two!.offset + 24);
        const salt = cipher.decrypt(new Uint8Array(16), iv1);
        expect(toHex(echainivIv(cipher, salt, 1n))).toBe(toHex(iv1));
        expect(toHex(echainivIv(cipher, salt, 2n))).toBe(toHex(iv2));
      }
    }
  });

  it('seqivIv() reproduces the GCM IV the kernel sent for seq 2 from the one it sent for seq 1', () => {
    for (const spi of [0x100, 0x101]) {
      const [one, two] = bySpi('esp-gcm', spi);
      const iv1 = one!.packet.slice(one!.offset + 8, one!.offset + 16);
      const iv2 = two!.packet.slice(two!.offset + 8, two!.offset + 16);
      const salt = iv1.slice();
      salt[7] = salt[7]! ^ 1;
      expect(toHex(seqivIv(salt, 1n))).toBe(toHex(iv1));
      expect(toHex(seqivIv(salt, 2n))).toBe(toHex(iv2));
    }
  });
});
