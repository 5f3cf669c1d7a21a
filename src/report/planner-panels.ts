// The planner report's twelve charts, built from the recorded ticks. Every x axis is simulated
// time since the start of the run (labelled m:ss), every axis titled; agg runs are labelled agg;
// per-engine loads are summarised as min / median / max across engines, so legends keep their size
// however far the planner scales; the replica panel shows starting and draining workers next to
// ready ones; observed and estimated latencies share one axis per metric.

import type { PlannerConfig } from '../planner/config.js';
import type { PlannerSummary } from '../planner/replay-planner.js';
import type { EngineLoadSnapshot, TickSnapshot } from '../planner/types.js';
import { panelLayout, type Figure } from './plotly-page.js';
import type { RunTransitions } from './worker-transitions.js';

export const LOAD_REASON_COLORS: Readonly<Record<string, string>> = {
  scale_up: 'green',
  scale_down: 'blue',
  scale_down_capped_by_throughput: 'purple',
  scale_down_refused_consolidation: 'mediumpurple',
  no_change: 'gray',
  disabled: 'lightgray',
  no_fpm_data: 'yellow',
  scaling_in_progress: 'orange',
  worker_count_mismatch: 'red',
  insufficient_data: 'pink',
  gpu_budget_guard_hold: 'brown',
  gpu_budget_reconcile: 'saddlebrown',
};

export const THROUGHPUT_REASON_COLORS: Readonly<Record<string, string>> = {
  scale: 'green',
  set_lower_bound: 'blue',
  disabled: 'lightgray',
  no_traffic_data: 'yellow',
  predict_failed: 'red',
  model_not_ready: 'orange',
  partner_not_ready: 'darkorange',
  no_change: 'gray',
  gpu_budget_guard_hold: 'brown',
};

/** Panel titles; `{pool}` reads "agg" or "prefill"/"decode" by mode. */
export function panelTitles(agg: boolean): string[] {
  return [
    'Replica Counts (ready, starting, draining)',
    'Request Rate (Observed vs Predicted)',
    'TTFT: Observed vs Estimated vs SLA',
    'ITL: Observed vs Estimated vs SLA',
    agg ? 'Agg Engine Load (queued prefill tokens)' : 'Prefill Engine Load (queued prefill tokens)',
    agg ? 'Agg Engine KV Load (queued + inflight decode KV tokens)' : 'Decode Engine Load (queued + inflight decode KV tokens)',
    'Engine Capacity (req/s)',
    'Sequence Lengths (Observed vs Predicted)',
    'Accept Length (visible tokens per decode forward)',
    'KV Cache Hit Rate (router and engine prefix cache)',
    'Load Scaling Decisions',
    'Throughput Scaling Decisions',
  ];
}

const X_TITLE = 'simulated time (m:ss)';

/** `m:ss` (or `h:mm:ss`) of simulated seconds. */
export function simClock(s: number): string {
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** Tick positions every round interval, at most ~12 of them, labelled m:ss. */
function timeAxis(lastS: number): Record<string, unknown> {
  const steps = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400];
  const step = steps.find((s) => lastS / s <= 12) ?? Math.ceil(lastS / 12);
  const tickvals: number[] = [];
  for (let v = 0; v <= lastS + 1e-9; v += step) tickvals.push(v);
  return { title: { text: X_TITLE }, tickmode: 'array', tickvals, ticktext: tickvals.map(simClock), zeroline: false };
}

type Trace = Record<string, unknown>;

function line(x: number[], y: (number | null)[], name: string, extra: Trace = {}): Trace {
  return { type: 'scatter', mode: 'lines', x, y, name, connectgaps: true, ...extra };
}

/** Min / median / max across engines at each tick (null where no engine reported). */
function acrossEngines(snaps: readonly TickSnapshot[], engines: (s: TickSnapshot) => readonly EngineLoadSnapshot[], value: (e: EngineLoadSnapshot) => number) {
  const min: (number | null)[] = [];
  const med: (number | null)[] = [];
  const max: (number | null)[] = [];
  for (const s of snaps) {
    const v = engines(s).map(value).sort((a, b) => a - b);
    if (v.length === 0) {
      min.push(null);
      med.push(null);
      max.push(null);
      continue;
    }
    min.push(v[0]!);
    max.push(v[v.length - 1]!);
    const mid = v.length >> 1;
    med.push(v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2);
  }
  return { min, med, max };
}

function spreadTraces(x: number[], label: string, s: ReturnType<typeof acrossEngines>, color: string, dash?: string): Trace[] {
  const style = (w: number) => ({ color, width: w, ...(dash ? { dash } : {}) });
  return [
    line(x, s.max, `${label} max`, { line: style(1), opacity: 0.5, connectgaps: false }),
    line(x, s.med, `${label} median`, { line: style(2), connectgaps: false }),
    line(x, s.min, `${label} min`, { line: style(1), opacity: 0.5, connectgaps: false }),
  ];
}

