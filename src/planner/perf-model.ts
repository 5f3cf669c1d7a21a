// The planner's engine performance model (reference: the mocker's `EnginePerfModel` shim in
// engine_perf.rs, driven by the planner's `PlannerEnginePerfModel` adapter). It answers three
// questions from the tuned forward-pass regression:
//   - how long until a newly queued prefill request finishes (load scaling, TTFT path),
//   - how long the next decode iteration takes (load scaling, ITL path),
//   - how many requests per second one engine sustains for a request shape under the SLA
//     (throughput scaling: a linear scan over at most 128 batch sizes).
// Times are milliseconds internally; the adapter-level estimators return seconds like the reference.

import type { PlannerConfig } from './config.js';
import { ForwardPassRegression } from './regression.js';
import type { ForwardPassModel, RegressionOptions } from './regression.js';
import { emptyPass, makePass } from './types.js';
import type { EngineCapabilities, ForwardPassSnapshot } from './types.js';

export type WorkerType = 'prefill' | 'decode' | 'aggregated';

export interface EnginePerfLimits {
  maxNumBatchedTokens: number;
  maxNumSeqs: number;
  maxKvTokens: number;
}

export const DEFAULT_MAX_NUM_BATCHED_TOKENS = 8192;
export const DEFAULT_MAX_NUM_SEQS = 512;
export const DEFAULT_MAX_KV_TOKENS = 2_000_000;
export const MAX_CAPACITY_SEARCH_CANDIDATES = 128;
/** KV hit rates above this do not discount prefill further. */
export const MAX_KV_HIT_RATE_DISCOUNT = 0.95;

export interface CapacityRequest {
  isl: number;
  osl: number;
  ttftSlaMs?: number | null;
  itlSlaMs?: number | null;
  e2eSlaMs?: number | null;
  kvHitRate?: number | null;
  /** Visible tokens per decode forward (MTP); ≤ 1 or non-finite means 1. */
  acceptLength?: number;
}

export interface EngineCapacity {
  rps: number;
  ttftMs: number | null;
  itlMs: number | null;
  e2eMs: number | null;
  eligible: boolean;
}

/** Capacity queries as throughput scaling sees them (a test can substitute its own). */
export interface CapacityModel {
  findEngineCapacityRps(request: CapacityRequest): EngineCapacity | null;
}

// ---- small helpers ------------------------------------------------------------------------------

export function clampKvHitRate(kv: number | null | undefined): number {
  if (kv === null || kv === undefined || !Number.isFinite(kv)) return 0;
  return Math.min(Math.max(kv, 0), MAX_KV_HIT_RATE_DISCOUNT);
}

export function normalizedAcceptLength(v: number | undefined): number {
  return v !== undefined && Number.isFinite(v) && v > 1 ? v : 1;
}

function ceilPositive(v: number): number {
  return v > 0 ? Math.ceil(v) : 0;
}

/** Batch sizes a capacity search tries: all of 1..max up to 128, else 128 spread points with both ends. */
export function capacityBatchSizes(maxBatch: number): number[] {
  if (maxBatch <= 0) return [];
  if (maxBatch <= MAX_CAPACITY_SEARCH_CANDIDATES) return Array.from({ length: maxBatch }, (_, i) => i + 1);
  const span = maxBatch - 1;
  const den = MAX_CAPACITY_SEARCH_CANDIDATES - 1;
  return Array.from({ length: MAX_CAPACITY_SEARCH_CANDIDATES }, (_, i) => 1 + Math.floor((i * span) / den));
}

/** Full chunks of `maxChunk` tokens plus one tail chunk. */
export class PrefillChunkPlan {
  readonly fullChunks: number;
  readonly tailTokens: number;
  constructor(tokens: number, readonly maxChunk: number) {
    const chunk = Math.max(1, maxChunk);
    this.fullChunks = Math.floor(tokens / chunk);
    this.tailTokens = tokens - this.fullChunks * chunk;
  }
  chunkAt(iteration: number): number {
    if (iteration < this.fullChunks) return this.maxChunk;
    if (iteration === this.fullChunks && this.tailTokens > 0) return this.tailTokens;
    return 0;
  }
}

