/**
 * Cross-check with Scapy's SecurityAssociation (scapy.layers.ipsec, an independent implementation):
 * AH and ESP packets built by ah6/esp6 are written to pcaps, and test/tools/py/ipsec_verify.py must
 * verify every ICV, decrypt every ESP packet and hand back the packet we protected.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { prepareAead } from '../../src/crypto/aead.js';
import { prepareAuth } from '../../src/crypto/auth.js';
import { prepareCipher } from '../../src/crypto/cipher.js';
import { echainivIv, seqivIv } from '../../src/crypto/geniv.js';
import { createRandom } from '../../src/crypto/random.js';
import { emitEthernet } from '../../src/wire/ethernet.js';
import { toHex } from '../../src/wire/hex.js';
import { ipv6 } from '../../src/wire/ipv6-address.js';
import { writePcap } from '../../src/wire/pcap.js';
import { ETHERTYPE_IPV6 } from '../../src/wire/proto.js';
import { ah6TransportOutput, ah6TunnelOutput } from '../../src/xfrm/ah6.js';
import { type EspCrypto, esp6TransportOutput, esp6TunnelOutput } from '../../src/xfrm/esp6.js';
import { A, B, echo, IPPROTO, optionsHeader, packet } from '../xfrm/packets.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./py/ipsec_verify.py', import.meta.url));

function requireScapy(): void {
  const hint = 'install Python 3 with Scapy and cryptography (Debian: apt-get install python3-scapy python3-cryptography)';
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: ${hint}`);
  try {
    execFileSync(PYTHON, ['-c', 'import scapy.layers.ipsec, cryptography'], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(`Scapy's IPsec layer does not import (${String(e)}): ${hint}`);
  }
}

const ascii = (s: string) => new TextEncoder().encode(s);
const K32 = Uint8Array.from({ length: 32 }, (_, i) => i);
const rnd = createRandom('crypto-scapy');
const GW = ipv6('7777::1');

/** Plain packets to protect: echo requests of several sizes, and UDP behind a hop-by-hop header. */
function plains(): Uint8Array[] {
  const hbh = optionsHeader([{ type: 0x3e, data: ascii('\xde\xad') }]);
  return [
    packet(IPPROTO.ICMPV6, echo(new Uint8Array(56).fill(0x41), 1, 1)),
    packet(IPPROTO.ICMPV6, echo(rnd.bytes(1), 1, 2), [], { trafficClass: 0xb9, flowLabel: 0xabcde, hopLimit: 1 }),
    packet(IPPROTO.ICMPV6, echo(rnd.bytes(1200), 1, 3)),
    packet(IPPROTO.UDP, rnd.bytes(37), [[IPPROTO.HOPOPTS, hbh]]),
  ];
}

function frames(packets: Uint8Array[]): Uint8Array {
  const mac = (n: number) => new Uint8Array([2, 0, 0, 0, 0, n]);
  return writePcap(
    packets.map((data, i) => ({ timeUs: i, data: emitEthernet({ dst: mac(2), src: mac(1), etherType: ETHERTYPE_IPV6, payload: data }) })),
  );
}

interface Case {
  name: string;
  spec: Record<string, unknown>;
  packets: Uint8Array[];
  /** What Scapy must give back for each packet: the plain packet (transport) or the inner one (tunnel). */
  expected: Uint8Array[];
}

function ahCase(
  name: string,
  mode: 'transport' | 'tunnel',
  authName: string,
  key: Uint8Array,
  bits: number | undefined,
  scapyAuth: string,
  esn?: number,
): Case {
  const auth = prepareAuth(authName, key, bits);
  const expected = plains();
  const packets = expected.map((p, i) => {
    const params = {
      auth,
      spi: 0x1000,
      seq: i + 1,
      padding: rnd.bytes(((12 + auth.icvLength + 7) & ~7) - 12 - auth.icvLength),
      ...(esn === undefined ? {} : { seqHi: esn }),
    };
    const r =
      mode === 'tunnel' ? ah6TunnelOutput(p, { ...params, outer: { src: A, dst: GW, hopLimit: 64 } }) : ah6TransportOutput(p, params);
    if (r.kind !== 'ok') throw new Error(r.detail);
    return r.packet;
  });
  return {
    name,
    spec: { proto: 'ah', spi: 0x1000, mode, auth: scapyAuth, auth_key: toHex(key), auth_icv: auth.icvLength, esn: esn ?? null },
    packets,
    expected,
  };
}

function espCase(name: string, mode: 'transport' | 'tunnel', crypto: EspCrypto, scapy: Record<string, unknown>, esn?: number): Case {
  const expected = plains();
  const salt = rnd.bytes('aead' in crypto ? 8 : crypto.cipher.ivLength);
  const packets = expected.map((p, i) => {
    const seq = i + 1;
    const iv = 'aead' in crypto ? seqivIv(salt, BigInt(seq)) : echainivIv(crypto.cipher, salt, BigInt(seq));
    const params = { crypto, spi: 0x2000, seq, iv, ...(esn === undefined ? {} : { seqHi: esn }) };
    const r =
      mode === 'tunnel' ? esp6TunnelOutput(p, { ...params, outer: { src: A, dst: B, hopLimit: 64 } }) : esp6TransportOutput(p, params);
    if (r.kind !== 'ok') throw new Error(r.detail);
    return r.packet;
  });
  return { name, spec: { proto: 'esp', spi: 0x2000, mode, esn: esn ?? null, ...scapy }, packets, expected };
}

