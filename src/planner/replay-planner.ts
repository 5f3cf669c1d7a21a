// The planner as replay drives it (reference: the offline replay adapter over the plugin pipeline,
// planner.md §2.1 and §11). The core calls `onTick` at each scheduled tick with what happened since
// the previous one; the planner answers with replica targets and the next tick time.
//
// Cadence: ticks every `scheduling.scale_interval_seconds` (the gcd of the loop intervals); the
// load loop runs when its interval has elapsed since it last ran, the throughput loop likewise.
// Between ticks the planner keeps the last pass of every ready engine and merges traffic windows
// until a loop consumes them. Idle engines follow the reference core's latest-FPM buffer: an engine
// that began no pass within the last second reports an empty one, and one that became ready less
// than a second ago and never ran reports nothing (the load loop then sees a worker-count
// mismatch). Worker counts are the reference adapter's: a committed target is "in progress" until
// the non-draining workers (active + starting) number exactly that; draining workers do not count.

import { checkBudgetHoldsPools } from './budget.js';
import { diagnosticsEnabled, resolveMinEndpoint } from './config.js';
import type { PlannerConfig } from './config.js';
import { DEFAULT_BENCHMARK_GRANULARITY, decodeBootstrapFpms, fpmDigest, prefillBootstrapFpms } from './bootstrap.js';
import type { BootstrapResult, EngineLatencyOracle } from './bootstrap.js';
import { PlannerEnginePerfModel, regressionOptionsFromConfig } from './perf-model.js';
import type { EnginePerfLimits, WorkerType } from './perf-model.js';
import { LoadPredictor } from './predictors.js';
import type { ForwardPassModel } from './regression.js';
import type { LoadPrediction, TrafficObservation } from './predictors.js';
import { PlannerScalingState } from './scaling.js';
import type { EngineFpm, FpmObservations, ScalingDecision, WorkerCounts } from './scaling.js';
import { engineKey, LatestFpmCache } from './fpm-cache.js';
import { forEachLoggedPass, loggedPassSnapshot } from './pass-log.js';
import type {
  EngineCapabilities,
  EngineLoadSnapshot,
  EnginePass,
  ForwardPassSnapshot,
  PassLogSegments,
  PlannerDecision,
  PlannerObservation,
  ScalingEvent,
  TickSnapshot,
  TrafficWindow,
} from './types.js';

export interface ReplayCapabilities {
  mode: 'agg' | 'disagg';
  prefill?: EngineCapabilities | null;
  /** Agg uses the decode slot for its one engine kind. */
  decode: EngineCapabilities;
}

/** One oracle (agg, or both roles alike) or one per role. */
export type ReplayOracles = EngineLatencyOracle | { prefill?: EngineLatencyOracle | null; decode?: EngineLatencyOracle | null } | null;

export interface ReplayPlannerOptions {
  /** `--benchmark-granularity` (default 8). */
  benchmarkGranularity?: number;
  /** Predictor warm-up windows (from `load_predictor_warmup_trace`, see `loadWarmupTrace`). */
  warmupObservations?: readonly TrafficObservation[];
  /** Cap on recorded snapshots (reference: 50,000). */
  maxSnapshots?: number;
  /** Forward-pass models other than the regression, per role (`aic_perf_model`: AIC × correction). */
  forwardPassModels?: { prefill?: ForwardPassModelFactory | null; decode?: ForwardPassModelFactory | null };
}

/** Builds a role's forward-pass model for its engine limits. */
export type ForwardPassModelFactory = (limits: EnginePerfLimits) => ForwardPassModel;

export interface GpuAccounting {
  prefill_gpus_per_replica: number;
  decode_gpus_per_replica: number;
  /** Always the engines' own GPU count (TP × attention DP), as the reference's current adapter. */
  source: 'engine_capabilities';
  prefill_engine_num_gpu_config: number | null;
  decode_engine_num_gpu_config: number | null;
  /** True when the config left `*_engine_num_gpu` unset and the engine's count was used instead. */
  defaulted_from_engine: boolean;
  note: string | null;
}