/** ceil(B × accept × isl / osl): prefill tokens per iteration that keep admissions up with decode egress. */
export function aggregatePrefillPerIter(isl: number, osl: number, batch: number, acceptLength: number): number {
  return ceilPositive((batch * normalizedAcceptLength(acceptLength) * isl) / Math.max(1, osl));
}

export function prefillDecodeBalanced(isl: number, osl: number, batch: number, maxNumBatchedTokens: number, acceptLength: number): boolean {
  const budget = Math.max(0, maxNumBatchedTokens - batch);
  if (budget === 0) return false;
  return aggregatePrefillPerIter(isl, osl, batch, acceptLength) <= budget;
}

function splitTotal(total: number, ranks: number, rank: number): number {
  const base = Math.floor(total / ranks);
  return base + (rank < total % ranks ? 1 : 0);
}

function slaOk(valueMs: number | null, slaMs: number | null | undefined): boolean {
  if (slaMs === null || slaMs === undefined) return true;
  return valueMs !== null && valueMs <= slaMs;
}

function selectCapacity(current: EngineCapacity | null, candidate: EngineCapacity): EngineCapacity {
  if (current === null) return candidate;
  if (!current.eligible && candidate.eligible) return candidate;
  if (current.eligible && !candidate.eligible) return current;
  return candidate.rps > current.rps ? candidate : current;
}

/** Moving average over a fixed window that starts counting at the first positive value. */
export class MovingAverage {
  private readonly values: number[] = [];
  private sum = 0;
  private seenNonzero = false;
  constructor(private readonly maxLen: number) {}
  addAfterFirstNonzero(value: number): void {
    if (value > 0) this.seenNonzero = true;
    if (!this.seenNonzero) return;
    this.add(Math.max(0, value));
  }
  add(value: number): void {
    this.values.push(value);
    this.sum += value;
    while (this.values.length > Math.max(1, this.maxLen)) this.sum -= this.values.shift()!;
  }
  get value(): number {
    return this.values.length === 0 ? 0 : this.sum / this.values.length;
  }
}

// ---- engine-level model (reference EnginePerfModel) ---------------------------------------------

export class EnginePerfModel {
  /** The forward-pass model: the regression, or AIC × correction (`aic_perf_model`). */
  readonly regression: ForwardPassModel;
  private readonly avgNumPrefill: MovingAverage;
  private readonly avgPrefillTokens: MovingAverage;

  constructor(
    readonly workerType: WorkerType,
    readonly limits: EnginePerfLimits,
    options: RegressionOptions,
    readonly attentionDpSize = 1,
    forwardPassModel?: ForwardPassModel,
  ) {
    this.regression = forwardPassModel ?? new ForwardPassRegression(options);
    this.avgNumPrefill = new MovingAverage(options.maxObservations);
    this.avgPrefillTokens = new MovingAverage(options.maxObservations);
  }

  /** Tunes with observed iterations (each one pass per attention-DP rank). */
  tune(iterations: readonly (readonly ForwardPassSnapshot[])[]): void {
    this.regression.tuneAll(iterations);
    for (const ranks of iterations) this.observeAverages(ranks);
  }

  private observeAverages(ranks: readonly ForwardPassSnapshot[]): void {
    let snap: ForwardPassSnapshot | null = null;
    let best = -Infinity;
    for (const p of ranks) {
      const s = p.sumPrefillTokens + p.sumDecodeKvTokens + p.numDecodeRequests;
      if (s > best) {
        best = s;
        snap = p;
      }
    }
    if (snap === null) return;
    this.avgNumPrefill.addAfterFirstNonzero(snap.numPrefillRequests > 0 ? snap.numPrefillRequests : 0);
    this.avgPrefillTokens.addAfterFirstNonzero(snap.sumPrefillTokens);
  }

