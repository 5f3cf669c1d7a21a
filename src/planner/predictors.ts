// Load prediction (planner.md §3): one predictor per series (request count, ISL, OSL) and the
// feeding rules of the reference's builtin PREDICT stage.
//
// Every predictor turns non-finite readings into 0 and skips a leading run of zeros (also again
// after warm-up, once `resetIdleSkip` re-arms it); an empty history predicts 0.
//   constant — the last value;
//   kalman   — a local-linear-trend Kalman filter (state [level, trend]);
//   arima    — auto-ARIMA (./arima.ts) from 5 points, fitted once then updated, with the switch to
//              log1p space when a raw fit collapses to p = q = 0;
//   prophet  — a piecewise-linear trend fitted to the last `prophet_window_size` points
//              (./prophet.ts, an approximation of Prophet), predicted one interval ahead.

import { ReplayError } from '../errors.js';
import { autoArima, fitArima, forecastArima } from './arima.js';
import type { ArimaFit } from './arima.js';
import type { LoadPredictorName, PlannerConfig } from './config.js';
import { fitTrend, predictTrend } from './prophet.js';
import type { EngineCapabilities } from './types.js';

export interface Predictor {
  addDataPoint(value: number): void;
  predictNext(): number;
  resetIdleSkip(): void;
  /** Values kept (model space). */
  readonly bufferLength: number;
}

type PredictorConfig = Pick<
  PlannerConfig,
  'load_predictor_log1p' | 'prophet_window_size' | 'throughput_adjustment_interval_seconds' | 'kalman_q_level' | 'kalman_q_trend' | 'kalman_r' | 'kalman_min_points'
>;

abstract class BasePredictor implements Predictor {
  protected buffer: number[] = [];
  protected seenNonzero = false;

  resetIdleSkip(): void {
    this.seenNonzero = false;
  }

  get bufferLength(): number {
    return this.buffer.length;
  }

  /** The value to keep, or null when it is a leading zero to skip. */
  protected admit(value: number): number | null {
    const v = Number.isFinite(value) ? value : 0;
    if (v === 0 && !this.seenNonzero) return null;
    if (v !== 0) this.seenNonzero = true;
    return v;
  }

  addDataPoint(value: number): void {
    const v = this.admit(value);
    if (v !== null) this.buffer.push(v);
  }

  lastValue(): number {
    return this.buffer.length === 0 ? 0 : this.buffer[this.buffer.length - 1]!;
  }

  abstract predictNext(): number;
}

export class ConstantPredictor extends BasePredictor {
  predictNext(): number {
    return this.lastValue();
  }
  get data(): readonly number[] {
    return this.buffer;
  }
}

export class KalmanPredictor extends BasePredictor {
  private readonly log1p: boolean;
  private readonly r: number;
  private readonly qLevel: number;
  private readonly qTrend: number;
  private x = [0, 0];
  private p = [
    [1000, 0],
    [0, 1000],
  ];
  private initialized = false;
  private cached: number | null = null;

  constructor(config: PredictorConfig) {
    super();
    this.log1p = config.load_predictor_log1p;
    this.r = Math.max(1e-9, config.kalman_r);
    this.qLevel = Math.max(1e-12, config.kalman_q_level);
    this.qTrend = Math.max(1e-12, config.kalman_q_trend);
  }

  private predictStep(): void {
    // x = F x, P = F P Fᵀ + Q with F = [[1, 1], [0, 1]].
    const [l, t] = this.x as [number, number];
    this.x = [l + t, t];
    const [[a, b], [c, d]] = this.p as [[number, number], [number, number]];
    this.p = [
      [a + b + c + d + this.qLevel, b + d],
      [c + d, d + this.qTrend],
    ];
  }

  private updateStep(z: number): void {
    const [[a, b], [c, d]] = this.p as [[number, number], [number, number]];
    const s = a + this.r;
    const k0 = a / s;
    const k1 = c / s;
    const y = z - this.x[0]!;
    this.x = [this.x[0]! + k0 * y, this.x[1]! + k1 * y];
    // Joseph form P = (I − KH) P (I − KH)ᵀ + K R Kᵀ, as filterpy's update computes it.
    const r = this.r;
    const a10 = c - k1 * a;
    const a11 = d - k1 * b;
    this.p = [
      [(1 - k0) * a * (1 - k0) + r * k0 * k0, -(1 - k0) * a * k1 + (1 - k0) * b + r * k0 * k1],
      [a10 * (1 - k0) + r * k1 * k0, -a10 * k1 + a11 + r * k1 * k1],
    ];
  }

