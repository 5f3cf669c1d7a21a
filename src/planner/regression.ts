// The forward-pass regression the planner tunes from observed passes: the regression mode of
// aiconfigurator-core's ForwardPassPerfModel (aic-core/rust/aiconfigurator-core/src/fpm/
// regression.rs, samples.rs, model.rs).
//
// Each pass is classified by its scheduled work: prefill-only → features [prefill tokens];
// decode-only → [decode requests, decode KV tokens]; mixed → [prefill tokens, decode KV tokens];
// empty → estimate 0 and never tuned. Each kind has its own sample store: bucketed retention over
// dynamic per-axis ranges (the oldest sample of the fullest bucket goes when the store is full).
// The fit, as the reference's `fit_regression`:
//   - 1-D stores (prefill) with ≥ max(min observations, 6) samples: a relative-error-weighted
//     hinge (two slopes joined at a knot). The intercept is free; the left slope is clamped to
//     ≥ 0, the right slope likewise (delta = max(right, 0) − left), and the clamped fit is the one
//     scored. Falls back to the linear fit when no knot gives a monotone fit.
//   - otherwise least squares with a free intercept and non-negative slopes, the best of every
//     subset of free slopes; an intercept-only fit counts only while the samples cannot identify
//     the slopes. A negative intercept stays: predictions are floored at 1e-6 ms.
// Ties the reference breaks in hash-map order (which bucket is fullest) go to the lowest bucket.
// Equal scores keep the first candidate (the reference's `min_by` / strict `<`), and "equal" means
// equal up to rounding: hinge knots anywhere in a gap at either end of the data fit the samples
// identically, so their scores tie exactly in exact arithmetic while the floating-point sums (which
// the reference runs in hash-map order) differ in the last bits and would pick a knot at random —
// and knots in one gap predict differently outside the data (e.g. 18.7 ms against the floor).

import type { ForwardPassSnapshot } from './types.js';

export type WorkloadKind = 'prefill' | 'decode' | 'mixed';

export interface RegressionOptions {
  /** Samples retained per kind (`max_num_fpm_samples`). */
  maxObservations: number;
  /** Fit only from this many samples on (`load_min_observations`). */
  minObservations: number;
  /** Total buckets (`fpm_sample_bucket_size`): N for 1-D kinds, √N per axis for 2-D kinds. */
  bucketCount: number;
}

const PIVOT_EPS = 1e-12;
/**
 * Scores within this margin (relative, plus an absolute one for exact fits, whose scores are pure
 * rounding) are one score. Rounding moves tied scores by ~1e-15 relative; distinct knots' scores on
 * recorded pass streams differ by 1e-5 and more.
 */
const SCORE_TIE_RELATIVE = 1e-9;
const SCORE_TIE_ABSOLUTE = 1e-12;

/** True when `score` beats `best` by more than rounding (equal scores keep the first candidate). */
export function beatsScore(score: number, best: number): boolean {
  return score < best - SCORE_TIE_RELATIVE * Math.abs(best) - SCORE_TIE_ABSOLUTE;
}
export const MIN_PREDICTION_MS = 1e-6;

export interface LinearFit {
  intercept: number;
  coefficients: number[];
  /** Hinge fits (1-D only): slope change `delta` past `knot`. */
  hinge?: { knot: number; delta: number };
}

type Sample = { readonly x: readonly number[]; readonly y: number };

/** Workload kind of one pass (null = no scheduled work). */
export function workloadKind(p: ForwardPassSnapshot): WorkloadKind | null {
  const prefill = p.sumPrefillTokens > 0;
  const decode = p.numDecodeRequests > 0 || p.sumDecodeKvTokens > 0;
  if (prefill && decode) return 'mixed';
  if (prefill) return 'prefill';
  if (decode) return 'decode';
  return null;
}

export function kindFeatures(kind: WorkloadKind, p: ForwardPassSnapshot): number[] {
  switch (kind) {
    case 'prefill':
      return [p.sumPrefillTokens];
    case 'decode':
      return [p.numDecodeRequests, p.sumDecodeKvTokens];
    case 'mixed':
      return [p.sumPrefillTokens, p.sumDecodeKvTokens];
  }
}

/**
 * Kind and features of one iteration given as one pass per attention-DP rank: each rank is
 * classified on its own and the rank with the largest feature sum wins (the last of equals), so
 * separate ranks never combine into a mixed feature (reference `IterationFeatures::from_metrics`).
 */
