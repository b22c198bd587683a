import { describe, expect, test } from 'vitest';
import { espSaRow, espSaTable } from '../../src/cli/esp-sa.js';
import { World } from '../../src/stack/world.js';
import { A, B, sa } from '../xfrm/engine-helpers.js';

describe("Wireshark's ESP SA table", () => {
  test('a CBC + HMAC SA gives one row with both keys and the wildcard for a missing source', () => {
    const w = new World();
    const a = w.addHost('a');
    a.xfrm.sad.add({ ...sa({ src: new Uint8Array(16), dst: B, spi: 0x10e1 }) }, 0);
    expect(espSaRow(a.xfrm.sad.list()[0]!)).toBe(
      `"IPv6","*","4321::2","0x000010e1","AES-CBC [RFC3602]","0x${'11'.repeat(16)}","HMAC-SHA-256-96 [draft-ietf-ipsec-ciph-sha-256-00]","0x${'11'.repeat(32)}"`,
    );
  });

  test('a GCM SA names its ICV length and keeps the salt in the key; AH SAs are not listed', () => {
    const w = new World();
    const a = w.addHost('a');
    a.xfrm.sad.add(sa({ src: A, dst: B, spi: 0x10e3, aead: true }), 0);
    a.xfrm.sad.add(sa({ src: A, dst: B, spi: 0x10e4, proto: 'ah' }), 0);
    expect(espSaTable(w)).toBe(
      `"IPv6","4321::1","4321::2","0x000010e3","AES-GCM with 16 octet ICV [RFC4106]","0x${'11'.repeat(20)}","NULL",""\n`,
    );
  });

  test('the same SA in two namespaces is listed once', () => {
    const w = new World();
    for (const h of [w.addHost('a'), w.addHost('b')]) h.xfrm.sad.add(sa({ src: A, dst: B, spi: 0x10e1 }), 0);
    expect(espSaTable(w).split('\n').filter(Boolean)).toHaveLength(1);
  });
});
