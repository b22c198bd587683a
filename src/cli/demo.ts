/** `xfrmsim demo`: one ICMPv6 echo through AH and ESP on real bytes, printed as tcpdump prints it. */

import { prepareAead } from '../crypto/aead.js';
import { prepareAuth } from '../crypto/auth.js';
import { prepareCipher } from '../crypto/cipher.js';
import { echainivIv, seqivIv } from '../crypto/geniv.js';
import { parseKeyString } from '../crypto/key-string.js';
import { createRandom } from '../crypto/random.js';
import { upperLayerChecksum } from '../wire/checksum.js';
import { emitEthernet } from '../wire/ethernet.js';
import { toHex } from '../wire/hex.js';
import { buildIpv6Packet, IPV6_HEADER_LENGTH } from '../wire/ipv6.js';
import { formatIpv6Address, ipv6 } from '../wire/ipv6-address.js';
import { PcapWriter } from '../wire/pcap.js';
import { ETHERTYPE_IPV6, ICMPV6, IPPROTO } from '../wire/proto.js';
import { PrinterState, printPacket } from '../wire/tcpdump/index.js';
import { ah6Input, ah6TransportOutput } from '../xfrm/ah6.js';
import { type EspCrypto, esp6Input, esp6TransportOutput, esp6TunnelOutput } from '../xfrm/esp6.js';

export interface DemoResult {
  /** What the demo prints. */
  readonly text: string;
  /** Every frame shown, as a capture tcpdump and Wireshark open. */
  readonly pcap: Uint8Array;
  /** Wireshark's esp_sa table (Preferences > Protocols > ESP) for the ESP frames of the pcap. */
  readonly espSa: string;
}

const A = ipv6('4321::1');
const B = ipv6('4321::2');
const MAC_A = Uint8Array.of(0x02, 0, 0, 0, 0, 0x0a);
const MAC_B = Uint8Array.of(0x02, 0, 0, 0, 0, 0x0b);
/** 2026-01-01 12:00:00 UTC: a fixed start, so the demo prints the same timestamps every run. */
const START_US = 1_767_268_800_000_000;

function key(text: string): Uint8Array {
  const k = parseKeyString(text);
  if (!k.ok) throw new Error(k.stderr);
  return k.key;
}

/** An ICMPv6 echo request as ping sends it: 8 bytes of header, then `data`. */
function echoRequest(src: Uint8Array, dst: Uint8Array, id: number, seq: number, data: Uint8Array, flowLabel: number): Uint8Array {
  const icmp = new Uint8Array(8 + data.length);
  icmp[0] = ICMPV6.ECHO_REQUEST;
  icmp[4] = id >> 8;
  icmp[5] = id & 0xff;
  icmp[6] = seq >> 8;
  icmp[7] = seq & 0xff;
  icmp.set(data, 8);
  const sum = upperLayerChecksum(src, dst, IPPROTO.ICMPV6, icmp);
  icmp[2] = sum >> 8;
  icmp[3] = sum & 0xff;
  return buildIpv6Packet({ trafficClass: 0, flowLabel, hopLimit: 64, src, dst }, IPPROTO.ICMPV6, icmp);
}

/**
 * The demo is deterministic: every random byte (flow label, IVs, salts) comes from the seeded
 * source, and time from a fixed start, so the same seed prints the same bytes.
 */