  get ready(): boolean {
    return this.regression.ready;
  }

  estimateMs(ranks: readonly ForwardPassSnapshot[]): number | null {
    return this.regression.estimateMs(ranks);
  }

  /** Typical scheduled prefill (requests, tokens) of a mixed pass, from the tuning history. */
  typicalPrefillForMixedItl(): [number, number] {
    const tokens = ceilPositive(this.avgPrefillTokens.value);
    const requests = ceilPositive(this.avgNumPrefill.value);
    return [Math.max(requests, tokens > 0 ? 1 : 0), tokens];
  }

  /** Time to drain each rank's queued prefill (ms); prefill-only chunks, plus scheduled decode on agg. */
  queuedPrefillTimeMs(ranks: readonly ForwardPassSnapshot[]): number | null {
    if (this.workerType === 'decode') return null;
    if (ranks.every((p) => p.sumQueuedPrefillTokens === 0)) return 0;
    const mbt = this.limits.maxNumBatchedTokens;
    const plans = ranks.map((p) => new PrefillChunkPlan(p.sumQueuedPrefillTokens, mbt));
    const points = new Set<number>([0]);
    for (const plan of plans) {
      if (plan.fullChunks > 0) points.add(plan.fullChunks);
      if (plan.tailTokens > 0) points.add(plan.fullChunks + 1);
    }
    const breakpoints = [...points].sort((a, b) => a - b);
    let total = 0;
    for (let w = 0; w + 1 < breakpoints.length; w++) {
      const iteration = breakpoints[w]!;
      const repeat = breakpoints[w + 1]! - iteration;
      if (repeat === 0) continue;
      const chunkRanks = ranks.map((snap, i) => {
        const chunk = plans[i]!.chunkAt(iteration);
        const requests = chunk === 0 ? 0 : snap.numQueuedPrefill === 0 ? 1 : snap.numQueuedPrefill;
        const fields: Partial<ForwardPassSnapshot> = { numPrefillRequests: requests, sumPrefillTokens: chunk };
        if (this.workerType === 'aggregated') {
          fields.numDecodeRequests = snap.numDecodeRequests;
          fields.sumDecodeKvTokens = snap.sumDecodeKvTokens;
          fields.varDecodeKvTokens = snap.varDecodeKvTokens;
        }
        return makePass(fields);
      });
      const ms = this.estimateMs(chunkRanks);
      if (ms === null) return null;
      total += ms * repeat;
    }
    return total;
  }

  /** One scheduled decode iteration (ms); agg adds the pass's prefill or the learned typical prefill. */
  scheduledDecodeItlMs(ranks: readonly ForwardPassSnapshot[]): number | null {
    if (this.workerType === 'prefill') return null;
    const metrics = ranks.map((snap) => {
      const fields: Partial<ForwardPassSnapshot> = {
        numDecodeRequests: snap.numDecodeRequests,
        sumDecodeKvTokens: snap.sumDecodeKvTokens,
        varDecodeKvTokens: snap.varDecodeKvTokens,
      };
      if (this.workerType === 'aggregated') {
        if (snap.sumPrefillTokens > 0 || snap.numPrefillRequests > 0) {
          fields.numPrefillRequests = snap.numPrefillRequests;
          fields.sumPrefillTokens = snap.sumPrefillTokens;
        } else {
          const [requests, tokens] = this.typicalPrefillForMixedItl();
          fields.numPrefillRequests = requests;
          fields.sumPrefillTokens = tokens;
        }
        fields.varPrefillLength = snap.varPrefillLength;
        fields.sumPrefillKvTokens = snap.sumPrefillKvTokens;
      }
      return makePass(fields);
    });
    return this.estimateMs(metrics);
  }

  // -- synthetic iterations ----------------------------------------------------------------------

