import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../../src/crypto/index.js';
import { ConfigError } from '../../src/errors.js';
import { toHex } from '../../src/wire/hex.js';
import { ipv6 } from '../../src/wire/ipv6-address.js';
import { IPPROTO } from '../../src/wire/proto.js';
import { validatePolicy, type XfrmMode } from '../../src/xfrm/policy.js';
import type { Sad, SadBase, XfrmStateEvent } from '../../src/xfrm/sad.js';
import { SadIndexed } from '../../src/xfrm/sad-indexed.js';
import { SadLinear } from '../../src/xfrm/sad-linear.js';
import { makeSelector, type XfrmFlow } from '../../src/xfrm/selector.js';
import type { XfrmStateInit } from '../../src/xfrm/state.js';
import { snapshotSad } from './sad-snapshot.js';

const S = 1_000_000;

// Few values each, so that random SAs share addresses, SPIs and hash chains often; :: and 4321::8
// are both sources, and enough adds succeed to make the tables grow past 8 buckets.
const SRCS = ['4321::1', '::', '4321::3', '4321::8', '4321::1:0:0:8'];
const DSTS = ['4321::2', '4321::5'];
const SPIS = [0, 1, 2, 3, 0x100, 0x101, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29];
const MARKS: readonly ({ v: number; m: number } | undefined)[] = [undefined, undefined, { v: 1, m: 0xffffffff }, { v: 5, m: 0xff }];

interface AddSpec {
  readonly src: string;
  readonly dst: string;
  readonly proto: 'esp' | 'ah';
  readonly spi: number;
  readonly mode: XfrmMode;
  readonly reqid: number;
  readonly mark: { v: number; m: number } | undefined;
  readonly selUdp: boolean;
  readonly window: number;
  readonly limit: 'none' | 'hard-packets' | 'soft-packets' | 'hard-time' | 'soft-time';
  readonly badKey: boolean;
  readonly seq: number;
}

const addSpec: fc.Arbitrary<AddSpec> = fc.record({
  src: fc.constantFrom(...SRCS),
  dst: fc.constantFrom(...DSTS),
  proto: fc.constantFrom('esp' as const, 'ah' as const),
  spi: fc.constantFrom(...SPIS),
  mode: fc.constantFrom<XfrmMode>('transport', 'transport', 'tunnel'),
  reqid: fc.constantFrom(0, 0, 1),
  mark: fc.constantFrom(...MARKS),
  selUdp: fc.constantFrom(false, false, true),
  window: fc.constantFrom(0, 0, 4, 32, 64),
  limit: fc.constantFrom('none', 'none', 'none', 'hard-packets', 'soft-packets', 'hard-time', 'soft-time'),
  badKey: fc.constantFrom(false, false, false, false, true),
  seq: fc.constantFrom(0, 0, 0, 1, 2),
});

function init(s: AddSpec): XfrmStateInit {
  const keyBytes = new Uint8Array(s.badKey ? 15 : 16).fill(0x31);
  const lifetime =
    s.limit === 'hard-packets'
      ? { hardPacketLimit: 2n }
      : s.limit === 'soft-packets'
        ? { softPacketLimit: 1n }
        : s.limit === 'hard-time'
          ? { hardAddExpiresSeconds: 3n }
          : s.limit === 'soft-time'
            ? { softAddExpiresSeconds: 2n, hardAddExpiresSeconds: 6n }
            : undefined;
  return {
    family: 'inet6',
    daddr: ipv6(s.dst),
    saddr: ipv6(s.src),
    spi: s.spi,
    proto: s.proto,
    mode: s.mode,
    reqid: s.reqid,
    ...(s.proto === 'ah' ? { auth: { name: 'hmac(sha1)', key: keyBytes } } : { enc: { name: 'cbc(aes)', key: keyBytes } }),
    ...(s.mark ? { mark: s.mark } : {}),
    ...(s.selUdp ? { selector: { family: 'inet6' as const, proto: IPPROTO.UDP } } : {}),
    ...(s.window > 32 ? { replayEsn: { bmpLen: Math.ceil(s.window / 32), replayWindow: s.window } } : { replayWindow: s.window }),
    ...(lifetime ? { lifetime } : {}),
    ...(s.seq ? { seq: s.seq } : {}),
  };
}

