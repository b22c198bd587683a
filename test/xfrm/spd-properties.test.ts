import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { ipv6 } from '../../src/wire/ipv6-address.js';
import { IPPROTO } from '../../src/wire/proto.js';
import {
  policyMatch,
  type XfrmDir,
  type XfrmPolicy,
  type XfrmPolicyInit,
  type XfrmPolicyType,
  type XfrmTmplInit,
} from '../../src/xfrm/policy.js';
import { makeSelector, type XfrmFlow, type XfrmSelector } from '../../src/xfrm/selector.js';
import type { Spd, XfrmHthresh } from '../../src/xfrm/spd.js';
import { SpdIndexed } from '../../src/xfrm/spd-indexed.js';
import { SpdLinear } from '../../src/xfrm/spd-linear.js';

const DIRS: readonly XfrmDir[] = ['in', 'out', 'fwd'];
const PTYPES: readonly XfrmPolicyType[] = ['main', 'sub'];

const v4 = (...bytes: number[]) => {
  const a = new Uint8Array(16);
  a.set(bytes);
  return a;
};

// Few addresses and prefix lengths, so that random selectors overlap, nest and collide often.
const ADDRS6 = ['4321::1', '4321::2', '4321::1:1', '4321:0:0:1::2', '4321:8000::1', '5555::1', '5555:1::9', '::'].map(ipv6);
const PREFIXES6 = [0, 1, 16, 48, 64, 65, 112, 127, 128, 128, 128];
// For ties: three hosts, many of the selectors exact (/128 both sides at the default threshold).
const TIE_ADDRS6 = ['4321::1', '4321::2'].map(ipv6);
const TIE_PREFIXES6 = [0, 64, 127, 128, 128];
const ADDRS4 = [v4(10, 0, 0, 1), v4(10, 0, 0, 2), v4(10, 0, 1, 1), v4(192, 0, 2, 1), v4()];
const PREFIXES4 = [0, 8, 24, 31, 32];
/** [sport, sportMask, dport, dportMask]; mostly none, so that policies match often. */
const PORTS: readonly (readonly [number, number, number, number])[] = [
  [0, 0, 0, 0],
  [0, 0, 0, 0],
  [0, 0, 0, 0],
  [0, 0, 0, 0],
  [128, 0xffff, 0, 0],
  [0, 0, 0, 0xffff],
  [4000, 0xffff, 53, 0xffff],
];

interface PolicyShape {
  readonly dirs: readonly XfrmDir[];
  readonly ptypes: readonly XfrmPolicyType[];
  readonly priorities: readonly number[];
  /** Proto, ports, dev, mark and if_id besides addresses; without, only addresses and priorities vary. */
  readonly extras: boolean;
  readonly addrs: readonly Uint8Array[];
  readonly prefixes: readonly number[];
}

function selectorArb({ extras, addrs, prefixes }: PolicyShape): fc.Arbitrary<XfrmSelector> {
  const v6 = fc
    .record({
      src: fc.constantFrom(...addrs),
      dst: fc.constantFrom(...addrs),
      ps: fc.constantFrom(...prefixes),
      pd: fc.constantFrom(...prefixes),
      proto: extras ? fc.constantFrom(0, 0, 0, IPPROTO.UDP, IPPROTO.ICMPV6) : fc.constant(0),
      ports: extras ? fc.constantFrom(...PORTS) : fc.constant(PORTS[0]!),
      ifindex: extras ? fc.constantFrom(0, 0, 0, 0, 2) : fc.constant(0),
    })
    .map((r) =>
      makeSelector({
        family: 'inet6',
        src: r.src,
        dst: r.dst,
        prefixlenS: r.ps,
        prefixlenD: r.pd,
        proto: r.proto,
        sport: r.ports[0],
        sportMask: r.ports[1],
        dport: r.ports[2],
        dportMask: r.ports[3],
        ifindex: r.ifindex,
      }),
    );
  if (!extras) return v6;
  const v4sel = fc
    .record({
      src: fc.constantFrom(...ADDRS4),
      dst: fc.constantFrom(...ADDRS4),
      ps: fc.constantFrom(...PREFIXES4),
      pd: fc.constantFrom(...PREFIXES4),
    })
    .map((r) => makeSelector({ family: 'inet', src: r.src, dst: r.dst, prefixlenS: r.ps, prefixlenD: r.pd }));
  return fc.oneof({ weight: 9, arbitrary: v6 }, { weight: 1, arbitrary: v4sel });
}

