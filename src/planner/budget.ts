// GPU budget rules (reference core/budget.py, planner.md §9). Pure integer arithmetic on replica
// counts and per-replica GPU costs. `max` is a hard ceiling; a negative bound is disabled; when both
// bounds are active the floor is relaxed by the largest per-replica cost (integer steps of pools
// with different widths cannot always land exactly on it).

import { ReplayError } from '../errors.js';

export type BudgetReason = 'gpu_budget_guard_hold' | 'gpu_budget_reconcile';

/** One pool's smallest deployment: `minEndpoint` workers (at least one) of `gpus` GPUs each. */
export interface PoolFootprint {
  role: 'prefill' | 'decode' | 'aggregated';
  gpus: number;
  minEndpoint: number;
}

/**
 * Refuses, before the run, a `max_gpu_budget` that cannot hold one worker per pool (and the
 * configured minimum endpoints): the budget clamp (`proportional_clamp_pair` /
 * `proportional_clamp_single`) would scale the pools to zero at the first decision and leave the
 * replay with nothing to serve its requests.
 */
export function checkBudgetHoldsPools(maxGpus: number, pools: readonly PoolFootprint[]): void {
  if (maxGpus < 0) return;
  const parts = pools.filter((p) => p.gpus > 0).map((p) => ({ ...p, workers: Math.max(1, p.minEndpoint) }));
  const need = parts.reduce((s, p) => s + p.workers * p.gpus, 0);
  if (need <= maxGpus) return;
  const terms = parts.map((p) => `${p.role} ${p.workers} × ${p.gpus} GPU${p.gpus === 1 ? '' : 's'}${p.minEndpoint > 1 ? ` (min endpoint ${p.minEndpoint})` : ''}`);
  throw new ReplayError(
    `--planner-config: max_gpu_budget ${maxGpus} cannot hold one worker per pool: ${terms.join(' + ')} = ${need} GPUs ` +
      `(GPUs per worker = aic_tp_size × DP ranks of the engine args); the budget clamp would scale the pools to zero. ` +
      `Set max_gpu_budget to at least ${need} (or -1 for no ceiling)`,
  );
}

export function computeTolerance(gpuPerReplicas: readonly number[]): number {
  let m = 0;
  for (const g of gpuPerReplicas) if (g > 0 && g > m) m = g;
  return m;
}

/** Does `total` fit `[min − tolerance, max]`? Returns the reason when it does not. */
export function boundsForTotal(total: number, minGpus: number, maxGpus: number, tolerance: number): [boolean, string] {
  if (maxGpus >= 0 && total > maxGpus) return [false, `total ${total} exceeds ceiling (${maxGpus})`];
  if (minGpus >= 0 && total < minGpus - tolerance) {
    return [false, `total ${total} below floor (${minGpus}${tolerance ? ` - tol ${tolerance}` : ''})`];
  }
  return [true, ''];
}

const inBand = (total: number, minGpus: number, maxGpus: number, tol: number): boolean => boundsForTotal(total, minGpus, maxGpus, tol)[0];

/** Proportional clamp of a (prefill, decode) pair into the band; (0,0) when the minimum footprint overshoots the ceiling. */
export function proportionalClampPair(
  numP: number,
  numD: number,
  pGpu: number,
  dGpu: number,
  minGpus: number,
  maxGpus: number,
  prefillMinEndpoint: number,
  decodeMinEndpoint: number = prefillMinEndpoint,
): [number, number] {
  if (minGpus < 0 && maxGpus < 0) return [numP, numD];
  if (pGpu <= 0 || dGpu <= 0) return [numP, numD];
  const total = numP * pGpu + numD * dGpu;
  const tolerance = minGpus >= 0 && maxGpus >= 0 ? computeTolerance([pGpu, dGpu]) : 0;
  if (inBand(total, minGpus, maxGpus, tolerance)) return [numP, numD];

  if (maxGpus >= 0 && total > maxGpus) {
    const minReq = prefillMinEndpoint * pGpu + decodeMinEndpoint * dGpu;
    if (maxGpus < minReq) return [0, 0];
    const scale = maxGpus / total;
    const maxP = Math.floor((maxGpus - decodeMinEndpoint * dGpu) / pGpu);
    const newP = Math.max(prefillMinEndpoint, Math.min(maxP, Math.floor(numP * scale)));
    const newD = Math.max(decodeMinEndpoint, Math.floor((maxGpus - newP * pGpu) / dGpu));
    return [newP, newD];
  }

  const floor = minGpus;
  let newP: number;
  let newD: number;
  if (total <= 0) {
    newP = Math.max(prefillMinEndpoint, Math.ceil(floor / 2 / pGpu));
    newD = Math.max(decodeMinEndpoint, Math.ceil(Math.max(0, floor - newP * pGpu) / dGpu));
  } else {
    const scale = floor / total;
    newP = Math.max(prefillMinEndpoint, Math.ceil(numP * scale));
    newD = Math.max(decodeMinEndpoint, Math.ceil(Math.max(0, floor - newP * pGpu) / dGpu));
  }
  if (maxGpus >= 0 && newP * pGpu + newD * dGpu > maxGpus) return [numP, numD];
  return [newP, newD];
}

