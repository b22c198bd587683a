import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/stack/clock.js';

describe('VirtualClock', () => {
  it('fires timers in time order and sets the clock to each timer', () => {
    const c = new VirtualClock();
    const seen: string[] = [];
    c.schedule(300, () => seen.push(`b@${c.nowUs}`));
    c.schedule(100, () => seen.push(`a@${c.nowUs}`));
    c.runUntilIdle();
    expect(seen).toEqual(['a@100', 'b@300']);
  });

  it('fires timers due at the same time in the order they were scheduled', () => {
    const c = new VirtualClock();
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) c.schedule(10, () => seen.push(i));
    c.runUntilIdle();
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });

  it('does not fire a cancelled timer', () => {
    const c = new VirtualClock();
    let fired = false;
    const id = c.schedule(5, () => {
      fired = true;
    });
    c.cancel(id);
    c.advance(10);
    expect(fired).toBe(false);
    expect(c.pending).toBe(0);
  });

  it('runUntil() stops before later timers and leaves the clock at the target', () => {
    const c = new VirtualClock(1000);
    const seen: number[] = [];
    c.schedule(10, () => seen.push(1));
    c.schedule(50, () => seen.push(2));
    c.runUntil(1020);
    expect(seen).toEqual([1]);
    expect(c.nowUs).toBe(1020);
  });

  it('runs timers scheduled by timers, at their own times', () => {
    const c = new VirtualClock();
    const seen: number[] = [];
    c.schedule(10, () => c.schedule(5, () => seen.push(c.nowUs)));
    c.runUntilIdle();
    expect(seen).toEqual([15]);
  });

  it('runUntilIdle() reports a queue that does not drain before the limit', () => {
    const c = new VirtualClock();
    const tick = () => c.schedule(1000, tick);
    tick();
    expect(c.runUntilIdle(10_000)).toBe(false);
    expect(c.nowUs).toBe(10_000);
  });

  it('refuses negative delays and going back in time', () => {
    const c = new VirtualClock(50);
    expect(() => c.schedule(-1, () => {})).toThrow(/bad delay/);
    expect(() => c.runUntil(10)).toThrow(/in the past/);
  });

  it('fires any set of timers in nondecreasing time, stable for ties (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1000), { maxLength: 200 }), (delays) => {
        const c = new VirtualClock();
        const fired: { at: number; i: number }[] = [];
        for (const [i, d] of delays.entries()) c.schedule(d, () => fired.push({ at: c.nowUs, i }));
        c.runUntilIdle();
        const expected = delays.map((d, i) => ({ at: d, i })).sort((a, b) => a.at - b.at || a.i - b.i);
        expect(fired).toEqual(expected);
      }),
    );
  });
});