const tmplsArb: fc.Arbitrary<XfrmTmplInit[]> = fc.constantFrom(
  [],
  [],
  [{ proto: 'esp' }],
  [{ proto: 'ah', mode: 'tunnel', dst: ipv6('4321::2') }],
  // Refused: without proto, and an optional tunnel (refused for out only).
  [{ proto: 0 }],
  [{ proto: 'esp', mode: 'tunnel', level: 'use' }],
);

function policyArb(shape: PolicyShape): fc.Arbitrary<XfrmPolicyInit> {
  const none = { v: 0, m: 0 };
  return fc.record({
    selector: selectorArb(shape),
    dir: fc.constantFrom(...shape.dirs),
    ptype: fc.constantFrom(...shape.ptypes),
    priority: fc.constantFrom(...shape.priorities),
    action: fc.constantFrom<'allow' | 'block'>('allow', 'block'),
    mark: shape.extras
      ? fc.constantFrom(none, none, none, none, { v: 1, m: 0xff }, { v: 0x16, m: 0xf }, { v: 6, m: 0xf })
      : fc.constant(none),
    ifId: shape.extras ? fc.constantFrom(0, 0, 0, 0, 3) : fc.constant(0),
    // Mostly generated; sometimes a given one, which may be taken or of another direction (refused).
    index: fc.constantFrom(0, 0, 0, 0, 0, 8, 9, 0x101, 0x12a),
    tmpls: tmplsArb,
  });
}

/** Every field varies: directions, types, families, marks, if_ids, ports. */
const ANY_POLICY = policyArb({
  dirs: DIRS,
  ptypes: ['main', 'main', 'main', 'sub'],
  priorities: [0, 0, 1, 2, 5],
  extras: true,
  addrs: ADDRS6,
  prefixes: PREFIXES6,
});
/** One direction and type, addresses and a few priorities only: ties everywhere. */
const TIE_POLICY = policyArb({
  dirs: ['out'],
  ptypes: ['main'],
  priorities: [0, 0, 0, 1],
  extras: false,
  addrs: TIE_ADDRS6,
  prefixes: TIE_PREFIXES6,
});

const hthreshArb: fc.Arbitrary<{ hthresh6?: XfrmHthresh; hthresh4?: XfrmHthresh }> = fc.oneof(
  fc.constantFrom(...[128, 64, 48, 0].flatMap((l) => [128, 64, 0].map((r) => ({ hthresh6: { lbits: l, rbits: r } })))),
  fc.constantFrom({ hthresh4: { lbits: 24, rbits: 24 } }, { hthresh4: { lbits: 32, rbits: 0 } }, { hthresh4: { lbits: 32, rbits: 32 } }),
  fc.constantFrom({ hthresh6: { lbits: 129, rbits: 0 } }, { hthresh4: { lbits: 0, rbits: 33 } }),
);

type Op =
  | { readonly kind: 'add' | 'update'; readonly init: XfrmPolicyInit }
  | { readonly kind: 'delete' | 'deleteByIndex'; readonly pick: number }
  | { readonly kind: 'deleteMissing'; readonly init: XfrmPolicyInit }
  | { readonly kind: 'flush'; readonly ptype: XfrmPolicyType }
  | { readonly kind: 'hthresh'; readonly next: { hthresh6?: XfrmHthresh; hthresh4?: XfrmHthresh } }
  | { readonly kind: 'readd' | 'reupdate'; readonly pick: number; readonly priority: number };

function opArb(policy: fc.Arbitrary<XfrmPolicyInit>, rehashes: number): fc.Arbitrary<Op> {
  return fc.oneof(
    { weight: 8, arbitrary: policy.map((init) => ({ kind: 'add' as const, init })) },
    { weight: 3, arbitrary: policy.map((init) => ({ kind: 'update' as const, init })) },
    { weight: 3, arbitrary: fc.nat().map((pick) => ({ kind: 'delete' as const, pick })) },
    { weight: 1, arbitrary: fc.nat().map((pick) => ({ kind: 'deleteByIndex' as const, pick })) },
    { weight: 1, arbitrary: policy.map((init) => ({ kind: 'deleteMissing' as const, init })) },
    {
      weight: 2,
      arbitrary: fc.record({ pick: fc.nat(), priority: fc.constantFrom(0, 1, 7) }).map((r) => ({ kind: 'readd' as const, ...r })),
    },
    {
      weight: 3,
      arbitrary: fc.record({ pick: fc.nat(), priority: fc.constantFrom(0, 0, 1) }).map((r) => ({ kind: 'reupdate' as const, ...r })),
    },
    { weight: 1, arbitrary: fc.constantFrom<XfrmPolicyType>('main', 'sub').map((ptype) => ({ kind: 'flush' as const, ptype })) },
    { weight: rehashes, arbitrary: hthreshArb.map((next) => ({ kind: 'hthresh' as const, next })) },
  );
}

