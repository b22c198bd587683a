import { describe, expect, it } from 'vitest';
import { parseKeyString } from '../../src/crypto/index.js';
import { ConfigError, type Errno } from '../../src/errors.js';
import { ipv6 } from '../../src/wire/ipv6-address.js';
import { IPPROTO } from '../../src/wire/proto.js';
import { XFRM_INF } from '../../src/xfrm/lifetime.js';
import type { XfrmIdProto, XfrmMode } from '../../src/xfrm/policy.js';
import {
  applySetMark,
  validateState,
  XFRM_STATE_AF_UNSPEC,
  XFRM_STATE_ESN,
  type XfrmState,
  type XfrmStateInit,
} from '../../src/xfrm/state.js';

/** `ip xfrm state add` arguments as iproute2 turns them into a request (kernel-semantics §7.2, §7.3). */
interface SaSpec {
  src?: string;
  dst?: string;
  proto?: XfrmIdProto;
  spi?: number;
  mode?: XfrmMode;
  reqid?: number;
  enc?: [string, string];
  auth?: [string, string];
  authTrunc?: [string, string, number];
  aead?: [string, string, number];
  comp?: string;
  mark?: number;
  outputMark?: number;
  outputMask?: number;
  sel?: { src: string; dst: string; proto?: number };
  replayWindow?: number;
  flags?: number;
  tfcpad?: number;
}

const key = (text: string) => {
  const r = parseKeyString(text);
  if (!r.ok) throw new Error(r.stderr);
  return r.key;
};

/** Family from the first address given, IPv4 without any (§7.3); `mark M` alone = mask 0xffffffff. */
function sa(s: SaSpec): XfrmStateInit {
  const family = s.src || s.dst ? 'inet6' : 'inet';
  const addr = (t: string | undefined) => (t ? ipv6(t) : new Uint8Array(16));
  const w = s.replayWindow ?? 0;
  const esn = (s.flags ?? 0) & XFRM_STATE_ESN || w > 32;
  return {
    family,
    daddr: addr(s.dst),
    saddr: addr(s.src),
    spi: s.spi ?? 0,
    proto: s.proto ?? 'esp',
    ...(s.mode ? { mode: s.mode } : {}),
    ...(s.reqid ? { reqid: s.reqid } : {}),
    ...(s.enc ? { enc: { name: s.enc[0], key: key(s.enc[1]) } } : {}),
    ...(s.auth ? { auth: { name: s.auth[0], key: key(s.auth[1]) } } : {}),
    ...(s.authTrunc ? { authTrunc: { name: s.authTrunc[0], key: key(s.authTrunc[1]), truncBits: s.authTrunc[2] } } : {}),
    ...(s.aead ? { aead: { name: s.aead[0], key: key(s.aead[1]), icvBits: s.aead[2] } } : {}),
    ...(s.comp ? { comp: { name: s.comp } } : {}),
    ...(s.mark !== undefined ? { mark: { v: s.mark, m: 0xffffffff } } : {}),
    ...(s.outputMark !== undefined ? { setMark: { v: s.outputMark, m: s.outputMask ?? 0xffffffff } } : {}),
    ...(s.sel ? { selector: selector(s.sel) } : {}),
    ...(esn ? { replayEsn: { bmpLen: Math.ceil(w / 32), replayWindow: w } } : w ? { replayWindow: w } : {}),
    ...(s.flags ? { flags: s.flags } : {}),
    ...(s.tfcpad !== undefined ? { tfcpad: s.tfcpad } : {}),
  };
}

/** `sel src P dst P [proto N]`: IPv4 when the addresses are dotted quads. */
function selector(sel: { src: string; dst: string; proto?: number }) {
  const inet = sel.src.includes('.');
  const part = (t: string) => {
    const [a, len] = t.split('/');
    const addr = new Uint8Array(16);
    if (inet) addr.set(a!.split('.').map(Number));
    else addr.set(ipv6(a!));
    return { addr, len: len === undefined ? (inet ? 32 : 128) : Number(len) };
  };
  const src = part(sel.src);
  const dst = part(sel.dst);
  return {
    family: inet ? ('inet' as const) : ('inet6' as const),
    src: src.addr,
    dst: dst.addr,
    prefixlenS: src.len,
    prefixlenD: dst.len,
    proto: sel.proto ?? 0,
  };
}

const A = { src: '4321::1', dst: '4321::2' };
const ENC: SaSpec = { ...A, proto: 'esp', enc: ['cbc(aes)', '1234567890123456'] };

