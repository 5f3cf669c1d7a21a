// The planner's scaling decisions (reference PlannerScalingState with its load-scaling and
// throughput-scaling parts, planner.md §6–§9), for all four modes.
//
// Load scaling runs every load tick from the latest forward pass of every engine: ±1 replica
// (all engines over the SLA → up; the consolidation test → down), or the static thresholds of the
// easy targets. Throughput scaling runs every throughput tick from the predicted demand and the
// engine capacity; with load scaling on it only sets floors. Both go through the GPU budget guard.
// Each decision leaves its reason in the tick diagnostics (the report's vocabulary, §12).

import { LoadScalingState } from './load-scaling.js';
import type { CapacitySource, ScalingDecision, ThroughputPrediction, TrafficForThroughput } from './scaling-base.js';
import type { Role } from './types.js';

export type { CapacitySource, EngineFpm, FpmObservations, ScalingDecision, ScalingModels, ThroughputPrediction, TickDiagnostics, TrafficForThroughput, WorkerCounts } from './scaling-base.js';

/** The planner scaling state: load scaling (load-scaling.ts) on the shared base, plus throughput scaling. */
export class PlannerScalingState extends LoadScalingState {
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
