/** Security associations: their fields, the checks `ip xfrm state add|update` passes in the kernel's order with its extack texts, prepared algorithms, statistics (kernel: xfrm_user.c verify_newsa_info, verify_replay, xfrm_state_construct, attach_*; xfrm_state.c __xfrm_init_state; ah6.c ah6_init_state; esp6.c esp6_init_state; xfrm_replay.c xfrm_init_replay). */

import { type PreparedAuth, prepareAead, prepareAuth, prepareCipher, resolveAead, resolveAuth, resolveEnc } from '../crypto/index.js';
import { ConfigError } from '../errors.js';
import type { Ipv6Address } from '../wire/ipv6-address.js';
import type { EspCrypto } from './esp6.js';
import { XFRM_LIFETIME_DEFAULT, type XfrmLifetimeConfig, type XfrmLifetimeCurrent } from './lifetime.js';
import type { XfrmIdProto, XfrmMark, XfrmMode } from './policy.js';
import {
  XFRM_REPLAY_ESN_MAX_BMP_LEN,
  XFRM_REPLAY_LEGACY_MAX,
  XfrmReplay,
  type XfrmReplayEsnInit,
  type XfrmReplayLegacyInit,
  type XfrmReplayStat,
} from './replay.js';
import { assertSelectorFields, assertUint, selectorFields, type XfrmFamily, type XfrmFlow, type XfrmSelector } from './selector.js';

/** XFRM_STATE_* flags (`flag noecn|decap-dscp|nopmtudisc|wildrecv|icmp|af-unspec|align4|esn`). */
export const XFRM_STATE_NOECN = 1;
export const XFRM_STATE_DECAP_DSCP = 2;
export const XFRM_STATE_NOPMTUDISC = 4;
export const XFRM_STATE_WILDRECV = 8;
export const XFRM_STATE_ICMP = 16;
export const XFRM_STATE_AF_UNSPEC = 32;
export const XFRM_STATE_ALIGN4 = 64;
export const XFRM_STATE_ESN = 128;

/** XFRM_SA_XFLAG_* (`extra-flag dont-encap-dscp|oseq-may-wrap`). */
export const XFRM_SA_XFLAG_DONT_ENCAP_DSCP = 1;
export const XFRM_SA_XFLAG_OSEQ_MAY_WRAP = 2;

/** The protocols a state can carry: AH, ESP, IPComp and, for IPv6, the Mobile IPv6 routing (route2) and destination options (hao) ones. */
export type XfrmStateProto = 'esp' | 'ah' | 'comp' | 'route2' | 'hao';

/** XFRM_STATE_VALID, XFRM_STATE_ACQ (larval, waiting for a key manager), XFRM_STATE_EXPIRED, XFRM_STATE_DEAD (deleted). */
export type XfrmKmState = 'valid' | 'acq' | 'expired' | 'dead';

/** A state's selector may have no family (AF_UNSPEC, with `flag af-unspec`): it then matches any flow. */
export type XfrmSelectorFamily = XfrmFamily | 'unspec';

export interface XfrmStateSelector extends Omit<XfrmSelector, 'family'> {
  readonly family: XfrmSelectorFamily;
}

/** struct xfrm_encap_tmpl (`encap espinudp|espinudp-nonike|espintcp SPORT DPORT OADDR`). */
export interface XfrmEncapTmpl {
  /** UDP_ENCAP_ESPINUDP_NON_IKE 1, UDP_ENCAP_ESPINUDP 2, TCP_ENCAP_ESPINTCP 7. */
  readonly type: number;
  readonly sport: number;
  readonly dport: number;
  readonly oa: Ipv6Address;
}

/** `ip -s xfrm state` "stats: replay-window N replay N failed N" (struct xfrm_stats). */
export interface XfrmStateStats {
  readonly replayWindow: number;
  readonly replay: number;
  readonly integrityFailed: number;
}

