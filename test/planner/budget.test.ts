// GPU budget primitives (reference test_budget.py cases consistent with the current-main rule
// that the ceiling is hard and tolerance relaxes only the floor).
import { describe, expect, it } from 'vitest';
import {
  boundsForTotal,
  checkBudgetHoldsPools,
  computeTolerance,
  fitDirectionalBudgetPair,
  guardDisaggScalingBudget,
  guardSingleScalingBudget,
  proportionalClampPair,
  proportionalClampSingle,
} from '../../src/planner/budget.js';

describe('tolerance and bounds', () => {
  it('tolerance is the largest positive per-replica cost', () => {
    expect(computeTolerance([1, 2])).toBe(2);
    expect(computeTolerance([2, 1])).toBe(2);
    expect(computeTolerance([4])).toBe(4);
    expect(computeTolerance([0, 0])).toBe(0);
    expect(computeTolerance([1, 0, 2, -1])).toBe(2);
    expect(computeTolerance([])).toBe(0);
  });

  it('checks [min − tol, max] with the ceiling hard and negative bounds disabled', () => {
    expect(boundsForTotal(8, 4, 8, 0)).toEqual([true, '']);
    expect(boundsForTotal(4, 4, 8, 0)).toEqual([true, '']);
    expect(boundsForTotal(9, 4, 8, 0)[1]).toContain('exceeds ceiling');
    expect(boundsForTotal(3, 4, 8, 0)[1]).toContain('below floor');
    expect(boundsForTotal(2, 4, 8, 2)).toEqual([true, '']);
    expect(boundsForTotal(10, 4, 8, 2)[0]).toBe(false);
    expect(boundsForTotal(0, -1, 8, 0)).toEqual([true, '']);
    expect(boundsForTotal(9, -1, 8, 0)[0]).toBe(false);
    expect(boundsForTotal(100, 4, -1, 0)).toEqual([true, '']);
    expect(boundsForTotal(999, -1, -1, 0)).toEqual([true, '']);
  });
});

describe('proportional clamps', () => {
  it('pair: no-op when disabled or in band', () => {
    expect(proportionalClampPair(3, 5, 1, 1, -1, -1, 1)).toEqual([3, 5]);
    expect(proportionalClampPair(3, 1, 1, 1, 4, 4, 1)).toEqual([3, 1]);
    // Current main: the ceiling is hard (the older rule let tolerance relax it): 1 + 2×2 = 5 > 4 shrinks.
    const [hp, hd] = proportionalClampPair(1, 2, 1, 2, 4, 4, 1);
    expect(hp + 2 * hd).toBeLessThanOrEqual(4);
    expect(proportionalClampPair(1, 1, 1, 2, 4, 10, 1)).toEqual([1, 1]);
    expect(proportionalClampPair(3, 5, 0, 1, 4, 8, 1)).toEqual([3, 5]);
  });

  it('pair (5,5,1,1,−1,4) shrinks to a total of 4', () => {
    const [p, d] = proportionalClampPair(5, 5, 1, 1, -1, 4, 1);
    expect(p + d).toBe(4);
  });

  it('pair: a ceiling below the minimum footprint gives (0, 0)', () => {
    expect(proportionalClampPair(5, 5, 1, 1, -1, 1, 1)).toEqual([0, 0]);
    expect(proportionalClampPair(1, 2, 2, 2, 1, 1, 1)).toEqual([0, 0]);
  });

  it('pair: an infeasible band (min 100, max 4) keeps the inputs', () => {
    expect(proportionalClampPair(2, 2, 1, 1, 100, 4, 1)).toEqual([2, 2]);
  });

  it('pair: grows toward the floor, also from zero, and is stable on its own output', () => {
    const [p, d] = proportionalClampPair(1, 1, 1, 1, 4, 4, 1);
    expect(p + d).toBeGreaterThanOrEqual(3);
    expect(p + d).toBeLessThanOrEqual(4);
    const [zp, zd] = proportionalClampPair(0, 0, 1, 1, 4, 4, 1);
    expect(zp + zd).toBeGreaterThanOrEqual(3);
    const [p1, d1] = proportionalClampPair(1, 1, 2, 2, 5, 5, 1);
    expect([4, 6]).toContain(p1 * 2 + d1 * 2);
    expect(proportionalClampPair(p1, d1, 2, 2, 5, 5, 1)).toEqual([p1, d1]);
  });

  it('single: (10,1,−1,4) → 4 and (5,1,−1,2, min_ep 3) → 0', () => {
    expect(proportionalClampSingle(10, 1, -1, 4, 1)).toBe(4);
    expect(proportionalClampSingle(5, 1, -1, 2, 3)).toBe(0);
    expect(proportionalClampSingle(3, 1, -1, -1, 1)).toBe(3);
    expect(proportionalClampSingle(3, 1, 2, 5, 1)).toBe(3);
    const grown = proportionalClampSingle(1, 1, 4, 5, 1);
    expect(grown).toBeGreaterThanOrEqual(3);
    expect(grown).toBeLessThanOrEqual(5);
    expect(proportionalClampSingle(0, 1, 4, 5, 2)).toBeGreaterThanOrEqual(2);
  });

  it('the default budget (8 GPUs) caps TP1 agg at 8 replicas and TP2 at 4', () => {
    expect(proportionalClampSingle(12, 1, -1, 8, 1)).toBe(8);
    expect(proportionalClampSingle(12, 2, -1, 8, 1)).toBe(4);
  });
});

