/** xfrm input: AH/ESP receive, SA lookup, replay, ICV and decryption, decapsulation, nested SAs (kernel: xfrm_input.c xfrm_input, xfrm_parse_spi, xfrm6_remove_tunnel_encap; xfrm6_input.c xfrm6_rcv_spi, xfrm6_transport_finish; ah6.c ah6_input; esp6.c esp6_input). */

import { IPV6_DST, IPV6_HEADER_LENGTH } from '../wire/ipv6.js';
import { formatIpv6Address } from '../wire/ipv6-address.js';
import { IPPROTO } from '../wire/proto.js';
import { ah6Input } from './ah6.js';
import { esp6Input } from './esp6.js';
import { nearestInbound } from './explain.js';
import type { XfrmDrop, XfrmNamespace } from './namespace.js';
import { hex8, secPathEntry, type XfrmSecPathEntry } from './output.js';
import type { XfrmStateEvent } from './sad.js';
import { applySetMark, XFRM_STATE_DECAP_DSCP, XFRM_STATE_ESN, XFRM_STATE_NOECN, type XfrmState } from './state.js';
import { tunnelInner } from './xfrm6-mode.js';

/** XFRM_MAX_DEPTH: a secpath holds at most this many SAs. */
const SECPATH_MAX = 6;

export interface XfrmInputContext {
  readonly nowUs: number;
  /** skb->mark when the packet reaches the AH/ESP handler (PREROUTING may have set it). */
  readonly mark: number;
}

export type XfrmInputResult =
  | {
      readonly kind: 'decapsulated';
      /**
       * The whole inner IPv6 packet: after a transport SA to be received again from PREROUTING
       * (xfrm6_transport_finish), after a tunnel SA on the whole receive path of the same device.
       */
      readonly bytes: Uint8Array;
      /** The packet's secpath so far with the SAs used appended, outermost first. */
      readonly secPath: readonly XfrmSecPathEntry[];
      readonly mode: 'transport' | 'tunnel';
      /** skb->mark after the SAs' output marks (set-mark applies on input too, VERIFIED e04 21). */
      readonly mark: number;
      readonly detail: string;
      readonly events: readonly XfrmStateEvent[];
    }
  | (XfrmDrop & { readonly events: readonly XfrmStateEvent[] });

/**
 * xfrm_input for a packet whose header at `offset` is AH (51) or ESP (50). Transport SAs that
 * leave another AH/ESP header behind loop back to the SA lookup with the same outer destination;
 * a tunnel SA ends the loop (its inner packet is received anew). Each failing step raises one counter.
 */