const ANY_OP = opArb(ANY_POLICY, 1);
const TIE_OP = opArb(TIE_POLICY, 3);

const flowArb: fc.Arbitrary<XfrmFlow> = fc.oneof(
  {
    weight: 9,
    arbitrary: fc.record({
      family: fc.constant('inet6' as const),
      src: fc.constantFrom(...ADDRS6),
      dst: fc.constantFrom(...ADDRS6),
      proto: fc.constantFrom(IPPROTO.UDP, IPPROTO.ICMPV6, IPPROTO.TCP),
      sport: fc.constantFrom(0, 128, 135, 4000),
      dport: fc.constantFrom(0, 1, 53),
      oif: fc.constantFrom(0, 0, 1, 2),
      mark: fc.constantFrom(0, 0, 0, 1, 6, 0x16, 0x101),
      ifId: fc.constantFrom(0, 0, 0, 3),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      family: fc.constant('inet' as const),
      src: fc.constantFrom(...ADDRS4),
      dst: fc.constantFrom(...ADDRS4),
      proto: fc.constantFrom(IPPROTO.UDP, 1),
      sport: fc.constant(0),
      dport: fc.constant(0),
      oif: fc.constant(0),
      mark: fc.constant(0),
      ifId: fc.constant(0),
    }),
  },
);

const TIE_FLOW: fc.Arbitrary<XfrmFlow> = fc.record({
  family: fc.constant('inet6' as const),
  src: fc.constantFrom(...TIE_ADDRS6),
  dst: fc.constantFrom(...TIE_ADDRS6),
  proto: fc.constant(IPPROTO.ICMPV6),
  sport: fc.constant(128),
  dport: fc.constant(0),
  oif: fc.constant(0),
  mark: fc.constant(0),
  ifId: fc.constant(0),
});

/** The identity of a stored policy, as `ip xfrm policy delete` would name it. */
const idOf = (p: XfrmPolicy) => ({ by: 'selector', dir: p.dir, selector: p.selector, ptype: p.ptype, mark: p.mark, ifId: p.ifId }) as const;

const isPolicy = (x: unknown): x is XfrmPolicy => typeof x === 'object' && x !== null && 'selector' in x;

/** Applies an op; the answer is the returned policy or the refusal, for comparing two databases. */
function apply(spd: Spd, op: Op): unknown {
  const listed = spd.list();
  const picked = (n: number) => listed[n % Math.max(listed.length, 1)];
  try {
    switch (op.kind) {
      case 'add':
        return spd.add(op.init);
      case 'update':
        return spd.update(op.init);
      case 'delete': {
        const p = picked(op.pick);
        return p && spd.delete(idOf(p));
      }
      case 'deleteByIndex': {
        const p = picked(op.pick);
        return p && spd.delete({ by: 'index', dir: p.dir, index: p.index, ptype: p.ptype, mark: p.mark, ifId: p.ifId });
      }
      case 'deleteMissing':
        return spd.delete({
          by: 'selector',
          dir: op.init.dir,
          selector: op.init.selector,
          ptype: op.init.ptype,
          mark: op.init.mark,
          ifId: op.init.ifId,
        });
      case 'readd': {
        // The same identity again: EEXIST whatever the priority.
        const p = picked(op.pick);
        return p && spd.add({ ...p, index: 0, priority: op.priority });
      }
      case 'reupdate': {
        // A replacement of a stored policy, at the same or another priority, with the other action.
        const p = picked(op.pick);
        return p && spd.update({ ...p, index: 0, priority: op.priority, action: p.action === 'allow' ? 'block' : 'allow' });
      }
      case 'flush':
        return spd.flush(op.ptype);
      case 'hthresh':
        return spd.setHthresh(op.next);
    }
  } catch (e) {
    if (e instanceof ConfigError) return { errno: e.errno, extack: e.extack };
    throw e;
  }
}