  private ranksOf(fill: (rank: number, ranks: number) => Partial<ForwardPassSnapshot>): ForwardPassSnapshot[] {
    const n = Math.max(1, this.attentionDpSize);
    if (n === 1) return [makePass(fill(0, 1))];
    return Array.from({ length: n }, (_, r) => makePass(fill(r, n)));
  }

  private prefillMs(tokens: number): number | null {
    return this.estimateMs(
      this.ranksOf((r, n) => {
        const t = splitTotal(tokens, n, r);
        return { sumPrefillTokens: t, numPrefillRequests: t > 0 ? 1 : 0 };
      }),
    );
  }

  private decodeMs(batch: number, contextLength: number): number | null {
    const kv = batch * contextLength;
    return this.estimateMs(this.ranksOf((r, n) => ({ numDecodeRequests: splitTotal(batch, n, r), sumDecodeKvTokens: splitTotal(kv, n, r) })));
  }

  private mixedMs(prefillTokens: number, decodeRequests: number, decodeKv: number): number | null {
    return this.estimateMs(
      this.ranksOf((r, n) => {
        const t = splitTotal(prefillTokens, n, r);
        return {
          sumPrefillTokens: t,
          numPrefillRequests: t > 0 ? 1 : 0,
          numDecodeRequests: splitTotal(decodeRequests, n, r),
          sumDecodeKvTokens: splitTotal(decodeKv, n, r),
        };
      }),
    );
  }

  private chunkedMs(tokens: number, chunkMs: (chunk: number) => number | null): number | null {
    const plan = new PrefillChunkPlan(tokens, this.limits.maxNumBatchedTokens);
    let total = 0;
    if (plan.fullChunks > 0) {
      const ms = chunkMs(this.limits.maxNumBatchedTokens);
      if (ms === null) return null;
      total += ms * plan.fullChunks;
    }
    if (plan.tailTokens > 0) {
      const ms = chunkMs(plan.tailTokens);
      if (ms === null) return null;
      total += ms;
    }
    return total;
  }

  /** Chunked prefill time of `tokens` on an otherwise idle engine (ms). */
  prefillTimeForTokensMs(tokens: number): number | null {
    return this.chunkedMs(tokens, (c) => this.prefillMs(c));
  }

  // -- capacity ----------------------------------------------------------------------------------

  findEngineCapacityRps(request: CapacityRequest): EngineCapacity | null {
    if (!(request.isl > 0)) return null;
    switch (this.workerType) {
      case 'prefill':
        return this.findPrefillCapacity(request);
      case 'decode':
        return this.findDecodeCapacity(request);
      case 'aggregated':
        return this.findAggCapacity(request);
    }
  }

  private effectivePrefillIsl(request: CapacityRequest): number {
    return Math.max(1, ceilPositive(request.isl * (1 - clampKvHitRate(request.kvHitRate))));
  }

  private decodeContextLength(request: CapacityRequest): number {
    return Math.max(1, request.isl + Math.floor(request.osl / 2));
  }

  private prefillMaxBatch(isl: number): number {
    const { maxNumSeqs, maxNumBatchedTokens } = this.limits;
    if (maxNumSeqs === 0 || maxNumBatchedTokens === 0) return 0;
    if (isl > maxNumBatchedTokens) return 1;
    return Math.min(maxNumSeqs, Math.floor(maxNumBatchedTokens / Math.max(1, isl)));
  }

  private decodeMaxBatch(contextLength: number): number {
    if (contextLength === 0) return 0;
    return Math.min(this.limits.maxNumSeqs, Math.floor(this.limits.maxKvTokens / contextLength));
  }

