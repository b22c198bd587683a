import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { XfrmReplay, type XfrmReplayInit, type XfrmReplayVerdict } from '../../src/xfrm/replay.js';

/**
 * What `ip xfrm state add ... replay-window W [replay-seq S] [replay-oseq O] [flag esn]` sends
 * (ip: xfrm_state.c xfrm_state_modify): a window above 32 or `flag esn` goes as the ESN attribute with
 * ceil(W / 32) bitmap words and a legacy window of 0; otherwise the u8 window, and the preset only
 * when S or O is non-zero.
 */
function iproute2Replay(w: number, opts: { seq?: number; oseq?: number; esn?: boolean } = {}): XfrmReplayInit {
  const esnFlag = opts.esn ?? false;
  if (esnFlag || w > 32) {
    return { window: 0, esnFlag, esn: { bmpLen: Math.ceil(w / 32), replayWindow: w, seq: opts.seq ?? 0, oseq: opts.oseq ?? 0 } };
  }
  const preset = opts.seq || opts.oseq ? { legacy: { seq: opts.seq ?? 0, oseq: opts.oseq ?? 0 } } : {};
  return { window: w, esnFlag: false, ...preset };
}

/** Feeds each number through check and, when accepted, advance (a good ICV), as xfrm_input does. */
function receive(r: XfrmReplay, seqs: readonly number[]): XfrmReplayVerdict[] {
  return seqs.map((seq) => {
    const v = r.check(seq);
    if (v.kind === 'accept') r.advance(seq);
    return v;
  });
}

const outcomes = (vs: readonly XfrmReplayVerdict[]) => vs.map((v) => (v.kind === 'accept' ? 'accept' : (v.stat ?? v.reason)));

describe('XfrmReplay mode', () => {
  it('is legacy for a window up to 32 and bitmap above, ESN with the flag', () => {
    // kernel-semantics §3.3; xfrm_init_replay; e01 listing "replay_window 64, bitmap-length 2"
    expect(new XfrmReplay(iproute2Replay(32)).mode).toBe('legacy');
    const bmp = new XfrmReplay(iproute2Replay(64));
    expect([bmp.mode, bmp.legacyWindow, bmp.esnWindow, bmp.bmpLen]).toEqual(['bmp', 0, 64, 2]);
    const esn = new XfrmReplay(iproute2Replay(16, { esn: true }));
    expect([esn.mode, esn.esnWindow, esn.bmpLen]).toEqual(['esn', 16, 1]);
  });
});

describe('XfrmReplay.check and advance', () => {
  it('accepts duplicates and old numbers with window 0', () => {
    // kernel-semantics §3.3, VERIFIED e09 "window 0 accepts duplicates" (replayed 2 2 1, no error)
    expect(outcomes(receive(new XfrmReplay(iproute2Replay(0)), [2, 2, 1]))).toEqual(['accept', 'accept', 'accept']);
  });

  it('rejects repeats inside a 32-packet window as "replay" and keeps the e09 bitmap', () => {
    // VERIFIED e09: replayed 2 2 1 1 3 3 -> XfrmInStateSeqError+3, "seq 0x3 ... bitmap 0x00000007", "replay 3"
    const r = new XfrmReplay(iproute2Replay(32));
    expect(outcomes(receive(r, [2, 2, 1, 1, 3, 3]))).toEqual(['accept', 'replay', 'accept', 'replay', 'accept', 'replay']);
    expect([r.seq, r.legacyBitmap]).toEqual([3, 0x7]);
  });

  it('rejects a number below the window as "replay-window", and takes the preset top itself once', () => {
    // VERIFIED e09: window 2, replay-seq 3, replayed 1 2 3 -> XfrmInStateSeqError+1, "replay-window 1 replay 0"
    const r = new XfrmReplay(iproute2Replay(2, { seq: 3 }));
    expect(outcomes(receive(r, [1, 2, 3]))).toEqual(['replay-window', 'accept', 'accept']);
  });

  it('detects a replay inside a 64-packet bitmap window', () => {
    // VERIFIED e09: window 64 (bitmap attribute), replayed 3 1 1 -> XfrmInStateSeqError+1, "replay 1"
    expect(outcomes(receive(new XfrmReplay(iproute2Replay(64)), [3, 1, 1]))).toEqual(['accept', 'accept', 'replay']);
  });

  it('rejects a resent first packet with window 32', () => {
    // VERIFIED e04 19: window 32, seq 1 received, the same frame again -> XfrmInStateSeqError+1, "replay 1"
    expect(outcomes(receive(new XfrmReplay(iproute2Replay(32)), [1, 1]))).toEqual(['accept', 'replay']);
  });

  it('rejects sequence number 0 with a window but raises no SA statistic', () => {
    // code: xfrm_replay_check_legacy / _bmp "seq == 0 -> goto err" (no stats increment)
    for (const w of [5, 100]) {
      const v = new XfrmReplay(iproute2Replay(w)).check(0);
      expect(v).toMatchObject({ kind: 'reject', reason: 'seq-zero', stat: undefined, counter: 'XfrmInStateSeqError' });
    }
  });

  it('records an out-of-order number only after advance (the ICV check)', () => {
    // kernel-semantics §3.3 "The window is advanced only after a successful ICV check"
    const r = new XfrmReplay(iproute2Replay(32));
    receive(r, [5]);
    expect(r.check(4).kind).toBe('accept');
    expect(r.check(4).kind).toBe('accept');
    r.advance(4);
    expect(r.check(4)).toMatchObject({ stat: 'replay' });
  });

  it('forgets everything below the window when the top jumps by the window or more', () => {
    // code: xfrm_replay_advance_bmp "diff >= replay_window: bitmap cleared"
    const r = new XfrmReplay(iproute2Replay(64));
    receive(r, [1, 2, 3, 200]);
    expect(outcomes([r.check(3), r.check(137), r.check(136)])).toEqual(['replay-window', 'accept', 'replay-window']);
  });
});