/** Every (dir, type) lookup of every flow, by the index of the winning policy. */
function lookups(spd: Spd, flows: readonly XfrmFlow[]): (number | undefined)[] {
  return flows.flatMap((flow) => DIRS.flatMap((dir) => PTYPES.map((ptype) => spd.lookup(dir, ptype, flow)?.index)));
}

describe('SpdIndexed against SpdLinear', () => {
  const agreeWith = (keyBits: number) => (ops: readonly Op[], flows: readonly XfrmFlow[]) => {
    const linear = new SpdLinear();
    const indexed = new SpdIndexed({ keyBits });
    for (const op of ops) {
      expect(apply(indexed, op)).toEqual(apply(linear, op));
      expect(lookups(indexed, flows)).toEqual(lookups(linear, flows));
    }
    expect(indexed.list()).toEqual(linear.list());
    expect(indexed.count()).toEqual(linear.count());
  };
  const agree = agreeWith(30);

  it('answers every lookup as the linear reference does, after any sequence of requests', () => {
    fc.assert(fc.property(fc.array(ANY_OP, { maxLength: 60 }), fc.array(flowArb, { minLength: 1, maxLength: 12 }), agree), {
      numRuns: 300,
    });
  });

  it('agrees on ties: one direction, addresses and priorities only, with deletes, updates and rehashes', () => {
    fc.assert(fc.property(fc.array(TIE_OP, { maxLength: 50 }), fc.array(TIE_FLOW, { minLength: 1, maxLength: 6 }), agree), {
      numRuns: 1000,
    });
  });

  it('agrees when every hash key collides (one key bit): shared lists still give each flow its policy', () => {
    fc.assert(fc.property(fc.array(ANY_OP, { maxLength: 60 }), fc.array(flowArb, { minLength: 1, maxLength: 12 }), agreeWith(1)), {
      numRuns: 200,
    });
    fc.assert(fc.property(fc.array(TIE_OP, { maxLength: 50 }), fc.array(TIE_FLOW, { minLength: 1, maxLength: 6 }), agreeWith(0)), {
      numRuns: 300,
    });
  });

  it('finds for each flow a policy that matches it, or none when none does', () => {
    // A sanity check of the reference itself: the winner is a matching policy of the best priority.
    fc.assert(
      fc.property(fc.array(ANY_POLICY, { maxLength: 25 }), flowArb, (inits, flow) => {
        const linear = new SpdLinear();
        for (const init of inits) apply(linear, { kind: 'add', init });
        for (const dir of DIRS)
          for (const ptype of PTYPES) {
            const matching = linear.list().filter((p) => p.dir === dir && policyMatch(p, ptype, flow));
            const won = linear.lookup(dir, ptype, flow);
            if (matching.length === 0) expect(won).toBeUndefined();
            else {
              expect(matching).toContainEqual(won);
              expect(Math.min(...matching.map((p) => p.priority))).toBe(won!.priority);
            }
          }
      }),
    );
  });
});

describe.each<[string, () => Spd]>([
  ['SpdLinear', () => new SpdLinear()],
  ['SpdIndexed', () => new SpdIndexed()],
])('%s', (_name, makeSpd) => {
  const build = (ops: readonly Op[]) => {
    const spd = makeSpd();
    for (const op of ops) apply(spd, op);
    return spd;
  };

  it('add() then delete() of the same policy restores the list', () => {
    fc.assert(
      fc.property(fc.array(ANY_OP, { maxLength: 30 }), ANY_POLICY, (ops, init) => {
        const spd = build(ops);
        const before = spd.list();
        const counts = spd.count();
        const added = apply(spd, { kind: 'add', init });
        if (isPolicy(added)) spd.delete(idOf(added));
        expect(spd.list()).toEqual(before);
        expect(spd.count()).toEqual(counts);
      }),
    );
  });

  it('a refused add() changes nothing: list, lookups, thresholds and the next index', () => {
    const refusedArb = fc.oneof(
      fc.nat().map((pick) => ({ kind: 'readd' as const, pick, priority: 3 })),
      ANY_POLICY.map((init) => ({ kind: 'add' as const, init: { ...init, tmpls: [{ proto: 0 as const }] } })),
      ANY_POLICY.map((init) => ({ kind: 'add' as const, init: { ...init, index: 0x10 + ((init.dir === 'in' ? 1 : 0) as number) } })),
    );
    fc.assert(
      fc.property(
        fc.array(ANY_OP, { maxLength: 30 }),
        refusedArb,
        fc.array(flowArb, { minLength: 1, maxLength: 8 }),
        ANY_POLICY,
        (ops, refused, flows, next) => {
          const plain = build(ops);
          const other = build(ops);
          const answer = apply(other, refused) as { errno?: string } | undefined;
          // An empty database has nothing to re-add; every other case must be refused.
          if (answer !== undefined) expect(answer.errno).toMatch(/^(EEXIST|EINVAL)$/);
          expect(other.list()).toEqual(plain.list());
          expect(lookups(other, flows)).toEqual(lookups(plain, flows));
          expect(other.getHthresh()).toEqual(plain.getHthresh());
          expect(apply(other, { kind: 'update', init: next })).toEqual(apply(plain, { kind: 'update', init: next }));
        },
      ),
    );
  });
});

