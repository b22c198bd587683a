/** Anti-replay windows and output sequence numbers of one SA: legacy (<= 32), bitmap and ESN (kernel: xfrm_replay.c xfrm_replay_check*, xfrm_replay_advance*, xfrm_replay_seqhi, xfrm_replay_overflow*, xfrm_init_replay). */

/**
 * XFRM_REPLAY_MODE_*: `legacy` when the SA has no XFRMA_REPLAY_ESN_VAL (window = props.replay_window,
 * at most 32, a 32-bit bitmap shifted on each new top); `bmp` with that attribute and no `flag esn`
 * (window up to 4096, a circular bitmap); `esn` with both (64-bit sequence numbers, the high half
 * inferred from the window).
 */
export type XfrmReplayMode = 'legacy' | 'bmp' | 'esn';

/** XFRMA_REPLAY_ESN_MAX / sizeof(u32) / 8: the largest bitmap, in 32-bit words (a window of 4096). */
export const XFRM_REPLAY_ESN_MAX_BMP_LEN = 128;
/** sizeof(replay.bitmap) * 8: the largest legacy window. */
export const XFRM_REPLAY_LEGACY_MAX = 32;

/** struct xfrm_replay_state (XFRMA_REPLAY_VAL): what `replay-seq`/`replay-oseq` preset for a legacy SA. */
export interface XfrmReplayLegacyInit {
  readonly seq?: number;
  readonly oseq?: number;
  readonly bitmap?: number;
}

/** struct xfrm_replay_state_esn (XFRMA_REPLAY_ESN_VAL). `bmp` may be shorter than bmpLen: the rest is zero. */
export interface XfrmReplayEsnInit {
  readonly bmpLen: number;
  readonly replayWindow: number;
  readonly seq?: number;
  readonly seqHi?: number;
  readonly oseq?: number;
  readonly oseqHi?: number;
  readonly bmp?: readonly number[];
}

export interface XfrmReplayInit {
  /** props.replay_window: the u8 of xfrm_usersa_info, already clamped to 32 by the caller (copy_from_user_state). */
  readonly window: number;
  readonly legacy?: XfrmReplayLegacyInit;
  readonly esn?: XfrmReplayEsnInit;
  /** XFRM_STATE_ESN on the SA. */
  readonly esnFlag: boolean;
}

/** The SA statistic a rejection counts (`ip -s xfrm state` "stats: replay-window N replay N"). */
export type XfrmReplayStat = 'replay-window' | 'replay';

/**
 * A replay check. Every rejection is XfrmInStateSeqError; `stat` names the per-SA statistic it also
 * raises, if any: sequence number 0 raises none.
 */
export type XfrmReplayVerdict =
  | { readonly kind: 'accept' }
  | {
      readonly kind: 'reject';
      readonly reason: 'seq-zero' | 'outside-window' | 'replayed' | 'seq-hi-changed';
      readonly stat: XfrmReplayStat | undefined;
      readonly counter: 'XfrmInStateSeqError';
      readonly detail: string;
    };

/** The next output sequence number, or the overflow that drops the packet (XfrmOutStateSeqError). */
export type XfrmReplayOutput =
  | { readonly kind: 'ok'; readonly seq: number; readonly seqHi: number }
  | { readonly kind: 'overflow'; readonly counter: 'XfrmOutStateSeqError'; readonly detail: string };

const ACCEPT: XfrmReplayVerdict = { kind: 'accept' };

const reject = (reason: 'seq-zero' | 'outside-window' | 'replayed' | 'seq-hi-changed', stat: XfrmReplayStat | undefined, detail: string) =>
  ({ kind: 'reject', reason, stat, counter: 'XfrmInStateSeqError', detail }) as const;

const hex = (n: number) => `0x${n.toString(16)}`;

/**
 * The replay state of one SA. Inbound: `check(seq)` before the ICV, `recheck` and `advance` after it;
 * outbound: `nextOutput`. All arithmetic is on u32 values as the kernel's, wrapping included.
 */
export class XfrmReplay {
  readonly mode: XfrmReplayMode;
  /** props.replay_window (the legacy window; 0 for bmp/esn SAs, as the listing shows). */
  readonly legacyWindow: number;
  /** struct xfrm_replay_state: used in legacy mode; kept (and listed) otherwise only when preset. */
  legacySeq: number;
  legacyOseq: number;
  legacyBitmap: number;
  /** replay_esn->replay_window (bmp/esn). */
  readonly esnWindow: number;
  readonly bmpLen: number;
  esnSeq: number;
  esnSeqHi: number;
  esnOseq: number;
  esnOseqHi: number;
  /** The circular bitmap: the bit of sequence number s is (s - 1) mod window. */
  readonly bmp: Uint32Array;

