/** Wireshark's ESP SA table (the `esp_sa` UAT file, Preferences > Protocols > ESP) for every ESP SA of a world, so Wireshark decrypts the captured ESP (Wireshark: epan/dissectors/packet-ipsec.c). */

import type { World } from '../stack/world.js';
import { toHex } from '../wire/hex.js';
import { formatIpv6Address } from '../wire/ipv6-address.js';
import type { XfrmState } from '../xfrm/state.js';

/** Wireshark's names for the authentication algorithms, by the kernel's name and ICV length in bits. */
const AUTH: Readonly<Record<string, string>> = {
  'hmac(md5)/96': 'HMAC-MD5-96 [RFC2403]',
  'hmac(sha1)/96': 'HMAC-SHA-1-96 [RFC2404]',
  'hmac(sha256)/96': 'HMAC-SHA-256-96 [draft-ietf-ipsec-ciph-sha-256-00]',
  'hmac(sha256)/128': 'HMAC-SHA-256-128 [RFC4868]',
  'hmac(sha384)/192': 'HMAC-SHA-384-192 [RFC4868]',
  'hmac(sha512)/256': 'HMAC-SHA-512-256 [RFC4868]',
};

const GCM_ICV_OCTETS: Readonly<Record<number, string>> = { 64: '8', 96: '12', 128: '16' };

/** One row per ESP SA (each namespace holds its own copy of a shared SA: the rows are deduplicated). */
export function espSaTable(world: World): string {
  const rows = new Set<string>();
  for (const host of world.hosts.values()) for (const x of host.xfrm.sad.list('esp')) rows.add(espSaRow(x));
  return [...rows].map((r) => `${r}\n`).join('');
}

/** A row, or a `#` comment saying why Wireshark cannot be told about this SA. */
export function espSaRow(x: XfrmState): string {
  const spi = `0x${(x.spi >>> 0).toString(16).padStart(8, '0')}`;
  // Wireshark's wildcard for "any address" is *; an SA added without src has ::.
  const addr = (a: Uint8Array) => (a.every((b) => b === 0) ? '*' : formatIpv6Address(a));
  const head = `"IPv6","${addr(x.saddr)}","${addr(x.daddr)}","${spi}"`;
  const { aead, enc, auth } = x.algos;
  if (aead) {
    const octets = GCM_ICV_OCTETS[aead.icvBits];
    if (aead.name !== 'rfc4106(gcm(aes))' || !octets)
      return `# spi ${spi}: Wireshark has no name for ${aead.name} with a ${aead.icvBits}-bit ICV`;
    return `${head},"AES-GCM with ${octets} octet ICV [RFC4106]","0x${toHex(aead.key)}","NULL",""`;
  }
  let encName: string;
  let encKey = '';
  if (!enc || enc.name === 'ecb(cipher_null)') encName = 'NULL';
  else if (enc.name === 'cbc(aes)') {
    encName = 'AES-CBC [RFC3602]';
    encKey = `0x${toHex(enc.key)}`;
  } else return `# spi ${spi}: Wireshark has no name for ${enc.name}`;
  let authName = 'NULL';
  let authKey = '';
  if (auth && auth.name !== 'digest_null') {
    const name = AUTH[`${auth.name}/${auth.truncBits}`];
    if (!name) return `# spi ${spi}: Wireshark has no name for ${auth.name} with a ${auth.truncBits}-bit ICV`;
    authName = name;
    authKey = `0x${toHex(auth.key)}`;
  }
  return `${head},"${encName}","${encKey}","${authName}","${authKey}"`;
}
