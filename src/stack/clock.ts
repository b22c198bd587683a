/** The virtual clock and event queue of a world: timers fire in time order, ties in scheduling order. */

export type TimerId = number;

interface Timer {
  readonly id: TimerId;
  readonly atUs: number;
  readonly seq: number;
  readonly fire: () => void;
}

/**
 * Time is in microseconds (the resolution of pcap and tcpdump timestamps). Nothing advances it but
 * `advance`/`runUntil`/`runUntilIdle`, so a scenario that sleeps 30 s finishes at once and the same
 * scenario gives the same timestamps.
 */
export class VirtualClock {
  private now = 0;
  private seq = 0;
  private nextId = 1;
  private readonly heap: Timer[] = [];
  private readonly cancelled = new Set<TimerId>();

  constructor(startUs = 0) {
    this.now = startUs;
  }

  get nowUs(): number {
    return this.now;
  }

  /** Runs `fire` after `delayUs` (0 = after everything already due now). */
  schedule(delayUs: number, fire: () => void): TimerId {
    if (!(delayUs >= 0) || !Number.isFinite(delayUs)) throw new Error(`schedule: bad delay ${delayUs}`);
    const t: Timer = { id: this.nextId++, atUs: this.now + Math.round(delayUs), seq: this.seq++, fire };
    this.push(t);
    return t.id;
  }

  cancel(id: TimerId): void {
    this.cancelled.add(id);
  }

  /** Fires every timer due at or before `untilUs`, then sets the clock to `untilUs`. */
  runUntil(untilUs: number): void {
    if (untilUs < this.now) throw new Error(`runUntil: ${untilUs} is in the past (now ${this.now})`);
    for (;;) {
      const t = this.heap[0];
      if (!t || t.atUs > untilUs) break;
      this.pop();
      if (this.cancelled.delete(t.id)) continue;
      this.now = t.atUs;
      t.fire();
    }
    this.now = untilUs;
  }

  /** When the next timer is due, or undefined when none is pending. */
  nextDueUs(): number | undefined {
    while (this.heap[0] && this.cancelled.has(this.heap[0].id)) {
      this.cancelled.delete(this.heap[0].id);
      this.pop();
    }
    return this.heap[0]?.atUs;
  }

  advance(deltaUs: number): void {
    this.runUntil(this.now + deltaUs);
  }

  /** Fires timers until none is left or `limitUs` is reached; returns whether the queue drained. */
  runUntilIdle(limitUs = Number.MAX_SAFE_INTEGER): boolean {
    for (;;) {
      const t = this.heap[0];
      if (!t) return true;
      if (t.atUs > limitUs) {
        this.now = Math.max(this.now, limitUs);
        return false;
      }
      this.pop();
      if (this.cancelled.delete(t.id)) continue;
      this.now = t.atUs;
      t.fire();
    }
  }

  get pending(): number {
    return this.heap.length - this.cancelled.size;
  }

  private before(a: Timer, b: Timer): boolean {
    return a.atUs < b.atUs || (a.atUs === b.atUs && a.seq < b.seq);
  }

  private push(t: Timer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.before(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.before(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