  override addDataPoint(value: number): void {
    const v = this.admit(value);
    if (v === null) return;
    this.buffer.push(v);
    const z = this.log1p ? Math.log1p(Math.max(0, v)) : v;
    if (!this.initialized) {
      this.x = [z, 0];
      this.initialized = true;
    } else {
      if (this.cached === null) this.predictStep();
      this.updateStep(z);
    }
    this.cached = null;
  }

  predictNext(): number {
    if (!this.initialized) return this.lastValue();
    if (this.cached === null) {
      this.predictStep();
      this.cached = this.x[0]!;
    }
    return this.log1p ? Math.max(0, Math.expm1(this.cached)) : this.cached;
  }
}

export class ArimaPredictor extends BasePredictor {
  static readonly MIN_POINTS = 5;
  private readonly requestedLog: boolean;
  private log: boolean;
  private readonly raw: number[] = [];
  private fit: ArimaFit | null = null;
  private pending = 0;

  constructor(config: PredictorConfig) {
    super();
    this.requestedLog = config.load_predictor_log1p;
    this.log = this.requestedLog;
  }

  /** The space the model is fitted in (`raw` or `log1p`). */
  get mode(): 'raw' | 'log1p' {
    return this.log ? 'log1p' : 'raw';
  }

  get order(): ArimaFit['order'] | null {
    return this.fit?.order ?? null;
  }

  override lastValue(): number {
    return this.raw.length === 0 ? 0 : this.raw[this.raw.length - 1]!;
  }

  override addDataPoint(value: number): void {
    const v = this.admit(value);
    if (v === null) return;
    const raw = Math.max(0, v);
    this.raw.push(raw);
    this.buffer.push(this.log ? Math.log1p(raw) : raw);
    this.pending++;
  }

  predictNext(): number {
    if (this.raw.length < ArimaPredictor.MIN_POINTS) return this.lastValue();
    if (this.raw.every((v) => v === this.raw[0])) return this.raw[0]!;
    try {
      if (this.fit === null) {
        this.log = this.requestedLog;
        const series = this.raw.map((v) => (this.log ? Math.log1p(v) : v));
        let fit = autoArima(series);
        if (fit !== null && !this.requestedLog && fit.order.p === 0 && fit.order.q === 0) {
          const logSeries = this.raw.map((v) => Math.log1p(v));
          const logFit = autoArima(logSeries);
          if (logFit !== null) {
            this.log = true;
            fit = logFit;
          }
        }
        if (fit === null) return this.lastValue();
        this.fit = fit;
      } else if (this.pending > 0) {
        const series = this.raw.map((v) => (this.log ? Math.log1p(v) : v));
        const refit = fitArima(series, this.fit.order, this.fit.params, 100);
        if (refit !== null) this.fit = refit;
      }
      this.pending = 0;
      this.buffer = this.raw.map((v) => (this.log ? Math.log1p(v) : v));
      const forecast = forecastArima(this.buffer, this.fit);
      if (!Number.isFinite(forecast)) return this.lastValue();
      return this.log ? Math.max(0, Math.expm1(forecast)) : Math.max(0, forecast);
    } catch {
      this.pending = 0;
      return this.lastValue();
    }
  }
}

/** Prophet-style trend predictor (see ./prophet.ts: an approximation of Prophet). */
export class ProphetPredictor extends BasePredictor {
  static readonly MIN_POINTS = 5;
  private readonly log1p: boolean;
  private readonly window: number;
  private readonly stepSeconds: number;
  /** Steps taken (one per kept point): the next prediction is at `currStep × interval`. */
  currStep = 0;
  private readonly times: number[] = [];

  constructor(config: PredictorConfig) {
    super();
    this.log1p = config.load_predictor_log1p;
    this.window = config.prophet_window_size;
    this.stepSeconds = config.throughput_adjustment_interval_seconds;
  }

  override addDataPoint(value: number): void {
    const v = this.admit(value);
    if (v === null) return;
    this.times.push(this.currStep * this.stepSeconds);
    this.buffer.push(this.log1p ? Math.log1p(Math.max(0, v)) : v);
    this.currStep++;
    while (this.buffer.length > this.window) {
      this.buffer.shift();
      this.times.shift();
    }
  }

  /** Seconds after the base date of each kept point. */
  get timestamps(): readonly number[] {
    return this.times;
  }