export interface PlannerMetadata {
  mode: 'agg' | 'disagg';
  optimization_target: string;
  enable_throughput_scaling: boolean;
  enable_load_scaling: boolean;
  scale_interval_seconds: number;
  load_adjustment_interval_seconds: number;
  throughput_adjustment_interval_seconds: number;
  ttft_ms: number;
  itl_ms: number;
  load_predictor: string;
  max_gpu_budget: number;
  min_gpu_budget: number;
  min_endpoint: number;
  prefill_min_endpoint: number;
  decode_min_endpoint: number;
  report_enabled: boolean;
  bootstrap: {
    status: string;
    detail: string | null;
    granularity: number;
    prefill_fpms: number;
    decode_fpms: number;
    fpm_digest: string | null;
  };
  gpu_accounting: GpuAccounting;
  capabilities: { prefill: EngineCapabilities | null; decode: EngineCapabilities };
}

export interface PlannerSummary {
  metadata: PlannerMetadata;
  events: ScalingEvent[];
  snapshots: TickSnapshot[];
  totalTicks: number;
  gpuHours: number;
}

/** Running sums of the core's traffic windows. */
class TrafficAccumulator {
  durationS = 0;
  numReq = 0;
  completed = 0;
  islSum = 0;
  oslSum = 0;
  ttftCount = 0;
  ttftSum = 0;
  itlCount = 0;
  itlSum = 0;
  kvCount = 0;
  kvSum = 0;
  visible = 0;
  forwards = 0;
  windows = 0;

  add(w: TrafficWindow): void {
    this.windows++;
    this.durationS += w.durationS;
    this.numReq += w.numReq;
    this.completed += w.completed;
    this.islSum += w.avgIsl * w.completed;
    this.oslSum += w.avgOsl * w.completed;
    this.ttftCount += w.ttftCount;
    this.ttftSum += w.avgTtftMs * w.ttftCount;
    this.itlCount += w.itlCount;
    this.itlSum += w.avgItlMs * w.itlCount;
    this.kvCount += w.kvHitCount;
    this.kvSum += w.avgKvHitRate * w.kvHitCount;
    this.visible += w.visibleTokens;
    this.forwards += w.decodeForwards;
  }

  observation(): TrafficObservation {
    return {
      durationS: this.durationS,
      numReq: this.numReq,
      isl: this.completed > 0 ? this.islSum / this.completed : 0,
      osl: this.completed > 0 ? this.oslSum / this.completed : 0,
      kvHitRate: this.kvCount > 0 ? this.kvSum / this.kvCount : null,
      acceptLength: this.forwards > 0 ? this.visible / this.forwards : null,
    };
  }

  get avgTtftMs(): number | null {
    return this.ttftCount > 0 ? this.ttftSum / this.ttftCount : null;
  }
  get avgItlMs(): number | null {
    return this.itlCount > 0 ? this.itlSum / this.itlCount : null;
  }
}

interface ConsumedTraffic {
  obs: TrafficObservation;
  acc: TrafficAccumulator;
}

function isOracle(o: unknown): o is EngineLatencyOracle {
  return o !== null && typeof o === 'object' && typeof (o as EngineLatencyOracle).prefillMs === 'function' && typeof (o as EngineLatencyOracle).decodeMs === 'function';
}




export class ReplayPlanner {
  readonly config: PlannerConfig;
  readonly state: PlannerScalingState;
  readonly predictor: LoadPredictor | null;
  readonly bootstrap: BootstrapResult;
  private readonly capabilities: ReplayCapabilities;
  private readonly isAgg: boolean;
  private readonly scaleIntervalMs: number;
  private readonly loadIntervalMs: number;
  private readonly tputIntervalMs: number;
  private readonly reportEnabled: boolean;
  private readonly maxSnapshots: number;
  private readonly gpuP: number;
  private readonly gpuD: number;

  /** The core must log every pass (the every-pass feed is on). */
  readonly wantsPassLog: boolean;
  private lastLoadMs = 0;
  private lastTputMs = 0;
  private readonly prefillFpm = new LatestFpmCache();
  private readonly decodeFpm = new LatestFpmCache();
  private pending = new TrafficAccumulator();
  private targetP: number | null = null;
  private targetD: number | null = null;
  private readonly events: ScalingEvent[] = [];
  private readonly snapshots: TickSnapshot[] = [];
  private totalTicks = 0;
  private gpuHours = 0;
  private lastGpuTickS = 0;