const EK16 = ascii('1234567890123456');
const AK20 = ascii('12345678901234567890');
const GCM_KEY = Uint8Array.from({ length: 20 }, (_, i) => i + 1);
const cbc = (key: Uint8Array, auth?: [string, Uint8Array, number?]) => ({
  cipher: prepareCipher('cbc(aes)', key),
  ...(auth ? { auth: prepareAuth(auth[0], auth[1], auth[2]) } : {}),
});

function cases(): Case[] {
  const out: Case[] = [];
  for (const mode of ['transport', 'tunnel'] as const) {
    out.push(ahCase(`AH hmac(sha1) ${mode}`, mode, 'hmac(sha1)', ascii('1234'), undefined, 'HMAC-SHA1'));
    out.push(ahCase(`AH hmac(sha256) 96 ${mode}`, mode, 'hmac(sha256)', K32, undefined, 'HMAC-SHA256'));
    out.push(ahCase(`AH hmac(sha256) 128 with pad ${mode}`, mode, 'hmac(sha256)', K32, 128, 'HMAC-SHA256'));
    out.push(ahCase(`AH hmac(sha512) ${mode}`, mode, 'hmac(sha512)', K32, undefined, 'HMAC-SHA512'));
    out.push(
      espCase(`ESP cbc(aes) + hmac(sha1) ${mode}`, mode, cbc(EK16, ['hmac(sha1)', AK20]), {
        crypt: 'AES-CBC',
        crypt_key: toHex(EK16),
        auth: 'HMAC-SHA1',
        auth_key: toHex(AK20),
        auth_icv: 12,
      }),
    );
    out.push(
      espCase(`ESP cbc(aes) 256 + hmac(sha256) 128 ${mode}`, mode, cbc(K32, ['hmac(sha256)', K32.subarray(0, 16), 128]), {
        crypt: 'AES-CBC',
        crypt_key: toHex(K32),
        auth: 'HMAC-SHA256',
        auth_key: toHex(K32.subarray(0, 16)),
        auth_icv: 16,
      }),
    );
    for (const icv of [64, 96, 128]) {
      out.push(
        espCase(
          `ESP rfc4106(gcm(aes)) ${icv} ${mode}`,
          mode,
          { aead: prepareAead('rfc4106(gcm(aes))', GCM_KEY, icv) },
          {
            crypt: 'AES-GCM',
            crypt_key: toHex(GCM_KEY),
            crypt_icv: icv / 8,
          },
        ),
      );
    }
  }
  out.push(ahCase('AH hmac(sha1) with ESN high bits', 'transport', 'hmac(sha1)', ascii('1234'), undefined, 'HMAC-SHA1', 0x01020304));
  out.push(
    espCase(
      'ESP rfc4106(gcm(aes)) 128 with ESN high bits',
      'transport',
      { aead: prepareAead('rfc4106(gcm(aes))', GCM_KEY, 128) },
      { crypt: 'AES-GCM', crypt_key: toHex(GCM_KEY), crypt_icv: 16 },
      7,
    ),
  );
  return out;
}

describe('ah6/esp6 against Scapy', () => {
  it('Scapy verifies every ICV, decrypts every ESP packet and gets back exactly the packets we protected', () => {
    requireScapy();
    const dir = mkdtempSync(join(tmpdir(), 'xfrmsim-scapy-'));
    const all = cases();
    const spec = all.map((c, i) => {
      const pcap = join(dir, `case${i}.pcap`);
      writeFileSync(pcap, frames(c.packets));
      return { pcap, ...c.spec };
    });
    writeFileSync(join(dir, 'spec.json'), JSON.stringify({ cases: spec }));
    const stdout = execFileSync(PYTHON, [SCRIPT, join(dir, 'spec.json')], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const { results } = JSON.parse(stdout) as { results: { ok: boolean; plain?: string; error?: string }[][] };
    expect(results).toHaveLength(all.length);
    all.forEach((c, i) => {
      const got = results[i]!;
      expect(got, c.name).toHaveLength(c.packets.length);
      got.forEach((r, j) => {
        expect(r.error ?? '', `${c.name} packet ${j}`).toBe('');
        expect(r.plain, `${c.name} packet ${j}`).toBe(toHex(c.expected[j]!));
      });
    });
  });

  it('Scapy refuses a packet whose ICV we damaged (the check is live)', () => {
    requireScapy();
    const dir = mkdtempSync(join(tmpdir(), 'xfrmsim-scapy-'));
    const c = ahCase('AH hmac(sha1) transport', 'transport', 'hmac(sha1)', ascii('1234'), undefined, 'HMAC-SHA1');
    const e = espCase('ESP cbc+sha1', 'transport', cbc(EK16, ['hmac(sha1)', AK20]), {
      crypt: 'AES-CBC',
      crypt_key: toHex(EK16),
      auth: 'HMAC-SHA1',
      auth_key: toHex(AK20),
      auth_icv: 12,
    });
    const damage = (p: Uint8Array) => {
      const q = p.slice();
      q[q.length - 1] = q[q.length - 1]! ^ 1;
      return q;
    };
    writeFileSync(join(dir, 'ah.pcap'), frames(c.packets.map(damage)));
    writeFileSync(join(dir, 'esp.pcap'), frames(e.packets.map(damage)));
    writeFileSync(
      join(dir, 'spec.json'),
      JSON.stringify({
        cases: [
          { pcap: join(dir, 'ah.pcap'), ...c.spec },
          { pcap: join(dir, 'esp.pcap'), ...e.spec },
        ],
      }),
    );
    const { results } = JSON.parse(execFileSync(PYTHON, [SCRIPT, join(dir, 'spec.json')], { encoding: 'utf8' })) as {
      results: { ok: boolean; error?: string }[][];
    };
    for (const r of results.flat()) expect(r.error).toMatch(/IPSecIntegrityError/);
  });
});
