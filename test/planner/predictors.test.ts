// Load predictors and the PREDICT-stage feeding rules (planner.md §3, test_load_predictors.py).
import { describe, expect, it } from 'vitest';
import { autoArima, forecastArima, kpssStatistic, selectDifferencing } from '../../src/planner/arima.js';
import {
  ArimaPredictor,
  ConstantPredictor,
  KalmanPredictor,
  LoadPredictor,
  ProphetPredictor,
  warmupObservations,
} from '../../src/planner/predictors.js';
import type { TrafficObservation } from '../../src/planner/predictors.js';
import { fitTrend, predictTrend } from '../../src/planner/prophet.js';

const cfg = (over: Record<string, unknown> = {}) => ({
  load_predictor_log1p: false,
  prophet_window_size: 50,
  throughput_adjustment_interval_seconds: 60,
  kalman_q_level: 1e-4,
  kalman_q_trend: 1e-5,
  kalman_r: 0.1,
  kalman_min_points: 3,
  load_predictor: 'constant' as const,
  speculative_nextn: 0,
  optimization_target: 'sla' as const,
  ...over,
});

describe('constant', () => {
  it('0 when empty, else the last value', () => {
    const p = new ConstantPredictor();
    expect(p.predictNext()).toBe(0);
    for (const v of [10, 20, 30]) p.addDataPoint(v);
    expect(p.predictNext()).toBe(30);
  });

  it('skips leading zeros, keeps zeros after the first non-zero, NaN → 0', () => {
    const p = new ConstantPredictor();
    p.addDataPoint(0);
    p.addDataPoint(0);
    expect(p.predictNext()).toBe(0);
    expect(p.bufferLength).toBe(0);
    p.addDataPoint(5);
    p.addDataPoint(0);
    expect(p.predictNext()).toBe(0);
    expect(p.bufferLength).toBe(2);
    const q = new ConstantPredictor();
    q.addDataPoint(10);
    q.addDataPoint(NaN);
    expect(q.predictNext()).toBe(0);
    q.addDataPoint(Infinity);
    expect(q.data[q.data.length - 1]).toBe(0);
  });

  it('resetIdleSkip re-arms the leading-zero skip', () => {
    const p = new ConstantPredictor();
    p.addDataPoint(3);
    p.resetIdleSkip();
    p.addDataPoint(0);
    expect(p.bufferLength).toBe(1);
    expect(p.predictNext()).toBe(3);
  });
});

describe('kalman', () => {
  it('0 before the first observation; non-negative and cached between observations', () => {
    const p = new KalmanPredictor(cfg());
    expect(p.predictNext()).toBe(0);
    for (const v of [10, 15, 20, 15, 10]) p.addDataPoint(v);
    expect(p.predictNext()).toBeGreaterThanOrEqual(0);
    const q = new KalmanPredictor(cfg());
    for (const v of [10, 12, 11]) q.addDataPoint(v);
    expect(q.predictNext()).toBe(q.predictNext());
  });

  it('tracks a linear ramp', () => {
    const p = new KalmanPredictor(cfg({ kalman_q_level: 1, kalman_q_trend: 0.1, kalman_r: 10 }));
    for (let i = 1; i <= 30; i++) p.addDataPoint(10 * i);
    expect(p.predictNext()).toBeGreaterThan(300);
    expect(p.predictNext()).toBeLessThan(320);
  });

  it('log1p mode stays non-negative', () => {
    const p = new KalmanPredictor(cfg({ load_predictor_log1p: true }));
    for (const v of [100, 1, 100, 1, 0.5]) p.addDataPoint(v);
    expect(p.predictNext()).toBeGreaterThanOrEqual(0);
  });
});