type Op =
  | { readonly op: 'add' | 'update'; readonly spec: AddSpec }
  | { readonly op: 'delete'; readonly dst: string; readonly spi: number; readonly proto: 'esp' | 'ah'; readonly mark: number }
  | {
      readonly op: 'allocspi';
      readonly dst: string;
      readonly src: string;
      readonly proto: 'esp' | 'ah';
      readonly min: number;
      readonly span: number;
      readonly seq: number;
    }
  | {
      readonly op: 'resolve';
      readonly src: string;
      readonly dst: string;
      readonly proto: 'esp' | 'ah';
      readonly mode: XfrmMode;
      readonly spi: number;
      readonly reqid: number;
      readonly mark: number;
      readonly udp: boolean;
      readonly km: boolean;
    }
  | {
      readonly op: 'inbound';
      readonly dst: string;
      readonly spi: number;
      readonly proto: 'esp' | 'ah';
      readonly mark: number;
      readonly seq: number;
    }
  | { readonly op: 'tick'; readonly us: number }
  | { readonly op: 'flush'; readonly proto: 'esp' | 'ah' | 0 };

const proto = fc.constantFrom('esp' as const, 'ah' as const);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: addSpec.map((spec) => ({ op: 'add' as const, spec })) },
  { weight: 1, arbitrary: addSpec.map((spec) => ({ op: 'update' as const, spec })) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('delete' as const),
      dst: fc.constantFrom(...DSTS),
      spi: fc.constantFrom(...SPIS),
      proto,
      mark: fc.constantFrom(0, 1, 5),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('allocspi' as const),
      dst: fc.constantFrom(...DSTS),
      src: fc.constantFrom(...SRCS),
      proto,
      min: fc.constantFrom(1, 0x100, 0x200),
      span: fc.constantFrom(0, 0, 1, 3, 1000),
      seq: fc.constantFrom(0, 0, 1, 2),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('resolve' as const),
      src: fc.constantFrom(...SRCS),
      dst: fc.constantFrom(...DSTS),
      proto,
      mode: fc.constantFrom<XfrmMode>('transport', 'tunnel'),
      spi: fc.constantFrom(0, 0, 0, 1, 0x100),
      reqid: fc.constantFrom(0, 1),
      mark: fc.constantFrom(0, 1, 5),
      udp: fc.boolean(),
      km: fc.boolean(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('inbound' as const),
      dst: fc.constantFrom(...DSTS),
      spi: fc.constantFrom(...SPIS),
      proto,
      mark: fc.constantFrom(0, 1, 5),
      seq: fc.constantFrom(0, 1, 2, 3, 40, 100),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('tick' as const), us: fc.constantFrom(0.3 * S, S, 2.5 * S, 31 * S) }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('flush' as const), proto: fc.constantFrom('esp' as const, 'ah' as const, 0 as const) }),
  },
);

const events = (es: readonly XfrmStateEvent[]) =>
  es.map((e) => `${e.type}${e.type === 'expire' ? (e.hard ? ' hard' : ' soft') : ''}${'state' in e ? ` ${e.state.spi}` : ''}`);

