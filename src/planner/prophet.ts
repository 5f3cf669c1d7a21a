// An additive trend model in the spirit of Prophet, for the `prophet` load predictor.
//
// This is an approximation, not Prophet. Over the planner's window (at most
// `prophet_window_size` points, e.g. 50 × 180 s = 2.5 h) Prophet's automatic seasonalities are all
// off (daily needs ≥ 2 days of history), so its model reduces to a piecewise-linear trend:
//   y(t) = (k + Σ_{s_j ≤ t} δ_j)·t + (m − Σ_{s_j ≤ t} s_j·δ_j) + ε,
// with y scaled by max|y|, t scaled to [0, 1] over the history, up to 25 changepoints s_j at evenly
// spaced points of the first 80 % of the history, priors k, m ~ N(0, 5), δ_j ~ Laplace(0, 0.05),
// σ ~ HalfNormal(0.5), and the MAP estimate as the fit. Prophet finds that optimum with Stan's
// L-BFGS; here it is found by alternating an exact σ update with coordinate descent on the
// (L2-penalised k, m; L1-penalised δ) least squares. The forecast is the trend one step past the
// last point, on the original scale.

const CHANGEPOINT_PRIOR_SCALE = 0.05;
const K_M_PRIOR_SCALE = 5;
const SIGMA_PRIOR_SCALE = 0.5;
const N_CHANGEPOINTS = 25;
const CHANGEPOINT_RANGE = 0.8;

export interface TrendFit {
  k: number;
  m: number;
  deltas: number[];
  changepoints: number[];
  t0: number;
  tScale: number;
  yScale: number;
}

function changepointIndexes(n: number): number[] {
  const histSize = Math.floor(n * CHANGEPOINT_RANGE);
  let count = N_CHANGEPOINTS;
  if (count + 1 > histSize) count = histSize - 1;
  if (count <= 0) return [];
  const idx: number[] = [];
  for (let i = 1; i <= count; i++) idx.push(Math.round((i * (histSize - 1)) / count));
  return idx;
}

function trendAt(t: number, k: number, m: number, deltas: readonly number[], cps: readonly number[]): number {
  let slope = k;
  let offset = m;
  for (let j = 0; j < cps.length; j++) {
    if (t >= cps[j]!) {
      slope += deltas[j]!;
      offset -= cps[j]! * deltas[j]!;
    }
  }
  return slope * t + offset;
}

/** MAP fit of the piecewise-linear trend to points (t in seconds, y). */
export function fitTrend(ts: readonly number[], ys: readonly number[]): TrendFit {
  const n = ts.length;
  const t0 = ts[0]!;
  const tScale = ts[n - 1]! - t0 || 1;
  const yScale = ys.reduce((a, v) => Math.max(a, Math.abs(v)), 0) || 1;
  const t = ts.map((v) => (v - t0) / tScale);
  const y = ys.map((v) => v / yScale);
  const cps = changepointIndexes(n).map((i) => t[i]!);
  const nc = cps.length;

  // Design columns: [t, 1, (t − s_j)+ …]; coefficient vector [k, m, δ…].
  const cols: number[][] = [t.slice(), new Array<number>(n).fill(1), ...cps.map((s) => t.map((v) => (v >= s ? v - s : 0)))];
  const beta = new Array<number>(2 + nc).fill(0);
  const colSq = cols.map((c) => c.reduce((a, v) => a + v * v, 0));
  const resid = y.slice();
  let sigma2 = 0.25;
  for (let outer = 0; outer < 60; outer++) {
    // Penalties in the "SSE + …" form for the current σ²: L2 weight σ²/25 on k, m; L1 weight 2σ²/τ on δ.
    const l2 = sigma2 / (K_M_PRIOR_SCALE * K_M_PRIOR_SCALE);
    const l1 = (2 * sigma2) / CHANGEPOINT_PRIOR_SCALE;
    for (let sweep = 0; sweep < 200; sweep++) {
      let maxChange = 0;
      for (let j = 0; j < cols.length; j++) {
        const c = cols[j]!;
        if (colSq[j] === 0) continue;
        let rho = 0;
        for (let i = 0; i < n; i++) rho += c[i]! * (resid[i]! + c[i]! * beta[j]!);
        let next: number;
        if (j < 2) next = rho / (colSq[j]! + l2);
        else next = Math.sign(rho) * Math.max(0, Math.abs(rho) - l1 / 2) / colSq[j]!;
        const delta = next - beta[j]!;
        if (delta !== 0) {
          for (let i = 0; i < n; i++) resid[i]! -= c[i]! * delta;
          beta[j] = next;
          maxChange = Math.max(maxChange, Math.abs(delta));
        }
      }
      if (maxChange < 1e-12) break;
    }
    const sse = resid.reduce((a, v) => a + v * v, 0);
    // d/dσ of n·lnσ + SSE/(2σ²) + σ²/(2·0.25) = 0  ⇔  a·σ⁴ + n·σ² − SSE = 0 with a = 1/0.25.
    const a = 1 / (SIGMA_PRIOR_SCALE * SIGMA_PRIOR_SCALE);
    const next = (-n + Math.sqrt(n * n + 4 * a * sse)) / (2 * a);
    const s2 = Math.max(next, 1e-12);
    if (Math.abs(s2 - sigma2) <= 1e-12 * Math.max(1, sigma2)) {
      sigma2 = s2;
      break;
    }
    sigma2 = s2;
  }
  return { k: beta[0]!, m: beta[1]!, deltas: beta.slice(2), changepoints: cps, t0, tScale, yScale };
}

/** The fitted trend at time `tSeconds`, on the original scale. */
export function predictTrend(fit: TrendFit, tSeconds: number): number {
  const t = (tSeconds - fit.t0) / fit.tScale;
  return trendAt(t, fit.k, fit.m, fit.deltas, fit.changepoints) * fit.yScale;
}