describe('prophet (trend approximation)', () => {
  it('fewer than 5 points → last value; empty → 0', () => {
    const p = new ProphetPredictor(cfg());
    expect(p.predictNext()).toBe(0);
    for (const v of [10, 20, 30]) p.addDataPoint(v);
    expect(p.predictNext()).toBe(30);
  });

  it('predicts at start + curr_step × interval, one step past the last point', () => {
    for (const step of [30, 60, 180, 300]) {
      const p = new ProphetPredictor(cfg({ throughput_adjustment_interval_seconds: step }));
      for (const v of [5, 10, 8, 12, 9, 11]) p.addDataPoint(v);
      expect(p.currStep).toBe(6);
      expect(p.nextTimestamp).toBe(6 * step);
      expect(p.nextTimestamp).toBe(p.timestamps[p.timestamps.length - 1]! + step);
    }
  });

  it('curr_step advances only for kept points; the window caps the buffer', () => {
    const p = new ProphetPredictor(cfg());
    p.addDataPoint(0);
    p.addDataPoint(0);
    expect(p.currStep).toBe(0);
    p.addDataPoint(5);
    expect(p.currStep).toBe(1);
    p.addDataPoint(0);
    expect(p.bufferLength).toBe(2);
    const w = new ProphetPredictor(cfg({ prophet_window_size: 5 }));
    for (let v = 1; v < 20; v++) w.addDataPoint(v);
    expect(w.bufferLength).toBeLessThanOrEqual(5);
  });

  it('log1p mode stores log1p values and clamps at 0; raw mode clamps at 0', () => {
    const p = new ProphetPredictor(cfg({ load_predictor_log1p: true }));
    p.addDataPoint(99);
    expect(p.lastValue()).toBeCloseTo(99, 9);
    const falling = new ProphetPredictor(cfg());
    for (const v of [100, 80, 60, 40, 20, 5]) falling.addDataPoint(v);
    expect(falling.predictNext()).toBeGreaterThanOrEqual(0);
  });

  it('extrapolates a clean linear trend', () => {
    const ts = Array.from({ length: 20 }, (_, i) => i * 60);
    const ys = ts.map((t) => 100 + t / 6);
    const fit = fitTrend(ts, ys);
    expect(predictTrend(fit, 20 * 60)).toBeCloseTo(300, 0);
  });
});

describe('arima', () => {
  it('fewer than 5 points → last value; constant data → that value', () => {
    const p = new ArimaPredictor(cfg());
    for (const v of [1, 2, 3]) p.addDataPoint(v);
    expect(p.predictNext()).toBe(3);
    const c = new ArimaPredictor(cfg());
    for (let i = 0; i < 8; i++) c.addDataPoint(7);
    expect(c.predictNext()).toBe(7);
  });

  it('follows a trend with differencing and stays non-negative', () => {
    const p = new ArimaPredictor(cfg());
    for (let i = 1; i <= 20; i++) p.addDataPoint(10 * i + (i % 3));
    const next = p.predictNext();
    expect(next).toBeGreaterThan(180);
    expect(next).toBeLessThan(240);
    expect(p.order!.d).toBeGreaterThanOrEqual(1);
    p.addDataPoint(215);
    expect(p.predictNext()).toBeGreaterThan(190);
  });

  it('a raw fit that collapses to p = q = 0 switches to log1p space', () => {
    // White noise around a level: the best raw order is (0, 0, 0).
    const p = new ArimaPredictor(cfg());
    for (const v of [50, 52, 49, 51, 50, 48, 52, 50, 51, 49]) p.addDataPoint(v);
    const next = p.predictNext();
    expect(next).toBeGreaterThan(45);
    expect(next).toBeLessThan(55);
    if (p.order!.p === 0 && p.order!.q === 0) expect(p.mode).toBe('log1p');
  });

  it('KPSS picks d = 0 for a level, d ≥ 1 for a ramp; the stepwise search returns a fit', () => {
    const level = [5, 6, 5, 4, 5, 6, 5, 5, 4, 6, 5, 5];
    expect(selectDifferencing(level)).toBe(0);
    const ramp = Array.from({ length: 15 }, (_, i) => i * 3 + (i % 2));
    expect(kpssStatistic(ramp)).toBeGreaterThan(0.463);
    expect(selectDifferencing(ramp)).toBeGreaterThanOrEqual(1);
    const fit = autoArima(ramp)!;
    expect(fit).not.toBeNull();
    expect(forecastArima(ramp, fit)).toBeGreaterThan(40);
  });

  it('is deterministic', () => {
    const series = [12, 15, 11, 18, 20, 17, 22, 25, 21, 27];
    const a = new ArimaPredictor(cfg());
    const b = new ArimaPredictor(cfg());
    for (const v of series) {
      a.addDataPoint(v);
      b.addDataPoint(v);
    }
    expect(a.predictNext()).toBe(b.predictNext());
  });
});

