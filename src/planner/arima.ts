// A small, deterministic auto-ARIMA for the planner's `arima` load predictor.
//
// The reference calls pmdarima.auto_arima. The one npm ARIMA package (`arima`, a WASM build of ctsa)
// needs at least 20 points for its auto mode (the planner fits from 5), and does not report the
// selected order, which the reference needs for its raw → log1p switch; so this module implements
// the same procedure in the small:
//   - differencing order d ∈ {0,1,2} by repeated KPSS level-stationarity tests at the 5 % level
//     (pmdarima's default `ndiffs` test);
//   - a stepwise Hyndman–Khandakar search over (p, q) ≤ 5 with p + q ≤ 5, starting from (2,2),
//     (0,0), (1,0), (0,1) and moving p and q by ±1 while the AIC improves; an intercept when d ≤ 1
//     (pmdarima's `with_intercept='auto'`);
//   - each candidate fitted by conditional sum of squares with Nelder–Mead, its AR and MA
//     polynomials kept stationary / invertible by parametrising them through partial
//     autocorrelations (tanh);
//   - `update(points)` keeps the order and refits warm-started from the current parameters
//     (pmdarima's `update`); `forecast()` is the one-step prediction on the original scale.
// The numbers are not pmdarima's (different likelihood and optimiser), but the selection logic,
// the fallbacks around it and the determinism of a replay are the planner's.

export interface ArimaOrder {
  p: number;
  d: number;
  q: number;
  intercept: boolean;
}

export interface ArimaFit {
  order: ArimaOrder;
  /** Unconstrained parameters: [mean?, AR pacf (atanh)…, MA pacf (atanh)…]. */
  params: number[];
  aic: number;
  sse: number;
}

const MAX_P = 5;
const MAX_Q = 5;
const MAX_ORDER = 5;
const MAX_D = 2;
const KPSS_CRIT_5PCT = 0.463;

/** KPSS level-stationarity statistic with Newey–West long-run variance (lag ⌊3√n/13⌋). */
export function kpssStatistic(y: readonly number[]): number {
  const n = y.length;
  const mean = y.reduce((a, b) => a + b, 0) / n;
  const e = y.map((v) => v - mean);
  let s = 0;
  let eta = 0;
  for (const v of e) {
    s += v;
    eta += s * s;
  }
  eta /= n * n;
  const lags = Math.floor((3 * Math.sqrt(n)) / 13);
  let s2 = e.reduce((a, v) => a + v * v, 0) / n;
  for (let l = 1; l <= lags; l++) {
    let cov = 0;
    for (let t = l; t < n; t++) cov += e[t]! * e[t - l]!;
    s2 += (2 * (1 - l / (lags + 1)) * cov) / n;
  }
  if (!(s2 > 0)) return 0;
  return eta / s2;
}

function isConstant(y: readonly number[]): boolean {
  return y.every((v) => v === y[0]);
}

export function difference(y: readonly number[], d: number): number[] {
  let w = y.slice();
  for (let i = 0; i < d; i++) w = w.slice(1).map((v, t) => v - w[t]!);
  return w;
}

/** Differencing order by repeated KPSS tests (at most 2). */
export function selectDifferencing(y: readonly number[]): number {
  if (isConstant(y)) return 0;
  let d = 0;
  let x = y.slice();
  while (d < MAX_D && x.length >= 3 && kpssStatistic(x) > KPSS_CRIT_5PCT) {
    d++;
    x = difference(x, 1);
    if (isConstant(x)) return d;
  }
  return d;
}

/**
 * An order's polynomials and residuals, in buffers reused across the optimiser's many
 * evaluations (the objective runs hundreds of times per fit).
 */
class ArimaWork {
  mu = 0;
  readonly ar: Float64Array;
  readonly ma: Float64Array;
  readonly e: Float64Array;
  private readonly scratch: Float64Array;

  constructor(
    readonly order: ArimaOrder,
    length: number,
  ) {
    this.ar = new Float64Array(order.p);
    this.ma = new Float64Array(order.q);
    this.e = new Float64Array(length);
    this.scratch = new Float64Array(Math.max(order.p, order.q));
  }

