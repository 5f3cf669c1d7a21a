// The planner's per-tick estimates follow the reference fit rule (aiconfigurator-core
// fpm/regression.rs fit_regression / fit_linear / fit_weighted_hinge, fpm/samples.rs retention): a
// pass stream recorded from our core in a planner-in-the-loop run is fed both to the planner's
// model and to a small independent implementation of the reference rule written here; every
// estimate the planner makes must equal the independent one, and the per-tick estimates written to
// planner_reports/*.log.jsonl.gz are those estimates.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runWithPlanner } from '../../src/core/planner-loop.js';
import { parsePlannerConfig } from '../../src/planner/config.js';
import { ForwardPassRegression } from '../../src/planner/regression.js';
import type { ForwardPassModel } from '../../src/planner/regression.js';
import { writePlannerReport } from '../../src/planner/report-html.js';
import { ReplayPlanner } from '../../src/planner/replay-planner.js';
import type { ForwardPassSnapshot } from '../../src/planner/types.js';
import { workload, type Turn } from '../core/build.js';
import { agg, lcg } from '../core/equivalence.js';
// @ts-expect-error plain JS module shared with the benchmarks
import { guidePlannerConfig } from '../../bench/guide.js';

// ---- the reference rule, independently -----------------------------------------------------------
//
// Two places where the reference's own answer depends on hash-map order get one deterministic rule
// here and in src/planner/regression.ts, the same on both sides:
//  - eviction (samples.rs retire_from_fattest_bucket): the fullest bucket, the lowest-numbered of
//    equals, loses its oldest sample;
//  - equal scores (regression.rs fit_weighted_hinge `min_by`, fit_linear strict `<`): the first
//    candidate wins. Knots anywhere in a gap at an end of the data fit the samples identically, so
//    their scores are equal in exact arithmetic; the reference's sums run in hash-map order and
//    rounding (~1e-15) then picks one at random. "Equal" is therefore "within 1e-9 relative, plus
//    1e-12" (exact fits score pure rounding).

type Obs = { x: number[]; y: number };
const FLOOR = 1e-6;
const TIE = 1e-9;
const beats = (score: number, best: number) => score < best - TIE * Math.abs(best) - 1e-12;