describe('PREDICT-stage feeding', () => {
  const win = (numReq: number, isl: number, osl: number, extra: Partial<TrafficObservation> = {}): TrafficObservation => ({
    durationS: 60,
    numReq,
    isl,
    osl,
    kvHitRate: null,
    acceptLength: null,
    ...extra,
  });

  it('idle windows after traffic carry the last shape: num_req [10,0,0], isl [512]*3, osl [128]*3', () => {
    const lp = new LoadPredictor(cfg({ load_predictor: 'constant' }));
    lp.observeLoad(win(10, 512, 128));
    lp.observeLoad(win(0, 0, 0));
    lp.observeLoad(win(0, NaN, NaN));
    expect((lp.numReq as ConstantPredictor).data).toEqual([10, 0, 0]);
    expect((lp.isl as ConstantPredictor).data).toEqual([512, 512, 512]);
    expect((lp.osl as ConstantPredictor).data).toEqual([128, 128, 128]);
  });

  it('leading idle windows feed nothing', () => {
    const lp = new LoadPredictor(cfg({ load_predictor: 'constant' }));
    const pred = lp.observeAndPredict(win(0, 0, 0))!;
    expect(pred.numReq).toBe(0);
    expect(lp.numReq.bufferLength).toBe(0);
    expect(lp.isl.bufferLength).toBe(0);
  });

  it('non-finite shapes are not fed', () => {
    const lp = new LoadPredictor(cfg({ load_predictor: 'constant' }));
    lp.observeAndPredict(win(5, NaN, 100));
    expect(lp.isl.bufferLength).toBe(0);
    expect(lp.osl.bufferLength).toBe(1);
  });

  it('KV hit rate is sticky (None/NaN ignored); accept length clamps to [1, nextn + 1] only with MTP', () => {
    const lp = new LoadPredictor(cfg({ load_predictor: 'constant' }), { decode: { num_gpu: 1, max_num_batched_tokens: 8192, max_num_seqs: 256, context_length: null, max_kv_tokens: null, block_size: 64, speculative_nextn: 2 } });
    expect(lp.observeAndPredict(win(5, 100, 10, { kvHitRate: 0.4, acceptLength: 7 }))!.kvHitRate).toBe(0.4);
    expect(lp.acceptLength).toBe(3);
    const next = lp.observeAndPredict(win(5, 100, 10, { kvHitRate: NaN, acceptLength: null }))!;
    expect(next.kvHitRate).toBe(0.4);
    expect(next.acceptLength).toBe(3);
    const noMtp = new LoadPredictor(cfg({ load_predictor: 'constant' }));
    expect(noMtp.observeAndPredict(win(5, 100, 10, { acceptLength: 2.5 }))!.acceptLength).toBe(1);
    const fallback = new LoadPredictor(cfg({ load_predictor: 'constant', speculative_nextn: 2 }));
    expect(fallback.observeAndPredict(win(5, 100, 10, { acceptLength: 2.91 }))!.acceptLength).toBeCloseTo(2.91, 9);
  });

  it('a quiescent idle prediction is reused by constant (no new samples)', () => {
    const lp = new LoadPredictor(cfg({ load_predictor: 'constant' }));
    lp.observeAndPredict(win(4, 100, 10));
    lp.observeAndPredict(win(0, 0, 0));
    const n = lp.numReq.bufferLength;
    lp.observeAndPredict(win(0, 0, 0));
    expect(lp.numReq.bufferLength).toBe(n);
    lp.observeAndPredict(win(3, 100, 10));
    expect(lp.numReq.bufferLength).toBe(n + 1);
  });

  it('warm-up: trace windows feed the predictors, then the leading-idle skip re-arms', () => {
    const obs = warmupObservations(
      [
        { timestampMs: 0, inputLength: 100, outputLength: 10 },
        { timestampMs: 1000, inputLength: 300, outputLength: 30 },
        { timestampMs: 130_000, inputLength: 200, outputLength: 20 },
      ],
      60,
    );
    expect(obs.map((o) => o.numReq)).toEqual([2, 0, 1]);
    expect(obs[0]!.isl).toBe(200);
    expect(obs[1]!.isl).toBe(0);
    const lp = new LoadPredictor(cfg({ load_predictor: 'constant' }));
    lp.warm(obs);
    expect(lp.numReq.bufferLength).toBe(3);
    lp.observeAndPredict(win(0, 0, 0));
    expect(lp.numReq.bufferLength).toBe(3); // leading idle after warm-up is skipped again
  });
});