  /** Seconds after the base date of the next prediction. */
  get nextTimestamp(): number {
    return this.currStep * this.stepSeconds;
  }

  override lastValue(): number {
    if (this.buffer.length === 0) return 0;
    const y = this.buffer[this.buffer.length - 1]!;
    return this.log1p ? Math.max(0, Math.expm1(y)) : y;
  }

  predictNext(): number {
    if (this.buffer.length < ProphetPredictor.MIN_POINTS) return this.lastValue();
    const fit = fitTrend(this.times, this.buffer);
    const yhat = predictTrend(fit, this.nextTimestamp);
    return this.log1p ? Math.max(0, Math.expm1(yhat)) : Math.max(0, yhat);
  }
}

export function createPredictor(name: string, config: PredictorConfig): Predictor {
  switch (name as LoadPredictorName) {
    case 'constant':
      return new ConstantPredictor();
    case 'kalman':
      return new KalmanPredictor(config);
    case 'arima':
      return new ArimaPredictor(config);
    case 'prophet':
      return new ProphetPredictor(config);
    default:
      throw new ReplayError(`unknown load_predictor '${name}' (expected 'constant', 'arima', 'kalman' or 'prophet')`);
  }
}

// ---- the PREDICT stage -----------------------------------------------------------------------------

/** One traffic window as the predictors see it. */
export interface TrafficObservation {
  durationS: number;
  numReq: number;
  isl: number;
  osl: number;
  kvHitRate: number | null;
  acceptLength: number | null;
}

export interface LoadPrediction {
  numReq: number;
  isl: number;
  osl: number;
  kvHitRate: number | null;
  acceptLength: number;
}

/**
 * Owns the three predictors and the runtime metadata that is not predicted (KV hit rate and
 * accept length, last value wins). Idle windows after live traffic carry the last request shape
 * forward; leading idle windows feed zeros (which the predictors skip).
 */
export class LoadPredictor {
  readonly numReq: Predictor;
  readonly isl: Predictor;
  readonly osl: Predictor;
  private lastIsl: number | null = null;
  private lastOsl: number | null = null;
  private seenLiveTraffic = false;
  private quiescent: [number, number, number] | null = null;
  lastKvHitRate: number | null = null;
  private lastAcceptLength = 1.0;

  constructor(
    private readonly config: Pick<PlannerConfig, 'load_predictor' | 'speculative_nextn' | 'optimization_target'> & PredictorConfig,
    private capabilities: { decode?: EngineCapabilities | null } = {},
  ) {
    this.numReq = createPredictor(config.load_predictor, config);
    this.isl = createPredictor(config.load_predictor, config);
    this.osl = createPredictor(config.load_predictor, config);
  }

  effectiveNextn(): number {
    const n = this.capabilities.decode?.speculative_nextn;
    if (n && n > 0) return n;
    return Math.max(0, Math.trunc(this.config.speculative_nextn));
  }

  clampAcceptLength(v: number | null | undefined): number {
    const nextn = this.effectiveNextn();
    if (nextn <= 0) return 1.0;
    if (v === null || v === undefined || !Number.isFinite(v)) return 1.0;
    return Math.min(Math.max(v, 1.0), nextn + 1);
  }

  get acceptLength(): number {
    return this.clampAcceptLength(this.lastAcceptLength);
  }

  /** Warm-up windows (e.g. from `load_predictor_warmup_trace`), then the leading-idle skip re-arms. */
  warm(observations: readonly TrafficObservation[]): void {
    for (const obs of observations) this.observeLoad(obs);
    for (const p of [this.numReq, this.isl, this.osl]) p.resetIdleSkip();
    this.seenLiveTraffic = false;
    this.quiescent = null;
  }

  /** Feeds one window to the three predictors (no prediction, no metadata). */
  observeLoad(t: TrafficObservation): void {
    this.numReq.addDataPoint(t.numReq);
    if (t.numReq > 0) {
      this.seenLiveTraffic = true;
      if (Number.isFinite(t.isl)) this.lastIsl = t.isl;
      if (Number.isFinite(t.osl)) this.lastOsl = t.osl;
    }
    let isl = t.isl;
    let osl = t.osl;
    if (t.numReq === 0 && this.seenLiveTraffic) {
      isl = this.lastIsl ?? 0;
      osl = this.lastOsl ?? 0;
    }
    if (Number.isFinite(isl)) this.isl.addDataPoint(isl);
    if (Number.isFinite(osl)) this.osl.addDataPoint(osl);
  }