/** Runs one operation and describes everything it answered. */
function apply(sad: Sad, op: Op, clock: { us: number }, random: ReturnType<typeof createRandom>): unknown {
  try {
    switch (op.op) {
      case 'add':
      case 'update': {
        const r = op.op === 'add' ? sad.add(init(op.spec), clock.us) : sad.update(init(op.spec), clock.us);
        return [r.state.spi, events(r.events)];
      }
      case 'delete':
        return events(sad.delete({ daddr: ipv6(op.dst), spi: op.spi, proto: op.proto, mark: { v: op.mark, m: 0xffffffff } }).events);
      case 'allocspi': {
        const x = sad.allocSpi(
          { daddr: ipv6(op.dst), saddr: ipv6(op.src), proto: op.proto, min: op.min, max: op.min + op.span, seq: op.seq },
          { nowUs: clock.us, random },
        );
        return x.spi;
      }
      case 'resolve': {
        const selector = makeSelector({ family: 'inet6' });
        const policy = validatePolicy({
          selector,
          dir: 'out',
          mark: { v: op.mark, m: 0xff },
          tmpls: [
            op.mode === 'tunnel'
              ? { proto: op.proto, mode: 'tunnel', spi: op.spi, reqid: op.reqid, src: ipv6(op.src), dst: ipv6(op.dst) }
              : { proto: op.proto, spi: op.spi, reqid: op.reqid },
          ],
        });
        const flow: XfrmFlow = {
          family: 'inet6',
          src: ipv6(op.src),
          dst: ipv6(op.dst),
          proto: op.udp ? IPPROTO.UDP : IPPROTO.ICMPV6,
          sport: op.udp ? 4000 : 128,
          dport: op.udp ? 1025 : 0,
          oif: 0,
          mark: 0,
          ifId: 0,
        };
        const r = sad.findStateForTemplate({
          tmpl: policy.tmpls[0]!,
          remote: flow.dst,
          local: flow.src,
          flow,
          family: 'inet6',
          policyMark: policy.mark,
          ifId: 0,
          ...(op.km ? { acquire: { policy, nowUs: clock.us } } : {}),
        });
        if (r.kind === 'found') {
          const o = sad.outputPrepare(r.state, 64, clock.us);
          return ['found', r.state.spi, r.state.reqid, o.kind === 'ok' ? o.seq : o.counter, events(o.events)];
        }
        return r.kind === 'none' ? ['none', r.larvalPending, events(r.events)] : ['error', r.errno, r.conflict.spi];
      }
      case 'inbound': {
        const x = sad.lookupInbound({ daddr: ipv6(op.dst), spi: op.spi, proto: op.proto, mark: op.mark });
        if (!x) return 'XfrmInNoStates';
        const c = sad.inputCheck(x, op.seq, clock.us);
        if (c.kind !== 'ok') return [x.spi, c.counter, c.stat, events(c.events)];
        const a = sad.inputAccept(x, op.seq, c.seqHi, 64, clock.us);
        return [x.spi, x.reqid, a.kind, events(c.events)];
      }
      case 'tick':
        clock.us += op.us;
        return events(sad.runTimers(clock.us));
      case 'flush':
        return events(sad.flush(op.proto).events);
    }
  } catch (e) {
    if (e instanceof ConfigError) return `refused ${e.errno}`;
    throw e;
  }
}

/** Everything a listing and a packet could observe about the database. */

describe('SadIndexed against SadLinear', () => {
  it('answers every operation and lists the same SAs, through hash growth, timers and larval SAs', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 30, maxLength: 120, size: 'max' }), fc.string(), (ops, seed) => {
        const linear = new SadLinear();
        const indexed = new SadIndexed();
        const clocks = [{ us: 0 }, { us: 0 }];
        const randoms = [createRandom(seed), createRandom(seed)];
        for (const op of ops) {
          const a = apply(linear, op, clocks[0]!, randoms[0]!);
          const b = apply(indexed, op, clocks[1]!, randoms[1]!);
          expect(b).toEqual(a);
          expect(snapshotSad(indexed)).toEqual(snapshotSad(linear));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('grows the tables past 8 buckets and still agrees', () => {
    // code: xfrm_hash_grow_check, xfrm_hash_resize; a fixed sequence that certainly resizes
    const linear = new SadLinear();
    const indexed = new SadIndexed();
    for (let i = 0; i < 40; i++) {
      for (const sad of [linear, indexed]) {
        sad.add(
          {
            family: 'inet6',
            daddr: ipv6('4321::2'),
            saddr: ipv6(SRCS[i % SRCS.length]!),
            spi: i + 1,
            proto: 'esp',
            enc: { name: 'cbc(aes)', key: new Uint8Array(16) },
          },
          i * 0.1 * S,
        );
      }
    }
    expect(indexed.hashInfo().buckets).toBeGreaterThan(8);
    expect(snapshotSad(indexed)).toEqual(snapshotSad(linear));
    for (const src of SRCS) {
      const op: Op = {
        op: 'resolve',
        src,
        dst: '4321::2',
        proto: 'esp',
        mode: 'transport',
        spi: 0,
        reqid: 0,
        mark: 0,
        udp: false,
        km: false,
      };
      expect(apply(indexed, op, { us: 5 * S }, createRandom('')), src).toEqual(apply(linear, op, { us: 5 * S }, createRandom('')));
    }
  });

  it('walks only the SAs with the packet SPI on input', () => {
    const sad = new SadIndexed();
    for (let i = 1; i <= 50; i++)
      sad.add(
        init({
          src: '4321::1',
          dst: '4321::2',
          proto: 'esp',
          spi: i,
          mode: 'transport',
          reqid: 0,
          mark: undefined,
          selUdp: false,
          window: 0,
          limit: 'none',
          badKey: false,
          seq: 0,
        }),
        0,
      );
    sad.lookupInbound({ daddr: ipv6('4321::2'), spi: 25, proto: 'esp', mark: 0 });
    expect((sad as SadBase).examined).toBe(1);
  });
});

const implementations = [() => new SadLinear(), () => new SadIndexed()];

/** A database made by adds and allocspi only. */
const database = fc.array(
  fc.oneof(
    { weight: 5, arbitrary: addSpec.map((spec) => ({ op: 'add' as const, spec })) },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('allocspi' as const),
        dst: fc.constantFrom(...DSTS),
        src: fc.constantFrom(...SRCS),
        proto,
        min: fc.constantFrom(0x100, 0x200),
        span: fc.constantFrom(0, 5),
        seq: fc.constant(0),
      }),
    },
  ),
  { maxLength: 40, size: 'max' },
);

