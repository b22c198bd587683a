import { describe, expect, it } from 'vitest';
import { IPPROTO } from '../../src/wire/proto.js';
import type { XfrmNamespace } from '../../src/xfrm/namespace.js';
import { secPathEntry, type XfrmSecPathEntry } from '../../src/xfrm/output.js';
import { xfrmPolicyCheck } from '../../src/xfrm/policy-check.js';
import { A, addPolicy, B, echoPacket, GW_A, GW_B, makeNs, type SaSpec, sa, type TmplSpec } from './engine-helpers.js';

const LO = 1;
const OTHER = new Uint8Array(16).fill(0x20);

const ESP_T: SaSpec = { spi: 0x100 };
const AH_T: SaSpec = { proto: 'ah', spi: 0x200 };
const ESP_TUN: SaSpec = { spi: 0x300, mode: 'tunnel', src: GW_A, dst: GW_B };

/** The secpath of SAs added to `ns`, outermost first. */
function secPath(ns: XfrmNamespace, sas: SaSpec[]): XfrmSecPathEntry[] {
  return sas.map((s) => secPathEntry(ns.sad.add(sa(s), 0).state));
}

interface Case {
  name: string;
  tmpls?: TmplSpec[];
  /** No in policy at all. */
  noPolicy?: boolean;
  action?: 'allow' | 'block';
  sp: SaSpec[];
  setup?: (ns: XfrmNamespace) => void;
  counter?: string;
}

const cases: Case[] = [
  // kernel-semantics §3.6 step 0: nothing to check
  { name: 'no policy, no secpath', noPolicy: true, sp: [] },
  // §3.6 step 4, VERIFIED e04 3: transport-only secpath without policy is accepted
  { name: 'transport secpath without policy', noPolicy: true, sp: [ESP_T] },
  // §3.6 step 4, VERIFIED e04 18, e03, e06 F1
  { name: 'tunnel secpath without policy', noPolicy: true, sp: [ESP_TUN], counter: 'XfrmInNoPols' },
  // §1.7, VERIFIED e02 G
  {
    name: 'default in block, no policy',
    noPolicy: true,
    sp: [],
    setup: (ns) => ns.spd.setDefault({ in: 'block' }),
    counter: 'XfrmInNoPols',
  },
  // §3.6 step 5, VERIFIED e04 13
  { name: 'block policy', action: 'block', sp: [ESP_T], counter: 'XfrmInPolBlock' },
  // §3.6 step 6, VERIFIED e04 7
  { name: 'plain packet vs required template', tmpls: [{ proto: 'esp' }], sp: [], counter: 'XfrmInTmplMismatch' },
  // VERIFIED e04 8
  { name: 'plain packet vs level use', tmpls: [{ proto: 'esp', level: 'use' }], sp: [] },
  { name: 'ESP SA vs ESP template', tmpls: [{ proto: 'esp' }], sp: [ESP_T] },
  // VERIFIED e04 9: template reqid 5 vs SA reqid 0
  { name: 'template reqid 5, SA reqid 0', tmpls: [{ proto: 'esp', reqid: 5 }], sp: [ESP_T], counter: 'XfrmInTmplMismatch' },
  // VERIFIED e04 10, §9.3: template reqid 0 is a wildcard on input
  { name: 'template reqid 0, SA reqid 7', tmpls: [{ proto: 'esp' }], sp: [{ spi: 0x100, reqid: 7 }] },
  // VERIFIED e04 11, 12
  { name: 'proto mismatch', tmpls: [{ proto: 'ah' }], sp: [ESP_T], counter: 'XfrmInTmplMismatch' },
  { name: 'spi mismatch', tmpls: [{ proto: 'esp', spi: 0x999 }], sp: [ESP_T], counter: 'XfrmInTmplMismatch' },
  // VERIFIED e04 14
  { name: 'mode mismatch', tmpls: [{ proto: 'esp', mode: 'tunnel' }], sp: [ESP_T], counter: 'XfrmInTmplMismatch' },
  // VERIFIED e04 15-17: tunnel template src compared, dst never
  {
    name: 'tunnel template src wrong',
    tmpls: [{ proto: 'esp', mode: 'tunnel', src: OTHER, dst: GW_B }],
    sp: [ESP_TUN],
    counter: 'XfrmInTmplMismatch',
  },
  { name: 'tunnel template dst wrong', tmpls: [{ proto: 'esp', mode: 'tunnel', src: GW_A, dst: OTHER }], sp: [ESP_TUN] },
  { name: 'tunnel template without addresses', tmpls: [{ proto: 'esp', mode: 'tunnel' }], sp: [ESP_TUN] },
  // VERIFIED e08: AH outermost, ESP inner
  { name: 'esp + ah templates vs AH|ESP secpath', tmpls: [{ proto: 'esp' }, { proto: 'ah' }], sp: [AH_T, ESP_T] },
  // kernel-semantics §3.6 (e08): two templates in the wrong order
  { name: 'templates in the wrong order', tmpls: [{ proto: 'ah' }, { proto: 'esp' }], sp: [AH_T, ESP_T], counter: 'XfrmInTmplMismatch' },
  // VERIFIED e04, §9.6: surplus transport SAs are tolerated
  { name: 'only the ESP template for AH|ESP', tmpls: [{ proto: 'esp' }], sp: [AH_T, ESP_T] },
  // §3.6 step 6 end: surplus tunnel SAs are not
  { name: 'tunnel SA not asked for', tmpls: [{ proto: 'ah' }], sp: [ESP_TUN, AH_T], counter: 'XfrmInTmplMismatch' },
  { name: 'allow without templates, tunnel secpath', tmpls: [], sp: [ESP_TUN], counter: 'XfrmInTmplMismatch' },
  // §3.6 step 2, VERIFIED e04 6: SA selector proto udp, ICMPv6 inside
  {
    name: 'SA selector does not match',
    tmpls: [{ proto: 'esp' }],
    sp: [{ spi: 0x100, sel: { proto: IPPROTO.UDP } }],
    counter: 'XfrmInStateMismatch',
  },
  // §4 XfrmInBufferError: 6 templates in an in policy drop every packet
  {
    name: '6 templates',
    tmpls: Array.from({ length: 6 }, () => ({ proto: 'esp' as const, level: 'use' as const })),
    sp: [],
    counter: 'XfrmInBufferError',
  },
];

