// Load scaling (reference PlannerScalingState load part, planner.md §6–§8): every load tick, from
// the latest forward pass of every engine, ±1 replica (all engines over the SLA → up; the
// consolidation test → down), or the static thresholds of the easy targets.

import type { PlannerEnginePerfModel } from './perf-model.js';
import type { ForwardPassSnapshot, Role } from './types.js';
import { ScalingStateBase, sortedEngines, type EngineFpm, type FpmObservations, type ScalingDecision } from './scaling-base.js';

const PREFILL_THROUGHPUT_UP = 1.0;
const PREFILL_THROUGHPUT_DOWN = 0.1;
const PREFILL_LATENCY_UP = 0.1;
const PREFILL_LATENCY_DOWN = 0.0;
const DECODE_THROUGHPUT_UP = 1.0;
const DECODE_THROUGHPUT_DOWN = 0.6;
const DECODE_LATENCY_UP = 0.4;
const DECODE_LATENCY_DOWN = 0.1;

const REASON_PRIORITY: Readonly<Record<string, number>> = { scale_up: 4, scale_down_capped_by_throughput: 3, scale_down: 2, no_change: 1 };

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

export abstract class LoadScalingState extends ScalingStateBase {
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
    if (!LoadScalingState.reconcileFpmWorkerCount(stats, n)) {
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
    if ((pStats && !LoadScalingState.reconcileFpmWorkerCount(pStats, this.numP)) || (dStats && !LoadScalingState.reconcileFpmWorkerCount(dStats, this.numD))) {
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
    if (!LoadScalingState.reconcileFpmWorkerCount(stats, n)) {
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

}