describe.each(implementations.map((make) => [make().constructor.name, make] as const))('%s properties', (_name, make) => {
  const build = (ops: readonly Op[]) => {
    const sad = make();
    const clock = { us: 0 };
    const random = createRandom('db');
    for (const op of ops) {
      apply(sad, op, clock, random);
      clock.us += 0.4 * S;
    }
    return { sad, clock };
  };

  it('restores the listing when an added SA is deleted again', () => {
    fc.assert(
      fc.property(database, addSpec, (ops, spec) => {
        const { sad, clock } = build(ops);
        const before = snapshotSad(sad, false);
        let added: ReturnType<Sad['add']>;
        try {
          added = sad.add(init(spec), clock.us);
        } catch (e) {
          if (e instanceof ConfigError) return;
          throw e;
        }
        const x = added.state;
        if (sad.count() !== before.count + 1) {
          // The SA answered a larval one (a failed allocspi leaves one behind), which went silently.
          const larvals = (states: readonly { kmState: string; spi: number }[]) =>
            states.filter((l) => l.kmState === 'acq' && l.spi === 0).length;
          expect([sad.count(), larvals(sad.list())]).toEqual([before.count, larvals(before.states) - 1]);
          return;
        }
        if (x.spi === 0) {
          // Not findable by SPI: only a flush removes it (kernel-semantics §7.2).
          expect(sad.list()).toContain(x);
          return;
        }
        sad.delete({ daddr: x.daddr, spi: x.spi, proto: x.proto, mark: x.mark });
        expect(snapshotSad(sad, false)).toEqual(before);
      }),
    );
  });

  it('changes nothing when an add is refused', () => {
    fc.assert(
      fc.property(database, addSpec, (ops, spec) => {
        const { sad, clock } = build(ops);
        const before = snapshotSad(sad);
        try {
          sad.add(init(spec), clock.us);
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          expect(snapshotSad(sad)).toEqual(before);
        }
      }),
    );
  });

  it('never finds an SA with spi 0 or one whose mark the packet does not select', () => {
    fc.assert(
      fc.property(
        database,
        fc.constantFrom(...DSTS),
        fc.constantFrom(...SPIS),
        proto,
        fc.constantFrom(0, 1, 5, 0x105),
        (ops, dst, spi, p, mark) => {
          const { sad } = build(ops);
          const x = sad.lookupInbound({ daddr: ipv6(dst), spi, proto: p, mark });
          if (!x) return;
          expect(x.spi).toBe(spi);
          expect(spi).not.toBe(0);
          expect([toHex(x.daddr), x.proto]).toEqual([toHex(ipv6(dst)), p]);
          expect((mark & x.mark.m) >>> 0).toBe(x.mark.v);
        },
      ),
    );
  });
});