  private findPrefillCapacity(request: CapacityRequest): EngineCapacity | null {
    const isl = this.effectivePrefillIsl(request);
    const maxBatch = this.prefillMaxBatch(isl);
    if (maxBatch === 0) return null;
    let best: EngineCapacity | null = null;
    for (const batch of capacityBatchSizes(maxBatch)) {
      const ttft = this.prefillTimeForTokensMs(isl * batch);
      if (ttft === null) return null;
      if (ttft === 0) continue;
      const eligible = slaOk(ttft, request.ttftSlaMs) && slaOk(null, request.itlSlaMs) && slaOk(ttft, request.e2eSlaMs);
      best = selectCapacity(best, { rps: batch / (ttft / 1000), ttftMs: ttft, itlMs: null, e2eMs: ttft, eligible });
    }
    return best;
  }

  private findDecodeCapacity(request: CapacityRequest): EngineCapacity | null {
    if (request.osl === 0) return null;
    const accept = normalizedAcceptLength(request.acceptLength);
    const ctx = this.decodeContextLength(request);
    const maxBatch = this.decodeMaxBatch(ctx);
    if (maxBatch === 0) return null;
    let best: EngineCapacity | null = null;
    for (const batch of capacityBatchSizes(maxBatch)) {
      const fwd = this.decodeMs(batch, ctx);
      if (fwd === null) return null;
      if (fwd === 0) continue;
      const itl = fwd / accept;
      const eligible = slaOk(null, request.ttftSlaMs) && slaOk(itl, request.itlSlaMs) && slaOk(null, request.e2eSlaMs);
      best = selectCapacity(best, { rps: batch / (request.osl * (itl / 1000)), ttftMs: null, itlMs: itl, e2eMs: null, eligible });
    }
    return best;
  }

  private findAggCapacity(request: CapacityRequest): EngineCapacity | null {
    const mbt = this.limits.maxNumBatchedTokens;
    if (request.osl === 0 || mbt <= 1) return null;
    const isl = this.effectivePrefillIsl(request);
    const accept = normalizedAcceptLength(request.acceptLength);
    const ctx = this.decodeContextLength(request);
    const hardCap = Math.min(this.decodeMaxBatch(ctx), Math.max(1, mbt - 1));
    if (hardCap === 0) return null;
    let best: EngineCapacity | null = null;
    for (const batch of capacityBatchSizes(hardCap)) {
      if (!prefillDecodeBalanced(isl, request.osl, batch, mbt, accept)) continue;
      const decodeKv = batch * ctx;
      const prefillPerIter = Math.min(mbt, aggregatePrefillPerIter(isl, request.osl, batch, accept));
      const fwd = this.mixedMs(prefillPerIter, batch, decodeKv);
      if (fwd === null) return null;
      if (fwd === 0) continue;
      const itl = fwd / accept;
      const ttft = this.chunkedMs(prefillPerIter + isl, (c) => this.mixedMs(c, batch, decodeKv));
      if (ttft === null) return null;
      const e2e = ttft + itl * Math.max(0, request.osl - 1);
      const eligible = slaOk(ttft, request.ttftSlaMs) && slaOk(itl, request.itlSlaMs) && slaOk(e2e, request.e2eSlaMs);
      best = selectCapacity(best, { rps: batch / (request.osl * (itl / 1000)), ttftMs: ttft, itlMs: itl, e2eMs: e2e, eligible });
    }
    return best;
  }
}

// ---- planner adapter (reference PlannerEnginePerfModel) -----------------------------------------

export interface QueuedPrefillQuery {
  kvHitRate?: number | null;
  queueScale?: number;
  decodeScale?: number;
  includeQueuedDecode?: boolean;
  addNextRequest?: boolean;
}

export interface ScheduledDecodeQuery {
  decodeScale?: number;
  includeQueuedDecode?: boolean;
  includeQueuedPrefillAsKv?: boolean;
  addNextRequest?: boolean;
}

/** What the planner asks of an engine's capacity: the same shape as the engine-level request. */
export type PlannerCapacityQuery = CapacityRequest;