  constructor(config: PlannerConfig, capabilities: ReplayCapabilities, oracles: ReplayOracles, options: ReplayPlannerOptions = {}) {
    if (config.mode !== capabilities.mode) throw new Error(`ReplayPlanner: config mode '${config.mode}' does not match capabilities mode '${capabilities.mode}'`);
    this.config = config;
    this.capabilities = capabilities;
    this.isAgg = config.mode === 'agg';
    this.scaleIntervalMs = Math.round(config.scheduling.scale_interval_seconds * 1000);
    this.loadIntervalMs = Math.round(config.load_adjustment_interval_seconds * 1000);
    this.tputIntervalMs = Math.round(config.throughput_adjustment_interval_seconds * 1000);
    this.reportEnabled = diagnosticsEnabled(config);
    this.maxSnapshots = options.maxSnapshots ?? 50_000;
    this.gpuP = this.isAgg ? 0 : (capabilities.prefill?.num_gpu ?? 0);
    this.gpuD = capabilities.decode.num_gpu ?? 0;
    checkBudgetHoldsPools(
      config.max_gpu_budget,
      this.isAgg
        ? [{ role: 'aggregated', gpus: this.gpuD, minEndpoint: resolveMinEndpoint(config, 'decode') }]
        : [
            { role: 'prefill', gpus: this.gpuP, minEndpoint: resolveMinEndpoint(config, 'prefill') },
            { role: 'decode', gpus: this.gpuD, minEndpoint: resolveMinEndpoint(config, 'decode') },
          ],
    );

    const workerCaps = { prefill: this.isAgg ? null : (capabilities.prefill ?? null), decode: capabilities.decode };
    const custom = options.forwardPassModels;
    const options_ = regressionOptionsFromConfig(config);
    const model = (type: WorkerType, caps: EngineCapabilities | null | undefined, factory: ForwardPassModelFactory | null | undefined) =>
      factory ? new PlannerEnginePerfModel(type, options_, caps, factory) : undefined;
    this.state = new PlannerScalingState(
      config,
      workerCaps,
      this.isAgg
        ? { agg: model('aggregated', workerCaps.decode, custom?.decode) }
        : { prefill: model('prefill', workerCaps.prefill, custom?.prefill), decode: model('decode', workerCaps.decode, custom?.decode) },
    );
    this.predictor = config.enable_throughput_scaling ? new LoadPredictor(config, workerCaps) : null;
    if (this.predictor && options.warmupObservations && options.warmupObservations.length > 0 && config.optimization_target === 'sla') {
      this.predictor.warm(options.warmupObservations);
    }
    this.bootstrap = this.runBootstrap(oracles, options.benchmarkGranularity ?? DEFAULT_BENCHMARK_GRANULARITY);
    this.wantsPassLog = config.feed_extra_fpm_to_regression && config.optimization_target === 'sla';
  }