export function iterationFeatures(ranks: readonly ForwardPassSnapshot[]): { kind: WorkloadKind; x: number[] } | null {
  let best: { kind: WorkloadKind; x: number[] } | null = null;
  let bestSum = -Infinity;
  for (const p of ranks) {
    const kind = workloadKind(p);
    if (kind === null) continue;
    const x = kindFeatures(kind, p);
    const s = x[0]! + (x[1] ?? 0);
    if (best === null || s >= bestSum) {
      bestSum = s;
      best = { kind, x };
    }
  }
  return best;
}

/**
 * Solves `lhs · x = rhs` by Gauss-Jordan elimination with partial pivoting; null when singular.
 * Works on a flat copy (row-major, rows swapped through an index) — the same operations on the
 * same numbers as on nested arrays, without an array per row.
 */
export function solveLinearSystem(lhsIn: readonly (readonly number[])[], rhsIn: readonly number[]): number[] | null {
  const n = rhsIn.length;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = lhsIn[i]![j]!;
  return solveFlat(a, Float64Array.from(rhsIn), n);
}

function solveFlat(a: Float64Array, rhs: Float64Array, n: number): number[] | null {
  // rows[k]: where the k-th row of the (swapped) system starts in `a`.
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i * n;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[rows[r]! + col]!) >= Math.abs(a[rows[pivot]! + col]!)) pivot = r;
    if (!(Math.abs(a[rows[pivot]! + col]!) >= PIVOT_EPS)) return null;
    const swapRow = rows[col]!;
    rows[col] = rows[pivot]!;
    rows[pivot] = swapRow;
    const swapRhs = rhs[col]!;
    rhs[col] = rhs[pivot]!;
    rhs[pivot] = swapRhs;
    const c = rows[col]!;
    const div = a[c + col]!;
    for (let j = col; j < n; j++) a[c + j]! /= div;
    rhs[col]! /= div;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const row = rows[r]!;
      const f = a[row + col]!;
      if (f === 0) continue;
      for (let j = col; j < n; j++) a[row + j]! -= f * a[c + j]!;
      rhs[r]! -= f * rhs[col]!;
    }
  }
  return Array.from(rhs);
}

/** The normal equations solved directly, or with a ridge of 1e-9 × max(1, trace) on the slopes. */
function solveNormal(lhs: number[][], rhs: number[]): number[] | null {
  const direct = solveLinearSystem(lhs, rhs);
  if (direct !== null) return direct;
  let trace = 0;
  for (let i = 0; i < lhs.length; i++) trace += Math.abs(lhs[i]![i]!);
  const ridge = Math.max(1, trace) * 1e-9;
  return solveLinearSystem(
    lhs.map((r, i) => r.map((v, j) => (i === j && i >= 1 ? v + ridge : v))),
    rhs,
  );
}

export function predictLinear(fit: LinearFit, x: readonly number[]): number {
  return Math.max(rawPrediction(fit, x), MIN_PREDICTION_MS);
}

function rawPrediction(fit: LinearFit, x: readonly number[]): number {
  let y = fit.intercept;
  for (let i = 0; i < fit.coefficients.length; i++) y += fit.coefficients[i]! * (x[i] ?? 0);
  if (fit.hinge) y += fit.hinge.delta * Math.max(0, (x[0] ?? 0) - fit.hinge.knot);
  return y;
}

/** Least squares with an intercept on the `active` slopes (others 0); null when a slope is negative. */
function fitActiveSet(samples: readonly Sample[], ndim: number, active: readonly number[]): LinearFit | null {
  const size = active.length + 1;
  const lhs = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  const rhs = new Array<number>(size).fill(0);
  const row = new Array<number>(size);
  for (const s of samples) {
    row[0] = 1;
    for (let i = 0; i < active.length; i++) row[i + 1] = s.x[active[i]!]!;
    for (let i = 0; i < size; i++) {
      rhs[i]! += row[i]! * s.y;
      for (let j = 0; j < size; j++) lhs[i]![j]! += row[i]! * row[j]!;
    }
  }
  const sol = solveNormal(lhs, rhs);
  if (sol === null || !sol.every(Number.isFinite) || sol.slice(1).some((c) => c < 0)) return null;
  const coefficients = new Array<number>(ndim).fill(0);
  active.forEach((f, i) => (coefficients[f] = sol[i + 1]!));
  return { intercept: sol[0]!, coefficients };
}

/**
 * The reference's `fit_linear`: the least-squares fit with a free intercept and non-negative
 * slopes, found by trying every subset of free slopes (the first of errors equal up to rounding kept). Once there
 * are more samples than features, a fit without a positive slope carries no load signal: null.
 */
