// The forward-pass regression the planner tunes from observed passes (reference: the regression
// mode of aiconfigurator-core's ForwardPassPerfModel, planner.md §4.1).
//
// Each pass is classified by its scheduled work: prefill-only → features [prefill tokens];
// decode-only → [decode requests, decode KV tokens]; mixed → [prefill tokens, decode KV tokens];
// empty → estimate 0 and never tuned. Each kind has its own sample store: bucketed retention over
// dynamic per-axis ranges (the oldest sample of the fullest bucket goes when the store is full),
// refit after every accepted sample. Least squares with an intercept (normal equations,
// Gauss-Jordan with partial pivoting, a tiny ridge when a pivot vanishes). Two slope rules:
//   - 'nnls' (default; the reference's current fit): slopes are constrained to be ≥ 0 by trying
//     every subset of free slopes and keeping the feasible one with the least squared error; an
//     intercept-only fit is kept only while the samples cannot identify the slopes (unlike the
//     reference, the intercept is kept ≥ 0 too: see fitNonNegative); 1-D (prefill)
//     stores with ≥ 6 samples use a relative-error-weighted hinge (two slopes joined at a knot)
//     when a monotone one fits;
//   - 'reject' (planner.md §4.1 as written): plain least squares, a negative slope rejects the fit
//     — except the decode request count, whose negative slope is clipped to 0.
// The reject rule never fits an aggregated engine's mixed passes on long-prompt traces (the
// chunk's position in its prompt, which the features do not see, makes the KV slope come out
// negative), so agg capacity would never be known; hence the default.

import type { ForwardPassSnapshot } from './types.js';

export type WorkloadKind = 'prefill' | 'decode' | 'mixed';

export type SlopeRule = 'nnls' | 'reject';

export interface RegressionOptions {
  /** Samples retained per kind (`max_num_fpm_samples`). */
  maxObservations: number;
  /** Fit only from this many samples on (`load_min_observations`). */
  minObservations: number;
  /** Total buckets (`fpm_sample_bucket_size`): N for 1-D kinds, √N per axis for 2-D kinds. */
  bucketCount: number;
  /** How negative slopes are handled (default 'nnls'). */
  slopeRule?: SlopeRule;
}

/** Slopes this small and negative count as zero (float noise from a collinear fit). */
const NEGATIVE_NOISE = 1e-9;
/** The decode request-count slope is clipped to zero below this. */
const RELAXABLE_CLIP = -1e-6;
const PIVOT_EPS = 1e-12;
const MIN_PREDICTION_MS = 1e-6;

interface Sample {
  x: number[];
  y: number;
  seq: number;
}

export interface LinearFit {
  intercept: number;
  coefficients: number[];
  /** Hinge fits (1-D only): slope change `delta` past `knot`. */
  hinge?: { knot: number; delta: number };
}

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

/** Kind and features of one iteration given as one pass per attention-DP rank. */
export function iterationFeatures(ranks: readonly ForwardPassSnapshot[]): { kind: WorkloadKind; x: number[] } | null {
  let prefill = false;
  let decode = false;
  for (const p of ranks) {
    if (p.sumPrefillTokens > 0) prefill = true;
    if (p.numDecodeRequests > 0 || p.sumDecodeKvTokens > 0) decode = true;
  }
  if (!prefill && !decode) return null;
  const kind: WorkloadKind = prefill && decode ? 'mixed' : prefill ? 'prefill' : 'decode';
  let best: number[] | null = null;
  let bestSum = -Infinity;
  for (const p of ranks) {
    const x = kindFeatures(kind, p);
    const s = x.reduce((a, b) => a + b, 0);
    if (s > bestSum) {
      bestSum = s;
      best = x;
    }
  }
  return best ? { kind, x: best } : null;
}

