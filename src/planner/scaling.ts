// The planner's scaling decisions (reference PlannerScalingState with its load-scaling and
// throughput-scaling parts, planner.md §6–§9), for all four modes.
//
// Load scaling runs every load tick from the latest forward pass of every engine: ±1 replica
// (all engines over the SLA → up; the consolidation test → down), or the static thresholds of the
// easy targets. Throughput scaling runs every throughput tick from the predicted demand and the
// engine capacity; with load scaling on it only sets floors. Both go through the GPU budget guard.
// Each decision leaves its reason in the tick diagnostics (the report's vocabulary, §12).

import { resolveMinEndpoint } from './config.js';
import type { PlannerConfig } from './config.js';
import {
  fitDirectionalBudgetPair,
  guardDisaggScalingBudget,
  guardSingleScalingBudget,
  proportionalClampPair,
} from './budget.js';
import { PlannerEnginePerfModel, regressionOptionsFromConfig } from './perf-model.js';
import type { EngineCapacity, PlannerCapacityQuery } from './perf-model.js';
import type { EngineCapabilities, ForwardPassSnapshot, Role, WorkerCapabilities } from './types.js';

/** One engine's latest pass, keyed by worker and attention-DP rank. */
export interface EngineFpm {
  workerId: number;
  dpRank: number;
  pass: ForwardPassSnapshot;
}

export interface FpmObservations {
  prefill: readonly EngineFpm[] | null;
  decode: readonly EngineFpm[] | null;
}

export interface WorkerCounts {
  readyPrefill: number | null;
  readyDecode: number | null;
  expectedPrefill: number | null;
  expectedDecode: number | null;
  prefillInProgress?: boolean;
  decodeInProgress?: boolean;
}

export interface ScalingDecision {
  numPrefill: number | null;
  numDecode: number | null;
}

export interface TickDiagnostics {
  estimatedTtftMs: number | null;
  estimatedItlMs: number | null;
  predictedNumReq: number | null;
  predictedIsl: number | null;
  predictedOsl: number | null;
  predictedKvHitRate: number | null;
  engineRpsPrefill: number | null;
  engineRpsDecode: number | null;
  throughputLowerBoundPrefill: number;
  throughputLowerBoundDecode: number;
  loadReason: string | null;
  throughputReason: string | null;
  loadReasonPrefill: string | null;
  loadReasonDecode: string | null;
  throughputReasonPrefill: string | null;
  throughputReasonDecode: string | null;
}

export interface TrafficForThroughput {
  durationS: number;
}

export interface ThroughputPrediction {
  numReq: number | null;
  isl: number | null;
  osl: number | null;
  kvHitRate: number | null;
  acceptLength?: number | null;
}

/** Capacity queries throughput scaling makes (the perf model, or a test stub). */
export interface CapacitySource {
  findEngineCapacityRps(query: PlannerCapacityQuery): EngineCapacity | null;
}

export interface ScalingModels {
  prefill?: PlannerEnginePerfModel | null;
  decode?: PlannerEnginePerfModel | null;
  agg?: PlannerEnginePerfModel | null;
}

// Easy-mode thresholds.
const PREFILL_THROUGHPUT_UP = 1.0;
const PREFILL_THROUGHPUT_DOWN = 0.1;
const PREFILL_LATENCY_UP = 0.1;
const PREFILL_LATENCY_DOWN = 0.0;
const DECODE_THROUGHPUT_UP = 1.0;
const DECODE_THROUGHPUT_DOWN = 0.6;
const DECODE_LATENCY_UP = 0.4;
const DECODE_LATENCY_DOWN = 0.1;

const REASON_PRIORITY: Readonly<Record<string, number>> = { scale_up: 4, scale_down_capped_by_throughput: 3, scale_down: 2, no_change: 1 };

/** Sorted by worker id, then rank. */
function sortedEngines(fpms: readonly EngineFpm[]): EngineFpm[] {
  return [...fpms].sort((a, b) => a.workerId - b.workerId || a.dpRank - b.dpRank);
}

/** How one engine would fare with one worker fewer: within its SLA budget, unknown, or over it. */
type Consolidated = 'fits' | 'unknown' | 'over';

/**
 * The SLA load scan over engines (sorted): each engine's estimate (ms, null = none), and whether
 * every engine would still meet the SLA with one worker fewer (checked until one would not;
 * `refused` when one was over, rather than unknown).
 */
function scanEngines(
  stats: readonly EngineFpm[],
  n: number,
  estimateMs: (pass: ForwardPassSnapshot) => number | null,
  consolidated: (pass: ForwardPassSnapshot) => Consolidated,
): { estimates: number[]; canScaleDown: boolean; refused: boolean } {
  const estimates: number[] = [];
  let canScaleDown = n > 1;
  let refused = false;
  for (const e of sortedEngines(stats)) {
    const est = estimateMs(e.pass);
    if (est !== null) estimates.push(est);
    if (!canScaleDown) continue;
    const c = consolidated(e.pass);
    if (c !== 'fits') {
      canScaleDown = false;
      refused = c === 'over';
    }
  }
  return { estimates, canScaleDown, refused };
}

const toMs = (seconds: number | null) => (seconds === null ? null : seconds * 1000);

export class PlannerScalingState {
  readonly isAgg: boolean;
  readonly hasPrefill: boolean;
  readonly hasDecode: boolean;
  readonly isEasy: boolean;

