/** Two namespaces' xfrm engines and the `ip xfrm` requests the engine tests build on. */
import { createRandom } from '../../src/crypto/index.js';
import { buildIpv6Packet } from '../../src/wire/ipv6.js';
import { ipv6 } from '../../src/wire/ipv6-address.js';
import { IPPROTO } from '../../src/wire/proto.js';
import { XfrmNamespace } from '../../src/xfrm/namespace.js';
import type { XfrmOutputContext } from '../../src/xfrm/output.js';
import type { XfrmIdProto, XfrmMode, XfrmPolicyAction, XfrmTmplInit, XfrmTmplLevel } from '../../src/xfrm/policy.js';
import { makeSelector, type XfrmFlow } from '../../src/xfrm/selector.js';
import type { XfrmStateInit } from '../../src/xfrm/state.js';
import { echo } from './packets.js';

export const A = ipv6('4321::1');
export const B = ipv6('4321::2');
export const GW_A = ipv6('2001:db8::1');
export const GW_B = ipv6('2001:db8::2');

export function makeNs(seed = 'seed'): XfrmNamespace {
  return new XfrmNamespace({ random: createRandom(seed) });
}

/** A route to everything, from `src` (4321::1 unless said), except to :: (no route). */
export function outCtx(src = A, over: Partial<XfrmOutputContext> = {}): XfrmOutputContext {
  return {
    nowUs: 0,
    route: (dst) => (dst.every((b) => b === 0) ? { kind: 'error', errno: 'ENETUNREACH' } : { kind: 'ok', src }),
    ...over,
  };
}

export interface SaSpec {
  src?: Uint8Array;
  dst?: Uint8Array;
  proto?: 'esp' | 'ah';
  spi: number;
  mode?: XfrmMode;
  reqid?: number;
  /** Another key: the peer computes a different ICV. */
  keyByte?: number;
  aead?: boolean;
  mark?: { v: number; m: number };
  setMark?: { v: number; m: number };
  replayWindow?: number;
  sel?: { proto?: number };
}

/** `ip xfrm state add src S dst D proto P spi N mode M [reqid R] auth hmac(sha1) K | enc cbc(aes) K auth hmac(sha256) K` */
export function sa(s: SaSpec): XfrmStateInit {
  const proto = s.proto ?? 'esp';
  const k = s.keyByte ?? 0x11;
  const algos =
    proto === 'ah'
      ? { auth: { name: 'hmac(sha1)', key: new Uint8Array(20).fill(k) } }
      : s.aead
        ? { aead: { name: 'rfc4106(gcm(aes))', key: new Uint8Array(20).fill(k), icvBits: 128 } }
        : { enc: { name: 'cbc(aes)', key: new Uint8Array(16).fill(k) }, auth: { name: 'hmac(sha256)', key: new Uint8Array(32).fill(k) } };
  return {
    family: 'inet6',
    saddr: s.src ?? A,
    daddr: s.dst ?? B,
    spi: s.spi,
    proto,
    mode: s.mode ?? 'transport',
    reqid: s.reqid ?? 0,
    replayWindow: s.replayWindow ?? 0,
    ...algos,
    ...(s.mark ? { mark: s.mark } : {}),
    ...(s.setMark ? { setMark: s.setMark } : {}),
    ...(s.sel ? { selector: { family: 'inet6' as const, proto: s.sel.proto ?? 0 } } : {}),
  };
}

export interface TmplSpec {
  proto: XfrmIdProto;
  mode?: XfrmMode;
  reqid?: number;
  spi?: number;
  level?: XfrmTmplLevel;
  src?: Uint8Array;
  dst?: Uint8Array;
}

export interface PolSpec {
  dir: 'in' | 'out' | 'fwd';
  src?: Uint8Array;
  dst?: Uint8Array;
  /** Prefix lengths of both addresses; 128 unless said. */
  plen?: number;
  proto?: number;
  action?: XfrmPolicyAction;
  priority?: number;
  ptype?: 'main' | 'sub';
  /** XFRM_POLICY_LOCALOK (1) | XFRM_POLICY_ICMP (2). */
  flags?: number;
  tmpls?: TmplSpec[];
}

/** `ip xfrm policy add src S dst D dir DIR [action] tmpl ...`: the same selector for both hosts unless said. */
export function addPolicy(ns: XfrmNamespace, p: PolSpec): void {
  const plen = p.plen ?? 128;
  ns.spd.add({
    selector: makeSelector({ family: 'inet6', src: p.src ?? A, dst: p.dst ?? B, prefixlenS: plen, prefixlenD: plen, proto: p.proto ?? 0 }),
    dir: p.dir,
    priority: p.priority ?? 0,
    action: p.action ?? 'allow',
    ...(p.ptype ? { ptype: p.ptype } : {}),
    ...(p.flags ? { flags: p.flags } : {}),
    tmpls: (p.tmpls ?? []).map(
      (t): XfrmTmplInit => ({
        proto: t.proto,
        mode: t.mode ?? 'transport',
        reqid: t.reqid ?? 0,
        spi: t.spi ?? 0,
        level: t.level ?? 'required',
        ...(t.src ? { src: t.src } : {}),
        ...(t.dst ? { dst: t.dst } : {}),
      }),
    ),
  });
}

/** The flow of an ICMPv6 echo request from `src` to `dst` as an unbound ping sends it. */
export function echoFlow(src = A, dst = B, mark = 0): XfrmFlow {
  return { family: 'inet6', src, dst, proto: IPPROTO.ICMPV6, sport: 128, dport: 0, oif: 0, mark, ifId: 0 };
}

/** An echo request from `src` to `dst`. */
export function echoPacket(src = A, dst = B, seq = 1): Uint8Array {
  return buildIpv6Packet({ trafficClass: 0, flowLabel: 0x12345, hopLimit: 64, src, dst }, IPPROTO.ICMPV6, echo(undefined, 0x0303, seq));
}

/** The first header after the fixed header, through the chain: where the stack hands AH/ESP to xfrm. */
export function firstIpsec(bytes: Uint8Array): { proto: 50 | 51; offset: number } | undefined {
  const nh = bytes[6]!;
  return nh === 50 || nh === 51 ? { proto: nh, offset: 40 } : undefined;
}
