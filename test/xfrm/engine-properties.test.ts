import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { xfrmInput } from '../../src/xfrm/input.js';
import type { XfrmNamespace } from '../../src/xfrm/namespace.js';
import { type XfrmSecPathEntry, xfrmLookupOutput } from '../../src/xfrm/output.js';
import { xfrmPolicyCheck } from '../../src/xfrm/policy-check.js';
import { A, addPolicy, B, echoFlow, echoPacket, GW_A, GW_B, makeNs, outCtx, sa, type TmplSpec } from './engine-helpers.js';

const LO = 1;

interface TmplGen {
  proto: 'esp' | 'ah';
  tunnel: boolean;
  reqid: number;
  use: boolean;
  /** What A and B hold for this template: both the SA, A only, B with another key, B with a window, none. */
  sas: 'both' | 'a-only' | 'b-badkey' | 'none';
}

const tmplArb: fc.Arbitrary<TmplGen> = fc.record({
  proto: fc.constantFrom('esp' as const, 'ah' as const),
  tunnel: fc.boolean(),
  reqid: fc.constantFrom(0, 1),
  use: fc.boolean(),
  sas: fc.constantFrom('both' as const, 'both' as const, 'both' as const, 'a-only' as const, 'b-badkey' as const, 'none' as const),
});

const scenarioArb = fc.record({
  tmpls: fc.array(tmplArb, { maxLength: 3 }),
  outAction: fc.constantFrom('allow' as const, 'allow' as const, 'block' as const, 'none' as const),
  /** B's in policy: none, the mirror of A's templates, or only the first of them required. */
  inPolicy: fc.constantFrom('none' as const, 'mirror' as const, 'first' as const, 'block' as const),
  seq: fc.integer({ min: 1, max: 5 }),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

function tmplSpec(t: TmplGen): TmplSpec {
  // An optional tunnel template is refused in an out policy (validate_tmpl), so tunnels stay required.
  return {
    proto: t.proto,
    mode: t.tunnel ? 'tunnel' : 'transport',
    reqid: t.reqid,
    level: t.use && !t.tunnel ? 'use' : 'required',
    ...(t.tunnel ? { src: GW_A, dst: GW_B } : {}),
  };
}

function build(s: Scenario, seed: string): { a: XfrmNamespace; b: XfrmNamespace } {
  const a = makeNs(`${seed}a`);
  const b = makeNs(`${seed}b`);
  let cur = { src: A, dst: B };
  s.tmpls.forEach((t, i) => {
    if (t.tunnel) cur = { src: GW_A, dst: GW_B };
    const spec = { proto: t.proto, spi: 0x100 + i, mode: t.tunnel ? ('tunnel' as const) : ('transport' as const), reqid: t.reqid, ...cur };
    if (t.sas !== 'none') a.sad.add(sa(spec), 0);
    if (t.sas === 'both') b.sad.add(sa(spec), 0);
    if (t.sas === 'b-badkey') b.sad.add(sa({ ...spec, keyByte: 0x77 }), 0);
  });
  if (s.outAction !== 'none') addPolicy(a, { dir: 'out', action: s.outAction, tmpls: s.tmpls.map(tmplSpec) });
  if (s.inPolicy === 'block') addPolicy(b, { dir: 'in', action: 'block' });
  if (s.inPolicy === 'mirror') addPolicy(b, { dir: 'in', tmpls: s.tmpls.map(tmplSpec) });
  if (s.inPolicy === 'first' && s.tmpls.length > 0) addPolicy(b, { dir: 'in', tmpls: [tmplSpec(s.tmpls[0]!)] });
  return { a, b };
}

type Outcome = { kind: 'delivered'; bytes: Uint8Array } | { kind: 'dropped'; where: string };

/** A sends one echo request; B receives it through every AH/ESP header, then checks its in policy. */
function run(a: XfrmNamespace, b: XfrmNamespace, seq: number, watch: () => void): Outcome {
  const inner = echoPacket(A, B, seq);
  const d = xfrmLookupOutput(a, echoFlow(), outCtx());
  watch();
  let wire: Uint8Array;
  if (d.kind === 'no-policy' || d.kind === 'plain') wire = inner;
  else if (d.kind === 'bundle') {
    const r = d.transform(inner, 0);
    watch();
    if (r.kind === 'drop') return { kind: 'dropped', where: r.counter };
    wire = r.packets[0]!;
  } else return { kind: 'dropped', where: d.kind };
  let sp: readonly XfrmSecPathEntry[] = [];
  while (wire[6] === 50 || wire[6] === 51) {
    const r = xfrmInput(b, wire, wire[6], 40, sp, { nowUs: 0, mark: 0 });
    watch();
    if (r.kind === 'drop') return { kind: 'dropped', where: r.counter };
    wire = r.bytes;
    sp = r.secPath;
  }
  const c = xfrmPolicyCheck(b, 'in', wire, sp, { oif: LO, mark: 0 });
  watch();
  if (c.kind === 'drop') return { kind: 'dropped', where: c.counter };
  return { kind: 'delivered', bytes: wire };
}

function total(ns: XfrmNamespace): number {
  return Object.values(ns.stats.snapshot()).reduce((x, y) => x + y, 0);
}

describe('engine properties', () => {
  it('output then input on the peer delivers the same inner packet or ends in exactly one counted drop; counters only grow', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { a, b } = build(s, 's');
        let last = [a.stats.snapshot(), b.stats.snapshot()];
        const watch = () => {
          const now = [a.stats.snapshot(), b.stats.snapshot()];
          now.forEach((snap, i) => {
            for (const [k, v] of Object.entries(snap)) expect(v).toBeGreaterThanOrEqual(last[i]![k as keyof typeof snap]);
          });
          last = now;
        };
        for (let i = 1; i <= s.seq; i++) {
          const before = total(a) + total(b);
          const out = run(a, b, i, watch);
          const counted = total(a) + total(b) - before;
          if (out.kind === 'delivered') {
            expect(out.bytes).toEqual(echoPacket(A, B, i));
            expect(counted).toBe(0);
          } else {
            expect(counted).toBe(1);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the same scenario and seed give the same wire bytes', () => {
    fc.assert(
      fc.property(scenarioArb, fc.string({ maxLength: 8 }), (s, seed) => {
        const wire = () => {
          const { a } = build(s, seed);
          const d = xfrmLookupOutput(a, echoFlow(), outCtx());
          if (d.kind !== 'bundle') return d.kind;
          const r = d.transform(echoPacket(), 0);
          return r.kind === 'transformed' ? r.packets[0] : r.counter;
        };
        expect(wire()).toEqual(wire());
      }),
      { numRuns: 100 },
    );
  });
});
