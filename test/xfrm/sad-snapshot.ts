/** Test helper: everything observable about a state database, for "unchanged" and "same as the reference" checks. */

import { toHex } from '../../src/wire/hex.js';
import type { Sad } from '../../src/xfrm/sad.js';

/**
 * `internals` adds what differs between two databases with the same contents but another history
 * (hash table size, next timer, generation ids); leave it out to compare contents only.
 */
export function snapshotSad(sad: Sad, internals = true) {
  return {
    count: sad.count(),
    ...(internals ? { hash: sad.hashInfo(), next: sad.nextTimerUs() } : {}),
    states: sad.list().map((s) => ({
      daddr: toHex(s.daddr),
      saddr: toHex(s.saddr),
      spi: s.spi,
      proto: s.proto,
      mode: s.mode,
      reqid: s.reqid,
      mark: s.mark,
      kmState: s.kmState,
      dying: s.dying,
      algos: JSON.stringify(s.algos, (_k, v) => (v instanceof Uint8Array ? toHex(v) : v)),
      curlft: { ...s.curlft },
      stats: { ...s.stats },
      replay: [s.replay.seq, s.replay.oseq, s.replay.legacyBitmap, [...s.replay.bmp]],
      ...(internals ? { genid: s.genid } : {}),
    })),
  };
}
