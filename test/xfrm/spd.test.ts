import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { ipv6 } from '../../src/wire/ipv6-address.js';
import { IPPROTO } from '../../src/wire/proto.js';
import type { XfrmDir, XfrmPolicyAction, XfrmPolicyInit, XfrmPolicyType, XfrmTmplInit } from '../../src/xfrm/policy.js';
import type { XfrmFlow } from '../../src/xfrm/selector.js';
import { lookupBoth, type Spd, spdVerdict, type XfrmPolicyId } from '../../src/xfrm/spd.js';
import { SpdIndexed } from '../../src/xfrm/spd-indexed.js';
import { SpdLinear } from '../../src/xfrm/spd-linear.js';
import { ECHO, type SelectorSpec, sel } from './selector-spec.js';

/** A policy as `ip xfrm policy add` arguments give it (iproute2 defaults and masks, kernel-semantics §1.2, §7.1). */
interface Spec extends SelectorSpec {
  dir: XfrmDir;
  ptype?: XfrmPolicyType;
  priority?: number;
  action?: XfrmPolicyAction;
  /** `mark M [mask K]`; M alone = mask 0xffffffff. */
  mark?: number;
  mask?: number;
  ifId?: number;
  index?: number;
  tmpls?: XfrmTmplInit[];
}

const markOf = (s: Spec) => (s.mark === undefined ? undefined : { v: s.mark, m: s.mask ?? 0xffffffff });

function pol(s: Spec): XfrmPolicyInit {
  return {
    selector: sel(s),
    dir: s.dir,
    ptype: s.ptype,
    priority: s.priority,
    action: s.action,
    mark: markOf(s),
    ifId: s.ifId,
    index: s.index,
    tmpls: s.tmpls,
  };
}

function byId(s: Spec): XfrmPolicyId {
  return { by: 'selector', dir: s.dir, selector: sel(s), ptype: s.ptype, mark: markOf(s), ifId: s.ifId };
}

const ETH0 = 2;
const LO = 1;

/** 'block', 'allow' or 'none' (no policy: the packet passes untouched) for a flow, sub and main SPD together. */
function outcome(spd: Spd, dir: XfrmDir, flow: XfrmFlow = ECHO): string {
  return spdVerdict(lookupBoth(spd, dir, flow)).kind;
}

function refusal(action: () => unknown): { errno: string; extack: string | undefined } | undefined {
  try {
    action();
    return undefined;
  } catch (e) {
    if (e instanceof ConfigError) return { errno: e.errno, extack: e.extack };
    throw e;
  }
}

const IMPLEMENTATIONS: [string, () => Spd][] = [
  ['SpdLinear', () => new SpdLinear()],
  ['SpdIndexed', () => new SpdIndexed()],
];