/** Gaussian elimination with partial pivoting and back substitution; null on a pivot < 1e-12. */
function gauss(a: number[][], b: number[]): number[] | null {
  const n = b.length;
  const m = a.map((r, i) => [...r, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) >= Math.abs(m[p]![c]!)) p = r;
    if (Math.abs(m[p]![c]!) < 1e-12) return null;
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= m[r]![k]! * x[k]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

/** Normal equations of rows `f(o)` weighted by `w(o)`, solved; ridge 1e-9·max(1, trace) on the slopes if singular. */
function leastSquares(obs: Obs[], f: (o: Obs) => number[], w: (o: Obs) => number = () => 1): number[] | null {
  const k = f(obs[0]!).length;
  const a = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const b = new Array<number>(k).fill(0);
  for (const o of obs) {
    const r = f(o);
    const ww = w(o) * w(o);
    for (let i = 0; i < k; i++) {
      b[i]! += r[i]! * o.y * ww;
      for (let j = 0; j < k; j++) a[i]![j]! += r[i]! * r[j]! * ww;
    }
  }
  return gauss(a, b) ?? gauss(a.map((r, i) => r.map((v, j) => (i === j && i > 0 ? v + 1e-9 * Math.max(1, a.reduce((t, q, d) => t + Math.abs(q[d]!), 0)) : v))), b);
}

/** A fitted model's terms at `x`: the prediction is their sum. */
type Fit = (x: number[]) => number[];
const sum = (t: number[]) => t.reduce((s, v) => s + v, 0);

function linear(obs: Obs[], ndim: number): Fit | null {
  let best: { sse: number; fit: Fit; c: number[] } | null = null;
  for (let mask = 0; mask < 1 << ndim; mask++) {
    const face = [0, 1].slice(0, ndim).filter((i) => mask & (1 << i));
    const c = leastSquares(obs, (o) => [1, ...face.map((i) => o.x[i]!)]);
    if (!c || !c.every(Number.isFinite) || c.slice(1).some((v) => v < 0)) continue;
    const fit: Fit = (x) => [c[0]!, ...face.map((i, j) => c[j + 1]! * x[i]!)];
    const sse = obs.reduce((s, o) => s + (sum(fit(o.x)) - o.y) ** 2, 0);
    if (Number.isFinite(sse) && (best === null || beats(sse, best.sse))) best = { sse, fit, c };
  }
  if (!best) return null;
  if (obs.length > ndim && !best.c.slice(1).some((v) => v > 0)) return null;
  return best.fit;
}

/** Hinge knots, each scored; `ties` = knots whose score equals the best one's (they may predict differently). */
function hinge(obs: Obs[]): { fit: Fit; ties: Fit[] } | null {
  const xs = [...new Set(obs.map((o) => o.x[0]!))].sort((a, b) => a - b);
  if (xs.length < 3) return null;
  const [lo, hi] = [xs[0]!, xs[xs.length - 1]!];
  let knots = [1, 2, 3, 4].map((k) => xs[Math.floor((k * (xs.length - 1)) / 5)]!);
  if (lo > 0 && hi > lo) for (let i = 1; i <= 8; i++) knots.push(Math.exp(Math.log(lo) + (i / 9) * (Math.log(hi) - Math.log(lo))));
  knots = knots.filter((k) => k > lo && k < hi).sort((a, b) => a - b);
  knots = knots.filter((k, i) => i === 0 || Math.abs(k - knots[i - 1]!) > Math.max(k, knots[i - 1]!, 1) * 1e-9);
  const w = (o: Obs) => 1 / Math.max(o.y, 25);
  const scored: { score: number; fit: Fit }[] = [];
  for (const knot of knots) {
    const c = leastSquares(obs, (o) => [1, o.x[0]!, Math.max(0, o.x[0]! - knot)], w);
    if (!c) continue;
    const [b0, left, delta] = c as [number, number, number];
    if (left < -1e-6 || left + delta < -1e-6 || ![b0, left, left + delta].every(Number.isFinite)) continue;
    const l = Math.max(left, 0);
    const d = Math.max(left + delta, 0) - l;
    const fit: Fit = (x) => [b0, l * x[0]!, d * Math.max(0, x[0]! - knot)];
    scored.push({ score: Math.sqrt(obs.reduce((s, o) => s + ((sum(fit(o.x)) - o.y) * w(o)) ** 2, 0) / obs.length), fit });
  }
  let best: { score: number; fit: Fit } | null = null;
  for (const k of scored) if (best === null || beats(k.score, best.score)) best = k;
  return best && { fit: best.fit, ties: scored.filter((k) => !beats(k.score, best.score) && !beats(best.score, k.score)).map((k) => k.fit) };
}

/** One kind's store: dynamic ranges, √N (2-D) or N (1-D) buckets per axis, the oldest of the fullest bucket evicted. */
class Store {
  obs: Obs[] = [];
  lo: number[];
  hi: number[];
  private cached: { fit: Fit | null; ties: Fit[] } | null = null;
  constructor(readonly ndim: number, readonly min: number, readonly max: number, readonly buckets: number) {
    this.lo = new Array(ndim).fill(Infinity);
    this.hi = new Array(ndim).fill(-Infinity);
  }
  bucket(x: number[]): number {
    const per = this.ndim === 1 ? this.buckets : Math.floor(Math.sqrt(this.buckets));
    return x.reduce((acc, v, i) => acc * per + (this.hi[i]! > this.lo[i]! ? Math.min(per - 1, Math.max(0, Math.trunc(((v - this.lo[i]!) / (this.hi[i]! - this.lo[i]!)) * per))) : 0), 0);
  }
  add(x: number[], y: number): void {
    this.cached = null;
    x.forEach((v, i) => ((this.lo[i] = Math.min(this.lo[i]!, v)), (this.hi[i] = Math.max(this.hi[i]!, v))));
    this.obs.push({ x, y });
    if (this.obs.length <= this.max) return;
    const count = new Map<number, number>();
    for (const o of this.obs) count.set(this.bucket(o.x), (count.get(this.bucket(o.x)) ?? 0) + 1);
    const fullest = [...count].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0];
    this.obs.splice(this.obs.findIndex((o) => this.bucket(o.x) === fullest), 1);
  }
  fit(): { fit: Fit | null; ties: Fit[] } {
    if (this.cached) return this.cached;
    const h = this.ndim === 1 && this.obs.length >= Math.max(this.min, 6) ? hinge(this.obs) : null;
    return (this.cached = h ?? { fit: this.obs.length < this.min ? null : linear(this.obs, this.ndim), ties: [] });
  }
}