/** The algorithms as the kernel stores and lists them: canonical names, the keys, the ICV lengths. */
export interface XfrmStateAlgos {
  readonly aead?: { readonly name: string; readonly key: Uint8Array; readonly icvBits: number };
  /** `auth` and `auth-trunc` end up the same (listed as `auth-trunc NAME KEY BITS`). */
  readonly auth?: { readonly name: string; readonly key: Uint8Array; readonly truncBits: number };
  readonly enc?: { readonly name: string; readonly key: Uint8Array };
  readonly comp?: { readonly name: string };
}

/** The algorithms bound to their keys once, when the SA is added (what ah6/esp6 take). Larval SAs have none. */
export type XfrmStateCrypto =
  | { readonly kind: 'none' }
  | { readonly kind: 'ah'; readonly auth: PreparedAuth }
  | { readonly kind: 'esp'; readonly esp: EspCrypto };

/**
 * struct xfrm_state as the model keeps it. Everything is read-only to callers; the database changes
 * the runtime fields (counters, replay, dying, kmState) through its own operations.
 */
export interface XfrmState {
  readonly family: XfrmFamily;
  /** id.daddr, id.spi, id.proto: the identity on input. */
  readonly daddr: Ipv6Address;
  /** 0 for a larval SA until `allocspi` gives it one. */
  readonly spi: number;
  readonly proto: XfrmStateProto;
  readonly saddr: Ipv6Address;
  readonly mode: XfrmMode;
  readonly reqid: number;
  readonly sel: XfrmStateSelector;
  readonly lft: XfrmLifetimeConfig;
  readonly curlft: Readonly<XfrmLifetimeCurrent>;
  readonly stats: XfrmStateStats;
  readonly replay: XfrmReplay;
  readonly flags: number;
  readonly extraFlags: number;
  /** `mark`: an inbound packet's mark must satisfy (mark & m) == v; stored as v & m once added. */
  readonly mark: XfrmMark;
  /** `output-mark` (XFRMA_SET_MARK): applied to the packet's mark before the transform, both directions. */
  readonly smark: XfrmMark;
  readonly ifId: number;
  readonly algos: XfrmStateAlgos;
  readonly crypto: XfrmStateCrypto;
  readonly tfcpad: number;
  readonly encap: XfrmEncapTmpl | undefined;
  readonly coaddr: Ipv6Address | undefined;
  readonly kmState: XfrmKmState;
  /** Soft-expired: still used, but a non-dying SA is preferred on output. */
  readonly dying: boolean;
  /** km.seq: the ACQUIRE sequence number of a larval SA, or `seq N` of `ip xfrm state add`. */
  readonly kmSeq: number;
  /** Bumped when a newer SA for the same addresses and reqid is added: cached bundles using this SA are stale. */
  readonly genid: number;
  /** Wall-clock seconds of the last packet (x->lastused), 0 = none. */
  readonly lastUsed: number;
}

/** The writable view the database uses; nothing outside src/xfrm/sad*.ts should need it. */
export type MutableXfrmState = { -readonly [K in Exclude<keyof XfrmState, 'curlft' | 'stats'>]: XfrmState[K] } & {
  curlft: XfrmLifetimeCurrent;
  stats: { -readonly [K in keyof XfrmStateStats]: number };
};

/**
 * What `ip xfrm state add|update` sends: struct xfrm_usersa_info and its attributes. Omitted fields
 * are what iproute2 sends without the corresponding word (zeros, mode transport, lifetimes infinite).
 */