  private runBootstrap(oracles: ReplayOracles, granularity: number): BootstrapResult {
    const none = (status: BootstrapResult['status'], detail: string | null): BootstrapResult => ({
      status,
      detail,
      granularity,
      prefillFpms: [],
      decodeFpms: [],
      digest: null,
    });
    if (this.config.optimization_target !== 'sla') return none('not_required', `optimization_target='${this.config.optimization_target}' uses no perf model`);
    const prefillOracle = isOracle(oracles) ? oracles : (oracles?.prefill ?? null);
    const decodeOracle = isOracle(oracles) ? oracles : (oracles?.decode ?? null);
    const prefillSource = this.isAgg ? decodeOracle : prefillOracle;
    const prefillCaps = this.isAgg ? this.capabilities.decode : this.capabilities.prefill;
    // Checked before the sweep mode, as the reference's replay preparation does.
    if (!prefillSource || !decodeOracle) return none('not_configured_load_only', 'no AIC identity (aic_backend, aic_system, aic_model_path) to sweep');
    if (this.config.pre_deployment_sweeping_mode === 'none' || this.config.pre_deployment_sweeping_mode === null) {
      return none('not_required', "pre_deployment_sweeping_mode='none': the perf models warm from live forward passes");
    }
    let prefillFpms;
    let decodeFpms;
    try {
      prefillFpms = prefillBootstrapFpms(prefillSource, prefillCaps, granularity);
      decodeFpms = decodeBootstrapFpms(decodeOracle, this.capabilities.decode, granularity);
    } catch (error) {
      return none('session_failed_load_only', error instanceof Error ? error.message : String(error));
    }
    if (this.isAgg) {
      const all = [...prefillFpms, ...decodeFpms];
      if (all.length === 0) return none('empty', 'the sweep produced no positive latencies');
      this.state.aggModel?.loadBenchmarkFpms(all);
    } else {
      if (prefillFpms.length === 0 || decodeFpms.length === 0) return none('empty', 'the sweep produced no positive latencies for one role');
      this.state.prefillModel?.loadBenchmarkFpms(prefillFpms);
      this.state.decodeModel?.loadBenchmarkFpms(decodeFpms);
    }
    return { status: 'installed', detail: null, granularity, prefillFpms, decodeFpms, digest: fpmDigest([...prefillFpms, ...decodeFpms]) };
  }

  /** The first tick: one scale interval after the start. */
  initialTickMs(): number {
    return this.scaleIntervalMs;
  }

  get scalingEvents(): readonly ScalingEvent[] {
    return this.events;
  }

  get cumulativeGpuHours(): number {
    return this.gpuHours;
  }

  onTick(obs: PlannerObservation): PlannerDecision {
    const nowMs = obs.nowMs;
    const nowS = nowMs / 1000;
    this.totalTicks++;

    // Inventory (reference ReplayPlannerAdapter._build_tick_input): a committed target settles once
    // the non-draining workers (active + starting) number exactly that.
    const currentP = obs.activePrefill + (obs.startingPrefill ?? 0);
    const currentD = obs.activeDecode + (obs.startingDecode ?? 0);
    if (this.targetP !== null && currentP === this.targetP) this.targetP = null;
    if (this.targetD !== null && currentD === this.targetD) this.targetD = null;
    const countsFor = (ready: number, current: number, target: number | null) => ({
      ready,
      expected: target ?? current,
      inProgress: target !== null && target !== current,
    });
    const d = countsFor(obs.activeDecode, currentD, this.targetD);
    const p = countsFor(obs.activePrefill, currentP, this.targetP);
    const counts: WorkerCounts = {
      readyPrefill: this.isAgg ? null : p.ready,
      readyDecode: d.ready,
      expectedPrefill: this.isAgg ? null : p.expected,
      expectedDecode: d.expected,
      prefillInProgress: this.isAgg ? false : p.inProgress,
      decodeInProgress: d.inProgress,
    };

    const dpOf = (caps: EngineCapabilities | null | undefined) => Math.max(1, caps?.dp_size ?? 1);
    this.prefillFpm.merge(obs.prefillPasses, obs.activePrefillIds, obs.activePrefillSinceMs, nowMs, dpOf(this.capabilities.prefill));
    this.decodeFpm.merge(obs.decodePasses, obs.activeDecodeIds, obs.activeDecodeSinceMs, nowMs, dpOf(this.capabilities.decode));
    if (obs.traffic) this.pending.add(obs.traffic);

    const loadDue = nowMs - this.lastLoadMs >= this.loadIntervalMs - 1e-6;
    const tputDue = this.config.enable_throughput_scaling && nowMs - this.lastTputMs >= this.tputIntervalMs - 1e-6;
    if (loadDue) this.lastLoadMs = nowMs;
    if (tputDue) this.lastTputMs = nowMs;

    const state = this.state;
    state.beginTick();
    state.observeWorkerCounts(counts);

    let fpmObs: FpmObservations | null = null;
    if (loadDue) {
      fpmObs = {
        prefill: this.isAgg ? null : this.prefillFpm.values(),
        decode: this.decodeFpm.values(),
      };
      if (this.config.optimization_target === 'sla') {
        if (this.wantsPassLog) this.feedEveryPass(obs);
        state.observeFpm(fpmObs);
      }
    }

    let consumed: ConsumedTraffic | null = null;
    let prediction: LoadPrediction | null = null;
    let throughputDecision: ScalingDecision | null = null;
    if (tputDue) {
      consumed = this.consumeTraffic();
      if (consumed === null || consumed.obs.durationS <= 0) {
        state.diag.throughputReason = 'no_traffic_data';
      } else {
        prediction = this.predictor!.observeAndPredict(consumed.obs);
        if (prediction === null) state.diag.throughputReason = 'predict_failed';
        else {
          throughputDecision = state.advanceThroughput(consumed.obs, {
            numReq: prediction.numReq,
            isl: prediction.isl,
            osl: prediction.osl,
            kvHitRate: prediction.kvHitRate,
            acceptLength: prediction.acceptLength,
          });
        }
      }
    }

    let loadDecision: ScalingDecision | null = null;
    if (loadDue) {
      const slaLoadOnly = this.config.optimization_target === 'sla' && !this.config.enable_throughput_scaling;
      if (slaLoadOnly || !this.config.enable_throughput_scaling) {
        // Load-only deployments read the traffic window every load tick (SLA: for the KV hit rate
        // and accept length; easy targets: for the report's observed panels only).
        const t = this.consumeTraffic();
        if (t) {
          consumed = t;
          if (slaLoadOnly) state.observeRuntimeMetadata(t.obs.kvHitRate, t.obs.acceptLength);
        }
      }
      loadDecision = state.advanceLoad(fpmObs!, prediction?.kvHitRate ?? null, prediction?.acceptLength ?? null);
    }

    const scaleTo = this.projectScaleTo(loadDecision ?? throughputDecision, counts);
    const committed = this.commit(scaleTo, nowS, currentP, currentD);

    // GPU-hours: ready replicas at this tick weight the interval since the previous one.
    if (this.lastGpuTickS > 0) {
      const readyP = this.isAgg ? 0 : obs.activePrefill;
      this.gpuHours += ((readyP * this.gpuP + obs.activeDecode * this.gpuD) * (nowS - this.lastGpuTickS)) / 3600;
    }
    this.lastGpuTickS = nowS;

    if (this.reportEnabled && (loadDue || tputDue || scaleTo !== null)) this.record(nowS, obs, consumed, scaleTo);

    return { targetPrefill: committed.prefill, targetDecode: committed.decode, nextTickMs: nowMs + this.scaleIntervalMs };
  }

