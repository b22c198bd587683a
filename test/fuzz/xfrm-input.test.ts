/**
 * Mutated AH and ESP packets through the whole receive path. `npm test` runs a few hundred cases;
 * `npm run fuzz` runs the same properties with FUZZ_RUNS cases each (20000 by default there).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { Host } from '../../src/stack/host.js';
import { injectFrame } from '../../src/stack/ip6-input.js';
import { ping } from '../../src/stack/ping.js';
import type { World } from '../../src/stack/world.js';
import { IPV6_HEADER_LENGTH } from '../../src/wire/ipv6.js';
import { ip, pair } from '../stack/helpers.js';
import { addPolicy, sa } from '../xfrm/engine-helpers.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const A = ip('4321::1');
const B = ip('4321::2');
const ETH = 14;

/** a sends one echo request to b through `proto` in transport mode; returns the world and the frame b received. */
function protectedEcho(proto: 'ah' | 'esp'): { world: World; b: Host; frame: Uint8Array } {
  const w = pair(`fuzz-${proto}`);
  const a = w.host('a');
  const b = w.host('b');
  for (const h of [a, b]) h.xfrm.sad.add(sa({ src: A, dst: B, spi: 0x10e1, proto, replayWindow: 32 }), 0);
  addPolicy(a.xfrm, { dir: 'out', src: A, dst: B, proto: 58, tmpls: [{ proto }] });
  addPolicy(b.xfrm, { dir: 'in', src: A, dst: B, proto: 58, tmpls: [{ proto }] });
  const cap = b.device('eth0').startCapture();
  ping(a, B, { count: 1, timeoutUs: 1_000_000 });
  const frame = cap.records.find((r) => r.direction === 'in' && r.frame[ETH + 6] === (proto === 'ah' ? 51 : 50))!.frame;
  return { world: w, b, frame };
}

/** The bytes the receiver must treat as authentic: from the AH/ESP header to the end of the IPv6 payload. */
function coveredRange(frame: Uint8Array): [number, number] {
  const plen = (frame[ETH + 4]! << 8) | frame[ETH + 5]!;
  return [ETH + IPV6_HEADER_LENGTH, ETH + IPV6_HEADER_LENGTH + plen];
}

type Mutation = { kind: 'flip'; at: number; bit: number } | { kind: 'truncate'; keep: number } | { kind: 'pad'; extra: number[] };

const mutation = (frame: Uint8Array) => {
  const [from, to] = coveredRange(frame);
  return fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.integer({ min: from, max: to - 1 }), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('truncate' as const), keep: fc.integer({ min: ETH, max: frame.length - 1 }) }),
    fc.record({ kind: fc.constant('pad' as const), extra: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 64 }) }),
  );
};

function apply(frame: Uint8Array, m: Mutation): Uint8Array {
  if (m.kind === 'truncate') return frame.slice(0, m.keep);
  if (m.kind === 'pad') return Uint8Array.from([...frame, ...m.extra]);
  const out = frame.slice();
  out[m.at]! ^= 1 << m.bit;
  return out;
}

describe.each(['ah', 'esp'] as const)('%s packets mutated on the wire', (proto) => {
  test('a flipped or cut covered byte is never delivered and ends in exactly one counted drop; bytes past the payload length are trimmed', () => {
    const { world, b, frame } = protectedEcho(proto);
    const [, end] = coveredRange(frame);
    fc.assert(
      fc.property(mutation(frame), (m) => {
        const before = new Map(b.counters);
        const stats = b.xfrm.stats.snapshot();
        const id = injectFrame(b, b.device('eth0'), apply(frame, m), 'fuzzed frame');
        world.run(1_000_000);
        const terminals = world.trace.terminals(id);
        expect(terminals).toHaveLength(1);
        const t = terminals[0]!.step;
        // Trailing bytes past the IPv6 payload length are trimmed (ip6_rcv_core): the packet is intact.
        // It still hits the replay window (the original went through), so it is dropped as a replay.
        const intact = m.kind === 'pad' || (m.kind === 'truncate' && m.keep >= end);
        if (t.kind !== 'dropped') throw new Error(`delivered after ${JSON.stringify(m)}`);
        const raised =
          [...b.counters].some(([k, v]) => v > (before.get(k) ?? 0)) ||
          Object.entries(b.xfrm.stats.snapshot()).some(([k, v]) => v > stats[k as keyof typeof stats]);
        expect(raised, `${t.counter} raised nothing`).toBe(true);
        if (intact) expect(t.counter).toBe('XfrmInStateSeqError');
      }),
      { numRuns: RUNS },
    );
  });
});