  prefillModel: PlannerEnginePerfModel | null = null;
  decodeModel: PlannerEnginePerfModel | null = null;
  aggModel: PlannerEnginePerfModel | null = null;

  numP = 0;
  numD = 0;
  private expectedP: number | null = null;
  private expectedD: number | null = null;
  private prefillInProgress = false;
  private decodeInProgress = false;

  throughputLowerBoundP = 1;
  throughputLowerBoundD = 1;
  lastKvHitRate: number | null = null;
  lastAcceptLength = 1.0;

  diag: TickDiagnostics;
  /** Capacity source overrides (tests). */
  capacityOverrides: { prefill?: CapacitySource; decode?: CapacitySource; agg?: CapacitySource } = {};

  constructor(
    readonly config: PlannerConfig,
    readonly capabilities: WorkerCapabilities = {},
    models: ScalingModels = {},
  ) {
    this.isAgg = config.mode === 'agg';
    this.hasPrefill = config.mode === 'disagg' || config.mode === 'prefill';
    this.hasDecode = config.mode === 'disagg' || config.mode === 'decode' || config.mode === 'agg';
    this.isEasy = config.optimization_target !== 'sla';
    const options = regressionOptionsFromConfig(config);
    if (!this.isEasy) {
      if (this.isAgg) this.aggModel = models.agg ?? new PlannerEnginePerfModel('aggregated', options, capabilities.decode);
      else {
        if (this.hasPrefill) this.prefillModel = models.prefill ?? new PlannerEnginePerfModel('prefill', options, capabilities.prefill);
        if (this.hasDecode) this.decodeModel = models.decode ?? new PlannerEnginePerfModel('decode', options, capabilities.decode);
      }
    }
    this.diag = this.emptyDiag();
  }

  private emptyDiag(): TickDiagnostics {
    return {
      estimatedTtftMs: null,
      estimatedItlMs: null,
      predictedNumReq: null,
      predictedIsl: null,
      predictedOsl: null,
      predictedKvHitRate: null,
      engineRpsPrefill: null,
      engineRpsDecode: null,
      throughputLowerBoundPrefill: this.throughputLowerBoundP,
      throughputLowerBoundDecode: this.throughputLowerBoundD,
      loadReason: null,
      throughputReason: null,
      loadReasonPrefill: null,
      loadReasonDecode: null,
      throughputReasonPrefill: null,
      throughputReasonDecode: null,
    };
  }

  beginTick(): void {
    this.diag = this.emptyDiag();
  }

  diagnostics(): TickDiagnostics {
    return { ...this.diag, throughputLowerBoundPrefill: this.throughputLowerBoundP, throughputLowerBoundDecode: this.throughputLowerBoundD };
  }

  // ---- inventory and observations ---------------------------------------------------------------

  observeWorkerCounts(c: WorkerCounts): void {
    if (c.readyPrefill !== null) this.numP = c.readyPrefill;
    if (c.readyDecode !== null) this.numD = c.readyDecode;
    this.expectedP = c.expectedPrefill;
    this.expectedD = c.expectedDecode;
    this.prefillInProgress = c.prefillInProgress ?? false;
    this.decodeInProgress = c.decodeInProgress ?? false;
  }

  scalingInProgress(role: Role): boolean {
    if (role === 'prefill') return this.prefillInProgress || (this.expectedP !== null && this.expectedP !== this.numP);
    return this.decodeInProgress || (this.expectedD !== null && this.expectedD !== this.numD);
  }

  /** Tunes the perf models with the engines' latest passes (SLA mode only). */
  observeFpm(obs: FpmObservations): void {
    if (this.isEasy) return;
    const passes = (list: readonly EngineFpm[] | null) => sortedEngines(list ?? []).map((e) => e.pass);
    if (this.isAgg) {
      if (obs.decode && obs.decode.length > 0) this.aggModel?.addObservations(passes(obs.decode));
      return;
    }
    if (obs.prefill && obs.prefill.length > 0 && this.hasPrefill) this.prefillModel?.addObservations(passes(obs.prefill));
    if (obs.decode && obs.decode.length > 0 && this.hasDecode) this.decodeModel?.addObservations(passes(obs.decode));
  }

  effectiveSpeculativeNextn(): number {
    const n = this.capabilities.decode?.speculative_nextn;
    if (n && n > 0) return n;
    return Math.max(0, Math.trunc(this.config.speculative_nextn));
  }

  clampAcceptLength(v: number | null | undefined): number {
    const nextn = this.effectiveSpeculativeNextn();
    if (nextn <= 0) return 1.0;
    if (v === null || v === undefined || !Number.isFinite(v)) return 1.0;
    return Math.min(Math.max(v, 1.0), nextn + 1);
  }

  currentAcceptLength(): number {
    return this.clampAcceptLength(this.lastAcceptLength);
  }

  observeRuntimeMetadata(kvHitRate: number | null | undefined, acceptLength: number | null | undefined): void {
    if (kvHitRate !== null && kvHitRate !== undefined && !Number.isNaN(kvHitRate)) this.lastKvHitRate = kvHitRate;
    if (acceptLength !== null && acceptLength !== undefined && Number.isFinite(acceptLength)) this.lastAcceptLength = this.clampAcceptLength(acceptLength);
  }

  // ---- budget glue -------------------------------------------------------------------------------

  private caps(role: Role): EngineCapabilities | null | undefined {
    return role === 'prefill' ? this.capabilities.prefill : this.capabilities.decode;
  }