  /**
   * The every-pass feed (`feed_extra_fpm_to_regression`, after the guide-era replay adapter's
   * `_feed_extra_fpm_to_regression`): every pass of the tick with a positive wall time, in start
   * order, except each engine's latest when the cache holds it (the latest-pass feed tunes with that one).
   */
  private feedEveryPass(obs: PlannerObservation): void {
    const feed = (log: PassLogSegments | null | undefined, cache: LatestFpmCache, model: { addObservations(p: readonly ForwardPassSnapshot[]): void } | null) => {
      if (!log || !model) return;
      const lastIndex = new Map<string, number>();
      forEachLoggedPass(log, (p, i) => lastIndex.set(engineKey(p), i));
      const skip = new Set<number>();
      for (const [k, i] of lastIndex) if (cache.freshThisTick.has(k)) skip.add(i);
      const passes: ForwardPassSnapshot[] = [];
      forEachLoggedPass(log, (p, i) => {
        if (skip.has(i) || !(p.wallSecs > 0)) return;
        passes.push(loggedPassSnapshot(p));
      });
      if (passes.length > 0) model.addObservations(passes);
    };
    if (this.isAgg) {
      feed(obs.decodePassLog, this.decodeFpm, this.state.aggModel);
      return;
    }
    feed(obs.prefillPassLog, this.prefillFpm, this.state.prefillModel);
    feed(obs.decodePassLog, this.decodeFpm, this.state.decodeModel);
  }

  private consumeTraffic(): ConsumedTraffic | null {
    const acc = this.pending;
    this.pending = new TrafficAccumulator();
    if (acc.windows === 0) return null;
    return { obs: acc.observation(), acc };
  }