class ReferenceRule {
  stores: Record<string, Store>;
  constructor(min: number, max: number, buckets: number) {
    this.stores = { prefill: new Store(1, min, max, buckets), decode: new Store(2, min, max, buckets), mixed: new Store(2, min, max, buckets) };
  }
  static features(p: ForwardPassSnapshot): [string, number[]] | null {
    const pre = p.sumPrefillTokens > 0;
    const dec = p.numDecodeRequests > 0 || p.sumDecodeKvTokens > 0;
    if (pre && dec) return ['mixed', [p.sumPrefillTokens, p.sumDecodeKvTokens]];
    if (pre) return ['prefill', [p.sumPrefillTokens]];
    if (dec) return ['decode', [p.numDecodeRequests, p.sumDecodeKvTokens]];
    return null;
  }
  tune(p: ForwardPassSnapshot): void {
    const f = ReferenceRule.features(p);
    if (f && p.wallTimeSecs > 0) this.stores[f[0]]!.add(f[1], p.wallTimeSecs * 1000);
  }
  /** The estimate, the magnitude of its terms (rounding scales with it), and whether tied knots disagree. */
  estimate(p: ForwardPassSnapshot): { ms: number; scale: number; tieMatters: boolean } | null {
    const f = ReferenceRule.features(p)!;
    const { fit, ties } = this.stores[f[0]]!.fit();
    if (!fit) return null;
    const terms = fit(f[1]);
    const ms = Math.max(sum(terms), FLOOR);
    const tieMatters = ties.some((t) => Math.abs(Math.max(sum(t(f[1])), FLOOR) - ms) > 1e-6 * Math.max(1, ms));
    return { ms, scale: terms.reduce((s, v) => s + Math.abs(v), 0), tieMatters };
  }
}

// ---- the recorded streams --------------------------------------------------------------------------

type Pair = { kind: string; ours: number | null; reference: ReturnType<ReferenceRule['estimate']> };

/** The planner's model, with every tuning pass also given to the reference rule and every estimate recorded. */
class Recorder implements ForwardPassModel {
  readonly ours: ForwardPassRegression;
  readonly reference: ReferenceRule;
  readonly pairs: Pair[] = [];
  tuned = 0;
  constructor(min: number, max: number, buckets: number) {
    this.ours = new ForwardPassRegression({ minObservations: min, maxObservations: max, bucketCount: buckets });
    this.reference = new ReferenceRule(min, max, buckets);
  }
  tuneAll(iterations: readonly (readonly ForwardPassSnapshot[])[]): void {
    this.ours.tuneAll(iterations);
    for (const [p] of iterations) {
      this.reference.tune(p!);
      this.tuned += 1;
    }
  }
  estimateMs(ranks: readonly ForwardPassSnapshot[]): number | null {
    const ours = this.ours.estimateMs(ranks);
    const f = ReferenceRule.features(ranks[0]!);
    if (f) this.pairs.push({ kind: f[0], ours, reference: this.reference.estimate(ranks[0]!) });
    return ours;
  }
  get ready() {
    return this.ours.ready;
  }
  get retainedObservations() {
    return this.ours.retainedObservations;
  }
}

/** Long prompts sharing prefixes in bursts: chunked prefills ride along decodes (mixed passes). */
function burstyWorkload(seed: number) {
  const rand = lcg(seed);
  const sessions: Turn[][] = [];
  let id = 1;
  for (let k = 0; k < 260; k++) {
    const isl = 1000 + Math.floor(rand() * 12_000);
    const burst = Math.floor(k / 40);
    sessions.push([{ isl, osl: 20 + Math.floor(rand() * 300), ids: Array.from({ length: Math.ceil(isl / 64) }, () => id++), at: burst * 25_000 + rand() * 8_000 }]);
  }
  return workload(sessions, 64);
}

type Feed = 'latest pass' | 'every pass';