describe('XfrmReplay with ESN', () => {
  const esnAt = (seq: number, seqHi: number, w = 32) =>
    new XfrmReplay({ window: 0, esnFlag: true, esn: { bmpLen: Math.ceil(w / 32), replayWindow: w, seq, seqHi } });

  it('takes a number below the window for the next 2^32 subspace', () => {
    // code: xfrm_replay_seqhi case A; RFC 4303 appendix A2.2
    const r = esnAt(0xfffffff0, 7);
    expect(r.seqHi(5)).toBe(8);
    expect(r.seqHi(0xfffffff1)).toBe(7);
    expect(r.check(5).kind).toBe('accept');
    r.advance(5);
    expect([r.esnSeq, r.esnSeqHi]).toEqual([5, 8]);
    // The old subspace's top is now 11 below the top, inside the window and never received.
    expect(r.seqHi(0xfffffff0)).toBe(7);
  });

  it('takes a number above the bottom for the previous subspace when the window straddles the boundary', () => {
    // code: xfrm_replay_seqhi case B
    const r = esnAt(3, 2);
    expect(r.seqHi(0xfffffffe)).toBe(1);
    expect(r.seqHi(2)).toBe(2);
  });

  it('allows sequence number 0 once the window has left the first subspace', () => {
    // code: xfrm_replay_check_esn "seq == 0 && seq_hi == 0 && seq < window - 1" only
    expect(esnAt(3, 0).check(0)).toMatchObject({ reason: 'seq-zero' });
    expect(esnAt(0xfffffff0, 0).check(0).kind).toBe('accept');
  });

  it('counts "replay-window" when the high half inferred before decryption changed after it', () => {
    // code: xfrm_replay_recheck_esn
    const r = esnAt(100, 0);
    expect(r.recheck(95, 1)).toMatchObject({ kind: 'reject', reason: 'seq-hi-changed', stat: 'replay-window' });
    expect(r.recheck(95, 0).kind).toBe('accept');
  });
});

describe('XfrmReplay.nextOutput', () => {
  it('numbers packets from 1, or from replay-oseq + 1', () => {
    // VERIFIED e09: seq 0x1 0x2 0x3; with replay-oseq 100 the first is 0x65
    const r = new XfrmReplay(iproute2Replay(0));
    expect([1, 2, 3].map(() => r.nextOutput(false))).toEqual([1, 2, 3].map((seq) => ({ kind: 'ok', seq, seqHi: 0 })));
    expect(new XfrmReplay(iproute2Replay(0, { oseq: 100 })).nextOutput(false)).toEqual({ kind: 'ok', seq: 0x65, seqHi: 0 });
  });

  it('refuses to wrap: one packet after replay-oseq 0xfffffffe, then XfrmOutStateSeqError for good', () => {
    // VERIFIED e09: "1 received", XfrmOutStateSeqError+2, "oseq 0xffffffff"
    const r = new XfrmReplay(iproute2Replay(0, { oseq: 0xfffffffe }));
    expect(r.nextOutput(false)).toEqual({ kind: 'ok', seq: 0xffffffff, seqHi: 0 });
    expect(r.nextOutput(false)).toMatchObject({ kind: 'overflow', counter: 'XfrmOutStateSeqError' });
    expect(r.nextOutput(false)).toMatchObject({ kind: 'overflow' });
    expect(r.oseq).toBe(0xffffffff);
  });

  it('wraps to 0 with oseq-may-wrap, in legacy and bitmap mode', () => {
    // code: __xfrm_replay_overflow / xfrm_replay_overflow_bmp, XFRM_SA_XFLAG_OSEQ_MAY_WRAP
    for (const w of [0, 64]) {
      const r = new XfrmReplay(iproute2Replay(w, { oseq: 0xffffffff }));
      expect(r.nextOutput(true)).toEqual({ kind: 'ok', seq: 0, seqHi: 0 });
    }
  });

  it('carries into the high half with ESN and refuses only when both halves would wrap', () => {
    // code: xfrm_replay_overflow_esn
    const r = new XfrmReplay({ window: 0, esnFlag: true, esn: { bmpLen: 1, replayWindow: 32, oseq: 0xffffffff, oseqHi: 4 } });
    expect(r.nextOutput(false)).toEqual({ kind: 'ok', seq: 0, seqHi: 5 });
    const top = new XfrmReplay({ window: 0, esnFlag: true, esn: { bmpLen: 1, replayWindow: 32, oseq: 0xffffffff, oseqHi: 0xffffffff } });
    expect(top.nextOutput(false)).toMatchObject({ kind: 'overflow' });
    expect([top.esnOseq, top.esnOseqHi]).toEqual([0xffffffff, 0xffffffff]);
  });
});

