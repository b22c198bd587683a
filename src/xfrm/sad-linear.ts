/** Reference SAD lookup: every SA scanned, the kernel's hash buckets and chain order recomputed per query (kernel: xfrm_state.c xfrm_state_find, __xfrm_state_lookup). */

import { SadBase, type SadEntry, xfrmSpiHash } from './sad.js';

/**
 * Kept beside SadIndexed as the plain statement of what a chain holds: the SAs whose hash, masked
 * with the current table size, is the bucket (by SPI: the SAs with that SPI), head first by rank.
 * One test suite runs over both.
 */
export class SadLinear extends SadBase {
  protected dstChain(bucket: number): Iterable<SadEntry> {
    return [...this.entries].filter((e) => (e.dstHash & this.hmask) === bucket).sort((a, b) => b.dstRank - a.dstRank);
  }

  protected spiChain(bucket: number): Iterable<SadEntry> {
    return [...this.entries]
      .filter((e) => e.spiRank !== 0 && (xfrmSpiHash(e.state.spi) & this.hmask) === bucket)
      .sort((a, b) => b.spiRank - a.spiRank);
  }

  // The linear lookup reads `entries` directly and needs no structure of its own.
  protected linkDst(): void {}
  protected unlinkDst(): void {}
  protected linkSpi(): void {}
  protected unlinkSpi(): void {}
  protected rebuildIndex(): void {}
}