describe.each(IMPLEMENTATIONS)('%s', (_name, makeSpd) => {
  const withPolicies = (...specs: Spec[]) => {
    const spd = makeSpd();
    for (const s of specs) spd.add(pol(s));
    return spd;
  };

  describe('lookup()', () => {
    // kernel-semantics §1.5.1, VERIFIED e07 T5
    it.each<[string, Spec[], string]>([
      [
        'allow /64 priority 10, block /128 priority 5',
        [
          { dir: 'out', dst: '4321::/64', priority: 10 },
          { dir: 'out', dst: '4321::2/128', priority: 5, action: 'block' },
        ],
        'block',
      ],
      [
        'allow /64 priority 5, block /128 priority 10',
        [
          { dir: 'out', dst: '4321::/64', priority: 5 },
          { dir: 'out', dst: '4321::2/128', priority: 10, action: 'block' },
        ],
        'allow',
      ],
      [
        'block exact priority 1, allow inexact priority 0',
        [
          { dir: 'out', src: '4321::1', dst: '4321::2', priority: 1, action: 'block' },
          { dir: 'out', dst: '4321::/64', priority: 0 },
        ],
        'allow',
      ],
    ])('prefers the smaller priority value over a longer prefix: %s -> %s', (_case, specs, expected) => {
      expect(outcome(withPolicies(...specs), 'out')).toBe(expected);
    });

    // kernel-semantics §1.5.2, VERIFIED e07 T6
    it.each<[string, Spec[], string]>([
      [
        'block /64 first, allow dst /128 second',
        [
          { dir: 'out', dst: '4321::/64', action: 'block' },
          { dir: 'out', dst: '4321::2/128' },
        ],
        'block',
      ],
      [
        'allow dst /128 first, block /64 second',
        [
          { dir: 'out', dst: '4321::2/128' },
          { dir: 'out', dst: '4321::/64', action: 'block' },
        ],
        'allow',
      ],
      [
        'block src /128 first, allow dst /128 second',
        [
          { dir: 'out', src: '4321::1/128', action: 'block' },
          { dir: 'out', dst: '4321::2/128' },
        ],
        'block',
      ],
      [
        'allow dst /128 first, block src /128 second',
        [
          { dir: 'out', dst: '4321::2/128' },
          { dir: 'out', src: '4321::1/128', action: 'block' },
        ],
        'allow',
      ],
    ])('gives a tie between inexact policies to the earlier one: %s -> %s', (_case, specs, expected) => {
      expect(outcome(withPolicies(...specs), 'out')).toBe(expected);
    });

    // kernel-semantics §1.5.3, VERIFIED e07 T7
    it.each<[string, Spec[], string]>([
      [
        'inexact block first, exact allow second',
        [
          { dir: 'out', dst: '4321::/64', action: 'block' },
          { dir: 'out', src: '4321::1', dst: '4321::2' },
        ],
        'block',
      ],
      [
        'exact allow first, inexact block second',
        [
          { dir: 'out', src: '4321::1', dst: '4321::2' },
          { dir: 'out', dst: '4321::/64', action: 'block' },
        ],
        'block',
      ],
      [
        'unrelated inexact first, then inexact block, exact allow',
        [
          { dir: 'out', dst: '5555::/16' },
          { dir: 'out', dst: '4321::/64', action: 'block' },
          { dir: 'out', src: '4321::1', dst: '4321::2' },
        ],
        'allow',
      ],
      [
        'inexact allow first, exact block second',
        [
          { dir: 'out', dst: '4321::/64' },
          { dir: 'out', src: '4321::1', dst: '4321::2', action: 'block' },
        ],
        'allow',
      ],
    ])('gives an exact/inexact tie to the exact policy unless the inexact one has pos 0: %s -> %s', (_case, specs, expected) => {
      expect(outcome(withPolicies(...specs), 'out')).toBe(expected);
    });

    it('does not renumber positions on delete, only on the next insertion', () => {
      // kernel-semantics §1.5.3 "pos is recomputed only on insertion" (code: xfrm_policy_insert_inexact_list)
      const spd = withPolicies(
        { dir: 'out', dst: '5555::/16' },
        { dir: 'out', dst: '4321::/64', action: 'block' },
        { dir: 'out', src: '4321::1', dst: '4321::2' },
      );
      expect(outcome(spd, 'out')).toBe('allow');
      spd.delete(byId({ dir: 'out', dst: '5555::/16' }));
      expect(outcome(spd, 'out')).toBe('allow');
      spd.add(pol({ dir: 'out', dst: '6666::/16' }));
      expect(outcome(spd, 'out')).toBe('block');
    });

    it('keeps pos 0 for an inexact policy updated at its priority, not after a priority change', () => {
      // code: xfrm_policy_insert_inexact_list renumbers with the replaced policy still in the list,
      // the replacement in its place at unchanged priority, else behind its priority's peers.
      const inexact: Spec = { dir: 'out', dst: '4321::/64', action: 'block' };
      const spd = withPolicies(inexact, { dir: 'out', src: '4321::1', dst: '4321::2' }, { dir: 'out', dst: '5555::/16' });
      expect(outcome(spd, 'out')).toBe('block');
      spd.update(pol({ ...inexact, tmpls: [{ proto: 'esp' }] }));
      expect(outcome(spd, 'out')).toBe('block');
      spd.update(pol({ ...inexact, priority: 1 }));
      spd.update(pol(inexact));
      expect(outcome(spd, 'out')).toBe('allow');
    });

    it('counts the replaced policy when it renumbers for an update, leaving pos 0 empty', () => {
      // code: the replaced policy leaves the inexact list only after the renumbering (__xfrm_policy_unlink).
      // [first 0, block 1] + first at priority 1 -> [first 0, block 1, first' 2] -> [block 1, first' 2].
      const first: Spec = { dir: 'out', dst: '5555::/16' };
      const spd = withPolicies(first, { dir: 'out', dst: '4321::/64', action: 'block' }, { dir: 'out', src: '4321::1', dst: '4321::2' });
      spd.update(pol({ ...first, priority: 1 }));
      expect(outcome(spd, 'out')).toBe('allow');
      // The next insertion renumbers from 0 again.
      spd.add(pol({ dir: 'out', dst: '6666::/16' }));
      expect(outcome(spd, 'out')).toBe('block');
    });

    it.each<[string, Spec]>([
      ['a sub policy', { dir: 'out', dst: '5555::/16', ptype: 'sub' }],
      ['an IPv4 policy', { dir: 'out', family: 'inet' }],
      ['a policy with an if_id', { dir: 'out', dst: '5555::/16', ifId: 7 }],
    ])('counts %s in the positions of the direction inexact list', (_case, first) => {
      // code: net->xfrm.policy_inexact[dir] holds every type, family and if_id of the direction.
      const spd = withPolicies(first, { dir: 'out', dst: '4321::/64', action: 'block' }, { dir: 'out', src: '4321::1', dst: '4321::2' });
      expect(spd.lookup('out', 'main', ECHO)?.action).toBe('allow');
    });

    it('matches ICMPv6 type and code through sport and dport', () => {
      // VERIFIED e07 T3
      expect(outcome(withPolicies({ dir: 'out', proto: IPPROTO.ICMPV6, type: 128, action: 'block' }), 'out')).toBe('block');
      expect(outcome(withPolicies({ dir: 'out', proto: IPPROTO.ICMPV6, type: 129, action: 'block' }), 'out')).toBe('none');
      expect(outcome(withPolicies({ dir: 'out', proto: IPPROTO.ICMPV6, type: 128, code: 1, action: 'block' }), 'out')).toBe('none');
      expect(outcome(withPolicies({ dir: 'out', proto: IPPROTO.ICMPV6, code: 0, action: 'block' }), 'out')).toBe('block');
    });

    it('matches ports, with `sport 0` as a wildcard', () => {
      // VERIFIED e07 T4
      const udp = (dport: number, sport = 40000): XfrmFlow => ({ ...ECHO, proto: IPPROTO.UDP, sport, dport });
      const byDport = withPolicies({ dir: 'out', proto: IPPROTO.UDP, dport: 53, action: 'block' });
      expect([outcome(byDport, 'out', udp(53)), outcome(byDport, 'out', udp(54))]).toEqual(['block', 'none']);
      const bySport = withPolicies({ dir: 'out', proto: IPPROTO.UDP, sport: 4000, action: 'block' });
      expect([outcome(bySport, 'out', udp(53, 4000)), outcome(bySport, 'out', udp(53, 4001))]).toEqual(['block', 'none']);
      const tcp = withPolicies({ dir: 'out', proto: IPPROTO.TCP, action: 'block' });
      expect(outcome(tcp, 'out', udp(53))).toBe('none');
      const sport0 = withPolicies({ dir: 'out', proto: IPPROTO.UDP, sport: 0, dport: 53, action: 'block' });
      expect(outcome(sport0, 'out', udp(53, 4001))).toBe('block');
    });

    it('matches the policy mark against the flow mark under the mask', () => {
      // VERIFIED e07 T9: mark 0 passes, SO_MARK 1 and mangle MARK 0x101 are blocked.
      const spd = withPolicies({ dir: 'out', dst: '4321::/64', mark: 0x1, mask: 0xff, action: 'block' });
      expect([0, 1, 0x101].map((mark) => outcome(spd, 'out', { ...ECHO, mark }))).toEqual(['none', 'block', 'block']);
    });

    it('compares `dev` with the flow oif', () => {
      // VERIFIED e07 T1: an out dev eth0 policy misses unbound sockets (oif 0) and hits `ping -I eth0`.
      const out = withPolicies({ dir: 'out', src: '::/0', dst: '::/0', dev: ETH0, action: 'block' });
      expect([outcome(out, 'out'), outcome(out, 'out', { ...ECHO, oif: ETH0 })]).toEqual(['none', 'block']);
      // VERIFIED e07 T2: local delivery is checked with oif lo, so `in dev eth0` never matches it.
      const local: XfrmFlow = { ...ECHO, oif: LO };
      expect(outcome(withPolicies({ dir: 'in', dev: ETH0, action: 'block' }), 'in', local)).toBe('none');
      expect(outcome(withPolicies({ dir: 'in', dev: LO, action: 'block' }), 'in', local)).toBe('block');
    });

    it('never matches an IPv6 flow with a policy added without addresses (IPv4)', () => {
      // kernel-semantics §7.3, VERIFIED e01 (listed as 0.0.0.0/0) and e07
      const spd = withPolicies({ dir: 'out', family: 'inet', action: 'block' }, { dir: 'in', family: 'inet', action: 'block' });
      expect([outcome(spd, 'out'), outcome(spd, 'in')]).toEqual(['none', 'none']);
      spd.add(pol({ dir: 'out', dst: '::/0', action: 'block' }));
      expect(outcome(spd, 'out')).toBe('block');
    });

    it('answers each direction from its own policies', () => {
      // kernel-semantics §1.4: in never applies to forwarded packets, fwd never to local ones.
      const spd = withPolicies({ dir: 'in', action: 'block' }, { dir: 'fwd', dst: '4321::/64' });
      expect([outcome(spd, 'out'), outcome(spd, 'in'), outcome(spd, 'fwd')]).toEqual(['none', 'block', 'allow']);
    });

    it('requires the policy if_id to equal the lookup if_id', () => {
      // kernel-semantics §1.2
      const spd = withPolicies({ dir: 'out', action: 'block', ifId: 5 });
      expect([outcome(spd, 'out'), outcome(spd, 'out', { ...ECHO, ifId: 5 })]).toEqual(['none', 'block']);
    });

    it('looks up one type at a time', () => {
      const spd = withPolicies({ dir: 'out', dst: '4321::/64', ptype: 'sub', action: 'block' });
      expect(spd.lookup('out', 'main', ECHO)).toBeUndefined();
      expect(spd.lookup('out', 'sub', ECHO)?.action).toBe('block');
    });
  });

  describe('lookupBoth()', () => {
    it.each<[string, Spec[]]>([
      // kernel-semantics §1.5.4, VERIFIED e07 T8
      [
        'main block priority 0, sub allow priority 100',
        [
          { dir: 'out', dst: '4321::/64', priority: 0, action: 'block' },
          { dir: 'out', dst: '4321::/64', ptype: 'sub', priority: 100 },
        ],
      ],
      [
        'main allow, sub block',
        [
          { dir: 'out', dst: '4321::/64', priority: 0 },
          { dir: 'out', dst: '4321::/64', ptype: 'sub', priority: 100, action: 'block' },
        ],
      ],
    ])('blocks when either the sub or the main policy blocks: %s', (_case, specs) => {
      expect(outcome(withPolicies(...specs), 'out')).toBe('block');
    });

    it('allows with both policies, sub first, when both allow', () => {
      const spd = withPolicies({ dir: 'out', dst: '4321::/64', priority: 3 }, { dir: 'out', dst: '4321::/64', ptype: 'sub' });
      const verdict = spdVerdict(lookupBoth(spd, 'out', ECHO));
      expect(verdict.kind === 'allow' && verdict.policies.map((p) => p.ptype)).toEqual(['sub', 'main']);
    });

    it('on output consults main beside a sub policy only when the sub policy allows', () => {
      // code: xfrm_expand_policies looks up main only for an ALLOW sub policy.
      const spd = withPolicies({ dir: 'out', dst: '4321::/64', ptype: 'sub', action: 'block' }, { dir: 'out', dst: '4321::/64' });
      const m = lookupBoth(spd, 'out', ECHO);
      expect([m.sub?.action, m.main]).toEqual(['block', undefined]);
    });

    it('on an inbound check consults main with dir in, also for fwd', () => {
      // kernel-semantics §1.5.4 (code: __xfrm_policy_check uses XFRM_POLICY_IN for the main lookup).
      const spd = withPolicies(
        { dir: 'fwd', dst: '4321::/64', ptype: 'sub' },
        { dir: 'fwd', dst: '4321::/64', action: 'block' },
        { dir: 'in', dst: '4321::/64', priority: 9 },
      );
      const m = lookupBoth(spd, 'fwd', ECHO);
      expect([m.sub?.dir, m.main?.dir, m.main?.priority]).toEqual(['fwd', 'in', 9]);
      expect(spdVerdict(m).kind).toBe('allow');
      // Without a sub policy the fwd main policy is the one.
      spd.flush('sub');
      expect(outcome(spd, 'fwd')).toBe('block');
    });

    it('returns main alone when no sub policy matches, and nothing when neither does', () => {
      const spd = withPolicies({ dir: 'out', dst: '4321::/64', action: 'block' }, { dir: 'out', dst: '5555::/16', ptype: 'sub' });
      expect(lookupBoth(spd, 'out', ECHO).sub).toBeUndefined();
      expect(lookupBoth(spd, 'out', ECHO).main?.action).toBe('block');
      expect(lookupBoth(spd, 'out', { ...ECHO, dst: ipv6('7777::1') })).toEqual({});
    });
  });

  describe('add(), update(), get(), delete()', () => {
    it('refuses an existing identity with EEXIST even with another priority, changing nothing', () => {
      // kernel-semantics §1.1/§1.8, VERIFIED e01 (`add ... priority 5` after the same selector) and e08
      const spd = withPolicies({ dir: 'out', src: '4321::1', dst: '4321::2', tmpls: [{ proto: 'esp', mode: 'tunnel' }] });
      const before = spd.list();
      expect(
        refusal(() => spd.add(pol({ dir: 'out', src: '4321::1', dst: '4321::2', tmpls: [{ proto: 'esp', mode: 'tunnel' }] }))),
      ).toEqual({
        errno: 'EEXIST',
        extack: undefined,
      });
      expect(
        refusal(() => spd.add(pol({ dir: 'out', src: '4321::1', dst: '4321::2', priority: 5, action: 'block', tmpls: [{ proto: 'ah' }] }))),
      ).toEqual({
        errno: 'EEXIST',
        extack: undefined,
      });
      expect(spd.list()).toEqual(before);
    });

    it('takes dir, type, if_id and mark into the identity', () => {
      const spd = withPolicies({ dir: 'out', dst: '4321::/64' });
      for (const s of [
        { dir: 'in', dst: '4321::/64' },
        { dir: 'out', dst: '4321::/64', ptype: 'sub' },
        { dir: 'out', dst: '4321::/64', ifId: 3 },
        { dir: 'out', dst: '4321::/64', mark: 1 },
        { dir: 'out', dst: '4321::1/64' },
      ] satisfies Spec[])
        spd.add(pol(s));
      expect(spd.list()).toHaveLength(6);
    });

    it('stores the mark as value & mask, so 0x16/0xf is the same policy as 0x6/0xf', () => {
      // kernel: xfrm_policy_insert sanitises the mark; VERIFIED e11
      const base = { dir: 'in', src: '4321::/64', dst: '4321::/64' } as const;
      const spd = withPolicies({ ...base, mark: 0x5 }, { ...base, mark: 0x6, mask: 0xf });
      expect(refusal(() => spd.add(pol({ ...base, mark: 0x16, mask: 0xf })))?.errno).toBe('EEXIST');
      expect(spd.list().map((p) => p.mark)).toEqual([
        { v: 0x6, m: 0xf },
        { v: 0x5, m: 0xffffffff },
      ]);
      const stored = spd.add(pol({ ...base, mark: 0x37, mask: 0xf0 }));
      expect(stored.mark).toEqual({ v: 0x30, m: 0xf0 });
    });

    it('finds a policy with a mark only when get and delete give the same mark', () => {
      // VERIFIED e11: get without mark fails, get with `mark 0x6 mask 0xf` succeeds, delete with `mark 0x5` succeeds.
      const base = { dir: 'in', src: '4321::/64', dst: '4321::/64' } as const;
      const spd = withPolicies({ ...base, mark: 0x5 }, { ...base, mark: 0x6, mask: 0xf });
      expect(refusal(() => spd.get(byId(base)))).toEqual({ errno: 'ENOENT', extack: undefined });
      expect(spd.get(byId({ ...base, mark: 0x6, mask: 0xf })).mark).toEqual({ v: 0x6, m: 0xf });
      // code: xfrm_policy_bysel_ctx compares the request's mark as given, unsanitised.
      expect(refusal(() => spd.get(byId({ ...base, mark: 0x16, mask: 0xf })))?.errno).toBe('ENOENT');
      expect(spd.delete(byId({ ...base, mark: 0x5 })).mark).toEqual({ v: 0x5, m: 0xffffffff });
      expect(spd.list()).toHaveLength(1);
    });

    it('answers ENOENT for a missing policy', () => {
      // VERIFIED e11 (`delete ... dir fwd` of an in policy)
      const spd = withPolicies({ dir: 'in', src: '4321::/64', dst: '4321::/64' });
      expect(refusal(() => spd.delete(byId({ dir: 'fwd', src: '4321::/64', dst: '4321::/64' })))).toEqual({
        errno: 'ENOENT',
        extack: undefined,
      });
      expect(refusal(() => spd.get(byId({ dir: 'in', src: '4321::/64', dst: '4321::/63' })))?.errno).toBe('ENOENT');
      expect(spd.list()).toHaveLength(1);
    });

    it('update() replaces the policy and keeps its index', () => {
      // VERIFIED e12: index 17 priority 5 -> update priority 9 action block -> index 17
      const spd = withPolicies({ dir: 'in', dst: '7::/16' });
      const first = spd.add(pol({ dir: 'out', src: '4321::1', dst: '4321::2', priority: 5 }));
      const updated = spd.update(pol({ dir: 'out', src: '4321::1', dst: '4321::2', priority: 9, action: 'block' }));
      expect(first.index).toBe(9);
      expect(updated).toMatchObject({ index: 9, priority: 9, action: 'block' });
      expect(spd.list()).toHaveLength(2);
      expect(outcome(spd, 'out')).toBe('block');
    });

    it('update() ignores a given index when it replaces a policy', () => {
      // code: xfrm_policy_insert takes delpol->index
      const spd = withPolicies({ dir: 'out', dst: '4321::/64' });
      expect(spd.update(pol({ dir: 'out', dst: '4321::/64', index: 0x401 })).index).toBe(1);
    });

    it('update() of a missing policy adds it', () => {
      // kernel-semantics §1.8, VERIFIED e11 (`update src 7::/16 dst 8::/16 dir in priority 9` then add -> EEXIST)
      const spd = makeSpd();
      expect(spd.update(pol({ dir: 'in', src: '7::/16', dst: '8::/16', priority: 9 })).index).toBe(8);
      expect(refusal(() => spd.add(pol({ dir: 'in', src: '7::/16', dst: '8::/16', priority: 9 })))?.errno).toBe('EEXIST');
    });

    it('update() makes the policy the newest in the list', () => {
      // code: __xfrm_policy_link adds the replacement at the head of policy_all
      const spd = withPolicies({ dir: 'out', dst: '1::/64' }, { dir: 'out', dst: '2::/64' });
      spd.update(pol({ dir: 'out', dst: '1::/64', priority: 3 }));
      expect(spd.list().map((p) => [p.index, p.priority])).toEqual([
        [1, 3],
        [9, 0],
      ]);
    });

    it.each<[string, string, string]>([
      ['exact', '4321::1', '4321::2'],
      ['inexact', '4321::/64', '4321::/64'],
    ])('update() of an %s policy keeps its place among equal priorities, and a priority change moves it behind them', (_kind, src, dst) => {
      // code: xfrm_policy_insert_list / xfrm_policy_insert_inexact_list stop at the replaced policy
      // unless the new priority is larger.
      const a: Spec = { dir: 'out', src, dst };
      const spd = withPolicies(a, { dir: 'out', src, dst, proto: IPPROTO.ICMPV6 });
      expect(spd.lookup('out', 'main', ECHO)?.selector.proto).toBe(0);
      spd.update(pol({ ...a, action: 'block' }));
      expect(spd.lookup('out', 'main', ECHO)?.action).toBe('block');
      spd.update(pol({ ...a, priority: 1 }));
      spd.update(pol({ ...a, priority: 0 }));
      expect(spd.lookup('out', 'main', ECHO)?.selector.proto).toBe(IPPROTO.ICMPV6);
    });

    it('delete() returns the policy and takes it out of lookups', () => {
      const spd = withPolicies({ dir: 'out', dst: '4321::/64', action: 'block' });
      expect(spd.delete(byId({ dir: 'out', dst: '4321::/64' })).action).toBe('block');
      expect([outcome(spd, 'out'), spd.list().length]).toEqual(['none', 0]);
    });

    it('gets and deletes by index, within the direction, type, if_id and mark of the request', () => {
      const spd = makeSpd();
      const p = spd.add(pol({ dir: 'out', dst: '4321::/64', mark: 1, mask: 0xff }));
      const id = { by: 'index', dir: 'out', index: p.index, mark: { v: 1, m: 0xff } } as const;
      expect(spd.get(id)).toEqual(p);
      // code: xfrm_policy_byid
      expect(refusal(() => spd.get({ ...id, dir: 'in' }))?.errno).toBe('ENOENT');
      expect(refusal(() => spd.get({ ...id, ptype: 'sub' }))?.errno).toBe('ENOENT');
      expect(refusal(() => spd.get({ ...id, ifId: 1 }))?.errno).toBe('ENOENT');
      expect(refusal(() => spd.get({ ...id, mark: undefined }))?.errno).toBe('ENOENT');
      expect(refusal(() => spd.get({ ...id, index: p.index + 8 }))?.errno).toBe('ENOENT');
      expect(spd.delete(id)).toEqual(p);
      expect(refusal(() => spd.delete(id))?.errno).toBe('ENOENT');
    });

    it('lists newest first', () => {
      // VERIFIED e01 (`ip xfrm policy list` after the grammar probes)
      const spd = makeSpd();
      spd.add(pol({ dir: 'in', src: '4321::1', dst: '4321::2', tmpls: [{ proto: 'esp', mode: 'tunnel', level: 'use' }] }));
      spd.add(pol({ dir: 'out', src: '4321::1', dst: '4321::2', tmpls: [{ proto: 'esp', mode: 'tunnel' }] }));
      spd.update(pol({ dir: 'out', src: '4321::1', dst: '4321::2', priority: 7, tmpls: [{ proto: 'ah' }] }));
      spd.add(pol({ dir: 'fwd', src: '4321::/64', dst: '4321::/64', action: 'block' }));
      spd.add(pol({ dir: 'out', family: 'inet', tmpls: [{ proto: 'esp' }] }));
      spd.add(pol({ dir: 'in', dst: '::/0', ptype: 'sub' }));
      spd.add(pol({ dir: 'in', dst: '5555::/16', index: 8 }));
      spd.add(pol({ dir: 'out', dst: '7777::/16', mark: 0x10, mask: 0xf0, ifId: 3 }));
      expect(spd.list().map((p) => `${p.dir} ${p.ptype} ${p.selector.family} /${p.selector.prefixlenD} ${p.priority}`)).toEqual([
        'out main inet6 /16 0',
        'in main inet6 /16 0',
        'in sub inet6 /0 0',
        'out main inet /0 0',
        'fwd main inet6 /64 0',
        'out main inet6 /128 7',
        'in main inet6 /128 0',
      ]);
    });

    it('flush() removes one type in every direction and counts follow', () => {
      const spd = withPolicies(
        { dir: 'in', dst: '1::/64' },
        { dir: 'out', dst: '1::/64' },
        { dir: 'out', dst: '2::/64' },
        { dir: 'fwd', dst: '1::/64', ptype: 'sub' },
      );
      expect(spd.count()).toEqual({ in: 1, out: 2, fwd: 1 });
      spd.flush();
      expect(spd.count()).toEqual({ in: 0, out: 0, fwd: 1 });
      expect(spd.list().map((p) => p.ptype)).toEqual(['sub']);
      spd.flush('sub');
      spd.flush('sub');
      expect(spd.list()).toEqual([]);
    });
  });

  describe('index numbering', () => {
    const indexes = (spd: Spd, dirs: XfrmDir[]) => dirs.map((dir, i) => spd.add(pol({ dir, dst: `${i + 9}::/16` })).index);

    it('numbers in, out, fwd as 8, 9, 18 in a fresh namespace', () => {
      // VERIFIED e08
      expect(indexes(makeSpd(), ['in', 'out', 'fwd'])).toEqual([8, 9, 18]);
    });

    it('numbers out, in, fwd as 1, 8, 18 in a fresh namespace', () => {
      // kernel-semantics §1.8, reproduced on the oracle during review
      expect(indexes(makeSpd(), ['out', 'in', 'fwd'])).toEqual([1, 8, 18]);
    });

    it('does not advance the generator for refused adds', () => {
      // VERIFIED e08: in, out, fwd, out (EEXIST), in (EEXIST), sub in -> 8, 9, 18, 24
      const spd = makeSpd();
      const got: (number | string)[] = [];
      for (const [dir, ptype] of [
        ['in', 'main'],
        ['out', 'main'],
        ['fwd', 'main'],
        ['out', 'main'],
        ['in', 'main'],
        ['in', 'sub'],
      ] as const) {
        try {
          got.push(spd.add(pol({ dir, dst: '9::/16', ptype, priority: got.length * 100 })).index);
        } catch (e) {
          got.push((e as ConfigError).errno);
        }
      }
      expect(got).toEqual([8, 9, 18, 'EEXIST', 'EEXIST', 24]);
      // Refused by validation: also leaves the generator alone.
      expect(refusal(() => spd.add(pol({ dir: 'in', dst: '8::/16', index: 9 })))?.extack).toBe("Policy index doesn't match direction");
      expect(refusal(() => spd.add(pol({ dir: 'out', dst: '8::/16', tmpls: [{ proto: 0 }] })))?.errno).toBe('EINVAL');
      expect(spd.add(pol({ dir: 'out', dst: '8::/16' })).index).toBe(33);
    });

    it('keeps counting across flushes', () => {
      // VERIFIED e07 T10: 34 policies were added (and flushed) in that namespace before.
      const spd = makeSpd();
      for (let i = 0; i < 34; i++) spd.add(pol({ dir: 'out', dst: `${i + 1}::/64` }));
      spd.flush();
      const got = [
        spd.add(pol({ dir: 'out', dst: '1::/64' })),
        spd.add(pol({ dir: 'in', dst: '2::/64' })),
        spd.add(pol({ dir: 'fwd', dst: '3::/64' })),
        spd.add(pol({ dir: 'out', dst: '4::/64' })),
        spd.add(pol({ dir: 'out', src: '4321::1', dst: '4321::2' })),
      ].map((p) => p.index);
      expect(got).toEqual([273, 280, 290, 297, 305]);
      expect(spd.list().map((p) => p.index)).toEqual([305, 297, 290, 280, 273]);
    });

    it('keeps a free given index without using the generator', () => {
      // VERIFIED e01 (`dir in index 8` accepted); code: xfrm_gen_index
      const spd = makeSpd();
      expect(spd.add(pol({ dir: 'in', dst: '5555::/16', index: 0x108 })).index).toBe(0x108);
      expect(spd.add(pol({ dir: 'out', dst: '5555::/16' })).index).toBe(1);
    });

    it('replaces a given index that is taken with a generated one', () => {
      // code: xfrm_gen_index falls back to the generator when the given index exists
      const spd = withPolicies({ dir: 'in', dst: '1::/16' });
      expect(spd.add(pol({ dir: 'in', dst: '5555::/16', index: 8 })).index).toBe(16);
    });

    it('skips generated indexes that are taken', () => {
      const spd = withPolicies({ dir: 'out', dst: '1::/16', index: 9 });
      expect(spd.add(pol({ dir: 'out', dst: '2::/16' })).index).toBe(1);
      expect(spd.add(pol({ dir: 'out', dst: '3::/16' })).index).toBe(17);
    });

    it('shares the generator with socket policies, which use 3 and 4 in the low bits', () => {
      // kernel-semantics §1.8 (code: xfrm_sk_policy_insert -> xfrm_gen_index(XFRM_POLICY_MAX + dir))
      const spd = makeSpd();
      expect(spd.nextSocketPolicyIndex('out')).toBe(4);
      expect(spd.nextSocketPolicyIndex('in')).toBe(11);
      expect(spd.add(pol({ dir: 'out', dst: '1::/16' })).index).toBe(17);
    });
  });

  describe('hash thresholds', () => {
    it('starts at 32/32 for IPv4 and 128/128 for IPv6', () => {
      expect(makeSpd().getHthresh()).toEqual({ hthresh4: { lbits: 32, rbits: 32 }, hthresh6: { lbits: 128, rbits: 128 } });
    });

    it('hthresh6 decides which selectors are exact, and so how ties end', () => {
      // kernel-semantics §1.5.2: with `set hthresh6 64 64` a /64,/64 policy is hashed like a /128 one
      // and the two compete in chain order (priority, then age) instead of by pos.
      const spd = withPolicies(
        { dir: 'out', dst: '5555::/16' },
        { dir: 'out', src: '4321::/64', dst: '4321::/64', action: 'block' },
        { dir: 'out', src: '4321::1', dst: '4321::2' },
      );
      expect(outcome(spd, 'out')).toBe('allow');
      spd.setHthresh({ hthresh6: { lbits: 64, rbits: 64 } });
      expect(spd.getHthresh().hthresh6).toEqual({ lbits: 64, rbits: 64 });
      expect(outcome(spd, 'out')).toBe('block');
      spd.setHthresh({ hthresh6: { lbits: 128, rbits: 128 } });
      expect(outcome(spd, 'out')).toBe('allow');
    });

    it('hashes out on dst by the remote bits and in on dst by the local bits', () => {
      // code: xfrm_hash_rebuild: out => dbits = rbits, sbits = lbits; in/fwd => dbits = lbits, sbits = rbits
      const specs = (dir: XfrmDir): Spec[] => [
        { dir, dst: '5555::/16' },
        { dir, src: '4321::1', dst: '4321::/64', action: 'block' },
        { dir, src: '4321::1', dst: '4321::2' },
      ];
      const spd = withPolicies(...specs('out'), ...specs('in'));
      spd.setHthresh({ hthresh6: { lbits: 64, rbits: 128 } });
      expect([outcome(spd, 'out'), outcome(spd, 'in')]).toEqual(['allow', 'block']);
    });

    it('refuses thresholds beyond the address length with the kernel message, changing nothing', () => {
      const spd = withPolicies({ dir: 'out', dst: '4321::/64' });
      expect(refusal(() => spd.setHthresh({ hthresh6: { lbits: 129, rbits: 64 } }))).toEqual({
        errno: 'EINVAL',
        extack: 'Invalid hash threshold (must be <= 128 for IPv6)',
      });
      expect(refusal(() => spd.setHthresh({ hthresh4: { lbits: 24, rbits: 33 }, hthresh6: { lbits: 64, rbits: 64 } }))).toEqual({
        errno: 'EINVAL',
        extack: 'Invalid hash threshold (must be <= 32 for IPv4)',
      });
      expect(spd.getHthresh().hthresh6).toEqual({ lbits: 128, rbits: 128 });
    });

    it('leaves a policy made exact by a rebuild the pos it had', () => {
      // code: xfrm_hash_rebuild never resets pos; only xfrm_policy_insert_inexact_list writes it.
      // B (block) was at pos 1; once exact it keeps 1, so a later inexact allow at pos 1 beats it.
      const spd = withPolicies({ dir: 'out', dst: '5555::/16' }, { dir: 'out', src: '4321::/64', dst: '4321::/64', action: 'block' });
      spd.setHthresh({ hthresh6: { lbits: 64, rbits: 64 } });
      expect(outcome(spd, 'out')).toBe('block');
      spd.add(pol({ dir: 'out', dst: '4321::/48' }));
      expect(outcome(spd, 'out')).toBe('allow');
    });

    it('re-inserts policies in creation order, so a rebuild moves an updated policy behind its peers', () => {
      // code: xfrm_hash_rebuild walks policy_all, where an update is the newest policy.
      const a: Spec = { dir: 'out', src: '4321::1', dst: '4321::2' };
      const spd = withPolicies(a, { dir: 'out', src: '4321::1', dst: '4321::2', proto: IPPROTO.ICMPV6 });
      spd.update(pol({ ...a, action: 'block' }));
      expect(outcome(spd, 'out')).toBe('block');
      spd.setHthresh({ hthresh6: { lbits: 128, rbits: 128 } });
      expect(outcome(spd, 'out')).toBe('allow');
    });
  });

  describe('default policies', () => {
    it('start as accept and change per direction', () => {
      // VERIFIED e01 (getdefault: in, fwd, out accept)
      const spd = makeSpd();
      expect(spd.getDefault()).toEqual({ in: 'accept', fwd: 'accept', out: 'accept' });
      spd.setDefault({ out: 'block' });
      spd.setDefault({ fwd: 'block' });
      expect(spd.getDefault()).toEqual({ in: 'accept', fwd: 'block', out: 'block' });
    });
  });

  it('leaves no trace of refused requests', () => {
    const ops = (spd: Spd, refused: boolean) => {
      const tryIt = (f: () => unknown) => refused && refusal(f);
      spd.add(pol({ dir: 'out', dst: '4321::/64' }));
      tryIt(() => spd.add(pol({ dir: 'out', dst: '4321::/64', priority: 3 })));
      tryIt(() => spd.add(pol({ dir: 'in', dst: '4321::/64', tmpls: Array.from({ length: 7 }, () => ({ proto: 'esp' as const })) })));
      spd.add(pol({ dir: 'out', src: '4321::1', dst: '4321::2', action: 'block' }));
      tryIt(() => spd.delete(byId({ dir: 'out', dst: '5555::/64' })));
      tryIt(() => spd.setHthresh({ hthresh6: { lbits: 200, rbits: 0 } }));
      tryIt(() => spd.update(pol({ dir: 'fwd', dst: '4321::/64', index: 8 })));
      spd.add(pol({ dir: 'in', dst: '4321::/64' }));
      return spd;
    };
    const plain = ops(makeSpd(), false);
    const refused = ops(makeSpd(), true);
    expect(refused.list()).toEqual(plain.list());
    expect(outcome(refused, 'out')).toBe(outcome(plain, 'out'));
    expect(refused.add(pol({ dir: 'fwd', dst: '1::/16' }))).toEqual(plain.add(pol({ dir: 'fwd', dst: '1::/16' })));
  });
});