describe('XfrmReplay properties', () => {
  /**
   * §3.3 stated as sets: with window W > 0 a number is accepted when it is not 0 and either above the
   * highest accepted (or preset) one, or less than W below it and not accepted before.
   */
  function reference(w: number, preset: number) {
    const seen = new Set<number>();
    let top = preset;
    return (seq: number): boolean => {
      const ok = seq !== 0 && (seq > top || (top - seq < w && !seen.has(seq)));
      if (ok) {
        seen.add(seq);
        top = Math.max(top, seq);
      }
      return ok;
    };
  }

  const seqs = fc.array(fc.oneof(fc.integer({ min: 0, max: 80 }), fc.integer({ min: 0, max: 5000 })), { maxLength: 120 });
  /**
   * Windows and presets for which the bitmap's positions are consistent from the start: a legacy
   * window, a bitmap window dividing 2^32, or a preset top of at least 1 (see the next describe).
   */
  const consistent = fc.oneof(
    fc.record({ w: fc.integer({ min: 1, max: 32 }), preset: fc.integer({ min: 0, max: 40 }) }),
    fc.record({ w: fc.constantFrom(64, 128, 256, 1024, 4096), preset: fc.integer({ min: 0, max: 40 }) }),
    fc.record({ w: fc.integer({ min: 33, max: 4096 }), preset: fc.integer({ min: 1, max: 40 }) }),
  );

  it('legacy and bitmap windows decide exactly as the set formulation of §3.3', () => {
    fc.assert(
      fc.property(consistent, seqs, ({ w, preset }, list) => {
        const r = new XfrmReplay(iproute2Replay(w, { seq: preset }));
        const ref = reference(w, preset);
        for (const seq of list) {
          const accepted = r.check(seq).kind === 'accept';
          expect(accepted).toBe(ref(seq));
          if (accepted) r.advance(seq);
        }
      }),
    );
  });

  it('never accepts a number twice while it is inside the window, and never accepts 0', () => {
    fc.assert(
      fc.property(consistent, seqs, ({ w, preset }, list) => {
        const r = new XfrmReplay(iproute2Replay(w, { seq: preset }));
        const accepted = new Set<number>();
        for (const seq of list) {
          const v = r.check(seq);
          if (seq === 0) expect(v.kind).toBe('reject');
          if (v.kind !== 'accept') continue;
          expect(accepted.has(seq) && r.seq - seq < w).toBe(false);
          accepted.add(seq);
          r.advance(seq);
        }
      }),
    );
  });

  it('gives the same verdicts in a legacy and a bitmap window of the same size', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 2, 4, 8, 16, 32), seqs, (w, list) => {
        const legacy = new XfrmReplay(iproute2Replay(w));
        const bmp = new XfrmReplay({ window: 0, esnFlag: false, esn: { bmpLen: 1, replayWindow: w } });
        expect(outcomes(receive(legacy, list))).toEqual(outcomes(receive(bmp, list)));
      }),
    );
  });
});

describe('XfrmReplay bitmap windows that do not divide 2^32', () => {
  it('misplace the first packet of a fresh SA, which is then accepted twice', () => {
    // code: xfrm_replay_advance_bmp / xfrm_replay_check_bmp take the top's bit as (seq - 1) % window
    // in u32 arithmetic: from seq 0 that is 0xffffffff % 100 = 95, so seq 1 goes to bit 96 but is
    // looked up at bit 0. VERIFIED test/kernel-cases/replay-window-100.sh (.out): on 6.1 a replayed
    // seq 1 is accepted with window 100 (2 packets, no XfrmInStateSeqError) and refused with 32.
    const r = new XfrmReplay(iproute2Replay(100));
    expect(outcomes(receive(r, [1, 1, 2, 2]))).toEqual(['accept', 'accept', 'accept', 'replay']);
  });
});