/** Solves `lhs · x = rhs` by Gauss-Jordan elimination with partial pivoting; null when singular. */
export function solveLinearSystem(lhsIn: readonly (readonly number[])[], rhsIn: readonly number[]): number[] | null {
  const n = rhsIn.length;
  const lhs = lhsIn.map((r) => r.slice());
  const rhs = rhsIn.slice();
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(lhs[r]![col]!) >= Math.abs(lhs[pivot]![col]!)) pivot = r;
    if (!(Math.abs(lhs[pivot]![col]!) >= PIVOT_EPS)) return null;
    [lhs[col], lhs[pivot]] = [lhs[pivot]!, lhs[col]!];
    [rhs[col], rhs[pivot]] = [rhs[pivot]!, rhs[col]!];
    const rowC = lhs[col]!;
    const div = rowC[col]!;
    for (let j = col; j < n; j++) rowC[j]! /= div;
    rhs[col]! /= div;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const row = lhs[r]!;
      const f = row[col]!;
      if (f === 0) continue;
      for (let j = col; j < n; j++) row[j]! -= f * rowC[j]!;
      rhs[r]! -= f * rhs[col]!;
    }
  }
  return rhs;
}

/**
 * Least squares with an intercept over `samples`; when the normal equations are singular, a ridge
 * of 1e-9 × max(1, trace) is added to the slope diagonals. `relaxable` lists slopes clipped to 0
 * when negative (the rest reject the fit).
 */
export function fitLinear(samples: readonly { x: readonly number[]; y: number }[], ndim: number, relaxable: readonly number[] = []): LinearFit | null {
  const size = ndim + 1;
  const lhs = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  const rhs = new Array<number>(size).fill(0);
  const row = new Array<number>(size);
  for (const s of samples) {
    row[0] = 1;
    for (let i = 0; i < ndim; i++) row[i + 1] = s.x[i]!;
    for (let i = 0; i < size; i++) {
      rhs[i]! += row[i]! * s.y;
      for (let j = 0; j < size; j++) lhs[i]![j]! += row[i]! * row[j]!;
    }
  }
  let solution = solveLinearSystem(lhs, rhs);
  if (solution === null) {
    let trace = 0;
    for (let i = 0; i < size; i++) trace += Math.abs(lhs[i]![i]!);
    const ridge = Math.max(1, trace) * 1e-9;
    const reg = lhs.map((r, i) => r.map((v, j) => (i === j && i > 0 ? v + ridge : v)));
    solution = solveLinearSystem(reg, rhs);
  }
  if (solution === null || !solution.every(Number.isFinite)) return null;
  const coefficients = solution.slice(1);
  for (let i = 0; i < ndim; i++) {
    const c = coefficients[i]!;
    if (c >= 0) continue;
    if (relaxable.includes(i)) {
      if (c < RELAXABLE_CLIP) coefficients[i] = 0;
    } else if (c > -NEGATIVE_NOISE) {
      coefficients[i] = 0;
    } else {
      return null;
    }
  }
  return { intercept: solution[0]!, coefficients };
}

export function predictLinear(fit: LinearFit, x: readonly number[]): number {
  let y = fit.intercept;
  for (let i = 0; i < fit.coefficients.length; i++) y += fit.coefficients[i]! * (x[i] ?? 0);
  if (fit.hinge) y += fit.hinge.delta * Math.max(0, (x[0] ?? 0) - fit.hinge.knot);
  return Math.max(y, MIN_PREDICTION_MS);
}

function solveNormal(lhs: number[][], rhs: number[], firstRidged = 1): number[] | null {
  const direct = solveLinearSystem(lhs, rhs);
  if (direct !== null) return direct;
  let trace = 0;
  for (let i = 0; i < lhs.length; i++) trace += Math.abs(lhs[i]![i]!);
  const ridge = Math.max(1, trace) * 1e-9;
  return solveLinearSystem(
    lhs.map((r, i) => r.map((v, j) => (i === j && i >= firstRidged ? v + ridge : v))),
    rhs,
  );
}

/**
 * Least squares on the `active` slopes (others fixed at 0), with or without an intercept; null
 * when a fitted slope or intercept is negative.
 */
function fitActiveSet(samples: readonly { x: readonly number[]; y: number }[], ndim: number, active: readonly number[], withIntercept: boolean): LinearFit | null {
  const offset = withIntercept ? 1 : 0;
  const size = active.length + offset;
  if (size === 0) return null;
  const lhs = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  const rhs = new Array<number>(size).fill(0);
  const row = new Array<number>(size);
  for (const s of samples) {
    if (withIntercept) row[0] = 1;
    for (let i = 0; i < active.length; i++) row[i + offset] = s.x[active[i]!]!;
    for (let i = 0; i < size; i++) {
      rhs[i]! += row[i]! * s.y;
      for (let j = 0; j < size; j++) lhs[i]![j]! += row[i]! * row[j]!;
    }
  }
  const sol = solveNormal(lhs, rhs, offset);
  if (sol === null || !sol.every(Number.isFinite) || sol.some((c) => c < 0)) return null;
  const coefficients = new Array<number>(ndim).fill(0);
  active.forEach((f, i) => (coefficients[f] = sol[i + offset]!));
  return { intercept: withIntercept ? sol[0]! : 0, coefficients };
}