function refusal(init: XfrmStateInit): { errno: Errno; extack: string | undefined } {
  try {
    validateState(init, 0);
  } catch (e) {
    if (e instanceof ConfigError) return { errno: e.errno, extack: e.extack };
    throw e;
  }
  throw new Error('validateState accepted the state');
}

describe('validateState() accepts what Linux accepts', () => {
  // VERIFIED e01 (spis 1, 4, 5, 6, 7, 8, 10, 27) and the listing that followed
  it.each<[string, SaSpec, Partial<Record<'aead' | 'auth' | 'enc', unknown>>]>([
    ['ESP with enc only (no ICV)', { ...ENC, spi: 1 }, { enc: { name: 'cbc(aes)', key: key('1234567890123456') } }],
    [
      'ESP auth-trunc hmac(sha256) 128',
      { ...A, spi: 4, enc: ['cbc(aes)', '0x00112233445566778899aabbccddeeff'], authTrunc: ['hmac(sha256)', '0x0102', 128] },
      { auth: { name: 'hmac(sha256)', key: key('0x0102'), truncBits: 128 } },
    ],
    [
      'compat names aes and sha256, the 96-bit default',
      { ...A, spi: 5, enc: ['aes', '0x0112233445566778899aabbccddeeff'], auth: ['sha256', 'k'] },
      {
        enc: { name: 'cbc(aes)', key: key('0x0112233445566778899aabbccddeeff') },
        auth: { name: 'hmac(sha256)', key: key('k'), truncBits: 96 },
      },
    ],
    [
      'AES-256 and hmac(sha512) (256-bit default)',
      { ...A, spi: 7, enc: ['cbc(aes)', '12345678901234567890123456789012'], auth: ['hmac(sha512)', 'k'] },
      { auth: { name: 'hmac(sha512)', key: key('k'), truncBits: 256 } },
    ],
    [
      'rfc4106(gcm(aes)) with a 128-bit ICV',
      { ...A, spi: 8, aead: ['rfc4106(gcm(aes))', '0x0102030405060708090a0b0c0d0e0f1011121314', 128] },
      { aead: { name: 'rfc4106(gcm(aes))', key: key('0x0102030405060708090a0b0c0d0e0f1011121314'), icvBits: 128 } },
    ],
    [
      'AH hmac(sha1)',
      { ...A, proto: 'ah', spi: 10, auth: ['hmac(sha1)', '1234'] },
      { auth: { name: 'hmac(sha1)', key: key('1234'), truncBits: 96 } },
    ],
    [
      'the null cipher with an empty key',
      { ...A, spi: 27, enc: ['ecb(cipher_null)', ''], auth: ['hmac(sha1)', '1'] },
      { enc: { name: 'ecb(cipher_null)', key: new Uint8Array(0) } },
    ],
  ])('%s', (_name, spec, algos) => {
    expect(validateState(sa(spec), 0).algos).toMatchObject(algos);
  });

  it('prepares the algorithms once, with the ICV length the transforms use', () => {
    // kernel-semantics §5.3: hmac(sha1) default truncation 96 bits = 12 bytes; GCM ICV 128 bits
    const ah = validateState(sa({ ...A, proto: 'ah', spi: 10, auth: ['hmac(sha1)', '1234'] }), 0);
    expect(ah.crypto.kind === 'ah' && ah.crypto.auth.icvLength).toBe(12);
    const gcm = validateState(sa({ ...A, spi: 8, aead: ['rfc4106(gcm(aes))', '0x0102030405060708090a0b0c0d0e0f1011121314', 128] }), 0);
    expect(gcm.crypto.kind === 'esp' && 'aead' in gcm.crypto.esp && gcm.crypto.esp.aead.icvLength).toBe(16);
  });

  it('gives a state without a selector the any-selector of its own family', () => {
    // VERIFIED e01 listing "sel src ::/0 dst ::/0" (IPv6) and "sel src 0.0.0.0/0 dst 0.0.0.0/0" (spi 24, no address)
    expect(validateState(sa(ENC), 0).sel).toMatchObject({ family: 'inet6', prefixlenS: 0, prefixlenD: 0 });
    expect(validateState(sa({ proto: 'ah', spi: 24, auth: ['hmac(sha1)', '12'] }), 0)).toMatchObject({
      family: 'inet',
      sel: { family: 'inet' },
    });
  });

  it('keeps the selector without a family under flag af-unspec', () => {
    // code: copy_from_user_state "if (!x->sel.family && !(p->flags & XFRM_STATE_AF_UNSPEC))"
    expect(validateState(sa({ ...ENC, flags: XFRM_STATE_AF_UNSPEC }), 0).sel.family).toBe('unspec');
  });

  it('keeps at most 32 of a legacy replay window', () => {
    // code: copy_from_user_state min_t(replay_window, sizeof(replay.bitmap) * 8)
    const init = { ...sa(ENC), replayWindow: 200 };
    expect(validateState(init, 0).replay).toMatchObject({ mode: 'legacy', window: 32 });
  });

  it('stores a window above 32 as a bitmap window and shows replay-window 0 for it', () => {
    // VERIFIED e01 spi 20 listing: "replay-window 0" then "replay_window 64, bitmap-length 2"
    const x = validateState(sa({ ...A, proto: 'ah', spi: 20, auth: ['hmac(sha1)', '12'], replayWindow: 64 }), 0);
    expect([x.replay.mode, x.replay.legacyWindow, x.replay.esnWindow, x.replay.bmpLen]).toEqual(['bmp', 0, 64, 2]);
  });

  it('takes auth-trunc with 0 bits as the default truncation', () => {
    // code: attach_auth_trunc "if (!p->alg_trunc_len) p->alg_trunc_len = icv_truncbits"
    expect(validateState(sa({ ...ENC, authTrunc: ['hmac(sha256)', 'k', 0] }), 0).algos.auth?.truncBits).toBe(96);
  });

  it('ignores auth when auth-trunc is present, even an unknown auth name', () => {
    // code: xfrm_state_construct calls attach_auth only "if (!x->props.aalgo)"
    const init = { ...sa({ ...ENC, authTrunc: ['hmac(sha1)', 'k', 96] }), auth: { name: 'hmac(foo)', key: key('k') } };
    expect(validateState(init, 0).algos.auth?.name).toBe('hmac(sha1)');
  });

  it('stores the output mark with its mask, 0xffffffff when none is given', () => {
    // VERIFIED e01 spi 25 listing "output-mark 0x20/0xff"; §7.2 "output-mark M alone = mask 0xffffffff"
    expect(validateState(sa({ ...ENC, outputMark: 0x20, outputMask: 0xff }), 0).smark).toEqual({ v: 0x20, m: 0xff });
    expect(validateState(sa({ ...ENC, outputMark: 7 }), 0).smark).toEqual({ v: 7, m: 0xffffffff });
  });

  it('has infinite byte and packet limits and no time limits unless given', () => {
    // §7.2 "lifetimes infinite"; e11 listings "(INF)"
    expect(validateState(sa(ENC), 0).lft).toMatchObject({ hardByteLimit: XFRM_INF, hardPacketLimit: XFRM_INF, hardAddExpiresSeconds: 0n });
  });
});