  private gpuCost(role: Role): number | null {
    const c = this.caps(role);
    return c && c.num_gpu !== null ? c.num_gpu : null;
  }

  minEndpoint(role: Role): number {
    return resolveMinEndpoint(this.config, role);
  }

  private guardSingle(desired: number, role: Role, minGpus: number): [number, string | null] {
    const gpu = this.gpuCost(role);
    if (gpu === null) return [desired, null];
    const current = role === 'prefill' ? this.numP : this.numD;
    return guardSingleScalingBudget(current, desired, gpu, minGpus, this.config.max_gpu_budget, this.minEndpoint(role));
  }

  applySingleScalingBudget(desired: number, role: Role): [number, string | null] {
    return this.guardSingle(desired, role, this.config.min_gpu_budget);
  }

  fitSingleThroughputCeiling(desired: number, role: Role): [number, string | null] {
    return this.guardSingle(desired, role, -1);
  }

  fitDisaggThroughputCeiling(numP: number, numD: number): [number, number] {
    const pGpu = this.gpuCost('prefill');
    const dGpu = this.gpuCost('decode');
    if (pGpu === null || dGpu === null) return [numP, numD];
    const pMin = this.minEndpoint('prefill');
    const dMin = this.minEndpoint('decode');
    if (this.numP < pMin || this.numD < dMin) {
      return proportionalClampPair(Math.max(numP, pMin), Math.max(numD, dMin), pGpu, dGpu, -1, this.config.max_gpu_budget, pMin, dMin);
    }
    return fitDirectionalBudgetPair(this.numP, this.numD, numP, numD, pGpu, dGpu, -1, this.config.max_gpu_budget, pMin, dMin);
  }

  applyDisaggScalingBudget(numP: number, numD: number): [number, number, string | null] {
    const pGpu = this.gpuCost('prefill');
    const dGpu = this.gpuCost('decode');
    if (pGpu === null || dGpu === null) return [numP, numD, null];
    const pMin = this.minEndpoint('prefill');
    const dMin = this.minEndpoint('decode');
    if (this.numP < pMin || this.numD < dMin) {
      const [p, d] = proportionalClampPair(Math.max(numP, pMin), Math.max(numD, dMin), pGpu, dGpu, this.config.min_gpu_budget, this.config.max_gpu_budget, pMin, dMin);
      return [p, d, 'gpu_budget_reconcile'];
    }
    return guardDisaggScalingBudget(this.numP, this.numD, numP, numD, pGpu, dGpu, this.config.min_gpu_budget, this.config.max_gpu_budget, pMin, dMin);
  }

  // ---- load scaling ------------------------------------------------------------------------------

  advanceLoad(obs: FpmObservations, predictedKvHitRate?: number | null, predictedAcceptLength?: number | null): ScalingDecision | null {
    this.observeRuntimeMetadata(predictedKvHitRate, predictedAcceptLength);
    if (!this.config.enable_load_scaling) {
      this.diag.loadReason = 'disabled';
      return null;
    }
    if (this.config.mode === 'agg') return this.advanceLoadAgg(obs);
    if (this.config.mode === 'disagg') return this.advanceLoadDisagg(obs);
    return this.advanceLoadSingle(obs, this.config.mode);
  }

  /** Exactly `ready` workers, each with the same number of ranks, and every (worker, rank) present. */
  static reconcileFpmWorkerCount(fpms: readonly EngineFpm[], count: number): boolean {
    const byWorker = new Map<number, Set<number>>();
    for (const e of fpms) {
      let s = byWorker.get(e.workerId);
      if (!s) byWorker.set(e.workerId, (s = new Set()));
      s.add(e.dpRank);
    }
    if (byWorker.size !== count) return false;
    const sizes = new Set([...byWorker.values()].map((s) => s.size));
    if (sizes.size > 1) return false;
    const dp = sizes.size === 0 ? 1 : [...sizes][0]!;
    return fpms.length === count * dp;
  }

  private advanceLoadSingle(obs: FpmObservations, role: Role): ScalingDecision | null {
    if (this.scalingInProgress(role)) {
      this.diag.loadReason = 'scaling_in_progress';
      return null;
    }
    const stats = role === 'prefill' ? obs.prefill : obs.decode;
    const n = role === 'prefill' ? this.numP : this.numD;
    if (!stats || stats.length === 0) {
      this.diag.loadReason = 'no_fpm_data';
      return null;
    }
    if (!PlannerScalingState.reconcileFpmWorkerCount(stats, n)) {
      this.diag.loadReason = 'worker_count_mismatch';
      return null;
    }
    let desired = this.isEasy
      ? role === 'prefill'
        ? this.prefillEasyDecision(stats, n)
        : this.decodeEasyDecision(stats, n)
      : role === 'prefill'
        ? this.prefillLoadDecision(stats, n)
        : this.decodeLoadDecision(stats, n);
    if (desired === null) return null;
    const original = desired;
    if (this.config.enable_throughput_scaling) desired = Math.max(desired, role === 'prefill' ? this.throughputLowerBoundP : this.throughputLowerBoundD);
    const [final, budgetReason] = this.applySingleScalingBudget(desired, role);
    if (final < n) this.diag.loadReason = final > original ? 'scale_down_capped_by_throughput' : 'scale_down';
    else if (final > n) this.diag.loadReason = 'scale_up';
    else this.diag.loadReason = 'no_change';
    if (budgetReason !== null) this.diag.loadReason = budgetReason;
    return role === 'prefill' ? { numPrefill: final, numDecode: null } : { numPrefill: null, numDecode: final };
  }