/** Single-pool clamp (agg or one role): 0 when `min_endpoint` replicas overshoot the ceiling. */
export function proportionalClampSingle(desired: number, engineGpu: number, minGpus: number, maxGpus: number, minEndpoint: number): number {
  if (minGpus < 0 && maxGpus < 0) return desired;
  if (engineGpu <= 0) return desired;
  const total = desired * engineGpu;
  const tolerance = minGpus >= 0 && maxGpus >= 0 ? engineGpu : 0;
  if (inBand(total, minGpus, maxGpus, tolerance)) return desired;
  if (maxGpus >= 0 && total > maxGpus) {
    if (maxGpus < minEndpoint * engineGpu) return 0;
    return Math.max(minEndpoint, Math.floor(maxGpus / engineGpu));
  }
  return Math.max(minEndpoint, Math.ceil(minGpus / engineGpu));
}

const ceilDiv = (a: number, b: number): number => -Math.floor(-a / b);

/**
 * Fits a proposal into the band without reversing any component's direction: every result lies
 * between the current and proposed counts; an opposing rebalance moves both legs or neither.
 */
export function fitDirectionalBudgetPair(
  currentP: number,
  currentD: number,
  proposedP: number,
  proposedD: number,
  pGpu: number,
  dGpu: number,
  minGpus: number,
  maxGpus: number,
  prefillMinEndpoint: number,
  decodeMinEndpoint: number,
): [number, number] {
  if (pGpu <= 0 || dGpu <= 0) return [proposedP, proposedD];
  const tolerance = minGpus >= 0 && maxGpus >= 0 ? computeTolerance([pGpu, dGpu]) : 0;
  const opposing = (proposedP < currentP && proposedD > currentD) || (proposedP > currentP && proposedD < currentD);
  const requestedP = Math.abs(proposedP - currentP);
  const requestedD = Math.abs(proposedD - currentD);

  let pLow = Math.max(Math.min(currentP, proposedP), prefillMinEndpoint);
  let pHigh = Math.max(currentP, proposedP);
  let dLow = Math.max(Math.min(currentD, proposedD), decodeMinEndpoint);
  let dHigh = Math.max(currentD, proposedD);
  if (maxGpus >= 0) {
    pHigh = Math.min(pHigh, Math.floor((maxGpus - dLow * dGpu) / pGpu));
    dHigh = Math.min(dHigh, Math.floor((maxGpus - pLow * pGpu) / dGpu));
  }
  if (minGpus >= 0) {
    const lower = minGpus - tolerance;
    pLow = Math.max(pLow, ceilDiv(lower - dHigh * dGpu, pGpu));
    dLow = Math.max(dLow, ceilDiv(lower - pHigh * pGpu, dGpu));
  }
  if (pLow > pHigh || dLow > dHigh) return [currentP, currentD];

  if (proposedP >= prefillMinEndpoint && proposedD >= decodeMinEndpoint && inBand(proposedP * pGpu + proposedD * dGpu, minGpus, maxGpus, tolerance)) {
    return [proposedP, proposedD];
  }

  let best: { score: number[]; p: number; d: number } | null = null;
  const consider = (p: number, d: number): void => {
    if (!inBand(p * pGpu + d * dGpu, minGpus, maxGpus, tolerance)) return;
    const progressP = Math.abs(p - currentP);
    const progressD = Math.abs(d - currentD);
    const score = [
      Math.abs(proposedP - p) + Math.abs(proposedD - d),
      Math.abs(progressP * requestedD - progressD * requestedP),
      -(progressP + progressD),
      p,
      d,
    ];
    if (best === null || lexLess(score, best.score)) best = { score, p, d };
  };
  const effectiveMin = minGpus >= 0 ? minGpus - tolerance : null;

  // Walk the narrower role's range; for each of its counts, take the other role's count nearest
  // its proposal within the band (the two walks are mirror images of each other).
  interface Axis {
    low: number;
    high: number;
    gpu: number;
    current: number;
    proposed: number;
  }
  const prefillAxis: Axis = { low: pLow, high: pHigh, gpu: pGpu, current: currentP, proposed: proposedP };
  const decodeAxis: Axis = { low: dLow, high: dHigh, gpu: dGpu, current: currentD, proposed: proposedD };
  const prefillOuter = pHigh - pLow <= dHigh - dLow;
  const [outer, inner] = prefillOuter ? [prefillAxis, decodeAxis] : [decodeAxis, prefillAxis];
  const emit = (o: number, i: number): void => (prefillOuter ? consider(o, i) : consider(i, o));
  for (let o = outer.low; o <= outer.high; o++) {
    let lo = inner.low;
    let hi = inner.high;
    if (effectiveMin !== null) lo = Math.max(lo, ceilDiv(effectiveMin - o * outer.gpu, inner.gpu));
    if (maxGpus >= 0) hi = Math.min(hi, Math.floor((maxGpus - o * outer.gpu) / inner.gpu));
    if (opposing) {
      if (o === outer.current) {
        if (lo <= inner.current && inner.current <= hi) emit(o, inner.current);
        continue;
      }
      if (inner.proposed > inner.current) lo = Math.max(lo, inner.current + 1);
      else hi = Math.min(hi, inner.current - 1);
    }
    if (lo <= hi) emit(o, Math.min(Math.max(inner.proposed, lo), hi));
  }
  const chosen = best as { p: number; d: number } | null;
  return chosen === null ? [currentP, currentD] : [chosen.p, chosen.d];
}