  constructor(init: XfrmReplayInit) {
    this.legacyWindow = init.window;
    this.legacySeq = u32(init.legacy?.seq ?? 0);
    this.legacyOseq = u32(init.legacy?.oseq ?? 0);
    this.legacyBitmap = u32(init.legacy?.bitmap ?? 0);
    const esn = init.esn;
    this.mode = esn ? (init.esnFlag ? 'esn' : 'bmp') : 'legacy';
    this.esnWindow = esn?.replayWindow ?? 0;
    this.bmpLen = esn?.bmpLen ?? 0;
    this.esnSeq = u32(esn?.seq ?? 0);
    this.esnSeqHi = u32(esn?.seqHi ?? 0);
    this.esnOseq = u32(esn?.oseq ?? 0);
    this.esnOseqHi = u32(esn?.oseqHi ?? 0);
    this.bmp = new Uint32Array(this.bmpLen);
    esn?.bmp?.slice(0, this.bmpLen).forEach((w, i) => {
      this.bmp[i] = u32(w);
    });
  }

  /** The window in force (0 = no replay protection: everything is accepted). */
  get window(): number {
    return this.mode === 'legacy' ? this.legacyWindow : this.esnWindow;
  }

  /** Highest sequence number accepted so far (low 32 bits). */
  get seq(): number {
    return this.mode === 'legacy' ? this.legacySeq : this.esnSeq;
  }

  /** Last output sequence number used (low 32 bits). */
  get oseq(): number {
    return this.mode === 'legacy' ? this.legacyOseq : this.esnOseq;
  }

  /** xfrm_replay_check: before the ICV is verified. */
  check(seq: number): XfrmReplayVerdict {
    switch (this.mode) {
      case 'legacy':
        return this.checkLegacy(u32(seq));
      case 'bmp':
        return this.checkBmp(u32(seq));
      case 'esn':
        return this.checkEsn(u32(seq));
    }
  }

  /**
   * xfrm_replay_recheck: after a good ICV, the same check again; for ESN the high half inferred
   * before decryption must still be the one inferred now (else "replay-window").
   */
  recheck(seq: number, seqHi: number): XfrmReplayVerdict {
    if (this.mode === 'esn' && u32(seqHi) !== this.seqHi(seq)) {
      return reject('seq-hi-changed', 'replay-window', `seq-hi ${hex(u32(seqHi))} of seq ${hex(u32(seq))} is no longer current`);
    }
    return this.check(seq);
  }

  /** xfrm_replay_seqhi: the high 32 bits the receiver assumes for `seq` (0 unless ESN). */
  seqHi(seq: number): number {
    if (this.mode !== 'esn') return 0;
    const s = u32(seq);
    const top = this.esnSeq;
    const bottom = u32(top - this.esnWindow + 1);
    let hi = this.esnSeqHi;
    if (top >= this.esnWindow - 1) {
      // Window inside one subspace: a number below it belongs to the next one.
      if (s < bottom) hi = u32(hi + 1);
    } else if (s >= bottom) {
      // Window straddles the subspace boundary: a number above its bottom belongs to the previous one.
      hi = u32(hi - 1);
    }
    return hi;
  }

  /** xfrm_replay_advance: records `seq` as received (only after a good ICV). */
  advance(seq: number): void {
    if (this.mode === 'legacy') this.advanceLegacy(u32(seq));
    else if (this.mode === 'bmp') this.advanceBmp(u32(seq));
    else this.advanceEsn(u32(seq));
  }

  /**
   * xfrm_replay_overflow: the next output sequence number. Without ESN the number may not wrap to 0
   * (unless `oseq-may-wrap`): the counter then stays at 0xffffffff and every later packet is refused.
   * With ESN the high half is carried, and only a wrap of both halves is refused.
   */
  nextOutput(mayWrap: boolean): XfrmReplayOutput {
    if (this.mode === 'esn') {
      this.esnOseq = u32(this.esnOseq + 1);
      let hi = this.esnOseqHi;
      if (this.esnOseq === 0) {
        this.esnOseqHi = u32(this.esnOseqHi + 1);
        hi = this.esnOseqHi;
        if (this.esnOseqHi === 0) {
          this.esnOseq = 0xffffffff;
          this.esnOseqHi = 0xffffffff;
          return { kind: 'overflow', counter: 'XfrmOutStateSeqError', detail: 'the 64-bit output sequence number would wrap' };
        }
      }
      return { kind: 'ok', seq: this.esnOseq, seqHi: hi };
    }
    const next = u32((this.mode === 'legacy' ? this.legacyOseq : this.esnOseq) + 1);
    if (next === 0 && !mayWrap) {
      return { kind: 'overflow', counter: 'XfrmOutStateSeqError', detail: 'the output sequence number would wrap to 0' };
    }
    if (this.mode === 'legacy') this.legacyOseq = next;
    else this.esnOseq = next;
    return { kind: 'ok', seq: next, seqHi: 0 };
  }

  private checkLegacy(seq: number): XfrmReplayVerdict {
    const window = this.legacyWindow;
    if (window === 0) return ACCEPT;
    if (seq === 0) return reject('seq-zero', undefined, 'sequence number 0 is never valid with a replay window');
    if (seq > this.legacySeq) return ACCEPT;
    const diff = u32(this.legacySeq - seq);
    if (diff >= window) {
      return reject('outside-window', 'replay-window', `seq ${hex(seq)} is ${diff} below the top ${hex(this.legacySeq)}, window ${window}`);
    }
    if ((this.legacyBitmap >>> diff) & 1) return reject('replayed', 'replay', `seq ${hex(seq)} was already received`);
    return ACCEPT;
  }