/** One planner-in-the-loop run of the guide's planner config on a bursty stream, every estimate recorded. */
function record(seed: number, loadIntervalS: number, feed: Feed, out?: string) {
  const config = parsePlannerConfig(
    guidePlannerConfig({
      pre_deployment_sweeping_mode: 'none',
      throughput_adjustment_interval_seconds: 60,
      load_adjustment_interval_seconds: loadIntervalS,
      load_predictor: 'constant',
      ...(out ? { report_output_dir: out, report_filename: 'fit.html' } : {}),
      feed_extra_fpm_to_regression: feed === 'every pass',
    }),
  ).config;
  const recorder = new Recorder(config.load_min_observations, config.max_num_fpm_samples, config.fpm_sample_bucket_size);
  const caps = { num_gpu: 1, max_num_batched_tokens: 8192, max_num_seqs: 256, context_length: null, max_kv_tokens: 16384 * 64, block_size: 64, speculative_nextn: 0 };
  const planner = new ReplayPlanner(config, { mode: 'agg', decode: caps }, null, { forwardPassModels: { decode: () => recorder } });
  runWithPlanner(agg({ numWorkers: 2, engine: { maxNumBatchedTokens: 8192, numGpuBlocks: 16384, blockSize: 64 } }), burstyWorkload(seed), planner);
  return { config, recorder, planner };
}

/** Estimates that disagree: one side has none, or they differ beyond rounding at the scale of the fit's terms. */
function disagreements(pairs: readonly Pair[]): Pair[] {
  return pairs.filter(({ ours, reference }) => (reference === null ? ours !== null : ours === null || Math.abs(ours - reference.ms) > 1e-6 * Math.max(1, reference.scale)));
}

const SEEDS = Array.from({ length: 16 }, (_, i) => i);
const LOAD_INTERVALS_S = [5, 2];

describe('per-tick estimates follow the reference fit rule on recorded pass streams', () => {
  for (const feed of ['latest pass', 'every pass'] as const) {
    it(`${feed} feed, ${SEEDS.length} workloads × load intervals ${LOAD_INTERVALS_S.join(' s, ')} s: every estimate equals the independent reference rule's`, () => {
      const perKind = new Map<string, number>();
      let tieMatters = 0;
      let tuned = 0;
      for (const loadInterval of LOAD_INTERVALS_S)
        for (const seed of SEEDS) {
          const { recorder } = record(seed, loadInterval, feed);
          expect(disagreements(recorder.pairs), `seed ${seed}, load interval ${loadInterval} s`).toEqual([]);
          tuned += recorder.tuned;
          for (const p of recorder.pairs) if (p.ours !== null) perKind.set(p.kind, (perKind.get(p.kind) ?? 0) + 1);
          tieMatters += recorder.pairs.filter((p) => p.reference?.tieMatters).length;
        }
      // The streams exercised every kind, with fitted estimates, and fits whose tied knots disagree
      // (where the tie rule decides the estimate).
      expect(tuned).toBeGreaterThan(feed === 'every pass' ? 50_000 : 2_000);
      for (const kind of ['prefill', 'decode', 'mixed']) expect(perKind.get(kind) ?? 0, kind).toBeGreaterThan(50);
      expect(tieMatters).toBeGreaterThan(0);
    });

    it(`${feed} feed: the per-tick estimates in the planner log are the planner's`, () => {
      const out = mkdtempSync(path.join(tmpdir(), 'dynosim-fit-'));
      const { config, recorder, planner } = record(4, 5, feed, out);
      const summary = planner.finish();
      const written = writePlannerReport(summary, config)!;
      const lines = gunzipSync(readFileSync(written.logPath!)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.length).toBe(summary.snapshots.length);
      const estimates = recorder.pairs.map((p) => p.ours).filter((e): e is number => e !== null);
      let logged = 0;
      lines.forEach((line, i) => {
        expect(line.estimated_itl_ms).toBe(summary.snapshots[i]!.estimatedItlMs);
        const itl = line.estimated_itl_ms as number | null;
        if (itl === null) return;
        logged += 1;
        expect(estimates.some((e) => Math.abs(e - itl) <= 1e-9 * Math.max(1, e))).toBe(true);
      });
      expect(logged).toBeGreaterThan(10);
    });
  }
});
