import { describe, expect, it } from 'vitest';
import { GrowableFloat64, GrowableUint32 } from '../../src/trace/growable.js';
import { Rng } from '../../src/trace/rng.js';

describe('Rng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const draw = (seed: number) => {
      const r = new Rng(seed);
      return Array.from({ length: 8 }, () => r.nextU32());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(draw(0)).not.toEqual(draw(2 ** 32)); // the high half of the seed matters
    for (const v of draw(1)) expect(Number.isInteger(v) && v >= 0 && v < 2 ** 32).toBe(true);
  });

  it('uniform() lies in [0, 1) with mean 1/2', () => {
    const r = new Rng(9);
    let sum = 0;
    let lo = Infinity;
    let hi = -Infinity;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
      sum += u;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.01);
  });

  it('below(n) covers [0, n) evenly', () => {
    const r = new Rng(5);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[r.below(6)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    expect(() => r.below(0)).toThrow();
  });

  it('exponential(rate) has mean 1/rate', () => {
    const r = new Rng(11);
    let sum = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) sum += r.exponential(4);
    expect(Math.abs(sum / n - 0.25)).toBeLessThan(0.01);
  });
});

describe('growable typed arrays', () => {
  it('grow past their initial capacity and finish exactly sized', () => {
    const u = new GrowableUint32(2);
    const f = new GrowableFloat64(2);
    for (let i = 0; i < 1000; i++) {
      u.push(i * 3);
      f.push(i / 2);
    }
    u.reserve(5000);
    expect(u.length).toBe(1000);
    const ua = u.finish();
    expect(ua).toBeInstanceOf(Uint32Array);
    expect(ua.length).toBe(1000);
    expect(ua[999]).toBe(2997);
    expect(Array.from(f.view().subarray(0, 3))).toEqual([0, 0.5, 1]);
    f.truncate(10);
    expect(f.finish().length).toBe(10);
  });
});