  private advanceLegacy(seq: number): void {
    const window = this.legacyWindow;
    if (window === 0) return;
    if (seq > this.legacySeq) {
      const diff = seq - this.legacySeq;
      this.legacyBitmap = diff < window ? u32((this.legacyBitmap << diff) | 1) : 1;
      this.legacySeq = seq;
    } else {
      const diff = u32(this.legacySeq - seq);
      // The check before keeps diff below the window (<= 32); C would shift by an undefined amount.
      if (diff < 32) this.legacyBitmap = u32(this.legacyBitmap | (1 << diff));
    }
  }

  private checkBmp(seq: number): XfrmReplayVerdict {
    const window = this.esnWindow;
    const diff = u32(this.esnSeq - seq);
    if (window === 0) return ACCEPT;
    if (seq === 0) return reject('seq-zero', undefined, 'sequence number 0 is never valid with a replay window');
    if (seq > this.esnSeq) return ACCEPT;
    if (diff >= window) {
      return reject('outside-window', 'replay-window', `seq ${hex(seq)} is ${diff} below the top ${hex(this.esnSeq)}, window ${window}`);
    }
    if (this.testBit(this.bitBelowTop(diff))) return reject('replayed', 'replay', `seq ${hex(seq)} was already received`);
    return ACCEPT;
  }

  private advanceBmp(seq: number): void {
    const window = this.esnWindow;
    if (window === 0) return;
    if (seq > this.esnSeq) {
      this.slide(seq - this.esnSeq);
      this.esnSeq = seq;
    } else {
      this.setBit(this.bitBelowTop(u32(this.esnSeq - seq)));
    }
  }

  private checkEsn(seq: number): XfrmReplayVerdict {
    const wsize = this.esnWindow;
    const top = this.esnSeq;
    const bottom = u32(top - wsize + 1);
    if (wsize === 0) return ACCEPT;
    if (seq === 0 && this.esnSeqHi === 0 && top < wsize - 1) {
      return reject('seq-zero', undefined, 'sequence number 0 is not valid in the first subspace');
    }
    let diff = u32(top - seq);
    if (top >= wsize - 1) {
      // Same subspace: above the top is new, below the bottom is taken for the next subspace.
      if (seq > top || seq < bottom) return ACCEPT;
    } else {
      if (seq > top && seq < bottom) return ACCEPT;
      if (seq >= bottom) diff = u32(~seq + top + 1);
    }
    if (diff >= wsize)
      return reject('outside-window', 'replay-window', `seq ${hex(seq)} is ${diff} below the top ${hex(top)}, window ${wsize}`);
    if (this.testBit(this.bitBelowTop(diff))) return reject('replayed', 'replay', `seq ${hex(seq)} was already received`);
    return ACCEPT;
  }

  private advanceEsn(seq: number): void {
    const window = this.esnWindow;
    if (window === 0) return;
    const seqHi = this.seqHi(seq);
    // int wrap = seq_hi - replay_esn->seq_hi: the u32 difference read as signed.
    const wrap = (seqHi - this.esnSeqHi) | 0;
    if ((wrap === 0 && seq > this.esnSeq) || wrap > 0) {
      const diff = wrap === 0 ? seq - this.esnSeq : u32(~this.esnSeq + seq + 1);
      this.slide(diff);
      this.esnSeq = seq;
      if (wrap > 0) this.esnSeqHi = u32(this.esnSeqHi + 1);
    } else {
      this.setBit(this.bitBelowTop(u32(this.esnSeq - seq)));
    }
  }

  /** Moves the top up by `diff`: clears the bits of the numbers skipped, sets the new top's bit. */
  private slide(diff: number): void {
    const window = this.esnWindow;
    const pos = u32(this.esnSeq - 1) % window;
    if (diff < window) {
      for (let i = 1; i < diff; i++) this.clearBit((pos + i) % window);
    } else {
      this.bmp.fill(0, 0, ((window - 1) >>> 5) + 1);
    }
    // (pos + diff) is a u32 sum in the kernel and wraps before the modulo.
    this.setBit(u32(pos + diff) % window);
  }

  /** The bitmap position of the number `diff` below the top (diff < window). */
  private bitBelowTop(diff: number): number {
    const window = this.esnWindow;
    const pos = u32(this.esnSeq - 1) % window;
    return pos >= diff ? (pos - diff) % window : window - (diff - pos);
  }

  private testBit(bit: number): boolean {
    return (((this.bmp[bit >>> 5] ?? 0) >>> (bit & 31)) & 1) === 1;
  }

  private setBit(bit: number): void {
    const word = bit >>> 5;
    if (word < this.bmp.length) this.bmp[word] = this.bmp[word]! | (1 << (bit & 31));
  }

  private clearBit(bit: number): void {
    const word = bit >>> 5;
    if (word < this.bmp.length) this.bmp[word] = this.bmp[word]! & ~(1 << (bit & 31));
  }
}

function u32(n: number): number {
  return n >>> 0;
}
