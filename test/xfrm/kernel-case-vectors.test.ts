/**
 * Known answers from the real Linux 6.1 kernel for the algorithms beyond e03's: the AH and ESP
 * packets the kernel sent in the recorded conformance cases x_aead_ccm, x_aead_gmac_chacha,
 * x_auth_aes_mac and x_enc_des_null (test/conformance/kernel/cases/...), checked with the keys those scripts gave
 * `ip xfrm state add`.
 * A packet the model could only open if it had sealed it itself would fail here.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { prepareAead } from '../../src/crypto/aead.js';
import { prepareAuth } from '../../src/crypto/auth.js';
import { prepareCipher } from '../../src/crypto/cipher.js';
import { parseEthernet } from '../../src/wire/ethernet.js';
import { IPV6_HEADER_LENGTH, readIpv6 } from '../../src/wire/ipv6.js';
import { readPcap } from '../../src/wire/pcap.js';
import { ETHERTYPE_IPV6, IPPROTO } from '../../src/wire/proto.js';
import { expectOk } from '../../src/wire/result.js';
import { ah6Input } from '../../src/xfrm/ah6.js';
import { esp6Input } from '../../src/xfrm/esp6.js';
import { key } from './vectors.js';

/** The kernel's AH or ESP packets (a -> b) of a recorded capture, by SPI. */
function ipsecPackets(kase: string, capture: string, proto: number = IPPROTO.ESP): Map<number, Uint8Array> {
  const path = fileURLToPath(new URL(`../conformance/kernel/cases/${kase}/${capture}.pcap`, import.meta.url));
  const out = new Map<number, Uint8Array>();
  for (const r of expectOk(readPcap(new Uint8Array(readFileSync(path)))).records) {
    const eth = expectOk(parseEthernet(r.data));
    if (eth.etherType !== ETHERTYPE_IPV6) continue;
    const packet = eth.payload.slice(0, IPV6_HEADER_LENGTH + readIpv6(eth.payload).payloadLength);
    if (packet[6] !== proto) continue;
    const spiAt = IPV6_HEADER_LENGTH + (proto === IPPROTO.AH ? 4 : 0);
    out.set(new DataView(packet.buffer, packet.byteOffset + spiAt).getUint32(0), packet);
  }
  return out;
}

/** The echo request every case sent: ICMPv6 type 128 with ping's 56 data bytes. */
function expectEchoRequest(r: ReturnType<typeof esp6Input>): void {
  if (r.kind !== 'ok') throw new Error(`${r.reason}: ${r.detail}`);
  expect(r.nextHeader).toBe(IPPROTO.ICMPV6);
  expect(r.payload[0]).toBe(128);
  expect(r.payload).toHaveLength(64);
}

const S3 = 'a1b2c3';
const S4 = '01020304';
const K16 = '0x00112233445566778899aabbccddeeff';
const K24 = `${K16}0011223344556677`;
const K32 = `${K16}00112233445566778899aabbccddeeff`;

describe('the kernel-sent ESP packets of x_aead_ccm open with rfc4309(ccm(aes))', () => {
  const packets = ipsecPackets('x_aead_ccm', 'ccm');
  // x_aead_ccm.sh: spi 0x191.. for keys of 16, 24, 32 bytes, each with ICV 64, 96, 128.
  const cases = [K16, K24, K32].flatMap((k, i) => [64, 96, 128].map((icv, j) => [0x191 + i * 3 + j, k, icv] as const));
  it.each(cases)('spi 0x%s', (spi, k, icv) => {
    const packet = packets.get(spi);
    expect(packet, `spi ${spi.toString(16)} in the capture`).toBeDefined();
    const aead = prepareAead('rfc4309(ccm(aes))', key(`${k}${S3}`), icv);
    expectEchoRequest(esp6Input(packet!, IPV6_HEADER_LENGTH, { aead }));
    // One bit flipped in the payload: the ICV no longer verifies.
    const forged = packet!.slice();
    forged[IPV6_HEADER_LENGTH + 20] = forged[IPV6_HEADER_LENGTH + 20]! ^ 1;
    expect(esp6Input(forged, IPV6_HEADER_LENGTH, { aead }).kind).toBe('drop');
  });
});