function lexLess(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    if (a[i]! < b[i]!) return true;
    if (a[i]! > b[i]!) return false;
  }
  return false;
}

/** Applies the band to one bounded proposal without reversing its direction. */
export function guardSingleScalingBudget(
  current: number,
  proposed: number,
  gpuCost: number,
  minGpus: number,
  maxGpus: number,
  minEndpoint: number,
): [number, BudgetReason | null] {
  if (gpuCost <= 0) return [proposed, null];
  const tolerance = minGpus >= 0 && maxGpus >= 0 ? gpuCost : 0;
  const currentTotal = current * gpuCost;
  if (!inBand(currentTotal, minGpus, maxGpus, tolerance)) {
    return [proportionalClampSingle(current, gpuCost, minGpus, maxGpus, minEndpoint), 'gpu_budget_reconcile'];
  }
  if (minGpus >= 0 && currentTotal <= minGpus && proposed < current) return [current, 'gpu_budget_guard_hold'];
  if (maxGpus >= 0 && currentTotal >= maxGpus && proposed > current) return [current, 'gpu_budget_guard_hold'];
  const final = proportionalClampSingle(proposed, gpuCost, minGpus, maxGpus, minEndpoint);
  if (!(Math.min(current, proposed) <= final && final <= Math.max(current, proposed))) return [current, 'gpu_budget_guard_hold'];
  return [final, null];
}

/** Applies the band to a bounded disagg proposal (planner.md §9 `guard_disagg_scaling_budget`). */
export function guardDisaggScalingBudget(
  currentP: number,
  currentD: number,
  proposedP: number,
  proposedD: number,
  pGpu: number,
  dGpu: number,
  minGpus: number,
  maxGpus: number,
  prefillMinEndpoint: number,
  decodeMinEndpoint: number,
): [number, number, BudgetReason | null] {
  if (pGpu <= 0 || dGpu <= 0) {
    const [p, d] = proportionalClampPair(proposedP, proposedD, pGpu, dGpu, minGpus, maxGpus, prefillMinEndpoint, decodeMinEndpoint);
    return [p, d, null];
  }
  const tolerance = maxGpus >= 0 ? computeTolerance([pGpu, dGpu]) : 0;
  const currentTotal = currentP * pGpu + currentD * dGpu;
  if (!inBand(currentTotal, minGpus, maxGpus, tolerance)) {
    const [p, d] = proportionalClampPair(currentP, currentD, pGpu, dGpu, minGpus, maxGpus, prefillMinEndpoint, decodeMinEndpoint);
    return [p, d, 'gpu_budget_reconcile'];
  }
  const pDown = proposedP < currentP;
  const pUp = proposedP > currentP;
  const dDown = proposedD < currentD;
  const dUp = proposedD > currentD;
  const anyDown = pDown || dDown;
  const anyUp = pUp || dUp;
  const opposing = (pDown && dUp) || (pUp && dDown);
  const fit = (): [number, number, BudgetReason | null] => {
    const [p, d] = fitDirectionalBudgetPair(currentP, currentD, proposedP, proposedD, pGpu, dGpu, minGpus, maxGpus, prefillMinEndpoint, decodeMinEndpoint);
    if (p === currentP && d === currentD) return [currentP, currentD, 'gpu_budget_guard_hold'];
    return [p, d, null];
  };

  if (currentTotal <= minGpus && anyDown && !anyUp) return [currentP, currentD, 'gpu_budget_guard_hold'];
  if (currentTotal <= minGpus && opposing) return fit();
  if (maxGpus >= 0 && currentTotal >= maxGpus && anyUp) {
    if (!opposing) return [currentP, currentD, 'gpu_budget_guard_hold'];
    return fit();
  }
  const [newP, newD] = proportionalClampPair(proposedP, proposedD, pGpu, dGpu, minGpus, maxGpus, prefillMinEndpoint, decodeMinEndpoint);
  const within = (cur: number, prop: number, fin: number) => Math.min(cur, prop) <= fin && fin <= Math.max(cur, prop);
  if (!within(currentP, proposedP, newP) || !within(currentD, proposedD, newD)) return [currentP, currentD, 'gpu_budget_guard_hold'];
  if (!inBand(newP * pGpu + newD * dGpu, minGpus, maxGpus, tolerance)) return [currentP, currentD, 'gpu_budget_guard_hold'];
  return [newP, newD, null];
}
