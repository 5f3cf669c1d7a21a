// The planner scaling state shared by its load and throughput parts (reference
// PlannerScalingState, planner.md §6–§9): the types decisions are made of, the worker inventory and
// observations, and the GPU budget guard both parts go through. load-scaling.ts and scaling.ts
// build on it.

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

/** Sorted by worker id, then rank. */
export function sortedEngines(fpms: readonly EngineFpm[]): EngineFpm[] {
  return [...fpms].sort((a, b) => a.workerId - b.workerId || a.dpRank - b.dpRank);
}

export abstract class ScalingStateBase {
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

}
