import { describe, expect, it } from 'vitest';
import { createRandom, parseKeyString } from '../../src/crypto/index.js';
import { ConfigError, type Errno } from '../../src/errors.js';
import { toHex } from '../../src/wire/hex.js';
import { ipv6 } from '../../src/wire/ipv6-address.js';
import { IPPROTO } from '../../src/wire/proto.js';
import type { XfrmLifetimeConfig } from '../../src/xfrm/lifetime.js';
import {
  validatePolicy,
  type XfrmIdProto,
  type XfrmMark,
  type XfrmMode,
  type XfrmPolicy,
  type XfrmTmplInit,
} from '../../src/xfrm/policy.js';
import type { Sad, XfrmAllocSpiRequest, XfrmStateEvent, XfrmTemplateResolution } from '../../src/xfrm/sad.js';
import { xfrmDstHash } from '../../src/xfrm/sad.js';
import { SadIndexed } from '../../src/xfrm/sad-indexed.js';
import { SadLinear } from '../../src/xfrm/sad-linear.js';
import { makeSelector, type XfrmFlow } from '../../src/xfrm/selector.js';
import { XFRM_SA_XFLAG_OSEQ_MAY_WRAP, type XfrmStateInit } from '../../src/xfrm/state.js';
import { snapshotSad } from './sad-snapshot.js';

/** `ip xfrm state add` arguments as iproute2 turns them into a request (kernel-semantics §7.2). */
interface SaSpec {
  src?: string;
  dst?: string;
  proto?: XfrmIdProto;
  spi: number;
  mode?: XfrmMode;
  reqid?: number;
  /** ESP: `enc cbc(aes) KEY` (default 1234567890123456); AH: `auth hmac(sha1) KEY` (default 1234). */
  key?: string;
  auth?: string;
  mark?: number;
  mask?: number;
  outputMark?: number;
  ifId?: number;
  sel?: { proto?: number; dport?: number };
  replayWindow?: number;
  replaySeq?: number;
  replayOseq?: number;
  extraFlags?: number;
  limits?: Partial<XfrmLifetimeConfig>;
  seq?: number;
}

const key = (text: string) => {
  const r = parseKeyString(text);
  if (!r.ok) throw new Error(r.stderr);
  return r.key;
};

function sa(s: SaSpec): XfrmStateInit {
  const proto = s.proto ?? 'esp';
  const w = s.replayWindow ?? 0;
  const algos =
    proto === 'ah'
      ? { auth: { name: 'hmac(sha1)', key: key(s.key ?? '1234') } }
      : {
          enc: { name: 'cbc(aes)', key: key(s.key ?? '1234567890123456') },
          ...(s.auth ? { auth: { name: 'hmac(sha1)', key: key(s.auth) } } : {}),
        };
  return {
    family: 'inet6',
    daddr: ipv6(s.dst ?? '4321::2'),
    saddr: ipv6(s.src ?? '4321::1'),
    spi: s.spi,
    proto,
    mode: s.mode ?? 'transport',
    reqid: s.reqid ?? 0,
    ...algos,
    ...(s.mark !== undefined ? { mark: { v: s.mark, m: s.mask ?? 0xffffffff } } : {}),
    ...(s.outputMark !== undefined ? { setMark: { v: s.outputMark, m: 0xffffffff } } : {}),
    ...(s.ifId ? { ifId: s.ifId } : {}),
    ...(s.sel
      ? { selector: { family: 'inet6' as const, proto: s.sel.proto ?? 0, dport: s.sel.dport ?? 0, dportMask: s.sel.dport ? 0xffff : 0 } }
      : {}),
    ...(w > 32
      ? { replayEsn: { bmpLen: Math.ceil(w / 32), replayWindow: w, seq: s.replaySeq ?? 0, oseq: s.replayOseq ?? 0 } }
      : { replayWindow: w, ...(s.replaySeq || s.replayOseq ? { replay: { seq: s.replaySeq ?? 0, oseq: s.replayOseq ?? 0 } } : {}) }),
    ...(s.extraFlags ? { extraFlags: s.extraFlags } : {}),
    ...(s.limits ? { lifetime: s.limits } : {}),
    ...(s.seq ? { seq: s.seq } : {}),
  };
}

const S = 1_000_000;

function icmpFlow(src = '4321::1', dst = '4321::2', mark = 0): XfrmFlow {
  // xfrm_flowi_sport/dport for ICMPv6: type and code (echo request 128/0)
  return { family: 'inet6', src: ipv6(src), dst: ipv6(dst), proto: IPPROTO.ICMPV6, sport: 128, dport: 0, oif: 0, mark, ifId: 0 };
}

function udpFlow(sport: number, dport: number): XfrmFlow {
  return { family: 'inet6', src: ipv6('4321::1'), dst: ipv6('4321::2'), proto: IPPROTO.UDP, sport, dport, oif: 0, mark: 0, ifId: 0 };
}

/** `ip xfrm policy add src 4321::1 dst 4321::2 dir out [mark] tmpl ...` */
function outPolicy(t: XfrmTmplInit, mark?: XfrmMark): XfrmPolicy {
  const selector = makeSelector({ family: 'inet6', src: ipv6('4321::1'), dst: ipv6('4321::2'), prefixlenS: 128, prefixlenD: 128 });
  return validatePolicy({ selector, dir: 'out', tmpls: [t], ...(mark ? { mark } : {}) });
}

interface ResolveOpts {
  flow?: XfrmFlow;
  policyMark?: XfrmMark;
  ifId?: number;
  /** A key manager listens (`ip xfrm monitor` running). */
  km?: boolean;
  nowUs?: number;
}

