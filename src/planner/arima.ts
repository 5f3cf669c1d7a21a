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

/** Partial autocorrelations → polynomial coefficients (Durbin–Levinson). */
function pacfToCoefficients(r: readonly number[]): number[] {
  let phi: number[] = [];
  for (let k = 0; k < r.length; k++) {
    const next = phi.map((v, j) => v - r[k]! * phi[k - 1 - j]!);
    next.push(r[k]!);
    phi = next;
  }
  return phi;
}

interface Coefficients {
  mu: number;
  ar: number[];
  ma: number[];
}

function coefficients(order: ArimaOrder, params: readonly number[]): Coefficients {
  let i = 0;
  const mu = order.intercept ? params[i++]! : 0;
  const ar = pacfToCoefficients(params.slice(i, i + order.p).map(Math.tanh));
  i += order.p;
  // MA θ with the same map: invertible for |pacf| < 1 (sign flipped into the e_{t-j} convention).
  const ma = pacfToCoefficients(params.slice(i, i + order.q).map(Math.tanh)).map((v) => -v);
  return { mu, ar, ma };
}

/** Conditional residuals of the differenced series (the first p values are conditioned on). */
function residuals(w: readonly number[], c: Coefficients): number[] {
  const p = c.ar.length;
  const e = new Array<number>(w.length).fill(0);
  for (let t = p; t < w.length; t++) {
    let pred = c.mu;
    for (let i = 0; i < p; i++) pred += c.ar[i]! * (w[t - 1 - i]! - c.mu);
    for (let j = 0; j < c.ma.length; j++) if (t - 1 - j >= p) pred += c.ma[j]! * e[t - 1 - j]!;
    e[t] = w[t]! - pred;
  }
  return e;
}

function sse(w: readonly number[], order: ArimaOrder, params: readonly number[]): number {
  const e = residuals(w, coefficients(order, params));
  let s = 0;
  for (let t = order.p; t < e.length; t++) s += e[t]! * e[t]!;
  return s;
}

/** Nelder–Mead minimisation (deterministic initial simplex). */
export function nelderMead(f: (x: number[]) => number, x0: readonly number[], maxIter = 400, step = 0.3): number[] {
  const n = x0.length;
  if (n === 0) return [];
  let simplex = [x0.slice()];
  for (let i = 0; i < n; i++) {
    const v = x0.slice();
    v[i] = v[i]! + (v[i] !== 0 ? step * Math.max(1, Math.abs(v[i]!)) : step);
    simplex.push(v);
  }
  let values = simplex.map(f);
  for (let iter = 0; iter < maxIter; iter++) {
    const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
    simplex = order.map(([, i]) => simplex[i]!);
    values = order.map(([v]) => v);
    if (Math.abs(values[n]! - values[0]!) <= 1e-10 * (Math.abs(values[0]!) + 1e-12)) break;
    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j]! += simplex[i]![j]! / n;
    const at = (t: number) => centroid.map((c, j) => c + t * (simplex[n]![j]! - c));
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
  const objective = (x: number[]) => {
    const s = sse(w, order, x);
    return Number.isFinite(s) ? s : Number.MAX_VALUE;
  };
  const params = k === 0 ? [] : nelderMead(objective, x0, maxIter);
  const s = sse(w, order, params);
  const sigma2 = Math.max(s / nEff, 1e-300);
  const aic = nEff * Math.log(sigma2) + 2 * (k + 1);
  return { order, params, aic, sse: s };
}

/** One-step forecast of the original series. */
export function forecastArima(y: readonly number[], fit: ArimaFit): number {
  const { order } = fit;
  const w = difference(y, order.d);
  const c = coefficients(order, fit.params);
  const e = residuals(w, c);
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