describe('SpdIndexed at scale', () => {
  const hex = (n: number) => n.toString(16);
  const exactFlow = (i: number): XfrmFlow => ({
    family: 'inet6',
    src: ipv6('4321::1'),
    dst: ipv6(`2001:db8::${hex(i)}`),
    proto: IPPROTO.UDP,
    sport: 4000,
    dport: 53,
    oif: 0,
    mark: 0,
    ifId: 0,
  });
  const sel = (dst: string, prefixlenD: number, src = '::', prefixlenS = 0, proto = 0) =>
    makeSelector({ family: 'inet6', src: ipv6(src), prefixlenS, dst: ipv6(dst), prefixlenD, proto });

  // 50 000 exact host-to-host policies and 50 000 inexact /64 ones behind them in priority.
  const N = 50_000;
  const fill = <T extends Spd>(spd: T): T => {
    for (let i = 1; i <= N; i++) spd.add({ selector: sel(`2001:db8::${hex(i)}`, 128, '4321::1', 128), dir: 'out', priority: 10 });
    for (let i = 1; i <= N; i++) spd.add({ selector: sel(`2001:db8:${hex(i)}::`, 64), dir: 'out', priority: 20 });
    for (const src of ['4321::/16', '5555::/16', '6666::/16'])
      spd.add({ selector: sel('::', 0, src.split('/')[0], 16), dir: 'out', priority: 20 });
    return spd;
  };
  const indexed = fill(new SpdIndexed());

  it('holds 100 000 policies', () => {
    expect(indexed.count().out).toBe(2 * N + 3);
  });

  it('examines only the exact policy when every inexact one has a worse priority', () => {
    const p = indexed.lookup('out', 'main', exactFlow(12345));
    expect(p?.selector.dst).toEqual(ipv6(`2001:db8::${hex(12345)}`));
    expect(indexed.examined).toBe(1);
  });

  it('examines the inexact policies whose priority could still win, and no others', () => {
    const spd = fill(new SpdIndexed());
    // Five /0 policies with a better priority that do not match UDP: the lookup has to try them.
    for (let i = 0; i < 5; i++) spd.add({ selector: sel('::', 0, `7777::${i + 1}`, 128, IPPROTO.ICMPV6), dir: 'out', priority: 1 });
    expect(spd.lookup('out', 'main', exactFlow(777))?.priority).toBe(10);
    expect(spd.examined).toBe(1 + 5);
  });

  it('finds a flow covered only by an inexact policy through its dst prefix list', () => {
    const flow: XfrmFlow = { ...exactFlow(1), dst: ipv6('2001:db8:777::5') };
    expect(indexed.lookup('out', 'main', flow)?.selector.dst).toEqual(ipv6('2001:db8:777::'));
    // The flow's exact chain is empty; the /0 list gives its first policy (src 4321::/16 matches),
    // which the older /64 policy of 2001:db8:777:: then beats at equal priority.
    expect(indexed.examined).toBe(2);
  });

  it('agrees with the linear reference at this size', () => {
    const linear = fill(new SpdLinear());
    const flows = [1, 2, 777, 12345, N, N + 1].flatMap((i) => [
      exactFlow(i),
      { ...exactFlow(i), dst: ipv6(`2001:db8:${hex(i)}::9`) },
      { ...exactFlow(i), src: ipv6('5555::1') },
    ]);
    expect(lookups(indexed, flows)).toEqual(lookups(linear, flows));
    // The reference tries every policy of the direction.
    linear.lookup('out', 'main', exactFlow(1));
    expect(linear.examined).toBe(2 * N + 3);
  });
});