/** xfrm_tmpl_resolve_one for the first template: transport uses the flow's addresses, tunnel the template's. */
function resolve(sad: Sad, t: XfrmTmplInit, opts: ResolveOpts = {}): XfrmTemplateResolution {
  const policy = outPolicy(t, opts.policyMark);
  const tmpl = policy.tmpls[0]!;
  const flow = opts.flow ?? icmpFlow();
  const tunnel = tmpl.mode === 'tunnel' || tmpl.mode === 'beet';
  const routeSource = flow.src;
  const local = tunnel ? (tmpl.src.some((b) => b !== 0) ? tmpl.src : routeSource) : flow.src;
  return sad.findStateForTemplate({
    tmpl,
    remote: tunnel ? tmpl.dst : flow.dst,
    local,
    flow,
    family: 'inet6',
    policyMark: policy.mark,
    ifId: opts.ifId ?? 0,
    ...(opts.km ? { acquire: { policy, nowUs: opts.nowUs ?? 0 } } : {}),
  });
}

const usedSpi = (r: XfrmTemplateResolution) => (r.kind === 'found' ? r.state.spi : r.kind);

function refusal(fn: () => unknown): { errno: Errno; extack: string | undefined } {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return { errno: e.errno, extack: e.extack };
    throw e;
  }
  throw new Error('the operation was accepted');
}

/** Everything a listing and a packet could observe about the database. */

const eventTypes = (events: readonly XfrmStateEvent[]) =>
  events.map((e) => (e.type === 'expire' ? `expire ${e.hard ? 'hard' : 'soft'}` : e.type));

const IMPLEMENTATIONS: [string, () => Sad][] = [
  ['SadLinear', () => new SadLinear()],
  ['SadIndexed', () => new SadIndexed()],
];