describe('direction-preserving guards', () => {
  it('single: holds an up-move at the ceiling, clamps an in-band one, reconciles an out-of-band current', () => {
    expect(guardSingleScalingBudget(8, 9, 1, -1, 8, 1)).toEqual([8, 'gpu_budget_guard_hold']);
    expect(guardSingleScalingBudget(6, 12, 1, -1, 8, 1)).toEqual([8, null]);
    expect(guardSingleScalingBudget(10, 11, 1, -1, 8, 1)).toEqual([8, 'gpu_budget_reconcile']);
    expect(guardSingleScalingBudget(4, 3, 1, 4, 8, 1)).toEqual([4, 'gpu_budget_guard_hold']);
    expect(guardSingleScalingBudget(3, 2, 1, -1, 8, 1)).toEqual([2, null]);
  });

  it('disagg: at the ceiling a plain up-move holds, an opposing rebalance moves both legs', () => {
    expect(guardDisaggScalingBudget(4, 4, 5, 4, 1, 1, -1, 8, 1, 1)).toEqual([4, 4, 'gpu_budget_guard_hold']);
    expect(guardDisaggScalingBudget(4, 4, 5, 3, 1, 1, -1, 8, 1, 1)).toEqual([5, 3, null]);
    // Decode is 2 GPUs wide: prefill +2 needs decode −1.
    const [p, d, reason] = guardDisaggScalingBudget(2, 3, 4, 2, 1, 2, -1, 8, 1, 1);
    expect(reason).toBeNull();
    expect(p * 1 + d * 2).toBeLessThanOrEqual(8);
    expect(p).toBeGreaterThan(2);
    expect(d).toBe(2);
  });

  it('fit: results stay between current and proposed, under the ceiling', () => {
    const [p, d] = fitDirectionalBudgetPair(2, 2, 6, 6, 1, 1, -1, 8, 1, 1);
    expect(p + d).toBeLessThanOrEqual(8);
    expect(p).toBeGreaterThanOrEqual(2);
    expect(d).toBeGreaterThanOrEqual(2);
    expect(p).toBeLessThanOrEqual(6);
    expect(d).toBeLessThanOrEqual(6);
    expect(Math.abs(p - d)).toBeLessThanOrEqual(1);
  });
});

describe('a budget that cannot hold the smallest deployment', () => {
  // proportional_clamp_pair / proportional_clamp_single return zero workers when min endpoints ×
  // GPUs per worker overshoot the ceiling: refused up front instead.
  it('is refused naming max_gpu_budget, each pool and its GPUs per worker', () => {
    expect(() => checkBudgetHoldsPools(8, [{ role: 'prefill', gpus: 8, minEndpoint: 1 }, { role: 'decode', gpus: 8, minEndpoint: 1 }])).toThrow(
      /^--planner-config: max_gpu_budget 8 cannot hold one worker per pool: prefill 1 × 8 GPUs \+ decode 1 × 8 GPUs = 16 GPUs .*at least 16/,
    );
    expect(() => checkBudgetHoldsPools(5, [{ role: 'aggregated', gpus: 2, minEndpoint: 3 }])).toThrow(/aggregated 3 × 2 GPUs \(min endpoint 3\) = 6 GPUs/);
    // min_endpoint 0 still needs one worker per pool to serve anything.
    expect(() => checkBudgetHoldsPools(4, [{ role: 'aggregated', gpus: 8, minEndpoint: 0 }])).toThrow(/aggregated 1 × 8 GPUs = 8 GPUs/);
  });
  it('passes when the footprint fits or there is no ceiling', () => {
    expect(() => checkBudgetHoldsPools(16, [{ role: 'prefill', gpus: 8, minEndpoint: 1 }, { role: 'decode', gpus: 8, minEndpoint: 1 }])).not.toThrow();
    expect(() => checkBudgetHoldsPools(-1, [{ role: 'prefill', gpus: 8, minEndpoint: 1 }, { role: 'decode', gpus: 8, minEndpoint: 1 }])).not.toThrow();
    expect(proportionalClampPair(1, 1, 8, 8, -1, 15, 1, 1)).toEqual([0, 0]); // what the check prevents
    expect(proportionalClampPair(1, 1, 8, 8, -1, 16, 1, 1)).toEqual([1, 1]);
  });
});