export interface XfrmStateInit {
  readonly family: XfrmFamily;
  readonly daddr: Ipv6Address;
  readonly spi: number;
  readonly proto: XfrmIdProto;
  readonly saddr?: Ipv6Address;
  /** Omitted: a zeroed selector without family, which the kernel gives the state's family (unless `flag af-unspec`). */
  readonly selector?: Partial<XfrmStateSelector>;
  readonly mode?: XfrmMode;
  readonly reqid?: number;
  /** xfrm_usersa_info.replay_window (u8); the kernel keeps at most 32. iproute2 sends a bigger window as `replayEsn`. */
  readonly replayWindow?: number;
  readonly flags?: number;
  readonly extraFlags?: number;
  readonly lifetime?: Partial<XfrmLifetimeConfig>;
  /** `seq N` (km.seq): names the ACQUIRE this SA answers. */
  readonly seq?: number;
  readonly aead?: { readonly name: string; readonly key: Uint8Array; readonly icvBits: number };
  /** `auth-trunc NAME KEY BITS`; BITS 0 means the algorithm's default. */
  readonly authTrunc?: { readonly name: string; readonly key: Uint8Array; readonly truncBits: number };
  readonly auth?: { readonly name: string; readonly key: Uint8Array };
  readonly enc?: { readonly name: string; readonly key: Uint8Array };
  readonly comp?: { readonly name: string };
  readonly encap?: XfrmEncapTmpl;
  readonly coaddr?: Ipv6Address;
  readonly tfcpad?: number;
  readonly mark?: XfrmMark;
  /** XFRMA_SET_MARK (+ mask): iproute2's `output-mark M [mask K]`. */
  readonly setMark?: XfrmMark;
  readonly ifId?: number;
  /** XFRMA_REPLAY_VAL: `replay-seq`/`replay-oseq` of a legacy SA. */
  readonly replay?: XfrmReplayLegacyInit;
  /** XFRMA_REPLAY_ESN_VAL: what iproute2 sends for a window above 32 or `flag esn`. */
  readonly replayEsn?: XfrmReplayEsnInit;
}

/** The algorithm names of attach_one_algo(xfrm_calg_get_byname) (kernel: xfrm_algo.c calg_list). */
const COMP_ALGORITHMS: readonly { readonly name: string; readonly compat?: string }[] = [
  { name: 'deflate' },
  { name: 'lzs' },
  { name: 'lzjh' },
];

const MODE_NUMBER: Readonly<Record<XfrmMode, number>> = { transport: 0, tunnel: 1, ro: 2, in_trigger: 3, beet: 4 };

const CRYPTO_INIT_FAILED = 'Kernel was unable to initialize cryptographic operations';

const ZERO = new Uint8Array(16);

/** xfrm_id_proto_match(proto, IPSEC_PROTO_ANY): the protocols identified by an SPI. */
export function usesSpi(proto: XfrmStateProto): boolean {
  return proto === 'esp' || proto === 'ah' || proto === 'comp';
}

/** xfrm_smark_get: the packet mark after the SA's `output-mark`. */
export function applySetMark(mark: number, state: XfrmState): number {
  const m = state.smark;
  return ((m.v & m.m) | (mark & ~m.m)) >>> 0;
}

/** Whether a packet or policy mark value selects the SA: (mark & SA.m) == SA.v. */
export function markSelects(mark: number, state: XfrmState): boolean {
  return (mark & state.mark.m) >>> 0 === state.mark.v;
}

/** `sel` as a selector that selectorMatch takes, or undefined for an AF_UNSPEC one. */
export function familySelector(sel: XfrmStateSelector): XfrmSelector | undefined {
  return sel.family === 'unspec' ? undefined : (sel as XfrmSelector);
}