describe('the kernel-sent ESP packets of x_aead_gmac_chacha open with rfc4543 and rfc7539esp', () => {
  const packets = ipsecPackets('x_aead_gmac_chacha', 'gmac');
  const cases = [
    [0x1a1, 'rfc4543(gcm(aes))', `${K16}${S4}`],
    [0x1a2, 'rfc4543(gcm(aes))', `${K24}${S4}`],
    [0x1a3, 'rfc4543(gcm(aes))', `${K32}${S4}`],
    [0x1a4, 'rfc7539esp(chacha20,poly1305)', `${K32}${S4}`],
  ] as const;
  it.each(cases)('spi 0x%s: %s', (spi, name, k) => {
    const packet = packets.get(spi);
    expect(packet, `spi ${spi.toString(16)} in the capture`).toBeDefined();
    expectEchoRequest(esp6Input(packet!, IPV6_HEADER_LENGTH, { aead: prepareAead(name, key(k), 128) }));
  });

  it('GMAC leaves the echo request readable on the wire, right after the 8-byte IV', () => {
    const packet = packets.get(0x1a1)!;
    expect(packet[IPV6_HEADER_LENGTH + 16]).toBe(128);
  });
});

describe('the kernel-sent packets of x_auth_aes_mac verify with xcbc(aes) and cmac(aes)', () => {
  const M = '0x000102030405060708090a0b0c0d0e0f';
  const ah = ipsecPackets('x_auth_aes_mac', 'aesmac', IPPROTO.AH);
  const esp = ipsecPackets('x_auth_aes_mac', 'aesmac');
  it.each([
    [0x1c1, 'xcbc(aes)'],
    [0x1c2, 'cmac(aes)'],
  ] as const)('AH spi 0x%s: %s', (spi, name) => {
    const packet = ah.get(spi);
    expect(packet).toBeDefined();
    const r = ah6Input(packet!, IPV6_HEADER_LENGTH, prepareAuth(name, key(M)));
    if (r.kind !== 'ok') throw new Error(`${r.reason}: ${r.detail}`);
    expect(r.payload[0]).toBe(128);
  });
  it.each([
    [0x1c3, 'xcbc(aes)'],
    [0x1c4, 'cmac(aes)'],
  ] as const)('ESP spi 0x%s: cbc(aes) with %s', (spi, name) => {
    const packet = esp.get(spi);
    expect(packet).toBeDefined();
    const crypto = { cipher: prepareCipher('cbc(aes)', key(K16)), auth: prepareAuth(name, key(M)) };
    expectEchoRequest(esp6Input(packet!, IPV6_HEADER_LENGTH, crypto));
  });
});

describe('the kernel-sent ESP packets of x_enc_des_null open with cbc(des3_ede) and cbc(des)', () => {
  const esp = ipsecPackets('x_enc_des_null', 'desnull');
  const A20 = '0x0123456789abcdef0123456789abcdef01234567';
  const A32 = '0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
  const D24 = '0x0123456789abcdeffedcba987654321089abcdef01234567';
  it.each([
    [0x1b1, 'cbc(des3_ede)', D24, 'hmac(sha1)', A20],
    [0x1b2, 'cbc(des3_ede)', D24, 'hmac(sha256)', A32],
    [0x1b3, 'cbc(des)', '0x0123456789abcdef', 'hmac(sha1)', A20],
  ] as const)('spi 0x%s: %s with %s', (spi, enc, encKey, auth, authKey) => {
    const packet = esp.get(spi);
    expect(packet).toBeDefined();
    const crypto = { cipher: prepareCipher(enc, key(encKey)), auth: prepareAuth(auth, key(authKey)) };
    expectEchoRequest(esp6Input(packet!, IPV6_HEADER_LENGTH, crypto));
  });
});