describe('validateState() refuses as Linux refuses', () => {
  it.each<[string, XfrmStateInit, Errno, string | undefined]>([
    // VERIFIED e01 spi 3 / e11 spi 0x12: a wrong AES key length has no extack
    ['a 5-byte AES key', sa({ ...ENC, enc: ['cbc(aes)', '12345'] }), 'EINVAL', undefined],
    ['a 2-byte AES key with auth', sa({ ...A, enc: ['aes', '0x123'], auth: ['sha1', '0xabc'] }), 'EINVAL', undefined],
    // VERIFIED e01 spi 9, 12, 13
    [
      'an AEAD ICV length not in the table',
      sa({ ...A, aead: ['rfc4106(gcm(aes))', '0x0102030405060708090a0b0c0d0e0f1011121314', 100] }),
      'ENOSYS',
      'Requested AEAD algorithm not found',
    ],
    [
      'auth-trunc longer than the digest',
      sa({ ...A, proto: 'ah', authTrunc: ['hmac(sha256)', '1234', 300] }),
      'EINVAL',
      'Invalid length requested for truncated ICV',
    ],
    ['an unknown auth name', sa({ ...A, proto: 'ah', auth: ['hmac(foo)', '1234'] }), 'ENOSYS', 'Requested AUTH algorithm not found'],
    ['an unknown enc name', sa({ ...A, enc: ['cbc(foo)', '1234'] }), 'ENOSYS', 'Requested CRYPT algorithm not found'],
    // VERIFIED e11 spi 0x15, 0x16: an IPv4 selector on an IPv6 transport SA
    [
      'an IPv4 selector on an IPv6 transport SA',
      sa({ ...ENC, sel: { src: '10.0.0.0/8', dst: '10.0.0.0/8' } }),
      'EPROTONOSUPPORT',
      'Only tunnel modes can accommodate a change of family',
    ],
    // kernel-semantics §5.3 "the kernel would too"; code: esp6_init_state
    ['ESP with auth only', sa({ ...A, auth: ['hmac(sha1)', '1234'] }), 'EINVAL', 'ESP: AEAD or CRYPT must be provided'],
    // code: verify_newsa_info (iproute2 refuses these combinations before the kernel sees them, e01/e11)
    ['AH without auth', sa({ ...A, proto: 'ah' }), 'EINVAL', 'Missing required attribute for AH: AUTH_TRUNC or AUTH'],
    [
      'AH with enc',
      sa({ ...A, proto: 'ah', auth: ['sha1', 'k'], enc: ['aes', '1234567890123456'] }),
      'EINVAL',
      'Invalid attributes for AH: AEAD, CRYPT, COMP, TFCPAD',
    ],
    ['ESP without algorithms', sa({ ...A }), 'EINVAL', 'Missing required attribute for ESP: at least one of AUTH, AUTH_TRUNC, CRYPT, AEAD'],
    ['ESP with comp', sa({ ...ENC, comp: 'deflate' }), 'EINVAL', 'Invalid attribute for ESP: COMP'],
    [
      'ESP with aead and auth',
      sa({ ...A, aead: ['rfc4106(gcm(aes))', '0x0102030405060708090a0b0c0d0e0f1011121314', 128], auth: ['sha1', 'k'] }),
      'EINVAL',
      "Invalid attribute combination for ESP: AEAD can't be used with AUTH, AUTH_TRUNC, CRYPT",
    ],
    ['TFC padding in transport mode', sa({ ...ENC, tfcpad: 100 }), 'EINVAL', 'TFC padding can only be used in tunnel mode'],
    ['IPComp without comp', sa({ ...A, proto: 'comp' }), 'EINVAL', 'Missing required attribute for COMP: COMP'],
    [
      'an IPComp CPI above 16 bits',
      sa({ ...A, proto: 'comp', spi: 0x10000, comp: 'deflate' }),
      'EINVAL',
      'SPI is too large for COMP (must be < 0x10000)',
    ],
    ['proto ipsec-any', sa({ ...ENC, proto: 'ipsec-any' }), 'EINVAL', 'Unsupported protocol'],
    ['mode in_trigger', sa({ ...ENC, mode: 'in_trigger' }), 'EINVAL', 'Unsupported mode'],
    [
      'a selector prefix of 129',
      { ...sa(ENC), selector: { family: 'inet6', prefixlenD: 129 } },
      'EINVAL',
      'Invalid prefix length in selector (must be <= 128 for IPv6)',
    ],
    [
      'a prefix of 33 in an IPv4 SA selector',
      { ...sa({ proto: 'ah', auth: ['sha1', 'k'] }), selector: { prefixlenS: 33 } },
      'EINVAL',
      'Invalid prefix length in selector (must be <= 32 for IPv4)',
    ],
    // code: verify_replay and xfrm_init_replay (iproute2 catches the first two itself)
    ['flag esn without the ESN attribute', { ...sa(ENC), flags: XFRM_STATE_ESN }, 'EINVAL', 'Missing required attribute for ESN'],
    ['a 129-word bitmap', { ...sa(ENC), replayEsn: { bmpLen: 129, replayWindow: 4128 } }, 'EINVAL', 'ESN bitmap length must be <= 128'],
    [
      'both window kinds',
      { ...sa(ENC), replayWindow: 8, replayEsn: { bmpLen: 2, replayWindow: 64 } },
      'EINVAL',
      'ESN not compatible with legacy replay_window',
    ],
    [
      'a window larger than its bitmap',
      { ...sa(ENC), replayEsn: { bmpLen: 1, replayWindow: 64 } },
      'EINVAL',
      'ESN replay window is too large for the chosen bitmap size',
    ],
    [
      'flag esn with window 0',
      { ...sa(ENC), flags: XFRM_STATE_ESN, replayEsn: { bmpLen: 0, replayWindow: 0 } },
      'EINVAL',
      'ESN replay window must be > 0',
    ],
    // code: esp_init_aead answers a setkey failure with an extack, unlike authenc
    [
      'a 19-byte GCM key',
      sa({ ...A, aead: ['rfc4106(gcm(aes))', '0x0102030405060708090a0b0c0d0e0f10111213', 128] }),
      'EINVAL',
      'Kernel was unable to initialize cryptographic operations',
    ],
    // code: ah6_init_state
    [
      'AH in route-optimisation mode',
      sa({ ...A, proto: 'ah', auth: ['sha1', 'k'], mode: 'ro' }),
      'EINVAL',
      'Invalid mode requested for AH, must be one of TRANSPORT, TUNNEL, BEET',
    ],
    [
      'AH with UDP encapsulation',
      { ...sa({ ...A, proto: 'ah', auth: ['sha1', 'k'] }), encap: { type: 2, sport: 4500, dport: 4500, oa: ipv6('::') } },
      'EINVAL',
      'AH is not compatible with encapsulation',
    ],
    // code: __xfrm_init_state, xfrm4_mode_map has no route optimisation
    [
      'an IPv4 SA in route-optimisation mode',
      sa({ proto: 'esp', enc: ['aes', '1234567890123456'], mode: 'ro' }),
      'EPROTONOSUPPORT',
      'Requested mode not found',
    ],
    ['an unknown comp name', sa({ ...A, proto: 'comp', spi: 28, comp: 'zstd' }), 'ENOSYS', 'Requested COMP algorithm not found'],
  ])('refuses %s', (_name, init, errno, extack) => {
    expect(refusal(init)).toEqual({ errno, extack });
  });

  it('checks the attribute combination before the algorithm names', () => {
    // code: verify_newsa_info runs before attach_*: AH with an unknown auth and an enc fails on the enc
    expect(refusal(sa({ ...A, proto: 'ah', auth: ['hmac(foo)', 'k'], enc: ['aes', '1234567890123456'] })).extack).toBe(
      'Invalid attributes for AH: AEAD, CRYPT, COMP, TFCPAD',
    );
  });

  it('looks up the auth name before the enc name', () => {
    // code: xfrm_state_construct attach order aead, auth_trunc, auth, crypt, comp
    expect(refusal(sa({ ...A, enc: ['cbc(foo)', 'k'], auth: ['hmac(foo)', 'k'] })).extack).toBe('Requested AUTH algorithm not found');
  });

  it('checks the names before the key lengths', () => {
    // code: attach_* run before __xfrm_init_state, which sets the keys
    expect(refusal(sa({ ...A, enc: ['cbc(aes)', '12345'], auth: ['hmac(foo)', 'k'] })).extack).toBe('Requested AUTH algorithm not found');
  });

  it.each<[string, XfrmStateInit]>([
    ['an algorithm Linux has but xfrmsim cannot compute', sa({ ...A, proto: 'ah', auth: ['hmac(sm3)', '1234567890123456'] })],
    ['an IPComp SA', sa({ ...A, proto: 'comp', spi: 28, comp: 'deflate' })],
    ['ESP in UDP', { ...sa(ENC), encap: { type: 2, sport: 4500, dport: 4500, oa: ipv6('::') } }],
  ])('says it does not model %s (EOPNOTSUPP, never a wrong answer)', (_name, init) => {
    expect(refusal(init).errno).toBe('EOPNOTSUPP');
  });
});

