import { describe, expect, it } from 'vitest';
import { ipv6FindHdr, ipv6SkipExthdr } from '../../../src/stack/netfilter/exthdr.js';
import { concatBytes } from '../../../src/wire/hex.js';
import { IPPROTO } from '../../../src/wire/proto.js';
import { A, ahTransport, B, echo, esp, ip6 } from './packets.js';

const dstopts = (nh: number) => Uint8Array.of(nh, 0, 1, 4, 0, 0, 0, 0);
const fragment = (nh: number, offset: number) => Uint8Array.of(nh, 0, (offset << 3) >> 8, (offset << 3) & 0xff, 0, 0, 0, 1);

describe('ipv6FindHdr() (exthdrs_core.c ipv6_find_hdr)', () => {
  it('steps over options and AH to the upper protocol, and stops at ESP', () => {
    expect(ipv6FindHdr(ahTransport(echo(A, B, 1), 1), -1)).toEqual({ ok: true, proto: IPPROTO.ICMPV6, offset: 64, fragoff: 0 });
    expect(ipv6FindHdr(ip6(A, B, IPPROTO.DSTOPTS, concatBytes(dstopts(IPPROTO.ESP), new Uint8Array(16))), -1)).toEqual({
      ok: true,
      proto: IPPROTO.ESP,
      offset: 48,
      fragoff: 0,
    });
  });

  it('finds AH as a target, and says ENOENT when there is none', () => {
    expect(ipv6FindHdr(ahTransport(echo(A, B, 1), 1), IPPROTO.AH)).toMatchObject({ ok: true, proto: IPPROTO.AH, offset: 40 });
    expect(ipv6FindHdr(esp(A, B, 1), IPPROTO.AH)).toMatchObject({ ok: false, error: 'ENOENT' });
  });

  it('answers a non-first fragment with its next header and the fragment offset in bytes', () => {
    expect(ipv6FindHdr(ip6(A, B, IPPROTO.FRAGMENT, concatBytes(fragment(IPPROTO.UDP, 181), new Uint8Array(8))), -1)).toEqual({
      ok: true,
      proto: IPPROTO.UDP,
      offset: 40,
      fragoff: 1448,
    });
  });

  it('says EBADMSG for an extension header cut short', () => {
    const cut = ip6(A, B, IPPROTO.DSTOPTS, Uint8Array.of(IPPROTO.TCP));
    expect(ipv6FindHdr(cut, -1)).toMatchObject({ ok: false, error: 'EBADMSG' });
  });
});

describe('ipv6SkipExthdr() (exthdrs_core.c ipv6_skip_exthdr)', () => {
  it('skips AH to the protocol conntrack tracks', () => {
    expect(ipv6SkipExthdr(ahTransport(echo(A, B, 1), 1))).toEqual({ ok: true, proto: IPPROTO.ICMPV6, offset: 64, fragoff: 0 });
  });

  it('gives up at "no next header", and stops at a non-first fragment', () => {
    expect(ipv6SkipExthdr(ip6(A, B, IPPROTO.NONE, new Uint8Array(0)))).toEqual({ ok: false });
    expect(ipv6SkipExthdr(ip6(A, B, IPPROTO.FRAGMENT, concatBytes(fragment(IPPROTO.UDP, 1), new Uint8Array(8))))).toEqual({
      ok: true,
      proto: IPPROTO.FRAGMENT,
      offset: 40,
      fragoff: 8,
    });
  });
});