/**
 * Least squares with every parameter ≥ 0, by enumerating which slopes (and whether the intercept)
 * are free. The reference's current fit keeps the intercept free; a negative intercept lets a fit
 * over a narrow feature range (an engine's mixed passes all near one chunk size) predict ~0 for
 * smaller passes, so here a forward pass also costs at least nothing at zero work.
 */
export function fitNonNegative(samples: readonly { x: readonly number[]; y: number }[], ndim: number): LinearFit | null {
  let best: { sse: number; fit: LinearFit } | null = null;
  for (const withIntercept of [true, false]) {
    for (let mask = 0; mask < 1 << ndim; mask++) {
      const active: number[] = [];
      for (let i = 0; i < ndim; i++) if (mask & (1 << i)) active.push(i);
      const fit = fitActiveSet(samples, ndim, active, withIntercept);
      if (fit === null) continue;
      let sse = 0;
      for (const s of samples) {
        let r = fit.intercept - s.y;
        for (let i = 0; i < ndim; i++) r += fit.coefficients[i]! * s.x[i]!;
        sse += r * r;
      }
      if (!Number.isFinite(sse)) continue;
      if (best === null || sse < best.sse) best = { sse, fit };
    }
  }
  if (best === null) return null;
  const underdetermined = samples.length <= ndim;
  const loadSignal = best.fit.coefficients.some((c) => c > 0);
  return underdetermined || loadSignal ? best.fit : null;
}

const HINGE_MIN_OBSERVATIONS = 6;
const HINGE_NEG_TOLERANCE = 1e-6;
const RELATIVE_WEIGHT_FLOOR_MS = 25;
const HINGE_LOGSPACE_CANDIDATES = 8;

function hingeCandidates(samples: readonly { x: readonly number[] }[]): number[] {
  const xs = samples
    .map((s) => s.x[0]!)
    .filter(Number.isFinite)
    .sort((a, b) => a - b)
    .filter((v, i, a) => i === 0 || Math.abs(v - a[i - 1]!) > Number.EPSILON);
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
  return out
    .filter((c) => Number.isFinite(c) && c > min && c < max)
    .sort((a, b) => a - b)
    .filter((v, i, a) => i === 0 || Math.abs(v - a[i - 1]!) > Math.max(Math.abs(v), Math.abs(a[i - 1]!), 1) * 1e-9);
}

/** Relative-error-weighted hinge on one feature; null unless some knot gives a monotone fit. */
export function fitWeightedHinge(samples: readonly { x: readonly number[]; y: number }[]): LinearFit | null {
  let best: { score: number; fit: LinearFit } | null = null;
  for (const knot of hingeCandidates(samples)) {
    const lhs = [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ];
    const rhs = [0, 0, 0];
    for (const s of samples) {
      const v = s.x[0]!;
      const row = [1, v, Math.max(0, v - knot)];
      const w = 1 / Math.max(s.y, RELATIVE_WEIGHT_FLOOR_MS);
      for (let i = 0; i < 3; i++) {
        rhs[i]! += row[i]! * w * s.y * w;
        for (let j = 0; j < 3; j++) lhs[i]![j]! += row[i]! * w * row[j]! * w;
      }
    }
    const sol = solveNormal(lhs, rhs);
    if (sol === null) continue;
    const [intercept, left, delta] = sol as [number, number, number];
    if (!(intercept >= -HINGE_NEG_TOLERANCE && left >= -HINGE_NEG_TOLERANCE && left + delta >= -HINGE_NEG_TOLERANCE)) continue;
    const fit: LinearFit = { intercept, coefficients: [left], hinge: { knot, delta } };
    let mse = 0;
    for (const s of samples) {
      const r = (intercept + left * s.x[0]! + delta * Math.max(0, s.x[0]! - knot) - s.y) / Math.max(s.y, RELATIVE_WEIGHT_FLOOR_MS);
      mse += r * r;
    }
    const score = Math.sqrt(mse / Math.max(1, samples.length));
    if (best === null || score < best.score) best = { score, fit };
  }
  return best?.fit ?? null;
}

