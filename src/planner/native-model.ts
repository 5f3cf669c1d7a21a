// The planner's native forward-pass model (`aic_perf_model` in the planner config): AIC's estimate
// of each pass, times a learned correction (aiconfigurator-core fpm/model.rs `from_native`,
// fpm/correction.rs `CorrectionBuckets`, fpm/samples.rs fixed-bound buckets). Ready from the start.
//
// Correction: per workload kind, samples of observed / native (each bounded to [0.5, 2.0] as it
// arrives) in buckets over fixed ranges (prefill tokens 0..max_num_batched_tokens, decode requests
// 0..max_num_seqs, KV tokens 0..max_kv_tokens; passes outside are ignored). Once a kind holds
// `min_observations` samples, an estimate is multiplied by the median of its bucket (1 when the
// bucket is empty or the pass lies outside the ranges). Retention as the regression's: the oldest
// sample of the fullest bucket goes when the kind is full.

import { iterationFeatures } from './regression.js';
import type { ForwardPassModel, RegressionOptions, WorkloadKind } from './regression.js';
import type { ForwardPassSnapshot } from './types.js';

/** AIC latencies (ms) of passes given as rows of (prefill requests, prefill tokens, prefill KV tokens, decode requests, decode KV tokens). */
export type NativePassEvaluator = (rows: Float64Array) => Float64Array;

export interface CorrectionLimits {
  maxNumTokens: number;
  maxBatchSize: number;
  maxKvTokens: number;
}

export const MIN_FASTER_CORRECTION_FACTOR = 0.5;
export const MAX_SLOWER_CORRECTION_FACTOR = 2.0;

/** Correction samples of one workload kind over fixed per-axis ranges [0, max]. */
export class CorrectionBuckets {
  private readonly samples: { bucket: number; factor: number }[] = [];
  private readonly perAxis: number;

  constructor(
    private readonly maxima: readonly number[],
    private readonly options: RegressionOptions,
  ) {
    const buckets = Math.max(1, options.bucketCount);
    this.perAxis = Math.max(1, maxima.length <= 1 ? buckets : Math.floor(Math.sqrt(buckets)));
  }

  get size(): number {
    return this.samples.length;
  }

  get ready(): boolean {
    return this.samples.length >= this.options.minObservations;
  }

  /** The bucket of `x`, or null outside the ranges. */
  private bucketOf(x: readonly number[]): number | null {
    let index = 0;
    for (let i = 0; i < this.maxima.length; i++) {
      const v = x[i]!;
      const hi = this.maxima[i]!;
      if (!Number.isFinite(v) || v < 0 || v > hi) return null;
      const b = hi <= 0 ? 0 : Math.min(this.perAxis - 1, Math.max(0, Math.trunc((v / hi) * this.perAxis)));
      index = index * this.perAxis + b;
    }
    return index;
  }

  add(x: readonly number[], observedMs: number, nativeMs: number): boolean {
    if (!(nativeMs > 0) || !Number.isFinite(nativeMs) || !(observedMs > 0) || !Number.isFinite(observedMs)) return false;
    const bucket = this.bucketOf(x);
    if (bucket === null) return false;
    const factor = Math.min(Math.max(observedMs / nativeMs, MIN_FASTER_CORRECTION_FACTOR), MAX_SLOWER_CORRECTION_FACTOR);
    this.samples.push({ bucket, factor });
    if (this.samples.length > Math.max(1, this.options.maxObservations)) {
      const counts = new Map<number, number>();
      for (const s of this.samples) counts.set(s.bucket, (counts.get(s.bucket) ?? 0) + 1);
      let fullest = -1;
      let most = -1;
      for (const [b, n] of counts) if (n > most || (n === most && b < fullest)) [fullest, most] = [b, n];
      this.samples.splice(this.samples.findIndex((s) => s.bucket === fullest), 1);
    }
    return true;
  }

  /** The median factor of the bucket of `x` once the kind is ready; 1 otherwise. */
  factorFor(x: readonly number[]): number {
    if (!this.ready) return 1;
    const bucket = this.bucketOf(x);
    if (bucket === null) return 1;
    const f = this.samples.filter((s) => s.bucket === bucket).map((s) => s.factor).sort((a, b) => a - b);
    if (f.length === 0) return 1;
    const mid = f.length >> 1;
    return f.length % 2 === 0 ? (f[mid - 1]! + f[mid]!) / 2 : f[mid]!;
  }
}

const row = (p: ForwardPassSnapshot): number[] => [p.numPrefillRequests, p.sumPrefillTokens, p.sumPrefillKvTokens, p.numDecodeRequests, p.sumDecodeKvTokens];

/** AIC × correction: the forward-pass model `best_available` builds when AIC supports the model. */
export class NativeForwardPassModel implements ForwardPassModel {
  private readonly stores: Record<WorkloadKind, CorrectionBuckets>;

  constructor(
    private readonly evaluate: NativePassEvaluator,
    limits: CorrectionLimits,
    options: RegressionOptions,
  ) {
    this.stores = {
      prefill: new CorrectionBuckets([limits.maxNumTokens], options),
      decode: new CorrectionBuckets([limits.maxBatchSize, limits.maxKvTokens], options),
      mixed: new CorrectionBuckets([limits.maxNumTokens, limits.maxKvTokens], options),
    };
  }

  /** The slowest rank's AIC estimate (reference Engine::forward_pass_time_ms). */
  private nativeMs(ranks: readonly ForwardPassSnapshot[]): number {
    const ms = this.evaluate(Float64Array.from(ranks.flatMap(row)));
    let max = 0;
    for (const v of ms) if (v > max) max = v;
    return max;
  }

  tuneAll(iterations: readonly (readonly ForwardPassSnapshot[])[]): void {
    const usable = iterations.filter((ranks) => iterationFeatures(ranks) !== null);
    if (usable.length === 0) return;
    // One call to the core for the whole batch.
    const flat = this.evaluate(Float64Array.from(usable.flatMap((ranks) => ranks.flatMap(row))));
    let at = 0;
    for (const ranks of usable) {
      let native = 0;
      for (let k = 0; k < ranks.length; k++) native = Math.max(native, flat[at + k]!);
      at += ranks.length;
      const f = iterationFeatures(ranks)!;
      let wall = 0;
      for (const p of ranks) if (Number.isFinite(p.wallTimeSecs) && p.wallTimeSecs > wall) wall = p.wallTimeSecs;
      if (wall > 0) this.stores[f.kind].add(f.x, wall * 1000, native);
    }
  }

  estimateMs(ranks: readonly ForwardPassSnapshot[]): number | null {
    const f = iterationFeatures(ranks);
    if (f === null) return 0;
    return this.nativeMs(ranks) * this.stores[f.kind].factorFor(f.x);
  }

  get ready(): boolean {
    return true;
  }

  get retainedObservations(): number {
    return this.stores.prefill.size + this.stores.decode.size + this.stores.mixed.size;
  }
}