export function fitLinear(samples: readonly Sample[], ndim: number, minObservations = 1): LinearFit | null {
  if (samples.length < minObservations) return null;
  let best: { sse: number; fit: LinearFit } | null = null;
  for (let mask = 0; mask < 1 << ndim; mask++) {
    const active: number[] = [];
    for (let i = 0; i < ndim; i++) if (mask & (1 << i)) active.push(i);
    const fit = fitActiveSet(samples, ndim, active);
    if (fit === null) continue;
    let sse = 0;
    for (const s of samples) {
      const r = rawPrediction(fit, s.x) - s.y;
      sse += r * r;
    }
    if (!Number.isFinite(sse)) continue;
    if (best === null || beatsScore(sse, best.sse)) best = { sse, fit };
  }
  if (best === null) return null;
  const underdetermined = samples.length <= ndim;
  return underdetermined || best.fit.coefficients.some((c) => c > 0) ? best.fit : null;
}

const HINGE_MIN_OBSERVATIONS = 6;
const HINGE_NEG_TOLERANCE = 1e-6;
const RELATIVE_WEIGHT_FLOOR_MS = 25;
const HINGE_LOGSPACE_CANDIDATES = 8;

const relativeWeight = (y: number) => 1 / Math.max(y, RELATIVE_WEIGHT_FLOOR_MS);

/** Knots: the 1/5..4/5 quantiles of the distinct x, and 8 log-spaced points, strictly inside. */
function hingeCandidates(samples: readonly Sample[]): number[] {
  const sorted = samples
    .map((s) => s.x[0]!)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const xs: number[] = [];
  for (const v of sorted) if (xs.length === 0 || Math.abs(v - xs[xs.length - 1]!) > Number.EPSILON) xs.push(v);
  if (xs.length < 3) return [];
  const min = xs[0]!;
  const max = xs[xs.length - 1]!;
  const out: number[] = [];
  for (const k of [1, 2, 3, 4]) out.push(xs[Math.floor((k * (xs.length - 1)) / 5)]!);
  if (min > 0 && max > min) {
    const lo = Math.log(min);
    const hi = Math.log(max);
    for (let i = 1; i <= HINGE_LOGSPACE_CANDIDATES; i++) out.push(Math.exp(lo + (i / (HINGE_LOGSPACE_CANDIDATES + 1)) * (hi - lo)));
  }
  const inside = out.filter((c) => Number.isFinite(c) && c > min && c < max).sort((a, b) => a - b);
  const knots: number[] = [];
  for (const c of inside) {
    const last = knots[knots.length - 1];
    if (last === undefined || Math.abs(c - last) > Math.max(Math.abs(c), Math.abs(last), 1) * 1e-9) knots.push(c);
  }
  return knots;
}

/** A 1-D store's samples as columns, read once per fit (every knot walks them twice). */
interface HingeColumns {
  /** x as the normal equations read it (`x[0]`), and as predictions read it (`x[0] ?? 0`). */
  x: Float64Array;
  xPredict: Float64Array;
  y: Float64Array;
  /** Relative-error weights 1 / max(y, floor). */
  w: Float64Array;
}

function hingeColumns(samples: readonly Sample[]): HingeColumns {
  const n = samples.length;
  const c: HingeColumns = { x: new Float64Array(n), xPredict: new Float64Array(n), y: new Float64Array(n), w: new Float64Array(n) };
  for (let k = 0; k < n; k++) {
    const s = samples[k]!;
    c.x[k] = s.x[0]!;
    c.xPredict[k] = s.x[0] ?? 0;
    c.y[k] = s.y;
    c.w[k] = relativeWeight(s.y);
  }
  return c;
}