  /** Drops no-op targets; restores role floors when nothing is scaling. */
  private projectScaleTo(decision: ScalingDecision | null, counts: WorkerCounts): ScalingDecision | null {
    let p = this.isAgg ? null : (decision?.numPrefill ?? null);
    let d = decision?.numDecode ?? null;
    if (p !== null && p === counts.readyPrefill) p = null;
    if (d !== null && d === counts.readyDecode) d = null;
    if (p === null && d === null) {
      const idle = !counts.decodeInProgress && !counts.prefillInProgress;
      if (idle) {
        const minD = resolveMinEndpoint(this.config, 'decode');
        if (counts.readyDecode !== null && counts.readyDecode < minD) d = minD;
        if (!this.isAgg) {
          const minP = resolveMinEndpoint(this.config, 'prefill');
          if (counts.readyPrefill !== null && counts.readyPrefill < minP) p = minP;
        }
      }
    }
    return p === null && d === null ? null : { numPrefill: p, numDecode: d };
  }

  /** Records the committed changes: against the non-draining count, as the reference adapter does. */
  private commit(scaleTo: ScalingDecision | null, nowS: number, currentP: number, currentD: number): { prefill: number | null; decode: number | null } {
    const out = { prefill: null as number | null, decode: null as number | null };
    if (scaleTo === null) return out;
    const one = (target: number | null, current: number, component: 'agg' | 'prefill' | 'decode'): number | null => {
      if (target === null || target === current) return null;
      this.events.push({ atS: nowS, component, from: current, to: target, reason: target > current ? 'scale_up' : 'scale_down' });
      return target;
    };
    if (!this.isAgg) {
      out.prefill = one(scaleTo.numPrefill, currentP, 'prefill');
      if (out.prefill !== null) this.targetP = out.prefill;
    }
    out.decode = one(scaleTo.numDecode, currentD, this.isAgg ? 'agg' : 'decode');
    if (out.decode !== null) this.targetD = out.decode;
    return out;
  }

  private record(nowS: number, obs: PlannerObservation, consumed: ConsumedTraffic | null, scaleTo: ScalingDecision | null): void {
    const diag = this.state.diagnostics();
    const engines = (cache: EngineFpm[]): EngineLoadSnapshot[] =>
      cache
        .sort((a, b) => a.workerId - b.workerId || a.dpRank - b.dpRank)
        .map((e) => ({
          workerId: e.workerId,
          dpRank: e.dpRank,
          queuedPrefillTokens: e.pass.sumQueuedPrefillTokens,
          queuedDecodeKvTokens: e.pass.sumQueuedDecodeKvTokens,
          inflightDecodeKvTokens: e.pass.sumDecodeKvTokens,
        }));
    const t = consumed?.obs ?? null;
    const acc = consumed?.acc ?? null;
    const hasReq = t !== null && t.numReq > 0;
    const interval = t && t.durationS > 0 ? t.durationS : null;
    const snap: TickSnapshot = {
      timestampS: nowS,
      numPrefillReplicas: this.isAgg ? null : obs.activePrefill,
      numDecodeReplicas: obs.activeDecode,
      observedTtftMs: hasReq ? (acc!.avgTtftMs ?? null) : null,
      observedItlMs: hasReq ? (acc!.avgItlMs ?? null) : null,
      observedRps: t && interval ? t.numReq / interval : null,
      observedIsl: hasReq && acc!.completed > 0 ? t.isl : null,
      observedOsl: hasReq && acc!.completed > 0 ? t.osl : null,
      estimatedTtftMs: diag.estimatedTtftMs,
      estimatedItlMs: diag.estimatedItlMs,
      predictedRps: diag.predictedNumReq !== null && interval ? diag.predictedNumReq / interval : null,
      predictedNumReq: diag.predictedNumReq,
      predictedIsl: diag.predictedIsl,
      predictedOsl: diag.predictedOsl,
      predictedKvHitRate: diag.predictedKvHitRate,
      acceptLength: this.config.optimization_target === 'sla' ? this.state.currentAcceptLength() : null,
      engineRpsPrefill: diag.engineRpsPrefill,
      engineRpsDecode: diag.engineRpsDecode,
      throughputLowerBoundPrefill: this.isAgg || !this.config.enable_throughput_scaling ? null : diag.throughputLowerBoundPrefill,
      throughputLowerBoundDecode: this.config.enable_throughput_scaling ? diag.throughputLowerBoundDecode : null,
      loadReason: diag.loadReason,
      loadReasonPrefill: diag.loadReasonPrefill,
      loadReasonDecode: diag.loadReasonDecode,
      throughputReason: diag.throughputReason,
      throughputReasonPrefill: diag.throughputReasonPrefill,
      throughputReasonDecode: diag.throughputReasonDecode,
      prefillEngines: this.isAgg ? [] : engines(this.prefillFpm.values()),
      decodeEngines: engines(this.decodeFpm.values()),
      scaleToPrefill: scaleTo?.numPrefill ?? null,
      scaleToDecode: scaleTo?.numDecode ?? null,
      gpuHours: this.gpuHours,
    };
    this.snapshots.push(snap);
    if (this.snapshots.length > this.maxSnapshots) this.snapshots.splice(0, this.snapshots.length - this.maxSnapshots);
  }

