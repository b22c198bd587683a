/** The kernel's AH/ESP captures (oracle/semantics/vectors, written by e03-wire.sh) and the keys e03 used. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { prepareAead } from '../../src/crypto/aead.js';
import { type PreparedAuth, prepareAuth } from '../../src/crypto/auth.js';
import { prepareCipher } from '../../src/crypto/cipher.js';
import { parseKeyString } from '../../src/crypto/key-string.js';
import { parseEthernet } from '../../src/wire/ethernet.js';
import { IPV6_HEADER_LENGTH, readIpv6 } from '../../src/wire/ipv6.js';
import { readPcap } from '../../src/wire/pcap.js';
import { ETHERTYPE_IPV6 } from '../../src/wire/proto.js';
import { expectOk } from '../../src/wire/result.js';
import type { EspCrypto } from '../../src/xfrm/esp6.js';

/** IPv6 packets of test/fixtures/pcap/vectors__<name>.pcap, Ethernet header and padding removed. */
export function vectorPackets(name: string): Uint8Array[] {
  const path = fileURLToPath(new URL(`../fixtures/pcap/vectors__${name}.pcap`, import.meta.url));
  const file = expectOk(readPcap(new Uint8Array(readFileSync(path))));
  const out: Uint8Array[] = [];
  for (const r of file.records) {
    const eth = expectOk(parseEthernet(r.data));
    if (eth.etherType !== ETHERTYPE_IPV6) continue;
    out.push(eth.payload.slice(0, IPV6_HEADER_LENGTH + readIpv6(eth.payload).payloadLength));
  }
  return out;
}

/** A key string exactly as e03-wire.sh passed it to `ip xfrm state add`. */
export function key(text: string): Uint8Array {
  const r = parseKeyString(text);
  if (!r.ok) throw new Error(r.stderr);
  return r.key;
}

const K32 = '0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';

/** The AH SAs of oracle/semantics/e03-wire.sh (both directions share the algorithm and key). */
export const E03_AH: Record<string, () => PreparedAuth> = {
  'ah-sha1': () => prepareAuth('hmac(sha1)', key('1234')),
  'ah-sha256-96': () => prepareAuth('hmac(sha256)', key(K32)),
  'ah-sha256-128': () => prepareAuth('hmac(sha256)', key(K32), 128),
  'ah-hbh': () => prepareAuth('hmac(sha1)', key('1234')),
  'ah-tunnel': () => prepareAuth('hmac(sha1)', key('1234')),
};

/** The ESP SAs of oracle/semantics/e03-wire.sh. */
export const E03_ESP: Record<string, () => EspCrypto> = {
  'esp-cbc-sha1': () => ({
    cipher: prepareCipher('cbc(aes)', key('1234567890123456')),
    auth: prepareAuth('hmac(sha1)', key('12345678901234567890')),
  }),
  'esp-cbc256-sha256-tun': () => ({
    cipher: prepareCipher('cbc(aes)', key(K32)),
    auth: prepareAuth('hmac(sha256)', key('0x0102030405060708090a0b0c0d0e0f10'), 128),
  }),
  'esp-gcm': () => ({ aead: prepareAead('rfc4106(gcm(aes))', key('0x0102030405060708090a0b0c0d0e0f1011121314'), 128) }),
  'esp-cbc-noauth': () => ({ cipher: prepareCipher('cbc(aes)', key('1234567890123456')) }),
};
