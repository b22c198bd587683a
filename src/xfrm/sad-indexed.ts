/** Indexed SAD lookup: the bydst and byspi chains per bucket, kept head first (kernel: xfrm_state.c state_bydst, state_byspi, xfrm_hash_transfer). */

import { SadBase, type SadEntry, xfrmSpiHash } from './sad.js';

/**
 * The fast SAD: an inbound lookup walks only the SAs of the packet's SPI bucket, an output lookup only
 * the two bydst chains of (remote, local) and (remote, ::). Chains are arrays ordered by rank,
 * largest first, exactly the kernel's hlist order; a resize rebuilds them.
 */
export class SadIndexed extends SadBase {
  private readonly byDst = new Map<number, SadEntry[]>();
  private readonly bySpi = new Map<number, SadEntry[]>();

  protected dstChain(bucket: number): Iterable<SadEntry> {
    return this.byDst.get(bucket) ?? [];
  }

  protected spiChain(bucket: number): Iterable<SadEntry> {
    return this.bySpi.get(bucket) ?? [];
  }

  protected linkDst(entry: SadEntry): void {
    insertByRank(this.byDst, entry.dstHash & this.hmask, entry, (e) => e.dstRank);
  }

  protected unlinkDst(entry: SadEntry): void {
    remove(this.byDst, entry.dstHash & this.hmask, entry);
  }

  protected linkSpi(entry: SadEntry): void {
    insertByRank(this.bySpi, xfrmSpiHash(entry.state.spi) & this.hmask, entry, (e) => e.spiRank);
  }

  protected unlinkSpi(entry: SadEntry): void {
    remove(this.bySpi, xfrmSpiHash(entry.state.spi) & this.hmask, entry);
  }

  protected rebuildIndex(): void {
    this.byDst.clear();
    this.bySpi.clear();
    for (const e of this.entries) {
      this.linkDst(e);
      if (e.spiRank) this.linkSpi(e);
    }
  }
}

/** Keeps the chain ordered by rank, largest (newest at the head) first; a new entry usually goes in front. */
function insertByRank(map: Map<number, SadEntry[]>, key: number, entry: SadEntry, rank: (e: SadEntry) => number): void {
  let list = map.get(key);
  if (!list) {
    list = [];
    map.set(key, list);
  }
  const r = rank(entry);
  let i = 0;
  while (i < list.length && rank(list[i]!) > r) i++;
  list.splice(i, 0, entry);
}

function remove(map: Map<number, SadEntry[]>, key: number, entry: SadEntry): void {
  const list = map.get(key);
  const i = list ? list.indexOf(entry) : -1;
  if (!list || i < 0) throw new Error('sad: entry missing from its chain');
  list.splice(i, 1);
  if (list.length === 0) map.delete(key);
}