describe('xfrmPolicyCheck() dir in (kernel-semantics §3.6)', () => {
  for (const c of cases) {
    it(`${c.name}: ${c.counter ?? 'pass'}`, () => {
      const ns = makeNs();
      c.setup?.(ns);
      if (!c.noPolicy) addPolicy(ns, { dir: 'in', action: c.action ?? 'allow', tmpls: c.tmpls ?? [] });
      const r = xfrmPolicyCheck(ns, 'in', echoPacket(), secPath(ns, c.sp), { oif: LO, mark: 0 });
      expect(r.kind === 'drop' ? r.counter : 'pass').toBe(c.counter ?? 'pass');
      const counted = Object.entries(ns.stats.snapshot()).filter(([, v]) => v !== 0);
      expect(counted).toEqual(c.counter ? [[c.counter, 1]] : []);
    });
  }
});

describe('xfrmPolicyCheck() directions and types', () => {
  it('in policies never apply to forwarded packets (§1.4, VERIFIED e13)', () => {
    const ns = makeNs();
    addPolicy(ns, { dir: 'in', action: 'block' });
    expect(xfrmPolicyCheck(ns, 'fwd', echoPacket(), [], { oif: 2, mark: 0 }).kind).toBe('pass');
  });

  it('fwd default block drops with XfrmInNoPols; an allow fwd policy is enough (§1.7, VERIFIED e13)', () => {
    const ns = makeNs();
    ns.spd.setDefault({ fwd: 'block' });
    expect(xfrmPolicyCheck(ns, 'fwd', echoPacket(), [], { oif: 2, mark: 0 })).toMatchObject({ counter: 'XfrmInNoPols' });
    addPolicy(ns, { dir: 'fwd' });
    expect(xfrmPolicyCheck(ns, 'fwd', echoPacket(), [], { oif: 2, mark: 0 }).kind).toBe('pass');
  });

  it('a block main policy beside an allow sub policy blocks (§1.5.4, VERIFIED e07 T8)', () => {
    const ns = makeNs();
    addPolicy(ns, { dir: 'in', ptype: 'sub' });
    addPolicy(ns, { dir: 'in', action: 'block' });
    expect(xfrmPolicyCheck(ns, 'in', echoPacket(), [], { oif: LO, mark: 0 })).toMatchObject({ counter: 'XfrmInPolBlock' });
  });

  it('the selector sees the decapsulated packet: a policy for other addresses does not apply', () => {
    const ns = makeNs();
    addPolicy(ns, { dir: 'in', src: B, dst: A, tmpls: [{ proto: 'esp' }] });
    expect(xfrmPolicyCheck(ns, 'in', echoPacket(A, B), [], { oif: LO, mark: 0 }).kind).toBe('pass');
  });
});