export function runDemo(seed = 'xfrmsim-demo'): DemoResult {
  const rng = createRandom(seed);
  const lines: string[] = [];
  const pcap = new PcapWriter();
  const printer = new PrinterState();
  let timeUs = START_US;
  const show = (title: string, packet: Uint8Array) => {
    const frame = emitEthernet({ dst: MAC_B, src: MAC_A, etherType: ETHERTYPE_IPV6, payload: packet });
    pcap.add(timeUs, frame);
    lines.push(`  ${title}`);
    for (const l of printPacket(frame, { timeUs, verbosity: 2 }, printer).trimEnd().split('\n')) lines.push(`    ${l}`);
    timeUs += 1000;
  };

  lines.push('xfrmsim demo: one ICMPv6 echo request from 4321::1 to 4321::2, protected as Linux 6.1 protects it.');
  lines.push('Every packet below is real bytes, printed as `tcpdump -n -vv` prints it.');
  lines.push('');

  const data = rng.bytes(56);
  const plain = echoRequest(A, B, 0x1234, 1, data, rng.u32() & 0xfffff);
  lines.push('1. The plain packet:');
  show('a > b', plain);
  lines.push('');

  // AH transport, as the article's first example: auth hmac(sha1) with the key "1234".
  const ahAuth = prepareAuth('hmac(sha1)', key('1234'));
  const ah = ah6TransportOutput(plain, { auth: ahAuth, spi: 0x10e1, seq: 1 });
  if (ah.kind !== 'ok') throw new Error(`AH output: ${ah.detail}`);
  lines.push('2. AH transport mode, `auth hmac(sha1) 1234` (ICV truncated to 96 bits, header padded to 8 bytes):');
  show('a > b', ah.packet);
  const ahIn = ah6Input(ah.packet, IPV6_HEADER_LENGTH, ahAuth);
  lines.push(`  b: ${ahIn.kind === 'ok' ? `ICV verified; AH removed, ${ahIn.packet.length} bytes delivered` : `dropped: ${ahIn.reason}`}`);
  const forged = ah.packet.slice();
  forged[forged.length - 1]! ^= 1;
  const forgedIn = ah6Input(forged, IPV6_HEADER_LENGTH, ahAuth);
  lines.push(
    `  b, one payload bit flipped: ${forgedIn.kind === 'drop' ? `dropped (${forgedIn.reason}; Linux counts XfrmInStateProtoError)` : 'accepted (wrong!)'}`,
  );
  lines.push('');

  // ESP transport with cbc(aes) + hmac(sha1); the IV comes from the kernel's echainiv construction.
  const espKeys = { enc: '1234567890123456', auth: '12345678901234567890' };
  const cbc: EspCrypto = {
    cipher: prepareCipher('cbc(aes)', key(espKeys.enc)),
    auth: prepareAuth('hmac(sha1)', key(espKeys.auth)),
  };
  const cbcIv = echainivIv((cbc as { cipher: ReturnType<typeof prepareCipher> }).cipher, rng.bytes(16), 1n);
  const esp = esp6TransportOutput(plain, { crypto: cbc, spi: 0x10e2, seq: 1, iv: cbcIv });
  if (esp.kind !== 'ok') throw new Error(`ESP output: ${esp.detail}`);
  lines.push('3. ESP transport mode, `enc cbc(aes) 1234567890123456 auth hmac(sha1) 12345678901234567890`:');
  show('a > b', esp.packet);
  const espIn = esp6Input(esp.packet, IPV6_HEADER_LENGTH, cbc);
  lines.push(
    espIn.kind === 'ok'
      ? `  b: ICV verified, decrypted (IV ${toHex(espIn.iv)}, pad length ${espIn.padLength}, next header ${espIn.nextHeader}):`
      : `  b: dropped: ${espIn.reason}`,
  );
  if (espIn.kind === 'ok') show('decrypted', espIn.packet);
  lines.push('');

  // ESP tunnel between two gateways with AES-GCM (rfc4106: 16-byte key + 4-byte salt, 128-bit ICV).
  const gcmKey = '0x0102030405060708090a0b0c0d0e0f1011121314';
  const gcm: EspCrypto = { aead: prepareAead('rfc4106(gcm(aes))', key(gcmKey), 128) };
  const gwA = ipv6('4322::1');
  const gwB = ipv6('4322::2');
  const tunnel = esp6TunnelOutput(plain, {
    crypto: gcm,
    spi: 0x10e3,
    seq: 1,
    iv: seqivIv(rng.bytes(8), 1n),
    outer: { src: gwA, dst: gwB, hopLimit: 64 },
  });
  if (tunnel.kind !== 'ok') throw new Error(`ESP tunnel output: ${tunnel.detail}`);
  lines.push(`4. ESP tunnel mode ${formatIpv6Address(gwA)} > ${formatIpv6Address(gwB)}, \`aead rfc4106(gcm(aes)) ${gcmKey} 128\`:`);
  show('gw-a > gw-b', tunnel.packet);
  const tunIn = esp6Input(tunnel.packet, IPV6_HEADER_LENGTH, gcm);
  lines.push(tunIn.kind === 'ok' ? '  gw-b: ICV verified; the inner packet (next header 41):' : `  gw-b: dropped: ${tunIn.reason}`);
  if (tunIn.kind === 'ok') show('inner', tunIn.payload);
  lines.push('');
  lines.push('The stack, netfilter and xfrm models exist as an API; the Linux commands that drive them come next (see the README).');

  const espSa = [
    `"IPv6","${formatIpv6Address(A)}","${formatIpv6Address(B)}","0x000010e2","AES-CBC [RFC3602]","0x${toHex(key(espKeys.enc))}","HMAC-SHA-1-96 [RFC2404]","0x${toHex(key(espKeys.auth))}"`,
    `"IPv6","${formatIpv6Address(gwA)}","${formatIpv6Address(gwB)}","0x000010e3","AES-GCM with 16 octet ICV [RFC4106]","${gcmKey}","NULL",""`,
  ].join('\n');
  return { text: `${lines.join('\n')}\n`, pcap: pcap.bytes(), espSa: `${espSa}\n` };
}