/** Limits from capabilities: null when missing or any published limit is ≤ 0 (model unavailable). */
export function limitsFromCapabilities(caps: EngineCapabilities | null | undefined): EnginePerfLimits | null {
  if (!caps) return null;
  if (caps.max_num_batched_tokens !== null && caps.max_num_batched_tokens <= 0) return null;
  if (caps.max_num_seqs !== null && caps.max_num_seqs <= 0) return null;
  if (caps.max_kv_tokens !== null && caps.max_kv_tokens <= 0) return null;
  return {
    maxNumBatchedTokens: caps.max_num_batched_tokens || DEFAULT_MAX_NUM_BATCHED_TOKENS,
    maxNumSeqs: caps.max_num_seqs || DEFAULT_MAX_NUM_SEQS,
    maxKvTokens: caps.max_kv_tokens || DEFAULT_MAX_KV_TOKENS,
  };
}

export function regressionOptionsFromConfig(config: Pick<PlannerConfig, 'max_num_fpm_samples' | 'load_min_observations' | 'fpm_sample_bucket_size'>): RegressionOptions {
  return {
    maxObservations: config.max_num_fpm_samples,
    minObservations: config.load_min_observations,
    bucketCount: config.fpm_sample_bucket_size,
  };
}

const ceilNonNeg = (v: number): number => (v <= 0 ? 0 : Math.ceil(v));

/**
 * The planner-facing model of one role: adds the hypothetical next request to load estimates,
 * applies the router's prefix-hit discount to queued prefill, and keeps the moving averages of
 * prompt and decode lengths it uses for that request.
 */
export class PlannerEnginePerfModel implements CapacityModel {
  readonly engine: EnginePerfModel | null;
  private readonly avgIslMa: MovingAverage;
  private readonly avgDecodeLengthMa: MovingAverage;

  constructor(
    readonly workerType: WorkerType,
    readonly options: RegressionOptions,
    capabilities: EngineCapabilities | null | undefined,
    /** Builds the forward-pass model for these limits (default: the regression). */
    forwardPassModel?: (limits: EnginePerfLimits) => ForwardPassModel,
  ) {
    const limits = limitsFromCapabilities(capabilities);
    this.engine = limits ? new EnginePerfModel(workerType, limits, options, 1, forwardPassModel?.(limits)) : null;
    this.avgIslMa = new MovingAverage(options.maxObservations);
    this.avgDecodeLengthMa = new MovingAverage(options.maxObservations);
  }

  get avgIsl(): number {
    return this.avgIslMa.value;
  }
  get avgDecodeLength(): number {
    return this.avgDecodeLengthMa.value;
  }
  get minObservations(): number {
    return this.options.minObservations;
  }
  get numObservations(): number {
    return this.engine ? this.engine.regression.retainedObservations : 0;
  }
  hasSufficientData(): boolean {
    return this.engine !== null && this.engine.ready;
  }

  /** Live passes, one per engine (each its own iteration at attention-DP 1). */
  addObservations(passes: readonly ForwardPassSnapshot[]): void {
    for (const p of passes) this.observeForNextRequest(p);
    this.engine?.tune(passes.map((p) => [p]));
  }

  /** Bootstrap passes (same path as live ones). */
  loadBenchmarkFpms(passes: readonly ForwardPassSnapshot[]): void {
    this.addObservations(passes);
  }

  private observeForNextRequest(p: ForwardPassSnapshot): void {
    this.avgIslMa.addAfterFirstNonzero(p.numPrefillRequests > 0 ? p.sumPrefillTokens / p.numPrefillRequests : 0);
    if (p.numDecodeRequests > 0) this.avgDecodeLengthMa.addAfterFirstNonzero(p.sumDecodeKvTokens / p.numDecodeRequests);
  }