  private advanceLoadDisagg(obs: FpmObservations): ScalingDecision | null {
    const pStats = obs.prefill && obs.prefill.length > 0 ? obs.prefill : null;
    const dStats = obs.decode && obs.decode.length > 0 ? obs.decode : null;
    const both = (reason: string) => {
      this.diag.loadReason = reason;
      this.diag.loadReasonPrefill = reason;
      this.diag.loadReasonDecode = reason;
    };
    if (!pStats && !dStats) {
      both('no_fpm_data');
      return null;
    }
    if (this.scalingInProgress('prefill') || this.scalingInProgress('decode')) {
      both('scaling_in_progress');
      return null;
    }
    if ((pStats && !PlannerScalingState.reconcileFpmWorkerCount(pStats, this.numP)) || (dStats && !PlannerScalingState.reconcileFpmWorkerCount(dStats, this.numD))) {
      both('worker_count_mismatch');
      return null;
    }
    let pReason: string | null = null;
    let pDesired: number | null = null;
    if (pStats) {
      this.diag.loadReason = null;
      pDesired = this.isEasy ? this.prefillEasyDecision(pStats, this.numP) : this.prefillLoadDecision(pStats, this.numP);
      pReason = this.diag.loadReason;
    }
    let dReason: string | null = null;
    let dDesired: number | null = null;
    if (dStats) {
      this.diag.loadReason = null;
      dDesired = this.isEasy ? this.decodeEasyDecision(dStats, this.numD) : this.decodeLoadDecision(dStats, this.numD);
      dReason = this.diag.loadReason;
    }
    let finalP = pDesired ?? this.numP;
    let finalD = dDesired ?? this.numD;
    const originalP = finalP;
    const originalD = finalD;
    if (this.config.enable_throughput_scaling) {
      finalP = Math.max(finalP, this.throughputLowerBoundP);
      finalD = Math.max(finalD, this.throughputLowerBoundD);
    }
    const postFloorP = finalP;
    const postFloorD = finalD;
    finalP = Math.max(finalP, this.minEndpoint('prefill'));
    finalD = Math.max(finalD, this.minEndpoint('decode'));
    if (this.config.enable_throughput_scaling && (postFloorP > originalP || postFloorD > originalD)) {
      [finalP, finalD] = this.fitDisaggThroughputCeiling(finalP, finalD);
    }
    const [p, d, budgetReason] = this.applyDisaggScalingBudget(finalP, finalD);
    finalP = p;
    finalD = d;
    const reasonOf = (final: number, original: number, postFloor: number, current: number): string => {
      const floorCapped = postFloor > original && original < current;
      if (final > current) return 'scale_up';
      if (final < current) return floorCapped ? 'scale_down_capped_by_throughput' : 'scale_down';
      return floorCapped ? 'scale_down_capped_by_throughput' : 'no_change';
    };
    this.diag.loadReasonPrefill = reasonOf(finalP, originalP, postFloorP, this.numP);
    this.diag.loadReasonDecode = reasonOf(finalD, originalD, postFloorD, this.numD);
    const rp = REASON_PRIORITY[this.diag.loadReasonPrefill] ?? 0;
    const rd = REASON_PRIORITY[this.diag.loadReasonDecode] ?? 0;
    this.diag.loadReason = rd > rp ? this.diag.loadReasonDecode : this.diag.loadReasonPrefill;
    if (budgetReason !== null) this.diag.loadReason = budgetReason;
    if (finalP === this.numP && finalD === this.numD) {
      if (pReason !== null && pReason !== 'no_change') this.diag.loadReasonPrefill = pReason;
      if (dReason !== null && dReason !== 'no_change') this.diag.loadReasonDecode = dReason;
      if (budgetReason === null) {
        for (const candidate of [pReason, dReason]) {
          if (candidate !== null && candidate !== 'no_change') {
            this.diag.loadReason = candidate;
            break;
          }
        }
      }
      return null;
    }
    return { numPrefill: finalP, numDecode: finalD };
  }