export function xfrmInput(
  ns: XfrmNamespace,
  packet: Uint8Array,
  proto: 50 | 51,
  offset: number,
  secPath: readonly XfrmSecPathEntry[],
  ctx: XfrmInputContext,
): XfrmInputResult {
  const events: XfrmStateEvent[] = [];
  const sp = [...secPath];
  const steps: string[] = [];
  let pkt = packet;
  let at = offset;
  let nexthdr: number = proto;
  let mark = ctx.mark >>> 0;
  if (pkt.length < IPV6_HEADER_LENGTH) return { ...ns.drop('XfrmInHdrError', 'shorter than an IPv6 header'), events };
  // XFRM_SPI_SKB_CB(skb)->daddroff: every nested SA is looked up under the outer destination.
  const daddr = packet.slice(IPV6_DST, IPV6_DST + 16);
  for (;;) {
    const isAh = nexthdr === IPPROTO.AH;
    const name = isAh ? 'ah' : 'esp';
    // xfrm_parse_spi: AH needs its 12 fixed bytes, ESP its SPI and sequence number.
    if (pkt.length < at + (isAh ? 12 : 8)) return { ...ns.drop('XfrmInHdrError', `${name} header cut short at byte ${at}`), events };
    const view = new DataView(pkt.buffer, pkt.byteOffset + at);
    const spi = view.getUint32(isAh ? 4 : 0);
    const seq = view.getUint32(isAh ? 8 : 4);
    if (sp.length >= SECPATH_MAX) return { ...ns.drop('XfrmInBufferError', `secpath already holds ${sp.length} SAs`), events };
    const x = ns.sad.lookupInbound({ daddr, spi, proto: name, mark });
    if (!x) {
      const key = { daddr, spi, proto: name, mark } as const;
      const why = `no SA for dst ${formatIpv6Address(daddr)} spi 0x${hex8(spi)} proto ${name}${mark ? ` mark 0x${mark.toString(16)}` : ''}`;
      return { ...ns.drop('XfrmInNoStates', `${why} (${nearestInbound(ns.sad.list(), key)})`), events };
    }
    mark = applySetMark(mark, x);

    const check = ns.sad.inputCheck(x, seq, ctx.nowUs);
    events.push(...check.events);
    if (check.kind === 'drop') return { ...ns.drop(check.counter, check.detail), events };
    const esn = (x.flags & XFRM_STATE_ESN) !== 0 ? { seqHi: check.seqHi } : {};

    // The kernel writes the next header field only when the loop ends (xfrm6_transport_finish):
    // until then it still names the first header removed, and a nested AH's ICV covers that
    // value (so AH inside ESP in transport mode fails to verify on Linux 6.1).
    const seen = sp.length > secPath.length ? { nextHeaderSeen: proto } : {};
    const dec = decode(pkt, at, x, { ...esn, ...seen });
    if (dec.kind === 'drop') {
      if (dec.icv) ns.sad.inputIcvFailed(x);
      return { ...ns.drop('XfrmInStateProtoError', dec.detail), events };
    }
    const accepted = ns.sad.inputAccept(x, seq, check.seqHi, dec.payload.length, ctx.nowUs);
    if (accepted.kind === 'drop') return { ...ns.drop(accepted.counter, accepted.detail), events };
    const entry = entryOf(x);
    if (!entry) return { ...ns.drop('XfrmInStateModeError', `xfrmsim does not model ${x.mode} decapsulation`), events };
    sp.push(entry);
    steps.push(`${name} spi 0x${hex8(spi)} seq ${seq}`);

    if (x.mode === 'tunnel') {
      const inner = tunnelInner(dec.header, dec.nextHeader, dec.payload, {
        decapDscp: (x.flags & XFRM_STATE_DECAP_DSCP) !== 0,
        noEcn: (x.flags & XFRM_STATE_NOECN) !== 0,
      });
      if (!inner.ok) return { ...ns.drop('XfrmInStateModeError', inner.error.detail), events };
      return { kind: 'decapsulated', bytes: inner.value, secPath: sp, mode: 'tunnel', mark, detail: steps.join(', '), events };
    }
    pkt = dec.transport();
    if (dec.nextHeader !== IPPROTO.AH && dec.nextHeader !== IPPROTO.ESP)
      return { kind: 'decapsulated', bytes: pkt, secPath: sp, mode: 'transport', mark, detail: steps.join(', '), events };
    // The header that followed now sits where the removed one was.
    nexthdr = dec.nextHeader;
    at = dec.header.length;
  }
}

type Decoded =
  | {
      readonly kind: 'ok';
      /** The packet with the header removed, as a transport SA leaves it (built only when asked for). */
      readonly transport: () => Uint8Array;
      readonly header: Uint8Array;
      readonly payload: Uint8Array;
      readonly nextHeader: number;
    }
  | { readonly kind: 'drop'; readonly detail: string; readonly icv: boolean };

/** The type's input (ah6_input / esp6_input); any refusal is XfrmInStateProtoError. */
function decode(pkt: Uint8Array, at: number, x: XfrmState, opts: { readonly seqHi?: number; readonly nextHeaderSeen?: number }): Decoded {
  if (x.crypto.kind === 'ah') {
    const r = ah6Input(pkt, at, x.crypto.auth, opts);
    if (r.kind === 'drop') return { kind: 'drop', detail: r.detail, icv: r.reason === 'icv-mismatch' };
    return { kind: 'ok', transport: () => r.packet, header: r.header, payload: r.payload, nextHeader: r.nextHeader };
  }
  if (x.crypto.kind === 'esp') {
    const r = esp6Input(pkt, at, x.crypto.esp, opts.seqHi === undefined ? {} : { seqHi: opts.seqHi });
    if (r.kind === 'drop') return { kind: 'drop', detail: r.detail, icv: r.reason === 'icv-mismatch' };
    return { kind: 'ok', transport: () => r.packet, header: r.header, payload: r.payload, nextHeader: r.nextHeader };
  }
  return { kind: 'drop', detail: `SA ${x.proto} spi 0x${hex8(x.spi)} has no algorithms`, icv: false };
}

/** The secpath record of an AH/ESP SA in a mode the model decapsulates (BEET is not modelled). */
function entryOf(x: XfrmState): XfrmSecPathEntry | undefined {
  if (x.mode !== 'transport' && x.mode !== 'tunnel') return undefined;
  return secPathEntry(x);
}