/** The fit a store uses for its samples under `rule`. */
export function fitRegression(
  samples: readonly { x: readonly number[]; y: number }[],
  ndim: number,
  minObservations: number,
  rule: SlopeRule,
  relaxable: readonly number[] = [],
): LinearFit | null {
  if (samples.length < minObservations) return null;
  if (rule === 'reject') return fitLinear(samples, ndim, relaxable);
  if (ndim === 1 && samples.length >= Math.max(minObservations, HINGE_MIN_OBSERVATIONS)) {
    const hinge = fitWeightedHinge(samples);
    if (hinge !== null) return hinge;
  }
  return fitNonNegative(samples, ndim);
}

/** Retained samples of one workload kind, with bucketed eviction and refit on every sample. */
export class BucketedRegression {
  private readonly samples: Sample[] = [];
  private readonly lo: number[];
  private readonly hi: number[];
  private readonly perAxis: number;
  private seq = 0;
  private fitValue: LinearFit | null = null;
  /** The fit is recomputed lazily: the same result as refitting after every sample. */
  private dirty = false;
  private bucketCounts: Uint32Array | undefined;  // eviction's scratch

  constructor(
    readonly ndim: number,
    private readonly options: RegressionOptions,
    private readonly relaxable: readonly number[] = [],
  ) {
    this.lo = new Array<number>(ndim).fill(Infinity);
    this.hi = new Array<number>(ndim).fill(-Infinity);
    const buckets = Math.max(1, options.bucketCount);
    this.perAxis = ndim <= 1 ? buckets : Math.max(1, Math.floor(Math.sqrt(buckets)));
  }

  get size(): number {
    return this.samples.length;
  }

  get fit(): LinearFit | null {
    if (this.dirty) {
      this.fitValue = fitRegression(this.samples, this.ndim, this.options.minObservations, this.options.slopeRule ?? 'nnls', this.relaxable);
      this.dirty = false;
    }
    return this.fitValue;
  }

  /** Adds one (features, wall ms) sample; returns false when it is not usable. */
  add(x: readonly number[], yMs: number): boolean {
    if (!(yMs > 0) || !Number.isFinite(yMs) || x.length !== this.ndim || !x.every(Number.isFinite)) return false;
    for (let i = 0; i < this.ndim; i++) {
      if (x[i]! < this.lo[i]!) this.lo[i] = x[i]!;
      if (x[i]! > this.hi[i]!) this.hi[i] = x[i]!;
    }
    this.samples.push({ x: x.slice(), y: yMs, seq: this.seq++ });
    while (this.samples.length > Math.max(1, this.options.maxObservations)) this.evictOne();
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
      if (hi > lo) b = Math.min(this.perAxis - 1, Math.max(0, Math.floor(((x[i]! - lo) / (hi - lo)) * this.perAxis)));
      index = index * this.perAxis + b;
    }
    return index;
  }

  /**
   * Removes the oldest sample of the fullest bucket (the lowest-numbered bucket on a tie). Runs on
   * every sample once the store is full, so it allocates nothing: bucket counts go in a reused
   * array, and samples stay in insertion order, so the fullest bucket's first sample is its oldest.
   */
  private evictOne(): void {
    const counts = (this.bucketCounts ??= new Uint32Array(this.perAxis ** this.ndim));
    counts.fill(0);
    for (const s of this.samples) counts[this.bucketOf(s.x)]!++;
    let fullest = 0;
    for (let b = 1; b < counts.length; b++) if (counts[b]! > counts[fullest]!) fullest = b;
    const victim = this.samples.findIndex((s) => this.bucketOf(s.x) === fullest);
    if (victim >= 0) this.samples.splice(victim, 1);
  }
}

/** One regression per workload kind: the planner's forward-pass latency model. */
export class ForwardPassRegression {
  private readonly stores: Record<WorkloadKind, BucketedRegression>;

  constructor(readonly options: RegressionOptions) {
    this.stores = {
      prefill: new BucketedRegression(1, options),
      decode: new BucketedRegression(2, options, [0]),
      mixed: new BucketedRegression(2, options),
    };
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

  /** Ready = at least one kind has a fit. */
  get ready(): boolean {
    return Object.values(this.stores).some((s) => s.fit !== null);
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