  private advanceLoadAgg(obs: FpmObservations): ScalingDecision | null {
    const stats = obs.decode && obs.decode.length > 0 ? obs.decode : null;
    if (!stats) {
      this.diag.loadReason = 'no_fpm_data';
      return null;
    }
    const n = this.numD;
    if (this.scalingInProgress('decode')) {
      this.diag.loadReason = 'scaling_in_progress';
      return null;
    }
    if (!PlannerScalingState.reconcileFpmWorkerCount(stats, n)) {
      this.diag.loadReason = 'worker_count_mismatch';
      return null;
    }
    if (this.isEasy) {
      let desired = this.aggEasyDecision(stats, n);
      if (desired === null) return null;
      const original = desired;
      desired = Math.max(desired, this.minEndpoint('decode'));
      if (this.config.enable_throughput_scaling) desired = Math.max(desired, this.throughputLowerBoundD);
      const [final, budgetReason] = this.applySingleScalingBudget(desired, 'decode');
      if (final < n) this.diag.loadReason = final > original ? 'scale_down_capped_by_throughput' : 'scale_down';
      else if (final > n) this.diag.loadReason = 'scale_up';
      else this.diag.loadReason = 'no_change';
      if (budgetReason !== null) this.diag.loadReason = budgetReason;
      return { numPrefill: null, numDecode: final };
    }
    const model = this.aggModel;
    if (!model || !model.hasSufficientData()) {
      this.diag.loadReason = 'insufficient_data';
      return null;
    }
    const mbt = this.capabilities.decode?.max_num_batched_tokens;
    const pDesired = !mbt || mbt <= 0 ? null : this.aggPrefillScaling(stats, n);
    const pRefused = this.diag.loadReason === 'scale_down_refused_consolidation';
    const dDesired = this.aggDecodeScaling(stats, n);
    const dRefused = this.diag.loadReason === 'scale_down_refused_consolidation';
    const anyRefused = pRefused || dRefused;
    let desired: number;
    if (pDesired !== null && pDesired > n) desired = pDesired;
    else if (dDesired !== null && dDesired > n) desired = dDesired;
    else if (pDesired === null && dDesired !== null && dDesired < n) desired = dDesired;
    else if (pDesired !== null && pDesired < n && dDesired !== null && dDesired < n) desired = Math.max(pDesired, dDesired);
    else desired = n;
    const original = desired;
    desired = Math.max(desired, this.minEndpoint('decode'));
    if (this.config.enable_throughput_scaling) desired = Math.max(desired, this.throughputLowerBoundD);
    const [final, budgetReason] = this.applySingleScalingBudget(desired, 'decode');
    const floorCapped = final > original && original < n;
    if (final === n) {
      if (budgetReason !== null) this.diag.loadReason = budgetReason;
      else if (anyRefused && !floorCapped) this.diag.loadReason = 'scale_down_refused_consolidation';
      else this.diag.loadReason = floorCapped ? 'scale_down_capped_by_throughput' : 'no_change';
      return null;
    }
    this.diag.loadReason = final < n ? (floorCapped ? 'scale_down_capped_by_throughput' : 'scale_down') : 'scale_up';
    if (budgetReason !== null) this.diag.loadReason = budgetReason;
    return { numPrefill: null, numDecode: final };
  }

  private scaleDecision(estimates: readonly number[], sla: number, n: number, minEndpoint: number, canScaleDown: boolean): number | null {
    if (estimates.length === 0) {
      this.diag.loadReason = 'insufficient_data';
      return null;
    }
    if (estimates.every((t) => t > sla)) return n + 1;
    if (n > 1 && canScaleDown) return Math.max(n - 1, minEndpoint);
    this.diag.loadReason = 'no_change';
    return null;
  }

  private recordEstimate(field: 'estimatedTtftMs' | 'estimatedItlMs', estimates: readonly number[]): void {
    if (estimates.length > 0) this.diag[field] = Math.max(...estimates);
  }

  /**
   * The end of every SLA load decision: record the worst estimate, decide ±1, and report a
   * scale-down the consolidation test refused (agg then holds its count explicitly).
   */
  private concludeLoad(
    field: 'estimatedTtftMs' | 'estimatedItlMs',
    estimates: readonly number[],
    slaMs: number,
    n: number,
    role: 'prefill' | 'decode',
    canScaleDown: boolean,
    refused: boolean,
    holdWhenRefused: boolean,
  ): number | null {
    this.recordEstimate(field, estimates);
    const decision = this.scaleDecision(estimates, slaMs, n, this.minEndpoint(role), canScaleDown);
    if (decision !== null || !refused) return decision;
    this.diag.loadReason = 'scale_down_refused_consolidation';
    return holdWhenRefused ? n : null;
  }

  prefillLoadDecision(stats: readonly EngineFpm[], n: number): number | null {
    const model = this.prefillModel;
    if (!model || !model.hasSufficientData() || n === 0) {
      this.diag.loadReason = 'insufficient_data';
      return null;
    }
    const mbt = this.capabilities.prefill?.max_num_batched_tokens;
    if (!mbt || mbt <= 0) {
      this.diag.loadReason = 'insufficient_data';
      return null;
    }
    const kv = this.lastKvHitRate;
    const consolidation = n > 1 ? n / (n - 1) : 1;
    const scan = scanEngines(
      stats,
      n,
      (p) => toMs(model.estimateQueuedPrefillTime([p], { kvHitRate: kv })),
      (p) =>
        this.ttftConsolidated(
          toMs(model.estimateQueuedPrefillTime([p], { kvHitRate: kv, queueScale: 0 })),
          () => toMs(model.estimateQueuedPrefillTime([p], { kvHitRate: kv, queueScale: consolidation })),
        ),
    );
    return this.concludeLoad('estimatedTtftMs', scan.estimates, this.config.ttft_ms, n, 'prefill', scan.canScaleDown, scan.refused, false);
  }

  /**
   * TTFT with one worker fewer: the engine's own prefill time (`ownMs`) leaves a budget under the
   * SLA (scaled by the down sensitivity) that the extra queue consolidation brings must stay under.
   */
  private ttftConsolidated(ownMs: number | null, postMs: () => number | null): Consolidated {
    if (ownMs === null) return 'unknown';
    const budget = (this.config.ttft_ms - ownMs) * (this.config.load_scaling_down_sensitivity / 100);
    if (budget <= 0) return 'over';
    const post = postMs();
    if (post === null) return 'unknown';
    return post - ownMs >= budget ? 'over' : 'fits';
  }