interface Panel {
  traces: Trace[];
  yTitle: string;
  hline?: { y: number; label: string };
  categorical?: boolean;
}

export function buildPlannerFigures(summary: PlannerSummary, config: PlannerConfig, transitions: RunTransitions | null): Figure[] {
  const snaps = summary.snapshots;
  const agg = summary.metadata.mode === 'agg';
  const x = snaps.map((s) => s.timestampS);
  const col = <K extends keyof TickSnapshot>(k: K) => snaps.map((s) => s[k] as unknown as number | null);
  const step = { line: { shape: 'hv' } };

  // Recorded ticks line up with snapshots by time (a snapshot is taken on a subset of ticks).
  const byTime = new Map<number, number>();
  transitions?.ticks.forEach((t, i) => byTime.set(t.nowMs / 1000, i));
  const atSnap = <T>(values: readonly T[] | undefined): (T | null)[] =>
    snaps.map((s) => {
      const i = byTime.get(s.timestampS);
      return i === undefined || values === undefined ? null : (values[i] ?? null);
    });

  const replicas: Trace[] = [];
  const pools: [string, (s: TickSnapshot) => number | null, 'prefill' | 'decode', string][] = agg
    ? [['Agg', (s) => s.numDecodeReplicas, 'decode', '#1f77b4']]
    : [
        ['Prefill', (s) => s.numPrefillReplicas, 'prefill', '#1f77b4'],
        ['Decode', (s) => s.numDecodeReplicas, 'decode', '#2ca02c'],
      ];
  for (const [label, ready, pool, color] of pools) {
    replicas.push(line(x, snaps.map(ready), `${label} ready`, { ...step, mode: 'lines+markers', line: { shape: 'hv', color }, marker: { size: 4 } }));
    const t = transitions?.[pool];
    if (t) {
      replicas.push(line(x, atSnap(t.starting), `${label} starting`, { line: { shape: 'hv', color: 'orange', dash: pool === 'prefill' ? 'dot' : 'solid' } }));
      replicas.push(line(x, atSnap(t.draining), `${label} draining`, { line: { shape: 'hv', color: 'gray', dash: pool === 'prefill' ? 'dot' : 'solid' } }));
    }
  }
  const lowerBounds: [keyof TickSnapshot, string][] = agg
    ? [['throughputLowerBoundDecode', 'Throughput lower bound']]
    : [
        ['throughputLowerBoundPrefill', 'Throughput lower bound (prefill)'],
        ['throughputLowerBoundDecode', 'Throughput lower bound (decode)'],
      ];
  for (const [k, name] of lowerBounds) {
    const ys = col(k);
    if (ys.some((v) => v !== null && v > 1)) replicas.push(line(x, ys, name, { line: { dash: 'dash', color: 'red', shape: 'hv' } }));
  }

  const loadSide = (s: TickSnapshot) => (agg ? s.decodeEngines : s.prefillEngines);
  const prefillLoad = spreadTraces(x, agg ? 'agg engines' : 'prefill engines', acrossEngines(snaps, loadSide, (e) => e.queuedPrefillTokens), '#1f77b4');
  const kvLoad = spreadTraces(
    x,
    agg ? 'agg engines' : 'decode engines',
    acrossEngines(snaps, (s) => s.decodeEngines, (e) => e.queuedDecodeKvTokens + e.inflightDecodeKvTokens),
    '#2ca02c',
  );
  const kvCapacity = summary.metadata.capabilities.decode.max_kv_tokens;

  const decisions = (reasons: (string | null)[], colors: Readonly<Record<string, string>>, name: string, symbol: string): Trace => ({
    type: 'scatter',
    mode: 'markers',
    x,
    y: reasons,
    name,
    text: reasons,
    hoverinfo: 'text+x',
    marker: { color: reasons.map((r) => colors[r ?? ''] ?? 'gray'), size: 8, symbol },
  });
  const loadReasons = snaps.map((s) => s.loadReason ?? (s.loadReasonPrefill || s.loadReasonDecode ? `${s.loadReasonPrefill}/${s.loadReasonDecode}` : null));

  const ttft = config.ttft_ms;
  const itl = config.itl_ms;
  const capacity: Trace[] = agg
    ? [line(x, col('engineRpsDecode'), 'Agg engine RPS', { mode: 'lines+markers', marker: { size: 4 } })]
    : [
        line(x, col('engineRpsPrefill'), 'Prefill engine RPS', { mode: 'lines+markers', marker: { size: 4 } }),
        line(x, col('engineRpsDecode'), 'Decode engine RPS', { mode: 'lines+markers', marker: { size: 4 } }),
      ];
  const observedAccept = atSnap(transitions?.ticks.map((t) => t.acceptLength));
  const observedHit = atSnap(transitions?.ticks.map((t) => t.kvHitRate));
  const engineHit = atSnap(transitions?.prefixHitRate);

  const panels: Panel[] = [
    { traces: replicas, yTitle: 'workers' },
    { traces: [line(x, col('observedRps'), 'Observed RPS'), line(x, col('predictedRps'), 'Predicted RPS', { line: { dash: 'dot' } })], yTitle: 'requests/s' },
    {
      traces: [line(x, col('observedTtftMs'), 'Observed TTFT'), line(x, col('estimatedTtftMs'), 'Estimated TTFT', { mode: 'lines+markers', marker: { size: 3 }, line: { dash: 'dot' } })],
      hline: { y: ttft, label: `SLA (${ttft.toFixed(0)} ms)` },
      yTitle: 'ms',
    },
    {
      traces: [
        line(x, col('observedItlMs'), 'Observed ITL', { line: { color: 'orange' } }),
        line(x, col('estimatedItlMs'), 'Estimated ITL', { mode: 'lines+markers', marker: { size: 3 }, line: { color: 'saddlebrown', dash: 'dot' } }),
      ],
      hline: { y: itl, label: `SLA (${itl.toFixed(0)} ms)` },
      yTitle: 'ms',
    },
    { traces: prefillLoad, yTitle: 'queued prefill tokens per engine' },
    { traces: kvLoad, yTitle: 'decode KV tokens per engine', ...(kvCapacity ? { hline: { y: kvCapacity, label: `KV capacity (${kvCapacity})` } } : {}) },
    { traces: capacity, yTitle: 'requests/s per engine' },
    {
      traces: [
        line(x, col('observedIsl'), 'Observed ISL'),
        line(x, col('predictedIsl'), 'Predicted ISL', { line: { dash: 'dot' } }),
        line(x, col('observedOsl'), 'Observed OSL'),
        line(x, col('predictedOsl'), 'Predicted OSL', { line: { dash: 'dot' } }),
      ],
      yTitle: 'tokens',
    },
    {
      traces: [
        ...(transitions ? [line(x, observedAccept, 'Observed (traffic window)', { mode: 'lines+markers', marker: { size: 3 } })] : []),
        line(x, col('acceptLength'), 'Planner\'s accept length', { line: { dash: 'dot' } }),
      ],
      yTitle: 'tokens per forward',
    },
    {
      traces: [
        ...(transitions ? [line(x, observedHit, 'Router (traffic window)', { mode: 'lines+markers', marker: { size: 3 } })] : []),
        line(x, col('predictedKvHitRate'), 'Planner\'s KV hit rate', { line: { dash: 'dot' } }),
        ...(transitions?.prefixHitRate ? [line(x, engineHit, 'Engine prefix cache (admissions)', { line: { color: 'gray' } })] : []),
      ],
      yTitle: 'hit rate (fraction)',
    },
    { traces: [decisions(loadReasons, LOAD_REASON_COLORS, 'Load decision', 'square')], yTitle: 'load decision', categorical: true },
    { traces: [decisions(snaps.map((s) => s.throughputReason), THROUGHPUT_REASON_COLORS, 'Throughput decision', 'diamond')], yTitle: 'throughput decision', categorical: true },
  ];

  const titles = panelTitles(agg);
  const xaxis = timeAxis(x.length > 0 ? x[x.length - 1]! : 0);
  return panels.map((p, i) => {
    const layout = panelLayout(titles[i]!, X_TITLE, p.yTitle, {
      xaxis,
      ...(p.categorical ? { yaxis: { title: { text: p.yTitle, standoff: 12 }, type: 'category', automargin: true } } : {}),
    });
    const empty = p.traces.every((t) => !(t.y as unknown[]).some((v) => v !== null && v !== undefined));
    if (empty) {
      // Say so rather than draw an empty frame (e.g. no router hit rates without kv_router).
      layout.annotations = [{ xref: 'paper', yref: 'paper', x: 0.5, y: 0.5, text: 'no data in this run', showarrow: false, font: { color: '#888', size: 13 } }];
    }
    if (p.hline) {
      layout.shapes = [{ type: 'line', xref: 'paper', x0: 0, x1: 1, yref: 'y', y0: p.hline.y, y1: p.hline.y, line: { color: 'red', dash: 'dash', width: 1.5 } }];
      layout.annotations = [
        ...((layout.annotations as unknown[] | undefined) ?? []),
        { xref: 'paper', x: 1, xanchor: 'right', yref: 'y', y: p.hline.y, yanchor: 'bottom', text: p.hline.label, showarrow: false, font: { color: 'red', size: 11 } },
      ];
    }
    return { id: `planner-panel-${i + 1}`, data: p.traces, layout };
  });
}