  /** Estimated TTFT (seconds) of a request arriving now on the engine whose ranks are `group`. */
  estimateQueuedPrefillTime(group: readonly ForwardPassSnapshot[], q: QueuedPrefillQuery = {}): number | null {
    if (!this.engine) return null;
    const queueScale = q.queueScale ?? 1;
    const decodeScale = q.decodeScale ?? 1;
    const prefillScale = 1 - clampKvHitRate(q.kvHitRate);
    const ranks = group.map((p) => {
      let queuedTokens = p.sumQueuedPrefillTokens * queueScale;
      let queuedRequests = p.numQueuedPrefill * queueScale;
      if ((q.addNextRequest ?? true) && this.avgIsl > 0) {
        queuedTokens += this.avgIsl;
        queuedRequests += 1;
      }
      queuedTokens *= prefillScale;
      let decodeKv = p.sumDecodeKvTokens;
      let decodeRequests = p.numDecodeRequests;
      if (q.includeQueuedDecode) {
        decodeKv += p.sumQueuedDecodeKvTokens;
        decodeRequests += p.numQueuedDecode;
      }
      return makePass({
        numDecodeRequests: ceilNonNeg(decodeRequests * decodeScale),
        sumDecodeKvTokens: ceilNonNeg(decodeKv * decodeScale),
        numQueuedPrefill: ceilNonNeg(queuedRequests),
        sumQueuedPrefillTokens: ceilNonNeg(queuedTokens),
      });
    });
    const ms = this.engine.queuedPrefillTimeMs(ranks);
    return ms === null ? null : ms / 1000;
  }

  /** Estimated next decode iteration (seconds, not divided by the accept length). */
  estimateScheduledDecodeItl(group: readonly ForwardPassSnapshot[], q: ScheduledDecodeQuery = {}): number | null {
    if (!this.engine) return null;
    const decodeScale = q.decodeScale ?? 1;
    const ranks = group.map((p) => {
      let prefillTokens = p.sumPrefillTokens;
      let prefillRequests = p.numPrefillRequests;
      if (this.workerType === 'aggregated') {
        // The agg path ignores the pass's own prefill; the engine substitutes its typical mix.
        prefillTokens = 0;
        prefillRequests = 0;
      }
      let decodeKv = p.sumDecodeKvTokens;
      let decodeRequests = p.numDecodeRequests;
      if (q.includeQueuedDecode ?? true) {
        decodeKv += p.sumQueuedDecodeKvTokens;
        decodeRequests += p.numQueuedDecode;
      }
      if (q.includeQueuedPrefillAsKv) {
        decodeKv += p.sumQueuedPrefillTokens;
        decodeRequests += p.numQueuedPrefill;
      }
      decodeKv *= decodeScale;
      decodeRequests *= decodeScale;
      if ((q.addNextRequest ?? true) && this.avgDecodeLength > 0) {
        decodeKv += this.avgDecodeLength;
        decodeRequests += 1;
      }
      return makePass({
        numPrefillRequests: ceilNonNeg(prefillRequests),
        sumPrefillTokens: ceilNonNeg(prefillTokens),
        numDecodeRequests: ceilNonNeg(decodeRequests),
        sumDecodeKvTokens: ceilNonNeg(decodeKv),
      });
    });
    const ms = this.engine.scheduledDecodeItlMs(ranks);
    return ms === null ? null : ms / 1000;
  }

  findEngineCapacityRps(q: PlannerCapacityQuery): EngineCapacity | null {
    if (!this.engine) return null;
    if (!(q.isl > 0)) return null;
    if (this.workerType !== 'prefill' && !(q.osl > 0)) return null;
    const request: CapacityRequest = {
      isl: Math.ceil(q.isl),
      osl: Math.max(1, Math.ceil(q.osl)),
      ttftSlaMs: q.ttftSlaMs ?? null,
      itlSlaMs: q.itlSlaMs ?? null,
      e2eSlaMs: q.e2eSlaMs ?? null,
      kvHitRate: q.kvHitRate ?? null,
      acceptLength: this.workerType === 'prefill' ? 1 : Math.max(1, q.acceptLength ?? 1),
    };
    return this.engine.findEngineCapacityRps(request);
  }
}

export { emptyPass };
