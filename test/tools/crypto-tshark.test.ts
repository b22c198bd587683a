/**
 * Cross-check with Wireshark's ESP dissector: tshark, given the SA keys in an esp_sa UAT, must
 * decrypt the ESP packets esp6 built, find their ICV correct and see the payload we encrypted.
 * UAT fields of tshark 4.0: protocol, src, dst, SPI, encryption, key, authentication, key.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareAead } from '../../src/crypto/aead.js';
import { prepareAuth } from '../../src/crypto/auth.js';
import { prepareCipher } from '../../src/crypto/cipher.js';
import { echainivIv, seqivIv } from '../../src/crypto/geniv.js';
import { createRandom } from '../../src/crypto/random.js';
import { emitEthernet } from '../../src/wire/ethernet.js';
import { toHex } from '../../src/wire/hex.js';
import { writePcap } from '../../src/wire/pcap.js';
import { ETHERTYPE_IPV6 } from '../../src/wire/proto.js';
import { type EspCrypto, esp6TransportOutput, esp6TunnelOutput } from '../../src/xfrm/esp6.js';
import { A, B, echo, IPPROTO, packet } from '../xfrm/packets.js';

function tshark(args: string[]): string {
  try {
    return execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  } catch (e) {
    const err = e as { code?: string; stderr?: string };
    if (err.code === 'ENOENT') throw new Error("tshark is missing: install Wireshark's command-line tool (Debian: apt-get install tshark)");
    throw new Error(`tshark failed: ${err.stderr ?? String(e)}`);
  }
}

const ascii = (s: string) => new TextEncoder().encode(s);
const rnd = createRandom('crypto-tshark');
const K32 = Uint8Array.from({ length: 32 }, (_, i) => i);
const GCM_KEY = Uint8Array.from({ length: 20 }, (_, i) => i + 1);

interface Case {
  name: string;
  mode: 'transport' | 'tunnel';
  crypto: EspCrypto;
  /** Wireshark's names for the algorithms and the key strings it wants (GCM: key followed by salt). */
  uat: [string, string, string, string];
}

const CASES: Case[] = (['transport', 'tunnel'] as const).flatMap((mode) => [
  {
    name: `cbc(aes) + hmac(sha1) ${mode}`,
    mode,
    crypto: {
      cipher: prepareCipher('cbc(aes)', ascii('1234567890123456')),
      auth: prepareAuth('hmac(sha1)', ascii('12345678901234567890')),
    },
    uat: [
      'AES-CBC [RFC3602]',
      '0x' + toHex(ascii('1234567890123456')),
      'HMAC-SHA-1-96 [RFC2404]',
      '0x' + toHex(ascii('12345678901234567890')),
    ],
  },
  {
    name: `cbc(aes) 256 + hmac(sha256) 128 ${mode}`,
    mode,
    crypto: { cipher: prepareCipher('cbc(aes)', K32), auth: prepareAuth('hmac(sha256)', K32.subarray(0, 16), 128) },
    uat: ['AES-CBC [RFC3602]', '0x' + toHex(K32), 'HMAC-SHA-256-128 [RFC4868]', '0x' + toHex(K32.subarray(0, 16))],
  },
  {
    name: `cbc(aes) + hmac(sha256) 96 (the Linux default) ${mode}`,
    mode,
    crypto: { cipher: prepareCipher('cbc(aes)', K32.subarray(0, 16)), auth: prepareAuth('sha256', K32) },
    uat: ['AES-CBC [RFC3602]', '0x' + toHex(K32.subarray(0, 16)), 'HMAC-SHA-256-96 [draft-ietf-ipsec-ciph-sha-256-00]', '0x' + toHex(K32)],
  },
  {
    name: `cbc(aes) 192 + hmac(sha512) ${mode}`,
    mode,
    crypto: { cipher: prepareCipher('cbc(aes)', K32.subarray(0, 24)), auth: prepareAuth('hmac(sha512)', K32) },
    uat: ['AES-CBC [RFC3602]', '0x' + toHex(K32.subarray(0, 24)), 'HMAC-SHA-512-256 [RFC4868]', '0x' + toHex(K32)],
  },
  ...[64, 96, 128].map(
    (icv): Case => ({
      name: `rfc4106(gcm(aes)) ${icv} ${mode}`,
      mode,
      crypto: { aead: prepareAead('rfc4106(gcm(aes))', GCM_KEY, icv) },
      uat: [`AES-GCM with ${icv / 8} octet ICV [RFC4106]`, '0x' + toHex(GCM_KEY), 'NULL', ''],
    }),
  ),
]);

