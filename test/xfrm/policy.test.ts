import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { ipv6 } from '../../src/wire/ipv6-address.js';
import { IPPROTO } from '../../src/wire/proto.js';
import { policyMatch, validatePolicy, type XfrmPolicyInit, type XfrmTmplInit, xfrmIdProtoValid } from '../../src/xfrm/policy.js';
import { makeSelector } from '../../src/xfrm/selector.js';
import { ECHO } from './selector-spec.js';

/** `src 4321::1 dst 4321::2` */
const HOSTS = makeSelector({ family: 'inet6', src: ipv6('4321::1'), prefixlenS: 128, dst: ipv6('4321::2'), prefixlenD: 128 });
/** `ip xfrm policy add dir out tmpl proto esp` without addresses: iproute2 makes it IPv4 0.0.0.0/0 (§7.3). */
const IPV4_ANY = makeSelector({ family: 'inet' });
const V4 = (a: number, b: number, c: number, d: number) => {
  const addr = new Uint8Array(16);
  addr.set([a, b, c, d]);
  return addr;
};

function refusal(init: XfrmPolicyInit): ConfigError | undefined {
  try {
    validatePolicy(init);
    return undefined;
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
}

const tmpl = (t: Partial<XfrmTmplInit> = {}): XfrmTmplInit => ({ proto: 'esp', ...t });

describe('validatePolicy()', () => {
  it.each<[string, XfrmPolicyInit, string]>([
    // VERIFIED e01
    [
      'an optional tunnel template in an out policy',
      { selector: HOSTS, dir: 'out', tmpls: [tmpl({ mode: 'tunnel', level: 'use' })] },
      'Mode in optional template not allowed in outbound policy',
    ],
    // kernel: validate_tmpl treats beet like tunnel
    [
      'an optional beet template in an out policy',
      { selector: HOSTS, dir: 'out', tmpls: [tmpl({ mode: 'beet', level: 'use' })] },
      'Mode in optional template not allowed in outbound policy',
    ],
    // VERIFIED e01: `tmpl mode tunnel` (no proto, sent as 0)
    [
      'a template without proto',
      { selector: HOSTS, dir: 'out', tmpls: [{ proto: 0, mode: 'tunnel' }] },
      'Invalid XFRM protocol in template',
    ],
    // kernel: xfrm_id_proto_valid has no IPSEC_PROTO_ANY
    [
      'a template with proto ipsec-any',
      { selector: HOSTS, dir: 'in', tmpls: [tmpl({ proto: 'ipsec-any' })] },
      'Invalid XFRM protocol in template',
    ],
    // VERIFIED e01: `dst 5555::/16 dir in index 9`
    ['an index whose low bits name another direction', { selector: HOSTS, dir: 'in', index: 9 }, "Policy index doesn't match direction"],
    // reproduced on the oracle during review (kernel-semantics §1.8)
    [
      'seven templates',
      { selector: HOSTS, dir: 'out', tmpls: Array.from({ length: 7 }, () => tmpl()) },
      'Template count must be <= XFRM_MAX_DEPTH (6)',
    ],
    [
      'a transport template of another family',
      { selector: HOSTS, dir: 'out', tmpls: [tmpl({ family: 'inet', src: V4(10, 0, 0, 1), dst: V4(10, 0, 0, 2) })] },
      "Mode in template doesn't support a family change",
    ],
    // kernel: verify_newpolicy_info (iproute2 refuses /129 itself first, §7.3)
    [
      'an IPv6 prefix longer than 128',
      { selector: { ...HOSTS, prefixlenD: 129 }, dir: 'out' },
      'Invalid prefix length in selector (must be <= 128 for IPv6)',
    ],
    [
      'an IPv4 prefix longer than 32',
      { selector: { ...IPV4_ANY, prefixlenS: 33 }, dir: 'out' },
      'Invalid prefix length in selector (must be <= 32 for IPv4)',
    ],
  ])('refuses %s with EINVAL and the kernel message', (_name, init, extack) => {
    const e = refusal(init);
    expect(e?.errno).toBe('EINVAL');
    expect(e?.extack).toBe(extack);
  });

  it.each<[string, XfrmPolicyInit]>([
    // VERIFIED e01
    ['an optional tunnel template in an in policy', { selector: HOSTS, dir: 'in', tmpls: [tmpl({ mode: 'tunnel', level: 'use' })] }],
    // kernel: validate_tmpl refuses only XFRM_POLICY_OUT
    ['an optional tunnel template in a fwd policy', { selector: HOSTS, dir: 'fwd', tmpls: [tmpl({ mode: 'tunnel', level: 'use' })] }],
    // VERIFIED e11
    [
      'a tunnel template of another family',
      { selector: HOSTS, dir: 'out', tmpls: [tmpl({ mode: 'tunnel', family: 'inet', src: V4(1, 2, 3, 4), dst: V4(5, 6, 7, 8) })] },
    ],
    [
      'tunnel templates changing family twice',
      {
        selector: HOSTS,
        dir: 'out',
        tmpls: [
          tmpl({ mode: 'tunnel', src: ipv6('4321::1'), dst: ipv6('4321::2') }),
          tmpl({ mode: 'tunnel', family: 'inet', src: V4(1, 2, 3, 4), dst: V4(5, 6, 7, 8) }),
        ],
      },
    ],
    // VERIFIED e01: `dst 5555::/16 dir in index 8`
    ['an index whose low bits are the direction', { selector: HOSTS, dir: 'in', index: 8 }],
    ['an out index ending in 1', { selector: HOSTS, dir: 'out', index: 0x101 }],
    ['six templates', { selector: HOSTS, dir: 'out', tmpls: Array.from({ length: 6 }, () => tmpl()) }],
    ['route2 and hao templates', { selector: HOSTS, dir: 'in', tmpls: [tmpl({ proto: 'route2' }), tmpl({ proto: 'hao' })] }],
    ['an optional transport template in an out policy', { selector: HOSTS, dir: 'out', tmpls: [tmpl({ level: 'use' })] }],
    ['an IPv4 policy without addresses', { selector: IPV4_ANY, dir: 'out', tmpls: [tmpl()] }],
  ])('accepts %s', (_name, init) => {
    expect(refusal(init)).toBeUndefined();
  });

  it('checks the selector and index before the templates, as verify_newpolicy_info runs first', () => {
    const badTmpls = [{ proto: 0 as const }];
    expect(refusal({ selector: { ...HOSTS, prefixlenS: 200 }, dir: 'out', tmpls: badTmpls })?.extack).toBe(
      'Invalid prefix length in selector (must be <= 128 for IPv6)',
    );
    expect(refusal({ selector: HOSTS, dir: 'out', index: 8, tmpls: badTmpls })?.extack).toBe("Policy index doesn't match direction");
  });

  it('compares a template family with the previous template, so transport after an IPv4 tunnel fails', () => {
    // kernel: validate_tmpl sets prev_family from each template; a 0 family becomes the policy's.
    const e = refusal({
      selector: HOSTS,
      dir: 'out',
      tmpls: [tmpl({ mode: 'tunnel', family: 'inet', src: V4(1, 2, 3, 4), dst: V4(5, 6, 7, 8) }), tmpl({ mode: 'transport' })],
    });
    expect(e?.extack).toBe("Mode in template doesn't support a family change");
  });

  it('fills in the defaults of a zeroed request and the policy family for templates', () => {
    const p = validatePolicy({ selector: HOSTS, dir: 'out', tmpls: [{ proto: 'ah' }] });
    expect(p).toMatchObject({ ptype: 'main', priority: 0, action: 'allow', mark: { v: 0, m: 0 }, ifId: 0, index: 0, flags: 0 });
    expect(p.tmpls).toEqual([
      { family: 'inet6', src: ipv6('::'), dst: ipv6('::'), proto: 'ah', spi: 0, reqid: 0, mode: 'transport', level: 'required' },
    ]);
  });

  it('copies the addresses it is given', () => {
    const src = ipv6('4321::1');
    const tsrc = ipv6('4321::9');
    const p = validatePolicy({ selector: { ...HOSTS, src }, dir: 'out', tmpls: [tmpl({ mode: 'tunnel', src: tsrc })] });
    src[15] = 7;
    tsrc[15] = 7;
    expect(p.selector.src).toEqual(ipv6('4321::1'));
    expect(p.tmpls[0]!.src).toEqual(ipv6('4321::9'));
  });

  it('treats values a kernel field cannot hold as programmer errors', () => {
    expect(() => validatePolicy({ selector: HOSTS, dir: 'out', priority: 2 ** 32 })).toThrow(RangeError);
    expect(() => validatePolicy({ selector: HOSTS, dir: 'out', priority: -1 })).toThrow(RangeError);
    expect(() => validatePolicy({ selector: { ...HOSTS, dport: 70000 }, dir: 'out' })).toThrow(RangeError);
    expect(() => validatePolicy({ selector: HOSTS, dir: 'out', mark: { v: 1.5, m: 0xff } })).toThrow(RangeError);
  });
});

describe('xfrmIdProtoValid()', () => {
  it('accepts ah, esp, comp, route2 and hao only', () => {
    expect((['ah', 'esp', 'comp', 'route2', 'hao', 'ipsec-any', 0] as const).map(xfrmIdProtoValid)).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
  });
});

describe('policyMatch()', () => {
  const flow = ECHO;
  const any6 = makeSelector({ family: 'inet6' });

  it('never matches an IPv6 flow with an IPv4 policy, even one without addresses', () => {
    // kernel-semantics §7.3 (VERIFIED e01, e07): xfrm_policy_match compares the family first.
    expect(policyMatch(validatePolicy({ selector: IPV4_ANY, dir: 'out' }), 'main', flow)).toBe(false);
    expect(policyMatch(validatePolicy({ selector: any6, dir: 'out' }), 'main', flow)).toBe(true);
  });

  it('matches the flow mark under the policy mask', () => {
    // VERIFIED e07 T9: `mark 0x1 mask 0xff`; flow marks 0 (no), 1 (SO_MARK), 0x101 (mangle MARK).
    const p = validatePolicy({ selector: any6, dir: 'out', mark: { v: 1, m: 0xff } });
    expect([0, 1, 0x101, 0x102].map((mark) => policyMatch(p, 'main', { ...flow, mark }))).toEqual([false, true, true, false]);
    const high = validatePolicy({ selector: any6, dir: 'out', mark: { v: 0x80000000, m: 0xffffffff } });
    expect(policyMatch(high, 'main', { ...flow, mark: 0x80000000 })).toBe(true);
  });

  it('requires the looked-up type and if_id', () => {
    const sub = validatePolicy({ selector: any6, dir: 'out', ptype: 'sub' });
    expect(policyMatch(sub, 'main', flow)).toBe(false);
    expect(policyMatch(sub, 'sub', flow)).toBe(true);
    const withIfId = validatePolicy({ selector: any6, dir: 'out', ifId: 3 });
    expect(policyMatch(withIfId, 'main', flow)).toBe(false);
    expect(policyMatch(withIfId, 'main', { ...flow, ifId: 3 })).toBe(true);
  });

  it('then applies the selector', () => {
    expect(policyMatch(validatePolicy({ selector: { ...HOSTS, proto: IPPROTO.UDP }, dir: 'out' }), 'main', flow)).toBe(false);
    expect(policyMatch(validatePolicy({ selector: HOSTS, dir: 'out' }), 'main', flow)).toBe(true);
  });
});