  /** ITL with one worker fewer: the consolidated KV must fit the engine and its step the SLA. */
  private itlConsolidated(postKv: number, postItlMs: () => number | null): Consolidated {
    const maxKv = this.capabilities.decode?.max_kv_tokens ?? null;
    if (maxKv !== null && maxKv > 0 && postKv >= maxKv) return 'over';
    const post = postItlMs();
    if (post === null) return 'unknown';
    return post >= this.config.itl_ms * (this.config.load_scaling_down_sensitivity / 100) ? 'over' : 'fits';
  }

  decodeLoadDecision(stats: readonly EngineFpm[], n: number): number | null {
    const model = this.decodeModel;
    if (!model || !model.hasSufficientData() || n === 0) {
      this.diag.loadReason = 'insufficient_data';
      return null;
    }
    return this.itlLoad(model, stats, n, false);
  }

  private aggPrefillScaling(stats: readonly EngineFpm[], n: number): number | null {
    const model = this.aggModel!;
    const kv = this.lastKvHitRate;
    const consolidation = n > 1 ? n / (n - 1) : 1;
    const withDecode = { decodeScale: consolidation, includeQueuedDecode: true };
    const scan = scanEngines(
      stats,
      n,
      (p) => toMs(model.estimateQueuedPrefillTime([p], { kvHitRate: kv })),
      (p) => {
        // Both estimates are needed here: an unknown post-consolidation time is never a refusal.
        const post = toMs(model.estimateQueuedPrefillTime([p], { kvHitRate: kv, queueScale: consolidation, ...withDecode }));
        if (post === null) return 'unknown';
        return this.ttftConsolidated(toMs(model.estimateQueuedPrefillTime([p], { kvHitRate: kv, queueScale: 0, ...withDecode })), () => post);
      },
    );
    return this.concludeLoad('estimatedTtftMs', scan.estimates, this.config.ttft_ms, n, 'decode', scan.canScaleDown, scan.refused, true);
  }

  private aggDecodeScaling(stats: readonly EngineFpm[], n: number): number | null {
    return this.itlLoad(this.aggModel!, stats, n, true);
  }

  /**
   * The ITL load decision of decode (or aggregated) engines. An aggregated engine also holds its
   * queued prompts' KV, so they count in its consolidated KV and step.
   */
  private itlLoad(model: PlannerEnginePerfModel, stats: readonly EngineFpm[], n: number, agg: boolean): number | null {
    const consolidation = n > 1 ? n / (n - 1) : 1;
    const accept = this.currentAcceptLength();
    const itlMs = (s: number | null) => (s === null ? null : (s * 1000) / accept);
    const scan = scanEngines(
      stats,
      n,
      (p) => itlMs(model.estimateScheduledDecodeItl([p], { includeQueuedDecode: true })),
      (p) => {
        const kv = p.sumDecodeKvTokens + p.sumQueuedDecodeKvTokens + (agg ? p.sumQueuedPrefillTokens : 0);
        return this.itlConsolidated(Math.trunc(kv * consolidation), () =>
          itlMs(model.estimateScheduledDecodeItl([p], { decodeScale: consolidation, includeQueuedDecode: true, ...(agg ? { includeQueuedPrefillAsKv: true } : {}) })),
        );
      },
    );
    return this.concludeLoad('estimatedItlMs', scan.estimates, this.config.itl_ms, n, 'decode', scan.canScaleDown, scan.refused, agg);
  }

  // ---- easy targets ------------------------------------------------------------------------------

  prefillEasyDecision(stats: readonly EngineFpm[], n: number): number | null {
    if (n === 0) {
      this.diag.loadReason = 'insufficient_data';
      return null;
    }
    const target = this.config.optimization_target;
    const values: number[] = [];
    let up: number;
    let down: number;
    if (target === 'load') {
      const u = this.config.prefill_scale_up_queue_tokens;
      const d = this.config.prefill_scale_down_queue_tokens;
      if (u === null || d === null) {
        this.diag.loadReason = 'insufficient_data';
        return null;
      }
      up = u;
      down = d;
      for (const e of stats) values.push(e.pass.sumQueuedPrefillTokens);
    } else {
      const ctx = this.capabilities.prefill?.context_length;
      if (!ctx || ctx <= 0) {
        this.diag.loadReason = 'insufficient_data';
        return null;
      }
      up = target === 'latency' ? PREFILL_LATENCY_UP : PREFILL_THROUGHPUT_UP;
      down = target === 'latency' ? PREFILL_LATENCY_DOWN : PREFILL_THROUGHPUT_DOWN;
      for (const e of stats) values.push(e.pass.sumQueuedPrefillTokens / ctx);
    }
    if (values.length === 0) {
      this.diag.loadReason = 'insufficient_data';
      return null;
    }
    if (values.some((v) => v >= up)) return n + 1;
    if (n > 1) {
      const allDown = target === 'throughput' ? values.every((v) => v < down) : values.every((v) => v <= down);
      if (allDown) return Math.max(n - 1, this.minEndpoint('prefill'));
    }
    this.diag.loadReason = 'no_change';
    return null;
  }

  private kvThresholds(): [number, number] | null {
    const target = this.config.optimization_target;
    if (target === 'load') {
      const u = this.config.decode_scale_up_kv_rate;
      const d = this.config.decode_scale_down_kv_rate;
      if (u === null || d === null) return null;
      return [u / 100, d / 100];
    }
    return target === 'latency' ? [DECODE_LATENCY_UP, DECODE_LATENCY_DOWN] : [DECODE_THROUGHPUT_UP, DECODE_THROUGHPUT_DOWN];
  }