/** The weighted hinge at one knot, clamped monotone (null when a slope is clearly negative). */
function hingeAt(c: HingeColumns, knot: number): LinearFit | null {
  // Weighted normal equations of the row [1, x, max(0, x − knot)], each product accumulated in
  // the order (row_i·w)·row_j·w (so the sums match the matrix form bit for bit).
  let l00 = 0, l01 = 0, l02 = 0, l10 = 0, l11 = 0, l12 = 0, l20 = 0, l21 = 0, l22 = 0;
  let r0 = 0, r1 = 0, r2 = 0;
  for (let k = 0; k < c.x.length; k++) {
    const v = c.x[k]!;
    const past = Math.max(0, v - knot);
    const y = c.y[k]!;
    const w = c.w[k]!;
    const a0 = 1 * w;
    const a1 = v * w;
    const a2 = past * w;
    r0 += a0 * y * w;
    r1 += a1 * y * w;
    r2 += a2 * y * w;
    l00 += a0 * 1 * w;
    l01 += a0 * v * w;
    l02 += a0 * past * w;
    l10 += a1 * 1 * w;
    l11 += a1 * v * w;
    l12 += a1 * past * w;
    l20 += a2 * 1 * w;
    l21 += a2 * v * w;
    l22 += a2 * past * w;
  }
  const lhs = [
    [l00, l01, l02],
    [l10, l11, l12],
    [l20, l21, l22],
  ];
  const sol = solveNormal(lhs, [r0, r1, r2]);
  if (sol === null) return null;
  const [intercept, left, delta] = sol as [number, number, number];
  const right = left + delta;
  if (left < -HINGE_NEG_TOLERANCE || right < -HINGE_NEG_TOLERANCE || ![intercept, left, right].every(Number.isFinite)) return null;
  const clampedLeft = Math.max(left, 0);
  return { intercept, coefficients: [clampedLeft], hinge: { knot, delta: Math.max(right, 0) - clampedLeft } };
}

/** The reference's `fit_weighted_hinge`: the clamped hinge with the least relative RMS error (the smallest knot of tied scores). */
export function fitWeightedHinge(samples: readonly Sample[]): LinearFit | null {
  const c = hingeColumns(samples);
  let best: { score: number; fit: LinearFit } | null = null;
  for (const knot of hingeCandidates(samples)) {
    const fit = hingeAt(c, knot);
    if (fit === null) continue;
    // rawPrediction of a 1-D hinge, term by term.
    const slope = fit.coefficients[0]!;
    const { delta } = fit.hinge!;
    let mse = 0;
    for (let k = 0; k < c.x.length; k++) {
      const x = c.xPredict[k]!;
      let predicted = fit.intercept;
      predicted += slope * x;
      predicted += delta * Math.max(0, x - knot);
      const r = (predicted - c.y[k]!) * c.w[k]!;
      mse += r * r;
    }
    const score = Math.sqrt(mse / Math.max(1, samples.length));
    if (best === null || beatsScore(score, best.score)) best = { score, fit };
  }
  return best?.fit ?? null;
}

/** The fit a store uses for its samples (reference `fit_regression`). */
export function fitRegression(samples: readonly Sample[], ndim: number, minObservations: number): LinearFit | null {
  if (ndim === 1 && samples.length >= Math.max(minObservations, HINGE_MIN_OBSERVATIONS)) {
    const hinge = fitWeightedHinge(samples);
    if (hinge !== null) return hinge;
  }
  return fitLinear(samples, ndim, minObservations);
}

/** Retained samples of one workload kind, with bucketed eviction; refit lazily (same result). */
export class BucketedRegression {
  /** Samples in insertion order, so a bucket's first sample is its oldest. */
  private readonly samples: Sample[] = [];
  private readonly sampleBucket: number[] = [];
  private readonly counts: Uint32Array;
  private readonly lo: number[];
  private readonly hi: number[];
  private readonly perAxis: number;
  private fitValue: LinearFit | null = null;
  private dirty = false;

  constructor(
    readonly ndim: number,
    private readonly options: RegressionOptions,
  ) {
    this.lo = new Array<number>(ndim).fill(Infinity);
    this.hi = new Array<number>(ndim).fill(-Infinity);
    const buckets = Math.max(1, options.bucketCount);
    this.perAxis = Math.max(1, ndim <= 1 ? buckets : Math.floor(Math.sqrt(buckets)));
    this.counts = new Uint32Array(this.perAxis ** ndim);
  }

  get size(): number {
    return this.samples.length;
  }

  /** Whether samples arrived since the fit was last made (reading `fit` then refits). */
  get stale(): boolean {
    return this.dirty;
  }

  get fit(): LinearFit | null {
    if (this.dirty) {
      this.fitValue = fitRegression(this.samples, this.ndim, this.options.minObservations);
      this.dirty = false;
    }
    return this.fitValue;
  }

  /** Adds one (features, wall ms) sample; returns false when it is not usable. */
  add(x: readonly number[], yMs: number): boolean {
    if (!(yMs > 0) || !Number.isFinite(yMs) || x.length !== this.ndim || !x.every(Number.isFinite)) return false;
    let widened = false;
    for (let i = 0; i < this.ndim; i++) {
      if (x[i]! < this.lo[i]!) {
        this.lo[i] = x[i]!;
        widened = true;
      }
      if (x[i]! > this.hi[i]!) {
        this.hi[i] = x[i]!;
        widened = true;
      }
    }
    if (widened) this.rebucket();
    const b = this.bucketOf(x);
    this.samples.push({ x: x.slice(), y: yMs });
    this.sampleBucket.push(b);
    this.counts[b]!++;
    if (this.samples.length > Math.max(1, this.options.maxObservations)) this.evictOne();
    this.dirty = true;
    return true;
  }