  observeMetadata(t: Pick<TrafficObservation, 'kvHitRate' | 'acceptLength'>): void {
    if (t.kvHitRate !== null && !Number.isNaN(t.kvHitRate)) this.lastKvHitRate = t.kvHitRate;
    if (t.acceptLength !== null && Number.isFinite(t.acceptLength)) this.lastAcceptLength = this.clampAcceptLength(t.acceptLength);
  }

  /** Observes one window and predicts the next (null = prediction failed). */
  observeAndPredict(t: TrafficObservation): LoadPrediction | null {
    let prediction: [number, number, number] | null;
    if (t.numReq === 0 && this.quiescent !== null) {
      if (this.config.load_predictor === 'prophet') {
        this.observeLoad(t);
      }
      this.observeMetadata(t);
      prediction = this.quiescent;
    } else {
      this.observeLoad(t);
      this.observeMetadata(t);
      prediction = this.predict();
    }
    if (prediction === null) {
      this.quiescent = null;
      return null;
    }
    const [nr, isl, osl] = prediction;
    if (t.numReq === 0 && this.seenLiveTraffic && nr <= 0 && (this.config.load_predictor === 'constant' || this.config.load_predictor === 'prophet')) {
      this.quiescent = prediction;
    } else if (t.numReq > 0) {
      this.quiescent = null;
    }
    return { numReq: nr, isl, osl, kvHitRate: this.lastKvHitRate, acceptLength: this.acceptLength };
  }

  private predict(): [number, number, number] | null {
    try {
      const out: [number, number, number] = [this.numReq.predictNext(), this.isl.predictNext(), this.osl.predictNext()];
      return out.every((v) => typeof v === 'number' && !Number.isNaN(v)) ? out : null;
    } catch {
      return null;
    }
  }
}

// ---- warm-up trace ------------------------------------------------------------------------------

/** One request of a warm-up trace: arrival (ms), prompt and output length. */
export interface WarmupRequest {
  timestampMs: number;
  inputLength: number;
  outputLength: number;
}

/**
 * Buckets warm-up requests into `intervalS` windows from the first to the last arrival (empty
 * windows included), each → (count, mean ISL, mean OSL), as the reference's trace warm-up does.
 */
export function warmupObservations(requests: readonly WarmupRequest[], intervalS: number): TrafficObservation[] {
  if (requests.length === 0 || !(intervalS > 0)) return [];
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const r of requests) {
    t0 = Math.min(t0, r.timestampMs);
    t1 = Math.max(t1, r.timestampMs);
  }
  const width = intervalS * 1000;
  const n = Math.floor((t1 - t0) / width) + 1;
  const count = new Array<number>(n).fill(0);
  const isl = new Array<number>(n).fill(0);
  const osl = new Array<number>(n).fill(0);
  for (const r of requests) {
    const i = Math.min(n - 1, Math.floor((r.timestampMs - t0) / width));
    count[i]!++;
    isl[i]! += r.inputLength;
    osl[i]! += r.outputLength;
  }
  return count.map((c, i) => ({
    durationS: intervalS,
    numReq: c,
    isl: c > 0 ? isl[i]! / c : 0,
    osl: c > 0 ? osl[i]! / c : 0,
    kvHitRate: null,
    acceptLength: null,
  }));
}

/** Reads a Mooncake-style JSONL warm-up trace (`timestamp`, `input_length`, `output_length`; .gz ok). */
export async function loadWarmupTrace(path: string, intervalS: number): Promise<TrafficObservation[]> {
  const { forEachLine } = await import('../trace/lines.js');
  const requests: WarmupRequest[] = [];
  await forEachLine(path, (line, lineNo) => {
    const text = line.trim();
    if (text === '') return;
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch (error) {
      throw new ReplayError(`load_predictor_warmup_trace: ${path}:${lineNo}: invalid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (row === null || typeof row !== 'object') return;
    const r = row as Record<string, unknown>;
    const ts = Number(r.timestamp ?? r.created_time ?? 0);
    const inputLength = Number(r.input_length ?? r.isl ?? 0);
    const outputLength = Number(r.output_length ?? r.osl ?? 0);
    if (!Number.isFinite(ts)) return;
    requests.push({ timestampMs: ts, inputLength: Number.isFinite(inputLength) ? inputLength : 0, outputLength: Number.isFinite(outputLength) ? outputLength : 0 });
  });
  return warmupObservations(requests, intervalS);
}