describe('applySetMark()', () => {
  const withMark = (v: number, m: number): XfrmState => validateState(sa({ ...ENC, outputMark: v, outputMask: m }), 0);

  it('sets the masked bits and keeps the others', () => {
    // kernel-semantics §2.5 (1): mark = (value & mask) | (mark & ~mask); VERIFIED e04 21 (output-mark 0x7 -> mark 0x7)
    expect(applySetMark(0, withMark(7, 0xffffffff))).toBe(7);
    expect(applySetMark(0x1234, withMark(0x20, 0xff))).toBe(0x1220);
  });

  it('leaves the mark alone without an output mark', () => {
    expect(applySetMark(0x99, validateState(sa(ENC), 0))).toBe(0x99);
  });
});

describe('validateState() selector', () => {
  it('keeps the upper-layer part of sel', () => {
    // VERIFIED e01 spi 22 listing "sel src 4321::1/128 dst 4321::2/128 proto ipv6-icmp"
    const x = validateState(
      sa({ ...A, proto: 'ah', spi: 22, auth: ['hmac(sha1)', '12'], sel: { src: '4321::1', dst: '4321::2', proto: IPPROTO.ICMPV6 } }),
      0,
    );
    expect(x.sel).toMatchObject({ family: 'inet6', prefixlenS: 128, prefixlenD: 128, proto: 58 });
  });
});