/** Builds three packets for the case: an echo, a 1-byte echo and a large one. */
function build(c: Case): { packets: Uint8Array[]; plains: Uint8Array[] } {
  const plains = [
    packet(IPPROTO.ICMPV6, echo(new Uint8Array(56).fill(0x41), 7, 1)),
    packet(IPPROTO.ICMPV6, echo(rnd.bytes(1), 7, 2)),
    packet(IPPROTO.ICMPV6, echo(rnd.bytes(1000), 7, 3)),
  ];
  const salt = rnd.bytes('aead' in c.crypto ? 8 : 16);
  const packets = plains.map((p, i) => {
    const seq = i + 1;
    const iv = 'aead' in c.crypto ? seqivIv(salt, BigInt(seq)) : echainivIv(c.crypto.cipher, salt, BigInt(seq));
    const params = { crypto: c.crypto, spi: 0x100, seq, iv };
    const r =
      c.mode === 'tunnel' ? esp6TunnelOutput(p, { ...params, outer: { src: A, dst: B, hopLimit: 64 } }) : esp6TransportOutput(p, params);
    if (r.kind !== 'ok') throw new Error(r.detail);
    return r.packet;
  });
  return { packets, plains };
}

function run(c: Case, packets: Uint8Array[]): string[][] {
  const dir = mkdtempSync(join(tmpdir(), 'xfrmsim-tshark-'));
  const file = join(dir, 'esp.pcap');
  const mac = (n: number) => new Uint8Array([2, 0, 0, 0, 0, n]);
  writeFileSync(
    file,
    writePcap(
      packets.map((data, i) => ({ timeUs: i, data: emitEthernet({ dst: mac(2), src: mac(1), etherType: ETHERTYPE_IPV6, payload: data }) })),
    ),
  );
  const uat = ['IPv6', '4321::1', '4321::2', '0x00000100', ...c.uat].map((f) => `"${f}"`).join(',');
  const fields = ['esp.sequence', 'esp.icv_good', 'esp.icv_bad', 'esp.protocol', 'icmpv6.echo.sequence_number', 'data.data'];
  const out = tshark([
    '-n',
    '-r',
    file,
    '-o',
    'esp.enable_encryption_decode:TRUE',
    '-o',
    'esp.enable_authentication_check:TRUE',
    '-o',
    `uat:esp_sa:${uat}`,
    '-T',
    'fields',
    ...fields.flatMap((f) => ['-e', f]),
  ]);
  return out
    .trim()
    .split('\n')
    .map((l) => l.split('\t'));
}

describe('esp6 against tshark', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('tshark decrypts %s, finds the ICV good and reads our echo', (_name, c) => {
    const { packets, plains } = build(c);
    const rows = run(c, packets);
    expect(rows).toHaveLength(packets.length);
    rows.forEach(([seq, good, bad, nextHeader, echoSeq, data], i) => {
      expect([seq, good, bad]).toEqual([String(i + 1), '1', '0']);
      expect(nextHeader).toBe(c.mode === 'tunnel' ? '0x29' : '0x3a');
      expect(echoSeq).toBe(String(i + 1));
      expect(data).toBe(toHex(plains[i]!.subarray(48)));
    });
  });

  it('tshark reports a damaged ICV as bad (the check is live)', () => {
    const c = CASES[0]!;
    const { packets } = build(c);
    const damaged = packets.map((p) => {
      const q = p.slice();
      q[q.length - 1] = q[q.length - 1]! ^ 1;
      return q;
    });
    for (const [, good, bad] of run(c, damaged)) expect([good, bad]).toEqual(['0', '1']);
  });
});