  private metadata(): PlannerMetadata {
    const c = this.config;
    const unsetP = !this.isAgg && c.prefill_engine_num_gpu === null;
    const unsetD = c.decode_engine_num_gpu === null;
    const mismatch =
      (!this.isAgg && c.prefill_engine_num_gpu !== null && c.prefill_engine_num_gpu !== this.gpuP) ||
      (c.decode_engine_num_gpu !== null && c.decode_engine_num_gpu !== this.gpuD);
    let note: string | null = null;
    if (unsetP || unsetD) note = 'prefill_engine_num_gpu/decode_engine_num_gpu unset: GPU-hours use the engine GPU count (TP x attention DP)';
    else if (mismatch) note = 'GPU-hours use the engine GPU count (TP x attention DP); the planner config *_engine_num_gpu values are not used';
    return {
      mode: c.mode as 'agg' | 'disagg',
      optimization_target: c.optimization_target,
      enable_throughput_scaling: c.enable_throughput_scaling,
      enable_load_scaling: c.enable_load_scaling,
      scale_interval_seconds: c.scheduling.scale_interval_seconds,
      load_adjustment_interval_seconds: c.load_adjustment_interval_seconds,
      throughput_adjustment_interval_seconds: c.throughput_adjustment_interval_seconds,
      ttft_ms: c.ttft_ms,
      itl_ms: c.itl_ms,
      load_predictor: c.load_predictor,
      max_gpu_budget: c.max_gpu_budget,
      min_gpu_budget: c.min_gpu_budget,
      min_endpoint: c.min_endpoint,
      prefill_min_endpoint: resolveMinEndpoint(c, 'prefill'),
      decode_min_endpoint: resolveMinEndpoint(c, 'decode'),
      report_enabled: this.reportEnabled,
      bootstrap: {
        status: this.bootstrap.status,
        detail: this.bootstrap.detail,
        granularity: this.bootstrap.granularity,
        prefill_fpms: this.bootstrap.prefillFpms.length,
        decode_fpms: this.bootstrap.decodeFpms.length,
        fpm_digest: this.bootstrap.digest,
      },
      gpu_accounting: {
        prefill_gpus_per_replica: this.gpuP,
        decode_gpus_per_replica: this.gpuD,
        source: 'engine_capabilities',
        prefill_engine_num_gpu_config: this.isAgg ? null : c.prefill_engine_num_gpu,
        decode_engine_num_gpu_config: c.decode_engine_num_gpu,
        defaulted_from_engine: unsetP || unsetD,
        note,
      },
      capabilities: { prefill: this.isAgg ? null : (this.capabilities.prefill ?? null), decode: this.capabilities.decode },
    };
  }

  /** Everything the reports need (call once the replay has ended). */
  finish(): PlannerSummary {
    return {
      metadata: this.metadata(),
      events: this.events.slice(),
      snapshots: this.snapshots.slice(),
      totalTicks: this.totalTicks,
      gpuHours: this.gpuHours,
    };
  }
}