  private kvEasyDecision(utils: readonly number[], n: number): number | null {
    const thresholds = this.kvThresholds();
    if (thresholds === null || utils.length === 0) {
      this.diag.loadReason = 'insufficient_data';
      return null;
    }
    const [up, down] = thresholds;
    const isLoad = this.config.optimization_target === 'load';
    if (utils.some((u) => (isLoad ? u >= up : u > up))) return n + 1;
    const scaleDown = isLoad ? utils.every((u) => u <= down) : utils.every((u) => u < down);
    if (n > 1 && scaleDown) return Math.max(n - 1, this.minEndpoint('decode'));
    this.diag.loadReason = 'no_change';
    return null;
  }

  decodeEasyDecision(stats: readonly EngineFpm[], n: number): number | null {
    const maxKv = this.capabilities.decode?.max_kv_tokens;
    if (!maxKv || maxKv <= 0 || n === 0) {
      this.diag.loadReason = 'insufficient_data';
      return null;
    }
    return this.kvEasyDecision(
      stats.map((e) => (e.pass.sumDecodeKvTokens + e.pass.sumQueuedDecodeKvTokens) / maxKv),
      n,
    );
  }

  aggEasyDecision(stats: readonly EngineFpm[], n: number): number | null {
    const maxKv = this.capabilities.decode?.max_kv_tokens;
    if (!maxKv || maxKv <= 0 || n === 0) {
      this.diag.loadReason = 'insufficient_data';
      return null;
    }
    return this.kvEasyDecision(
      stats.map((e) => (e.pass.sumDecodeKvTokens + e.pass.sumQueuedDecodeKvTokens + e.pass.sumQueuedPrefillTokens) / maxKv),
      n,
    );
  }

  // ---- throughput scaling ------------------------------------------------------------------------

  advanceThroughput(traffic: TrafficForThroughput, prediction: ThroughputPrediction): ScalingDecision | null {
    if (!this.config.enable_throughput_scaling) {
      this.diag.throughputReason = 'disabled';
      return null;
    }
    if (prediction.numReq === null || prediction.isl === null || prediction.osl === null) return null;
    this.diag.predictedNumReq = prediction.numReq;
    this.diag.predictedIsl = prediction.isl;
    this.diag.predictedOsl = prediction.osl;
    this.diag.predictedKvHitRate = prediction.kvHitRate;
    this.observeRuntimeMetadata(prediction.kvHitRate, prediction.acceptLength);
    if (traffic.durationS <= 0) {
      this.diag.throughputReason = 'no_traffic_data';
      return null;
    }
    const demand = prediction.numReq / traffic.durationS;
    if (this.config.mode === 'agg') return this.throughputAgg(demand, prediction.isl, prediction.osl, prediction.kvHitRate);
    if (this.config.mode === 'disagg') return this.throughputDisagg(demand, prediction.isl, prediction.osl, prediction.kvHitRate);
    return this.throughputSingle(demand, prediction.isl, prediction.osl, this.config.mode, prediction.kvHitRate);
  }

  capThroughputReplicas(desired: number, current: number): number {
    const limit = this.config.max_throughput_scaling_replicas;
    return Math.min(Math.max(desired, Math.max(0, current - limit)), current + limit);
  }

  private capacity(role: 'prefill' | 'decode' | 'agg'): CapacitySource | null {
    const override = this.capacityOverrides[role];
    if (override) return override;
    return role === 'prefill' ? this.prefillModel : role === 'decode' ? this.decodeModel : this.aggModel;
  }

  computePrefillReplicas(demandRps: number, isl: number, osl: number, kvHitRate: number | null = null): number | null {
    const cap = this.capacity('prefill')?.findEngineCapacityRps({ isl, osl, ttftSlaMs: this.config.ttft_ms, kvHitRate }) ?? null;
    const rps = cap?.rps ?? 0;
    if (!(rps > 0)) {
      this.diag.throughputReason = 'model_not_ready';
      return null;
    }
    this.diag.engineRpsPrefill = rps;
    return Math.max(Math.ceil(demandRps / rps), this.minEndpoint('prefill'));
  }

  computeDecodeReplicas(demandRps: number, isl: number, osl: number): number | null {
    const cap = this.capacity('decode')?.findEngineCapacityRps({ isl, osl, itlSlaMs: this.config.itl_ms, acceptLength: this.currentAcceptLength() }) ?? null;
    const rps = cap?.rps ?? 0;
    if (!(rps > 0)) {
      this.diag.throughputReason = 'model_not_ready';
      return null;
    }
    this.diag.engineRpsDecode = rps;
    return Math.max(Math.ceil(demandRps / rps), this.minEndpoint('decode'));
  }