  predict(x: readonly number[]): number | null {
    const fit = this.fit;
    return fit ? predictLinear(fit, x) : null;
  }

  private bucketOf(x: readonly number[]): number {
    let index = 0;
    for (let i = 0; i < this.ndim; i++) {
      const lo = this.lo[i]!;
      const hi = this.hi[i]!;
      let b = 0;
      if (hi > lo) b = Math.min(this.perAxis - 1, Math.max(0, Math.trunc(((x[i]! - lo) / (hi - lo)) * this.perAxis)));
      index = index * this.perAxis + b;
    }
    return index;
  }

  private rebucket(): void {
    this.counts.fill(0);
    for (let k = 0; k < this.samples.length; k++) {
      const b = this.bucketOf(this.samples[k]!.x);
      this.sampleBucket[k] = b;
      this.counts[b]!++;
    }
  }

  /** Removes the oldest sample of the fullest bucket (the lowest-numbered bucket on a tie). */
  private evictOne(): void {
    const counts = this.counts;
    let fullest = 0;
    for (let b = 1; b < counts.length; b++) if (counts[b]! > counts[fullest]!) fullest = b;
    const victim = this.sampleBucket.indexOf(fullest);
    if (victim < 0) return;
    this.samples.splice(victim, 1);
    this.sampleBucket.splice(victim, 1);
    counts[fullest]!--;
  }
}

/** What the engine perf model asks of a forward-pass model (regression, or AIC × correction). */
export interface ForwardPassModel {
  /** Tunes with observed iterations (each one pass per attention-DP rank), in order. */
  tuneAll(iterations: readonly (readonly ForwardPassSnapshot[])[]): void;
  /** Forward-pass time in ms; 0 for empty work; null when that kind cannot be estimated yet. */
  estimateMs(ranks: readonly ForwardPassSnapshot[]): number | null;
  readonly ready: boolean;
  readonly retainedObservations: number;
}

/** One regression per workload kind: the planner's forward-pass latency model. */
export class ForwardPassRegression implements ForwardPassModel {
  private readonly stores: Record<WorkloadKind, BucketedRegression>;

  constructor(readonly options: RegressionOptions) {
    this.stores = {
      prefill: new BucketedRegression(1, options),
      decode: new BucketedRegression(2, options),
      mixed: new BucketedRegression(2, options),
    };
  }

  tuneAll(iterations: readonly (readonly ForwardPassSnapshot[])[]): void {
    for (const ranks of iterations) this.tune(ranks);
  }

  /** Tunes with one iteration (one pass per attention-DP rank); ignored without a positive wall time. */
  tune(ranks: readonly ForwardPassSnapshot[]): boolean {
    const f = iterationFeatures(ranks);
    if (f === null) return false;
    let wall = -Infinity;
    for (const p of ranks) if (Number.isFinite(p.wallTimeSecs) && p.wallTimeSecs > wall) wall = p.wallTimeSecs;
    if (!(wall > 0)) return false;
    return this.stores[f.kind].add(f.x, wall * 1000);
  }

  /** Forward-pass time in ms; 0 for empty work; null when that kind has no fit yet. */
  estimateMs(ranks: readonly ForwardPassSnapshot[]): number | null {
    const f = iterationFeatures(ranks);
    if (f === null) return 0;
    return this.stores[f.kind].predict(f.x);
  }

  /**
   * Ready = at least one kind has a fit. A fit is a pure function of its kind's samples, so the
   * order of asking does not change the answer: kinds whose fit is current are asked first and
   * the prefill kind's hinge (twelve candidate knots) last, since a tick of an engine with
   * decode work may need no prefill-only estimate at all.
   */
  get ready(): boolean {
    const { prefill, decode, mixed } = this.stores;
    for (const s of [prefill, decode, mixed]) if (!s.stale && s.fit !== null) return true;
    for (const s of [decode, mixed, prefill]) if (s.stale && s.fit !== null) return true;
    return false;
  }

  kindReady(kind: WorkloadKind): boolean {
    return this.stores[kind].fit !== null;
  }

  get retainedObservations(): number {
    return this.stores.prefill.size + this.stores.decode.size + this.stores.mixed.size;
  }

  fitOf(kind: WorkloadKind): LinearFit | null {
    return this.stores[kind].fit;
  }
}