  /** Reads the parameters into μ and the AR / MA coefficients. */
  load(params: readonly number[]): void {
    const { p, q, intercept } = this.order;
    this.mu = intercept ? params[0]! : 0;
    const first = intercept ? 1 : 0;
    this.pacfToCoefficients(params, first, p, this.ar);
    this.pacfToCoefficients(params, first + p, q, this.ma);
    // MA θ with the same map: invertible for |pacf| < 1 (sign flipped into the e_{t-j} convention).
    for (let j = 0; j < q; j++) this.ma[j] = -this.ma[j]!;
  }

  /** Partial autocorrelations tanh(params[from..from+count)) → polynomial coefficients (Durbin–Levinson). */
  private pacfToCoefficients(params: readonly number[], from: number, count: number, phi: Float64Array): void {
    const next = this.scratch;
    for (let k = 0; k < count; k++) {
      const r = Math.tanh(params[from + k]!);
      for (let j = 0; j < k; j++) next[j] = phi[j]! - r * phi[k - 1 - j]!;
      for (let j = 0; j < k; j++) phi[j] = next[j]!;
      phi[k] = r;
    }
  }

  /** Conditional residuals of the differenced series into `e` (the first p values are conditioned on). */
  residuals(w: readonly number[]): Float64Array {
    const { ar, ma, e, mu } = this;
    const p = ar.length;
    e.fill(0);
    for (let t = p; t < w.length; t++) {
      let pred = mu;
      for (let i = 0; i < p; i++) pred += ar[i]! * (w[t - 1 - i]! - mu);
      for (let j = 0; j < ma.length; j++) if (t - 1 - j >= p) pred += ma[j]! * e[t - 1 - j]!;
      e[t] = w[t]! - pred;
    }
    return e;
  }

  sse(w: readonly number[], params: readonly number[]): number {
    this.load(params);
    const e = this.residuals(w);
    let s = 0;
    for (let t = this.order.p; t < w.length; t++) s += e[t]! * e[t]!;
    return s;
  }
}

/** Nelder–Mead minimisation (deterministic initial simplex); `f` returns finite values (or ±MAX_VALUE). */
export function nelderMead(f: (x: number[]) => number, x0: readonly number[], maxIter = 400, step = 0.3): number[] {
  const n = x0.length;
  if (n === 0) return [];
  const simplex = [x0.slice()];
  for (let i = 0; i < n; i++) {
    const v = x0.slice();
    v[i] = v[i]! + (v[i] !== 0 ? step * Math.max(1, Math.abs(v[i]!)) : step);
    simplex.push(v);
  }
  const values = simplex.map(f);
  const centroid = new Float64Array(n);
  // The point at `t` along the line from the centroid through the worst vertex (t = -1 reflects).
  const at = (t: number): number[] => {
    const worst = simplex[n]!;
    const point = new Array<number>(n);
    for (let j = 0; j < n; j++) point[j] = centroid[j]! + t * (worst[j]! - centroid[j]!);
    return point;
  };
  for (let iter = 0; iter < maxIter; iter++) {
    // Vertices by value, equal values in their current order (a stable insertion sort: the
    // objective's values are finite, so comparisons are total).
    for (let i = 1; i <= n; i++) {
      const v = values[i]!;
      const x = simplex[i]!;
      let j = i - 1;
      for (; j >= 0 && values[j]! > v; j--) {
        values[j + 1] = values[j]!;
        simplex[j + 1] = simplex[j]!;
      }
      values[j + 1] = v;
      simplex[j + 1] = x;
    }
    if (Math.abs(values[n]! - values[0]!) <= 1e-10 * (Math.abs(values[0]!) + 1e-12)) break;
    centroid.fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j]! += simplex[i]![j]! / n;
    const reflected = at(-1);
    const fr = f(reflected);
    if (fr < values[0]!) {
      const expanded = at(-2);
      const fe = f(expanded);
      if (fe < fr) {
        simplex[n] = expanded;
        values[n] = fe;
      } else {
        simplex[n] = reflected;
        values[n] = fr;
      }
    } else if (fr < values[n - 1]!) {
      simplex[n] = reflected;
      values[n] = fr;
    } else {
      const contracted = fr < values[n]! ? at(-0.5) : at(0.5);
      const fc = f(contracted);
      if (fc < Math.min(fr, values[n]!)) {
        simplex[n] = contracted;
        values[n] = fc;
      } else {
        for (let i = 1; i <= n; i++) {
          simplex[i] = simplex[i]!.map((v, j) => simplex[0]![j]! + 0.5 * (v - simplex[0]![j]!));
          values[i] = f(simplex[i]!);
        }
      }
    }
  }
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! < values[best]!) best = i;
  return simplex[best]!;
}