/** Addresses compare over 4 bytes for inet, 16 for inet6 (xfrm_addr_equal). */
export function addrEqual(a: Ipv6Address, b: Ipv6Address, family: XfrmFamily): boolean {
  const n = family === 'inet' ? 4 : 16;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** xfrm_addr_any. */
export function addrAny(a: Ipv6Address, family: XfrmFamily): boolean {
  const n = family === 'inet' ? 4 : 16;
  for (let i = 0; i < n; i++) if (a[i] !== 0) return false;
  return true;
}

/** The temporary selector of a larval SA: exactly the flow that needed it (kernel: __xfrm6_init_tempsel). */
export function tempSelector(flow: XfrmFlow): XfrmStateSelector {
  const full = flow.family === 'inet' ? 32 : 128;
  return {
    family: flow.family,
    src: flow.src.slice(),
    dst: flow.dst.slice(),
    prefixlenS: full,
    prefixlenD: full,
    proto: flow.proto,
    sport: flow.sport,
    sportMask: 0xffff,
    dport: flow.dport,
    dportMask: 0xffff,
    ifindex: flow.oif,
  };
}

/** A fresh SA object with the fields a zeroed struct xfrm_state (plus xfrm_state_alloc's defaults) has. */
export function blankState(fields: {
  readonly family: XfrmFamily;
  readonly daddr: Ipv6Address;
  readonly spi: number;
  readonly proto: XfrmStateProto;
  readonly saddr: Ipv6Address;
  readonly mode: XfrmMode;
  readonly reqid: number;
  readonly sel: XfrmStateSelector;
  readonly mark: XfrmMark;
  readonly ifId: number;
  readonly addTime: number;
  readonly kmState: XfrmKmState;
  readonly lft?: XfrmLifetimeConfig;
}): MutableXfrmState {
  return {
    family: fields.family,
    daddr: fields.daddr.slice(),
    spi: fields.spi,
    proto: fields.proto,
    saddr: fields.saddr.slice(),
    mode: fields.mode,
    reqid: fields.reqid,
    sel: fields.sel,
    lft: fields.lft ?? XFRM_LIFETIME_DEFAULT,
    curlft: { bytes: 0, packets: 0, addTime: fields.addTime, useTime: 0 },
    stats: { replayWindow: 0, replay: 0, integrityFailed: 0 },
    replay: new XfrmReplay({ window: 0, esnFlag: false }),
    flags: 0,
    extraFlags: 0,
    mark: { v: fields.mark.v, m: fields.mark.m },
    smark: { v: 0, m: 0 },
    ifId: fields.ifId,
    algos: {},
    crypto: { kind: 'none' },
    tfcpad: 0,
    encap: undefined,
    coaddr: undefined,
    kmState: fields.kmState,
    dying: false,
    kmSeq: 0,
    genid: 0,
    lastUsed: 0,
  };
}

/** Raises the per-SA statistic a replay rejection names. */
export function countReplayStat(state: MutableXfrmState, stat: XfrmReplayStat | undefined): void {
  if (stat === 'replay-window') state.stats.replayWindow++;
  else if (stat === 'replay') state.stats.replay++;
}

/**
 * The checks and construction of xfrm_add_sa before the database is touched (verify_newsa_info,
 * then xfrm_state_construct with attach_*, __xfrm_init_state, the type's init_state and
 * xfrm_init_replay), in that order, throwing ConfigError with the kernel's errno and extack.
 * `addTime` is the wall-clock second the SA is allocated at. Algorithms are prepared here, once.
 * Names Linux accepts but xfrmsim cannot compute, IPComp, Mobile IPv6 and UDP encapsulation are
 * refused with EOPNOTSUPP at the point where the kernel would start using them.
 */
export function validateState(init: XfrmStateInit, addTime: number): MutableXfrmState {
  const flags = init.flags ?? 0;
  const mode = init.mode ?? 'transport';
  const window = init.replayWindow ?? 0;
  checkUint(init.spi, 32, 'spi');
  checkUint(init.reqid ?? 0, 32, 'reqid');
  checkUint(window, 8, 'replayWindow');
  checkUint(flags, 8, 'flags');
  checkUint(init.extraFlags ?? 0, 32, 'extraFlags');
  checkUint(init.seq ?? 0, 32, 'seq');
  checkUint(init.ifId ?? 0, 32, 'ifId');
  checkUint(init.tfcpad ?? 0, 32, 'tfcpad');

  const sel = stateSelector(init.selector);
  verifyNewSaInfo(init, sel, flags, mode, window);

  // xfrm_state_construct / copy_from_user_state
  const family = init.family;
  const stateSel: XfrmStateSelector = sel.family === 'unspec' && !(flags & XFRM_STATE_AF_UNSPEC) ? { ...sel, family } : sel;
  const proto = init.proto as XfrmStateProto;
  const x = blankState({
    family,
    daddr: init.daddr,
    spi: init.spi,
    proto,
    saddr: init.saddr ?? ZERO,
    mode,
    reqid: init.reqid ?? 0,
    sel: stateSel,
    mark: init.mark ?? { v: 0, m: 0 },
    ifId: init.ifId ?? 0,
    addTime,
    kmState: 'valid',
    lft: { ...XFRM_LIFETIME_DEFAULT, ...init.lifetime },
  });
  x.flags = flags;
  x.extraFlags = init.extraFlags ?? 0;
  x.encap = init.encap;
  x.coaddr = init.coaddr?.slice();
  x.tfcpad = init.tfcpad ?? 0;
  x.kmSeq = init.seq ?? 0;
  if (init.setMark) x.smark = { v: init.setMark.v, m: init.setMark.m };

  const algos = attachAlgorithms(init);
  x.algos = algos;

  // __xfrm_init_state: modes and type, then the type's own checks (which prepare the keys).
  if (stateSel.family !== 'unspec') {
    if (!modeExists(mode, stateSel.family)) throw new ConfigError('EPROTONOSUPPORT', 'Requested mode not found');
    if (!isTunnelMode(mode) && family !== stateSel.family) {
      throw new ConfigError('EPROTONOSUPPORT', 'Only tunnel modes can accommodate a change of family');
    }
  } else if (!modeExists(mode, family)) {
    throw new ConfigError('EPROTONOSUPPORT', 'Requested mode not found');
  }
  if (!typeExists(proto, family)) throw new ConfigError('EPROTONOSUPPORT', 'Requested type not found');
  x.crypto = initType(proto, mode, algos, init.encap);
  if (!modeExists(mode, family)) throw new ConfigError('EPROTONOSUPPORT', 'Requested mode not found');

  // xfrm_init_replay, then the XFRMA_REPLAY_VAL preset (xfrm_update_ae_params).
  const esn = init.replayEsn;
  if (esn) {
    if (esn.replayWindow > esn.bmpLen * 32) {
      throw new ConfigError('EINVAL', 'ESN replay window is too large for the chosen bitmap size');
    }
    if (flags & XFRM_STATE_ESN && esn.replayWindow === 0) throw new ConfigError('EINVAL', 'ESN replay window must be > 0');
  }
  const replayInit = {
    window: Math.min(window, XFRM_REPLAY_LEGACY_MAX),
    esnFlag: (flags & XFRM_STATE_ESN) !== 0,
    ...(init.replay ? { legacy: init.replay } : {}),
    ...(esn ? { esn } : {}),
  };
  x.replay = new XfrmReplay(replayInit);
  return x;
}

/** verify_newsa_info and verify_replay: attribute combinations, selector prefix lengths, mode. */
function verifyNewSaInfo(init: XfrmStateInit, sel: XfrmStateSelector, flags: number, mode: XfrmMode, window: number): void {
  const selFamily = sel.family === 'unspec' && !(flags & XFRM_STATE_AF_UNSPEC) ? init.family : sel.family;
  if (selFamily === 'inet' && (sel.prefixlenD > 32 || sel.prefixlenS > 32)) {
    throw new ConfigError('EINVAL', 'Invalid prefix length in selector (must be <= 32 for IPv4)');
  }
  if (selFamily === 'inet6' && (sel.prefixlenD > 128 || sel.prefixlenS > 128)) {
    throw new ConfigError('EINVAL', 'Invalid prefix length in selector (must be <= 128 for IPv6)');
  }

  const auth = init.auth !== undefined;
  const authTrunc = init.authTrunc !== undefined;
  const aead = init.aead !== undefined;
  const crypt = init.enc !== undefined;
  const comp = init.comp !== undefined;
  const tfcpad = init.tfcpad !== undefined;
  switch (init.proto) {
    case 'ah':
      if (!auth && !authTrunc) throw new ConfigError('EINVAL', 'Missing required attribute for AH: AUTH_TRUNC or AUTH');
      if (aead || crypt || comp || tfcpad) throw new ConfigError('EINVAL', 'Invalid attributes for AH: AEAD, CRYPT, COMP, TFCPAD');
      break;
    case 'esp':
      if (comp) throw new ConfigError('EINVAL', 'Invalid attribute for ESP: COMP');
      if (!auth && !authTrunc && !crypt && !aead) {
        throw new ConfigError('EINVAL', 'Missing required attribute for ESP: at least one of AUTH, AUTH_TRUNC, CRYPT, AEAD');
      }
      if ((auth || authTrunc || crypt) && aead) {
        throw new ConfigError('EINVAL', "Invalid attribute combination for ESP: AEAD can't be used with AUTH, AUTH_TRUNC, CRYPT");
      }
      if (tfcpad && mode !== 'tunnel') throw new ConfigError('EINVAL', 'TFC padding can only be used in tunnel mode');
      break;
    case 'comp':
      if (!comp) throw new ConfigError('EINVAL', 'Missing required attribute for COMP: COMP');
      if (aead || auth || authTrunc || crypt || tfcpad) {
        throw new ConfigError('EINVAL', 'Invalid attributes for COMP: AEAD, AUTH, AUTH_TRUNC, CRYPT, TFCPAD');
      }
      if (init.spi >= 0x10000) throw new ConfigError('EINVAL', 'SPI is too large for COMP (must be < 0x10000)');
      break;
    case 'route2':
    case 'hao':
      if (comp || auth || authTrunc || aead || crypt || init.encap || tfcpad) {
        throw new ConfigError('EINVAL', 'Invalid attributes for DSTOPTS/ROUTING');
      }
      if (!init.coaddr) throw new ConfigError('EINVAL', 'Missing required COADDR attribute for DSTOPTS/ROUTING');
      break;
    default:
      throw new ConfigError('EINVAL', 'Unsupported protocol');
  }

  const esn = init.replayEsn;
  if (!esn) {
    if (flags & XFRM_STATE_ESN) throw new ConfigError('EINVAL', 'Missing required attribute for ESN');
  } else {
    checkUint(esn.bmpLen, 32, 'replayEsn.bmpLen');
    checkUint(esn.replayWindow, 32, 'replayEsn.replayWindow');
    if (esn.bmpLen > XFRM_REPLAY_ESN_MAX_BMP_LEN) throw new ConfigError('EINVAL', 'ESN bitmap length must be <= 128');
    if (init.proto !== 'esp' && init.proto !== 'ah') throw new ConfigError('EINVAL', 'ESN only supported for ESP and AH');
    if (window !== 0) throw new ConfigError('EINVAL', 'ESN not compatible with legacy replay_window');
  }

  if (MODE_NUMBER[mode] === MODE_NUMBER.in_trigger) throw new ConfigError('EINVAL', 'Unsupported mode');
}

/** attach_aead, attach_auth_trunc, attach_auth (only without auth-trunc), attach_crypt, attach_one_algo(comp). */
function attachAlgorithms(init: XfrmStateInit): XfrmStateAlgos {
  const out: { -readonly [K in keyof XfrmStateAlgos]: XfrmStateAlgos[K] } = {};
  if (init.aead) {
    const a = resolveAead(init.aead.name, init.aead.icvBits);
    out.aead = { name: a.name, key: init.aead.key.slice(), icvBits: init.aead.icvBits };
  }
  if (init.authTrunc) {
    const r = resolveAuth(init.authTrunc.name, init.authTrunc.truncBits);
    out.auth = { name: r.algorithm.name, key: init.authTrunc.key.slice(), truncBits: r.truncBits || r.algorithm.truncBits };
  } else if (init.auth) {
    // An auth-trunc attribute, once attached, makes the kernel skip `auth` altogether.
    const r = resolveAuth(init.auth.name);
    out.auth = { name: r.algorithm.name, key: init.auth.key.slice(), truncBits: r.truncBits };
  }
  if (init.enc) {
    const e = resolveEnc(init.enc.name);
    out.enc = { name: e.name, key: init.enc.key.slice() };
  }
  if (init.comp) {
    const name = init.comp.name;
    const c = COMP_ALGORITHMS.find((a) => a.name === name || a.compat === name);
    if (!c) throw new ConfigError('ENOSYS', 'Requested COMP algorithm not found');
    out.comp = { name: c.name };
  }
  return out;
}

/** The type's init_state: ah6_init_state / esp6_init_state, which bind the keys; the rest is not modelled. */
function initType(proto: XfrmStateProto, mode: XfrmMode, algos: XfrmStateAlgos, encap: XfrmEncapTmpl | undefined): XfrmStateCrypto {
  switch (proto) {
    case 'ah': {
      if (!algos.auth) throw new ConfigError('EINVAL', 'AH requires a state with an AUTH algorithm');
      if (encap) throw new ConfigError('EINVAL', 'AH is not compatible with encapsulation');
      let auth: PreparedAuth;
      try {
        auth = prepareAuth(algos.auth.name, algos.auth.key, algos.auth.truncBits);
      } catch (e) {
        // ah6_init_state: a key the MAC refuses (xcbc(aes) with 20 bytes) gets this extack.
        if (e instanceof ConfigError && e.errno === 'EINVAL' && e.extack === undefined) throw new ConfigError('EINVAL', CRYPTO_INIT_FAILED);
        throw e;
      }
      if (mode !== 'transport' && mode !== 'tunnel' && mode !== 'beet') {
        throw new ConfigError('EINVAL', 'Invalid mode requested for AH, must be one of TRANSPORT, TUNNEL, BEET');
      }
      return { kind: 'ah', auth };
    }
    case 'esp': {
      let esp: EspCrypto;
      if (algos.aead) {
        const { name, key, icvBits } = algos.aead;
        try {
          esp = { aead: prepareAead(name, key, icvBits) };
        } catch (e) {
          // esp_init_aead answers every setkey/setauthsize failure with this extack.
          if (e instanceof ConfigError && e.errno === 'EINVAL' && e.extack === undefined)
            throw new ConfigError('EINVAL', CRYPTO_INIT_FAILED);
          throw e;
        }
      } else if (algos.enc) {
        // authenc(auth, enc): the ICV length is set before the key, whose length error has no extack.
        const auth = algos.auth ? prepareAuth(algos.auth.name, algos.auth.key, algos.auth.truncBits) : undefined;
        const cipher = prepareCipher(algos.enc.name, algos.enc.key);
        esp = auth ? { cipher, auth } : { cipher };
      } else {
        throw new ConfigError('EINVAL', 'ESP: AEAD or CRYPT must be provided');
      }
      if (encap) {
        if (encap.type !== 1 && encap.type !== 2 && encap.type !== 7)
          throw new ConfigError('EINVAL', 'Unsupported encapsulation type for ESP');
        throw new ConfigError('EOPNOTSUPP', 'xfrmsim does not model UDP or TCP encapsulation of ESP yet');
      }
      return { kind: 'esp', esp };
    }
    case 'comp':
      throw new ConfigError('EOPNOTSUPP', 'xfrmsim does not model IPComp states yet');
    case 'route2':
    case 'hao':
      throw new ConfigError('EOPNOTSUPP', 'xfrmsim does not model Mobile IPv6 states yet');
  }
}

/** xfrm_get_mode: IPv6 knows transport, tunnel, route optimisation and BEET; IPv4 has no route optimisation. */
function modeExists(mode: XfrmMode, family: XfrmFamily): boolean {
  if (mode === 'in_trigger') return false;
  return family === 'inet6' || mode !== 'ro';
}

/** XFRM_MODE_FLAG_TUNNEL: the modes that carry an inner header of their own. */
function isTunnelMode(mode: XfrmMode): boolean {
  return mode === 'tunnel' || mode === 'beet';
}

/** xfrm_get_type: AH, ESP and IPComp for both families; the Mobile IPv6 types only for IPv6. */
function typeExists(proto: XfrmStateProto, family: XfrmFamily): boolean {
  return family === 'inet6' || usesSpi(proto);
}

function stateSelector(init: Partial<XfrmStateSelector> | undefined): XfrmStateSelector {
  const sel: XfrmStateSelector = { family: init?.family ?? 'unspec', ...selectorFields(init ?? {}) };
  assertSelectorFields(sel, 'state selector');
  return sel;
}

function checkUint(value: number, bits: number, what: string): void {
  assertUint(value, bits, `state ${what}`);
}
