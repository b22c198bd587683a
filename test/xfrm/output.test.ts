import { describe, expect, it } from 'vitest';
import { readIpv6 } from '../../src/wire/ipv6.js';
import { ipv6 } from '../../src/wire/ipv6-address.js';
import { IPPROTO } from '../../src/wire/proto.js';
import { xfrmInput } from '../../src/xfrm/input.js';
import type { XfrmNamespace } from '../../src/xfrm/namespace.js';
import { type XfrmOutputDecision, xfrmLookupOutput } from '../../src/xfrm/output.js';
import { A, addPolicy, B, echoFlow, echoPacket, GW_A, GW_B, makeNs, outCtx, sa } from './engine-helpers.js';

function transformed(d: XfrmOutputDecision, bytes = echoPacket(), mark = 0): Uint8Array {
  if (d.kind !== 'bundle') throw new Error(`expected a bundle, got ${d.kind}`);
  const r = d.transform(bytes, mark);
  if (r.kind !== 'transformed') throw new Error(`transform dropped: ${r.counter}`);
  return r.packets[0]!;
}

describe('xfrmLookupOutput() outcomes (kernel-semantics §2.1 table)', () => {
  const cases: {
    name: string;
    setup: (ns: XfrmNamespace) => void;
    kind: XfrmOutputDecision['kind'];
    errno?: string;
    counter?: string;
  }[] = [
    // kernel-semantics §2.1 step 2
    { name: 'no policy at all: plain', setup: () => {}, kind: 'no-policy' },
    // §1.7, VERIFIED e02 F: EPERM and no counter
    { name: 'setdefault out block without policy', setup: (ns) => ns.spd.setDefault({ out: 'block' }), kind: 'block', errno: 'EPERM' },
    // §2.1 step 4, VERIFIED e02 E
    {
      name: 'action block',
      setup: (ns) => addPolicy(ns, { dir: 'out', action: 'block' }),
      kind: 'block',
      errno: 'EPERM',
      counter: 'XfrmOutPolBlock',
    },
    // §1.5.4, VERIFIED e07 T8: main block beside sub allow blocks
    {
      name: 'sub allow + main block',
      setup: (ns) => {
        addPolicy(ns, { dir: 'out', ptype: 'sub' });
        addPolicy(ns, { dir: 'out', action: 'block' });
      },
      kind: 'block',
      errno: 'EPERM',
      counter: 'XfrmOutPolBlock',
    },
    // §2.1 step 5
    { name: 'allow without templates', setup: (ns) => addPolicy(ns, { dir: 'out' }), kind: 'plain' },
    // §2.1 table, VERIFIED e02 A
    {
      name: 'template without SA',
      setup: (ns) => addPolicy(ns, { dir: 'out', tmpls: [{ proto: 'esp' }] }),
      kind: 'no-state',
      counter: 'XfrmOutNoStates',
    },
    // §1.6 level use: no SA -> template skipped
    {
      name: 'optional template without SA',
      setup: (ns) => addPolicy(ns, { dir: 'out', tmpls: [{ proto: 'esp', level: 'use' }] }),
      kind: 'plain',
    },
    // §2.1 table, VERIFIED e02 D / article probe_tunnel_addrs T4
    {
      name: 'tunnel template without addresses',
      setup: (ns) => addPolicy(ns, { dir: 'out', tmpls: [{ proto: 'esp', mode: 'tunnel' }] }),
      kind: 'error',
      errno: 'EHOSTUNREACH',
      counter: 'XfrmOutPolError',
    },
    // §9.3: template reqid 0 matches only SA reqid 0 on output (VERIFIED e07 T11)
    {
      name: 'reqid 0 template vs reqid 7 SA',
      setup: (ns) => {
        addPolicy(ns, { dir: 'out', tmpls: [{ proto: 'esp' }] });
        ns.sad.add(sa({ spi: 0x100, reqid: 7 }), 0);
      },
      kind: 'no-state',
      counter: 'XfrmOutNoStates',
    },
    // §2.1 table: template spi held by an SA that does not fit
    {
      name: 'template spi held by another reqid',
      setup: (ns) => {
        addPolicy(ns, { dir: 'out', tmpls: [{ proto: 'esp', spi: 0x100, reqid: 1 }] });
        ns.sad.add(sa({ spi: 0x100, reqid: 2 }), 0);
      },
      kind: 'error',
      errno: 'EEXIST',
      counter: 'XfrmOutPolError',
    },
    {
      name: 'one SA: a bundle',
      setup: (ns) => {
        addPolicy(ns, { dir: 'out', tmpls: [{ proto: 'esp' }] });
        ns.sad.add(sa({ spi: 0x100 }), 0);
      },
      kind: 'bundle',
    },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.kind}${c.errno ? ` ${c.errno}` : ''}${c.counter ? ` + ${c.counter}` : ''}`, () => {
      const ns = makeNs();
      c.setup(ns);
      const before = ns.stats.snapshot();
      const d = xfrmLookupOutput(ns, echoFlow(), outCtx());
      expect(d.kind).toBe(c.kind);
      if (c.errno) expect((d as { errno: string }).errno).toBe(c.errno);
      const after = ns.stats.snapshot();
      const changed = Object.entries(after).filter(([k, v]) => v !== before[k as keyof typeof before]);
      expect(changed).toEqual(c.counter ? [[c.counter, 1]] : []);
    });
  }

  it('counts XfrmOutNoStates once per lookup, not per template (§2.1, VERIFIED e07 T12)', () => {
    const ns = makeNs();
    addPolicy(ns, { dir: 'out', tmpls: [{ proto: 'esp' }, { proto: 'ah' }] });
    for (let i = 0; i < 3; i++) xfrmLookupOutput(ns, echoFlow(), outCtx());
    expect(ns.stats.get('XfrmOutNoStates')).toBe(3);
  });

  it('a policy with 6 templates never resolves: ENOBUFS + XfrmOutPolError (xfrm_tmpl_resolve)', () => {
    const ns = makeNs();
    addPolicy(ns, { dir: 'out', tmpls: Array.from({ length: 6 }, () => ({ proto: 'esp' as const, level: 'use' as const })) });
    const d = xfrmLookupOutput(ns, echoFlow(), outCtx());
    expect(d).toMatchObject({ kind: 'error', errno: 'ENOBUFS', counter: 'XfrmOutPolError' });
  });

  it('no route to a tunnel SA end: XfrmOutBundleGenError with the route errno (VERIFIED e12 3)', () => {
    const ns = makeNs();
    addPolicy(ns, { dir: 'out', tmpls: [{ proto: 'esp', mode: 'tunnel', src: GW_A, dst: GW_B }] });
    ns.sad.add(sa({ spi: 0x200, mode: 'tunnel', src: GW_A, dst: GW_B }), 0);
    const d = xfrmLookupOutput(ns, echoFlow(), { nowUs: 0, route: () => ({ kind: 'error', errno: 'ENETUNREACH' }) });
    expect(d).toMatchObject({ kind: 'error', errno: 'ENETUNREACH', counter: 'XfrmOutBundleGenError' });
  });

  it("a tunnel SA's outer header takes the hop limit of the route to its end (recorded: cases/n_tunnel_hoplimit H4, hop_limit 1 on the device)", () => {
    const ns = makeNs();
    addPolicy(ns, { dir: 'out', tmpls: [{ proto: 'esp', mode: 'tunnel', src: GW_A, dst: GW_B }] });
    ns.sad.add(sa({ spi: 0x200, mode: 'tunnel', src: GW_A, dst: GW_B }), 0);
    const d = xfrmLookupOutput(ns, echoFlow(), { nowUs: 0, route: () => ({ kind: 'ok', src: GW_A, hopLimit: 1 }) });
    expect(transformed(d)[7]).toBe(1);
    expect(transformed(xfrmLookupOutput(ns, echoFlow(), outCtx(GW_A)))[7]).toBe(64);
  });

  it('creates a larval SA only when a key manager listens (§2.3, VERIFIED e02 A vs B)', () => {
    const ns = makeNs();
    addPolicy(ns, { dir: 'out', tmpls: [{ proto: 'esp' }] });
    xfrmLookupOutput(ns, echoFlow(), outCtx());
    expect(ns.sad.count()).toBe(0);
    ns.keyManagerListening = true;
    const d = xfrmLookupOutput(ns, echoFlow(), outCtx());
    expect(d.kind).toBe('no-state');
    expect(ns.sad.count()).toBe(1);
    if (d.kind === 'no-state') expect(d.events.map((e) => e.type)).toEqual(['acquire']);
  });
});

describe('bundles on the wire (kernel-semantics §2.4, §2.5)', () => {
  it('tmpl esp transport, tmpl ah transport gives IPv6 | AH | ESP | payload (VERIFIED e08)', () => {
    const ns = makeNs();
    addPolicy(ns, { dir: 'out', tmpls: [{ proto: 'esp' }, { proto: 'ah' }] });
    ns.sad.add(sa({ spi: 0x100 }), 0);
    ns.sad.add(sa({ spi: 0x200, proto: 'ah' }), 0);
    const wire = transformed(xfrmLookupOutput(ns, echoFlow(), outCtx()));
    expect(wire[6]).toBe(IPPROTO.AH);
    expect(wire[40]).toBe(IPPROTO.ESP);
    const ahLen = (wire[41]! + 2) * 4;
    expect(new DataView(wire.buffer).getUint32(40 + ahLen)).toBe(0x100);
  });

  it('tunnel mode: outer header from the SA, inner hop limit and flow label kept (§2.5, VERIFIED e08, e06 F3)', () => {
    const ns = makeNs();
    addPolicy(ns, { dir: 'out', tmpls: [{ proto: 'esp', mode: 'tunnel', src: GW_A, dst: GW_B }] });
    ns.sad.add(sa({ spi: 0x300, mode: 'tunnel', src: GW_A, dst: GW_B }), 0);
    const inner = echoPacket();
    const wire = transformed(xfrmLookupOutput(ns, echoFlow(), outCtx(A, { hopLimit: 63 })), inner);
    const h = readIpv6(wire);
    expect(h.nextHeader).toBe(IPPROTO.ESP);
    expect(h.src).toEqual(GW_A);
    expect(h.dst).toEqual(GW_B);
    expect(h.hopLimit).toBe(63);
    expect(h.flowLabel).toBe(readIpv6(inner).flowLabel);
  });

  it('a tunnel SA added without src sends from :: (§9.12, VERIFIED e08)', () => {
    const ns = makeNs();
    addPolicy(ns, { dir: 'out', tmpls: [{ proto: 'esp', mode: 'tunnel', src: GW_A, dst: GW_B }] });
    ns.sad.add(sa({ spi: 0x300, mode: 'tunnel', src: new Uint8Array(16), dst: GW_B }), 0);
    const wire = transformed(xfrmLookupOutput(ns, echoFlow(), outCtx()));
    expect(readIpv6(wire).src).toEqual(new Uint8Array(16));
  });

  it('sequence numbers start at 1 and grow per packet (§2.5, VERIFIED e09)', () => {
    const ns = makeNs();
    addPolicy(ns, { dir: 'out', tmpls: [{ proto: 'esp' }] });
    ns.sad.add(sa({ spi: 0x100 }), 0);
    const d = xfrmLookupOutput(ns, echoFlow(), outCtx());
    const seqs = [1, 2, 3].map(() => new DataView(transformed(d).buffer).getUint32(44));
    expect(seqs).toEqual([1, 2, 3]);
    // VERIFIED e09: "192(bytes), 3(packets)" for three 64-byte echo requests in transport mode
    const x = ns.sad.list()[0]!;
    expect(x.curlft.packets).toBe(3);
    expect(x.curlft.bytes).toBe(3 * (echoPacket().length - 40));
  });

  it('limit packet-hard 2: packets 1-2 pass, the 3rd XfrmOutStateExpired, the 4th XfrmOutNoStates (§2.5, VERIFIED e09)', () => {
    const ns = makeNs();
    addPolicy(ns, { dir: 'out', tmpls: [{ proto: 'esp' }] });
    ns.sad.add({ ...sa({ spi: 0x100 }), lifetime: { hardPacketLimit: 2n } }, 0);
    const outcomes = [1, 2, 3, 4].map(() => {
      const d = ns.lookupOutput(echoFlow(), outCtx());
      if (d.kind !== 'bundle') return d.kind;
      const r = d.transform(echoPacket(), 0);
      return r.kind === 'drop' ? r.counter : r.kind;
    });
    expect(outcomes).toEqual(['transformed', 'transformed', 'XfrmOutStateExpired', 'no-state']);
    expect([ns.stats.get('XfrmOutStateExpired'), ns.stats.get('XfrmOutNoStates')]).toEqual([1, 1]);
  });

  it('applies the SA output-mark to the packet mark (§2.5 step 1)', () => {
    const ns = makeNs();
    addPolicy(ns, { dir: 'out', tmpls: [{ proto: 'esp' }] });
    ns.sad.add(sa({ spi: 0x100, setMark: { v: 0x20, m: 0xf0 } }), 0);
    const d = xfrmLookupOutput(ns, echoFlow(), outCtx());
    if (d.kind !== 'bundle') throw new Error(d.kind);
    const r = d.transform(echoPacket(), 0x105);
    expect(r.kind === 'transformed' && r.mark).toBe(0x125);
  });

  it('the same seed gives the same bytes; another seed other IVs (DESIGN: determinism)', () => {
    const wire = (seed: string) => {
      const ns = makeNs(seed);
      addPolicy(ns, { dir: 'out', tmpls: [{ proto: 'esp' }] });
      ns.sad.add(sa({ spi: 0x100 }), 0);
      return transformed(xfrmLookupOutput(ns, echoFlow(), outCtx()));
    };
    expect(wire('x')).toEqual(wire('x'));
    expect(wire('x')).not.toEqual(wire('y'));
  });

  it('the peer decapsulates what a 4321::2 tunnel end receives, whatever its source (§3.2 step 4)', () => {
    const a = makeNs();
    const b = makeNs('b');
    addPolicy(a, { dir: 'out', tmpls: [{ proto: 'ah', mode: 'tunnel', src: GW_A, dst: GW_B }] });
    a.sad.add(sa({ proto: 'ah', spi: 0x400, mode: 'tunnel', src: GW_A, dst: GW_B }), 0);
    b.sad.add(sa({ proto: 'ah', spi: 0x400, mode: 'tunnel', src: ipv6('2001:db8::99'), dst: GW_B }), 0);
    const inner = echoPacket();
    const r = xfrmInput(b, transformed(xfrmLookupOutput(a, echoFlow(), outCtx())), 51, 40, [], { nowUs: 0, mark: 0 });
    expect(r.kind === 'decapsulated' && r.bytes).toEqual(inner);
    expect(r.kind === 'decapsulated' && r.mode).toBe('tunnel');
  });

  it('a tunnel template with src :: takes the source the route picks (§2.2)', () => {
    const ns = makeNs();
    addPolicy(ns, { dir: 'out', tmpls: [{ proto: 'esp', mode: 'tunnel', dst: GW_B }] });
    ns.sad.add(sa({ spi: 0x300, mode: 'tunnel', src: GW_A, dst: GW_B }), 0);
    expect(xfrmLookupOutput(ns, echoFlow(), outCtx(GW_A)).kind).toBe('bundle');
    expect(xfrmLookupOutput(ns, echoFlow(), outCtx(B)).kind).toBe('no-state');
  });
});

describe('xfrmLookupOutput() with XFRM_LOOKUP_ICMP (the reverse lookup for an ICMPv6 error)', () => {
  // Kernel: xfrm_policy.c xfrm_lookup_with_ifid, no_transform and nopol labels; recorded in
  // cases/n_udp_closed_port U3, n_reject_tunnel R2 and n_tunnel_hoplimit H3 (flag icmp policies).
  const icmp = (ns: XfrmNamespace) => xfrmLookupOutput(ns, echoFlow(), outCtx(A, { icmp: true }));
  const withSa = (flags: number, action: 'allow' | 'block' = 'allow') => {
    const ns = makeNs();
    addPolicy(ns, { dir: 'out', flags, action, ...(action === 'allow' ? { tmpls: [{ proto: 'esp' }] } : {}) });
    ns.sad.add(sa({ spi: 0x100 }), 0);
    return ns;
  };

  it('a policy without flag icmp does not decide: ENOENT, though the normal lookup gives its bundle', () => {
    const ns = withSa(0);
    expect(xfrmLookupOutput(ns, echoFlow(), outCtx()).kind).toBe('bundle');
    expect(icmp(ns).kind).toBe('no-policy');
  });

  it('a policy with flag icmp gives its bundle', () => {
    expect(icmp(withSa(2)).kind).toBe('bundle');
  });

  it('an unflagged block policy is ENOENT and counts nothing; a flagged one blocks and counts', () => {
    const plain = withSa(0, 'block');
    expect(icmp(plain).kind).toBe('no-policy');
    expect(plain.stats.get('XfrmOutPolBlock')).toBe(0);
    const flagged = withSa(2, 'block');
    expect(icmp(flagged).kind).toBe('block');
    expect(flagged.stats.get('XfrmOutPolBlock')).toBe(1);
  });

  it('no policy under setdefault out block is ENOENT, not EPERM', () => {
    const ns = makeNs();
    ns.spd.setDefault({ out: 'block' });
    expect(icmp(ns).kind).toBe('no-policy');
  });
});