function paramCount(order: ArimaOrder): number {
  return (order.intercept ? 1 : 0) + order.p + order.q;
}

/** Fits one order on the (undifferenced) series; null when there are too few points. */
export function fitArima(y: readonly number[], order: ArimaOrder, start?: readonly number[], maxIter = 400): ArimaFit | null {
  const w = difference(y, order.d);
  const nEff = w.length - order.p;
  const k = paramCount(order);
  if (nEff < k + 2) return null;
  const mean = w.reduce((a, b) => a + b, 0) / Math.max(1, w.length);
  const x0 = start && start.length === k ? start.slice() : [...(order.intercept ? [mean] : []), ...new Array<number>(order.p + order.q).fill(0)];
  const work = new ArimaWork(order, w.length);
  const objective = (x: number[]) => {
    const s = work.sse(w, x);
    return Number.isFinite(s) ? s : Number.MAX_VALUE;
  };
  const params = k === 0 ? [] : nelderMead(objective, x0, maxIter);
  const s = work.sse(w, params);
  const sigma2 = Math.max(s / nEff, 1e-300);
  const aic = nEff * Math.log(sigma2) + 2 * (k + 1);
  return { order, params, aic, sse: s };
}

/** One-step forecast of the original series. */
export function forecastArima(y: readonly number[], fit: ArimaFit): number {
  const { order } = fit;
  const w = difference(y, order.d);
  const c = new ArimaWork(order, w.length);
  c.load(fit.params);
  const e = c.residuals(w);
  const n = w.length;
  let next = c.mu;
  for (let i = 0; i < c.ar.length; i++) next += c.ar[i]! * ((w[n - 1 - i] ?? c.mu) - c.mu);
  for (let j = 0; j < c.ma.length; j++) next += c.ma[j]! * (e[n - 1 - j] ?? 0);
  // Undo the differencing.
  if (order.d === 0) return next;
  if (order.d === 1) return next + y[y.length - 1]!;
  return next + 2 * y[y.length - 1]! - y[y.length - 2]!;
}

/** Stepwise order search (Hyndman–Khandakar style) on AIC. */
export function autoArima(y: readonly number[]): ArimaFit | null {
  const d = selectDifferencing(y);
  const intercept = d <= 1;
  const tried = new Map<string, ArimaFit | null>();
  const tryOrder = (p: number, q: number): ArimaFit | null => {
    if (p < 0 || q < 0 || p > MAX_P || q > MAX_Q || p + q > MAX_ORDER) return null;
    const key = `${p},${q}`;
    if (!tried.has(key)) tried.set(key, fitArima(y, { p, d, q, intercept }));
    return tried.get(key) ?? null;
  };
  let best: ArimaFit | null = null;
  const consider = (f: ArimaFit | null) => {
    if (f && Number.isFinite(f.aic) && (best === null || f.aic < best.aic - 1e-9)) best = f;
  };
  for (const [p, q] of [
    [2, 2],
    [0, 0],
    [1, 0],
    [0, 1],
  ] as const)
    consider(tryOrder(p, q));
  for (let guard = 0; guard < 50 && best !== null; guard++) {
    const cur: ArimaFit = best;
    const { p, q } = cur.order;
    for (const [dp, dq] of [
      [-1, 0],
      [1, 0],
      [0, -1],
      [0, 1],
      [-1, -1],
      [1, 1],
      [-1, 1],
      [1, -1],
    ] as const)
      consider(tryOrder(p + dp, q + dq));
    if (best === cur) break;
  }
  return best;
}