describe.each(IMPLEMENTATIONS)('%s', (_name, makeSad) => {
  const withStates = (...specs: SaSpec[]) => {
    const sad = makeSad();
    specs.forEach((s, i) => {
      sad.add(sa(s), i);
    });
    return sad;
  };

  describe('add, get and delete', () => {
    it('refuses a second SA with the same destination, SPI and protocol (EEXIST, no extack)', () => {
      // VERIFIED e01 spi 10 added twice: "RTNETLINK answers: File exists"
      const sad = withStates({ proto: 'ah', spi: 10 });
      expect(refusal(() => sad.add(sa({ proto: 'ah', spi: 10, src: '4321::9' }), 0))).toEqual({ errno: 'EEXIST', extack: undefined });
    });

    it('allows the same SPI again when the marks do not select each other', () => {
      // code: xfrm_state_add -> __xfrm_state_locate looks up with the new SA's mark value
      const sad = withStates({ spi: 0x100, mark: 5 });
      sad.add(sa({ spi: 0x100, mark: 6 }), 0);
      expect(sad.count()).toBe(2);
      expect(refusal(() => sad.add(sa({ spi: 0x100, mark: 6 }), 0)).errno).toBe('EEXIST');
    });

    it('finds an SA by destination, SPI and protocol whatever source the request names', () => {
      // VERIFIED e11: "state get src 4321::1 dst 4321::2 proto esp spi 0x10" and "get dst 4321::2 ..." print the same SA
      const sad = withStates({ spi: 0x10, reqid: 0x20, mode: 'tunnel' });
      const a = sad.get({ daddr: ipv6('4321::2'), saddr: ipv6('4321::1'), spi: 0x10, proto: 'esp' });
      const b = sad.get({ daddr: ipv6('4321::2'), saddr: ipv6('4321::99'), spi: 0x10, proto: 'esp' });
      expect(a).toBe(b);
      expect([a.reqid, a.mode]).toEqual([32, 'tunnel']);
    });

    it('answers ESRCH for a missing SA, for get and delete', () => {
      // VERIFIED e11: get/delete spi 0x77 "RTNETLINK answers: No such process"
      const sad = withStates({ spi: 0x10 });
      const id = { daddr: ipv6('4321::2'), spi: 0x77, proto: 'esp' as const };
      expect(refusal(() => sad.get(id)).errno).toBe('ESRCH');
      expect(refusal(() => sad.delete(id)).errno).toBe('ESRCH');
      expect(refusal(() => sad.get({ ...id, spi: 0x10, proto: 'ah' })).errno).toBe('ESRCH');
    });

    it('adds an SA with spi 0 twice and never finds it by SPI', () => {
      // kernel-semantics §7.2 (reproduced during review); VERIFIED e11 "state delete ... proto esp" (no spi) -> No such process
      const sad = withStates({ proto: 'ah', spi: 0 }, { proto: 'ah', spi: 0 });
      expect(sad.count()).toBe(2);
      expect(refusal(() => sad.get({ daddr: ipv6('4321::2'), spi: 0, proto: 'ah' })).errno).toBe('ESRCH');
    });

    it('needs the mark to find a marked SA', () => {
      // code: xfrm_user_state_lookup uses the request's mark (0 without `mark`)
      const sad = withStates({ spi: 0x25, mark: 7 });
      const id = { daddr: ipv6('4321::2'), spi: 0x25, proto: 'esp' as const };
      expect(refusal(() => sad.get(id)).errno).toBe('ESRCH');
      expect(sad.get({ ...id, mark: { v: 7, m: 0xffffffff } }).spi).toBe(0x25);
    });

    it('deletes and reports a delsa event', () => {
      const sad = withStates({ spi: 1 }, { spi: 2 });
      const r = sad.delete({ daddr: ipv6('4321::2'), spi: 1, proto: 'esp' });
      expect([r.state.spi, r.state.kmState, eventTypes(r.events)]).toEqual([1, 'dead', ['delsa']]);
      expect(sad.list().map((s) => s.spi)).toEqual([2]);
    });

    it('reports a newsa event for an added SA', () => {
      const r = makeSad().add(sa({ spi: 1 }), 0);
      expect(eventTypes(r.events)).toEqual(['newsa']);
      expect(r.events[0]).toMatchObject({ state: r.state });
    });

    it('lists the newest SA first and counts every SA', () => {
      // VERIFIED e01 and e11 listings: the last added is printed first
      const sad = withStates({ spi: 1 }, { proto: 'ah', spi: 10 }, { spi: 0x1c }, { proto: 'ah', spi: 0 });
      expect(sad.list().map((s) => s.spi)).toEqual([0, 0x1c, 10, 1]);
      expect(sad.list('ah').map((s) => s.spi)).toEqual([0, 10]);
      expect(sad.count()).toBe(4);
    });

    it('stores the mark as value & mask', () => {
      // code: __xfrm_state_insert "Sanitize mark before store"
      const sad = withStates({ spi: 1, mark: 0x17, mask: 0xf });
      expect(sad.list()[0]!.mark).toEqual({ v: 7, m: 0xf });
    });
  });

  describe('update()', () => {
    it('answers ESRCH for a missing SA', () => {
      // VERIFIED e11: "state update ... spi 0x99" -> "RTNETLINK answers: No such process"
      expect(refusal(() => withStates({ spi: 0x10 }).update(sa({ proto: 'ah', spi: 0x99 }), 0)).errno).toBe('ESRCH');
    });

    it('validates the request before looking for the SA', () => {
      // code: xfrm_add_sa runs verify_newsa_info and xfrm_state_construct before xfrm_state_update
      expect(refusal(() => makeSad().update(sa({ spi: 0x99, key: '12345' }), 0)).errno).toBe('EINVAL');
    });

    it('keeps the key, reqid and place in the list of a VALID SA', () => {
      // VERIFIED e11: update with key 6543210987654321, then get shows 0x3132...36 (the old key) at the old place
      const sad = withStates({ spi: 0x8 }, { spi: 0x10, reqid: 0x20, mode: 'tunnel' }, { spi: 0x13 });
      const r = sad.update(sa({ spi: 0x10, reqid: 0x20, mode: 'tunnel', key: '6543210987654321' }), 5 * S);
      expect(toHex(r.state.algos.enc!.key)).toBe('31323334353637383930313233343536');
      expect(sad.list().map((s) => s.spi)).toEqual([0x13, 0x10, 0x8]);
    });

    it('reports the SA as requested in its updsa event, not the SA kept', () => {
      // code: xfrm_add_sa km_state_notify(x) with the request-built x after xfrm_state_update
      const sad = withStates({ spi: 0x10 });
      const r = sad.update(sa({ spi: 0x10, key: '6543210987654321' }), 0);
      expect(eventTypes(r.events)).toEqual(['updsa']);
      const ev = r.events[0]!;
      expect(ev.type === 'updsa' && toHex(ev.state.algos.enc!.key)).toBe(toHex(key('6543210987654321')));
      expect(ev.type === 'updsa' && ev.state).not.toBe(r.state);
    });

    it('takes the new lifetimes, output mark and if_id of a VALID SA', () => {
      // code: xfrm_state_update copies lft, and props.smark / if_id when given
      const sad = withStates({ spi: 0x10 });
      const r = sad.update(sa({ spi: 0x10, outputMark: 9, ifId: 4, limits: { hardPacketLimit: 5n } }), 0);
      expect([r.state.lft.hardPacketLimit, r.state.smark, r.state.ifId]).toEqual([5n, { v: 9, m: 0xffffffff }, 4]);
    });

    it('replaces a larval SA made by allocspi and puts the new SA first', () => {
      // code: xfrm_state_update "if (x1->km.state == XFRM_STATE_ACQ) __xfrm_state_insert(x)", then deletes x1
      const sad = withStates({ spi: 1 });
      const larval = sad.allocSpi(
        { daddr: ipv6('4321::2'), saddr: ipv6('4321::1'), proto: 'esp', min: 0x100, max: 0x100 },
        { nowUs: 0, random: createRandom('t') },
      );
      sad.add(sa({ spi: 2 }), 0);
      const r = sad.update(sa({ spi: 0x100 }), 0);
      expect(larval.kmState).toBe('dead');
      expect(r.state.kmState).toBe('valid');
      expect(sad.list().map((s) => s.spi)).toEqual([0x100, 2, 1]);
    });
  });

  describe('flush() and deleteAll()', () => {
    it('flushes one protocol and leaves the others', () => {
      // VERIFIED e11: "flush proto esp" left only the AH SA ("SAD count 1")
      const sad = withStates({ spi: 8 }, { spi: 0x10 }, { proto: 'ah', spi: 0 });
      expect(eventTypes(sad.flush('esp').events)).toEqual(['flushsa']);
      expect(sad.list().map((s) => [s.proto, s.spi])).toEqual([['ah', 0]]);
    });

    it('raises no event when there is nothing to flush', () => {
      // code: xfrm_flush_sa turns the ESRCH of an empty flush into success, without km_state_notify
      expect(withStates({ proto: 'ah', spi: 1 }).flush('esp').events).toEqual([]);
    });

    it('flushes SAs with spi 0, which deleteall cannot reach', () => {
      // VERIFIED e11: "deleteall proto ah" -> "Failed to send delete-all request / : No such process", the spi-0 SA stayed;
      // kernel-semantics §7.2: only flush removes them
      const sad = withStates(
        { proto: 'ah', spi: 0 },
        { proto: 'ah', spi: 0x18, mode: 'tunnel' },
        { proto: 'ah', spi: 0x19 },
        { spi: 0x10 },
      );
      const r = sad.deleteAll((s) => s.proto === 'ah');
      expect(r.deleted.map((s) => s.spi)).toEqual([0x19, 0x18]);
      expect(r.failed.map((f) => [f.state.spi, f.errno])).toEqual([[0, 'ESRCH']]);
      expect(sad.list().map((s) => s.spi)).toEqual([0x10, 0]);
      sad.flush();
      expect(sad.count()).toBe(0);
    });
  });

  describe('allocSpi()', () => {
    const random = createRandom('allocspi');
    /** iproute2's allocspi defaults: min 0x100, max 0x0fffffff (ip: xfrm_state.c xfrm_state_allocspi). */
    const req: XfrmAllocSpiRequest = { daddr: ipv6('4321::2'), proto: 'esp', min: 0x100, max: 0x0fffffff };

    it('makes a larval SA with an SPI in range, source ::, selector of the two hosts', () => {
      // VERIFIED e11: "allocspi dst 4321::2 proto esp" -> "src :: dst 4321::2 ... sel src ::/128 dst 4321::2/128"
      const sad = makeSad();
      const x = sad.allocSpi(req, { nowUs: 0, random });
      expect(x.spi).toBeGreaterThanOrEqual(0x100);
      expect(x.spi).toBeLessThanOrEqual(0x0fffffff);
      expect([x.kmState, toHex(x.saddr), x.sel.prefixlenS, x.sel.prefixlenD, toHex(x.sel.dst)]).toEqual([
        'acq',
        '00'.repeat(16),
        128,
        128,
        toHex(ipv6('4321::2')),
      ]);
      expect(x.algos).toEqual({});
    });

    it('gives min when min = max, and a new larval SA for each request', () => {
      // VERIFIED e11: "allocspi ... min 0x100 max 0x100" -> spi 0x00000100, two larval SAs listed newest first
      const sad = makeSad();
      const first = sad.allocSpi(req, { nowUs: 0, random });
      const second = sad.allocSpi({ ...req, min: 0x100, max: 0x100 }, { nowUs: 0, random });
      expect(second.spi).toBe(0x100);
      expect(sad.list()).toEqual([second, first]);
    });

    it('answers ENOENT when the only SPI is taken, and leaves the larval SA it made', () => {
      // code: xfrm_alloc_userspi: xfrm_find_acq(create=1) succeeds, xfrm_alloc_spi fails with -ENOENT; the SA stays
      const sad = withStates({ spi: 0x100, src: '::' });
      expect(refusal(() => sad.allocSpi({ ...req, min: 0x100, max: 0x100 }, { nowUs: 0, random }))).toEqual({
        errno: 'ENOENT',
        extack: undefined,
      });
      expect(sad.list().map((s) => [s.kmState, s.spi])).toEqual([
        ['acq', 0],
        ['valid', 0x100],
      ]);
    });

    it('finds no SPI in the full 32-bit range (the count of tries wraps to 0)', () => {
      // code: xfrm_alloc_spi "for (h = 0; h < high-low+1; h++)" with u32 arithmetic
      expect(refusal(() => makeSad().allocSpi({ ...req, min: 0, max: 0xffffffff }, { nowUs: 0, random })).errno).toBe('ENOENT');
    });

    it.each<[string, Partial<XfrmAllocSpiRequest>]>([
      ['min above max', { min: 0x200, max: 0x100 }],
      ['an IPComp range above 16 bits', { proto: 'comp', min: 0x100, max: 0x10000 }],
      ['a protocol without SPIs', { proto: 'route2' }],
    ])('refuses %s with EINVAL and changes nothing', (_name, change) => {
      // code: verify_spi_info (no extack in 6.1)
      const sad = makeSad();
      expect(refusal(() => sad.allocSpi({ ...req, ...change }, { nowUs: 0, random }))).toEqual({ errno: 'EINVAL', extack: undefined });
      expect(sad.count()).toBe(0);
    });

    it('gives the SPI to the larval SA of an ACQUIRE named by seq', () => {
      // code: xfrm_alloc_userspi "if (p->info.seq) x = xfrm_find_acq_byseq(...)"
      const sad = makeSad();
      const acq = resolve(sad, { proto: 'esp' }, { km: true });
      const larval = acq.kind === 'none' ? acq.larval! : undefined;
      const x = sad.allocSpi({ ...req, saddr: ipv6('4321::9'), seq: larval!.kmSeq, min: 0x300, max: 0x300 }, { nowUs: 0, random });
      expect(x).toBe(larval);
      expect([x.spi, sad.count()]).toEqual([0x300, 1]);
    });

    it('makes an inbound packet for the allocated SPI an XfrmAcquireError', () => {
      // VERIFIED e12 6: SPI allocated on b, ESP arrives -> XfrmAcquireError+1
      const sad = makeSad();
      sad.allocSpi({ ...req, saddr: ipv6('4321::1'), min: 0x100, max: 0x100 }, { nowUs: 0, random });
      const x = sad.lookupInbound({ daddr: ipv6('4321::2'), spi: 0x100, proto: 'esp', mark: 0 });
      expect(x && sad.inputCheck(x, 1, 0)).toMatchObject({ kind: 'drop', counter: 'XfrmAcquireError' });
    });

    it('expires a larval SA after net.core.xfrm_acq_expires (30 s) with a hard expire', () => {
      // kernel-semantics §2.3 "lives net.core.xfrm_acq_expires = 30 s"; code: __find_acq_core timer, xfrm_timer_handler
      const sad = makeSad();
      sad.allocSpi(req, { nowUs: 0, random });
      expect(sad.runTimers(29.9 * S)).toEqual([]);
      expect(eventTypes(sad.runTimers(30 * S))).toEqual(['expire hard']);
      expect(sad.count()).toBe(0);
    });
  });

  describe('findStateForTemplate()', () => {
    const ah = (src: string, spi: number, extra: Partial<SaSpec> = {}): SaSpec => ({ src, proto: 'ah', spi, ...extra });
    /** Adds the SAs 1.1 s apart, as e07 T11 does ("sleep 1.1"). */
    const spaced = (...specs: SaSpec[]) => {
      const sad = makeSad();
      specs.forEach((s, i) => {
        sad.add(sa(s), i * 1.1 * S);
      });
      return sad;
    };
    const T = { proto: 'ah' as const, mode: 'transport' as const };

    it.each<[string, SaSpec[], number | string]>([
      // kernel-semantics §2.2, VERIFIED e07 T11
      ['older exact-source spi 1, newer exact-source spi 2', [ah('4321::1', 1), ah('4321::1', 2)], 2],
      ['older exact-source spi 1, newer ::-source spi 2', [ah('4321::1', 1), ah('::', 2)], 1],
      ['older ::-source spi 1, newer exact-source spi 2', [ah('::', 1), ah('4321::1', 2)], 2],
      ['only an SA with reqid 5 (template reqid 0)', [ah('4321::1', 5, { reqid: 5 })], 'none'],
      ['only an SA whose selector is proto udp', [ah('4321::1', 6, { sel: { proto: IPPROTO.UDP } })], 'none'],
      ['only a tunnel SA for a transport template', [ah('4321::1', 7, { mode: 'tunnel' })], 'none'],
      ['only an SA with mark 1 (policy mark 0)', [ah('4321::1', 8, { mark: 1 })], 'none'],
    ])('%s -> %s', (_name, specs, expected) => {
      expect(usedSpi(resolve(spaced(...specs), T))).toBe(expected);
    });

    it('uses the SA whose selector matches the flow: proto udp for the UDP probe, not for ICMP', () => {
      // VERIFIED e07 T11 "state sel proto udp only": XfrmOutNoStates+1 (the echo failed, ping's UDP probe did not)
      const sad = spaced(ah('4321::1', 6, { sel: { proto: IPPROTO.UDP } }));
      expect(usedSpi(resolve(sad, T, { flow: udpFlow(50583, 1025) }))).toBe(6);
      expect(usedSpi(resolve(sad, T))).toBe('none');
    });

    it('uses the SA named by the template spi although a newer SA exists', () => {
      // VERIFIED e08 "tmpl spi": AH(spi=0x00000022) on the wire with states 0x22 (older) and 0x21
      expect(usedSpi(resolve(spaced(ah('4321::1', 0x22), ah('4321::1', 0x21)), { ...T, spi: 0x22 }))).toBe(0x22);
    });

    it('answers EEXIST when the template spi is held by an SA that does not fit', () => {
      // kernel-semantics §2.1 table (reproduced during review): "ping: connect: File exists", XfrmOutPolError
      const r = resolve(spaced(ah('4321::1', 0x22, { reqid: 5 })), { ...T, spi: 0x22 });
      expect(r).toMatchObject({ kind: 'error', errno: 'EEXIST', conflict: { spi: 0x22 } });
    });

    it('uses a tunnel SA without source for a template with source and destination', () => {
      // VERIFIED e08 "tunnel state without src (tmpl has src+dst)": ESP(spi=0x00000070) sent from ::
      const sad = spaced({ src: '::', spi: 0x70, mode: 'tunnel' });
      expect(usedSpi(resolve(sad, { proto: 'esp', mode: 'tunnel', src: ipv6('4321::1'), dst: ipv6('4321::2') }))).toBe(0x70);
    });

    it('finds nothing when the template source differs from the SA source', () => {
      // VERIFIED e08 "tunnel tmpl src differs from state src": XfrmOutNoStates+5
      const sad = spaced({ spi: 0x72, mode: 'tunnel' });
      expect(usedSpi(resolve(sad, { proto: 'esp', mode: 'tunnel', src: ipv6('4321::9'), dst: ipv6('4321::2') }))).toBe('none');
    });

    it("compares the policy's mark, not the packet's", () => {
      // kernel-semantics §2.2 mark row: (policy.v & policy.m & SA.m) == SA.v
      const sad = spaced(ah('4321::1', 8, { mark: 1 }));
      expect(usedSpi(resolve(sad, T, { flow: icmpFlow(undefined, undefined, 1) }))).toBe('none');
      expect(usedSpi(resolve(sad, T, { policyMark: { v: 1, m: 0xff } }))).toBe(8);
    });

    it('requires the SA if_id to equal the policy if_id', () => {
      // kernel-semantics §2.2 if_id row
      const sad = spaced(ah('4321::1', 9, { ifId: 5 }));
      expect(usedSpi(resolve(sad, T))).toBe('none');
      expect(usedSpi(resolve(sad, T, { ifId: 5 }))).toBe(9);
    });

    it('prefers a non-dying SA to a newer dying one', () => {
      // kernel-semantics §2.2 "non-dying before dying"; code: xfrm_state_look_at
      const sad = spaced(ah('4321::1', 1), ah('4321::1', 2, { limits: { softPacketLimit: 1n } }));
      const dying = sad.list()[0]!;
      expect(sad.outputPrepare(dying, 64, 3 * S).kind).toBe('ok');
      expect(eventTypes(sad.checkLifetime(dying, 3 * S, 'out').events)).toEqual(['expire soft']);
      expect([dying.dying, usedSpi(resolve(sad, T))]).toEqual([true, 1]);
    });

    it('gives the tie of two SAs added in the same second to the newer one', () => {
      // code: xfrm_state_look_at replaces only for a strictly newer add_time; chains are newest-first (hlist_add_head)
      const sad = makeSad();
      sad.add(sa(ah('4321::1', 1)), 0.1 * S);
      sad.add(sa(ah('4321::1', 2)), 0.9 * S);
      expect(usedSpi(resolve(sad, T))).toBe(2);
    });

    it('admits a ::-source SA that shares the exact source chain, and it wins when newer', () => {
      // code: xfrm_state_find walks the bydst chain of (remote, local) with xfrm_state_addr_check, which
      // also admits an SA with source ::; which SAs share a chain follows __xfrm_dst_hash (no seed).
      // VERIFIED test/kernel-cases/sa-any-source-chain.sh (.out): from 4321::8 the newer ::-source
      // SA (spi 2) is used; from 4321::1 the older exact-source one (spi 1), as in e07 T11.
      const dst = ipv6('4321::2');
      const wildcard = xfrmDstHash(dst, new Uint8Array(16), 0, 'inet6') & 7;
      let shared = '';
      for (let i = 3; i < 0x1000 && !shared; i++) {
        if ((xfrmDstHash(dst, ipv6(`4321::${i.toString(16)}`), 0, 'inet6') & 7) === wildcard) shared = `4321::${i.toString(16)}`;
      }
      expect(xfrmDstHash(dst, ipv6('4321::1'), 0, 'inet6') & 7).not.toBe(wildcard);
      expect(shared).toBe('4321::8');
      const sad = spaced(ah(shared, 1), ah('::', 2));
      expect(usedSpi(resolve(sad, T, { flow: icmpFlow(shared) }))).toBe(2);
    });

    describe('larval SAs (ACQUIRE)', () => {
      it('makes nothing without a key manager', () => {
        // VERIFIED e02 A: no state listed after the ping
        const sad = makeSad();
        expect(resolve(sad, { proto: 'esp' })).toEqual({ kind: 'none', larvalPending: false, events: [] });
        expect(sad.count()).toBe(0);
      });

      it('makes a larval SA for the flow and an acquire event when a key manager listens', () => {
        // VERIFIED e02 B: "proto esp spi 0x00000000 reqid 0 mode transport ... sel src 4321::1/128 dst 4321::2/128 proto udp sport 50583 dport 1025"
        const sad = makeSad();
        const r = resolve(sad, { proto: 'esp' }, { km: true, flow: udpFlow(50583, 1025) });
        expect(r).toMatchObject({ kind: 'none', larvalPending: true });
        const x = sad.list()[0]!;
        expect([x.kmState, x.spi, x.proto, x.mode, x.reqid]).toEqual(['acq', 0, 'esp', 'transport', 0]);
        expect(x.sel).toMatchObject({ family: 'inet6', prefixlenS: 128, prefixlenD: 128, proto: IPPROTO.UDP, sport: 50583, dport: 1025 });
        expect(r.kind === 'none' && eventTypes(r.events)).toEqual(['acquire']);
      });

      it('reports acquire in progress for any flow while the larval SA lives, without a new ACQUIRE', () => {
        // kernel-semantics §2.2 last paragraph: "acquire in progress for any flow (its selector is not checked)"
        const sad = makeSad();
        resolve(sad, { proto: 'esp' }, { km: true, flow: udpFlow(50583, 1025) });
        expect(resolve(sad, { proto: 'esp' }, { km: true })).toEqual({ kind: 'none', larvalPending: true, events: [] });
        expect(sad.count()).toBe(1);
      });

      it('drops the larval SA when the real SA is added', () => {
        // code: xfrm_state_add deletes the matching ACQ state (__find_acq_core), silently
        const sad = makeSad();
        resolve(sad, { proto: 'esp' }, { km: true });
        const r = sad.add(sa({ spi: 0x100 }), 0);
        expect(eventTypes(r.events)).toEqual(['newsa']);
        expect(sad.list().map((s) => s.kmState)).toEqual(['valid']);
        expect(usedSpi(resolve(sad, { proto: 'esp' }, { km: true }))).toBe(0x100);
      });
    });
  });

  describe('lookupInbound()', () => {
    const key6 = (dst: string, spi: number, proto: 'esp' | 'ah' = 'esp', mark = 0) => ({ daddr: ipv6(dst), spi, proto, mark });

    it('ignores the source address', () => {
      // kernel-semantics §3.2 step 4, VERIFIED e04 4 (SA src 4321::99 decrypts the packet from 4321::1)
      expect(withStates({ src: '4321::99', spi: 0x100 }).lookupInbound(key6('4321::2', 0x100))?.spi).toBe(0x100);
    });

    it.each<[string, SaSpec, ReturnType<typeof key6>]>([
      // VERIFIED e04 1, 5; kernel-semantics §3.2 step 4
      ['no SA for the destination', { spi: 0x100, dst: '4321::3' }, key6('4321::2', 0x100)],
      ['an SA with destination ::', { spi: 0x100, dst: '::' }, key6('4321::2', 0x100)],
      ['another SPI', { spi: 0x101 }, key6('4321::2', 0x100)],
      ['another protocol', { spi: 0x100 }, key6('4321::2', 0x100, 'ah')],
      ['an SA with mark 5 for a packet without mark', { spi: 0x100, mark: 5 }, key6('4321::2', 0x100)],
      ['an SA with spi 0', { spi: 0 }, key6('4321::2', 0)],
    ])('finds nothing for %s', (_name, spec, k) => {
      expect(withStates(spec).lookupInbound(k)).toBeUndefined();
    });

    it('finds a marked SA once the packet carries the mark', () => {
      // VERIFIED e04 20: SA mark 5, MARK 5 in mangle PREROUTING -> delivered
      expect(withStates({ spi: 0x100, mark: 5 }).lookupInbound(key6('4321::2', 0x100, 'esp', 5))?.spi).toBe(0x100);
    });

    it('finds the newer of two SAs with one SPI whose marks both select the packet', () => {
      // code: __xfrm_state_lookup returns the first match of the newest-first byspi chain; a mark-5
      // SA then an unmarked one may coexist (the add looks up with the new SA's own mark)
      const sad = withStates({ spi: 0x100, mark: 5, reqid: 1 }, { spi: 0x100, reqid: 2 });
      expect(sad.lookupInbound(key6('4321::2', 0x100, 'esp', 5))?.reqid).toBe(2);
      expect(refusal(() => sad.add(sa({ spi: 0x100, mark: 5 }), 0)).errno).toBe('EEXIST');
    });
  });

  describe('per-packet steps', () => {
    it('numbers output packets from 1 and counts bytes and packets', () => {
      // VERIFIED e09: ESP seq 0x1 0x2 0x3, "oseq 0x3", "192(bytes), 3(packets)" (64-byte echo requests)
      const sad = withStates({ spi: 0x100 });
      const x = sad.list()[0]!;
      const seqs = [1, 2, 3].map(() => sad.outputPrepare(x, 64, S));
      expect(seqs.map((r) => r.kind === 'ok' && r.seq)).toEqual([1, 2, 3]);
      expect([x.replay.oseq, x.curlft.bytes, x.curlft.packets]).toEqual([3, 192, 3]);
    });

    it('refuses to wrap the output sequence number (XfrmOutStateSeqError) unless oseq-may-wrap', () => {
      // VERIFIED e09 replay-oseq 0xfffffffe: "3 packets transmitted, 1 received", XfrmOutStateSeqError+2, "oseq 0xffffffff"
      const sad = withStates(
        { spi: 0x100, replayOseq: 0xfffffffe },
        { spi: 0x200, replayOseq: 0xffffffff, extraFlags: XFRM_SA_XFLAG_OSEQ_MAY_WRAP },
      );
      const [wraps, x] = sad.list();
      const r = [1, 2, 3].map(() => sad.outputPrepare(x!, 64, S));
      expect(r.map((o) => (o.kind === 'ok' ? o.seq : o.counter))).toEqual([0xffffffff, 'XfrmOutStateSeqError', 'XfrmOutStateSeqError']);
      expect([x!.replay.oseq, x!.curlft.packets]).toEqual([0xffffffff, 1]);
      // code: __xfrm_replay_overflow, XFRM_SA_XFLAG_OSEQ_MAY_WRAP
      expect(sad.outputPrepare(wraps!, 64, S)).toMatchObject({ kind: 'ok', seq: 0 });
    });

    it('checks replay before the ICV and records it after, counting the SA statistics', () => {
      // VERIFIED e09 window 32: replayed 2 2 1 1 3 3 -> XfrmInStateSeqError+3, "replay-window 0 replay 3 failed 0"
      const sad = withStates({ spi: 0x100, replayWindow: 32 });
      const x = sad.lookupInbound({ daddr: ipv6('4321::2'), spi: 0x100, proto: 'esp', mark: 0 })!;
      const out = [2, 2, 1, 1, 3, 3].map((seq) => {
        const c = sad.inputCheck(x, seq, S);
        if (c.kind !== 'ok') return c.counter;
        return sad.inputAccept(x, seq, c.seqHi, 64, S).kind;
      });
      expect(out).toEqual(['ok', 'XfrmInStateSeqError', 'ok', 'XfrmInStateSeqError', 'ok', 'XfrmInStateSeqError']);
      expect(x.stats).toEqual({ replayWindow: 0, replay: 3, integrityFailed: 0 });
      expect([x.replay.seq, x.replay.legacyBitmap, x.curlft.packets]).toEqual([3, 7, 3]);
    });

    it('names the replay-window statistic for a number below the window', () => {
      // VERIFIED e09 window 2, replay-seq 3, replayed 1: "replay-window 1 replay 0"
      const sad = withStates({ spi: 0x100, replayWindow: 2, replaySeq: 3 });
      const x = sad.list()[0]!;
      expect(sad.inputCheck(x, 1, S)).toMatchObject({ kind: 'drop', counter: 'XfrmInStateSeqError', stat: 'replay-window' });
      expect(x.stats.replayWindow).toBe(1);
    });

    it('counts a failed ICV in the SA statistics', () => {
      // VERIFIED e04 2: wrong auth key -> XfrmInStateProtoError+1, "replay-window 0 replay 0 failed 1"
      const sad = withStates({ spi: 0x100 });
      const x = sad.list()[0]!;
      sad.inputIcvFailed(x);
      expect(x.stats).toEqual({ replayWindow: 0, replay: 0, integrityFailed: 1 });
    });
  });

  describe('lifetimes', () => {
    it('lets packets 1 and 2 through limit packet-hard 2, refuses the 3rd, then has no SA', () => {
      // kernel-semantics §2.5 (4), VERIFIED e09: XfrmOutNoStates+1 XfrmOutStateExpired+1, "states left on a: 0"
      const sad = withStates({ spi: 0x100, limits: { hardPacketLimit: 2n } });
      const x = sad.list()[0]!;
      const T = { proto: 'esp' as const };
      const steps: string[] = [];
      for (let i = 0; i < 4; i++) {
        const r = resolve(sad, T);
        if (r.kind !== 'found') {
          steps.push('XfrmOutNoStates');
          continue;
        }
        const o = sad.outputPrepare(r.state, 64, (i + 1) * S);
        steps.push(o.kind === 'ok' ? 'sent' : o.counter);
        if (o.kind === 'drop') expect(eventTypes(o.events)).toEqual(['expire hard']);
      }
      expect(steps).toEqual(['sent', 'sent', 'XfrmOutStateExpired', 'XfrmOutNoStates']);
      expect([x.kmState, sad.count()]).toEqual(['dead', 0]);
    });

    it('expires an inbound SA the same way: XfrmInStateExpired, then XfrmInNoStates', () => {
      // VERIFIED e09 "limit packet-hard 2 on b's inbound SA": XfrmInNoStates+1 XfrmInStateExpired+1
      const sad = withStates({ spi: 0x100, limits: { hardPacketLimit: 2n } });
      const steps = [1, 2, 3, 4].map((seq) => {
        const x = sad.lookupInbound({ daddr: ipv6('4321::2'), spi: 0x100, proto: 'esp', mark: 0 });
        if (!x) return 'XfrmInNoStates';
        const c = sad.inputCheck(x, seq, seq * S);
        if (c.kind !== 'ok') return c.counter;
        sad.inputAccept(x, seq, c.seqHi, 64, seq * S);
        return 'delivered';
      });
      expect(steps).toEqual(['delivered', 'delivered', 'XfrmInStateExpired', 'XfrmInNoStates']);
    });

    it('sends one soft expire when a soft limit is reached, and keeps the SA', () => {
      // kernel-semantics §2.5 "soft limits only send an EXPIRE notification and make the SA dying"
      const sad = withStates({ spi: 0x100, limits: { softPacketLimit: 2n } });
      const x = sad.list()[0]!;
      const events = [1, 2, 3, 4].flatMap((i) => {
        const o = sad.outputPrepare(x, 64, i * S);
        return o.kind === 'ok' ? eventTypes(o.events) : [o.counter];
      });
      expect(events).toEqual(['expire soft']);
      expect([x.dying, x.curlft.packets, sad.count()]).toEqual([true, 4, 1]);
    });

    it('expires on a byte limit checked before the packet is counted', () => {
      // code: xfrm_state_check_expire compares curlft.bytes before xfrm_output_one adds skb->len
      const sad = withStates({ spi: 0x100, limits: { hardByteLimit: 100n } });
      const x = sad.list()[0]!;
      expect([sad.outputPrepare(x, 64, S).kind, sad.outputPrepare(x, 64, S).kind]).toEqual(['ok', 'ok']);
      expect(sad.outputPrepare(x, 64, S)).toMatchObject({ counter: 'XfrmOutStateExpired' });
    });

    it('expires on time-hard at the second it was added plus the limit', () => {
      // code: xfrm_timer_handler (first run 1 s after insertion, then at the nearest limit), seconds of wall time
      const sad = makeSad();
      sad.add(sa({ spi: 0x100, limits: { hardAddExpiresSeconds: 5n } }), 0.5 * S);
      expect(sad.runTimers(5.4 * S)).toEqual([]);
      expect(sad.nextTimerUs()).toBe(5.5 * S);
      expect(eventTypes(sad.runTimers(5.5 * S))).toEqual(['expire hard']);
      expect(sad.count()).toBe(0);
    });

    it('sends the soft time expire first, then the hard one', () => {
      // code: xfrm_timer_handler soft_add_expires_seconds (warn) before hard_add_expires_seconds
      const sad = makeSad();
      sad.add(sa({ spi: 0x100, limits: { softAddExpiresSeconds: 2n, hardAddExpiresSeconds: 5n } }), 0);
      expect(eventTypes(sad.runTimers(2 * S))).toEqual(['expire soft']);
      expect(sad.list()[0]!.dying).toBe(true);
      expect(sad.runTimers(4.9 * S)).toEqual([]);
      expect(eventTypes(sad.runTimers(5 * S))).toEqual(['expire hard']);
    });

    it('counts a use-time limit from the first packet', () => {
      // code: xfrm_timer_handler uses curlft.use_time, or now while unused; check_expire sets use_time
      const sad = makeSad();
      sad.add(sa({ spi: 0x100, limits: { hardUseExpiresSeconds: 3n } }), 0);
      expect(sad.runTimers(10 * S)).toEqual([]);
      const x = sad.list()[0]!;
      sad.outputPrepare(x, 64, 10 * S);
      expect(x.curlft.useTime).toBe(10);
      expect(sad.runTimers(12.9 * S)).toEqual([]);
      expect(eventTypes(sad.runTimers(13 * S))).toEqual(['expire hard']);
    });

    it('lets an update take new limits and clear the dying flag', () => {
      // code: xfrm_state_update "memcpy(&x1->lft, &x->lft); x1->km.dying = 0"
      const sad = withStates({ spi: 0x100, limits: { softPacketLimit: 1n } });
      const x = sad.list()[0]!;
      sad.outputPrepare(x, 64, S);
      sad.outputPrepare(x, 64, S);
      expect(x.dying).toBe(true);
      sad.update(sa({ spi: 0x100 }), 2 * S);
      expect([x.dying, sad.outputPrepare(x, 64, 3 * S).kind]).toEqual([false, 'ok']);
    });

    it('expires an SA whose update lowered the hard limit below its use', () => {
      // code: xfrm_state_update calls xfrm_state_check_expire when the SA was used
      const sad = withStates({ spi: 0x100 });
      const x = sad.list()[0]!;
      sad.outputPrepare(x, 64, S);
      sad.outputPrepare(x, 64, S);
      const r = sad.update(sa({ spi: 0x100, limits: { hardPacketLimit: 1n } }), 2 * S);
      expect(eventTypes(r.events)).toEqual(['updsa', 'expire hard']);
      expect(sad.count()).toBe(0);
    });
  });

  describe('refused operations', () => {
    it('leave the database exactly as it was', () => {
      const sad = withStates({ spi: 1 }, { proto: 'ah', spi: 2, mark: 3 }, { spi: 3, limits: { hardPacketLimit: 9n } });
      const before = snapshotSad(sad);
      const attempts: (() => unknown)[] = [
        () => sad.add(sa({ spi: 1 }), S),
        () => sad.add(sa({ spi: 4, key: '12345' }), S),
        () => sad.add({ ...sa({ spi: 5 }), enc: { name: 'cbc(foo)', key: key('k') } }, S),
        () => sad.update(sa({ spi: 9 }), S),
        () => sad.update(sa({ spi: 1, key: '12345' }), S),
        () => sad.delete({ daddr: ipv6('4321::2'), spi: 2, proto: 'ah' }),
        () => sad.get({ daddr: ipv6('4321::2'), spi: 7, proto: 'esp' }),
        () => sad.allocSpi({ daddr: ipv6('4321::2'), proto: 'esp', min: 5, max: 4 }, { nowUs: S, random: createRandom('x') }),
      ];
      for (const attempt of attempts) {
        expect(() => attempt()).toThrow(ConfigError);
        expect(snapshotSad(sad)).toEqual(before);
      }
    });
  });

  describe('genid', () => {
    it('is bumped on the SAs a newer SA for the same addresses and reqid supersedes', () => {
      // code: xfrm_state_add -> __xfrm_state_bump_genids (cached bundles using them are rebuilt)
      const sad = withStates({ spi: 1 }, { spi: 2, reqid: 7 });
      sad.add(sa({ spi: 3 }), S);
      expect(sad.list().map((s) => [s.spi, s.genid])).toEqual([
        [3, 0],
        [2, 0],
        [1, 1],
      ]);
    });
  });
});