  private throughputSingle(demand: number, isl: number, osl: number, role: Role, kv: number | null): ScalingDecision | null {
    let desired = role === 'prefill' ? this.computePrefillReplicas(demand, isl, osl, kv) : this.computeDecodeReplicas(demand, isl, osl);
    const current = role === 'prefill' ? this.numP : this.numD;
    const notReady = desired === null;
    let d = desired ?? current;
    d = this.capThroughputReplicas(d, current);
    d = Math.max(d, this.minEndpoint(role));
    const [fitted, ceilingReason] = this.fitSingleThroughputCeiling(d, role);
    if (this.config.enable_load_scaling) {
      if (role === 'prefill') this.throughputLowerBoundP = fitted;
      else this.throughputLowerBoundD = fitted;
      this.diag.throughputReason = notReady ? 'model_not_ready' : ceilingReason === 'gpu_budget_guard_hold' ? 'gpu_budget_guard_hold' : 'set_lower_bound';
      return null;
    }
    const [final, budgetReason] = this.applySingleScalingBudget(fitted, role);
    desired = final;
    if (desired === current) {
      this.diag.throughputReason = notReady ? 'model_not_ready' : (budgetReason ?? ceilingReason ?? 'no_change');
      return null;
    }
    this.diag.throughputReason = notReady ? 'model_not_ready' : 'scale';
    return role === 'prefill' ? { numPrefill: desired, numDecode: null } : { numPrefill: null, numDecode: desired };
  }

  private throughputDisagg(demand: number, isl: number, osl: number, kv: number | null): ScalingDecision | null {
    let numP = this.computePrefillReplicas(demand, isl, osl, kv);
    let numD = this.computeDecodeReplicas(demand, isl, osl);
    const notReady = numP === null || numD === null;
    if (notReady) {
      this.diag.throughputReasonPrefill = numP === null ? 'model_not_ready' : 'partner_not_ready';
      this.diag.throughputReasonDecode = numD === null ? 'model_not_ready' : 'partner_not_ready';
      numP = this.numP;
      numD = this.numD;
    }
    let p = this.capThroughputReplicas(numP!, this.numP);
    let d = this.capThroughputReplicas(numD!, this.numD);
    p = Math.max(p, this.minEndpoint('prefill'));
    d = Math.max(d, this.minEndpoint('decode'));
    const boundedP = p;
    const boundedD = d;
    [p, d] = this.fitDisaggThroughputCeiling(p, d);
    const budgetHeld = p === this.numP && d === this.numD && (boundedP !== this.numP || boundedD !== this.numD);
    if (!notReady) {
      const reason = this.config.enable_load_scaling ? 'set_lower_bound' : 'scale';
      this.diag.throughputReasonPrefill = reason;
      this.diag.throughputReasonDecode = reason;
    }
    if (this.config.enable_load_scaling) {
      this.throughputLowerBoundP = p;
      this.throughputLowerBoundD = d;
      if (notReady) this.diag.throughputReason = 'model_not_ready';
      else if (budgetHeld) {
        this.diag.throughputReason = 'gpu_budget_guard_hold';
        this.diag.throughputReasonPrefill = 'gpu_budget_guard_hold';
        this.diag.throughputReasonDecode = 'gpu_budget_guard_hold';
      } else this.diag.throughputReason = 'set_lower_bound';
      return null;
    }
    const [fp, fd, budgetReason] = this.applyDisaggScalingBudget(p, d);
    if (fp === this.numP && fd === this.numD) {
      if (notReady) {
        this.diag.throughputReason = 'model_not_ready';
        return null;
      }
      const hold = budgetReason ?? (budgetHeld ? 'gpu_budget_guard_hold' : 'no_change');
      this.diag.throughputReason = hold;
      this.diag.throughputReasonPrefill = hold;
      this.diag.throughputReasonDecode = hold;
      return null;
    }
    this.diag.throughputReason = notReady ? 'model_not_ready' : 'scale';
    return { numPrefill: fp, numDecode: fd };
  }

  private throughputAgg(demand: number, isl: number, osl: number, kv: number | null): ScalingDecision | null {
    const mbt = this.capabilities.decode?.max_num_batched_tokens;
    const available = !!mbt && mbt > 0;
    const cap = available
      ? (this.capacity('agg')?.findEngineCapacityRps({
          isl,
          osl,
          ttftSlaMs: this.config.ttft_ms,
          itlSlaMs: this.config.itl_ms,
          kvHitRate: kv,
          acceptLength: this.currentAcceptLength(),
        }) ?? null)
      : null;
    const rps = cap?.rps ?? 0;
    const notReady = cap === null || !(rps > 0);
    let desired: number;
    if (notReady) {
      this.diag.throughputReason = 'model_not_ready';
      desired = this.numD;
    } else {
      this.diag.engineRpsPrefill = rps;
      this.diag.engineRpsDecode = rps;
      desired = Math.max(Math.ceil(demand / rps), this.minEndpoint('decode'));
    }
    desired = this.capThroughputReplicas(desired, this.numD);
    desired = Math.max(desired, this.minEndpoint('decode'));
    const [fitted, ceilingReason] = this.fitSingleThroughputCeiling(desired, 'decode');
    if (this.config.enable_load_scaling) {
      this.throughputLowerBoundD = fitted;
      this.diag.throughputReason = notReady ? 'model_not_ready' : ceilingReason === 'gpu_budget_guard_hold' ? 'gpu_budget_guard_hold' : 'set_lower_bound';
      return null;
    }
    const [final, budgetReason] = this.applySingleScalingBudget(fitted, 'decode');
    if (final === this.numD) {
      this.diag.throughputReason = notReady ? 'model_not_ready' : (budgetReason ?? ceilingReason ?? 'no_change');
      return null;
    }
    this.diag.throughputReason = notReady ? 'model_not_ready' : 'scale';
    return { numPrefill: null, numDecode: final };
  }
}
